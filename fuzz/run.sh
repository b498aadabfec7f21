#!/bin/bash
# certauthz fuzzing: builds the harnesses (fuzz/build.sh), makes the seed
# corpora (fuzz/mkcorpus.sh), replays the committed reproducers of
# fuzz/regress/<harness>/, then runs each harness for $FUZZ_SECONDS
# seconds, one after another.  Exits non-zero if any harness reports a
# crash, a leak, undefined behaviour or a broken promise.
#
#   FUZZ_SECONDS=60        per harness
#   FUZZ_HARNESSES="cert cond list crl"
#   FUZZ_JOBS=$(nproc)     parallel compiles while building
#
# The corpora grow in build/fuzz/corpus/<harness>/ from run to run;
# findings land in build/fuzz/artifacts/, logs in build/fuzz/logs/.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/fuzz
SECS=${FUZZ_SECONDS:-60}
HARNESSES=${FUZZ_HARNESSES:-cert cond list crl}

case "$SECS" in
    ''|*[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a number" >&2; exit 2 ;;
esac

bash "$ROOT/fuzz/build.sh"
bash "$ROOT/fuzz/mkcorpus.sh" "$OUT"

mkdir -p "$OUT/tmp" "$OUT/logs" "$OUT/artifacts"

# what a crashed harness could not remove
rm -rf "$OUT"/tmp/certauthz-fuzz.*

export CERTAUTHZ_FUZZ_PKI=$OUT/pki
export TMPDIR=$OUT/tmp
ASAN_DEFAULT=detect_leaks=1:strict_string_checks=1
ASAN_DEFAULT=$ASAN_DEFAULT:detect_stack_use_after_return=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-$ASAN_DEFAULT}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=
summary=

for h in $HARNESSES; do
    bin=$OUT/bin/fuzz_$h
    corpus=$OUT/corpus/$h
    log=$OUT/logs/$h.log
    regress=$ROOT/fuzz/regress/$h

    mkdir -p "$corpus"

    # the reproducers of earlier findings, each input once
    if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
        echo "fuzz: $h: replaying $(ls "$regress" | wc -l) reproducers"
        if ! "$bin" -timeout=25 "$regress"/* >"$OUT/logs/$h-regress.log" 2>&1
        then
            echo "fuzz: $h: a reproducer fails again:" >&2
            grep -E "ERROR|SUMMARY|Running:|fuzz_$h" \
                "$OUT/logs/$h-regress.log" | tail -20 >&2
            failed="$failed $h(regress)"
            continue
        fi
    fi

    dict=
    if [ -f "$ROOT/fuzz/$h.dict" ]; then
        dict=-dict=$ROOT/fuzz/$h.dict
    fi

    echo "fuzz: $h: fuzzing for ${SECS}s"

    rc=0
    "$bin" -max_total_time="$SECS" -timeout=25 -rss_limit_mb=2560 \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$h-" \
        $dict "$corpus" "$OUT/seeds/$h" >"$log" 2>&1 || rc=$?

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    size=$(find "$corpus" -type f | wc -l)

    line=$(printf '%-5s %12s execs %8s exec/s  cov: %-6s ft: %-7s corpus: %s' \
           "$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$size")

    if [ $rc != 0 ]; then
        line="$line  FAILED (exit $rc)"
        failed="$failed $h"
        echo "fuzz: $h failed, from $log:" >&2
        grep -E "ERROR|SUMMARY|fuzz_$h:|Test unit written|runtime error" \
            "$log" | tail -20 >&2
    fi

    echo "fuzz: $line"
    summary="$summary$line"$'\n'
done

echo
echo "fuzz: summary (${SECS}s each)"
printf '%s' "$summary"
printf '%s' "$summary" >"$OUT/summary.txt"

if [ -n "$failed" ]; then
    echo "fuzz: FAILED:$failed" >&2
    exit 1
fi
