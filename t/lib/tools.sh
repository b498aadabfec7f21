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
