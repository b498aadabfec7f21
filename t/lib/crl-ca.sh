# t/lib/crl-ca.sh -- one way to make CRLs with "openssl ca", sourced by the
# scripts that need CRLs (t/lib/mkcrl.sh, bench/gen-crl.sh, soak/run.sh,
# fuzz/mkcorpus.sh):
#
#   crl_ca DIR                an "openssl ca" database in DIR: ca.cnf,
#                             an empty index.txt, crlnumber 1000
#   crl_ca_revoked DIR SERIAL [REASON]
#                             adds a revoked entry for SERIAL (hex) to the
#                             index, as "openssl ca -revoke" writes one
#   crl_ca_random DIR N       adds N revoked entries of random 16-byte
#                             serials (large CRLs for benchmarks, soak)
#   crl_revoke DIR KEY CERT FILE
#                             revokes the certificate FILE
#   crl_gen DIR KEY CERT OUT [openssl ca options...]
#                             signs a CRL of what the index revokes into
#                             OUT (PEM), nextUpdate 3650 days on unless
#                             the options say otherwise
#
# Failures print openssl's output and exit.

crl_ca() {
    mkdir -p "$1"
    : > "$1/index.txt"
    echo 1000 > "$1/crlnumber"
    cat > "$1/ca.cnf" <<EOC
[ ca ]
default_ca = CA_default
[ CA_default ]
database = $1/index.txt
crlnumber = $1/crlnumber
default_md = sha256
default_crl_days = 3650
unique_subject = no
EOC
}

crl_ca_revoked() {
    printf 'R\t351231235959Z\t240101000000Z%s\t%s\tunknown\t/CN=revoked\n' \
        "${3:+,$3}" "$2" >> "$1/index.txt"
}

crl_ca_random() {
    od -An -v -tx1 -w16 -N $((16 * $2)) /dev/urandom \
    | awk '{ s = ""; for (i = 1; i <= NF; i++) s = s toupper($i);
             sub(/^0+/, "", s); if (s == "") s = "01";
             if (length(s) % 2) s = "0" s;
             printf "R\t351231235959Z\t250101000000Z\t%s\tunknown\t/CN=bench\n", s }' \
    >> "$1/index.txt"
}

crl_openssl() {
    local dir=$1
    shift
    openssl ca -batch -config "$dir/ca.cnf" "$@" > "$dir/log" 2>&1 || {
        echo "openssl ca $*: failed" >&2
        cat "$dir/log" >&2
        exit 1
    }
}

crl_revoke() {
    crl_openssl "$1" -keyfile "$2" -cert "$3" -revoke "$4"
}

crl_gen() {
    local dir=$1 key=$2 cert=$3 out=$4
    shift 4
    crl_openssl "$dir" -gencrl -keyfile "$key" -cert "$cert" "$@" -out "$out"
}
