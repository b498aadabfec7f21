#!/usr/bin/env bash
# certauthz demo: make a demo PKI, start nginx on 127.0.0.1 with
# demo/nginx.conf, show allowed and denied requests, then revoke bob's
# certificate and show the new CRL in force without a reload; leave nginx
# running.
#
#   demo/run.sh NGINX_BINARY MODULE_SO      (what "make demo" runs)
#   demo/run.sh --stop NGINX_BINARY         (what "make demo-stop" runs)

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prefix=$top/build/demo
pki=$prefix/pki
port=${DEMO_PORT:-8443}
app_port=${DEMO_APP_PORT:-8081}

stop() {
    if [ -f "$prefix/logs/nginx.pid" ]; then
        "$1" -p "$prefix/" -c conf/nginx.conf -s stop 2>/dev/null || true
        sleep 0.5
    fi
}

if [ "${1:-}" = --stop ]; then
    stop "$2"
    echo "demo nginx stopped"
    exit 0
fi

nginx=$1
module=$2

stop "$nginx"

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
echo "(certauthz_crl_refresh 1s: certauthz looks at the file every second)"
sleep 2

show "bob again, a second later" 403 \
     --cert "$pki/bob.pem" --key "$pki/bob.key" -o /dev/null "$url/staff/"

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
