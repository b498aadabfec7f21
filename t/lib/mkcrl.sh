#!/bin/bash
# mkcrl.sh PKIDIR -- make the test CRLs for the PKI of mkpki.sh, with
# "openssl ca -revoke" and "openssl ca -gencrl", into PKIDIR/crl:
#
#   int-empty.crl     the intermediate's CRL, nothing revoked
#   int-alice.crl     the intermediate's CRL revoking alice (0A1B2C)
#   int-alice.der     the same, DER
#   int-door-1.crl    the intermediate's CRL revoking door-1
#   ed25519-revoked.crl, ed448-revoked.crl, pss-revoked.crl
#                     the CRLs of int-ed25519, int-ed448 and int-pss (signed
#                     with Ed25519, Ed448, RSASSA-PSS) revoking their client
#   ed25519-empty.crl, ed448-empty.crl, pss-empty.crl   revoking nothing
#   ed25519-wrongkey.crl  int-ed25519's name and client, another Ed25519 key
#   int-stale.crl     nothing revoked, nextUpdate in 2020
#   int-stale-alice.crl  alice revoked, nextUpdate in 2020
#   int-1969.crl      nothing revoked, nextUpdate in 1969 (before the epoch)
#   int-wrongkey.crl  issuer name of the intermediate, revoking nothing,
#                     but signed by another key (must not count)
#   root-empty.crl    the root's CRL, nothing revoked
#   other-0a1b2c.crl  the other CA's CRL revoking serial 0A1B2C (alice's
#                     serial, from a CA that did not issue alice)
#   chain-alice.crl   root-empty.crl + int-alice.crl, one PEM file
#   chain-empty.crl   root-empty.crl + int-empty.crl
#   mixed-other.crl   other-0a1b2c.crl + int-empty.crl
#   garbage.crl       not a CRL
#   int-longserial.crl  the intermediate's CRL revoking a serial of 1,025
#                     bytes (longer than certauthz accepts: refused)
#
# Silent unless something fails.

set -eu
set -o pipefail

pki=$1
out=$pki/crl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$out"

. "$(dirname "$0")/crl-ca.sh"

# gencrl NAME KEY CERT [openssl ca options] [-- CERTS TO REVOKE...]
gencrl() {
    local name=$1 key=$2 cert=$3 d opts=() revoke=()
    shift 3

    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    revoke=("$@")

    d=$work/$name
    crl_ca "$d"

    for c in ${revoke[@]+"${revoke[@]}"}; do
        crl_revoke "$d" "$key" "$cert" "$c"
    done

    crl_gen "$d" "$key" "$cert" "$out/$name.crl" ${opts[@]+"${opts[@]}"}
}

past=(-crl_lastupdate 20200101000000Z -crl_nextupdate 20200102000000Z)

gencrl int-empty "$pki/int.key" "$pki/int.crt"
gencrl int-alice "$pki/int.key" "$pki/int.crt" -- "$pki/alice.crt"
gencrl int-door-1 "$pki/int.key" "$pki/int.crt" -- "$pki/door-1.crt"

for kind in ed25519 ed448 pss; do
    gencrl $kind-revoked "$pki/int-$kind.key" "$pki/int-$kind.crt" \
        -- "$pki/client-$kind.crt"
    gencrl $kind-empty "$pki/int-$kind.key" "$pki/int-$kind.crt"
done

# the same name, signed by another Ed25519 key (through a self-signed
# certificate of that name: openssl ca wants key and certificate to match)
openssl genpkey -algorithm ED25519 -out "$work/other-ed25519.key" 2>/dev/null
openssl req -x509 -new -key "$work/other-ed25519.key" -days 3650 \
    -subj "/O=certauthz tests/CN=certauthz Test ed25519 CA" \
    -out "$work/fake-ed25519.crt" 2>/dev/null
crl_ca "$work/ed25519-wrongkey"
crl_ca_revoked "$work/ed25519-wrongkey" 5022
crl_gen "$work/ed25519-wrongkey" "$work/other-ed25519.key" \
    "$work/fake-ed25519.crt" "$out/ed25519-wrongkey.crl"
gencrl int-stale "$pki/int.key" "$pki/int.crt" "${past[@]}"
gencrl int-stale-alice "$pki/int.key" "$pki/int.crt" "${past[@]}" \
    -- "$pki/alice.crt"
# nextUpdate before 1970 (a UTCTime can say 1950-1999)
gencrl int-1969 "$pki/int.key" "$pki/int.crt" \
    -crl_lastupdate 19690101000000Z -crl_nextupdate 19691231000000Z
gencrl root-empty "$pki/root.key" "$pki/root.crt"
gencrl other-0a1b2c "$pki/other-root.key" "$pki/other-root.crt" \
    -- "$pki/eve.crt"

# a CA certificate with the intermediate's name and another key
openssl req -x509 -new -key "$pki/other-root.key" -days 3650 -sha256 \
    -subj "/O=certauthz tests/CN=certauthz Test Intermediate CA" \
    -out "$work/fake-int.crt" 2>/dev/null
gencrl int-wrongkey "$pki/other-root.key" "$work/fake-int.crt"

# a revoked serial longer than any real one, written into the CA's index
crl_ca "$work/int-longserial"
crl_ca_revoked "$work/int-longserial" "$(printf '7F%.0s' $(seq 1025))"
crl_gen "$work/int-longserial" "$pki/int.key" "$pki/int.crt" \
    "$out/int-longserial.crl"

openssl crl -in "$out/int-alice.crl" -outform DER -out "$out/int-alice.der"

cat "$out/root-empty.crl" "$out/int-alice.crl" > "$out/chain-alice.crl"
cat "$out/root-empty.crl" "$out/int-empty.crl" > "$out/chain-empty.crl"
cat "$out/other-0a1b2c.crl" "$out/int-empty.crl" > "$out/mixed-other.crl"
printf 'this is not a CRL\n' > "$out/garbage.crl"

# the issuer names must be what the tests think they are
[ "$(openssl crl -in "$out/int-wrongkey.crl" -noout -issuer)" = \
  "$(openssl crl -in "$out/int-empty.crl" -noout -issuer)" ] || {
    echo "mkcrl.sh: int-wrongkey.crl has the wrong issuer name" >&2
    exit 1
}
