#!/bin/bash
# bench/live.sh NGINX MODULE PKI -- live connections and a CRL swap (issue
# 24): LIVE_CONNS (10,000) idle keep-alive TLS connections held in one
# worker, then the location's CRL file replaced (rename) by one that
# revokes (or does not revoke) their certificate.
#
# One nginx, one mTLS server on 127.0.0.1:BENCH_PORT (9971; its metrics on
# the next port), three locations that serve the same small file and
# allow alice and bob:
#     /crl/      certauthz on; certauthz_crl FILE; certauthz_crl_refresh 1s
#     /crl-off/  the same, with certauthz_live off
#     /nocrl/    certauthz on, no CRL
# FILE starts as the test PKI's int-empty.crl (revokes nobody); the swap
# is "mv" of a copy of int-alice.crl (revokes alice) over it.  The cases,
# each in a freshly started nginx, LIVE_RUNS (3) times, alternating:
#     revoked    N alice on /crl/: the swap closes all of them
#     kept       N bob on /crl/: the swap decides all of them again and
#                closes none (the pure cost of deciding again)
#     other      N alice on /nocrl/, and 1 alice on /crl/: the swap
#                closes the one, and does not look at the N
#     live-off   N alice on /crl-off/: nothing watched, nothing closed
# Each connection: a full handshake (LIVE_RESUME=1: each client process
# resumes the session of its first one, same certificate), one request,
# then idle (bench/live-conns.py, LIVE_PROCS (4) processes, which note
# when the server closes each one).  With 2 cores or more, the worker is
# pinned to CPU 1 and, once the connections are open, the clients to
# CPU 0.
#
# Measures, per run:
#   RSS        the worker's VmRSS before the connections and with them held,
#              per connection; revoked - live-off is what watching costs a
#              connection in RSS (the allocator's rounding included); the
#              exact bytes of the records in the connection's pool come
#              from bench/conn-state.sh, run with certauthz_live on and off
#   CPU        the worker's main thread (/proc/PID/task/PID/schedstat, ns)
#              from the rename to the end of the window (4 s, longer until
#              the expected closes are seen), minus what it spent in an
#              idle window just before (timers, the probe), scaled to the
#              same length; the other threads' (the CRL's load) apart
#   burst      the worker's CPU clock sampled every ~1 ms: the longest span
#              in which it ran (the walk of the list, and the closes): CPU,
#              wall time, and when it started after the rename
#   closes     when the clients saw the server close their connections:
#              rename -> first, rename -> last
#   probe      one more client (bob, /nocrl/) sends a request every 100 ms
#              on a keep-alive connection: its longest answer in the idle
#              window and from the rename on, what the worker's other
#              clients wait while it decides and closes
#   checks     nothing closed before the swap; the error log's "connection
#              closed, reason: revoked" lines, the clients' closes and
#              certauthz_connections_closed_total{reason="revoked"} agree
#              with the case; a new connection of alice gets 403 after
# Then the median and the range over the runs, and (LIVE_PERF=1 or kept,
# LIVE_PERF=revoked) a perf profile of the worker in one more swap of that
# case.
#
# Environment: LIVE_CONNS, LIVE_RUNS, LIVE_PROCS, LIVE_RESUME, LIVE_WORKERS
# (1; with more, RSS and CPU are the workers' sums, nothing is pinned),
# LIVE_CASES ("revoked kept other live-off"; "" for none), LIVE_PERF, BENCH_DIR
# (/tmp/certauthz-bench; this uses BENCH_DIR/live), BENCH_PORT.  Loopback
# only; every wait is bounded; what it starts is stopped on exit.  The
# machine should be otherwise idle: the CPU and wall times are its.

set -eu
set -o pipefail

[ $# -eq 3 ] || { echo "usage: $0 NGINX MODULE PKI" >&2; exit 2; }

nginx=$1 module=$(readlink -f "$2") pki=$(readlink -f "$3")
here=$(cd "$(dirname "$0")" && pwd)
TOOL=bench-live TOP=$(dirname "$here")
. "$TOP/t/lib/tools.sh"

work=${BENCH_DIR:-/tmp/certauthz-bench}/live
port=${BENCH_PORT:-9971}
conns=${LIVE_CONNS:-10000}
runs=${LIVE_RUNS:-3}
procs=${LIVE_PROCS:-4}
workers=${LIVE_WORKERS:-1}
cases=${LIVE_CASES-revoked kept other live-off}
window=4        # seconds after the rename: the host's look (<= 1 s), the
                # load, the worker's look (<= 1 s), the walk
idle_window=4   # seconds of the idle worker measured before it

need python3 curl openssl taskset pgrep awk
need_nginx "$nginx" "$module"
[ -s "$pki/crl/int-alice.crl" ] && [ -s "$pki/crl/int-empty.crl" ] \
    || die "no CRLs in $pki/crl (t/lib/mkcrl.sh)"

# descriptors: the worker holds N connections, each client process N/procs
want=$((conns + 2000))
[ "$(ulimit -Hn)" -ge "$want" ] || ulimit -Hn "$want" 2>/dev/null \
    || die "cannot raise the limit of open files to $want (root, or ulimit -Hn)"
ulimit -n "$want"

rm -rf "$work"
mkdir -p "$work/logs" "$work/crl" "$work/out"
cp "$pki/crl/int-empty.crl" "$work/crl/live.crl"

pin_worker='' pin_client=''
if [ "$(nproc)" -ge 2 ] && [ "$workers" = 1 ]; then
    pin_worker="worker_cpu_affinity 10;"
    pin_client="taskset -c 0"
fi

rules='certauthz on;
            certauthz_allow "cn=alice";
            certauthz_allow "cn=bob";
            alias '"$pki"'/www/;'
crl="certauthz_crl $work/crl/live.crl;
            certauthz_crl_refresh 1s;"

cat > "$work/nginx.conf" <<EOF
load_module $module;
worker_processes $workers;
$pin_worker
worker_rlimit_nofile $want;
error_log $work/logs/error.log notice;
pid $work/logs/nginx.pid;
events { worker_connections $want; }
http {
    access_log off;
    keepalive_timeout 3600s;
    server {
        listen 127.0.0.1:$port ssl backlog=4096;
        include $pki/tls.conf;
        ssl_verify_client on;
        location /crl/ {
            $rules
            $crl
        }
        location /crl-off/ {
            $rules
            $crl
            certauthz_live off;
        }
        location /nocrl/ {
            $rules
        }
    }
    server {
        listen 127.0.0.1:$((port + 1));
        access_log off;
        location = /metrics { certauthz_metrics; allow 127.0.0.1; deny all; }
    }
}
EOF

"$nginx" -t -q -p "$work/" -c "$work/nginx.conf" \
    || die "nginx -t refuses $work/nginx.conf"

# --- starting, stopping, the clients -------------------------------------------

master=
client_pid=
wpids=

stop_all() {
    if [ -n "$client_pid" ]; then
        exec {client_in}>&- 2>/dev/null || true
        kill "$client_pid" 2>/dev/null || true
        wait "$client_pid" 2>/dev/null || true
        client_pid=
    fi
    if [ -n "$master" ]; then
        kill -QUIT "$master" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$master" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$master" 2>/dev/null; then
            kill -KILL "$master" $wpids 2>/dev/null || true
        fi
        master=
    fi
}
trap stop_all EXIT
trap 'exit 1' HUP INT TERM

start() {
    : > "$work/logs/error.log"
    cp "$pki/crl/int-empty.crl" "$work/crl/live.crl.new"
    mv -f "$work/crl/live.crl.new" "$work/crl/live.crl"
    rm -f "$work/logs/nginx.pid"
    "$nginx" -p "$work/" -c "$work/nginx.conf"
    local p
    for _ in $(seq 50); do
        [ -s "$work/logs/nginx.pid" ] && break
        sleep 0.1
    done
    master=$(cat "$work/logs/nginx.pid")
    for _ in $(seq 50); do
        wpids=$(pgrep -P "$master" | tr '\n' ' ')
        [ "$(echo $wpids | wc -w)" -ge "$workers" ] && break
        sleep 0.1
    done
    # the first requests of a worker set up what every later one shares
    for p in /crl/ /crl-off/ /nocrl/; do
        [ "$(get "$p" alice)" = 200 ] || die "alice is not let in at $p"
    done
}

stop() { stop_all; }

get() {   # get PATH CERT: the status of one request on a new connection
    curl -sk --max-time 10 -o /dev/null -w '%{http_code}' \
        --cert "$pki/$2.pem" --key "$pki/$2.key" \
        "https://127.0.0.1:$port$1ok.txt" || true
}

metric_revoked() {   # certauthz_connections_closed_total{reason="revoked"}, all
    curl -s --max-time 10 "http://127.0.0.1:$((port + 1))/metrics" \
        | awk '/^certauthz_connections_closed_total\{/ && /reason="revoked"/ \
               && /mode="on"/ { s += $NF } END { print s + 0 }'
}

hold() {   # hold CERT COUNT:PATH...: the clients, once all are held
    local cert=$1 line
    shift
    coproc CLIENT { env LIVE_RESUME="${LIVE_RESUME:-0}" \
        python3 "$here/live-conns.py" "$port" "$pki/$cert.pem" \
        "$pki/$cert.key" "$procs" "$@"; }
    client_pid=$CLIENT_PID
    exec {client_out}<&"${CLIENT[0]}" {client_in}>&"${CLIENT[1]}"
    read -r -t 600 line <&"$client_out" || die "the clients did not hold their connections"
    case $line in "held "*) ;; *) die "clients: $line" ;; esac
    # the handshakes on any core; from now on the clients keep off the
    # worker's
    [ -z "$pin_client" ] || pin_tree "$client_pid"
}

pin_tree() {   # pin_tree PID: PID and its descendants onto CPU 0
    local p
    taskset -a -p -c 0 "$1" > /dev/null 2>&1 || true
    for p in $(pgrep -P "$1"); do
        pin_tree "$p"
    done
}

report() {   # report N: the clients' "closed PATH K N FIRST P50 LAST", N lines
    local n=$1 line
    echo report >&"$client_in"
    for _ in $(seq "$n"); do
        read -r -t 60 line <&"$client_out" || die "no report from the clients"
        echo "$line"
    done
}

release() {
    echo quit >&"$client_in" || true
    wait "$client_pid" 2>/dev/null || true
    exec {client_in}>&- {client_out}<&-
    client_pid=
}

rss_kb() {   # the workers' VmRSS, kB, summed
    local p kb=0
    for p in $wpids; do
        kb=$((kb + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status")))
    done
    echo "$kb"
}

cpu_ns() {   # main threads' ns and the other threads' ns of the workers
    local p t main=0 rest=0 v
    for p in $wpids; do
        for t in /proc/$p/task/*; do
            read -r v _ < "$t/schedstat"
            if [ "${t##*/}" = "$p" ]; then main=$((main + v)); else rest=$((rest + v)); fi
        done
    done
    echo "$main $rest"
}

# the workers sampled every ~1 ms for SECONDS by their CPU clocks
# (clock_gettime of a process's CPU-time clock is exact, where schedstat
# lags for a running task): of the spans in which they ran at least half
# the time (gaps under 5 ms joined), the one with the most CPU
# ("START END NS", wall-clock)
sampler() {
    python3 - "$1" $wpids <<'PY'
import sys, time
secs = float(sys.argv[1])
clocks = [((~int(p)) << 3) | 2 for p in sys.argv[2:]]   # CPUCLOCK_SCHED
def cpu():
    return sum(time.clock_gettime_ns(c) for c in clocks)
samples = [(time.time(), cpu())]
end = samples[0][0] + secs
while samples[-1][0] < end:
    time.sleep(0.001)
    samples.append((time.time(), cpu()))
spans = []
for (t0, c0), (t1, c1) in zip(samples, samples[1:]):
    if c1 - c0 >= 0.5 * (t1 - t0) * 1e9:
        if spans and t0 - spans[-1][1] < 0.005:
            spans[-1][1] = t1
            spans[-1][2] += c1 - c0
        else:
            spans.append([t0, t1, c1 - c0])
best = max(spans, key=lambda s: s[2]) if spans else (0, 0, 0)
print("%.6f %.6f %d" % tuple(best))
PY
}

# probe STOP OUT: one more client (bob, /nocrl/, a location the swap does not
# concern) sends a request every 100 ms on one keep-alive connection until
# the file STOP is there: "SENT SECONDS" a line, the wall-clock time it was
# sent and how long its answer took; what other clients of the worker wait
probe() {
    $pin_client python3 - "$port" "$pki/bob.pem" "$pki/bob.key" "$1" > "$2" <<'PY'
import os, socket, ssl, sys, time
port, cert, key, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.load_cert_chain(cert, key)
raw = socket.create_connection(("127.0.0.1", port), timeout=30)
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s = ctx.wrap_socket(raw)
req = b"GET /nocrl/ok.txt HTTP/1.1\r\nHost: bench\r\n\r\n"
out = []
while not os.path.exists(stop):
    t = time.time()
    s.sendall(req)
    buf = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("probe: connection closed")
        buf += chunk
        head, sep, body = buf.partition(b"\r\n\r\n")
        if sep:
            n = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                 if l.lower().startswith(b"content-length:")]
            if len(body) >= (n[0] if n else 0):
                break
    if not head.startswith(b"HTTP/1.1 200"):
        sys.exit("probe: %r" % head[:40])
    d = time.time() - t
    out.append("%.6f %.6f" % (t, d))
    time.sleep(max(0.0, 0.1 - d))
print("\n".join(out))
PY
}

probe_max() {   # probe_max OUT FROM TO: the longest answer (ms) to a request sent then
    awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b { n++; if ($2 > m) m = $2 }
        END { printf "%.1f %d\n", m * 1000, n }' "$1"
}

swap() {   # swap FILE: the location's CRL replaced by a rename
    cp "$pki/crl/$1" "$work/crl/live.crl.new"
    mv -f "$work/crl/live.crl.new" "$work/crl/live.crl"
}

logged_revoked() {
    grep -c 'access forbidden, connection closed, reason: revoked' \
        "$work/logs/error.log" || true
}

# --- one run of one case ---------------------------------------------------------

results=$work/out/results
: > "$results"

run_case() {   # run_case CASE RUN
    local c=$1 r=$2 cert spec expect_closed paths rss0 rss1 idle0 idle1 \
          t0 t1 ti0 ti1 cpu0 cpu1 rest0 rest1 main rest idle closed_line \
          bstart bend bns load

    case $c in
    revoked)  cert=alice spec="$conns:/crl/"              expect_closed=$conns ;;
    kept)     cert=bob   spec="$conns:/crl/"              expect_closed=0 ;;
    other)    cert=alice spec="$conns:/nocrl/ 1:/crl/"     expect_closed=1 ;;
    live-off) cert=alice spec="$conns:/crl-off/"          expect_closed=0 ;;
    esac
    paths=$(echo $spec | wc -w)

    start
    sleep 0.5
    rss0=$(rss_kb)
    local h0=$SECONDS
    hold "$cert" $spec
    local held_s=$((SECONDS - h0))
    sleep 1
    rss1=$(rss_kb)

    rm -f "$work/out/probe.stop"
    probe "$work/out/probe.stop" "$work/out/probe" &
    local pr=$!
    sleep 0.5       # its handshake out of the idle window

    # what the worker spends idle in as long a window (its timers)
    ti0=$EPOCHREALTIME
    read -r idle0 _ < <(cpu_ns)
    sleep "$idle_window"
    read -r idle1 _ < <(cpu_ns)
    ti1=$EPOCHREALTIME

    # all still there (nothing reused them, nothing timed them out)
    [ "$(report "$paths" | awk '{ k += $3 } END { print k + 0 }')" = 0 ] \
        || die "$c: connections closed before the swap"
    ! grep -q 'worker_connections are not enough' "$work/logs/error.log" \
        || die "$c: worker_connections are not enough"

    sampler "$window" > "$work/out/burst" &
    local sp=$!
    sleep 0.05
    read -r cpu0 rest0 < <(cpu_ns)
    t0=$EPOCHREALTIME
    swap int-alice.crl

    # the window, longer while connections are still to be closed (10 s at most)
    sleep "$window"
    for _ in $(seq 60); do
        closed_line=$(report "$paths" | awk '{ k += $3 } END { print k + 0 }')
        [ "$closed_line" -ge "$expect_closed" ] && break
        sleep 0.1
    done
    read -r cpu1 rest1 < <(cpu_ns)
    t1=$EPOCHREALTIME
    touch "$work/out/probe.stop"
    wait "$pr" || die "$c: the probe failed"
    wait "$sp"
    read -r bstart bend bns < "$work/out/burst"

    report "$paths" > "$work/out/closes"
    local metric logged inforce
    metric=$(metric_revoked)
    logged=$(logged_revoked)
    inforce=$(get /crl/ alice)

    release
    stop

    # the closes of every path: how many, the first, the median of the
    # path with the most, the last
    local total_closed first p50 last
    read -r total_closed first p50 last < <(awk '
        { k += $3 }
        $3 > 0 && (first == "" || $5 < first) { first = $5 }
        $3 > 0 && $7 > last { last = $7 }
        $3 > most { most = $3; p50 = $6 }
        END { printf "%d %.6f %.6f %.6f\n", k, first, p50, last }' "$work/out/closes")

    local probe_idle probe_swap probe_n
    read -r probe_idle _ < <(probe_max "$work/out/probe" "$ti0" "$ti1")
    read -r probe_swap probe_n < <(probe_max "$work/out/probe" "$t0" "$t1")

    main=$((cpu1 - cpu0))
    idle=$((idle1 - idle0))
    rest=$((rest1 - rest0))
    read -r load _ < /proc/loadavg

    awk -v c="$c" -v r="$r" -v n="$conns" -v rss0="$rss0" -v rss1="$rss1" \
        -v main="$main" -v idle="$idle" -v rest="$rest" -v t0="$t0" \
        -v t1="$t1" -v ti0="$ti0" -v ti1="$ti1" \
        -v bs="$bstart" -v be="$bend" -v bns="$bns" -v closed="$total_closed" \
        -v first="$first" -v last="$last" -v p50="$p50" -v load="$load" \
        -v metric="$metric" -v logged="$logged" -v held="$held_s" \
        -v inforce="$inforce" -v pi="$probe_idle" -v ps="$probe_swap" \
        -v pn="$probe_n" '
        function ms(a, b) { return (a > 0 && b > 0) ? sprintf("%.1f", (b - a) * 1000) : "-" }
        BEGIN {
            # the idle window, scaled to the length of the measured one
            idle = idle * (t1 - t0) / (ti1 - ti0)
            printf "%s %s rss0_kb=%d rss1_kb=%d B_per_conn=%.0f cpu_ms=%.2f idle_ms=%.2f threads_ms=%.2f burst_wall_ms=%s burst_cpu_ms=%.2f burst_at_ms=%s closed=%d first_ms=%s p50_ms=%s last_ms=%s spread_ms=%s logged=%d metric=%d new_conn=%s held_s=%d load=%s probe_idle_ms=%s probe_swap_ms=%s probe_n=%d\n",
                c, r, rss0, rss1, (rss1 - rss0) * 1024 / n,
                (main - idle) / 1e6, idle / 1e6, rest / 1e6,
                ms(bs, be), bns / 1e6, ms(t0, bs), closed,
                ms(t0, first), ms(t0, p50), ms(t0, last), ms(first, last),
                logged, metric, inforce, held, load, pi, ps, pn
        }' | tee -a "$results" >&2

    # what must hold, or the figures mean nothing
    [ "$total_closed" = "$expect_closed" ] \
        || die "$c: $total_closed connections closed, $expect_closed expected"
    [ "$logged" = "$expect_closed" ] && [ "$metric" = "$expect_closed" ] \
        || die "$c: $logged closes logged, $metric counted, $expect_closed expected"
    [ "$inforce" = 403 ] || die "$c: the new CRL is not in force (alice got $inforce)"
}

echo "bench-live: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
     "$("$nginx" -v 2>&1 | sed 's/.*: //'), $workers worker(s), $conns connections," \
     "$runs runs, resume=${LIVE_RESUME:-0}" >&2

for r in $(seq "$runs"); do
    for c in $cases; do
        run_case "$c" "$r"
    done
done

# --- where the time of deciding again goes (perf) ---------------------------------

perf_case=
case ${LIVE_PERF:-0} in
0)          ;;
1|kept)     perf_case=kept perf_cert=bob ;;
revoked)    perf_case=revoked perf_cert=alice ;;
*)          die "LIVE_PERF: 1, kept or revoked" ;;
esac

if [ -n "$perf_case" ]; then
    need perf
    start
    hold "$perf_cert" "$conns:/crl/"
    perf record -q -F 10000 --call-graph dwarf,16384 -o "$work/out/perf.data" \
        -p "${wpids%% *}" -- sleep $((window + 1)) 2>/dev/null &
    pp=$!
    sleep 0.5
    swap int-alice.crl
    wait "$pp" || true
    release
    stop
    # what each function and what it calls took, of the worker's samples
    perf report -q -i "$work/out/perf.data" --children --sort symbol \
        --stdio -g none 2>/dev/null \
        | awk '$3 == "[.]" && $1 + 0 >= 2 && $4 !~ /^0x/ \
               && $4 !~ /^(_start|main|__libc_start|ngx_master_process_cycle|ngx_spawn_process|ngx_worker_process_cycle|ngx_process_events_and_timers)/ \
               { printf "  %7s %7s  %s\n", $1, $2, $4 }' \
        | head -40 > "$work/out/perf.txt" || true
fi

# --- the exact bytes of the records (bench/conn-state.sh) --------------------------

for v in on off; do
    printf 'certauthz_allow "cn=alice";\ncertauthz_crl %s;\ncertauthz_crl_refresh 1s;\ncertauthz_live %s;\n' \
        "$pki/crl/int-empty.crl" "$v" > "$work/rules-live-$v.conf"
    # its ports are fixed (9991-9993): another run of it may hold them
    b=-
    for _ in 1 2 3; do
        b=$(bash "$here/conn-state.sh" "$nginx" "$module" "$pki" "$work/rules-live-$v.conf" \
                2>/dev/null | awk '/^connection pool used:/ { print $8 }') && [ -n "$b" ] && break
        b=-
        sleep 2
    done
    echo "$v $b"
done > "$work/out/pool"

# --- the table ----------------------------------------------------------------

# median [min..max] of FIELD over the runs of CASE ("-" where none)
stat() {
    awk -v c="$1" -v f="$2" '
        $1 == c { for (i = 3; i <= NF; i++) { split($i, kv, "=");
                  if (kv[1] == f && kv[2] != "-") v[++n] = kv[2] + 0 } }
        END {
            if (n == 0) { print "-"; exit }
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            printf "%s [%s..%s]\n", fmt(v[int((n + 1) / 2)]), fmt(v[1]), fmt(v[n])
        }
        function fmt(x) { return (x >= 100 || x == int(x)) ? sprintf("%.0f", x) : sprintf("%.1f", x) }
    ' "$results"
}
median() { stat "$1" "$2" | awk '{ print $1 }'; }

# per connection: the worker's CPU in us per connection held
awk -v n="$conns" '{ for (i = 3; i <= NF; i++) { split($i, kv, "=");
                     if (kv[1] == "cpu_ms") $0 = $0 " us_per_conn=" kv[2] * 1000 / n } } 1' \
    "$results" > "$results.tmp" && mv "$results.tmp" "$results"

{
echo
echo "live connections: $conns per run, $runs runs, median [min..max]," \
     "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
     "$workers worker(s), resume=${LIVE_RESUME:-0}"
for c in $cases; do
    echo "$c:"
    echo "  closed by the swap            $(stat "$c" closed)"
    echo "  worker RSS, B per connection  $(stat "$c" B_per_conn)"
    echo "  worker CPU for the swap, ms   $(stat "$c" cpu_ms)   (us per connection held $(stat "$c" us_per_conn))"
    echo "  longest CPU burst, CPU ms     $(stat "$c" burst_cpu_ms), wall ms $(stat "$c" burst_wall_ms), from the rename ms $(stat "$c" burst_at_ms)"
    echo "  the CRL load (threads), ms    $(stat "$c" threads_ms)"
    echo "  rename -> first close, ms     $(stat "$c" first_ms)"
    echo "  rename -> last close, ms      $(stat "$c" last_ms)   (first -> last $(stat "$c" spread_ms))"
    echo "  a request every 100 ms (bob, /nocrl/), longest answer, ms: idle $(stat "$c" probe_idle_ms), from the rename $(stat "$c" probe_swap_ms)"
    echo "  load average (1 min)          $(stat "$c" load)"
done
read -r _ on < <(grep '^on ' "$work/out/pool")
read -r _ off < <(grep '^off ' "$work/out/pool")
if [ "$on" != - ] && [ "$off" != - ]; then
    echo "connection pool (bench/conn-state.sh): certauthz_live on $on B, off $off B: the records $((on - off)) B"
else
    echo "connection pool (bench/conn-state.sh): not measured (it failed three times)"
fi
case " $cases " in *" revoked "*" live-off "*)
    awk -v a="$(median revoked B_per_conn)" -v b="$(median live-off B_per_conn)" \
        'BEGIN { printf "worker RSS per connection, watched (revoked) - not (live-off): %d B (medians)\n", a - b }' ;;
esac
if [ -s "$work/out/perf.txt" ]; then
    echo "perf, a $perf_case swap, % of the worker's samples (with callees, self):"
    cat "$work/out/perf.txt"
fi
echo "raw: $results"
} | tee "$work/out/table.txt"
