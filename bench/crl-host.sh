#!/bin/bash
# crl-host.sh NGINX MODULE PKI -- a 1,000,000-entry CRL on a host of four
# workers (issue 13): the host's memory for it (master and workers: their
# PSS without shared memory, plus the CRL's memory file once), the peak of
# that while the CRL is swapped twice under load (wrk with a client
# certificate, 32 keep-alive connections), the longest request meanwhile
# (wrk's, and a new TLS connection every 50 ms), failed requests, and when
# each new CRL was in force.  The peak of a refresh: before each swap
# each worker's VmHWM is reset (clear_refs 5), then the largest rise of a
# worker's VmHWM over its VmRSS before (the loader's: the file's buffer
# and the new copy, which all workers then share) is the host's.  And stock nginx with the same CRL in
# ssl_crl (with the root's CRL, which it needs too): the host's memory, the
# time to start, and a full handshake's time beside no CRL at all.
# Loopback only; stops nginx when done.

set -eu
set -o pipefail

nginx=$1 module=$2 pki=$3
here=$(cd "$(dirname "$0")" && pwd)
TOOL=crl-host TOP=$(dirname "$here")
. "$TOP/t/lib/tools.sh"
work=${BENCH_DIR:-/tmp/certauthz-bench}
port=${BENCH_PORT:-9944}
secs=${BENCH_SECONDS:-24}

need wrk curl taskset
need_nginx "$nginx" "$module"
need_wrk_ssl
mkdir -p "$work/logs" "$work/conf"
build_cert_shim "$work/wrk-cert-shim.so"

crl1m "$work/crl1m.pem" "$pki"

conf() {   # conf NAME LOCATION-DIRECTIVES
    WORKERS=4 one_server_conf "$work/conf/host-$1.conf" "$module" "$pki" \
        "$port" "$work/logs/host.log notice" "$work/logs/host.pid" \
        "certauthz on; $2"
}

conf none "root $pki/www;"
conf crl1m "root $pki/www; certauthz_crl $work/crl1m.pem; certauthz_crl_refresh 1s;"
cat "$work/crl1m.pem" "$pki/crl/root-empty.crl" > "$work/crl1m-chain.pem"
WORKERS=4 one_server_conf "$work/conf/host-stock.conf" "$module" "$pki" \
    "$port" "$work/logs/host.log notice" "$work/logs/host.pid" \
    "root $pki/www;"
sed -i "s|ssl_verify_client on;|ssl_verify_client on; ssl_crl $work/crl1m-chain.pem;|" \
    "$work/conf/host-stock.conf"

start() { : > "$work/logs/host.log"; "$nginx" -p "$work/" -c "conf/host-$1.conf"; sleep 2; }
stop() { "$nginx" -p "$work/" -c "conf/host-$1.conf" -s stop; sleep 1; }
get() {
    curl -sk -o /dev/null -w "$1" --cert "$pki/alice.pem" \
         --key "$pki/alice.key" "https://127.0.0.1:$port/ok.txt"
}


warm() {   # a request on each of 64 new connections: every worker has some
    local i
    for i in $(seq 64); do get '' > /dev/null || true; done
}

loads() { grep -c 'loaded CRL file' "$work/logs/host.log" || true; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB," \
     "$("$nginx" -v 2>&1), 4 workers"

# the median time_connect + TLS of 41 new connections, in ms
handshake_ms() {
    local i
    for i in $(seq 41); do get '%{time_appconnect}\n'; done \
    | sort -n | awk '{ t[NR] = $1 } END { printf "%.1f", t[21] * 1000 }'
}

start none; warm; base=$(host_kb "$work/logs/host.pid"); hs_none=$(handshake_ms); stop none
echo "host without CRLs: ${base} kB; a full handshake ${hs_none} ms (median of 41)"

for c in crl1m stock; do
    s=$( { /usr/bin/time -f %e "$nginx" -t -q -p "$work/" -c "conf/host-$c.conf"; } 2>&1 )
    echo "$c: nginx -t (loads the CRL once) took ${s}s"
done

start stock; warm; stock=$(host_kb "$work/logs/host.pid"); hs_stock=$(handshake_ms)
[ "$(get '%{http_code}')" = 200 ] || die "stock ssl_crl: alice is not let in"
stop stock
echo "stock nginx, ssl_crl with the 1M-entry CRL: host ${stock} kB," \
     "$(( (stock - base) * 1024 / 1000000 )) bytes per entry;" \
     "a full handshake ${hs_stock} ms; a changed CRL needs nginx -s reload"

start crl1m; warm
steady=$(host_kb "$work/logs/host.pid")
echo "host with the 1M-entry CRL: ${steady} kB," \
     "$(( (steady - base) * 1024 / 1000000 )) bytes per entry"

# wrk through the whole run; the swaps at 1/4 and 5/8 of it
taskset -c 1 env LD_PRELOAD="$work/wrk-cert-shim.so" \
    CERTAUTHZ_BENCH_CERT="$pki/alice.pem" CERTAUTHZ_BENCH_KEY="$pki/alice.key" \
    wrk -t1 -c32 -d"${secs}s" --latency "https://127.0.0.1:$port/ok.txt" \
    > "$work/host-wrk.txt" 2>&1 &
wrk_pid=$!

# a new TLS connection every 50 ms: the longest before the first swap
# and after it, and the failures
probe "$secs" $((secs / 4)) > "$work/host-probe.txt" &
probe_pid=$!

workers() { pgrep -P "$(cat "$work/logs/host.pid")"; }
inforce="" peaks=""
for at in $((secs / 4)) $((secs * 5 / 8)); do
    sleep $((at - ${last_at:-0}))
    last_at=$at
    rss_mark $(workers) > "$work/host-rss-before.txt"
    n=$(loads)
    t0=$EPOCHREALTIME
    touch "$work/crl1m.pem"
    for j in $(seq 200); do
        [ "$(loads)" -gt "$n" ] && break
        sleep 0.02
    done
    inforce="$inforce $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }')"
    sleep 1
    peaks="$peaks $(rss_peak < "$work/host-rss-before.txt")kB"
done

wait "$wrk_pid" "$probe_pid"
sleep 3        # every worker has taken the new CRL; the old copy goes
after=$(host_kb "$work/logs/host.pid")
loaded=$(loads)
stop crl1m

read -r probes probe_bad probe_max0 probe_max < "$work/host-probe.txt"
wrk_max=$(awk '$1 == "Latency" { print $4 }' "$work/host-wrk.txt")
wrk_req=$(awk '/ requests in / { print $1 }' "$work/host-wrk.txt")
wrk_bad=$(awk '/Non-2xx/ { print $NF } /Socket errors/ { print "errors" }' \
          "$work/host-wrk.txt" | tr '\n' ' ')

echo "swaps: 2 under load; loaded $loaded times in the host (one line per" \
     "load); in force after:$inforce"
echo "wrk: $wrk_req requests, longest ${wrk_max}, failed: ${wrk_bad:-none}"
echo "probe: $probes new connections, $probe_bad failed, longest" \
     "${probe_max0}s before the first swap, ${probe_max}s from it on"
echo "peak of each refresh (the loading worker's VmHWM above its VmRSS" \
     "before the swap):$peaks"
echo "host after the swaps: ${after} kB," \
     "$(( (after - base) * 1024 / 1000000 )) bytes per entry"
