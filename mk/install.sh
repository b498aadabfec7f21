#!/usr/bin/env bash
# mk/install.sh NGINX TREE MODULE.so [MODULE.so ...]
#
# First mk/compat.sh NGINX TREE MODULE.so ...: where NGINX would not load
# the modules (another version, other configure arguments), it says why
# and nothing is installed, unless COMPAT=no.
#
# Installs the modules into the modules path of NGINX (a binary name or
# path), as its "nginx -V" reports it (--modules-path, else
# <--prefix>/modules), under $DESTDIR if set.  Where nginx is laid out
# the Debian way (/etc/nginx/modules-enabled), it also writes
# /usr/share/nginx/modules-available/mod-<name>.conf and links it from
# /etc/nginx/modules-enabled/50-mod-<name>.conf, as Debian's module
# packages do; elsewhere it prints the load_module line to add.

set -euo pipefail

nginx=$1 tree=$2
shift 2
destdir=${DESTDIR:-}

if [ "${COMPAT:-}" != no ]; then
    bash "$(dirname "$0")/compat.sh" "$nginx" "$tree" "$@" || {
        echo "certauthz: not installed: $nginx would not load these" \
             "modules (above); build them for it, or make install" \
             "COMPAT=no to install anyway" >&2
        exit 1
    }
fi

if ! info=$("$nginx" -V 2>&1); then
    echo "certauthz: cannot run '$nginx -V': name the nginx to install" \
         "for with make install NGINX=/path/to/nginx" >&2
    exit 1
fi

opt() {
    printf '%s\n' "$info" | tr ' ' '\n' | sed -n "s/^--$1=//p" | tail -1
}

modules=$(opt modules-path)
prefix=$(opt prefix)
conf=$(opt conf-path)

if [ -z "$modules" ]; then
    modules=${prefix:-/usr/local/nginx}/modules
fi

version=$(printf '%s\n' "$info" | sed -n 's|^nginx version: nginx/||p')
echo "certauthz: installing for nginx $version into $destdir$modules"

install -d "$destdir$modules"

debian=
if [ "$conf" = /etc/nginx/nginx.conf ] && [ -d /etc/nginx/modules-enabled ]
then
    debian=1
    install -d "$destdir/usr/share/nginx/modules-available" \
               "$destdir/etc/nginx/modules-enabled"
fi

# where nginx's stream is a dynamic module, certauthz's stream module can
# be loaded only once that one is installed
stream_missing=
case $info in
*--with-stream=dynamic*)
    [ -f "$modules/ngx_stream_module.so" ] || stream_missing=1 ;;
*--with-stream*) ;;
*)  stream_missing=1 ;;
esac

for so in "$@"; do
    file=$(basename "$so")
    install -m 0644 "$so" "$destdir$modules/$file"
    echo "  $destdir$modules/$file"

    case $file in
    ngx_stream_*)
        if [ -n "$stream_missing" ]; then
            echo "  (not enabled: this nginx has no stream module installed;" \
                 "Debian: apt-get install libnginx-mod-stream, then" \
                 "make install again)"
            continue
        fi ;;
    esac

    # ngx_http_certauthz_module.so -> mod-http-certauthz
    name=mod-$(printf '%s' "${file%_module.so}" | sed 's/^ngx_//; s/_/-/g')

    # a stream module after Debian's 50-mod-stream.conf, which it needs
    case $name in
    mod-stream-*) prio=70 ;;
    *)            prio=50 ;;
    esac

    if [ -n "$debian" ]; then
        avail=/usr/share/nginx/modules-available/$name.conf
        printf 'load_module modules/%s;\n' "$file" > "$destdir$avail"
        ln -sf "$avail" "$destdir/etc/nginx/modules-enabled/$prio-$name.conf"
        echo "  $destdir$avail"
        echo "  $destdir/etc/nginx/modules-enabled/$prio-$name.conf -> $avail"
    fi
done

if [ -n "$debian" ]; then
    echo "certauthz: enabled in /etc/nginx/modules-enabled; check with" \
         "nginx -t, then reload nginx"
else
    echo "certauthz: add to the top of nginx.conf (a stream module after"
    echo "  nginx's own stream module, where that is a dynamic module):"
    for so in "$@"; do
        echo "  load_module $modules/$(basename "$so");"
    done
fi
