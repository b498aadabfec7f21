# t/lib/tools.sh -- what the measuring scripts share (bench/run.sh,
# soak/run.sh): sourced after setting TOOL to the script's name, TOP to the
# project's root.
#
#   die MESSAGE...              "TOOL: MESSAGE" on stderr, exit 1
#   need COMMAND...             each must be on PATH
#   need_nginx NGINX MODULE     the binary and the module must be there
#   need_wrk_ssl                wrk must link libssl dynamically (the shim)
#   build_cert_shim OUT         bench/wrk-cert-shim.c into OUT: wrk then
#                               presents the client certificate of
#                               WRK_CERT / WRK_KEY
#   make_test_pki DIR FRESH     t/lib/mkpki.sh into DIR, unless made before
#                               by the same mkpki.sh (FRESH=1: again)
#   one_server_conf OUT MODULE PKI PORT ERROR-LOG PID LOCATION-BODY
#                               an nginx.conf with one worker and one mTLS
#                               server on 127.0.0.1:PORT whose location /
#                               holds LOCATION-BODY (MASTER=off: no master;
#                               WORKERS=N: N workers)
#   crl1m FILE PKI              FILE is a CRL of 1,000,000 entries signed
#                               by PKI's intermediate (made again if it is
#                               missing or from an older PKI)

die() {
    echo "$TOOL: $*" >&2
    exit 1
}

need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null || die "$c not found in PATH"
    done
}

need_nginx() {
    [ -x "$1" ] || die "no nginx binary at $1"
    [ -f "$2" ] || die "no module at $2 (make build)"
}

need_wrk_ssl() {
    case $(ldd "$(command -v wrk)") in
    *libssl.so*) ;;
    *) die "wrk does not link libssl dynamically: the certificate shim cannot work" ;;
    esac
}

build_cert_shim() {
    cc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$1" \
        "$TOP/bench/wrk-cert-shim.c" -ldl -lssl -lcrypto \
        || die "cannot build the shim (libssl-dev installed?)"
}

make_test_pki() {
    if [ "${2:-0}" = 1 ] || [ ! -s "$1/.stamp" ] \
        || [ "$TOP/t/lib/mkpki.sh" -nt "$1/.stamp" ]; then
        echo "$TOOL: making the PKI in $1 (t/lib/mkpki.sh)" >&2
        bash "$TOP/t/lib/mkpki.sh" "$1"
    fi
}

crl1m() {
    # "openssl crl -verify" exits with 0 either way: what it says counts
    if [ -s "$1" ] && openssl crl -in "$1" -noout -verify \
           -CAfile "$2/int.crt" 2>&1 | grep -qx 'verify OK'; then
        return
    fi
    echo "$TOOL: generating a CRL of 1,000,000 entries ($1)..." >&2
    bash "$TOP/bench/gen-crl.sh" 1000000 "$2/int.key" "$2/int.crt" "$1"
}

one_server_conf() {
    cat > "$1" <<EOF
load_module $2;
worker_processes ${WORKERS:-1};
master_process ${MASTER:-on};
error_log $5;
pid $6;
events { worker_connections 256; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$4 ssl;
        include $3/tls.conf;
        ssl_verify_client on;
        location / {
            $7
        }
    }
}
EOF
}

host_kb() {
    # host_kb PIDFILE: kB of the host whose master wrote PIDFILE: each
    # process's PSS but shared memory, then each memory file of the
    # processes (the CRLs' copies) once, by its allocated blocks
    local master pids p kb=0 f fds="" seen=" "
    master=$(cat "$1")
    pids="$master $(pgrep -P "$master" | tr '\n' ' ')"
    for p in $pids; do
        kb=$((kb + $(awk '/^Pss:/ { p = $2 } /^Pss_Shmem:/ { s = $2 }
                          END { print p - s }' "/proc/$p/smaps_rollup")))
        for f in /proc/$p/fd/*; do
            case $(readlink "$f" 2>/dev/null) in
            /memfd:certauthz-crl*) fds="$fds $f" ;;
            esac
        done
    done
    # each memory file once (by inode), its blocks read once
    for f in $fds; do
        set -- $(stat -L -c '%i %b' "$f" 2>/dev/null || echo "0 0")
        case $seen in *" $1 "*) continue ;; esac
        seen="$seen$1 "
        kb=$((kb + $2 / 2))
    done
    echo "$kb"
}

probe() {
    # probe SECS FIRST: a request with the caller's get() every 50 ms for
    # SECS seconds; prints their number, the failed ones, and the longest
    # (s) before FIRST seconds and from then on
    local start=$SECONDS end=$((SECONDS + $1)) max0=0 max=0 bad=0 n=0 r
    while [ $SECONDS -lt $end ]; do
        r=$(get '%{http_code} %{time_total}' || true)
        n=$((n + 1))
        [ "${r%% *}" = 200 ] || bad=$((bad + 1))
        if [ $((SECONDS - start)) -lt "$2" ]; then
            max0=$(awk -v a="$max0" -v b="${r#* }" 'BEGIN { print (b > a) ? b : a }')
        else
            max=$(awk -v a="$max" -v b="${r#* }" 'BEGIN { print (b > a) ? b : a }')
        fi
        sleep 0.05
    done
    echo "$n $bad $max0 $max"
}

rss_mark() {
    # rss_mark PID...: each process's VmHWM reset (clear_refs 5), and
    # "PID RSS" printed for rss_peak
    local p
    for p in "$@"; do
        echo 5 > "/proc/$p/clear_refs"
        echo "$p $(awk '/VmRSS/ { print $2 }' "/proc/$p/status")"
    done
}

rss_peak() {
    # rss_peak < MARKS: the largest rise of a process's VmHWM over its RSS
    # at rss_mark (kB)
    local p before h peak=0
    while read -r p before; do
        h=$(awk '/VmHWM/ { print $2 }' "/proc/$p/status")
        [ $((h - before)) -gt "$peak" ] && peak=$((h - before))
    done
    echo "$peak"
}
