#!/bin/bash
# bench/stream.sh NGINX HTTP-MODULE STREAM-MODULE -- what certauthz costs a
# stream server: a new TLS connection per session (no resumption), with a
# client certificate, to a stream server that answers "ok" and closes.
# Two arms, the same nginx, certificates and server but for certauthz:
#     S0    ssl_verify_client on, nothing else
#     S10   the same with "certauthz on" and the ten rules of the http
#           bench's C10 (the last one matches alice)
# Measures:
#   conn/s     openssl s_time -new, BENCH_SECONDS (10) each, alternating
#              arms, median of BENCH_ROUNDS (5) runs
#   instr/conn valgrind --tool=callgrind on the worker (master_process
#              off): N1 and N2 connections from openssl s_client,
#              (I2 - I1) / (N2 - N1) per arm; S10 - S0 is what certauthz
#              adds to a connection (parse the certificate, decide)
# Debian's stream module is loaded first where it is a module of its own.
# Loopback ports BENCH_PORT (9981) and the next; prints a small table.

set -eu
set -o pipefail

[ $# -eq 3 ] || { echo "usage: $0 NGINX HTTP-MODULE STREAM-MODULE" >&2; exit 2; }

TOOL=bench-stream TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/t/lib/tools.sh"

nginx=$1
http_module=$(readlink -f "$2")
stream_module=$(readlink -f "$3")
work=${BENCH_DIR:-/tmp/certauthz-bench}/stream
port=${BENCH_PORT:-9981}
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-5}
n1=${BENCH_CONNS1:-20}
n2=${BENCH_CONNS2:-60}

need openssl valgrind callgrind_annotate
need_nginx "$nginx" "$http_module"
[ -f "$stream_module" ] || die "no stream module at $stream_module (make build)"

pki=${BENCH_DIR:-/tmp/certauthz-bench}/pki
make_test_pki "$pki" "${BENCH_FRESH:-0}"

rm -rf "$work"
mkdir -p "$work/logs"

loads=
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] \
    && [ "$nginx" = /usr/sbin/nginx ] \
    && loads="load_module /usr/lib/nginx/modules/ngx_stream_module.so;"

# the rules of the http bench's C10 (bench/conf/patterns.txt as rules);
# the last one matches alice
rules='certauthz_allow "cn=bob";
        certauthz_allow "cn~^svc-[a-z]+$";
        certauthz_allow "email=root@example.com";
        certauthz_allow "serial~^7F0102";
        certauthz_allow "serial=5003";
        certauthz_allow "cn~^se[a-z]+nd$";
        certauthz_allow "cn=highbit";
        certauthz_allow "email~^bob@example\.com$";
        certauthz_allow "serial=5010";
        certauthz_allow "cn~^alice$";'

conf() {   # conf ARM PORT MASTER CERTAUTHZ-DIRECTIVES
    cat > "$work/$1.conf" <<EOF
$loads
load_module $http_module;
load_module $stream_module;
worker_processes 1;
master_process $3;
daemon $3;
error_log $work/logs/$1.log notice;
pid $work/logs/$1.pid;
events { worker_connections 1024; }
stream {
    server {
        listen 127.0.0.1:$2 ssl;
        include $pki/stream-tls.conf;
        ssl_verify_client on;
        ssl_session_cache off;
        ssl_session_tickets off;
        $4
        return "ok\n";
    }
}
EOF
}

s10="certauthz on;
        $rules"

connect() {   # connect PORT: one new TLS connection as alice; prints "ok"
    openssl s_client -quiet -connect "127.0.0.1:$1" -no_ign_eof \
        -cert "$pki/alice.pem" -key "$pki/alice.key" </dev/null 2>/dev/null
}

# --- connections per second -------------------------------------------------

conf S0 "$port" on ""
conf S10 $((port + 1)) on "$s10"

for arm in S0 S10; do
    "$nginx" -p "$work/" -c "$work/$arm.conf"
done
trap 'for a in S0 S10 cgS0 cgS10; do [ -f "$work/logs/$a.pid" ] && kill "$(cat "$work/logs/$a.pid")" 2>/dev/null; done; true' EXIT
answers() {   # answers PORT: "ok" within 5 seconds
    local i
    for i in $(seq 50); do
        [ "$(connect "$1")" = ok ] && return 0
        sleep 0.1
    done
    return 1
}

answers "$port" || die "S0 does not answer ok"
answers $((port + 1)) || die "S10 does not answer ok (is alice allowed?)"
[ -z "$(openssl s_client -quiet -connect 127.0.0.1:$((port + 1)) -no_ign_eof \
        -cert "$pki/multiou.pem" -key "$pki/multiou.key" </dev/null 2>/dev/null)" ] \
    || die "S10 lets multiou in: certauthz is not deciding"

for r in $(seq "$rounds"); do
    for arm in S0 S10; do
        p=$port
        [ $arm = S10 ] && p=$((port + 1))
        # s_time's own figures are whole seconds or client CPU time: the
        # wall clock around it is the measure
        t0=$EPOCHREALTIME
        n=$(openssl s_time -connect "127.0.0.1:$p" -new -time "$seconds" \
                -cert "$pki/alice.pem" -key "$pki/alice.key" 2>/dev/null \
            | awk '/connections in [0-9.]+s;/ { n = $1 } END { print n }')
        t1=$EPOCHREALTIME
        awk -v a=$arm -v n="$n" -v t0="$t0" -v t1="$t1" \
            'BEGIN { printf "%s %.1f\n", a, n / (t1 - t0) }' >> "$work/rates"
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for arm in S0 S10; do
    printf '%s %s\n' "$arm" "$(awk -v a=$arm '$1 == a { print $2 }' "$work/rates" | median)"
done > "$work/conn-rate"

for arm in S0 S10; do
    kill "$(cat "$work/logs/$arm.pid")"
done
sleep 0.5

# --- instructions per connection ----------------------------------------------

cg() {   # cg ARM PORT DIRECTIVES N: Ir of the worker after N connections
    conf "cg$1" "$2" off "$3"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg$1-$4.out" \
        "$nginx" -p "$work/" -c "$work/cg$1.conf" 2>/dev/null &
    local vg=$! i
    for i in $(seq 100); do
        connect "$2" >/dev/null 2>&1 && break
        sleep 0.2
    done
    for i in $(seq $(($4 - 1))); do
        connect "$2" >/dev/null
    done
    kill "$vg"
    wait "$vg" 2>/dev/null || true
    callgrind_annotate "$work/cg$1-$4.out" 2>/dev/null \
        | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); t = $1 } END { print t }'
}

declare -A ir
for arm in S0 S10; do
    d=
    [ $arm = S10 ] && d=$s10
    ir[$arm-1]=$(cg $arm $((port + 2)) "$d" "$n1")
    ir[$arm-2]=$(cg $arm $((port + 2)) "$d" "$n2")
done

per() { echo $(( (ir[$1-2] - ir[$1-1]) / (n2 - n1) )); }

s0=$(per S0)
s10=$(per S10)

printf '\n%-6s %10s %14s\n' arm conn/s instr/conn
printf '%-6s %10s %14s\n' S0 "$(awk '$1 == "S0" { print $2 }' "$work/conn-rate")" "$s0"
printf '%-6s %10s %14s\n' S10 "$(awk '$1 == "S10" { print $2 }' "$work/conn-rate")" "$s10"
printf '\ncertauthz adds %d instructions per connection (%s rounds of %ss, N %d and %d)\n' \
    $((s10 - s0)) "$rounds" "$seconds" "$n1" "$n2"
