#!/bin/bash
# bench/run.sh NGINX MODULE -- the certauthz benchmark suite.
#
# Debian packages it needs besides the build's (the top Makefile's deps
# target installs them; run.sh itself installs nothing):
#     wrk valgrind libnginx-mod-http-lua nghttp2-client (h2load)
#     python3 (bench/hold-conns.py)
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
#     C10ext  C10 with conditions on eku, policy and ca_fingerprint in each
#             rule (issue 23): the clientAuth key purpose, not the test
#             PKI's eID policy, the test root CA in the verified chain
#     C100k   certauthz, the serial in a 100,000-entry list file
#     CRL1M   certauthz, a CRL of 1,000,000 revoked serials
#     H-A0, H-C10  A0 and C10 with a new TLS connection per request
#             ("Connection: close"; wrk resumes the TLS session, TLS 1.2)
#     H-C10ext  C10ext so, under callgrind only (instructions per new
#             connection: the resumed session's chain built again)
# and, under callgrind only, the baselines that differ from an arm in
# nothing but certauthz, and HTTP/2:
#     A0cap   A0 with C10cap's response header (C10cap sends its named
#             capture as X-Bench-Cap), from a constant
#     A0var   the same header from $scheme, a variable nginx sets at no
#             cost, as long as C10cap's: nginx's interpolation of a
#             variable, as C10cap's
#     A0t     A0 with a thread pool, as certauthz_crl starts one: CRL1M's
#             worker is multi-threaded, A0's is not
#     A0h2, C10h2  A0 and C10 over HTTP/2 (h2load: nghttp2-client)
#     *-nojit A0, A0cap, C10, C10grp, C10cap, H-A0, H-C10 with
#             "pcre_jit off" (nginx's default; the others: BENCH_PCRE_JIT)
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
# BENCH_PORT (first of 21 loopback ports, 9951: one per arm, the last for callgrind), BENCH_FRESH=1 (new PKI,
# list and CRL even if the ones in BENCH_DIR are usable).
# Only loopback TCP is used; every loop and every run is bounded.
#
# This file sets the run up and sources one script per step: setup.sh
# (requirements, shim, PKI, configurations, nginx and wrk helpers),
# check.sh (the arms agree), throughput.sh (req/s, latency, CPU, RSS),
# callgrind.sh (instructions, call counts), report.sh (the table); the
# shared checks and the certificate shim come from t/lib/tools.sh.

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

ARMS="A0 A1 A2 C10 C10grp C10cap C100k CRL1M C10ext"
# arms measured only under callgrind (see above), and the arms measured
# under callgrind again with "pcre_jit off"
CG_ONLY="A0cap A0var A0t A0h2 C10h2"
CG_NOJIT="A0 A0cap A0var C10 C10grp C10cap"

# nginx's pcre_jit for every arm (BENCH_PCRE_JIT=off: nginx's default)
pcre_jit=${BENCH_PCRE_JIT:-on}

ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"   # hold-conns.py
PAIRED="A1 A2 C10 C10grp C10cap C100k CRL1M C10ext"    # each run next to an A0 run

say() { echo "bench: [$SECONDS s] $*" | tee -a "$out/run.log" >&2; }

# --- the measurements, one script each, in this order ---------------------------

. "$here/setup.sh"
. "$here/check.sh"
. "$here/throughput.sh"
. "$here/callgrind.sh"
. "$here/report.sh"
