#!/usr/bin/env bash
# The same bytes from every instruction set: builds gradcheck in release for the compiler's
# baseline (.build-baseline) and with TARGET_FLAGS (.build-target; `make compare-cpu-builds`
# passes the Makefile's flags for its TARGET_CPU, e.g. `-Xswiftc -target-cpu -Xswiftc haswell
# -Xswiftc -DGRADCHECK_AVX2`), runs make report's five commands, a float32 sweep and the
# selftest with each, and compares every file and output byte for byte. Exit 0 when all are
# identical, 1 when any differs (the differing files are listed), 2 when a build or a run
# fails.
#
#   make compare-cpu-builds                       baseline against the machine's CPU
#   TARGET_FLAGS="-Xswiftc -target-cpu -Xswiftc znver3" scripts/compare-cpu-builds.sh
#   NO_BUILD=1 scripts/compare-cpu-builds.sh      reuse the two builds
set -u
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
TARGET_FLAGS=${TARGET_FLAGS:-}

if [ -z "${NO_BUILD:-}" ]; then
  [ -n "$TARGET_FLAGS" ] || { echo "compare-cpu-builds: TARGET_FLAGS is empty: nothing to compare the baseline with"; exit 2; }
  $SWIFT build -c release --product gradcheck --scratch-path .build-baseline || exit 2
  # shellcheck disable=SC2086 # the flags are words
  $SWIFT build -c release --product gradcheck --scratch-path .build-target $TARGET_FLAGS || exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gradcheck-cpu-builds.XXXXXX")
trap 'rm -rf "$work"' EXIT

# make report's commands (Makefile, target `report`), a float32 sweep and the selftest.
run_all() {
  local bin=$1 out=$2
  mkdir -p "$out"
  "$bin" check fixtures --transform all --beta 1,2,5,10,20,50 --out "$out/fixtures" --exit-zero >"$out/check.txt" 2>&1 &&
    "$bin" sweep --out "$out/sweep" --exit-zero >"$out/sweep.txt" 2>&1 &&
    "$bin" eig fixtures --family lapack --n 1,2,3,5,10,20 --count 3 --out "$out/eig" --exit-zero >"$out/eig.txt" 2>&1 &&
    "$bin" merge "$out/fixtures/results.json" "$out/sweep/results.json" --out "$out" --exit-zero >"$out/merge.txt" 2>&1 &&
    "$bin" report "$out/results.json" --title "gradcheck: fixtures and sweep" --html "$out/report.html" \
      --index "$out/index.html" \
      --entry "All cases (fixtures and sweep)|report.html|$out/results.json" \
      --entry "Shipped fixtures, every transform and beta|fixtures/report.html|$out/fixtures/results.json" \
      --entry "Generated sweep|sweep/report.html|$out/sweep/results.json" \
      --entry "Eigen solver against GSL|eig/report.html|$out/eig/results.json" --exit-zero >"$out/report.txt" 2>&1 &&
    "$bin" sweep --dtype float32 --json "$out/float32.json" --exit-zero >"$out/float32.txt" 2>&1 &&
    "$bin" selftest >"$out/selftest.txt" 2>&1
}

for build in baseline target; do
  echo "compare-cpu-builds: running the $build build"
  run_all ".build-$build/release/gradcheck" "$work/$build" || { echo "compare-cpu-builds: the $build build's run failed"; exit 2; }
done
# The reports name their own folder in commands and links: compare with it replaced.
grep -rlF "$work/target" "$work/target" | xargs -r sed -i "s|$work/target|$work/baseline|g"
files=$(cd "$work/baseline" && find . -type f | sort | wc -l)
if diff -rq "$work/baseline" "$work/target"; then
  echo "compare-cpu-builds: all $files files identical (baseline and ${TARGET_FLAGS:-the target build})"
else
  echo "compare-cpu-builds: the builds differ (files above)"
  exit 1
fi
