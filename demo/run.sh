#!/usr/bin/env bash
# certauthz demo: make a demo PKI, start nginx on 127.0.0.1 with
# demo/nginx.conf, show allowed and denied requests, then revoke bob's
# certificate and show how long the new CRL took to be in force, without a
# reload; leave nginx running.
#
#   demo/run.sh NGINX_BINARY MODULE_SO      (what "make demo" runs)
#   demo/run.sh --stop NGINX_BINARY         (what "make demo-stop" runs)
#
# The demo's files are in build/demo.  nginx's worker processes re-read the
# CRL; started by root, they run as nginx's default user, nobody, which
# cannot enter a checkout inside a home directory of mode 0700 (/root):
# then the files are in a directory of their own under /tmp, and build/demo
# is a link to it.

set -euo pipefail
umask 022

top=$(cd "$(dirname "$0")/.." && pwd)
demo=$top/build/demo
port=${DEMO_PORT:-8443}
app_port=${DEMO_APP_PORT:-8081}

stop() {
    if [ -f "$demo/logs/nginx.pid" ]; then
        "$1" -p "$demo/" -c conf/nginx.conf -s stop 2>/dev/null || true
        sleep 0.5
    fi
}

# whether the worker processes' user can enter directory $1
worker_enters() {
    [ "$(id -u)" != 0 ] && return 0
    command -v runuser >/dev/null 2>&1 || return 1
    runuser -u nobody -g nogroup -- test -x "$1" 2>/dev/null
}

if [ "${1:-}" = --stop ]; then
    stop "$2"
    echo "demo nginx stopped"
    exit 0
fi

nginx=$1
module=$2

stop "$nginx"

# a previous run's files, wherever they are
if [ -L "$demo" ]; then
    old=$(readlink "$demo")
    case $old in
    /tmp/certauthz-demo.*) rm -rf -- "$old" ;;
    esac
    rm -f -- "$demo"
fi

mkdir -p "$top/build"

if worker_enters "$top/build"; then
    prefix=$demo
    mkdir -p "$prefix"
else
    rm -rf -- "$demo"
    prefix=$(mktemp -d /tmp/certauthz-demo.XXXXXX)
    chmod 755 "$prefix"
    ln -s "$prefix" "$demo"
    echo "certauthz demo: nginx's worker processes (user nobody) cannot enter"
    echo "$top/build, and they read the CRL: the demo's files are in"
    echo "$prefix (build/demo links there)"
fi

pki=$prefix/pki

mkdir -p "$prefix/conf" "$prefix/logs" "$prefix/crl"
bash "$top/t/lib/mkpki.sh" "$pki"

# the intermediate CA's "openssl ca" database (t/lib/crl-ca.sh writes its
# ca.cnf) and its first CRL: nothing revoked
. "$top/t/lib/crl-ca.sh"
ca=$prefix/crl/ca
rm -rf "$ca"
crl_ca "$ca"
crl_gen "$ca" "$pki/int.key" "$pki/int.crt" "$prefix/crl/int.crl"

sed -e "s|@MODULE@|$module|" -e "s|@PREFIX@|$prefix|" -e "s|@PKI@|$pki|" \
    -e "s|@PORT@|$port|" -e "s|@APP_PORT@|$app_port|" \
    "$top/demo/nginx.conf" > "$prefix/conf/nginx.conf"
: > "$prefix/logs/error.log"

"$nginx" -t -q -p "$prefix/" -c conf/nginx.conf
"$nginx" -p "$prefix/" -c conf/nginx.conf

url=https://localhost:$port

# show WHAT STATUS CURL-ARGS...: the request, its answer, and a stop if the
# status is not the one the demo promises (CI runs the demo)
show() {
    local what=$1 want=$2 got
    shift 2
    echo
    echo "== $what"
    echo "\$ curl $*"
    got=$(curl -sS --cacert "$pki/root.crt" --resolve "localhost:$port:127.0.0.1" \
               -w '-> HTTP %{http_code}' "$@")
    echo "$got"
    case $got in
    *"-> HTTP $want") ;;
    *) echo "demo: expected HTTP $want here" >&2; exit 1 ;;
    esac
}

echo "certauthz demo: nginx is listening on $url (config: $prefix/conf/nginx.conf)"

show "alice, an admin, may see /admin/; the app gets her fields" 200 \
     --cert "$pki/alice.pem" --key "$pki/alice.key" "$url/admin/"

show "bob has a valid certificate, but the rules say no" 403 \
     --cert "$pki/bob.pem" --key "$pki/bob.key" -o /dev/null "$url/admin/"

show "no certificate at all" 403 -o /dev/null "$url/admin/"

show "a service by its SPIFFE ID; the named capture reaches the app" 200 \
     --cert "$pki/svc-billing.pem" --key "$pki/svc-billing.key" "$url/api/"

show "the public page needs no certificate" 200 "$url/public/"

show "bob is staff: any certificate of Example Corp that is not revoked" 200 \
     --cert "$pki/bob.pem" --key "$pki/bob.key" "$url/staff/"

echo
echo "== bob's certificate is revoked: a new CRL, and no nginx reload"
echo "\$ openssl ca -config $ca/ca.cnf -keyfile int.key -cert int.crt -revoke bob.crt"
crl_revoke "$ca" "$pki/int.key" "$pki/int.crt" "$pki/bob.crt"
echo "\$ openssl ca -config $ca/ca.cnf -keyfile int.key -cert int.crt -gencrl -out int.crl.new"
echo "\$ mv int.crl.new $prefix/crl/int.crl"
crl_gen "$ca" "$pki/int.key" "$pki/int.crt" "$prefix/crl/int.crl.new"
mv "$prefix/crl/int.crl.new" "$prefix/crl/int.crl"
moved=$(date +%s%N)
echo "(certauthz_crl_refresh 1s: certauthz looks at the file every second)"

# bob's request again, every 0.2 s, until it is refused: at most 10 s
echo
echo "== bob again, until the new CRL is in force"
echo "\$ curl --cert $pki/bob.pem --key $pki/bob.key -o /dev/null $url/staff/"
while :; do
    got=$(curl -sS --cacert "$pki/root.crt" \
               --resolve "localhost:$port:127.0.0.1" -o /dev/null \
               -w '%{http_code}' --cert "$pki/bob.pem" --key "$pki/bob.key" \
               "$url/staff/")
    ms=$(( ($(date +%s%N) - moved) / 1000000 ))
    if [ "$got" = 403 ]; then
        printf -- '-> HTTP 403, %d.%01d s after the mv, without a reload\n' \
               $((ms / 1000)) $((ms % 1000 / 100))
        break
    fi
    if [ "$ms" -ge 10000 ]; then
        echo "-> HTTP $got, still, 10 s after the mv"
        echo "demo: expected HTTP 403 here; what nginx says about the CRL:" >&2
        grep 'certauthz: .*CRL' "$prefix/logs/error.log" | tail -3 >&2 || true
        exit 1
    fi
    sleep 0.2
done

echo
echo "== why the denied ones were denied ($prefix/logs/error.log):"
sleep 0.2
grep -o 'certauthz: .*, client' "$prefix/logs/error.log" | sed 's/, client$//'

cat <<EOT

nginx keeps running for you to try more, e.g.:
  curl --cacert $pki/root.crt --resolve localhost:$port:127.0.0.1 \\
       --cert $pki/alice.pem --key $pki/alice.key $url/admin/
Stop it with: make demo-stop
EOT
