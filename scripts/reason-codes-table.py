#!/usr/bin/env python3
"""Prints the Markdown table of reason codes from Sources/GradcheckModel/ReasonCode.swift,
grouped by the `// check` comments there. docs/results-format.md holds its output between
the markers <!-- reason-codes --> and <!-- /reason-codes -->; `--write` refreshes it.
A test checks that every code of the enum is in the page."""
import re, sys, pathlib
root = pathlib.Path(__file__).resolve().parent.parent
src = (root / "Sources/GradcheckModel/ReasonCode.swift").read_text()
enum = src[src.index("public enum ReasonCode"):]
cases, group = [], ""
for line in enum.splitlines():
    m = re.match(r"\s*// (.+)$", line)
    if m:
        group = m.group(1)
    c = re.match(r'\s*case (\w+) = "([a-z0-9-]+)"', line)
    if c:
        cases.append((group, c.group(1), c.group(2)))
    if "var meaning" in line:
        break
meaning = dict(re.findall(r'case \.(\w+): "((?:[^"\\]|\\.)*)"', enum))
rows = ["| check | code | meaning |", "|---|---|---|"]
for g, name, raw in cases:
    rows.append(f"| {g} | `{raw}` | {meaning.get(name, '').replace('|', '/')} |")
table = "\n".join(rows)
if "--write" in sys.argv:
    page = root / "docs/results-format.md"
    text = page.read_text()
    new = re.sub(r"<!-- reason-codes -->.*?<!-- /reason-codes -->",
                 "<!-- reason-codes -->\n" + table + "\n<!-- /reason-codes -->", text, flags=re.S)
    page.write_text(new)
else:
    print(table)
