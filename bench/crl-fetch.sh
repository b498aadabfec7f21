#!/bin/bash
# crl-fetch.sh NGINX MODULE PKI -- a 1,000,000-entry CRL fetched by
# certauthz itself over loopback (issue 22): a second nginx publishes the
# CRL in DER, as a CA's distribution point does; a host of four workers
# says "certauthz_crl http://...; certauthz_crl_refresh 1s;".  Measured:
# the first start (no cached copy: how long until the CRL is in force),
# the host's memory with it, then under load (wrk with a client
# certificate, 32 keep-alive connections, and a new TLS connection every
# 50 ms) two new CRLs published (each fetched once for the host and put
# in force: how long after it was published), the longest request
# meanwhile, failed requests, the peak of a refresh (the fetching
# worker's VmHWM above its VmRSS before), the requests that reached the
# CRL server (one a second: 200 for a change, 304 else) and the host's
# memory after.  Loopback only; stops both nginx when done.

set -eu
set -o pipefail

nginx=$1 module=$2 pki=$3
here=$(cd "$(dirname "$0")" && pwd)
TOOL=crl-fetch TOP=$(dirname "$here")
. "$TOP/t/lib/tools.sh"
work=${BENCH_DIR:-/tmp/certauthz-bench}
port=${BENCH_PORT:-9944}
pub=$((port + 1))
secs=${BENCH_SECONDS:-24}

need wrk curl taskset openssl
need_nginx "$nginx" "$module"
need_wrk_ssl
mkdir -p "$work/logs" "$work/conf" "$work/pub"
build_cert_shim "$work/wrk-cert-shim.so"

crl1m "$work/crl1m.pem" "$pki"
openssl crl -in "$work/crl1m.pem" -outform DER -out "$work/crl1m.der"
cp "$work/crl1m.der" "$work/pub/int.crl"
chmod -R a+rX "$work"

# the CA's web server: its own nginx, one worker
cat > "$work/conf/fetch-pub.conf" <<EOF
worker_processes 1;
error_log $work/logs/pub.log notice;
pid $work/logs/pub.pid;
events { worker_connections 64; }
http {
    access_log $work/logs/pub-access.log;
    server {
        listen 127.0.0.1:$pub;
        location / { root $work/pub; }
    }
}
EOF

WORKERS=4 one_server_conf "$work/conf/fetch-host.conf" "$module" "$pki" \
    "$port" "$work/logs/host.log notice" "$work/logs/host.pid" \
    "root $pki/www; certauthz on;
            certauthz_crl http://127.0.0.1:$pub/int.crl;
            certauthz_crl_refresh 1s;"
sed -i "s|^http {|http {\n    certauthz_crl_cache $work/cache;\n    certauthz_crl_fetch_max_size 128m;|" \
    "$work/conf/fetch-host.conf"

get() {
    curl -sk -o /dev/null -w "$1" --cert "$pki/alice.pem" \
         --key "$pki/alice.key" "https://127.0.0.1:$port/ok.txt"
}


loads() { grep -c 'loaded CRL "http' "$work/logs/host.log" || true; }

stop_all() {
    "$nginx" -p "$work/" -c conf/fetch-host.conf -s stop 2>/dev/null || true
    "$nginx" -p "$work/" -c conf/fetch-pub.conf -s stop 2>/dev/null || true
}
trap stop_all EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB," \
     "$("$nginx" -v 2>&1), 4 workers; CRL $(stat -c %s "$work/pub/int.crl") bytes DER"

rm -rf "$work/cache"
: > "$work/logs/host.log"
: > "$work/logs/pub-access.log"
"$nginx" -p "$work/" -c conf/fetch-pub.conf

# first start: no cached copy; nginx starts at once, alice is crl-missing
# until the first fetch is in force
t0=$EPOCHREALTIME
"$nginx" -p "$work/" -c conf/fetch-host.conf
started=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
for i in $(seq 600); do
    [ "$(get '%{http_code}')" = 200 ] && break
    sleep 0.05
done
first=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
[ "$(get '%{http_code}')" = 200 ] || die "the fetched CRL never let alice in"
echo "first start without a cached copy: nginx started in ${started}s," \
     "the CRL fetched and in force after ${first}s"

for i in $(seq 64); do get '' > /dev/null || true; done
sleep 2
steady=$(host_kb "$work/logs/host.pid")
echo "host with the fetched 1M-entry CRL: ${steady} kB"

taskset -c 1 env LD_PRELOAD="$work/wrk-cert-shim.so" \
    CERTAUTHZ_BENCH_CERT="$pki/alice.pem" CERTAUTHZ_BENCH_KEY="$pki/alice.key" \
    wrk -t1 -c32 -d"${secs}s" --latency "https://127.0.0.1:$port/ok.txt" \
    > "$work/fetch-wrk.txt" 2>&1 &
wrk_pid=$!

# the longest before the first publication, and from it on
probe "$secs" $((secs / 4)) > "$work/fetch-probe.txt" &
probe_pid=$!

: > "$work/logs/pub-access.log"
workers() { pgrep -P "$(cat "$work/logs/host.pid")"; }
inforce="" peaks=""
for at in $((secs / 4)) $((secs * 5 / 8)); do
    sleep $((at - ${last_at:-0}))
    last_at=$at
    rss_mark $(workers) > "$work/fetch-rss-before.txt"
    n=$(loads)
    # a new CRL published: another file renamed over it (a new ETag)
    cp "$work/crl1m.der" "$work/pub/int.crl.new"
    t0=$EPOCHREALTIME
    mv "$work/pub/int.crl.new" "$work/pub/int.crl"
    for j in $(seq 300); do
        [ "$(loads)" -gt "$n" ] && break
        sleep 0.02
    done
    inforce="$inforce $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }')"
    sleep 1
    peaks="$peaks $(rss_peak < "$work/fetch-rss-before.txt")kB"
done

wait "$wrk_pid" "$probe_pid"
sleep 3
after=$(host_kb "$work/logs/host.pid")
loaded=$(loads)

read -r probes probe_bad probe_max0 probe_max < "$work/fetch-probe.txt"
wrk_max=$(awk '$1 == "Latency" { print $4 }' "$work/fetch-wrk.txt")
wrk_req=$(awk '/ requests in / { print $1 }' "$work/fetch-wrk.txt")
wrk_bad=$(awk '/Non-2xx/ { print $NF } /Socket errors/ { print "errors" }' \
          "$work/fetch-wrk.txt" | tr '\n' ' ')
n200=$(awk '$9 == 200' "$work/logs/pub-access.log" | wc -l)
n304=$(awk '$9 == 304' "$work/logs/pub-access.log" | wc -l)

echo "two CRLs published under load: each in force after:$inforce" \
     "(loads in the host since start: $loaded)"
echo "the CRL server saw $n200 answers 200 and $n304 answers 304 in" \
     "${secs}s + 3s (one fetch a second for the host, not per worker)"
echo "wrk: $wrk_req requests, longest ${wrk_max}, failed: ${wrk_bad:-none}"
echo "probe: $probes new connections, $probe_bad failed, longest" \
     "${probe_max0}s before the first publication, ${probe_max}s from it on"
echo "peak of each refresh (the fetching worker's VmHWM above its VmRSS" \
     "before):$peaks"
echo "host after: ${after} kB"
