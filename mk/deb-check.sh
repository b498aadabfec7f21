#!/usr/bin/env bash
# mk/deb-check.sh DEBDIR -- what a Debian user does with the packages:
# install them into the system nginx (dpkg -i), check that both modules are
# enabled, in an order that loads nginx's stream module before certauthz's,
# that each carries the README and the directive reference in
# /usr/share/doc/<package>/, and that "nginx -t" passes; then purge them
# and check that nothing of them is left.  Each step is said as it runs.  Needs root (and libnginx-mod-stream installed); changes the
# system's nginx configuration only for as long as it runs.

set -euo pipefail

pkgs="libnginx-mod-http-certauthz libnginx-mod-stream-certauthz"
debs=$(for p in $pkgs; do ls "$1"/${p}_*.deb; done)
enabled=/etc/nginx/modules-enabled

fail() {
    echo "certauthz: deb-check: $*" >&2
    dpkg --purge $pkgs >/dev/null 2>&1 || true
    exit 1
}

say() { echo "certauthz: deb-check: $*"; }

export DEBIAN_FRONTEND=noninteractive
say "dpkg -i" $debs
# whatever stops this script from here on, the packages go again
trap 'if [ -z "${purged:-}" ]; then dpkg --purge $pkgs >/dev/null 2>&1; fi' EXIT
dpkg -i $debs >/dev/null || fail "dpkg -i $debs failed"

for m in http stream; do
    [ -f /usr/lib/nginx/modules/ngx_${m}_certauthz_module.so ] \
        || fail "ngx_${m}_certauthz_module.so was not installed"
    ls $enabled/*-mod-$m-certauthz.conf >/dev/null 2>&1 \
        || fail "mod-$m-certauthz.conf is not enabled in $enabled"
done

# the README and the directive reference in each package's doc directory
# (dh_compress gzips the larger ones)
docs=
for p in $pkgs; do
    for d in README.md directives.md copyright; do
        f=
        for c in /usr/share/doc/$p/$d /usr/share/doc/$p/$d.gz; do
            [ ! -f "$c" ] || f=$c
        done
        [ -n "$f" ] || fail "/usr/share/doc/$p/$d is not installed"
        docs="$docs $f"
    done
done
say "modules installed and enabled in $enabled; docs:" $docs

# the whole of "nginx -T" first, no pipe: grep -q stops reading at the
# first match, and a writer killed by SIGPIPE fails a pipe under pipefail
conf=$(nginx -T 2>/dev/null) || fail "nginx -T failed with the modules enabled"
loads=$(grep '^load_module' <<< "$conf")
grep -q 'ngx_http_certauthz_module.so;' <<< "$loads" \
    || fail "nginx -T does not load the http module"
[ "$(grep -n 'ngx_stream_module.so;' <<< "$loads" | cut -d: -f1)" \
  -lt "$(grep -n 'ngx_stream_certauthz_module.so;' <<< "$loads" | cut -d: -f1)" ] \
    || fail "the stream module of certauthz is not loaded after nginx's"
nginx -t -q || fail "nginx -t failed with the modules enabled"
say "nginx -t passes with both modules loaded (nginx's stream module first)"

say "dpkg --purge $pkgs"
dpkg --purge $pkgs >/dev/null || fail "dpkg --purge failed"
purged=1

for m in http stream; do
    ! ls $enabled/*-mod-$m-certauthz.conf >/dev/null 2>&1 \
        || fail "mod-$m-certauthz.conf is left in $enabled after purge"
    [ ! -e /usr/lib/nginx/modules/ngx_${m}_certauthz_module.so ] \
        || fail "ngx_${m}_certauthz_module.so is left after purge"
    [ ! -e /usr/share/nginx/modules-available/mod-$m-certauthz.conf ] \
        || fail "modules-available/mod-$m-certauthz.conf is left after purge"
    [ ! -e /usr/share/doc/libnginx-mod-$m-certauthz ] \
        || fail "/usr/share/doc/libnginx-mod-$m-certauthz is left after purge"
done
nginx -t -q || fail "nginx -t failed after purge"

echo "certauthz: deb-check: $(for d in $debs; do basename "$d"; done | paste -sd' ')" \
     "installed, enabled, docs in /usr/share/doc, nginx -t ok; purged," \
     "nothing left"
