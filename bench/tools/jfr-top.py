#!/usr/bin/env python3
"""Top methods of a JFR recording by self and by inclusive samples (jdk.ExecutionSample).

usage: jfr-top.py RECORDING.jfr [N] [FILTER]   (FILTER: only count stacks containing this text)
Needs a `jfr` tool on PATH (JDK 17+). Prints self time, then inclusive time, as % of samples.
"""
import collections, json, subprocess, sys

path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
flt = sys.argv[3] if len(sys.argv) > 3 else None
data = json.loads(subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", path],
                                 check=True, capture_output=True, text=True).stdout)
events = data["recording"]["events"]
self_c, incl_c = collections.Counter(), collections.Counter()
total = 0
for e in events:
    frames = e["values"]["stackTrace"]["frames"] if e["values"].get("stackTrace") else []
    names = [f["method"]["type"]["name"] + "." + f["method"]["name"] for f in frames]
    if flt and not any(flt in x for x in names):
        continue
    total += 1
    if names:
        self_c[names[0]] += 1
    for x in set(names):
        incl_c[x] += 1
print(f"{total} samples" + (f" containing {flt}" if flt else ""))
print("--- self")
for m, c in self_c.most_common(n):
    print(f"{100 * c / total:5.1f}%  {m}")
print("--- inclusive")
for m, c in incl_c.most_common(n * 2):
    print(f"{100 * c / total:5.1f}%  {m}")
