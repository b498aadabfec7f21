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

crl_ca_random "$work" "$n"

crl_gen "$work" "$key" "$cert" "$out"
