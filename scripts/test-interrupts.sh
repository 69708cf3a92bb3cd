#!/usr/bin/env bash
# Interrupt tests under ThreadSanitizer: builds the TSan binary (.build-tsan), then runs a
# sweep, interrupts it after a delay with SIGINT and with SIGTERM, RUNS times each
# (default 30), and fails on any exit status other than 130 / 143, on a missing
# "interrupted" message, on any file left in the output folder or on any ThreadSanitizer
# report. A race between the signal handler and the workers shows up as TSan's exit
# status 66 in some of the runs, so one run proves little: hence the repetitions.
#
#   scripts/test-interrupts.sh            build, then 30 x SIGINT and 30 x SIGTERM
#   RUNS=10 SIGNALS=INT scripts/test-interrupts.sh
#   NO_BUILD=1 BIN=path/to/gradcheck scripts/test-interrupts.sh   (an existing binary)
set -u
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
DELAY=${DELAY:-2}
SIGNALS=${SIGNALS:-"INT TERM"}
BIN=${BIN:-.build-tsan/debug/gradcheck}
SWIFT=${SWIFT:-swift}

if [ -z "${NO_BUILD:-}" ]; then
  # shellcheck disable=SC2086 # SWIFT_FLAGS (the Makefile's CPU flags, as make test-sanitize's) are words
  $SWIFT build --sanitize=thread --scratch-path .build-tsan --product gradcheck ${SWIFT_FLAGS:-} || exit 2
fi
[ -x "$BIN" ] || { echo "test-interrupts: no binary at $BIN"; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gradcheck-interrupts.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
for sig in $SIGNALS; do
  case $sig in INT) want=130 ;; TERM) want=143 ;; *) echo "test-interrupts: unknown signal $sig"; exit 2 ;; esac
  pass=0
  for i in $(seq 1 "$RUNS"); do
    out="$work/$sig-$i"
    mkdir -p "$out"
    # timeout delivers the signal after DELAY seconds and, with --preserve-status, exits
    # with the sweep's own status (-k: a sweep that ignores the signal is killed, 137).
    timeout --preserve-status -k 120 -s "$sig" "$DELAY" \
      "$BIN" sweep --family all --n 5 --count 50 --jobs 1 --out "$out" >"$work/stdout" 2>"$work/stderr"
    status=$?
    problems=()
    [ "$status" = "$want" ] || problems+=("exit status $status, expected $want")
    grep -q "ThreadSanitizer" "$work/stderr" && problems+=("ThreadSanitizer report")
    grep -q "gradcheck: interrupted (SIG$sig) after [0-9]* of [0-9]* matrices; no report was written" "$work/stderr" \
      || problems+=("no 'interrupted (SIG$sig)' message")
    left=$(find "$out" -mindepth 1 | head -5)
    [ -z "$left" ] || problems+=("files left behind: $left")
    if [ ${#problems[@]} -eq 0 ]; then
      pass=$((pass + 1))
    else
      failures=$((failures + 1))
      echo "SIG$sig run $i: FAIL: $(IFS=';'; echo "${problems[*]}")"
      sed -n '1,40p' "$work/stderr" | sed 's/^/    /'
    fi
  done
  echo "SIG$sig: $pass of $RUNS runs exited $want cleanly"
done
if [ "$failures" -ne 0 ]; then
  echo "test-interrupts: $failures failed run(s)"
  exit 1
fi
echo "test-interrupts: OK"
