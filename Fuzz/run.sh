#!/usr/bin/env bash
# Runs each fuzz target for $1 seconds (default 60) on one core, starting from the committed
# seed corpus (Tests/Fuzz/<target>-corpus, read only) plus the inputs found by earlier runs
# (.build-fuzz/corpus/<target>, git-ignored, where new inputs are written). A crash, a
# fatalError of a property check, an ASan report or an input running longer than 10 s (a hang)
# stops the run, leaves the input in .build-fuzz/artifacts/ and makes this script fail.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
OUT=.build-fuzz
status=0
# Swift's own crash backtracer and ASan both want the crashing process; let ASan report.
export SWIFT_BACKTRACE=enable=no
for target in fixture matrix; do
  corpus="$OUT/corpus/$target"
  artifacts="$OUT/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $target-fuzz for ${SECONDS_EACH}s (seeds Tests/Fuzz/$target-corpus, new inputs $corpus)"
  # -max_len: the largest matrix input is 1 + 16*16*8 = 2049 bytes; fixtures get 64 KiB.
  maxlen=65536; [ "$target" = matrix ] && maxlen=2049
  if ! "$OUT/$target-fuzz" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$maxlen" -print_final_stats=1 -artifact_prefix="$artifacts" \
      "$corpus" "Tests/Fuzz/$target-corpus" 2> "$OUT/$target-fuzz.log"; then
    echo "fuzz: $target-fuzz FAILED; see $OUT/$target-fuzz.log and $artifacts" >&2
    tail -40 "$OUT/$target-fuzz.log" >&2
    status=1
  fi
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)' \
    "$OUT/$target-fuzz.log" || true
done
exit $status
