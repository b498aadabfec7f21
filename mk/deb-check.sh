#!/usr/bin/env bash
# mk/deb-check.sh DEBDIR -- what a Debian user does with the package:
# install it into the system nginx (dpkg -i), check that the module is
# enabled and that "nginx -t" passes, then purge it and check that nothing
# of it is left.  Needs root; changes the system's nginx configuration
# only for as long as it runs.

set -euo pipefail

deb=$(ls "$1"/libnginx-mod-http-certauthz_*.deb)
link=/etc/nginx/modules-enabled/50-mod-http-certauthz.conf
so=/usr/lib/nginx/modules/ngx_http_certauthz_module.so

fail() {
    echo "certauthz: deb-check: $*" >&2
    dpkg --purge libnginx-mod-http-certauthz >/dev/null 2>&1 || true
    exit 1
}

export DEBIAN_FRONTEND=noninteractive
dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb failed"

[ -L "$link" ] || fail "$link was not made"
[ -f "$so" ] || fail "$so was not installed"
# the whole of "nginx -T" first, no pipe: grep -q stops reading at the
# first match, and a writer killed by SIGPIPE fails a pipe under pipefail
conf=$(nginx -T 2>/dev/null) || fail "nginx -T failed with the module enabled"
grep -q '^load_module modules/ngx_http_certauthz_module.so;' <<< "$conf" \
    || fail "nginx -T does not show the load_module line"
nginx -t -q || fail "nginx -t failed with the module enabled"

dpkg --purge libnginx-mod-http-certauthz >/dev/null \
    || fail "dpkg --purge failed"

[ ! -e "$link" ] && [ ! -L "$link" ] || fail "$link is left after purge"
[ ! -e "$so" ] || fail "$so is left after purge"
[ ! -e /usr/share/nginx/modules-available/mod-http-certauthz.conf ] \
    || fail "modules-available/mod-http-certauthz.conf is left after purge"
nginx -t -q || fail "nginx -t failed after purge"

echo "certauthz: deb-check: $(basename "$deb"): installed, enabled," \
     "nginx -t ok; purged, nothing left"
