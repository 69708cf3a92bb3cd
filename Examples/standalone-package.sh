#!/usr/bin/env bash
# Builds and runs the README's library snippets in a new package that depends on this
# repository by path: the README's Package.swift (its "Use as a library" section) and
# Examples/FDLibraryExample/main.swift as the new package's executable. Exits non-zero
# when the build fails, the example fails, or its first line is not the README's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
swift=${SWIFT:-swift}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdlib-standalone.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# A copy of the working tree in a folder named gradcheck: SwiftPM names a path
# dependency after its folder, and the README says package: "gradcheck".
mkdir -p "$tmp/gradcheck" "$tmp/MyCheck/Sources/MyCheck"
tar -C "$repo" --exclude='./.build*' --exclude=./.git --exclude=./.swiftpm --exclude=./Reports \
  -cf - . | tar -C "$tmp/gradcheck" -xf -

# The README's manifest: the swift block of "Use as a library" that starts with the tools version.
python3 - "$repo/README.md" "$tmp/MyCheck/Package.swift" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text.split("\n## Use as a library\n", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```swift\n(.*?)```", section, re.S)
manifest = [b for b in blocks if b.startswith("// swift-tools-version")]
if len(manifest) != 1:
    sys.exit("README: expected one Package.swift block in 'Use as a library', found %d" % len(manifest))
open(sys.argv[2], "w").write(manifest[0])
PY
cp "$repo/Examples/FDLibraryExample/main.swift" "$tmp/MyCheck/Sources/MyCheck/main.swift"

cd "$tmp/MyCheck"
"$swift" build 2>&1 | tail -n 3
out=$(.build/debug/MyCheck)
printf '%s\n' "$out"
first=$(printf '%s\n' "$out" | head -n 1)
case "$first" in
  "gradient check: pass (2 inputs, 1 output, "*) echo "standalone package: OK" ;;
  *) echo "standalone package: unexpected first line: $first" >&2; exit 1 ;;
esac
