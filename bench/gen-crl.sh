#!/bin/bash
# gen-crl.sh N KEY CERT OUT -- a CRL revoking N random 16-byte serials,
# signed with "openssl ca -gencrl" by the CA of KEY/CERT (for benchmarks).

set -eu
set -o pipefail

n=$1 key=$2 cert=$3 out=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/../t/lib/crl-ca.sh"

crl_ca "$work"

# one revoked entry a line, the way "openssl ca -revoke" writes them
od -An -v -tx1 -w16 -N $((16 * n)) /dev/urandom \
| awk '{ s = ""; for (i = 1; i <= NF; i++) s = s toupper($i);
         sub(/^0+/, "", s); if (s == "") s = "01";
         if (length(s) % 2) s = "0" s;
         printf "R\t351231235959Z\t250101000000Z\t%s\tunknown\t/CN=bench\n", s }' \
>> "$work/index.txt"

crl_gen "$work" "$key" "$cert" "$out"
