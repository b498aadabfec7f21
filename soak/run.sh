#!/bin/bash
# soak/run.sh NGINX MODULE -- the certauthz soak and fault test ("make soak").
#
# Not part of "make test".  Loopback only, every loop and every wait bounded,
# and it stops by itself: whatever it started (nginx, wrk) is stopped by the
# EXIT trap, also on errors and on Ctrl-C.
#
# For SOAK_SECONDS (default 300) four wrk processes send requests to one
# nginx (2 workers, soak/nginx.conf), each presenting one client certificate
# through bench/wrk-cert-shim.c (LD_PRELOAD) and checking every response
# with soak/check.lua:
#     alice        200 "allow allow"     allowed by a rule
#     bob          403 "deny deny"       denied by a rule
#     revoked      403 "deny revoked"    svc-billing: allowed by a rule, but
#                                        on the CRL
#     nocert       403 "deny no-cert"    the shim loaded, no certificate set
# (status, the decision and the CN, from response headers).  Each process
# runs -t C -c C (C = SOAK_CONNS, 4): one connection per thread, and
# SOAK_DELAY_MS (10) of think time before each request keeps the rate
# moderate.  soak/wrk-close-log.c (LD_PRELOAD too) logs when wrk's
# connections drop, to match failed requests with kills and reloads.
#
# Meanwhile, on a schedule of ticks one second apart (tick s at s seconds
# after wrk started):
#   +0.00 s  the CRL file is replaced (write, then rename): a good CRL on
#            even ticks (two versions in turn, both revoking svc-billing),
#            a corrupt file on odd ticks (in turn: truncated PEM, random
#            bytes, empty, truncated DER), and also on ticks s % 20 == 10;
#            certauthz_crl_refresh is 500ms, so the workers see most files
#   +0.25 s  on ticks s % 30 == 15: SIGKILL to one worker, the current one
#            (not shutting down) with the most client connections; the
#            master starts a new one
#   +0.50 s  on even ticks: nginx -s reload.  On ticks s % 20 == 10 the file
#            is corrupt, so that reload must be refused (nginx -s parses the
#            configuration first, the CRL load fails, no signal is sent and
#            the running workers stay); every other one must succeed
#   +0.75 s  RSS of the master and of every worker (/proc/PID/status)
#
# Alongside, the stream part (soak/doors.pl): nginx also serves a stream
# server on SOAK_DOORS_PORT (certauthz, ou=doors allowed, its own CRL file
# with certauthz_crl_refresh 1s, proxied to a silent sink).  doors.pl keeps
# 3 door-1 and 3 door-2 sessions open (openssl s_client), reopening them as
# they end, and swaps that CRL file every 6-10 s (random, to the ms, not on
# the ticks, so that revocations land at every phase of a reload) between
# one revoking door-1 and one revoking nobody, and every 2-3.5 s between
# those reissues the CRL of the same state.  Sessions outlive reloads
# on old workers, which must apply the revocations too.  A door-1 session
# open at a revocation must end within refresh + 1 s + 0.5 s (the
# tolerance: the machine is busy, and doors.pl looks every 50 ms) of the
# rename, or it "outlived its revocation"; a door-1 session opened while
# door-1 is revoked must be refused, one opened while it is restored
# accepted (each from 2.5 s after the rename: before, either is right) and
# not closed until the next revocation; door-2 must never be refused or
# closed (the error log must hold no denial of door-2).  Closes at a
# worker SIGKILL are the kill's.  The figures: sessions opened,
# revocations, sessions closed by a revocation with the max and median
# delay, sessions that outlived their revocation, wrong stream decisions.
#
# And the WebSocket part (soak/ws.py, python3-websockets): location /ws
# of the same server (certauthz on, the same CRL file, refresh 500ms,
# ws-ok and ws-revoked allowed) proxies WebSockets (Upgrade) to an echo
# server of ws.py's on SOAK_WS_ECHO_PORT.  ws.py keeps WS_SESSIONS (20)
# sessions open, half with the certificate ws-revoked, half with ws-ok
# (both made here, issued by the test PKI's intermediate, in WORK/wspki),
# each sending a message every 200 ms and checking the echo; it reopens
# them as they end, and closes ws-ok ones after 10-40 s and ws-revoked
# ones after 3-20 s (so that some are young at a revocation, and old
# workers can leave).  The good CRLs of the ticks come in two more
# versions that also revoke ws-revoked (good-[ab]-ws), written on the
# even ticks of every other ten seconds (s / 10 odd; 10, 30, ... are
# corrupt): ws-revoked is revoked at each tick 20k+12 and restored at
# each tick 20k+20.  In force is the last GOOD file written (a corrupt one
# keeps the last good CRLs).  Each revocation lands 0.5 s before a
# reload: most sessions are on old workers (shutting down), which must
# end them, a few on the current ones, which turn old 0.5 s later; the
# new workers load the revoking CRL with the configuration.  For each
# revocation, every ws-revoked session open at it must end
# (ConnectionClosed, as ws.py sees it): a "survivor" is one that still
# gets an echo later than refresh + 1 s = 1,500 ms after the rename; one
# still open at 1,500 + 500 ms (tolerance) with no echo since is "not
# ended".  A ws-revoked handshake must be refused with 403 while revoked
# and accepted once restored (each from 2 s after the rename: before,
# either is right); a ws-ok session must never be refused or ended by
# nginx, except by the SIGKILL of its worker (ends within 1.5 s of it).
# The figures: sessions, revocation events, ends with the max and median
# delay, survivors, wrong ends, reconnects refused and accepted.
#
# Failed requests are wrk's socket error counts; a failed request always
# makes wrk reconnect, and the times of those connection drops are matched
# with the kills and reloads (see "connection drops" below).  RSS: VmRSS,
# sampled every tick; for the workers, the largest among the current
# workers, on odd ticks (workers 1.25 s old); start and end are the medians
# over ticks 5..5+W and over the last W ticks, W = min(30, SOAK_SECONDS/4).
#
# Result: WORK/report.txt (also printed).  The exit status is 1 if any
# response was a wrong decision, worker or master RSS grew by more than 5 %,
# a request was stuck, a worker died of a signal other than SIGKILL, a
# reload did not do what it should, the master died, or the CRL swaps were
# not seen at all (then the test proved nothing); or a stream session
# outlived its revocation, or a stream decision was wrong; or a WebSocket
# session survived its revocation (or was not ended), or one was ended or
# refused wrongly.
#
# Environment: SOAK_SECONDS (300), SOAK_DIR (work dir, /tmp/certauthz-soak),
# SOAK_PORT (9971), SOAK_CONNS (4), SOAK_DELAY_MS (10), SOAK_FRESH=1 (new PKI),
# SOAK_CRL_ENTRIES (0; 1000000: the good CRLs revoke a million more serials,
# so that each swap is a load of a large CRL),
# SOAK_CORES=1 (core dumps of crashed nginx processes in WORK/cores),
# SOAK_DOORS_PORT (SOAK_PORT + 1), SOAK_WS_ECHO_PORT (SOAK_PORT + 2),
# WS_SESSIONS (20), WS_SEED (ws.py's random times), SOAK_WS_LIVE (on;
# off: certauthz_live off in location /ws, the control: the WebSocket
# part must then fail with survivors), SOAK_STREAM_MODULE (certauthz's stream
# module: ngx_stream_certauthz_module.so next to MODULE),
# SOAK_SYSTEM_STREAM (nginx's own stream module, loaded first:
# /usr/lib/nginx/modules/ngx_stream_module.so if it is there; set it empty
# for an nginx with stream built in), DOORS_SEED (doors.pl's random swaps).
#
# Debian packages: wrk, procps (pgrep), openssl, gcc, libssl-dev, curl,
# perl, libnginx-mod-stream, python3, python3-websockets
# ("make soak" installs them through the Makefile's bench-deps and deps);
# iproute2 (ss) if present: without it the kills pick any current worker.

set -eu
set -o pipefail

[ $# -eq 2 ] || { echo "usage: $0 NGINX MODULE" >&2; exit 2; }

nginx=$1 module=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
TOOL=soak TOP=$top
. "$top/t/lib/tools.sh"
. "$top/t/lib/crl-ca.sh"
work=${SOAK_DIR:-/tmp/certauthz-soak}
secs=${SOAK_SECONDS:-300}
port=${SOAK_PORT:-9971}
conns=${SOAK_CONNS:-4}
delay_ms=${SOAK_DELAY_MS:-10}
crl_entries=${SOAK_CRL_ENTRIES:-0}
doors_port=${SOAK_DOORS_PORT:-$((port + 1))}
stream_module=${SOAK_STREAM_MODULE:-$(dirname "$module")/ngx_stream_certauthz_module.so}
if [ -z "${SOAK_SYSTEM_STREAM+set}" ] \
    && [ -f /usr/lib/nginx/modules/ngx_stream_module.so ]; then
    SOAK_SYSTEM_STREAM=/usr/lib/nginx/modules/ngx_stream_module.so
fi
system_stream=${SOAK_SYSTEM_STREAM:-}
doors_refresh_ms=1000       # certauthz_crl_refresh in soak/nginx.conf
doors_tolerance_ms=500
ws_echo_port=${SOAK_WS_ECHO_PORT:-$((port + 2))}
ws_live=${SOAK_WS_LIVE:-on}   # certauthz_live of location /ws (off: the control)
ws_refresh_ms=500           # certauthz_crl_refresh of location /ws
ws_tolerance_ms=500
python=/usr/bin/python3

say() { echo "soak: [$SECONDS s] $*" >&2; }

case $secs in ''|*[!0-9]*) die "SOAK_SECONDS must be a number of seconds" ;; esac
[ "$secs" -ge 20 ] || die "SOAK_SECONDS must be at least 20"
[ "$secs" -le 86400 ] || die "SOAK_SECONDS must be at most 86400"
case $conns in ''|*[!0-9]*|0) die "SOAK_CONNS must be a positive number" ;; esac
case $crl_entries in ''|*[!0-9]*) die "SOAK_CRL_ENTRIES must be a number" ;; esac
case $work in /tmp/?*) ;; *) die "SOAK_DIR must be a directory under /tmp" ;; esac
case $ws_live in on|off) ;; *) die "SOAK_WS_LIVE must be on or off" ;; esac

need wrk curl openssl cc pgrep awk timeout sed sort head perl
need_nginx "$nginx" "$module"
need_nginx "$nginx" "$stream_module"
[ -z "$system_stream" ] || [ -f "$system_stream" ] \
    || die "no stream module at $system_stream (SOAK_SYSTEM_STREAM)"
need_wrk_ssl
[ -x "$python" ] || die "no $python (python3)"
"$python" -c 'import websockets' 2>/dev/null \
    || die "$python cannot import websockets (python3-websockets)"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (EPOCHREALTIME)"
command -v ss >/dev/null \
    || echo "soak: no ss (iproute2): the kills pick any current worker" >&2

mkdir -p "$work"
rm -rf "$work/run" "$work/logs" "$work/crl" "$work/out"
mkdir -p "$work/run" "$work/logs" "$work/crl" "$work/out"
report=$work/report.txt
events=$work/out/events.txt     # MS KIND DETAIL...: what run.sh did, when
rss=$work/out/rss.txt           # one line per tick, see sample_rss
: > "$events"
: > "$rss"

now_ms() { local t=$EPOCHREALTIME; t=${t/./}; echo $((t / 1000)); }
event() { echo "$(now_ms) $*" >> "$events"; }

say "$(date -u '+%F %T') UTC, $(nproc) cores, $("$nginx" -v 2>&1 | sed 's/.*: //')," \
    "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), ${secs}s, work dir $work"

# --- the module, the shim, the PKI, the CRLs ------------------------------------

# a copy of its own: a rebuild during the run must not change the module
# that the reloads load
cp "$module" "$work/run/module.so"
module=$work/run/module.so
cp "$stream_module" "$work/run/stream-module.so"
stream_module=$work/run/stream-module.so
stream_load=
if [ -n "$system_stream" ]; then
    cp "$system_stream" "$work/run/system-stream.so"
    stream_load="load_module $work/run/system-stream.so;"
fi

shim=$work/run/wrk-cert-shim.so
build_cert_shim "$shim"
closelog=$work/run/wrk-close-log.so
cc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$closelog" \
    "$here/wrk-close-log.c" -ldl || die "cannot build soak/wrk-close-log.c"

pki=$work/pki
make_test_pki "$pki" "${SOAK_FRESH:-0}"
for f in alice bob svc-billing door-1 door-2; do
    [ -s "$pki/$f.pem" ] && [ -s "$pki/$f.key" ] || die "no $f in $pki"
done

# the WebSocket part's clients, issued by the test PKI's intermediate
# (serials 5A01 and 5A02: no certificate of t/lib/mkpki.sh has them)
wspki=$work/wspki
rm -rf "$wspki"
mkdir -p "$wspki"
cp "$pki/ca.crt" "$wspki/ca.crt"
printf '%s\n' '[ ext ]' 'basicConstraints = critical, CA:FALSE' \
    'keyUsage = critical, digitalSignature' 'extendedKeyUsage = clientAuth' \
    'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid:always' \
    > "$wspki/ext.cnf"
for f in ws-revoked:0x5A01 ws-ok:0x5A02; do
    wsn=${f%%:*}
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$wspki/$wsn.key" -subj "/O=Example Corp/OU=websockets/CN=$wsn" \
        -out "$wspki/$wsn.csr" > "$wspki/openssl.log" 2>&1 \
    && openssl x509 -req -in "$wspki/$wsn.csr" -CA "$pki/int.crt" \
        -CAkey "$pki/int.key" -set_serial "${f#*:}" -days 30 -sha256 \
        -extfile "$wspki/ext.cnf" -extensions ext -out "$wspki/$wsn.crt" \
        >> "$wspki/openssl.log" 2>&1 \
    || die "cannot make the certificate $wsn: $(cat "$wspki/openssl.log")"
    cat "$wspki/$wsn.crt" "$pki/int.crt" > "$wspki/$wsn.pem"
done

# Two good CRLs of the intermediate CA (CRL numbers 1000 and 1001), both
# revoking svc-billing, made with "openssl ca" as README.md describes; and
# four corrupt files
ca=$work/crl/ca
crl_ca "$ca"
crl_revoke "$ca" "$pki/int.key" "$pki/int.crt" "$pki/svc-billing.crt"
if [ "$crl_entries" -gt 0 ]; then
    echo "soak: CRLs of $crl_entries more revoked serials (random)" >&2
    crl_ca_random "$ca" "$crl_entries"
fi
for v in a b; do
    crl_gen "$ca" "$pki/int.key" "$pki/int.crt" "$work/crl/good-$v.crl" \
        -crldays 30
done
grep -q 'Serial Number: 5001' <<< "$(openssl crl -in "$work/crl/good-a.crl" -noout -text)" \
    || die "good-a.crl does not revoke svc-billing (serial 5001)"
# and two that also revoke ws-revoked (CRL numbers 1002 and 1003)
crl_revoke "$ca" "$pki/int.key" "$pki/int.crt" "$wspki/ws-revoked.crt"
for v in a b; do
    crl_gen "$ca" "$pki/int.key" "$pki/int.crt" "$work/crl/good-$v-ws.crl" \
        -crldays 30
    crl_text=$(openssl crl -in "$work/crl/good-$v-ws.crl" -noout -text)
    grep -q 'Serial Number: 5001' <<< "$crl_text" \
        && grep -q 'Serial Number: 5A01' <<< "$crl_text" \
        || die "good-$v-ws.crl does not revoke svc-billing and ws-revoked (5001, 5A01)"
done
size=$(wc -c < "$work/crl/good-a.crl")
head -c $((size / 2)) "$work/crl/good-a.crl" > "$work/crl/trunc-pem.crl"
head -c 3000 /dev/urandom > "$work/crl/garbage.crl"
: > "$work/crl/empty.crl"
openssl crl -in "$work/crl/good-a.crl" -outform DER -out "$work/crl/good-a.der"
size=$(wc -c < "$work/crl/good-a.der")
head -c $((size / 2)) "$work/crl/good-a.der" > "$work/crl/trunc-der.crl"
corrupt=(trunc-pem garbage empty trunc-der)

# the stream part's CRLs, of a CA database of their own, two versions
# each (CRL numbers 1000 to 1003): revoking nobody, and door-1 (doors.pl
# swaps them)
crl_ca "$work/crl/doors-ca"
for v in a b; do
    crl_gen "$work/crl/doors-ca" "$pki/int.key" "$pki/int.crt" \
        "$work/crl/doors-none-$v.crl" -crldays 30
done
crl_revoke "$work/crl/doors-ca" "$pki/int.key" "$pki/int.crt" "$pki/door-1.crt"
for v in a b; do
    crl_gen "$work/crl/doors-ca" "$pki/int.key" "$pki/int.crt" \
        "$work/crl/doors-door1-$v.crl" -crldays 30
    grep -q 'Serial Number: 5020' <<< "$(openssl crl -in "$work/crl/doors-door1-$v.crl" -noout -text)" \
        || die "doors-door1-$v.crl does not revoke door-1 (serial 5020)"
done
cp "$work/crl/doors-none-a.crl" "$work/crl/doors.crl"

# put_crl NAME: replace crl/current.crl by crl/NAME.crl, atomically;
# crl_ms: the time just before the rename (ws.py's report measures from it)
put_crl() {
    cp "$work/crl/$1.crl" "$work/crl/.next.crl"
    crl_ms=$(now_ms)
    mv -f "$work/crl/.next.crl" "$work/crl/current.crl"
}
put_crl good-a
echo "$crl_ms crl0 good-a" >> "$events"

# --- nginx ------------------------------------------------------------------------

sed -e "s|@WORK@|$work|g" -e "s|@PKI@|$pki|g" -e "s|@MODULE@|$module|g" \
    -e "s|@PORT@|$port|g" -e "s|@DOORS_PORT@|$doors_port|g" \
    -e "s|@WS_ECHO_PORT@|$ws_echo_port|g" -e "s|@WS_LIVE@|$ws_live|g" \
    -e "s|@STREAM_LOAD@|$stream_load|g" \
    -e "s|@STREAM_MODULE@|$stream_module|g" "$here/nginx.conf" > "$work/nginx.conf"

# SOAK_CORES=1: core dumps of crashing nginx processes into WORK/cores
# (the master's too: it runs there), for gdb
if [ "${SOAK_CORES:-0}" = 1 ]; then
    rm -rf "$work/cores"
    mkdir -p "$work/cores"
    chmod 1777 "$work/cores"
    printf 'worker_rlimit_core 2g;\nworking_directory %s/cores;\n' "$work" >> "$work/nginx.conf"
    ulimit -c unlimited
    cd "$work/cores"
fi

ngx() { "$nginx" -p "$work/" -c "$work/nginx.conf" -e "$work/logs/error.log" "$@"; }

ngx -t -q 2> "$work/out/nginx-t.txt" || die "nginx -t fails: $(cat "$work/out/nginx-t.txt")"

master=
wrk_pids=
doors_pid=
ws_pid=
seen=$work/run/workers-seen     # every worker pid seen, for the cleanup
: > "$seen"

# is_ours PID: PID is still an nginx process (of ours: only pids that we
# saw as children of our master are ever passed)
is_ours() {
    case $(tr -d '\0' 2>/dev/null < "/proc/$1/cmdline") in
    nginx:*) return 0 ;;
    esac
    return 1
}

cleanup() {
    local p i
    for p in $wrk_pids; do
        kill -TERM "$p" 2>/dev/null || true
    done
    if [ -n "$doors_pid" ]; then
        kill -TERM "$doors_pid" 2>/dev/null || true
        wait "$doors_pid" 2>/dev/null || true
    fi
    if [ -n "$ws_pid" ]; then
        kill -TERM "$ws_pid" 2>/dev/null || true
        wait "$ws_pid" 2>/dev/null || true
    fi
    if [ -n "$master" ] && kill -0 "$master" 2>/dev/null; then
        kill -QUIT "$master" 2>/dev/null || true
        for i in $(seq 50); do
            kill -0 "$master" 2>/dev/null || break
            sleep 0.1
        done
        kill -TERM "$master" 2>/dev/null || true
        sleep 0.5
    fi
    # workers left behind by a master that crashed hold the port
    for p in $(sort -u "$seen"); do
        is_ours "$p" && kill -TERM "$p" 2>/dev/null || true
    done
    return 0
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

for p in "$port" "$doors_port" "$ws_echo_port"; do
    if ss -ltn 2>/dev/null | awk '{ print $4 }' | grep -q ":$p\$"; then
        die "127.0.0.1:$p is in use (an nginx left behind by an earlier run?)"
    fi
done
ngx || die "cannot start nginx"
for i in $(seq 50); do
    [ -s "$work/run/nginx.pid" ] && break
    sleep 0.1
done
master=$(cat "$work/run/nginx.pid" 2>/dev/null) || die "nginx wrote no pid file"

# the process title of PID, "" if it is gone
title() { tr -d '\0' 2>/dev/null < "/proc/$1/cmdline" || true; }

# the workers of the current generation (not shutting down)
current_workers() {
    local p
    for p in $(pgrep -P "$master" || true); do
        [ "$(title "$p")" = "nginx: worker process" ] && echo "$p"
        echo "$p" >> "$seen"
    done
    return 0
}

# client NAME: "STATUS|X-Certauthz|X-Soak-CN" of one request with curl
client() {
    local h
    if [ "$1" = nocert ]; then
        set --
    else
        set -- --cert "$pki/$1.pem" --key "$pki/$1.key"
    fi
    h=$(curl -sk --max-time 10 -o /dev/null -D - "$@" \
            "https://127.0.0.1:$port/ok.txt" | tr -d '\r') || true
    printf '%s|%s|%s\n' \
        "$(printf '%s\n' "$h" | awk 'NR == 1 { print $2 }')" \
        "$(printf '%s\n' "$h" | sed -n 's/^X-Certauthz: //p')" \
        "$(printf '%s\n' "$h" | sed -n 's/^X-Soak-CN: //p')"
}

for i in $(seq 50); do
    [ "$(client alice)" != "||" ] && break
    sleep 0.2
done

# the expectations: NAME CERT STATUS DECISION CN (the same for curl and wrk)
expect="alice alice 200 allow|allow alice
bob bob 403 deny|deny bob
revoked svc-billing 403 deny|revoked svc-billing
nocert - 403 deny|no-cert -"

check_clients() {   # check_clients WHEN: one curl request per client
    local name cert st dec cn got want bad=0
    while read -r name cert st dec cn; do
        [ "$cert" = - ] && cert=nocert
        [ "$cn" = - ] && cn=
        got=$(client "$cert")
        want="$st|${dec/|/ }|$cn"
        if [ "$got" != "$want" ]; then
            echo "soak: $1: $name got '$got', expected '$want'" >&2
            bad=1
        fi
    done <<< "$expect"
    return $bad
}
check_clients "before the soak" || die "wrong decisions before the soak even started"
say "nginx up on 127.0.0.1:$port, master $master, workers $(current_workers | tr '\n' ' ');" \
    "curl gets the expected decision for every client"

# --- traffic ------------------------------------------------------------------------

t0=$(now_ms)
event start
while read -r name cert st dec cn; do
    [ "$cn" = - ] && cn=
    if [ "$cert" = - ]; then
        # the shim is loaded, but with no certificate set it must present none
        set -- env
    else
        set -- env CERTAUTHZ_BENCH_CERT="$pki/$cert.pem" \
            CERTAUTHZ_BENCH_KEY="$pki/$cert.key"
    fi
    LD_PRELOAD="$shim $closelog" SOAK_CLOSE_LOG=$work/out/closes-$name.txt \
    SOAK_NAME=$name SOAK_STATUS=$st SOAK_DECISION="${dec/|/ }" SOAK_CN=$cn \
    SOAK_DELAY_MS=$delay_ms \
        "$@" timeout $((secs + 60)) wrk -t"$conns" -c"$conns" -d"${secs}s" \
        --timeout 5s -s "$here/check.lua" "https://127.0.0.1:$port/ok.txt" \
        > "$work/out/wrk-$name.txt" 2>&1 &
    wrk_pids="$wrk_pids $!"
done <<< "$expect"
say "4 wrk processes x $conns connections, ${delay_ms} ms think time, for ${secs}s"

# the stream part, until the last tick
perl "$here/doors.pl" run "$work" "$doors_port" "$pki" $((t0 + secs * 1000 - 1000)) \
    2> "$work/out/doors-stderr.txt" &
doors_pid=$!
say "doors.pl: door-1 and door-2 stream sessions on 127.0.0.1:$doors_port," \
    "door-1 revoked and restored every 6-10 s"

# the WebSocket part, until the last tick
"$python" "$here/ws.py" run "$work" "$port" "$ws_echo_port" "$wspki" \
    $((t0 + secs * 1000 - 1000)) 2> "$work/out/ws-stderr.txt" &
ws_pid=$!
say "ws.py: WebSocket sessions (ws-revoked, ws-ok) on wss://127.0.0.1:$port/ws," \
    "echo server on 127.0.0.1:$ws_echo_port; ws-revoked revoked on ticks 12-19 of every 20"

# sleep_until MS: sleep until t0 + MS (at once if that has passed)
sleep_until() {
    local d=$(( t0 + $1 - $(now_ms) ))
    [ "$d" -gt 0 ] || return 0
    sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
}

# sample_rss TICK: "TICK MASTER_RSS NCUR MAX_CUR SUM_CUR NOLD CUR_PIDS" (kB)
sample_rss() {
    local p t r m ncur=0 max=0 sum=0 nold=0 pids=
    m=$(awk '/^VmRSS/ { print $2 }' "/proc/$master/status" 2>/dev/null || echo 0)
    for p in $(pgrep -P "$master" || true); do
        echo "$p" >> "$seen"
        t=$(title "$p")
        r=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
        case $t in
        "nginx: worker process")
            ncur=$((ncur + 1)); sum=$((sum + r)); pids="$pids,$p"
            [ "$r" -gt "$max" ] && max=$r ;;
        "nginx: worker process is shutting down") nold=$((nold + 1)) ;;
        esac
    done
    echo "$1 $m $ncur $max $sum $nold ${pids#,}" >> "$rss"
}

# reload TICK EXPECT(ok|refused): nginx -s reload, then wait (at most 1.5 s)
# until the old workers stop being current; logs "reload RC EXPECT END_MS"
reload() {
    local old rc=0 i p left t
    old=$(current_workers)
    t=$(now_ms)
    timeout 20 "$nginx" -p "$work/" -c "$work/nginx.conf" \
        -e "$work/logs/error.log" -s reload 2>> "$work/out/reload-stderr.txt" || rc=$?
    if [ "$rc" = 0 ]; then
        for i in $(seq 75); do
            left=0
            for p in $old; do
                [ "$(title "$p")" = "nginx: worker process" ] && left=1
            done
            [ "$left" = 0 ] && break
            sleep 0.02
        done
    fi
    echo "$t reload $rc $2 $(now_ms) $1" >> "$events"
}

fails=
fail() { fails="$fails
  - $*"; }

ticks=$((secs - 1))
for s in $(seq 1 "$ticks"); do
    kill -0 "$master" 2>/dev/null || { fail "the nginx master died at tick $s"; break; }

    sleep_until $((s * 1000))
    if [ $((s % 2)) = 0 ] && [ $((s % 20)) != 10 ]; then
        v=good-a; [ $((s / 2 % 2)) = 1 ] && v=good-b
        # ws-revoked revoked on the good ticks of s / 10 odd (12-18, ...)
        [ $((s / 10 % 2)) = 1 ] && v=$v-ws
    else
        v=${corrupt[$(( (s / 2) % 4 ))]}
    fi
    put_crl "$v"
    echo "$crl_ms crl $v $s" >> "$events"

    if [ $((s % 30)) = 15 ]; then
        sleep_until $((s * 1000 + 250))
        # the current worker with the most client connections (ss), so
        # that the kill hits requests in flight
        cur=$(current_workers | tr '\n' ' ')
        socks=$(ss -tnpH state established "( sport = :$port )" 2>/dev/null || true)
        victim=$(printf '%s\n' "$socks" | awk -v cur=" $cur" '
            { while (match($0, /pid=[0-9]+/)) {
                  p = substr($0, RSTART + 4, RLENGTH - 4)
                  if (index(cur, " " p " ")) n[p]++
                  $0 = substr($0, RSTART + RLENGTH) } }
            END { for (p in n) if (n[p] > m) { m = n[p]; v = p }
                  if (v == "") { split(cur, a, " "); v = a[1]; m = 0 }
                  print v, m + 0 }')
        read -r victim vconns <<< "$victim"
        if [ -n "$victim" ]; then
            t=$(now_ms)
            kill -KILL "$victim" 2>/dev/null || true
            echo "$t kill $victim $s $vconns" >> "$events"
        fi
    fi

    if [ $((s % 2)) = 0 ]; then
        sleep_until $((s * 1000 + 500))
        if [ $((s % 20)) = 10 ]; then reload "$s" refused; else reload "$s" ok; fi
    fi

    sleep_until $((s * 1000 + 750))
    sample_rss "$s"
done
event faults-end

# wrk stops by itself after SOAK_SECONDS (timeout kills it 60 s later)
for p in $wrk_pids; do
    wait "$p" || fail "wrk process $p exited with status $? (see $work/out/wrk-*.txt)"
done
wrk_pids=
event traffic-end
doors_rc=0
wait "$doors_pid" || doors_rc=$?
doors_pid=
[ "$doors_rc" = 0 ] || fail "doors.pl exited with status $doors_rc (see $work/out/doors-stderr.txt)"
ws_rc=0
wait "$ws_pid" || ws_rc=$?
ws_pid=
[ "$ws_rc" = 0 ] || fail "ws.py exited with status $ws_rc (see $work/out/ws-stderr.txt)"
say "traffic done"

# the decisions once more, after all the faults; then stop nginx
if kill -0 "$master" 2>/dev/null; then
    check_clients "after the soak" || fail "curl got a wrong decision after the soak"
    kill -QUIT "$master" 2>/dev/null || true
    for i in $(seq 100); do
        kill -0 "$master" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$master" 2>/dev/null && fail "nginx did not quit within 10 s"
else
    fail "the nginx master is gone at the end"
fi

# --- report ---------------------------------------------------------------------------

out=$work/out
cat "$out"/wrk-*.txt | grep '^soak ' > "$out/soak-lines.txt" || true
for n in alice bob revoked nocert; do
    grep -q "^soak total $n " "$out/soak-lines.txt" \
        || fail "wrk for $n printed no totals: $(tail -3 "$out/wrk-$n.txt" | tr '\n' ' ')"
done

# connection drops (wrk closes a socket to reconnect; every failed request
# is one), except wrk's connectivity probe (a plain TCP connect and close,
# one per process, when it starts): at a kill if within 1 s after one; at a
# reload if between the
# reload command and 1 s after its old workers stopped being current (they
# close idle keep-alive connections at once, busy ones after the response);
# else "other"
cat "$out"/closes-*.txt 2>/dev/null | sort -n > "$out/closes.txt" || true
awk '
    FNR == NR {
        if ($2 == "start") t0 = $1
        if ($2 == "kill") k[++nk] = $1
        if ($2 == "reload" && $3 == 0) { r0[++nr] = $1; r1[nr] = $5 }
        next
    }
    {
        c = $1; how = "other"; ms = ""
        if (c < t0 + 500) { print c, "probe", ""; next }
        for (i = 1; i <= nk; i++)
            if (c >= k[i] && c <= k[i] + 1000) { how = "kill"; ms = c - k[i]; break }
        if (how == "other")
            for (i = 1; i <= nr; i++)
                if (c >= r0[i] && c <= r1[i] + 1000) { how = "reload"; ms = c - r0[i]; break }
        print c, how, ms
    }' "$events" "$out/closes.txt" > "$out/drops.txt"

read -r resp wrong outst stuck slow maxlat <<< "$(awk '
    $2 == "total" { r += $5; w += $7; o += $9; st += $11; sl += $13
                    if ($15 > m) m = $15 }
    END { print r + 0, w + 0, o + 0, st + 0, sl + 0, m + 0 }' \
    "$out/soak-lines.txt")"
read -r e_conn e_read e_write e_tmo <<< "$(awk '
    $2 == "errors" { c += $5; r += $7; w += $9; t += $11 }
    END { print c + 0, r + 0, w + 0, t + 0 }' "$out/soak-lines.txt")"
failed=$((e_conn + e_read + e_write + e_tmo))
drops=$(awk '$2 != "probe"' "$out/drops.txt" | wc -l)
drops_kill=$(awk '$2 == "kill"' "$out/drops.txt" | wc -l)
drops_reload=$(awk '$2 == "reload"' "$out/drops.txt" | wc -l)
drops_other=$(awk '$2 == "other"' "$out/drops.txt" | wc -l)
drop_ms() {   # drop_ms KIND: the largest delay of such a drop after its event
    awk -v k="$1" '$2 == k && $3 > m { m = $3 } END { print m + 0 }' "$out/drops.txt"
}

n_kill=$(awk '$2 == "kill"' "$events" | wc -l)
n_reload=$(awk '$2 == "reload"' "$events" | wc -l)
n_reload_ok=$(awk '$2 == "reload" && $3 == 0' "$events" | wc -l)
n_reload_bad=$(awk '$2 == "reload" && (($3 == 0) != ($4 == "ok"))' "$events" | wc -l)
n_crl=$(awk '$2 == "crl"' "$events" | wc -l)
n_crl_good=$(awk '$2 == "crl" && $3 ~ /^good/' "$events" | wc -l)

# RSS: the median, over a window of ticks, of the largest RSS among the
# current workers (and of the master's RSS), sampled on odd ticks only
# (0.75 s after a CRL swap, 1.25 s after the last reload: workers that have
# served requests and loaded CRLs); start window: ticks 5 .. 5+W, end
# window: the last W ticks, W = min(30, SOAK_SECONDS / 4)
win=$(( secs / 4 < 30 ? secs / 4 : 30 ))
rss_stats() {   # rss_stats COLUMN FROM TO: median of COLUMN over odd ticks
    awk -v c="$1" -v a="$2" -v b="$3" '$1 >= a && $1 < b && $1 % 2 == 1 && $3 > 0 { print $c }' \
        "$rss" | sort -n | awk '{ v[NR] = $1 } END {
            if (NR == 0) { print 0; exit }
            print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
w_start=$(rss_stats 4 5 $((5 + win)))
w_end=$(rss_stats 4 $((ticks + 1 - win)) $((ticks + 1)))
m_start=$(rss_stats 2 5 $((5 + win)))
m_end=$(rss_stats 2 $((ticks + 1 - win)) $((ticks + 1)))
growth() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%+.1f", (b - a) * 100 / a; else print "n/a" }'; }
w_growth=$(growth "$w_start" "$w_end")
m_growth=$(growth "$m_start" "$m_end")
w_min=$(awk '$3 > 0 { print $4 }' "$rss" | sort -n | head -1)
w_max=$(awk '$3 > 0 { print $4 }' "$rss" | sort -n | tail -1)
max_old=$(awk '{ print $6 }' "$rss" | sort -n | tail -1)
max_cur=$(awk '{ print $3 }' "$rss" | sort -n | tail -1)

# the error log, line kinds: the date, pids, connection numbers and the
# request context dropped, numbers written N, except in denials (reason
# and subject kept) and CRL load errors (reason kept)
sed -E -e 's/^[0-9/]+ [0-9:]+ //' -e 's/ [0-9]+#[0-9]+: (\*[0-9]+ )?/ /' \
    -e 's/, client: .*$//' "$work/logs/error.log" \
  | awk '
    /certauthz: access forbidden/ {
        r = $0; sub(/.*reason: /, "", r); sub(/,.*/, "", r)
        s = ""; if (match($0, /subject: "[^"]*"/)) s = " " substr($0, RSTART, RLENGTH)
        k = (index($0, "access forbidden, connection closed")) ? ", connection closed" : ""
        print $1 " certauthz: access forbidden" k ", reason: " r s; next }
    /certauthz: cannot load CRL file/ { sub(/"[^"]*"/, "\"FILE\""); print; next }
    /certauthz: loaded CRL file/ {
        sub(/"[^"]*"/, "\"FILE\""); print; next }
    /exited on signal/ { sub(/process [0-9]+/, "process N"); print; next }
    { gsub(/[0-9]+/, "N"); print }' \
  | sort | uniq -c | sort -rn > "$out/errorlog-kinds.txt"

n_load_err=$(awk '/cannot load CRL file/ { n += $1 } END { print n + 0 }' "$out/errorlog-kinds.txt")
n_load_ok=$(awk '/loaded CRL file/ { n += $1 } END { print n + 0 }' "$out/errorlog-kinds.txt")
n_sig9=$(awk '/exited on signal 9/ { n += $1 } END { print n + 0 }' "$out/errorlog-kinds.txt")
n_sig_other=$(grep -E 'exited on signal' "$out/errorlog-kinds.txt" | grep -vc 'signal 9' || true)
n_bad_reason=$(grep 'access forbidden' "$out/errorlog-kinds.txt" \
    | grep -Evc 'reason: deny subject: "CN=bob,|reason: revoked subject: "CN=(svc-billing|door-1|ws-revoked),|reason: no-cert$' || true)

# the stream part's verdict (doors.pl report: its lines, and "fail: " ones)
doors_report=$(perl "$here/doors.pl" report "$work" "$doors_refresh_ms" \
    "$doors_tolerance_ms" 2>&1) || true
while IFS= read -r l; do
    case $l in "fail: "*) fail "${l#fail: }" ;; esac
done <<< "$doors_report"

# the WebSocket part's verdict (ws.py report)
ws_report=$("$python" "$here/ws.py" report "$work" "$ws_refresh_ms" \
    "$ws_tolerance_ms" 2>&1) || true
grep -q '^websocket sessions:' <<< "$ws_report" \
    || fail "ws.py report failed: $(tail -3 <<< "$ws_report" | tr '\n' ' ')"
while IFS= read -r l; do
    case $l in "fail: "*) fail "${l#fail: }" ;; esac
done <<< "$ws_report"

# --- the verdict -----------------------------------------------------------------------

[ "$wrong" = 0 ] || fail "$wrong wrong decisions"
[ "$drops_other" = 0 ] || echo "soak: note: $drops_other connection drops not at a kill or reload (see $out/drops.txt)" >&2
[ "$stuck" = 0 ] || fail "$stuck requests stuck (no response for more than 5 s)"
awk -v g="$w_growth" 'BEGIN { exit !(g == "n/a" || g > 5) }' \
    && fail "worker RSS grew by $w_growth % (more than 5 %)"
awk -v g="$m_growth" 'BEGIN { exit !(g == "n/a" || g > 5) }' \
    && fail "master RSS grew by $m_growth % (more than 5 %)"
[ "$n_reload_bad" = 0 ] || fail "$n_reload_bad reloads did not do what they should (see $events)"
[ "$n_sig_other" = 0 ] || fail "a worker died of a signal other than SIGKILL (see the error log)"
[ "$n_load_err" -gt 0 ] || fail "no 'cannot load CRL file' in the error log: the corrupt files were never looked at"
[ "$n_load_ok" -gt 0 ] || fail "no 'loaded CRL file' in the error log: the good files were never reloaded"
[ "$n_bad_reason" = 0 ] || fail "$n_bad_reason kinds of denial lines with an unexpected reason or subject"

{
    echo "certauthz soak, $(date -u '+%F %T') UTC: $(nproc) cores," \
         "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $("$nginx" -v 2>&1 | sed 's/.*: //')"
    echo "command: SOAK_SECONDS=$secs bash soak/run.sh $nginx MODULE (work dir $work)"
    echo "traffic: 4 wrk processes (alice 200, bob 403 deny, svc-billing 403 revoked," \
         "no cert 403 no-cert), each -t$conns -c$conns, ${delay_ms} ms think time, ${secs} s"
    echo "faults:  $n_reload reloads (${n_reload_ok} done, $((n_reload - n_reload_ok)) refused:" \
         "corrupt CRL file at that moment, as planned), $n_kill workers SIGKILLed," \
         "$n_crl CRL file swaps ($n_crl_good good, $((n_crl - n_crl_good)) corrupt)"
    echo
    echo "requests sent:     $((resp + e_read + e_write + outst)) ($resp answered," \
         "$((e_read + e_write)) failed with a socket error, $outst in flight at the end)"
    echo "responses:         $resp ($(awk -v r="$resp" -v s="$secs" 'BEGIN { printf "%.0f", r / s }') per second;" \
         "max latency $maxlat ms, $slow slower than 1 s, $stuck stuck)"
    echo "wrong decisions:   $wrong"
    awk '$2 == "total" { printf "  %-8s responses %d, wrong %d\n", $3, $5, $7 }' "$out/soak-lines.txt"
    awk '$2 == "status" { printf "  %-8s status %s: %d\n", $3, $4, $5 }' "$out/soak-lines.txt" | sort
    awk '$2 == "wrong"' "$out/soak-lines.txt" | head -20 | sed 's/^soak /  /'
    echo "failed requests:   $failed (wrk: connect $e_conn, read $e_read, write $e_write, timeout $e_tmo)"
    echo "connection drops:  $drops (wrk reconnected; every failed request is one; wrk's start-up"
    echo "                   probes not counted), of which"
    echo "  at a kill (within 1 s):            $drops_kill  (latest $(drop_ms kill) ms after the kill)"
    echo "  at a reload (until 1 s after the"
    echo "  old workers stopped):              $drops_reload  (latest $(drop_ms reload) ms after the reload command)"
    echo "  other:                             $drops_other"
    if [ "$drops_other" = 0 ]; then
        echo "  so every failed request was in flight at a kill or a reload"
    fi
    echo
    echo "worker RSS (kB; the largest current worker, median over odd ticks):"
    echo "  start (ticks 5..$((4 + win))):  $w_start"
    echo "  end (ticks $((ticks + 1 - win))..$ticks):  $w_end   ($w_growth %)"
    echo "  min / max of all samples: $w_min / $w_max"
    echo "master RSS (kB): start $m_start, end $m_end ($m_growth %)"
    echo "workers seen at once: at most $max_cur current, $max_old shutting down"
    echo
    echo "stream (doors.pl, 127.0.0.1:$doors_port, certauthz_crl_refresh 1s; limit: the"
    echo "rename of the revoking CRL + refresh + 1 s + ${doors_tolerance_ms} ms tolerance):"
    printf '%s\n' "$doors_report" | grep -v '^fail: ' | sed 's/^/  /'
    echo
    echo "websocket (ws.py, wss://127.0.0.1:$port/ws, certauthz_crl_refresh 500ms; limit:"
    echo "no echo later than the rename of the revoking CRL + refresh + 1 s, ended by"
    echo "then + ${ws_tolerance_ms} ms tolerance):"
    printf '%s\n' "$ws_report" | grep -v '^fail: ' | sed 's/^/  /'
    echo
    echo "error log ($(wc -l < "$work/logs/error.log") lines), by kind:"
    sed 's/^/  /' "$out/errorlog-kinds.txt"
    echo
    if [ -n "$fails" ]; then
        echo "FAILED:$fails"
    else
        echo "PASSED: no wrong decision, RSS growth within 5 %, every reload as planned," \
             "no stream session outlived its revocation, no wrong stream decision," \
             "no WebSocket session survived its revocation, no wrong WebSocket end"
    fi
    echo "raw data: $out (events.txt, rss.txt, drops.txt, wrk-*.txt, doors-*.txt," \
         "ws-*.txt), $work/logs/error.log, $work/logs/doors-access.log," \
         "$work/logs/ws-access.log"
} > "$report"

cat "$report"
[ -z "$fails" ] || exit 1
