#!/bin/bash
# certauthz fuzzing: seed corpora, made with the openssl CLI at run time
# (nothing with a private key is kept in the repository).
#
#   bash fuzz/mkcorpus.sh OUT
#
# OUT/pki     a CA, its key and client certificates (CERTAUTHZ_FUZZ_PKI)
# OUT/seeds/{cert,cond,list,crl}/   one seed a file
#
# Made once; delete OUT/seeds/.done to make them again.

set -eu

. "$(cd "$(dirname "$0")" && pwd)/../t/lib/crl-ca.sh"

OUT=${1:?usage: mkcorpus.sh OUT}
OUT=$(mkdir -p "$OUT" && cd "$OUT" && pwd)
PKI=$OUT/pki
SEEDS=$OUT/seeds

if [ -f "$SEEDS/.done" ] && [ -f "$PKI/leaf.crt" ]; then
    exit 0
fi

echo "fuzz: making the seed corpora"

rm -rf "$PKI" "$SEEDS"
mkdir -p "$PKI" "$SEEDS/cert" "$SEEDS/cond" "$SEEDS/list" "$SEEDS/crl"

cd "$PKI"

ossl() {
    openssl "$@" 2>>"$PKI/openssl.log" || {
        echo "fuzz: openssl $1 failed, see $PKI/openssl.log" >&2
        exit 1
    }
}

# the CA, another CA with the same name, and one key for every client

ossl ecparam -name prime256v1 -genkey -noout -out ca.key
ossl req -new -x509 -key ca.key -subj "/CN=certauthz fuzz CA" -days 3650 \
    -out ca.crt
ossl ecparam -name prime256v1 -genkey -noout -out other.key
ossl req -new -x509 -key other.key -subj "/CN=certauthz fuzz CA" \
    -days 3650 -out other.crt
ossl ecparam -name prime256v1 -genkey -noout -out leaf.key

# CAs of that name that sign with RSASSA-PSS and Ed25519 (their CRLs do
# not verify with the CA's key: seeds for the signature's parameters)
ossl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out pss.key
ossl req -new -x509 -key pss.key -subj "/CN=certauthz fuzz CA" -days 3650 \
    -out pss.crt
ossl genpkey -algorithm ED25519 -out ed25519.key
ossl req -new -x509 -key ed25519.key -subj "/CN=certauthz fuzz CA" \
    -days 3650 -out ed25519.crt

# cert NAME SERIAL SUBJECT [SAN] [STRING_MASK] [EXT-LINE]: a client
# certificate (EXT-LINE: a line of extensions more, or instead of the
# default extendedKeyUsage when it sets one)

cert() {
    local name=$1 serial=$2 subj=$3 san=${4:-} mask=${5:-utf8only}
    local extra=${6:-}

    printf '[req]\ndistinguished_name = dn\nstring_mask = %s\n[dn]\n' \
        "$mask" >"$name.cnf"
    {
        echo "[ext]"
        echo "basicConstraints = CA:FALSE"
        case $extra in
        extendedKeyUsage*) ;;
        *) echo "extendedKeyUsage = clientAuth" ;;
        esac
        if [ -n "$extra" ]; then
            printf '%s\n' "$extra"
        fi
        if [ -n "$san" ]; then
            echo "subjectAltName = $san"
        fi
    } >"$name.ext"

    ossl req -new -utf8 -config "$name.cnf" -key leaf.key -subj "$subj" \
        -out "$name.csr"
    ossl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key \
        -set_serial "$serial" -days 365 -extfile "$name.ext" \
        -extensions ext -out "$name.crt"
    ossl x509 -in "$name.crt" -outform DER -out "$SEEDS/cert/$name.der"
}

many=
for i in $(seq 1 200); do
    many="${many}DNS:host$i.example.com,"
done
for i in $(seq 1 40); do
    many="${many}IP:10.1.0.$i,email:user$i@example.com,"
done
many="${many}URI:spiffe://example.com/ns/prod/sa/web"

san="email:alice@example.com,DNS:alice.example.com"
san="$san,URI:spiffe://example.com/ns/prod/sa/web,IP:10.0.0.1,IP:2001:db8::1"
cert leaf 0x1000 "/O=Example/OU=Admins/OU=Ops/CN=alice" "$san"
cert utf8 0x00ff01 $'/O=Soci\xc3\xa9t\xc3\xa9/CN=J\xc3\xbcrgen M\xc3\xbcller' \
    "DNS:xn--bcher-kva.example,email:j@example.com,IP:::ffff:10.0.0.1"
cert bmp 2 $'/O=Example/CN=\xd0\x90\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0' \
    "DNS:bmp.example.com" "MASK:0x800"
cert universal 3 $'/CN=Universal \xf0\x9f\x94\x91' "" "MASK:0x100"
cert many 4 "/CN=many/OU=a/OU=b/OU=c/O=x/O=y" "$many"
cert negative -42 "/CN=negative" "DNS:neg.example.com"
cert serial20 0x7f0102030405060708090a0b0c0d0e0f10111213 "/CN=serial20"
cert empty 5 "/" "email:nobody@example.com"
cert specials 6 '/CN=#a\,b\+c"d<e>f;g=h\\ /OU= lead' \
    "URI:spiffe://example.com/a;c=d,DNS:*.example.com"
cert nosan 0 "/CN=bob/O=Example"
cert multi 7 "/CN=first/CN=second/OU=Ops/OU=Admins" "DNS:a,DNS:b,DNS:c"
# eku, key_usage, policy: names, OIDs, and extensions that do not parse
cert eku 8 "/CN=eku" "" utf8only \
    "extendedKeyUsage = clientAuth, msSmartcardLogin, 1.3.6.1.4.1.55555.7"
cert policy 9 "/CN=policy" "" utf8only \
    "certificatePolicies = 1.3.6.1.4.1.55555.1.2, 2.23.140.1.2.1, 2.5.29.32.0"
cert keyusage 10 "/CN=keyusage" "" utf8only \
    "keyUsage = digitalSignature, nonRepudiation, keyAgreement, decipherOnly"
cert badpolicy 11 "/CN=badpolicy" "" utf8only \
    "certificatePolicies = DER:30:03:02:01:01"
cert badeku 12 "/CN=badeku" "" utf8only "extendedKeyUsage = DER:30:00:05"

ossl x509 -in ca.crt -outform DER -out "$SEEDS/cert/ca.der"
ossl x509 -in other.crt -outform DER -out "$SEEDS/cert/other.der"

# flag bytes after the DER: unverified; texts before the rules
cat "$SEEDS/cert/leaf.der" <(printf '\001') >"$SEEDS/cert/leaf-unverified"
cat "$SEEDS/cert/many.der" <(printf '\002') >"$SEEDS/cert/many-texts"


# CRLs: "openssl ca" with a hand-written index of revoked serials

crl() {
    local name=$1 key=$2 crt=$3 count=$4 extra=${5:-}
    local dir=$PKI/ca-$name i

    crl_ca "$dir"

    for i in $(seq 1 "$count"); do
        crl_ca_revoked "$dir" "$(printf '%04X' $((i * 7 + 3)))" keyCompromise
    done

    # shellcheck disable=SC2086
    crl_gen "$dir" "$key" "$crt" "$SEEDS/crl/$name.pem" -crldays 30 $extra
    ossl crl -in "$SEEDS/crl/$name.pem" -outform DER \
        -out "$SEEDS/crl/$name.der"
}

crl empty ca.key ca.crt 0
crl few ca.key ca.crt 5
crl many ca.key ca.crt 2000
crl other other.key other.crt 3
crl pss pss.key pss.crt 2
crl pss-sha512 pss.key pss.crt 2 "-md sha512 -sigopt rsa_pss_saltlen:20"
crl ed25519 ed25519.key ed25519.crt 2
crl sha384 ca.key ca.crt 2 "-md sha384"
crl stale ca.key ca.crt 1 \
    "-crl_lastupdate 20200101000000Z -crl_nextupdate 20200201000000Z"

# the leaf (serial 1000) revoked
crl_ca_revoked "$PKI/ca-few" 1000
crl_gen "$PKI/ca-few" ca.key ca.crt "$SEEDS/crl/revoked.pem" -crldays 30
ossl crl -in "$SEEDS/crl/revoked.pem" -outform DER \
    -out "$SEEDS/crl/revoked.der"

# CRL extensions (RFC 5280, 5.2): entries on hold, removed and revoked; a
# delta CRL of a partition of user certificates; an unknown critical one
crl_ca "$PKI/ca-exts"
crl_ca_revoked "$PKI/ca-exts" 1000 certificateHold,holdInstructionReject
crl_ca_revoked "$PKI/ca-exts" 1001 removeFromCRL
crl_ca_revoked "$PKI/ca-exts" 1002 keyCompromise
cat >>"$PKI/ca-exts/ca.cnf" <<'EOC'
[ delta ]
# deltaCRLIndicator (BaseCRLNumber 999), which openssl ca has no name for
2.5.29.27 = critical,DER:02:02:03:E7
issuingDistributionPoint = critical,@idp
[ idp ]
fullname = URI:http://crl.example/a.crl
onlyuser = TRUE
[ crit ]
1.3.6.1.4.1.55555.1 = critical,ASN1:NULL
EOC
crl_gen "$PKI/ca-exts" ca.key ca.crt "$SEEDS/crl/holds.pem" -crldays 30
crl_gen "$PKI/ca-exts" ca.key ca.crt "$SEEDS/crl/delta.pem" -crldays 30 \
    -crlexts delta
crl_gen "$PKI/ca-exts" ca.key ca.crt "$SEEDS/crl/crit.pem" -crldays 30 \
    -crlexts crit
cat "$SEEDS/crl/holds.pem" "$SEEDS/crl/delta.pem" >"$SEEDS/crl/base-delta.pem"
for name in holds delta crit; do
    ossl crl -in "$SEEDS/crl/$name.pem" -outform DER \
        -out "$SEEDS/crl/$name.der"
done

cat "$SEEDS/crl/few.pem" "$SEEDS/crl/other.pem" >"$SEEDS/crl/two.pem"
cat ca.crt "$SEEDS/crl/empty.pem" >"$SEEDS/crl/cert-then-crl.pem"
cat "$SEEDS/crl/few.der" "$SEEDS/crl/revoked.der" >"$SEEDS/crl/two.der"
printf 'garbage\n' >"$SEEDS/crl/garbage"


# list files: the first byte chooses the field (0 names, 1 serials,
# 2 fingerprints, 3 IP addresses)

fp=$(openssl x509 -in leaf.crt -noout -fingerprint -sha256 | cut -d= -f2)

printf '\000alice\nbob\n# a comment\n\n  spaced  \r\nJ\xc3\xbcrgen\n#x\na#b\n' \
    >"$SEEDS/list/names"
printf '\0011000\n00:10:00\ndeadbeef\n  0A:0b \r\n# c\n0\n' \
    >"$SEEDS/list/serials"
printf '\002%s\n%s\n' "$fp" "$(echo "$fp" | tr -d : | tr A-F a-f)" \
    >"$SEEDS/list/fingerprints"
printf '\00310.0.0.1\n::1\n2001:DB8:0:0::1\n::ffff:10.0.0.1\n' \
    >"$SEEDS/list/ips"
printf '\003not an ip\n' >"$SEEDS/list/bad-ip"
printf '\001xyz\n' >"$SEEDS/list/bad-serial"
printf '\000' >"$SEEDS/list/empty"


# condition tokens

i=0
while IFS= read -r token; do
    i=$((i + 1))
    printf '%s' "$token" >"$SEEDS/cond/$i"
done <<'TOKENS'
cn=alice
cn!=bob
subject=CN=alice,OU=Admins,O=Example
issuer~^CN=certauthz
o~*^example$
ou!~*^ops$
email=alice@example.com
dns~\.example\.com$
uri~^spiffe://example\.com/ns/prod/sa/(?<svc>[a-z-]+)$
ip=2001:db8:0::1
ip!=10.0.0.1
serial=00:10:00
serial!=DEADBEEF
fingerprint=00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF
cn=@names
serial=@serials
fingerprint!=@fps
ip=@ips
dns!=@names
cn~(*UTF)^\p{L}+$
cn~
cn=
=alice
cn
cn<alice
serial=xyz
ip=300.1.1.1
CN=alice
TOKENS


echo "fuzz: seeds: $(find "$SEEDS" -type f | wc -l) files"
touch "$SEEDS/.done"
