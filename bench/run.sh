#!/bin/bash
# bench/run.sh NGINX MODULE -- the certauthz benchmark suite.
#
# Debian packages it needs besides the build's (the top Makefile's deps
# target installs them; run.sh itself installs nothing):
#     wrk valgrind libnginx-mod-http-lua python3 (bench/hold-conns.py)
# and, as for the build and the tests: gcc libc6-dev libssl-dev openssl
# curl procps (pgrep) util-linux (taskset).
#
# Every arm serves the same small static file (/ok.txt) from the same nginx
# with the same certificates, over HTTP/1.1 keep-alive with
# "ssl_verify_client on"; alice's certificate is presented.  The arms are
# bench/conf/ARM.conf:
#     A0      stock nginx, no authorization
#     A1      map $ssl_client_s_dn + if, the 10 patterns of conf/patterns.txt
#     A2      access_by_lua_block (libnginx-mod-http-lua), the same patterns
#     C10     certauthz, the same patterns as rules on cn, email, serial
#     C10grp  C10 with an unnamed group in the last regex, as most people
#             write one: cn~^(alice)$
#     C10cap  C10 with a named capture in the last regex instead
#             (certauthz keeps the outcome with the connection either way,
#             with the captures, and sets them again per request)
#     C100k   certauthz, the serial in a 100,000-entry list file
#     CRL1M   certauthz, a CRL of 1,000,000 revoked serials
#     H-A0, H-C10  A0 and C10 with a new TLS connection per request
#             ("Connection: close"; wrk resumes the TLS session, TLS 1.2)
#
# Measures, printed as one table:
#   req/s      wrk -t1 -c32, median of ROUNDS runs, the arms alternating
#   ratio      median over the rounds of (arm / A0), each arm run next to an
#              A0 run (order swapped every round)
#   p50, p99   wrk -t1 -c64 --latency, median of LAT_ROUNDS runs
#   cpu us/req CPU time of the nginx worker (/proc, utime + stime) divided
#              by the requests of the -c32 runs, median: the server-side cost
#              even where wrk, not nginx, is the bottleneck
#   instr/req  valgrind --tool=callgrind, master_process off, daemon off:
#              N1 and N2 requests on ONE keep-alive connection (wrk -c1,
#              bench/wrk-stop.lua ends it after N responses):
#              (I2 - I1) / (N2 - N1), each I the Ir of a callgrind dump that
#              holds just that connection (callgrind_control --zero/--dump);
#              H-*: N1 and N2 requests, each on a new connection.  The call
#              counts in the dumps show the certificate parsed once per
#              connection (out/parse-once.txt) and where the instructions
#              go (out/delta-ARM-minus-A0.txt, per function and request)
#   RSS        VmRSS of the worker after all the wrk runs
#   conn mem   worker RSS with MEM_CONNS idle keep-alive connections held by
#              bench/hold-conns.py, minus before, per connection: C10 - A0,
#              each arm restarted first
#
# Environment: BENCH_QUICK=1 (smoke run, ~2 minutes), BENCH_ROUNDS and
# BENCH_LAT_ROUNDS (throughput and latency rounds: 7 and 3), BENCH_DIR (work dir,
# /tmp/certauthz-bench), BENCH_OUT (raw results, /tmp/bench-out),
# BENCH_PORT (first of 10 loopback ports, 9951), BENCH_FRESH=1 (new PKI,
# list and CRL even if the ones in BENCH_DIR are usable).
# Only loopback TCP is used; every loop and every run is bounded.

set -eu
set -o pipefail

[ $# -eq 2 ] || { echo "usage: $0 NGINX MODULE" >&2; exit 2; }

nginx=$1 module=$2
[ -f "$module" ] && module=$(cd "$(dirname "$module")" && pwd)/$(basename "$module")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
TOOL=bench TOP=$top
. "$top/t/lib/tools.sh"
work=${BENCH_DIR:-/tmp/certauthz-bench}
out=${BENCH_OUT:-/tmp/bench-out}
port0=${BENCH_PORT:-9951}
quick=${BENCH_QUICK:-0}
luamods=/usr/lib/nginx/modules

if [ "$quick" = 1 ]; then
    DUR=1 ROUNDS=3 LAT_ROUNDS=1 N1=50 N2=250 HN1=10 HN2=40 MEM_CONNS=1000
else
    DUR=4 ROUNDS=7 LAT_ROUNDS=3 N1=200 N2=1200 HN1=20 HN2=120 MEM_CONNS=3000
fi
# more rounds narrow the medians on a noisy machine
ROUNDS=${BENCH_ROUNDS:-$ROUNDS}
LAT_ROUNDS=${BENCH_LAT_ROUNDS:-$LAT_ROUNDS}

ARMS="A0 A1 A2 C10 C10grp C10cap C100k CRL1M"

# nginx's pcre_jit for every arm (BENCH_PCRE_JIT=off: nginx's default)
pcre_jit=${BENCH_PCRE_JIT:-on}

ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"   # hold-conns.py
PAIRED="A1 A2 C10 C10grp C10cap C100k CRL1M"    # each run next to an A0 run

say() { echo "bench: [$SECONDS s] $*" | tee -a "$out/run.log" >&2; }

# --- what must be there ------------------------------------------------------

missing=
for p in wrk valgrind libnginx-mod-http-lua; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
        | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bench: missing Debian packages:$missing; install them with" >&2
    echo "    apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
need wrk valgrind callgrind_control callgrind_annotate curl openssl cc \
     taskset pgrep awk
need_nginx "$nginx" "$module"
[ -f "$luamods/ngx_http_lua_module.so" ] \
    || die "no $luamods/ngx_http_lua_module.so (libnginx-mod-http-lua)"
[ "$(nproc)" -ge 2 ] || die "needs 2 cores (nginx on CPU 1, wrk on CPU 0)"

need_wrk_ssl

mkdir -p "$work/conf" "$work/gen" "$work/logs" "$work/run"
case $out in /|"") die "BENCH_OUT must be a directory of its own" ;; esac
rm -rf "$out/wrk" "$out/callgrind" "$out/conf"
rm -f "$out"/*.txt
mkdir -p "$out/wrk" "$out/callgrind" "$out/conf"
: > "$out/run.log"

say "$(date -u '+%F %T') UTC, quick=$quick, $(nproc) cores," \
    "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
    "$("$nginx" -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)," \
    "$(valgrind --version)"

# --- the client-certificate shim for wrk --------------------------------------

shim=$work/wrk-cert-shim.so
build_cert_shim "$shim"

# --- PKI, the 100,000-entry list, the 1,000,000-entry CRL ----------------------

pki=$work/pki
make_test_pki "$pki" "${BENCH_FRESH:-0}"
stamp=$(cat "$pki/.stamp")

# 100,000 serials, alice's (A1B2C) in the middle of them
awk 'BEGIN { for (i = 0; i < 100000; i++)
                 if (i == 50000) print "0A:1B:2C";
                 else printf "%X\n", 1048576 + i * 7 }' > "$work/list100k.txt"

if [ "${BENCH_FRESH:-0}" = 1 ] || [ ! -s "$work/crl1m.pem" ] \
   || [ "$(cat "$work/crl1m.pem.pki" 2>/dev/null)" != "$stamp" ]
then
    say "generating a CRL of 1,000,000 entries (bench/gen-crl.sh)"
    rm -f "$work/crl1m.pem.pki"
    bash "$here/gen-crl.sh" 1000000 "$pki/int.key" "$pki/int.crt" \
        "$work/crl1m.pem"
    echo "$stamp" > "$work/crl1m.pem.pki"
fi

# --- the 10 patterns, rendered for A1, A2, C10 and C10cap ----------------------

gen=$work/gen
patterns=$here/conf/patterns.txt

awk -v gen="$gen" '
    /^[ \t]*(#|$)/ { next }
    {
        kind = $1; cond = $2
        dn = $0
        sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]+/, "", dn)
        sub(/[ \t]+$/, "", dn)
        if (kind != "exact" && kind != "regex") {
            print "patterns.txt: bad kind " kind > "/dev/stderr"; exit 1
        }
        n++; k[n] = kind; c[n] = cond; d[n] = dn
    }
    END {
        if (n != 10) { print "patterns.txt: " n " patterns, not 10" > "/dev/stderr"; exit 1 }

        f = gen "/a1-map.conf"
        print "# generated by bench/run.sh from bench/conf/patterns.txt" > f
        for (i = 1; i <= n; i++)
            printf "\"%s%s\" 1;\n", (k[i] == "regex" ? "~" : ""), d[i] > f

        f = gen "/a2-patterns.conf"
        print "# generated by bench/run.sh from bench/conf/patterns.txt" > f
        print "init_by_lua_block {" > f
        print "    package.loaded.bench_patterns = {" > f
        for (i = 1; i <= n; i++)
            printf "        { exact = %s, value = [==[%s]==] },\n",
                   (k[i] == "exact" ? "true" : "false"), d[i] > f
        print "    }" > f
        print "}" > f

        f = gen "/c10-rules.conf"
        g = gen "/c10cap-rules.conf"
        h = gen "/c10grp-rules.conf"
        print "# generated by bench/run.sh from bench/conf/patterns.txt" > f
        print "# generated by bench/run.sh from bench/conf/patterns.txt;" > g
        print "# the last rule has a named capture" > g
        print "# generated by bench/run.sh from bench/conf/patterns.txt;" > h
        print "# the last rule has an unnamed group" > h
        for (i = 1; i <= n; i++) {
            printf "certauthz_allow \"%s\";\n", c[i] > f
            cc = c[i]
            cg = c[i]
            if (i == n) {
                if (k[i] != "regex" || !match(cc, /~/)) {
                    print "patterns.txt: the last pattern must be a regex" > "/dev/stderr"; exit 1
                }
                cc = substr(cc, 1, RSTART) "(?<bench_cap>" substr(cc, RSTART + 1) ")"
                cg = substr(cg, 1, RSTART) "(" substr(cg, RSTART + 1) ")"
            }
            printf "certauthz_allow \"%s\";\n", cc > g
            printf "certauthz_allow \"%s\";\n", cg > h
        }
    }' "$patterns" || die "cannot render $patterns"

# --- nginx configurations --------------------------------------------------------

port_of() {
    local i=0 a
    for a in $ARMS; do
        [ "$a" = "$1" ] && { echo $((port0 + i)); return; }
        i=$((i + 1))
    done
    die "unknown arm $1"
}
cg_port=$((port0 + 9))

render() {   # render TEMPLATE OUTPUT ARM PORT
    sed -e "s|@WORK@|$work|g" -e "s|@GEN@|$gen|g" -e "s|@PKI@|$pki|g" \
        -e "s|@MODULE@|$module|g" -e "s|@LUAMODS@|$luamods|g" \
        -e "s|@ARM@|$3|g" -e "s|@PORT@|$4|g" \
        -e "s|@PCRE_JIT@|$pcre_jit|g" "$1" > "$2"
}

render "$here/conf/main.conf" "$gen/main.conf" - -
for a in $ARMS; do
    render "$here/conf/server.conf" "$gen/server-$a.conf" "$a" "$(port_of "$a")"
    render "$here/conf/$a.conf" "$work/conf/$a.conf" "$a" -
    # the callgrind instance of the arm: its own port
    render "$here/conf/server.conf" "$gen/server-cg-$a.conf" "cg-$a" "$cg_port"
    render "$here/conf/$a.conf" "$work/conf/cg-$a.conf" "cg-$a" -
done
cp "$gen"/*.conf "$work"/conf/*.conf "$out/conf/"

for a in $ARMS; do
    "$nginx" -t -q -p "$work/" -c "conf/$a.conf" -e "$work/logs/error.log" \
        -g "pid run/t.pid;" || die "nginx -t fails for $a (conf/$a.conf)"
done

# --- starting and stopping nginx ---------------------------------------------------

started=
cleanup() {
    local a pid
    for a in $started; do
        pid=$(cat "$work/run/$a.pid" 2>/dev/null) || continue
        kill -QUIT "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

curl_get() {   # curl_get PORT CLIENT [curl options]: prints the status
    local p=$1 who=$2
    shift 2
    curl -sk --max-time 10 --tlsv1.2 --tls-max 1.2 -o /dev/null \
         -w '%{http_code}' --cert "$pki/$who.pem" --key "$pki/$who.key" \
         "$@" "https://127.0.0.1:$p/ok.txt" || true
}

wait_port() {   # wait_port PORT SECONDS: until TLS answers on PORT
    local i
    for i in $(seq $(( $2 * 5 ))); do
        [ "$(curl_get "$1" alice)" = 000 ] || return 0
        sleep 0.2
    done
    return 1
}

start_arm() {
    local a=$1
    rm -f "$work/run/$a.pid"
    taskset -c 1 "$nginx" -p "$work/" -c "conf/$a.conf" \
        -e "$work/logs/error.log" -g "pid run/$a.pid;" \
        || die "cannot start nginx for $a"
    started="$started $a"
    wait_port "$(port_of "$a")" 60 || die "$a does not answer on $(port_of "$a")"
}

stop_arm() {
    local a=$1 pid i
    pid=$(cat "$work/run/$a.pid")
    kill -QUIT "$pid"
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
}

worker_of() { pgrep -P "$(cat "$work/run/$1.pid")" | head -1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# --- wrk -------------------------------------------------------------------------------

# wrk_run ARM TAG CONNS [wrk options]: one run, alice's certificate; prints
# "REQUESTS REQ/S NON2XX ERRORS CPU_TICKS P50_MS P99_MS" (P* with --latency)
wrk_run() {
    local a=$1 tag=$2 conns=$3 w t0 t1 f
    shift 3
    w=$(worker_of "$a")
    f=$out/wrk/$a.$tag.txt
    t0=$(cpu_ticks "$w")
    taskset -c 0 env LD_PRELOAD="$shim" CERTAUTHZ_BENCH_CERT="$pki/alice.pem" \
        CERTAUTHZ_BENCH_KEY="$pki/alice.key" \
        timeout $((DUR + 30)) wrk -t1 -c"$conns" -d"${DUR}s" "$@" \
        "https://127.0.0.1:$(port_of "$a")/ok.txt" > "$f" 2>&1 \
        || die "wrk failed on $a: $(cat "$f")"
    t1=$(cpu_ticks "$w")
    awk -v ticks=$((t1 - t0)) '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/) return v * 60000
            return v * 1000
        }
        / requests in / { req = $1 }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { bad = $NF }
        /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        END { printf "%d %.1f %d %d %d %s %s\n", req, rps, bad, err, ticks,
                     (p50 == "" ? "-" : p50), (p99 == "" ? "-" : p99) }' "$f"
}

median() { sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# --- checks ---------------------------------------------------------------------------

for a in $ARMS; do
    start_arm "$a"
done
say "all arms up, ports $port0..$((port0 + 6)); nginx on CPU 1, wrk on CPU 0"

for a in $ARMS; do
    s=$(curl_get "$(port_of "$a")" alice)
    [ "$s" = 200 ] || die "$a answers $s to alice, not 200"
done

# A1, A2, C10, C10grp and C10cap must mean the same: the same status for
# every client certificate of the PKI
clients=$(sed -n 's/\.subject=.*//p' "$pki/expected.txt")
{
    printf '%-12s %4s %4s %4s %6s %6s\n' client A1 A2 C10 C10grp C10cap
    for who in $clients; do
        printf '%-12s' "$who"
        for a in A1 A2 C10 C10grp C10cap; do
            printf ' %4s' "$(curl_get "$(port_of "$a")" "$who")"
        done
        echo
    done
} > "$out/equivalence.txt"
awk 'NR > 1 && !($2 == $3 && $3 == $4 && $4 == $5 && $5 == $6) { bad = bad " " $1 }
     END { if (bad != "") { print "bench: A1, A2, C10 disagree on:" bad > "/dev/stderr"; exit 1 } }' \
    "$out/equivalence.txt" || { cat "$out/equivalence.txt" >&2; exit 1; }
say "A1, A2, C10, C10grp, C10cap agree on all $(echo $clients | wc -w) client certificates" \
    "($(awk 'NR > 1 && $2 == 200' "$out/equivalence.txt" | wc -l) allowed," \
    "$(awk 'NR > 1 && $2 == 403' "$out/equivalence.txt" | wc -l) denied," \
    "$(awk 'NR > 1 && $2 == 400' "$out/equivalence.txt" | wc -l) refused by nginx)"

# the shim: the server sees the certificate wrk presents
shim_check() {   # shim_check TAG CLIENT|none
    local f=$out/wrk/shim-check.$1.txt
    if [ "$2" = none ]; then
        set -- env
    else
        set -- env LD_PRELOAD="$shim" CERTAUTHZ_BENCH_CERT="$pki/$2.pem" \
            CERTAUTHZ_BENCH_KEY="$pki/$2.key"
    fi
    taskset -c 0 "$@" timeout 30 wrk -t1 -c2 -d1s \
        "https://127.0.0.1:$(port_of C10)/ok.txt" > "$f" 2>&1 || true
    awk '/ requests in / { n = $1 } /Non-2xx/ { b = $NF }
         END { printf "%d %d\n", n, b }' "$f"
}
read -r n b <<< "$(shim_check alice alice)"
[ "$n" -gt 0 ] && [ "$b" = 0 ] || die "shim: alice on C10: $n requests, $b non-2xx"
read -r n2 b2 <<< "$(shim_check utf8 utf8)"
[ "$n2" -gt 0 ] && [ "$b2" = "$n2" ] || die "shim: utf8 on C10: $n2 requests, $b2 non-2xx"
read -r n3 b3 <<< "$(shim_check none none)"
[ "$n3" -gt 0 ] && [ "$b3" = "$n3" ] || die "shim: no cert on C10: $n3 requests, $b3 non-2xx"
say "shim works: on C10 alice gets $n/$n 2xx, utf8 (no rule) $b2/$n2 non-2xx," \
    "wrk without the shim $b3/$n3 non-2xx (400, no certificate)"

# --- throughput: 32 connections, pairs with A0, alternating --------------------

say "warming up"
for a in $ARMS; do
    DUR=1 wrk_run "$a" warmup 32 > /dev/null
    [ "$quick" = 1 ] \
        || DUR=1 wrk_run "$a" warmup-h 32 -H 'Connection: close' > /dev/null
done

res=$out/results.txt    # ROUND ARM PARTNER-ROUND-TAG REQUESTS RPS NON2XX ERR TICKS P50 P99
: > "$res"
one() {   # one ROUND ARM MODE TAG CONNS [wrk options]
    local r=$1 a=$2 m=$3 tag=$4 c=$5 line
    shift 5
    line=$(wrk_run "$a" "$m.r$r.$tag" "$c" "$@")
    echo "$r $a $m $tag $line" >> "$res"
    set -- $line
    [ "$3" = 0 ] && [ "$4" = 0 ] \
        || die "$a ($m, round $r): $3 non-2xx responses, $4 socket errors"
}

for r in $(seq "$ROUNDS"); do
    say "throughput round $r/$ROUNDS"
    for a in $PAIRED; do
        if [ $((r % 2)) = 1 ]; then
            one "$r" A0 ka "$a" 32; one "$r" "$a" ka "$a" 32
        else
            one "$r" "$a" ka "$a" 32; one "$r" A0 ka "$a" 32
        fi
    done
    if [ $((r % 2)) = 1 ]; then
        one "$r" A0 h C10 32 -H 'Connection: close'
        one "$r" C10 h C10 32 -H 'Connection: close'
    else
        one "$r" C10 h C10 32 -H 'Connection: close'
        one "$r" A0 h C10 32 -H 'Connection: close'
    fi
done

for r in $(seq "$LAT_ROUNDS"); do
    say "latency round $r/$LAT_ROUNDS (64 connections)"
    for a in $ARMS; do
        one "$r" "$a" lat - 64 --latency
    done
    one "$r" A0 hlat - 64 --latency -H 'Connection: close'
    one "$r" C10 hlat - 64 --latency -H 'Connection: close'
done

rss=$out/rss.txt
: > "$rss"
for a in $ARMS; do
    w=$(worker_of "$a")
    echo "$a $(awk '/VmRSS/ { r = $2 } /VmHWM/ { h = $2 } END { print r, h }' "/proc/$w/status")" >> "$rss"
done

# per-connection memory: the worker's RSS with MEM_CONNS idle keep-alive
# connections held open (one request served on each) minus without them,
# for A0 and C10; C10 - A0 is what certauthz keeps per connection
# (each on a fresh nginx, so that both heaps have the same history)
mem=$out/conn-mem.txt
: > "$mem"
for a in A0 C10; do
    stop_arm "$a"
    start_arm "$a"
    w=$(worker_of "$a")
    before=$(awk '/VmRSS/ { print $2 }' "/proc/$w/status")
    fifo=$work/run/hold.fifo
    rm -f "$fifo"; mkfifo "$fifo"
    python3 "$here/hold-conns.py" "$(port_of "$a")" "$pki/alice.pem" \
        "$pki/alice.key" "$MEM_CONNS" < "$fifo" > "$work/logs/hold.txt" &
    holder=$!
    exec 9> "$fifo"
    for i in $(seq 600); do
        grep -q '^held' "$work/logs/hold.txt" && break
        kill -0 "$holder" 2>/dev/null || break
        sleep 0.1
    done
    grep -q '^held' "$work/logs/hold.txt" \
        || die "hold-conns.py could not hold $MEM_CONNS connections on $a"
    after=$(awk '/VmRSS/ { print $2 }' "/proc/$w/status")
    exec 9>&-
    wait "$holder" || true
    echo "$a $before $after $MEM_CONNS" >> "$mem"
done

for a in $ARMS; do
    stop_arm "$a"
done
started=

# --- callgrind: instructions per request on one connection ------------------------

# The client is wrk too (TLS 1.2, alice's certificate through the shim),
# -t1 -c1, and bench/wrk-stop.lua makes it exit after exactly N responses.
# The requests and connections are counted in the dumps themselves (calls of
# ngx_http_process_request and ngx_ssl_create_connection), as are the full
# handshakes (X509_verify_cert: the client's chain is verified; a resumed
# session is not).

cg_requests() {   # cg_requests PORT N [wrk options]
    local p=$1 n=$2 f=$work/logs/cg-wrk.txt
    shift 2
    taskset -c 0 env LD_PRELOAD="$shim" CERTAUTHZ_BENCH_CERT="$pki/alice.pem" \
        CERTAUTHZ_BENCH_KEY="$pki/alice.key" CERTAUTHZ_BENCH_REQUESTS="$n" \
        timeout 900 wrk -t1 -c1 -d900s -s "$here/wrk-stop.lua" "$@" \
        "https://127.0.0.1:$p/ok.txt" > "$f" 2>&1 \
        || die "wrk under callgrind: $(cat "$f")"
}

# calls OUTFILE: "CALLER CALLEE CALLS" for every call edge of a callgrind file
calls() {
    awk '
        function name(s,   id) {
            id = s; sub(/\).*/, "", id); sub(/^\(/, "", id)
            if (s ~ /\) /) { sub(/^\([0-9]+\) /, "", s); names[id] = s }
            return names[id]
        }
        /^fn=/ { fn = name(substr($0, 4)) }
        /^cfn=/ { cfn = name(substr($0, 5)) }
        /^calls=/ { split(substr($0, 7), v, " "); n[fn " " cfn] += v[1] }
        END { for (e in n) print e, n[e] }' "$1"
}

# called CALLS-FILE FUNCTION: how often FUNCTION was called
called() { awk -v f="$2" '$2 == f { n += $3 } END { print n + 0 }' "$1"; }

# functions OUTFILE yes|no: "IR FUNCTION" for every function, inclusive or not
functions() {
    callgrind_annotate --auto=no --threshold=100 --inclusive="$2" "$1" 2>/dev/null \
    | awk '$1 ~ /^[0-9,]+$/ && NF >= 2 && !/PROGRAM TOTALS/ {
               ir = $1; gsub(/,/, "", ir)
               f = $0; sub(/^ *[0-9,]+ +(\([^)]*\) +)?/, "", f)
               print ir, f }'
}

cg=$out/callgrind
cgres=$cg/instructions.txt   # NAME R1 I1 R2 I2 INSTR/REQ C1 C2 FULL1 FULL2
: > "$cgres"

# cg_arm NAME ARM N1 N2 [wrk options]
cg_arm() {
    local name=$1 a=$2 n1=$3 n2=$4 bg vpid i n f r1 r2 ir1 ir2 per
    shift 4
    rm -f "$cg/$name.cg"* "$work/run/cg.pid"
    taskset -c 1 timeout 1200 valgrind --tool=callgrind --instr-atstart=no \
        --dump-instr=no --callgrind-out-file="$cg/$name.cg" \
        "$nginx" -p "$work/" -c "conf/cg-$a.conf" -e "$work/logs/error.log" \
        -g "pid run/cg.pid; master_process off; daemon off;" \
        > "$cg/$name.valgrind.log" 2>&1 &
    bg=$!
    started="cg"
    # valgrind runs the start-up (CRL and list loads) uninstrumented; the
    # pid file appears once the configuration is loaded
    vpid=
    for i in $(seq 600); do
        if [ -s "$work/run/cg.pid" ]; then
            vpid=$(cat "$work/run/cg.pid")
            callgrind_control --instr=on "$vpid" > /dev/null 2>&1 && break
        fi
        kill -0 "$bg" 2>/dev/null || die "nginx under callgrind died ($name)"
        sleep 0.5
    done
    [ -n "$vpid" ] || die "nginx under callgrind did not start ($name)"
    wait_port "$cg_port" 120 || die "nginx under callgrind does not answer ($name)"
    for n in "$n1" "$n2"; do
        callgrind_control --zero "$vpid" > /dev/null 2>&1
        cg_requests "$cg_port" "$n" "$@"
        sleep 0.5    # let nginx see the client close the connection
        callgrind_control --dump="$name-$n" "$vpid" > /dev/null 2>&1
    done
    kill -QUIT "$vpid"
    for i in $(seq 300); do
        kill -0 "$bg" 2>/dev/null || break
        sleep 0.2
    done
    wait "$bg" 2>/dev/null || true
    started=
    # the two dumps, as NAME.N1.out and NAME.N2.out
    for f in "$cg/$name.cg".*; do
        n=$(sed -n "s/^desc: Trigger: dump $name-//p" "$f")
        [ -n "$n" ] && mv "$f" "$cg/$name.$n.out"
    done
    rm -f "$cg/$name.cg"*
    [ -s "$cg/$name.$n1.out" ] && [ -s "$cg/$name.$n2.out" ] \
        || die "callgrind $name: the dumps are missing"
    for n in "$n1" "$n2"; do
        calls "$cg/$name.$n.out" > "$cg/$name.$n.calls"
        functions "$cg/$name.$n.out" no > "$cg/$name.$n.self"
        functions "$cg/$name.$n.out" yes > "$cg/$name.$n.inclusive"
    done
    ir1=$(sed -n 's/^summary: //p' "$cg/$name.$n1.out")
    ir2=$(sed -n 's/^summary: //p' "$cg/$name.$n2.out")
    r1=$(called "$cg/$name.$n1.calls" ngx_http_process_request)
    r2=$(called "$cg/$name.$n2.calls" ngx_http_process_request)
    [ "$r1" = "$n1" ] && [ "$r2" = "$n2" ] \
        || die "callgrind $name: $r1 and $r2 requests in the dumps, not $n1 and $n2"
    per=$(( (ir2 - ir1) / (r2 - r1) ))
    echo "$name $r1 $ir1 $r2 $ir2 $per" \
        "$(called "$cg/$name.$n1.calls" ngx_ssl_create_connection)" \
        "$(called "$cg/$name.$n2.calls" ngx_ssl_create_connection)" \
        "$(called "$cg/$name.$n1.calls" X509_verify_cert)" \
        "$(called "$cg/$name.$n2.calls" X509_verify_cert)" >> "$cgres"
    say "callgrind $name: $per instructions/request (I($r1) = $ir1, I($r2) = $ir2)"
}

for a in $ARMS; do
    cg_arm "$a" "$a" "$N1" "$N2"
done
# a new connection per request, as in the H runs (wrk resumes the session)
for a in A0 C10; do
    cg_arm "H-$a" "$a" "$HN1" "$HN2" -H 'Connection: close'
done

# The certificate is parsed once per connection.  ngx_certauthz_cert_parse()
# is static and gcc -O2 inlines it into ngx_certauthz_conn_get(), so it has
# no symbol and no call count of its own: count what the parse calls,
# ngx_certauthz_cert_dn() (twice a parse: subject and issuer) and, from
# ngx_certauthz_conn_get(), SSL_get1_peer_certificate() and
# SSL_set_ex_data() (once a parse); ngx_certauthz_conn_get() itself runs on
# every request, ngx_certauthz_decide() too.
{
    echo "callgrind call counts in each dump (one dump = the requests and connections shown)"
    printf '%-7s %5s %5s %5s | %8s %8s %7s %9s %10s\n' arm reqs conns full \
        conn_get decide cert_dn get1_peer set_exdata
    for name in C10 C10grp C10cap C100k CRL1M H-C10 A0 H-A0; do
        case $name in H-*) ns="$HN1 $HN2" ;; *) ns="$N1 $N2" ;; esac
        for n in $ns; do
            awk -v arm="$name" '
                $2 == "ngx_http_process_request" { req += $3 }
                $2 == "ngx_ssl_create_connection" { conn += $3 }
                $2 == "X509_verify_cert" { full += $3 }
                $2 == "ngx_certauthz_conn_get" { get += $3 }
                $2 == "ngx_certauthz_decide" { dec += $3 }
                $2 == "ngx_certauthz_cert_dn" { dn += $3 }
                $1 == "ngx_certauthz_conn_get" && $2 == "SSL_get1_peer_certificate" { peer += $3 }
                $1 == "ngx_certauthz_conn_get" && $2 == "SSL_set_ex_data" { ex += $3 }
                END { printf "%-7s %5d %5d %5d | %8d %8d %7d %9d %10d\n",
                             arm, req, conn, full, get, dec, dn, peer, ex }' \
                "$cg/$name.$n.calls"
        done
    done
    echo "(reqs: calls of ngx_http_process_request; conns: TLS connections, calls of"
    echo " ngx_ssl_create_connection; full: full handshakes, calls of X509_verify_cert,"
    echo " which verifies the client's chain (a resumed session is not verified again);"
    echo " decide: ngx_certauthz_decide; conn_get: ngx_certauthz_conn_get, which parses"
    echo " the certificate (ngx_certauthz_cert_parse, inlined) only when the connection"
    echo " has no parsed copy yet: the parse calls SSL_get1_peer_certificate and"
    echo " SSL_set_ex_data once, from conn_get; cert_dn builds the subject or issuer"
    echo " string, only for a rule, variable or log line that asks for it: none here)"
} > "$out/parse-once.txt"

# where the instructions of a request go: per function and per request,
# ARM minus BASE: ((ARM(N2) - ARM(N1)) - (BASE(N2) - BASE(N1))) / (N2 - N1)
delta() {   # delta ARM BASE N1 N2 self|inclusive
    awk -v n1="$3" -v n2="$4" '
        FNR == 1 { file++ }
        { ir = $1; $1 = ""; f = substr($0, 2); seen[f] = 1
          if (file == 1 || file == 4) d[f] -= ir; else d[f] += ir }
        END { for (f in seen) { v = d[f] / (n2 - n1)
                                if (v >= 0.5 || v <= -0.5) printf "%10.1f  %s\n", v, f } }' \
        "$cg/$1.$3.$5" "$cg/$1.$4.$5" "$cg/$2.$3.$5" "$cg/$2.$4.$5" \
    | sort -g -r -k1,1
}
for a in A1 A2 C10 C10grp C10cap C100k CRL1M; do
    delta "$a" A0 "$N1" "$N2" self > "$out/delta-$a-minus-A0.txt"
    delta "$a" A0 "$N1" "$N2" inclusive > "$out/delta-$a-minus-A0.inclusive.txt"
done
delta H-C10 H-A0 "$HN1" "$HN2" self > "$out/delta-H-C10-minus-H-A0.txt"
delta H-C10 H-A0 "$HN1" "$HN2" inclusive > "$out/delta-H-C10-minus-H-A0.inclusive.txt"

# the authorization step alone: inclusive instructions per request of the
# function that does it, (F(N2) - F(N1)) / (N2 - N1)
per_fn() {   # per_fn NAME N1 N2 FUNCTION
    awk -v f="$4" -v n1="$2" -v n2="$3" '
        FNR == 1 { file++ }
        / \[[^]]*\]$/ {
            ir = $1; $1 = ""; g = substr($0, 2)
            sub(/ \[[^]]*\]$/, "", g); sub(/^.*:/, "", g)
            if (g == f && ir > m[file]) m[file] = ir
        }
        END { printf "%.0f", (m[2] - m[1]) / (n2 - n1) }' \
        "$cg/$1.$2.inclusive" "$cg/$1.$3.inclusive"
}
{
    echo "instructions per request of the authorization step (callgrind, inclusive):"
    printf '  %-7s %8s  %s\n' A1 "$(per_fn A1 "$N1" "$N2" ngx_http_script_var_code)" \
        "if (\$bench_ok != 1): the map, of which"
    printf '  %-7s %8s  %s\n' '' "$(per_fn A1 "$N1" "$N2" ngx_ssl_get_subject_dn)" \
        "  \$ssl_client_s_dn (ngx_ssl_get_subject_dn) and"
    printf '  %-7s %8s  %s\n' '' "$(per_fn A1 "$N1" "$N2" ngx_http_map_find)" \
        "  the lookup, 5 exact + 5 regexes (ngx_http_map_find)"
    printf '  %-7s %8s  %s\n' A2 "$(per_fn A2 "$N1" "$N2" ngx_http_lua_access_handler)" \
        "access_by_lua_block (ngx_http_lua_access_handler), of which"
    printf '  %-7s %8s  %s\n' '' "$(per_fn A2 "$N1" "$N2" ngx_ssl_get_subject_dn)" \
        "  \$ssl_client_s_dn (ngx_ssl_get_subject_dn)"
    for a in C10 C10grp C10cap C100k CRL1M; do
        printf '  %-7s %8s  %s\n' "$a" "$(per_fn "$a" "$N1" "$N2" ngx_http_certauthz_handler)" \
            "ngx_http_certauthz_handler, of which ngx_certauthz_decide: $(per_fn "$a" "$N1" "$N2" ngx_certauthz_decide)"
    done
    printf '  %-7s %8s  %s\n' H-C10 "$(per_fn H-C10 "$HN1" "$HN2" ngx_http_certauthz_handler)" \
        "ngx_http_certauthz_handler, a new connection each request, of which"
    printf '  %-7s %8s  %s\n' '' "$(per_fn H-C10 "$HN1" "$HN2" ngx_certauthz_conn_get)" \
        "  ngx_certauthz_conn_get (the parse), of which"
    printf '  %-7s %8s  %s\n' '' "$(per_fn H-C10 "$HN1" "$HN2" ngx_certauthz_cert_dn)" \
        "  ngx_certauthz_cert_dn (subject and issuer DN strings)"
    printf '  %-7s %8s  %s\n' '' "$(per_fn H-C10 "$HN1" "$HN2" ngx_certauthz_decide)" \
        "  and ngx_certauthz_decide (the 10 rules, first request of the connection)"
} > "$out/authz-step.txt"

# --- the table ----------------------------------------------------------------------------

table=$out/table.txt
{
    echo "certauthz benchmark, $(date -u '+%F'): $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
         "$("$nginx" -v 2>&1 | sed 's/.*: //'), TLS 1.2 (wrk), static 3-byte file"
    echo "req/s: wrk -t1 -c32 -d${DUR}s, median of $ROUNDS runs;" \
         "ratio: arm / the A0 run next to it, median of $ROUNDS pairs [min-max]"
    echo "p50/p99: wrk -t1 -c64 --latency -d${DUR}s, median of $LAT_ROUNDS;" \
         "cpu: nginx worker CPU time per request (-c32 runs, median)"
    echo "instr/req: callgrind, (I($N2) - I($N1)) / $((N2 - N1)) requests on one" \
         "keep-alive connection; H-*: $((HN2 - HN1)) requests, each a new (resumed) connection"
    printf '%-7s %8s %6s %-13s %7s %7s %7s %10s %9s %8s\n' arm 'req/s' ratio '[min-max]' \
        'p50 ms' 'p99 ms' 'cpu us' 'instr/req' 'vs A0' 'RSS kB'
    for a in $ARMS H-A0 H-C10; do
        case $a in
        H-*) b=${a#H-} m=h l=hlat base=H-A0 ;;
        *) b=$a m=ka l=lat base=A0 ;;
        esac
        rps=$(awk -v a="$b" -v m="$m" '$2 == a && $3 == m { print $6 }' "$res" | median)
        cpu=$(awk -v a="$b" -v m="$m" '$2 == a && $3 == m && $5 > 0 { print $9 * 10000 / $5 }' "$res" | median)
        if [ "$a" = A0 ] || [ "$a" = H-A0 ]; then
            ratio=1.000 range=
        else
            awk -v a="$b" -v m="$m" '
                $3 == m && $2 == a { x[$1] = $6 }
                $3 == m && $2 == "A0" && $4 == (m == "h" ? "C10" : a) { y[$1] = $6 }
                END { for (r in x) if (y[r] > 0) printf "%.4f\n", x[r] / y[r] }' "$res" \
                > "$work/ratios"
            ratio=$(printf '%.3f' "$(median < "$work/ratios")")
            range=$(sort -g "$work/ratios" | awk 'NR == 1 { lo = $1 } { hi = $1 }
                        END { printf "[%.2f-%.2f]", lo, hi }')
        fi
        p50=$(awk -v a="$b" -v m="$l" '$2 == a && $3 == m { print $10 }' "$res" | median)
        p99=$(awk -v a="$b" -v m="$l" '$2 == a && $3 == m { print $11 }' "$res" | median)
        ins=$(awk -v a="$a" '$1 == a { print $6 }' "$cgres")
        ins0=$(awk -v a="$base" '$1 == a { print $6 }' "$cgres")
        if [ "$a" = "$base" ]; then
            d=
        else
            d=$(awk -v x="$ins" -v y="$ins0" 'BEGIN { printf "%+d", x - y }')
        fi
        r=$(awk -v a="$b" '$1 == a { print $2 }' "$rss")
        printf '%-7s %8.0f %6s %-13s %7.2f %7.2f %7.1f %10s %9s %8s\n' "$a" "$rps" \
            "$ratio" "$range" "$p50" "$p99" "$cpu" "$ins" "$d" "$r"
    done
    echo "(RSS: VmRSS of the worker after the wrk runs; H-* rows run on the A0/C10 workers."
    echo " The worker was busy $(awk -v d="$DUR" '$3 == "ka" { print $9 / d }' "$res" | median)% of the" \
         "time in the median -c32 run: nginx, not wrk, is the bottleneck.)"
    awk '{ per[$1] = ($3 - $2) * 1024 / $4; n = $4 }
         END { printf "per-connection memory (worker RSS with %d idle keep-alive" \
                      " connections held, alice, minus without): A0 %.0f B," \
                      " C10 %.0f B: certauthz keeps %.0f B per connection\n",
                      n, per["A0"], per["C10"], per["C10"] - per["A0"] }' "$mem"
} > "$table"

echo
echo "== the same status for every client certificate =="
cat "$out/equivalence.txt"
echo
echo "== parse once per connection =="
cat "$out/parse-once.txt"
echo
cat "$out/authz-step.txt"
echo
for a in C10 C10grp C10cap; do
    echo "== $a minus A0: instructions per request by function (exclusive, top 12) =="
    head -12 "$out/delta-$a-minus-A0.txt"
done
echo
cat "$table"
echo
echo "raw results: $out"
