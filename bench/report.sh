# bench/report.sh -- sourced by bench/run.sh: the table and the report
# (needs the variables and functions that run.sh and setup.sh set)

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
    awk '$1 == "H-C10ext" { x = $6 } $1 == "H-A0" { y = $6 }
         END { printf "%-7s %8s %6s %-13s %7s %7s %7s %10s %+9d %8s\n",
                      "H-C10ext", "-", "-", "", "-", "-", "-", x, x - y, "-" }' "$cgres"
    echo "(RSS: VmRSS of the worker after the wrk runs; H-* rows run on the A0/C10 workers;"
    echo " H-C10ext: callgrind only, its instructions over H-A0's."
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
for a in C10 C10grp C10cap C10ext; do
    echo "== $a minus A0: instructions per request by function (exclusive, top 12) =="
    head -12 "$out/delta-$a-minus-A0.txt"
done
echo
cat "$out/instr-table.txt"
echo
cat "$table"
echo
echo "raw results: $out"
