# bench/check.sh -- sourced by bench/run.sh: every arm answers, and A1, A2
# and the C10 arms mean the same for every client certificate
# (needs the variables and functions that run.sh and setup.sh set)

# --- checks ---------------------------------------------------------------------------

for a in $ARMS; do
    start_arm "$a"
done
say "all arms up, ports $port0..$(port_of C10ext); nginx on CPU 1, wrk on CPU 0"

for a in $ARMS; do
    s=$(curl_get "$(port_of "$a")" alice)
    [ "$s" = 200 ] || die "$a answers $s to alice, not 200"
done

# A1, A2, C10, C10grp, C10cap and C10ext must mean the same: the same status
# for every client certificate of the PKI (the clients are the names with a
# serial in expected.txt; its CA certificates have a subject and a
# fingerprint only)
clients=$(sed -n 's/\.serial=.*//p' "$pki/expected.txt")
{
    printf '%-12s %4s %4s %4s %6s %6s %6s\n' client A1 A2 C10 C10grp C10cap C10ext
    for who in $clients; do
        printf '%-12s' "$who"
        for a in A1 A2 C10 C10grp C10cap C10ext; do
            printf ' %4s' "$(curl_get "$(port_of "$a")" "$who")"
        done
        echo
    done
} > "$out/equivalence.txt"
awk 'NR > 1 && !($2 == $3 && $3 == $4 && $4 == $5 && $5 == $6 && $6 == $7) { bad = bad " " $1 }
     END { if (bad != "") { print "bench: A1, A2, C10 disagree on:" bad > "/dev/stderr"; exit 1 } }' \
    "$out/equivalence.txt" || { cat "$out/equivalence.txt" >&2; exit 1; }
say "A1, A2, C10, C10grp, C10cap, C10ext agree on all $(echo $clients | wc -w) client certificates" \
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
