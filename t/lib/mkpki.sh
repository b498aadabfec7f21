#!/bin/bash
# mkpki.sh OUTDIR -- build the certauthz test PKI into OUTDIR.
#
# Uses only the openssl CLI (OpenSSL 3.x).  Keys are regenerated on every run
# (EC P-256, unencrypted); subjects, SANs, serials and issuers are fixed so the
# tests can rely on them.  OUTDIR/expected.txt records, as computed by openssl,
# the subject/issuer (RFC 2253), serial and SHA-256 fingerprint of each client.
#
# The PKI is built in OUTDIR.tmp.<pid> and renamed into place, so a caller
# never sees a partially built OUTDIR; OUTDIR/.stamp is written last.
# Silent unless something fails.

set -eu
set -o pipefail

prog=mkpki.sh

die() {
    echo "$prog: $*" >&2
    exit 1
}

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $prog OUTDIR"

command -v openssl >/dev/null 2>&1 || die "openssl not found in PATH"

# --- resolve OUTDIR to an absolute path (tls.conf contains absolute paths) ---
out=$1
while [ "${out%/}" != "$out" ] && [ "$out" != / ]; do
    out=${out%/}
done
[ "$out" != / ] || die "refusing to use / as OUTDIR"
parent=$(dirname -- "$out")
base=$(basename -- "$out")
mkdir -p -- "$parent"
parent=$(cd -- "$parent" && pwd -P)
out=$parent/$base

case $out in
*[[:space:]\;\"\'\$\{\}]*)
    die "OUTDIR must not contain whitespace, quotes, ';', '\$' or braces: $out" ;;
esac

tmp=$out.tmp.$$
aside=
cleanup() {
    rm -rf -- "$tmp"
    if [ -n "$aside" ]; then
        rm -rf -- "$aside"
    fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

rm -rf -- "$tmp"
mkdir -p -- "$tmp/ext" "$tmp/csr" "$tmp/www"
umask 077

log=$tmp/csr/.log

# run CMD...: run quietly; on failure show the command and its output.
run() {
    if ! "$@" >"$log" 2>&1; then
        {
            echo "$prog: command failed: $*"
            cat "$log"
        } >&2
        exit 1
    fi
}

# --- openssl req configurations: one per string_mask --------------------------
# utf8:  every DirectoryString is a UTF8String
# bmp:   only BMPString allowed (B_ASN1_BMPSTRING = 0x0800)
# (UniversalString cannot be had this way for CN: MASK:0x100 leaves no type
# permitted for commonName and OpenSSL then falls back to its default mask,
# giving a T61String.  See univ below.)
write_reqconf() {
    cat >"$tmp/csr/req-$1.cnf" <<CNF
[ req ]
distinguished_name = req_dn
string_mask        = $2
utf8               = yes
prompt             = no

[ req_dn ]
CN = unused
CNF
}
write_reqconf utf8 utf8only
write_reqconf bmp MASK:0x800

# newkey NAME SUBJECT [MASK]: fresh P-256 key NAME.key and CSR csr/NAME.csr.
newkey() {
    run openssl req -new -config "$tmp/csr/req-${3:-utf8}.cnf" -utf8 \
        -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$tmp/$1.key" -subj "$2" -out "$tmp/csr/$1.csr"
}

# sign NAME ISSUER SERIAL: issue NAME.crt from csr/NAME.csr using the
# extensions in ext/NAME.cnf (section [ext]).  ISSUER "self" self-signs.
sign() {
    if [ "$2" = self ]; then
        set -- "$1" "$3" -key "$tmp/$1.key"
    else
        set -- "$1" "$3" -CA "$tmp/$2.crt" -CAkey "$tmp/$2.key"
    fi
    local name=$1 serial=$2
    shift 2
    run openssl x509 -req -in "$tmp/csr/$name.csr" "$@" \
        -set_serial "$serial" -days "${days:-3650}" "${md:--sha256}" \
        -extfile "$tmp/ext/$name.cnf" -extensions ext \
        -out "$tmp/$name.crt"
}

# ext NAME: write ext/NAME.cnf from stdin, prefixed by the [ext] header.
ext() {
    {
        echo "[ ext ]"
        cat
    } >"$tmp/ext/$1.cnf"
}

# client_ext NAME [EXTRA-LINE...]: extensions for a client certificate.
client_ext() {
    local name=$1
    shift
    {
        cat <<CNF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
CNF
        for line in "$@"; do
            echo "$line"
        done
    } | ext "$name"
}

AKID='authorityKeyIdentifier = keyid:always'

# client NAME ISSUER SERIAL SUBJECT MASK [EXTRA-EXT-LINE...]
client() {
    local name=$1 issuer=$2 serial=$3 subj=$4 mask=$5
    shift 5
    newkey "$name" "$subj" "$mask"
    if [ "$issuer" = self ]; then
        client_ext "$name" "$@"
    else
        client_ext "$name" "$AKID" "$@"
    fi
    sign "$name" "$issuer" "$serial"
    chain "$name" "$issuer"
}

# chain NAME ISSUER: NAME.pem, the certificate followed by its intermediate
# CA, if it has one (the client presents that; nginx trusts only ca.crt).
chain() {
    case $2 in
    int|srvca|int-*) cat "$tmp/$1.crt" "$tmp/$2.crt" >"$tmp/$1.pem" ;;
    *)         cat "$tmp/$1.crt" >"$tmp/$1.pem" ;;
    esac
}

# der_hex FILE: the DER of the PEM certificate FILE as upper-case hex.
der_hex() {
    openssl x509 -in "$1" -outform DER | od -An -v -tx1 | tr -d ' \n' \
        | tr 'a-f' 'A-F'
}

# patched NAME SERIAL SUBJECT PLACEHOLDER TLV [EXTRA-EXT-LINE...]: a client
# certificate issued by int whose subject is SUBJECT, with the UTF8String
# PLACEHOLDER in it replaced by TLV (DER hex, no colons, same length).
# openssl req cannot write a NUL byte or a UniversalString into a subject,
# so: issue a throw-away self-signed certificate with the placeholder,
# rewrite that TLV in its DER, let openssl re-sign it with the same key (so
# it is a valid self-signed input again), then have the intermediate
# certify it like any other client.
patched() {
    local name=$1 serial=$2 subj=$3 ph=$4 to=$5 from hex
    shift 5
    newkey "$name" "$subj"
    client_ext "$name" "$AKID" "$@"
    run openssl x509 -req -in "$tmp/csr/$name.csr" -key "$tmp/$name.key" \
        -set_serial "$serial" -days 3650 -sha256 -out "$tmp/csr/$name-ph.crt"
    from=$(tlv 0C "$(hexcolon "$ph")" | tr -d :)
    [ "${#from}" -eq "${#to}" ] \
        || die "$name: replacement TLV $to is not as long as $from"
    hex=$(der_hex "$tmp/csr/$name-ph.crt")
    case $hex in
    *"$from"*) ;;
    *) die "$name: placeholder $ph not found in DER" ;;
    esac
    hex=${hex//"$from"/"$to"}
    printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" \
        >"$tmp/csr/$name-patched.der"
    run openssl x509 -inform DER -in "$tmp/csr/$name-patched.der" \
        -key "$tmp/$name.key" -days 3650 -sha256 -out "$tmp/csr/$name-self.crt"
    run openssl x509 -in "$tmp/csr/$name-self.crt" \
        -CA "$tmp/int.crt" -CAkey "$tmp/int.key" \
        -set_serial "$serial" -days 3650 -sha256 \
        -extfile "$tmp/ext/$name.cnf" -extensions ext -out "$tmp/$name.crt"
    chain "$name" int
}

# hexcolon STRING: the bytes of STRING as colon-separated upper-case hex.
hexcolon() {
    printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' \
        | tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//'
}

# tlv TAG HEXCOLON-CONTENT: a DER TLV (short-form length only).
tlv() {
    local len
    if [ -z "$2" ]; then
        len=0
    else
        len=$(( (${#2} + 1) / 3 ))
    fi
    [ "$len" -lt 128 ] || die "tlv: content too long for short-form length"
    if [ "$len" -eq 0 ]; then
        printf '%s:%02X' "$1" 0
    else
        printf '%s:%02X:%s' "$1" "$len" "$2"
    fi
}

# --- certificate authorities -------------------------------------------------
CA_EXT='basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash'

newkey root '/O=certauthz tests/CN=certauthz Test Root CA'
printf '%s\n' "$CA_EXT" | ext root
sign root self 0x01

newkey int '/O=certauthz tests/CN=certauthz Test Intermediate CA'
printf '%s\n' "$CA_EXT" "$AKID" \
    | sed 's/CA:TRUE$/CA:TRUE, pathlen:0/' | ext int
sign int root 0x02

cat "$tmp/int.crt" "$tmp/root.crt" >"$tmp/ca.crt"

newkey other-root '/O=other/CN=Other Test CA'
printf '%s\n' "$CA_EXT" | ext other-root
sign other-root self 0x03

# --- server ------------------------------------------------------------------
newkey server '/CN=localhost'
ext server <<CNF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
$AKID
subjectAltName         = DNS:localhost, IP:127.0.0.1
CNF
sign server root 0x04

# --- clients -----------------------------------------------------------------
# Order here is the order of expected.txt.
CLIENTS='alice bob svc-billing multicn nosan utf8 bmp univ nulemail special
big-serial highbit eve mallory rootclient quoted crlf nulcn dnspecial manysan
bigcert hugecert nosubject serial20 negserial idn ipv6 badip multiou srvauth
viasrvca longserial injsan ctlcn pct door-1 door-2 client-ed25519
client-ed448 client-pss capcn eid kagree badpolicy k-rsa2048 k-rsa3072
k-p384 k-ed25519 k-ed448 k-pss deep spiffe-a spiffe-b spiffe-forged
adcs-user adcs-machine extmix shortlived'

client alice int 0x0A1B2C \
    '/O=Example Corp/OU=Engineering/OU=Admins/CN=alice' utf8 \
    'subjectAltName = email:alice@example.com, email:alice.smith@example.org, DNS:alice.example.com, DNS:*.alice.example.com, URI:spiffe://example.com/ns/prod/sa/alice, IP:10.1.2.3, IP:2001:db8::1'

client bob int 0x00FF01 \
    '/O=Example Corp/OU=Sales/CN=bob' utf8 \
    'subjectAltName = email:bob@example.com, DNS:bob.example.com'

client svc-billing int 0x5001 \
    '/O=Example Corp/OU=Services/CN=svc-billing' utf8 \
    'subjectAltName = URI:spiffe://example.com/ns/prod/sa/billing, DNS:billing.svc.example.com'

# Two CN attributes; "second" is encoded last.
client multicn int 0x5002 '/O=Example Corp/CN=first/CN=second' utf8

client nosan int 0x5003 '/CN=nosan' utf8

client utf8 int 0x5004 '/O=Example Corp/CN=Jürgen Müller' utf8

client bmp int 0x5005 '/CN=Jürgen' bmp

# CN "Jürgen" as a UniversalString (UCS-4BE), which openssl req cannot
# produce for CN: a UTF8String placeholder of the same length, patched.
univ_cn=$(printf '%s' 'Jürgen' | iconv -f UTF-8 -t UCS-4BE | od -An -v -tx1 \
    | tr -d ' \n' | tr 'a-f' 'A-F')
univ_len=$(( ${#univ_cn} / 2 ))
[ "$univ_len" -gt 0 ] && [ "$univ_len" -lt 128 ] || die "univ: bad CN length"
univ_ph=$(printf '%*s' "$univ_len" '' | tr ' ' 'U')
patched univ 0x5006 "/CN=$univ_ph" "$univ_ph" \
    "$(printf '1C%02X' "$univ_len")$univ_cn"

# subjectAltName as raw DER: SEQUENCE {
#   [1] rfc822Name "admin@example.com" 00 ".evil.net",
#   [2] dNSName    "nul.example.com" }
nul_email=$(hexcolon 'admin@example.com'):00:$(hexcolon '.evil.net')
nul_san=$(tlv 30 "$(tlv 81 "$nul_email"):$(tlv 82 "$(hexcolon nul.example.com)")")
client nulemail int 0x5007 '/CN=nulemail' utf8 "subjectAltName = DER:$nul_san"

# a header injection attempt: SEQUENCE {
#   [6] URI     "spiffe://example.com/x" CR LF "X-Injected: yes",
#   [2] dNSName "crlf.example.com" CR LF "X-Injected: yes" }
crlf_tail=0D:0A:$(hexcolon 'X-Injected: yes')
crlf_san=$(tlv 30 "$(tlv 86 "$(hexcolon spiffe://example.com/x):$crlf_tail"):$(tlv 82 "$(hexcolon crlf.example.com):$crlf_tail")")
client crlf int 0x500A '/CN=crlf' utf8 "subjectAltName = DER:$crlf_san"

# O "Smith, Jones & Co", OU "R+D", CN 'a"b;c=d<e>f'.  In -subj syntax only
# '/' and '+' are special; '\' escapes the next character.
client special int 0x5008 \
    '/O=Smith, Jones & Co/OU=R\+D/CN=a"b;c=d<e>f' utf8

client big-serial int 0x7F0102030405060708090A0B0C0D0E0F10111213 \
    '/CN=big-serial' utf8

client highbit int 0x8A '/CN=highbit' utf8

# A serial of 1,025 bytes: longer than certauthz looks up in a CRL.
client longserial int "0x$(printf '7F%.0s' $(seq 1025))" '/CN=longserial' utf8

# Untrusted issuer, same serial as alice.
client eve other-root 0x0A1B2C '/O=Other/CN=eve' utf8

# Self-signed client certificate.
client mallory self 0x6666 '/CN=mallory' utf8

# Issued directly by the root CA.
client rootclient root 0x5009 '/CN=rootclient' utf8 \
    'subjectAltName = email:root@example.com'

# SAN entries URI, DNS, URI in this order; the first URI holds , ; = " and \
# (for the quoting in $certauthz_xfcc).  In the openssl config file '"' and
# '\' must be written '\"' and '\\'.
quoted_uri1='spiffe://example.com/a,b;c=d"e\f'
quoted_dns='plain.example.com'
quoted_uri2='spiffe://example.com/plain'
client quoted int 0x5010 '/O=Example Corp/CN=quoted' utf8 \
    'subjectAltName = @alt_quoted' \
    '[ alt_quoted ]' \
    "URI.1 = $(printf '%s' "$quoted_uri1" | sed 's/[\\"]/\\&/g')" \
    "DNS.1 = $quoted_dns" \
    "URI.2 = $quoted_uri2"

# --- adversarial certificates (t/160-adversarial.t) ---------------------------

# CN "admin" NUL ".evil": truncated at the NUL it would read "admin".
nulcn_ph=UUUUUUUUUUU
patched nulcn 0x5011 "/O=Example Corp/CN=$nulcn_ph" "$nulcn_ph" \
    "$(tlv 0C "$(hexcolon admin):00:$(hexcolon .evil)" | tr -d :)"

# Every RFC 2253 special in O, a leading '#' and a backslash in CN, a
# leading and a trailing space in two OUs.  In -subj syntax '\' escapes the
# next character, so '\\' is a backslash and '\+' a plus sign.
client dnspecial int 0x5012 \
    '/O=x,y\+z"w\\v<u>t;s=r/OU= lead/OU=trail /CN=\#hash\\back' utf8

# 1,000 SAN entries: 250 each of DNS, email, URI and IP, interleaved; the
# last one is IP 10.9.0.250.
many=()
for i in $(seq 1 250); do
    many+=("DNS.$i = host-$i.many.example" "email.$i = user-$i@many.example"
           "URI.$i = spiffe://many.example/w/$i" "IP.$i = 10.9.0.$i")
done
client manysan int 0x5013 '/CN=manysan' utf8 \
    'subjectAltName = @alt_many' '[ alt_many ]' "${many[@]}"

# bigcert: a DER certificate of at least 64 KiB (65,536 to 65,600 bytes),
# padded by a private, non-critical extension (OID under the example
# enterprise number of RFC 5612) holding a long UTF8String.
# hugecert: 120 KiB, more than OpenSSL accepts by default in a
# Certificate message (SSL_CTX_set_max_cert_list(): 100 KiB).
# size_to NAME SERIAL BYTES: issue NAME with the padding adjusted so its
# DER is BYTES to BYTES+64 long.
size_to() {
    local name=$1 serial=$2 want=$3 pad=$(( $3 - 1024 )) size
    for _ in 1 2; do
        client "$name" int "$serial" "/CN=$name" utf8 \
            "subjectAltName = DNS:$name.example.com" \
            "1.3.6.1.4.1.32473.1 = ASN1:UTF8String:$(printf '%*s' "$pad" '' | tr ' ' x)"
        size=$(openssl x509 -in "$tmp/$name.crt" -outform DER | wc -c)
        pad=$(( pad + want + 32 - size ))
    done
    [ "$size" -ge "$want" ] && [ "$size" -le $(( want + 64 )) ] \
        || die "$name.crt: $size bytes, wanted $want"
}
size_to bigcert 0x5014 65536
size_to hugecert 0x5015 122880

# No subject at all: the SAN (critical, as RFC 5280 wants then) names it.
client nosubject int 0x5016 '/' utf8 \
    'subjectAltName = critical, email:anon@example.com, DNS:anon.example.com, URI:spiffe://example.com/anon'

# A 20-byte serial with the high bit set (DER: 21 bytes, 00 FF 01 ...) and
# a negative one, of the same magnitude as alice's (DER FF 5E 4E D4).
client serial20 int 0xFF0102030405060708090A0B0C0D0E0F10111213 \
    '/CN=serial20' utf8
client negserial int -0x0A1B2C '/CN=negserial' utf8

# IDN: an A-label, a U-label (UTF-8 bytes in an IA5String, which a
# dNSName must be: invalid, but openssl writes it) and an e-mail address
# with an A-label domain.
client idn int 0x5017 '/CN=idn' utf8 \
    'subjectAltName = DNS:xn--mnchen-3ya.example, DNS:münchen.example, email:user@xn--mnchen-3ya.example'

# IPv6 SANs, written so that inet_ntop() must shorten them.
client ipv6 int 0x5018 '/CN=ipv6' utf8 \
    'subjectAltName = IP:2001:DB8:0:0:1:0:0:1, IP:2001:db8:0:1:1:1:1:1, IP:::ffff:10.1.2.3, IP:0:0:0:0:0:0:0:0, IP:0:0:0:0:0:0:0:1, IP:FE80:0000:0000:0000:0202:B3FF:FE1E:8329, IP:192.0.2.7'

# iPAddress entries of 5 and 8 bytes (neither IPv4 nor IPv6), then a good
# one: SEQUENCE { [7] 0A000001 02, [7] 0A000000 FF000000, [7] C0000207 }.
badip_san=$(tlv 30 "$(tlv 87 0A:00:00:01:02):$(tlv 87 0A:00:00:00:FF:00:00:00):$(tlv 87 C0:00:02:07)")
client badip int 0x5019 '/CN=badip' utf8 "subjectAltName = DER:$badip_san"

# Several OUs, one with a comma, two in one multi-valued RDN (DER sorts a
# SET OF, so "Lab" is encoded before "Ops").
client multiou int 0x501A \
    '/O=Example Corp/OU=Alpha/OU=Research, Dev/OU=Ops+OU=Lab/CN=multiou' utf8

# Certificates that are good except for their purpose: srvauth has
# extendedKeyUsage serverAuth only; viasrvca has clientAuth but is issued
# by srvca, an intermediate CA (under the root) restricted to serverAuth.
newkey srvauth '/CN=srvauth'
ext srvauth <<CNF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
$AKID
CNF
sign srvauth int 0x501B
chain srvauth int

newkey srvca '/O=certauthz tests/CN=certauthz Test Server-only CA'
printf '%s\n' "$CA_EXT" "$AKID" 'extendedKeyUsage = serverAuth' \
    | sed 's/CA:TRUE$/CA:TRUE, pathlen:0/' | ext srvca
sign srvca root 0x05

client viasrvca srvca 0x501C '/CN=viasrvca' utf8

# --- control characters (t/155-control-chars.t) -------------------------------

# A header injection through a regex capture: SEQUENCE {
#   [6] URI "spiffe://example.com/ns/prod/sa/web" CR LF "X-Role: admin" }
injsan_san=$(tlv 30 "$(tlv 86 "$(hexcolon spiffe://example.com/ns/prod/sa/web):0D:0A:$(hexcolon 'X-Role: admin')")")
client injsan int 0x501D '/O=Example Corp/CN=injsan' utf8 \
    "subjectAltName = DER:$injsan_san"

# CN "admin" LF: "$" in a regex matches before a final newline.
ctlcn_ph=UUUUUU
patched ctlcn 0x501E "/O=Example Corp/CN=$ctlcn_ph" "$ctlcn_ph" \
    "$(tlv 0C "$(hexcolon admin):0A" | tr -d :)"

# One URI with "%2C" in it, one with a ",": joined, they must differ.
client pct int 0x501F '/CN=pct' utf8 'subjectAltName = @alt_pct' \
    '[ alt_pct ]' 'URI.1 = spiffe://example.com/a%2Cb' \
    'URI.2 = spiffe://example.com/a,b'

# --- CAs that sign with other algorithms (CRL signatures, t/135) -------------
# Intermediates under the root whose own keys are Ed25519, Ed448 and
# RSA-PSS, each issuing one client: their CRLs are signed with EdDSA (no
# digest: the signature is over the whole signed part) and RSASSA-PSS.
newkey_alg() {   # newkey_alg NAME SUBJECT GENPKEY-OPTIONS...
    local name=$1 subj=$2
    shift 2
    run openssl genpkey "$@" -out "$tmp/$name.key"
    run openssl req -new -config "$tmp/csr/req-utf8.cnf" -utf8 \
        -key "$tmp/$name.key" -subj "$subj" -out "$tmp/csr/$name.csr"
}

serial=0x06
for kind in ed25519 ed448 pss; do
    case $kind in
    ed25519) alg=(-algorithm ED25519) ;;
    ed448)   alg=(-algorithm ED448) ;;
    pss)     alg=(-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048) ;;
    esac
    newkey_alg "int-$kind" "/O=certauthz tests/CN=certauthz Test $kind CA" \
        "${alg[@]}"
    printf '%s\n' "$CA_EXT" "$AKID" \
        | sed 's/CA:TRUE$/CA:TRUE, pathlen:0/' | ext "int-$kind"
    sign "int-$kind" root "$serial"
    serial=$((serial + 1))
done

client client-ed25519 int-ed25519 0x5022 '/O=Example Corp/CN=client-ed25519' utf8
client client-ed448 int-ed448 0x5023 '/O=Example Corp/CN=client-ed448' utf8
client client-pss int-pss 0x5024 '/O=Example Corp/CN=client-pss' utf8

# Devices of the seeds' MQTT door opener (the stream tests).
client door-1 int 0x5020 '/O=Example Corp/OU=doors/CN=door-1' utf8
client door-2 int 0x5021 '/O=Example Corp/OU=doors/CN=door-2' utf8

# alice's CN in capitals (and not her OU Admins): a map (case-insensitive)
# takes it for alice, cn=alice does not
client capcn int 0x5025 '/O=Example Corp/OU=Engineering/CN=ALICE' utf8

# --- what else a certificate says: eku, key_usage, policy, key, sig -----------
# (t/025-fields-ext.t)

# an RSA intermediate under the root, for sha256WithRSAEncryption
newkey_alg int-rsa '/O=certauthz tests/CN=certauthz Test RSA CA' \
    -algorithm RSA -pkeyopt rsa_keygen_bits:2048
printf '%s\n' "$CA_EXT" "$AKID" \
    | sed 's/CA:TRUE$/CA:TRUE, pathlen:0/' | ext int-rsa
sign int-rsa root 0x09

# leaf NAME ISSUER SERIAL SUBJECT [GENPKEY-OPTIONS...]: a client with the
# extensions of ext/NAME.cnf (written before), a P-256 key unless options
# are given, signed with ${md:--sha256}
leaf() {
    local name=$1 issuer=$2 serial=$3 subj=$4
    shift 4
    if [ $# -eq 0 ]; then
        newkey "$name" "$subj"
    else
        newkey_alg "$name" "$subj" "$@"
    fi
    sign "$name" "$issuer" "$serial"
    chain "$name" "$issuer"
}

# an eID-like certificate: a custom EKU after clientAuth, two policies,
# keyUsage digitalSignature and keyAgreement
ext eid <<CNF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyAgreement
extendedKeyUsage       = clientAuth, 1.3.6.1.4.1.55555.7
certificatePolicies    = 1.3.6.1.4.1.55555.1.2, 2.23.140.1.2.1
subjectKeyIdentifier   = hash
$AKID
CNF
leaf eid int 0x5030 '/O=Example Corp/CN=eid'

# keyUsage keyAgreement and nonRepudiation (no digitalSignature), EKU
# clientAuth and msSmartcardLogin
ext kagree <<CNF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, nonRepudiation, keyAgreement
extendedKeyUsage       = clientAuth, msSmartcardLogin
subjectKeyIdentifier   = hash
$AKID
CNF
leaf kagree int 0x5031 '/O=Example Corp/CN=kagree'

# a certificatePolicies extension that does not parse: a SEQUENCE that
# holds an INTEGER where each PolicyInformation (a SEQUENCE) belongs.
# OpenSSL's verification does not decode it (no policy checking).
ext badpolicy <<CNF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
certificatePolicies    = DER:30:03:02:01:01
subjectKeyIdentifier   = hash
$AKID
CNF
leaf badpolicy int 0x5032 '/O=Example Corp/CN=badpolicy'

# keys of every kind, and their issuers' signatures
for name in k-rsa2048 k-rsa3072 k-p384 k-ed25519 k-ed448 k-pss; do
    client_ext "$name" "$AKID"
done
leaf k-rsa2048 int-rsa 0x5033 '/O=Example Corp/CN=k-rsa2048' \
    -algorithm RSA -pkeyopt rsa_keygen_bits:2048
leaf k-rsa3072 int 0x5034 '/O=Example Corp/CN=k-rsa3072' \
    -algorithm RSA -pkeyopt rsa_keygen_bits:3072
md=-sha384 leaf k-p384 int 0x5035 '/O=Example Corp/CN=k-p384' \
    -algorithm EC -pkeyopt ec_paramgen_curve:P-384
leaf k-ed25519 int-ed25519 0x5036 '/O=Example Corp/CN=k-ed25519' \
    -algorithm ED25519
leaf k-ed448 int-ed448 0x5037 '/O=Example Corp/CN=k-ed448' -algorithm ED448
leaf k-pss int-pss 0x5038 '/O=Example Corp/CN=k-pss' \
    -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:3072

# --- the chain and any extension: ca, ca_fingerprint, depth, ext:OID ---------
# (t/026-fields-chain.t, t/194-stream-fields-chain.t)

# two intermediates below the root, which nginx does not trust: the
# client presents both (deep.pem)
newkey int-a '/O=certauthz tests/CN=certauthz Test Intermediate A'
printf '%s\n' "$CA_EXT" "$AKID" \
    | sed 's/CA:TRUE$/CA:TRUE, pathlen:1/' | ext int-a
sign int-a root 0x0A
newkey int-a2 '/O=certauthz tests/CN=certauthz Test Intermediate A2'
printf '%s\n' "$CA_EXT" "$AKID" \
    | sed 's/CA:TRUE$/CA:TRUE, pathlen:0/' | ext int-a2
sign int-a2 int-a 0x0B
client_ext deep "$AKID"
leaf deep int-a2 0x5040 '/O=Example Corp/CN=deep'
cat "$tmp/deep.crt" "$tmp/int-a2.crt" "$tmp/int-a.crt" >"$tmp/deep.pem"

# two SPIFFE trust domains, each its own root; A's CA also mints an
# identity of B (spiffe-forged).  td-bundle.crt trusts both and ca.crt.
for td in a b; do
    newkey "td-$td" "/O=SPIFFE/CN=trust domain $td.example"
    printf '%s\n' "$CA_EXT" | ext "td-$td"
    sign "td-$td" self "0x0$( [ $td = a ] && echo C || echo D )"
done
client spiffe-a td-a 0x5041 '/O=SPIFFE/CN=web' utf8 \
    'subjectAltName = URI:spiffe://a.example/ns/prod/sa/web'
client spiffe-b td-b 0x5042 '/O=SPIFFE/CN=db' utf8 \
    'subjectAltName = URI:spiffe://b.example/ns/prod/sa/db'
client spiffe-forged td-a 0x5043 '/O=SPIFFE/CN=db' utf8 \
    'subjectAltName = URI:spiffe://b.example/ns/prod/sa/db'
cat "$tmp/ca.crt" "$tmp/td-a.crt" "$tmp/td-b.crt" >"$tmp/td-bundle.crt"

# AD CS: the template name (a BMPString) and the template OID, major and
# minor version (a SEQUENCE)
for who in user machine; do
    name=User
    [ $who = machine ] && name=Machine
    ext "adcs-$who" <<CNF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
$AKID
1.3.6.1.4.1.311.20.2   = ASN1:BMPSTRING:$name
1.3.6.1.4.1.311.21.7   = ASN1:SEQUENCE:tmpl

[ tmpl ]
id    = OID:1.3.6.1.4.1.311.21.8.1.$( [ $who = user ] && echo 1 || echo 2 )
major = INTEGER:100
minor = INTEGER:3
CNF
    leaf "adcs-$who" int "0x505$( [ $who = user ] && echo 0 || echo 1 )" \
        "/O=Example Corp/CN=adcs-$who"
done

# extensions of every shape: an IA5String, an INTEGER (hex), a UTF8String
# with a line feed (a poisoned value), a value that is not DER (a BOOLEAN
# cut short: a poisoned field)
ext extmix <<CNF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
$AKID
1.3.6.1.4.1.55555.10   = ASN1:IA5STRING:hello
1.3.6.1.4.1.55555.9    = ASN1:INTEGER:5
1.3.6.1.4.1.55555.11   = DER:0C:03:61:0A:62
1.3.6.1.4.1.55555.12   = DER:01:02
CNF
leaf extmix int 0x5052 '/O=Example Corp/CN=extmix'

# a certificate issued for one day, for lifetime
client_ext shortlived "$AKID"
days=1 leaf shortlived int 0x5053 '/O=Example Corp/CN=shortlived'

# --- AD CS template names for the Apache comparison (t/210) ------------------
# Besides adcs-user and adcs-machine: a non-ASCII name as AD CS writes it,
# a BMPString ("Käyttäjä"), and "User" as a PrintableString, which Apache's
# PeerExtList() does not read (it decodes the DisplayText types only) and
# certauthz's ext: does.
for who in fi print; do
    value='FORMAT:UTF8,BMPSTRING:Käyttäjä'
    [ $who = print ] && value=PRINTABLESTRING:User
    client "adcs-$who" int "0x506$( [ $who = fi ] && echo 0 || echo 1 )" \
        "/O=Example Corp/CN=adcs-$who" utf8 \
        "1.3.6.1.4.1.311.20.2 = ASN1:$value"
done
CLIENTS="$CLIENTS adcs-fi adcs-print"
# --- extensions that are malformed, long or many (t/160-adversarial.t) -------
# eku, key_usage, policy and ext:OID against hostile encodings: each a
# leaf of int.  badeku, badku and critext do not verify (see below).
CLIENTS="$CLIENTS badeku badku polcut poldup trailing extbad longoid manypol
manyeku hugeext critext"

# adv_ext NAME [LINE...]: ext/NAME.cnf, a client's extensions but for the
# ones LINE... give (an extendedKeyUsage or keyUsage LINE replaces the
# usual one)
adv_ext() {
    local name=$1 line ku='keyUsage = critical, digitalSignature'
    local eku='extendedKeyUsage = clientAuth'
    shift
    for line in "$@"; do
        case $line in
        keyUsage*) ku= ;;
        extendedKeyUsage*) eku= ;;
        esac
    done
    {
        echo 'basicConstraints = critical, CA:FALSE'
        [ -z "$ku" ] || echo "$ku"
        [ -z "$eku" ] || echo "$eku"
        echo 'subjectKeyIdentifier = hash'
        echo "$AKID"
        for line in "$@"; do
            echo "$line"
        done
    } | ext "$name"
}

# extendedKeyUsage and keyUsage that do not parse: a SEQUENCE holding an
# INTEGER where the purposes' OIDs belong; an OCTET STRING where the BIT
# STRING belongs.  OpenSSL's verification refuses both.
adv_ext badeku 'extendedKeyUsage = DER:30:03:02:01:01'
leaf badeku int 0x5160 '/O=Example Corp/CN=badeku'
adv_ext badku 'keyUsage = critical, DER:04:01:80'
leaf badku int 0x5161 '/O=Example Corp/CN=badku'

# certificatePolicies cut short (the PolicyInformation says 4 bytes, 3
# are there)
adv_ext polcut 'certificatePolicies = DER:30:05:30:04:06:02:2A:03'
leaf polcut int 0x5162 '/O=Example Corp/CN=polcut'

# certificatePolicies twice: 1.2.3, then 1.2.4.  openssl keeps one
# extension of an OID, so the second is written as 2.5.29.99 (06 03 55 1D
# 63), patched to 2.5.29.32 in the DER of a throw-away self-signed
# certificate, which is signed again with its own key (so openssl takes
# it as input), then certified by int, which adds only the AKID.
newkey poldup '/O=Example Corp/CN=poldup'
adv_ext poldup 'certificatePolicies = 1.2.3' \
    "2.5.29.99 = DER:$(tlv 30 "$(tlv 30 "$(tlv 06 2A:04)")")"
grep -v '^authorityKeyIdentifier' "$tmp/ext/poldup.cnf" >"$tmp/ext/poldup-self.cnf"
printf '[ ext ]\n%s\n' "$AKID" >"$tmp/ext/akid.cnf"
run openssl x509 -req -in "$tmp/csr/poldup.csr" -key "$tmp/poldup.key" \
    -set_serial 0x5163 -days 3650 -sha256 \
    -extfile "$tmp/ext/poldup-self.cnf" -extensions ext \
    -out "$tmp/csr/poldup-ph.crt"
hex=$(der_hex "$tmp/csr/poldup-ph.crt")
[ "${hex//0603551D63/}" != "$hex" ] || die "poldup: 2.5.29.99 not found in DER"
printf "$(printf '%s' "${hex//0603551D63/0603551D20}" | sed 's/../\\x&/g')" \
    >"$tmp/csr/poldup-patched.der"
run openssl x509 -inform DER -in "$tmp/csr/poldup-patched.der" \
    -key "$tmp/poldup.key" -days 3650 -sha256 -out "$tmp/csr/poldup-self.crt"
run openssl x509 -in "$tmp/csr/poldup-self.crt" \
    -CA "$tmp/int.crt" -CAkey "$tmp/int.key" -set_serial 0x5163 -days 3650 \
    -sha256 -extfile "$tmp/ext/akid.cnf" -extensions ext -out "$tmp/poldup.crt"
chain poldup int
[ "$(openssl x509 -in "$tmp/poldup.crt" -noout -text | grep -c 'X509v3 Certificate Policies')" -eq 2 ] \
    || die "poldup.crt: not two certificatePolicies extensions"

# a byte after the one DER encoding of each of extendedKeyUsage (clientAuth),
# keyUsage (digitalSignature), certificatePolicies (1.2.3) and an
# ext:OID (UTF8String "hi")
adv_ext trailing \
    "extendedKeyUsage = DER:$(tlv 30 "$(tlv 06 2B:06:01:05:05:07:03:02)"):00" \
    'keyUsage = critical, DER:03:02:07:80:00' \
    "certificatePolicies = DER:$(tlv 30 "$(tlv 30 "$(tlv 06 2A:03)")"):00" \
    '1.3.6.1.4.1.55555.25 = DER:0C:02:68:69:00'
leaf trailing int 0x5164 '/O=Example Corp/CN=trailing'

# ext:OID values of every bad shape, 1.3.6.1.4.1.55555.N:
#   20 a BMPString of odd length (3 bytes)
#   21 a UTF8String that is not UTF-8 ("a", C3 28)
#   22 a UTF8String "admin" NUL ".evil"
#   23 a UniversalString of 6 bytes (not a multiple of 4)
#   24 two DER encodings, UTF8String "hi" twice
#   26 a BMPString holding a lone surrogate (D800) and "A"
#   27 a UTF8String "hi" whose length is not in its shortest form (81 02)
adv_ext extbad \
    '1.3.6.1.4.1.55555.20 = DER:1E:03:00:41:00' \
    '1.3.6.1.4.1.55555.21 = DER:0C:03:61:C3:28' \
    "1.3.6.1.4.1.55555.22 = DER:$(tlv 0C "$(hexcolon admin):00:$(hexcolon .evil)")" \
    '1.3.6.1.4.1.55555.23 = DER:1C:06:00:00:00:41:00:00' \
    '1.3.6.1.4.1.55555.24 = DER:0C:02:68:69:0C:02:68:69' \
    '1.3.6.1.4.1.55555.26 = DER:1E:04:D8:00:00:41' \
    '1.3.6.1.4.1.55555.27 = DER:0C:81:02:68:69'
leaf extbad int 0x5165 '/O=Example Corp/CN=extbad'

# OIDs of 100 arcs (204 characters dotted): 1.3.6.1.4.1.55555.3N and 92
# arcs 1 to 9 over and over; N 0 for an extension (UTF8String "long"),
# 1 for an extended key usage (after clientAuth), 2 for a policy
long_tail=
for i in $(seq 0 91); do
    long_tail=$long_tail.$(( i % 9 + 1 ))
done
adv_ext longoid \
    "extendedKeyUsage = clientAuth, 1.3.6.1.4.1.55555.31$long_tail" \
    "certificatePolicies = 1.3.6.1.4.1.55555.32$long_tail" \
    "1.3.6.1.4.1.55555.30$long_tail = ASN1:UTF8String:long"
leaf longoid int 0x5166 '/O=Example Corp/CN=longoid'

# 1,000 policies 1.3.6.1.4.1.55555.40.1 to .1000, and 500 extended key
# usages: clientAuth, then 1.3.6.1.4.1.55555.41.1 to .499
adv_ext manypol "certificatePolicies = $(seq -s ', ' -f '1.3.6.1.4.1.55555.40.%g' 1 1000)"
leaf manypol int 0x5167 '/O=Example Corp/CN=manypol'
adv_ext manyeku "extendedKeyUsage = clientAuth, $(seq -s ', ' -f '1.3.6.1.4.1.55555.41.%g' 1 499)"
leaf manyeku int 0x5168 '/O=Example Corp/CN=manyeku'

# an extension of 60 KiB: an OCTET STRING of 61,440 bytes, 01, then 5A,
# then FF (its DER starts 04 82 F0 00)
adv_ext hugeext \
    "1.3.6.1.4.1.55555.50 = ASN1:FORMAT:HEX,OCTETSTRING:01$(printf '%*s' 61438 '' | sed 's/ /5A/g')FF"
leaf hugeext int 0x5169 '/O=Example Corp/CN=hugeext'

# a critical extension that OpenSSL does not know
adv_ext critext '1.3.6.1.4.1.55555.60 = critical, ASN1:UTF8String:must understand'
leaf critext int 0x516A '/O=Example Corp/CN=critext'

# badeku and badku: OpenSSL cannot decode their extensions and finds no
# issuer for them (error 20); critext: error 34.  The others verify (the
# loop below).
for name in badeku:20 badku:20 critext:34; do
    set -- -CAfile "$tmp/root.crt" -untrusted "$tmp/int.crt" "$tmp/${name%:*}.crt"
    if openssl verify -purpose sslclient "$@" >"$log" 2>&1; then
        die "${name%:*}.crt verifies"
    fi
    grep -q "error ${name#*:} at 0" "$log" \
        || die "${name%:*}.crt: not refused with error ${name#*:}: $(cat "$log")"
done
[ "$(openssl x509 -in "$tmp/hugeext.crt" -outform DER | wc -c)" -lt 65280 ] \
    || die "hugeext.crt: too big for a session ticket"

# --- sanity checks on the encodings the tests depend on ----------------------
asn1_has() {
    openssl asn1parse -in "$tmp/$1.crt" >"$log" 2>&1 \
        || die "asn1parse $1.crt failed: $(cat "$log")"
    grep -q "$2" "$log" || die "$1.crt: expected $2 in its ASN.1 dump"
}
asn1_has bmp 'prim: BMPSTRING'
asn1_has univ 'prim: UNIVERSALSTRING'
asn1_has utf8 'prim: UTF8STRING'

der_hex=$(openssl x509 -in "$tmp/nulemail.crt" -outform DER \
    | od -An -v -tx1 | tr -d ' \n' | tr 'a-f' 'A-F')
case $der_hex in
*"$(echo "$nul_san" | tr -d :)"*) ;;
*) die "nulemail.crt: raw subjectAltName (with NUL byte) not found" ;;
esac

quoted_san=$(tlv 30 "$(tlv 86 "$(hexcolon "$quoted_uri1")"):$(tlv 82 "$(hexcolon "$quoted_dns")"):$(tlv 86 "$(hexcolon "$quoted_uri2")")")
der_hex=$(openssl x509 -in "$tmp/quoted.crt" -outform DER \
    | od -An -v -tx1 | tr -d ' \n' | tr 'a-f' 'A-F')
case $der_hex in
*"$(echo "$quoted_san" | tr -d :)"*) ;;
*) die "quoted.crt: subjectAltName URI, DNS, URI with quotes and backslash not found" ;;
esac

for name in $CLIENTS; do
    case $name in
    eve|mallory|srvauth|viasrvca|badeku|badku|critext) continue ;;
    rootclient) set -- -CAfile "$tmp/root.crt" ;;
    client-*|k-*|deep) set -- -CAfile "$tmp/root.crt" -untrusted "$tmp/$name.pem" ;;
    spiffe-*) set -- -CAfile "$tmp/td-bundle.crt" ;;
    *) set -- -CAfile "$tmp/root.crt" -untrusted "$tmp/int.crt" ;;
    esac
    run openssl verify -purpose sslclient "$@" "$tmp/$name.crt"
done

# srvauth and viasrvca: a good chain, but not for client authentication
for name in srvauth viasrvca; do
    set -- -CAfile "$tmp/root.crt" -untrusted "$tmp/$name.pem" "$tmp/$name.crt"
    run openssl verify "$@"
    if openssl verify -purpose sslclient "$@" >"$log" 2>&1; then
        die "$name.crt verifies for client authentication"
    fi
    grep -q 'error 26 at' "$log" \
        || die "$name.crt: not refused for its purpose: $(cat "$log")"
done

# --- expected.txt --------------------------------------------------------------
for name in $CLIENTS; do
    openssl x509 -in "$tmp/$name.crt" -noout -nameopt RFC2253 \
        -subject -issuer -serial -fingerprint -sha256 >"$log" 2>&1 \
        || die "reading $name.crt failed: $(cat "$log")"
    subject= issuer= serial= fp= have_subject=
    while IFS= read -r line; do
        case $line in
        subject=*) subject=${line#subject=} have_subject=1 ;;
        issuer=*) issuer=${line#issuer=} ;;
        serial=*) serial=${line#serial=} ;;
        *[Ff]ingerprint=*)
            fp=$(printf '%s' "${line#*=}" | tr -d : | tr 'A-F' 'a-f') ;;
        esac
    done <"$log"
    [ -n "$have_subject" ] && [ -n "$issuer" ] && [ -n "$serial" ] && [ -n "$fp" ] \
        || die "could not parse openssl output for $name.crt: $(cat "$log")"
    printf '%s.subject=%s\n' "$name" "${subject# }"
    printf '%s.issuer=%s\n' "$name" "${issuer# }"
    printf '%s.serial=%s\n' "$name" "$serial"
    printf '%s.fingerprint=%s\n' "$name" "$fp"
    # the signature algorithm as "openssl x509 -text" prints it
    openssl x509 -in "$tmp/$name.crt" -noout -text >"$log" 2>&1 \
        || die "reading $name.crt failed: $(cat "$log")"
    sig=$(sed -n 's/^ *Signature Algorithm: *\(.*[^ ]\) *$/\1/p' "$log" | head -n 1)
    [ -n "$sig" ] || die "no signature algorithm for $name.crt"
    printf '%s.sig=%s\n' "$name" "$sig"
done >"$tmp/expected.txt"

# the CA certificates' subjects and fingerprints, for ca and ca_fingerprint
for name in root int int-a int-a2 int-rsa td-a td-b; do
    subject=$(openssl x509 -in "$tmp/$name.crt" -noout -nameopt RFC2253 \
        -subject) || die "reading $name.crt failed"
    fp=$(openssl x509 -in "$tmp/$name.crt" -noout -fingerprint -sha256) \
        || die "reading $name.crt failed"
    printf '%s.subject=%s\n' "$name" "${subject#subject=}"
    printf '%s.fingerprint=%s\n' "$name" \
        "$(printf '%s' "${fp#*=}" | tr -d : | tr 'A-F' 'a-f')"
done >>"$tmp/expected.txt"

# --- nginx snippet and static files -----------------------------------------
cat >"$tmp/tls.conf" <<CNF
ssl_certificate $out/server.crt;
ssl_certificate_key $out/server.key;
ssl_client_certificate $out/ca.crt;
ssl_verify_depth 3;
root $out/www;
CNF

# the same for a stream server (no root there)
grep -v '^root ' "$tmp/tls.conf" >"$tmp/stream-tls.conf"

# what a stream proxy presents as client NAME: include as/NAME.conf
mkdir -p "$tmp/as"
for name in $CLIENTS; do
    # no session reuse: fronts to one address share the upstream's session
    printf 'proxy_ssl on;\nproxy_ssl_session_reuse off;\nproxy_ssl_certificate %s;\nproxy_ssl_certificate_key %s;\n' \
        "$out/$name.pem" "$out/$name.key" >"$tmp/as/$name.conf"
done

echo ok >"$tmp/www/ok.txt"
echo ok >"$tmp/www/index.html"

rm -rf -- "$tmp/csr"
chmod -R u=rwX,go=rX -- "$tmp"
chmod go= -- "$tmp"/*.key
date -u '+%Y-%m-%dT%H:%M:%SZ' >"$tmp/.stamp"
chmod 644 -- "$tmp/.stamp"

# --- move into place ---------------------------------------------------------
# rename(2) of a directory onto an existing non-empty directory fails, so an
# existing OUTDIR is first renamed aside.  If several builders race, each loop
# iteration either installs our tree or moves a complete one aside; OUTDIR is
# only ever absent or complete, never half-built.
tries=0
until mv -T -- "$tmp" "$out" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -le 50 ] || die "could not move $tmp to $out"
    if [ -e "$out" ] || [ -L "$out" ]; then
        [ -d "$out" ] && [ ! -L "$out" ] || die "$out exists and is not a directory"
        [ -z "$aside" ] || rm -rf -- "$aside"
        aside=$out.old.$$.$tries
        mv -T -- "$out" "$aside" 2>/dev/null || aside=
    fi
done
