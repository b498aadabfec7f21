#!/bin/bash
# crl-load.sh NGINX MODULE PKI -- what a 1,000,000-entry CRL and a
# 100,000-entry list file cost: load time at start-up (nginx -t), worker
# memory, the time of a reload in a worker, and memory over 1,000 swaps of
# a small CRL.  Loopback only; stops nginx when done.

set -eu
set -o pipefail

nginx=$1 module=$2 pki=$3
here=$(cd "$(dirname "$0")" && pwd)
TOOL=crl-load TOP=$(dirname "$here")
. "$TOP/t/lib/tools.sh"
work=${BENCH_DIR:-/tmp/certauthz-bench}
port=${BENCH_PORT:-9943}

mkdir -p "$work/logs" "$work/conf"

rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ { print $2 }' "/proc/$1/status"; }
worker() { pgrep -f "nginx: worker process" -P "$(cat "$work/logs/nginx.pid")"; }

# kB of the CRL memory files (the host's copies) that process PID has open
memfd_kb() {
    local f kb=0
    for f in /proc/$1/fd/*; do
        case $(readlink "$f" 2>/dev/null) in
        /memfd:certauthz-crl*) kb=$((kb + $(stat -L -c %b "$f") / 2)) ;;
        esac
    done
    echo "$kb"
}

crl1m "$work/crl1m.pem" "$pki"

awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%X\n", 1048576 + i * 7 }' \
    > "$work/serials100k.txt"

conf() {   # conf NAME LOCATION-DIRECTIVES
    one_server_conf "$work/conf/$1.conf" "$module" "$pki" "$port" \
        "$work/logs/error.log notice" "$work/logs/nginx.pid" \
        "certauthz on; $2"
}

conf none ""
conf crl1m "certauthz_crl $work/crl1m.pem; certauthz_crl_refresh 1s;"
conf list100k "certauthz_allow serial=@$work/serials100k.txt;"
cp "$pki/crl/int-empty.crl" "$work/small.crl"
conf swaps "certauthz_crl $work/small.crl; certauthz_crl_refresh 1ms;"

start() { "$nginx" -p "$work/" -c "conf/$1.conf"; sleep 1; }
stop() { "$nginx" -p "$work/" -c "conf/$1.conf" -s stop; sleep 1; }
get() {
    curl -sk -o /dev/null -w "$1" --cert "$pki/alice.pem" \
         --key "$pki/alice.key" "https://127.0.0.1:$port/ok.txt"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB," \
     "$("$nginx" -v 2>&1)"

for c in crl1m list100k; do
    s=$( { /usr/bin/time -f %e "$nginx" -t -q -p "$work/" -c "conf/$c.conf"; } 2>&1 )
    echo "$c: nginx -t (loads it once) took ${s}s"
done

start none; base=$(rss "$(worker)"); stop none
echo "worker RSS without lists or CRLs: ${base} kB"

start list100k; r=$(rss "$(worker)"); stop list100k
echo "list100k: worker RSS ${r} kB, $(( (r - base) * 1024 / 100000 )) bytes per entry"

loads() { grep -c 'loaded CRL file' "$work/logs/error.log" || true; }

# the longest of the requests made every 50 ms (a new connection each)
# for SECONDS seconds
probe_max() {
    local end=$((SECONDS + $1)) max=0 t
    while [ $SECONDS -lt $end ]; do
        t=$(get '%{time_total}')
        max=$(awk -v a="$max" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
        sleep 0.05
    done
    echo "$max"
}

start crl1m
w=$(worker); r=$(rss "$w"); m=$(memfd_kb "$w")
echo "crl1m: the host's copy ${m} kB, $(( m * 1024 / 1000000 )) bytes per" \
     "entry; worker RSS ${r} kB (the pages of the copy it touched)"
for i in 1 2 3; do
    n=$(loads)
    t0=$EPOCHREALTIME
    touch "$work/crl1m.pem"
    # the worker's timer (refresh 1s) finds the change; a probe runs
    # through the load
    probe_max 5 > "$work/probe" &
    p=$!
    for j in $(seq 600); do
        [ "$(loads)" -gt "$n" ] && break
        sleep 0.05
    done
    t1=$EPOCHREALTIME
    wait "$p"
    echo "crl1m: reload $i: in force $(awk -v a="$t0" -v b="$t1" \
         'BEGIN { printf "%.2f", b - a }')s after the change, the longest" \
         "request meanwhile $(cat "$work/probe")s, worker RSS then $(rss "$w") kB" \
         "(peak so far $(hwm "$w") kB), the host's copy $(memfd_kb "$w") kB"
done
stop crl1m

start swaps
n=$(loads)
w=$(worker)
get '' || true      # the first request warms the worker up (TLS, buffers)
r0=$(rss "$w")
for i in $(seq 1000); do
    if [ $((i % 2)) = 1 ]; then
        cp "$pki/crl/int-alice.crl" "$work/small.crl.new"
    else
        cp "$pki/crl/int-empty.crl" "$work/small.crl.new"
    fi
    mv "$work/small.crl.new" "$work/small.crl"
    get '' || true
done
r1=$(rss "$w")
echo "swaps: $(( $(loads) - n )) reloads;" \
     "worker RSS ${r0} kB before 1,000 swaps, ${r1} kB after"
stop swaps
