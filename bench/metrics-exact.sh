#!/bin/bash
# metrics-exact.sh NGINX MODULE PKI -- certauthz_metrics under load (issue
# 14): two workers, two wrk at once for BENCH_SECONDS (alice, allowed, on
# 32 keep-alive connections; bob, denied, a new connection per request on
# 16), then a scrape.  Each decision counter must equal the requests that
# nginx's access log shows with that outcome (the log writes a line for
# every request nginx answered; wrk's own totals are printed beside it,
# a few lower: requests in flight when wrk stops are answered but not
# counted by wrk), and both workers must have answered some.  Loopback
# only; stops nginx when done.

set -eu
set -o pipefail

nginx=$1 module=$2 pki=$3
here=$(cd "$(dirname "$0")" && pwd)
TOOL=metrics-exact TOP=$(dirname "$here")
. "$TOP/t/lib/tools.sh"
work=${BENCH_DIR:-/tmp/certauthz-bench}/metrics
port=${BENCH_PORT:-9944}
secs=${BENCH_SECONDS:-10}

need wrk curl
need_nginx "$nginx" "$module"
need_wrk_ssl
mkdir -p "$work/logs" "$work/conf"
build_cert_shim "$work/wrk-cert-shim.so"

cat > "$work/conf/nginx.conf" <<EOF
load_module $module;
worker_processes 2;
error_log logs/error.log notice;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    log_format outcome "\$pid \$status \$certauthz_result \$certauthz_reason";
    server {
        listen 127.0.0.1:$port ssl;
        server_name bench.example;
        include $pki/tls.conf;
        ssl_verify_client on;
        access_log logs/access.log outcome;
        location / {
            certauthz on;
            certauthz_allow cn=alice;
            certauthz_deny all;
        }
    }
    server {
        listen 127.0.0.1:$((port + 1));
        access_log off;
        location = /metrics { certauthz_metrics; }
    }
}
EOF

: > "$work/logs/access.log"
"$nginx" -p "$work/" -c conf/nginx.conf
trap '"$nginx" -p "$work/" -c conf/nginx.conf -s stop' EXIT
sleep 1

wrk_as() {   # wrk_as NAME CONNS OUT [wrk options]
    local name=$1 conns=$2 out=$3
    shift 3
    env LD_PRELOAD="$work/wrk-cert-shim.so" \
        CERTAUTHZ_BENCH_CERT="$pki/$name.pem" \
        CERTAUTHZ_BENCH_KEY="$pki/$name.key" \
        wrk -t1 -c"$conns" -d"${secs}s" "$@" \
        "https://127.0.0.1:$port/ok.txt" > "$out" 2>&1
}

wrk_as alice 32 "$work/wrk-alice.txt" &
a=$!
wrk_as bob 16 "$work/wrk-bob.txt" -H 'Connection: close' &
b=$!
wait "$a" || die "wrk (alice) failed: $(cat "$work/wrk-alice.txt")"
wait "$b" || die "wrk (bob) failed: $(cat "$work/wrk-bob.txt")"
sleep 1

curl -s -o "$work/scrape.txt" "http://127.0.0.1:$((port + 1))/metrics" \
    || die "scrape failed"

series() {   # series RESULT REASON: the counter's value
    awk -v r="$1" -v why="$2" '
        $1 == "certauthz_decisions_total{server=\"bench.example\",location=\"/\",mode=\"on\",result=\"" r "\",reason=\"" why "\"}" { print $2 }
    ' "$work/scrape.txt"
}
logged() { awk -v s="$1" '$2 == s' "$work/logs/access.log" | wc -l; }
wrk_total() { awk '/ requests in / { print $1 }' "$1"; }

allow=$(series allow allow) deny=$(series deny deny)
log200=$(logged 200) log403=$(logged 403)
workers=$(awk '{ print $1 }' "$work/logs/access.log" | sort -u | wc -l)

echo "$(nproc) cores, $("$nginx" -v 2>&1), 2 workers, ${secs}s"
echo "alice (allowed): wrk $(wrk_total "$work/wrk-alice.txt") responses," \
     "access log $log200 x 200, counter $allow"
echo "bob (denied):    wrk $(wrk_total "$work/wrk-bob.txt") responses," \
     "access log $log403 x 403, counter $deny"
echo "workers that answered: $workers"

[ "$allow" = "$log200" ] && [ "$deny" = "$log403" ] && [ "$workers" = 2 ] \
    && [ "$allow" -gt 0 ] && [ "$deny" -gt 0 ] \
    || die "the counters do not equal the requests answered"
echo "metrics-exact: exact"
