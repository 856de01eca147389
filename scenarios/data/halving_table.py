#!/usr/bin/env python3
"""Tabulates the halving sweeps for docs/halving.md: one Markdown row per run (the swept values,
seed, halving block and date, TAO recycled by reason up to the halving), then P5/P50/P95 over
all runs pooled (nearest rank, as `taosim sweep` computes them).

Usage: halving_table.py HALVING_NUMBER SWEEP_DIR...
"""
import json
import math
import sys
from datetime import datetime, timezone
from pathlib import Path

REASONS = ["unspent_emission", "registration_burn", "subnet_lock", "dissolution"]


def nearest_rank(sorted_values, q):
    n = len(sorted_values)
    return sorted_values[min(max(math.ceil(q * n), 1), n) - 1]


def main():
    k = int(sys.argv[1])
    rows, blocks, times = [], [], []
    for sweep in map(Path, sys.argv[2:]):
        spec = json.loads((sweep / "sweep.json").read_text())
        for point_dir in sorted(sweep.glob("sweep_point=*"), key=lambda p: int(p.name.split("=")[1])):
            point = spec["points"][int(point_dir.name.split("=")[1])]
            setting = ", ".join(f"`{key}={value}`" for key, value in point.items()) or "scenario as is"
            for run in sorted(point_dir.glob("run=*")):
                h = json.loads((run / "headline.json").read_text())
                hit = [x for x in h["halvings"] if x["halvings"] == k]
                if not hit:
                    rows.append(f"| {sweep.name} | {setting} | {h['seed']} | not reached | | |")
                    continue
                x = hit[0]
                blocks.append(x["block"])
                times.append(x["time_ms"])
                by = " / ".join(f"{x['recycled'].get(r, 0) / 1e9:,.0f}" for r in REASONS)
                rows.append(f"| {sweep.name} | {setting} | {h['seed']} | {x['block']:,} | {x['date']} | {by} |")
    print("| sweep | point | seed | halving block | date (UTC) | recycled by then, TAO: root share / burns / locks / dissolution |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    blocks.sort()
    times.sort()
    date = lambda ms: datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M")
    print()
    print(f"Pooled over {len(blocks)} runs: " + ", ".join(
        f"P{int(q * 100)} block {nearest_rank(blocks, q):,} / {date(nearest_rank(times, q))}"
        for q in (0.05, 0.5, 0.95)))


if __name__ == "__main__":
    main()
