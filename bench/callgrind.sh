# bench/callgrind.sh -- sourced by bench/run.sh: instructions per request
# and per connection, call counts, where the instructions go
# (needs the variables and functions that run.sh and setup.sh set)

# --- callgrind: instructions per request on one connection ------------------------

# The client is wrk too (TLS 1.2, alice's certificate through the shim),
# -t1 -c1, and bench/wrk-stop.lua makes it exit after exactly N responses.
# The requests and connections are counted in the dumps themselves (calls of
# ngx_http_process_request and ngx_ssl_create_connection), as are the full
# handshakes (X509_verify_cert: the client's chain is verified; a resumed
# session is not).

cg_requests() {   # cg_requests PORT N h1|h2 [wrk options]
    local p=$1 n=$2 proto=$3 f=$work/logs/cg-wrk.txt
    shift 3
    if [ "$proto" = h2 ]; then
        # HTTP/2: h2load, one connection, one stream at a time
        taskset -c 0 env LD_PRELOAD="$shim" \
            CERTAUTHZ_BENCH_CERT="$pki/alice.pem" \
            CERTAUTHZ_BENCH_KEY="$pki/alice.key" \
            timeout 900 h2load -n "$n" -c 1 -m 1 -t 1 \
            "https://127.0.0.1:$p/ok.txt" > "$f" 2>&1 \
            && grep -q " $n succeeded" "$f" \
            || die "h2load under callgrind: $(cat "$f")"
        return
    fi
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
    local name=$1 a=$2 n1=$3 n2=$4 bg vpid i n f r1 r2 ir1 ir2 per proto
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
    case $a in *h2*) proto=h2 ;; *) proto=h1 ;; esac
    for n in "$n1" "$n2"; do
        callgrind_control --zero "$vpid" > /dev/null 2>&1
        cg_requests "$cg_port" "$n" "$proto" "$@"
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

for a in $ARMS $CG_ONLY; do
    cg_arm "$a" "$a" "$N1" "$N2"
done
# a new connection per request, as in the H runs (wrk resumes the session)
for a in A0 C10 C10ext; do
    cg_arm "H-$a" "$a" "$HN1" "$HN2" -H 'Connection: close'
done
# with "pcre_jit off", nginx's default (the runs above: pcre_jit $pcre_jit)
for a in $CG_NOJIT; do
    cg_arm "$a-nojit" "$a-nojit" "$N1" "$N2"
done
for a in A0 C10; do
    cg_arm "H-$a-nojit" "$a-nojit" "$HN1" "$HN2" -H 'Connection: close'
done

# The certificate is parsed once per connection: ngx_certauthz_conn_get()
# runs only for a connection that has no state yet (on every other request
# ngx_certauthz_conn_find(), inline, finds it), and calls
# SSL_get1_peer_certificate() and SSL_set_ex_data() once a parse;
# ngx_certauthz_cert_dn() builds the subject or issuer string (only for a
# rule, variable or log line that asks); ngx_certauthz_decide() runs on
# every request.
{
    echo "callgrind call counts in each dump (one dump = the requests and connections shown)"
    printf '%-7s %5s %5s %5s | %8s %8s %7s %9s %10s\n' arm reqs conns full \
        conn_get decide cert_dn get1_peer set_exdata
    for name in C10 C10grp C10cap C100k CRL1M C10ext H-C10 H-C10ext A0 H-A0; do
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
    echo " decide: ngx_certauthz_decide; conn_get: ngx_certauthz_conn_get, called only"
    echo " when the connection has no state yet, which it makes: it parses the"
    echo " certificate, calling SSL_get1_peer_certificate and SSL_set_ex_data once;"
    echo " cert_dn builds the subject or issuer"
    echo " string, only for a rule, variable or log line that asks for it: none here;"
    echo " H-C10ext's X509_verify_cert calls are certauthz building the chain of each"
    echo " resumed session again for ca_fingerprint, not full handshakes)"
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
for a in A1 A2 C10 C10grp C10cap C100k CRL1M C10ext; do
    delta "$a" A0 "$N1" "$N2" self > "$out/delta-$a-minus-A0.txt"
    delta "$a" A0 "$N1" "$N2" inclusive > "$out/delta-$a-minus-A0.inclusive.txt"
done
# each arm over the baseline that differs from it only in certauthz
for pair in C10cap:A0cap C10cap:A0var CRL1M:A0t C10h2:A0h2 A0t:A0 \
            C10-nojit:A0-nojit C10grp-nojit:A0-nojit C10cap-nojit:A0cap-nojit
do
    a=${pair%%:*} b=${pair#*:}
    delta "$a" "$b" "$N1" "$N2" self > "$out/delta-$a-minus-$b.txt"
    delta "$a" "$b" "$N1" "$N2" inclusive \
        > "$out/delta-$a-minus-$b.inclusive.txt"
done
delta H-C10 H-A0 "$HN1" "$HN2" self > "$out/delta-H-C10-minus-H-A0.txt"
delta H-C10 H-A0 "$HN1" "$HN2" inclusive > "$out/delta-H-C10-minus-H-A0.inclusive.txt"
delta H-C10ext H-A0 "$HN1" "$HN2" self > "$out/delta-H-C10ext-minus-H-A0.txt"
delta H-C10ext H-A0 "$HN1" "$HN2" inclusive > "$out/delta-H-C10ext-minus-H-A0.inclusive.txt"

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
    for a in C10 C10grp C10cap C100k CRL1M C10ext; do
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
    printf '  %-7s %8s  %s\n' H-C10ext "$(per_fn H-C10ext "$HN1" "$HN2" ngx_http_certauthz_handler)" \
        "ngx_http_certauthz_handler, C10ext, a new connection each request, of which"
    printf '  %-7s %8s  %s\n' '' "$(per_fn H-C10ext "$HN1" "$HN2" ngx_certauthz_decide)" \
        "  ngx_certauthz_decide (the 10 rules with eku, policy, ca_fingerprint)"
} > "$out/authz-step.txt"

# Every run over the baseline that differs from it only in certauthz (or,
# for A0t, only in the thread pool), and the blocks nginx's pools grew per
# request: calls of ngx_memalign() other than ngx_create_pool()'s (the
# request pool of stock nginx grows one block a request here; what
# certauthz allocates per request would show as more)
grows() {   # grows NAME N: pool blocks grown in that dump
    awk '$2 == "ngx_memalign" && $1 != "ngx_create_pool" { n += $3 }
         END { print n + 0 }' "$cg/$1.$2.calls"
}
# aside NAME N1 N2: instructions per request outside glibc's malloc and
# free (their own code, in malloc/malloc.c and arena.c): two arms that make
# the same calls of them can still differ there by 100 or more a request,
# with where the heap's free chunks happen to lie
aside() {
    awk -v n1="$2" -v n2="$3" '
        FNR == 1 { file++ }
        { t[file] += $1 }
        /malloc\/(.*\/)?(malloc|arena)\.c:/ { m[file] += $1 }
        END { printf "%d", ((t[2] - m[2]) - (t[1] - m[1])) / (n2 - n1) }' \
        "$cg/$1.$2.self" "$cg/$1.$3.self"
}
# allocs NAME N: calls of malloc(), free() and the like (not glibc's own)
allocs() {
    awk '$2 ~ /^(malloc|calloc|realloc|posix_memalign|free)$/ && $1 !~ /^_/ {
             n += $3 }
         END { print n + 0 }' "$cg/$1.$2.calls"
}
per() {   # per NAME N1 N2 FUNCTION-OF-NAME-AND-N: its growth per request
    awk -v x1="$($4 "$1" "$2")" -v x2="$($4 "$1" "$3")" -v n1="$2" -v n2="$3" \
        'BEGIN { printf "%.2f", (x2 - x1) / (n2 - n1) }'
}
{
    echo "instructions per request over the baseline (callgrind), and pool blocks grown per request"
    printf '%-14s %-12s %10s %8s %13s %8s %11s\n' run baseline instr/req over \
        'over, malloc' allocs blocks/req
    for pair in A0:- C10:A0 C10grp:A0 C10cap:A0cap C10cap:A0var C100k:A0 \
                CRL1M:A0 CRL1M:A0t A0t:A0 C10ext:A0 A0cap:A0 A0var:A0 \
                A0h2:- C10h2:A0h2 A0-nojit:- C10-nojit:A0-nojit \
                C10grp-nojit:A0-nojit C10cap-nojit:A0cap-nojit \
                C10cap-nojit:A0var-nojit H-A0:- H-C10:H-A0 H-C10ext:H-A0 \
                H-A0-nojit:- H-C10-nojit:H-A0-nojit
    do
        a=${pair%%:*} b=${pair#*:}
        case $a in H-*) n1=$HN1 n2=$HN2 ;; *) n1=$N1 n2=$N2 ;; esac
        x=$(awk -v a="$a" '$1 == a { print $6 }' "$cgres")
        if [ "$b" = - ]; then
            d= e= m=
        else
            d=$(awk -v x="$x" -v b="$b" '$1 == b { printf "%+d", x - $6 }' "$cgres")
            e=$(( $(aside "$a" "$n1" "$n2") - $(aside "$b" "$n1" "$n2") ))
            e=$(printf '%+d aside' "$e")
            m=$(awk -v x="$(per "$a" "$n1" "$n2" allocs)" \
                    -v y="$(per "$b" "$n1" "$n2" allocs)" \
                    'BEGIN { printf "%+.2f", x - y }')
        fi
        g=$(per "$a" "$n1" "$n2" grows)
        printf '%-14s %-12s %10s %8s %13s %8s %11s\n' "$a" "$b" "$x" "$d" "$e" \
            "$m" "$g"
    done
    echo "(runs without -nojit: pcre_jit $pcre_jit; -nojit: pcre_jit off, nginx's default;"
    echo " *h2: HTTP/2 with h2load, one stream at a time; H-*: a new resumed TLS"
    echo " connection per request, instructions per connection; over, malloc aside:"
    echo " the same, leaving out what runs inside glibc's malloc() and free();"
    echo " allocs: calls of malloc(), free() and the like per request, arm minus"
    echo " baseline: where it is 0, the part left out is the heap's layout, not"
    echo " certauthz's work)"
} > "$out/instr-table.txt"
