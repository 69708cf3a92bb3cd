#!/usr/bin/env bash
# Builds the libFuzzer targets into .build-fuzz/ (see Fuzz/README.md).
#
# SwiftPM cannot build libFuzzer executables, so each target is built with swiftc directly.
# The library modules are compiled as separate static modules (-emit-module -emit-library
# -static), exactly as SwiftPM splits them, so the sources' own `import GradcheckModel`
# lines resolve unchanged; every module is compiled with -sanitize=fuzzer,address so that
# the library code itself carries the coverage instrumentation and ASan checks. -O keeps
# Swift's bounds and overflow traps (they become libFuzzer crashes); -g gives symbols.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.build-fuzz
mkdir -p "$OUT/modules"
SAN=(-sanitize=fuzzer,address -O -g -parse-as-library -swift-version 6)

# A static library module: name, then its sources; depends on what is already in $OUT/modules.
# Skipped when the library is newer than every one of its sources.
module() {
  local name=$1; shift
  local lib="$OUT/modules/lib$name.a"
  if [ -f "$lib" ] && [ -z "$(find "$@" -newer "$lib" | head -1)" ]; then
    echo "  $name: up to date"; return 0
  fi
  swiftc "${SAN[@]}" -module-name "$name" -emit-module -emit-module-path "$OUT/modules/$name.swiftmodule" \
    -emit-library -static -o "$OUT/modules/lib$name.a" -I "$OUT/modules" "$@"
}

echo "fuzz build: modules"
module GradcheckModel Sources/GradcheckModel/*.swift
module GradcheckIO Sources/GradcheckIO/*.swift
module EigenCore $(find Sources/EigenCore -name '*.swift' | sort)

# ld.gold warns once per ASan helper symbol ("Cannot export local symbol"); harmless, filtered.
quiet_link() { "$@" 2> >(grep -v "Cannot export local symbol" >&2); }

echo "fuzz build: fixture-fuzz"
quiet_link swiftc "${SAN[@]}" -module-name FixtureFuzz -I "$OUT/modules" -L "$OUT/modules" \
  -lGradcheckIO -lGradcheckModel Fuzz/FixtureFuzz.swift -o "$OUT/fixture-fuzz"
echo "fuzz build: matrix-fuzz"
quiet_link swiftc "${SAN[@]}" -module-name MatrixFuzz -I "$OUT/modules" -L "$OUT/modules" \
  -lEigenCore Fuzz/MatrixFuzz.swift -o "$OUT/matrix-fuzz"
echo "fuzz build: done ($OUT/fixture-fuzz, $OUT/matrix-fuzz)"
