#!/usr/bin/env python3
"""Tabulates the first alpha halving of each subnet in a second-halving run for docs/halving.md:
netuid, name, alpha issuance on 2026-04-11 (snapshot: alpha_in + alpha_out), the block and date
of its first alpha halving in the run, ordered by date. Subnets that did not halve in the run
are counted at the end.

With --oldest, only the subnets registered before the dTAO launch (netuids 1-64). The band
column is the same block's date at 12.00 s and 12.02 s blocks instead of the run's 12.01 s (no
halt in the run, so a date is the start plus blocks x block time; alpha emission counts blocks).

Usage: alpha_halving_table.py RUN_DIR [SNAPSHOT_CSV] [--oldest]
"""
import csv
import json
import sys
from pathlib import Path

import datetime

args = [a for a in sys.argv[1:] if a != "--oldest"]
oldest = "--oldest" in sys.argv
run = Path(args[0])
snapshot = Path(args[1] if len(args) > 1 else Path(__file__).parent / "subnets_snapshot_2026-04-11.csv")
h = json.loads((run / "headline.json").read_text())
subnets = {}
with snapshot.open() as f:
    for row in csv.DictReader(f):
        if int(row["netuid"]) != 0:
            subnets[int(row["netuid"])] = (row["name"], float(row["alpha_in"]) + float(row["alpha_out"]))
first = {}
for x in h["alpha_halvings"]:
    if x["halvings"] == 1 and x["netuid"] not in first:
        first[x["netuid"]] = x
start_block = h["start_block"]
first_ms = min(x["time_ms"] for x in first.values())
x0 = next(x for x in first.values() if x["time_ms"] == first_ms)
start_ms = x0["time_ms"] - (x0["block"] - start_block) * 12010  # the run's 12.01 s blocks


def date_at(block, seconds):
    ms = start_ms + (block - start_block) * seconds * 1000
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


print("| netuid | name | alpha issuance 2026-04-11 | first alpha halving: block | date (UTC, 12.01 s) | band (12.00 / 12.02 s) |")
print("|---|---|---|---|---|---|")
for netuid, x in sorted(first.items(), key=lambda kv: kv[1]["block"]):
    if oldest and netuid > 64:
        continue
    name, issued = subnets.get(netuid, ("?", 0.0))
    band = f"{date_at(x['block'], 12.0)} / {date_at(x['block'], 12.02)}"
    print(f"| {netuid} | {name} | {issued / 1e6:.3f}M | {x['block']:,} | {x['date']} | {band} |")
missing = sorted(set(subnets) - set(first))
print()
print(f"{len(first)} subnets reach their first alpha halving by block {h['end_block']:,}; "
      f"{len(missing)} do not" + (f": netuid {', '.join(map(str, missing))}." if missing else "."))
