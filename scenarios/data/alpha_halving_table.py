#!/usr/bin/env python3
"""Tabulates the first alpha halving of each subnet in a second-halving run for docs/halving.md:
netuid, name, alpha issuance on 2026-04-11 (snapshot: alpha_in + alpha_out), the block and date
of its first alpha halving in the run, ordered by date. Subnets that did not halve in the run
are counted at the end.

Usage: alpha_halving_table.py RUN_DIR [SNAPSHOT_CSV]
"""
import csv
import json
import sys
from pathlib import Path

run = Path(sys.argv[1])
snapshot = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).parent / "subnets_snapshot_2026-04-11.csv")
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
print("| netuid | name | alpha issuance 2026-04-11 | first alpha halving: block | date (UTC) |")
print("|---|---|---|---|---|")
for netuid, x in sorted(first.items(), key=lambda kv: kv[1]["block"]):
    name, issued = subnets.get(netuid, ("?", 0.0))
    print(f"| {netuid} | {name} | {issued / 1e6:.3f}M | {x['block']:,} | {x['date']} |")
missing = sorted(set(subnets) - set(first))
print()
print(f"{len(first)} subnets reach their first alpha halving by block {h['end_block']:,}; "
      f"{len(missing)} do not (the youngest).")
