# bench/throughput.sh -- sourced by bench/run.sh: req/s, latency, CPU
# time and RSS of each arm
# (needs the variables and functions that run.sh and setup.sh set)

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
