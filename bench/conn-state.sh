#!/bin/bash
# bench/conn-state.sh NGINX MODULE PKI RULES -- the bytes certauthz keeps
# per TLS connection, exactly, from nginx's debug log (Debian's nginx is
# built --with-debug): one request from alice on one connection, to three
# servers that differ only in certauthz (off; on with the rules of RULES;
# on with RULES and every $certauthz_* variable in a response header).
# When the connection closes, nginx logs each block of the connection's
# pool with its unused bytes ("free: ADDR, unused: N") and each allocation
# too large for a block ("malloc: ADDR:SIZE"); the used bytes of the pool
# plus those large allocations (and what was allocated with the
# connection's log and freed without a line, certauthz's record of the
# connection), minus the same for "off", is what certauthz keeps with the
# connection.
#
#   bash bench/conn-state.sh /usr/sbin/nginx build/ngx_http_certauthz_module.so \
#       /tmp/certauthz-bench/pki /tmp/certauthz-bench/gen/c10-rules.conf
#
# (the PKI and the C10 rules as make bench leaves them).  Loopback ports
# 9991-9993; prints one line per server.

set -eu
set -o pipefail

[ $# -eq 4 ] || { echo "usage: $0 NGINX MODULE PKI RULES" >&2; exit 2; }

nginx=$1 module=$(readlink -f "$2") pki=$(readlink -f "$3") rules=$(readlink -f "$4")
work=$(mktemp -d)
TOOL=conn-state TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/t/lib/tools.sh"
trap 'for f in "$work"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

vars='$certauthz_cn $certauthz_subject $certauthz_issuer $certauthz_serial'
vars="$vars \$certauthz_fingerprint \$certauthz_email \$certauthz_dns"
vars="$vars \$certauthz_uri \$certauthz_ip \$certauthz_verify \$certauthz_xfcc"

port=9991
for arm in off rules all; do
    case $arm in
    off)   mode=off extra= ;;
    rules) mode=on extra= ;;
    all)   mode=on extra="add_header X-Vars \"$vars\";" ;;
    esac

    MASTER=off one_server_conf "$work/$arm.conf" "$module" "$pki" "$port" \
        "$work/$arm.log debug" "$work/$arm.pid" \
        "certauthz $mode; include $rules; $extra"
    "$nginx" -p "$work/" -c "$work/$arm.conf"

    code=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code}' \
               --cert "$pki/alice.pem" --key "$pki/alice.key" \
               "https://127.0.0.1:$port/ok.txt")
    [ "$code" = 200 ] || { echo "conn-state: $arm answered $code" >&2; exit 1; }

    kill "$(cat "$work/$arm.pid")"
    for i in $(seq 50); do
        grep -q 'close http connection' "$work/$arm.log" && break
        sleep 0.1
    done

    # the connection's pool, as it is freed after "close http connection":
    # its blocks ("free: ADDR, unused: N") and its large allocations
    # ("free: ADDR", whose size the "malloc: ADDR:SIZE" line gave); and
    # what the connection's log says was allocated ("malloc: ADDR:SIZE")
    # and is freed by its owner without a line of nginx's, as certauthz
    # frees its record of the connection with the pool
    awk -v arm="$arm" '
        /\*1 malloc: / { split($NF, a, ":"); large[a[1]] = a[2]; n[a[1]]++ }
        /\*1 free: / { f = $0; sub(/.*free: /, "", f); sub(/,.*/, "", f)
                       freed[f]++ }
        /\*1 close http connection/ { closing = 1; next }
        closing && /\*1 free: .*unused: / { blocks++; unused += $NF; next }
        closing && /\*1 free: / { sub(",", "", $NF); big += large[$NF]; next }
        closing && !/\*1 / { closing = 0 }
        END { for (p in n) if (n[p] > freed[p]) big += large[p]
              printf "%s %d %d %d\n", arm, blocks, unused, big }
    ' "$work/$arm.log" >> "$work/sizes"

    port=$((port + 1))
done

# a pool block is connection_pool_size (512) bytes: the first holds the
# pool header (80 bytes), the others a block header (32 bytes)
awk '{
        used = (512 - 80) + ($2 - 1) * (512 - 32) - $3 + $4
        u[$1] = used
     }
     END {
        printf "connection pool used: off %d B, rules %d B, all variables %d B\n",
               u["off"], u["rules"], u["all"]
        printf "certauthz per connection: %d B (rules), %d B (rules and every variable)\n",
               u["rules"] - u["off"], u["all"] - u["off"]
     }' "$work/sizes"
