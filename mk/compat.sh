#!/usr/bin/env bash
# mk/compat.sh NGINX TREE MODULE.so [MODULE.so ...]
#
# Will the modules, built in the nginx tree TREE (build/nginx), load into
# NGINX (a binary name or path)?  nginx loads a dynamic module only if it
# was built for the same nginx version and with compatible configure
# arguments; what users see otherwise is one line from nginx, e.g.
#
#   dlopen() "..._module.so" failed (...: undefined symbol: ngx_thread_pool_get)
#
# (a module built --with-threads, loaded into an nginx without threads).
# This says in words what differs: the version, then the configure
# arguments of the tree (objs/ngx_auto_config.h) against those of NGINX
# ("nginx -V"), leaving out what does not touch a module's binary
# interface (paths, compiler flags, other modules' sources); then it lets
# NGINX load the modules ("nginx -t" on a configuration of load_module
# lines only) and, where that fails, says why.
#
# Exit 0: versions equal and the modules load (or, where nginx -t cannot
# run here, no difference known to stop loading); 1 otherwise.

set -uo pipefail

nginx=$1 tree=$2
shift 2

say() { echo "certauthz: compat: $*"; }

if ! info=$("$nginx" -V 2>&1); then
    say "cannot run '$nginx -V': name the nginx with NGINX=/path/to/nginx" >&2
    exit 1
fi
if [ ! -f "$tree/objs/ngx_auto_config.h" ]; then
    say "$tree is not a configured nginx tree: run make first" >&2
    exit 1
fi

# the versions
n_version=$(sed -n 's|^nginx version: [^/]*/||p' <<< "$info" | awk '{print $1}')
m_version=$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"/\1/p' \
            "$tree/src/core/nginx.h")

# the configure arguments, as argument lists: nginx -V quotes them for a
# shell; ngx_auto_config.h holds them as a C string
n_args=$(sed -n 's/^configure arguments: //p' <<< "$info")
m_args=$(sed -n 's/^#define NGX_CONFIGURE "\(.*\)"$/\1/p' \
         "$tree/objs/ngx_auto_config.h" | sed 's/\\"/"/g; s/\\\\/\\/g')

# one option a line, only those that can change what a module is built
# as: no paths, compiler or linker flags, sources of libraries or other
# modules; nginx's own dynamic modules (=dynamic) change nothing in the
# core a module links against, except stream, which certauthz's stream
# module needs (static or dynamic alike)
norm() {
    local a
    eval "set -- $1" 2>/dev/null || set -- $1
    for a; do
        case $a in
        --prefix=*|--sbin-path=*|--modules-path=*|--conf-path=*) ;;
        --error-log-path=*|--pid-path=*|--lock-path=*|--http-*-path=*) ;;
        --http-log-path=*|--user=*|--group=*|--build=*|--builddir=*) ;;
        --crossbuild=*|--with-cc=*|--with-cpp=*|--with-*-opt=*) ;;
        --with-openssl=*|--with-pcre=*|--with-zlib=*|--with-libatomic=*) ;;
        --with-zlib-asm=*|--with-perl=*|--with-perl_modules_path=*) ;;
        --add-module=*|--add-dynamic-module=*) ;;
        --with-stream=dynamic) echo --with-stream ;;
        --with-*=dynamic) ;;
        *) echo "$a" ;;
        esac
    done | sort -u
}

n_set=$(norm "$n_args")
m_set=$(norm "$m_args")
only_m=$(comm -23 <(echo "$m_set") <(echo "$n_set") | grep . || true)
only_n=$(comm -13 <(echo "$m_set") <(echo "$n_set") | grep . || true)

in_set() { grep -qxF -- "$1" <<< "$2"; }

bad=0
say "the modules were built against nginx $m_version ($tree);" \
    "$nginx is nginx $n_version"
if [ "$m_version" != "$n_version" ]; then
    say "DIFFERENT VERSIONS: nginx refuses the module (module \"...\"" \
        "version ... instead of ...); build against the source of nginx" \
        "$n_version: make NGINX_SRC=/path/to/nginx-$n_version"
    bad=1
fi

both_compat=
in_set --with-compat "$m_set" && in_set --with-compat "$n_set" && both_compat=1

if [ -z "$only_m$only_n" ]; then
    say "configure arguments: the same, as far as a module's binary" \
        "interface goes (paths, compiler flags and other modules left aside)"
else
    [ -z "$only_m" ] || say "configured for the modules but not for $nginx:" \
        $only_m
    [ -z "$only_n" ] || say "configured for $nginx but not for the modules:" \
        $only_n

    known=
    if in_set --with-threads "$only_m"; then
        say "--with-threads: the modules then call nginx's thread pool" \
            "(ngx_thread_pool_get, ngx_thread_task_post, ...), which $nginx does not have;" \
            "loading fails with dlopen() ... undefined symbol"
        bad=1 known=1
    fi
    if in_set --with-threads "$only_n"; then
        say "--with-threads only in $nginx: the modules load, and read" \
            "CRL files in the event loop instead of nginx's thread pool"
        known=1
    fi
    if [ -z "$both_compat" ]; then
        say "--with-compat is not on both sides: then every option above" \
            "has to match, or nginx refuses the module (is not binary" \
            "compatible)"
        bad=1 known=1
    fi
    if in_set --with-http_ssl_module "$only_m"; then
        say "$nginx has no http SSL module: certauthz cannot work there"
        bad=1 known=1
    fi
    if in_set --with-stream "$only_m"; then
        say "$nginx has no stream module: the stream module cannot load"
        bad=1 known=1
    fi
    if in_set --without-pcre "$only_n"; then
        say "$nginx is built --without-pcre: the modules call nginx's" \
            "regex functions, which it does not have"
        bad=1 known=1
    fi
    if [ -n "$both_compat" ]; then
        say "the ${known:+other }differences (nginx's own modules and" \
            "options) do not change what a module is built as, with" \
            "--with-compat on both sides; nginx -t below is the proof"
    fi
fi
if [ "$bad" = 1 ]; then
    say "build with the same version and configure arguments as the nginx" \
        "that loads the modules: make NGINX_SRC=/path/to/nginx-$n_version" \
        "NGINX_CONFIGURE_ARGS=\"\$($nginx -V 2>&1 | sed -n 's/^configure arguments: //p')\""
fi

# the proof: nginx -t on load_module lines only, nginx's own dynamic
# stream module first where there is one
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/logs"
modpath=$(tr ' ' '\n' <<< "$n_args" | sed -n 's/^--modules-path=//p' | tail -1)
prefix=$(tr ' ' '\n' <<< "$n_args" | sed -n 's/^--prefix=//p' | tail -1)
modpath=${modpath:-${prefix:-/usr/local/nginx}/modules}
# nginx's stream module, where it is a dynamic one: in the modules path,
# or next to an nginx binary that was built in its tree (objs/)
stream_so=
case " $n_args " in
*" --with-stream=dynamic "*)
    nbin=$(command -v "$nginx")
    nbin=$(cd "$(dirname "$nbin")" && pwd)/$(basename "$nbin")
    for c in "$modpath/ngx_stream_module.so" \
             "$(dirname "$nbin")/ngx_stream_module.so"; do
        [ -n "$stream_so" ] || [ ! -f "$c" ] || stream_so=$c
    done ;;
esac
{
    [ -z "$stream_so" ] || echo "load_module $stream_so;"
    for so in "$@"; do
        [ -f "$so" ] || continue
        case $(basename "$so") in
        ngx_stream_*)
            case " $n_args " in
            *" --with-stream=dynamic "*)
                if [ -z "$stream_so" ]; then
                    say "not tried: $(basename "$so") (nginx's own" \
                        "ngx_stream_module.so, which it needs first, is" \
                        "not in $modpath)" >&2
                    continue
                fi ;;
            esac ;;
        esac
        echo "load_module $(cd "$(dirname "$so")" && pwd)/$(basename "$so");"
    done
    echo "error_log $tmp/logs/error.log;"
    echo "pid $tmp/nginx.pid;"
    echo "events { }"
} > "$tmp/nginx.conf"

tried=$(sed -n 's|^load_module .*/\(ngx_[a-z]*_certauthz_module.so\);$|\1|p' \
        "$tmp/nginx.conf" | paste -sd' ')
if out=$("$nginx" -t -q -p "$tmp/" -c "$tmp/nginx.conf" 2>&1); then
    say "$nginx -t loads ${tried:-no module}: ok"
else
    case $out in
    *dlopen*|*"binary compatible"*|*"instead of"*)
        say "$nginx -t does NOT load the modules:"
        sed 's/^/    /' <<< "$out"
        if grep -q 'undefined symbol: ngx_thread' <<< "$out"; then
            say "(an undefined ngx_thread_* symbol: the modules were built" \
                "--with-threads, this nginx without)"
        fi
        bad=1 ;;
    *)
        say "could not try loading the modules with $nginx -t here:"
        sed 's/^/    /' <<< "$out" ;;
    esac
fi

exit $bad
