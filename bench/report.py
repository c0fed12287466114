#!/usr/bin/env python3
"""Turns bench/run.sh's raw measurements (one JSON object per line) into the results table.

Each line: {"lane", "target", "round", "rps", "p50", "p99", "p999", ...} with latencies in µs.
Per lane and target the median over rounds is reported; ratios compare targets of the same lane
(so the same run): throughput of ours / nginx, and added latency ours − direct.

usage: report.py RAW.jsonl META.json OUT_DIR
"""
import json
import statistics
import sys
from collections import OrderedDict, defaultdict

raw_path, meta_path, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(raw_path) if line.strip()]
meta = json.load(open(meta_path))

LANE_TITLES = OrderedDict([
    ("c1", "concurrency 1 (wrk -c1), 0 ms upstream"),
    ("c32", "max throughput, concurrency 32 (wrk -c32)"),
    ("rate", "open loop at a fixed rate (llm-proxy benchmark --rate)"),
    ("sse-c1", "SSE, 1 stream at a time (8 chunks / 20 ms)"),
    ("sse-c512", "SSE, 512 concurrent streams"),
    ("cache-c1", "cache hit vs miss, concurrency 1"),
    ("cache-c32", "cache hit vs miss, concurrency 32"),
    ("cache-wire", "cache hit vs miss, server-side service time (tcpdump), concurrency 1"),
    ("redis-c1", "event bus: Redis Streams vs in-memory, concurrency 1"),
    ("redis-rate", "event bus: Redis Streams vs in-memory, open loop"),
])
# What each lane's ratios compare: (ours targets, the nginx target, the direct target).
OURS = ("ours", "ours-pass", "ours-sse", "ours-hit", "ours-miss", "ours-redis", "ours-memory")


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


by = defaultdict(list)
for r in rows:
    by[(r["lane"], r["target"])].append(r)

summary = OrderedDict()
for (lane, target), rs in by.items():
    keys = set().union(*[r.keys() for r in rs]) - {"lane", "target", "round"}
    agg = OrderedDict((k, med([r.get(k) for r in rs if isinstance(r.get(k), (int, float))])) for k in sorted(keys))
    agg["rounds"] = len(rs)
    summary.setdefault(lane, OrderedDict())[target] = agg


def fmt_us(v):
    if v is None:
        return "–"
    return f"{v / 1000:.3f} ms" if v >= 10000 else f"{v:.0f} µs"


def fmt_rps(v):
    return "–" if v is None else f"{v:,.0f}"


lines = []
lines.append(f"Machine: {meta.get('machine')}; load average before: {meta.get('load_before')}, after: {meta.get('load_after')}")
lines.append(f"Mode: {meta.get('mode')}; rounds: {meta.get('rounds')}; started {meta.get('started')}")
lines.append("")
lines.append("| lane | target | req/s | p50 | p99 | p99.9 | ours/nginx req/s | ours−direct p50 / p99 |")
lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
for lane in list(LANE_TITLES) + [l for l in summary if l not in LANE_TITLES]:
    if lane not in summary:
        continue
    targets = summary[lane]
    direct = targets.get("direct") or targets.get("direct-sse")
    nginx = targets.get("nginx") or targets.get("nginx-sse")
    latency_key = "ttft_p" if lane.startswith("sse") else "p"
    for name, t in targets.items():
        ratio = added = ""
        if name in OURS and nginx and t.get("rps") and nginx.get("rps"):
            ratio = f"{t['rps'] / nginx['rps']:.2f}×"
        if name in OURS or name.startswith("nginx"):
            if direct and t.get(latency_key + "50") is not None and direct.get(latency_key + "50") is not None:
                added = (f"{fmt_us(t[latency_key + '50'] - direct[latency_key + '50'])} / "
                         f"{fmt_us(t[latency_key + '99'] - direct[latency_key + '99'])}")
        p50, p99, p999 = t.get(latency_key + "50"), t.get(latency_key + "99"), t.get(latency_key + "999")
        label = name + (" (TTFT)" if lane.startswith("sse") else "")
        lines.append(f"| {lane} | {label} | {fmt_rps(t.get('rps'))} | {fmt_us(p50)} | {fmt_us(p99)} | {fmt_us(p999)} | {ratio} | {added} |")

extra = []
for lane in ("sse-c1", "sse-c512"):
    for name, t in summary.get(lane, {}).items():
        extra.append(f"- {lane} {name}: streams {t.get('streams', 0):.0f}, stalled (gap > 200 ms) {t.get('stalled', 0):.0f}, "
                     f"gap p50 {fmt_us(t.get('gap_p50'))}, gap p99 {fmt_us(t.get('gap_p99'))}, "
                     f"longest gap {fmt_us(t.get('gap_max'))}, errors {t.get('errors', 0):.0f}")
for lane in ("cache-c1", "cache-c32"):
    ts = summary.get(lane, {})
    hit, miss = ts.get("ours-hit"), ts.get("ours-miss")
    if hit and miss and hit.get("p50") and miss.get("p50"):
        extra.append(f"- {lane}: miss/hit latency p50 {miss['p50'] / hit['p50']:.1f}×, "
                     f"hit/miss throughput {hit['rps'] / miss['rps']:.1f}×")
wire = summary.get("cache-wire", {})
if wire.get("ours-hit") and wire.get("ours-miss") and wire["ours-hit"].get("p50"):
    hit, miss = wire["ours-hit"], wire["ours-miss"]
    extra.append(f"- cache-wire (server-side service time): hit p50 {fmt_us(hit['p50'])}, p99 {fmt_us(hit['p99'])}; "
                 f"miss p50 {fmt_us(miss['p50'])}, p99 {fmt_us(miss['p99'])}; miss/hit p50 {miss['p50'] / hit['p50']:.1f}×, "
                 f"p99 {miss['p99'] / hit['p99']:.1f}×")
r1 = summary.get("redis-c1", {})
if r1.get("ours-redis") and r1.get("ours-memory") and r1.get("direct"):
    d = r1["direct"]
    add_r = r1["ours-redis"]["p99"] - d["p99"]
    add_m = r1["ours-memory"]["p99"] - d["p99"]
    if add_m > 0:
        extra.append(f"- redis-c1: added p99 with Redis Streams {fmt_us(add_r)} vs in-memory {fmt_us(add_m)} "
                     f"({(add_r / add_m - 1) * 100:+.0f}%)")
for k in ("startup_ms", "startup_cds_ms", "startup_aot_ms", "rss_idle_mb", "rss_max_mb", "rss_end_mb"):
    if k in meta:
        extra.append(f"- {k}: {meta[k]}" + (f" ({meta['startup_aot_java']})" if k == "startup_aot_ms"
                                             and "startup_aot_java" in meta else ""))
errors = [f"{lane}/{name}: {t.get('errors', 0):.0f} errors, {t.get('non2xx', 0):.0f} non-2xx"
          for lane, ts in summary.items() for name, t in ts.items()
          if (t.get("errors") or 0) > 0 or (t.get("non2xx") or 0) > 0]
if errors:
    extra.append("- errors: " + "; ".join(errors))

text = "\n".join(lines + [""] + extra) + "\n"
print(text)
open(f"{out_dir}/results.md", "w").write(text)
json.dump({"meta": meta, "lanes": summary}, open(f"{out_dir}/results.json", "w"), indent=2)
