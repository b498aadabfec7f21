#!/bin/bash
# mkshort.sh PKIDIR OUTDIR NAME SECONDS -- a client certificate NAME
# (CN=NAME), issued by the test intermediate CA of mkpki.sh, valid from an
# hour ago until SECONDS from now: OUTDIR/NAME.pem (with the intermediate)
# and OUTDIR/NAME.key.  For tests of certificates that expire while a
# connection or a TLS session lives (t/185-expiry.t); made when the test
# runs, since the time matters.  Silent unless something fails.

set -eu
set -o pipefail

[ $# -eq 4 ] || { echo "usage: mkshort.sh PKIDIR OUTDIR NAME SECONDS" >&2; exit 1; }

pki=$1 out=$2 name=$3 secs=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$out"
now=$(date -u +%s)
start=$(date -u -d "@$((now - 3600))" +%Y%m%d%H%M%SZ)
end=$(date -u -d "@$((now + secs))" +%Y%m%d%H%M%SZ)

: > "$work/index.txt"
cat > "$work/ca.cnf" <<EOC
[ ca ]
default_ca = CA_default
[ CA_default ]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid:always
EOC
printf '%X\n' "$now" > "$work/serial"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$out/$name.key" -subj "/CN=$name" -out "$work/$name.csr" \
    > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }

openssl ca -batch -config "$work/ca.cnf" -notext -extensions ext \
    -keyfile "$pki/int.key" -cert "$pki/int.crt" \
    -startdate "$start" -enddate "$end" \
    -in "$work/$name.csr" -out "$work/$name.crt" \
    > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }

cat "$work/$name.crt" "$pki/int.crt" > "$out/$name.pem"
