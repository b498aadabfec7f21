#!/bin/bash
# t/lib/sanitizer-reports.sh DIR: prints the ASan/UBSan reports written to
# DIR (ASAN_OPTIONS/UBSAN_OPTIONS log_path) and fails if there is any.
set -eu
dir=${1:?usage: $0 DIR}
shopt -s nullglob
reports=("$dir"/asan.* "$dir"/ubsan.*)
if [ ${#reports[@]} -eq 0 ]; then
    echo "sanitizers: no reports in $dir"
    exit 0
fi
for f in "${reports[@]}"; do
    echo "=== $f"
    cat "$f"
done
echo "sanitizers: ${#reports[@]} report(s) in $dir" >&2
exit 1
