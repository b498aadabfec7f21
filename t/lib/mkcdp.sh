#!/bin/bash
# mkcdp.sh OUTDIR URLBASE -- a small PKI whose client certificates name
# their CRLs in the CRL Distribution Points extension, for
# "certauthz_crl cdp" (made at test time: the URLs carry the test's port):
#
#   ca1.crt, ca2.crt  two CAs (self-signed, P-256); cas.crt both of them
#   u1.pem            a client of ca1, CDP URLBASE/ca1.crl
#   u2.pem            a client of ca2, CDP URLBASE/ca2.crl
#   u3.pem            a client of ca1, CDP http://10.255.255.1/ca1.crl
#                     (outside any prefix a test allows) and ldap://
#   ca1-empty.crl, ca1-u1.crl (u1 revoked), ca2-empty.crl, ca2-u2.crl
#                     DER, as CAs publish them at a distribution point
#
# Silent unless something fails.

set -eu

out=$1 base=$2
here=$(cd "$(dirname "$0")" && pwd)

. "$here/crl-ca.sh"

mkdir -p "$out"
cd "$out"

run() {
    "$@" >openssl.log 2>&1 || { cat openssl.log >&2; exit 1; }
}

ca() {
    run openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -nodes -keyout "$1.key" -out "$1.crt" -days 3650 \
        -subj "/O=certauthz tests/CN=cdp $1" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign"
    crl_ca "$1.db"
}

leaf() {
    # leaf NAME CA SERIAL CDP...
    local name=$1 ca=$2 serial=$3 cdp
    shift 3
    cdp=$(printf 'URI:%s,' "$@")
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' \
        > "$name.ext"
    printf 'crlDistributionPoints=%s\n' "${cdp%,}" >> "$name.ext"
    run openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$name.key" -out "$name.csr" -subj "/CN=$name"
    run openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" \
        -set_serial "0x$serial" -days 3650 -extfile "$name.ext" \
        -out "$name.crt"
    cat "$name.crt" "$name.key" > "$name.pem"
}

crl() {
    # crl CA OUT [SERIAL]: DER; a CA's CRLs in the order made, numbered
    # on (a revoked serial stays revoked)
    local db=$1.db
    [ -z "${3:-}" ] || crl_ca_revoked "$db" "$3"
    crl_gen "$db" "$1.key" "$1.crt" "$2.pem"
    run openssl crl -in "$2.pem" -outform DER -out "$2"
    rm -f "$2.pem"
}

ca ca1
ca ca2
cat ca1.crt ca2.crt > cas.crt

leaf u1 ca1 C1D1 "$base/ca1.crl"
leaf u2 ca2 C2D2 "$base/ca2.crl"
leaf u3 ca1 C3D3 "http://10.255.255.1/ca1.crl" "ldap://ldap.example/cn=ca1"

crl ca1 ca1-empty.crl
crl ca1 ca1-u1.crl C1D1
crl ca2 ca2-empty.crl
crl ca2 ca2-u2.crl C2D2

rm -f ./*.csr ./*.ext openssl.log
