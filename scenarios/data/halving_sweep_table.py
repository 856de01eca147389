"""Tables for docs/halving.md from a halving-2025 Monte Carlo sweep directory.

Usage: python3 scenarios/data/halving_sweep_table.py runs/mc-halving-2025

Prints, per run, the drawn inputs, the first halving and the TAO recycled by reason up to it;
then P5/P50/P95 (nearest rank, as taosim's quantiles.csv) of each column, and the least-squares
sensitivity of the halving block to each drawn input (all four fitted together; what they
do not explain is mostly the seed's own draws: each subnet's reference burn).
"""
import json
import math
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
runs = []
for p in sorted(root.glob("sweep_point=*/run=*/headline.json"), key=lambda p: int(p.parent.name[4:])):
    h = json.loads(p.read_text())
    first = h["halvings"][0]
    runs.append({
        "seed": h["seed"],
        "drawn": {k: float(v) for k, v in h["drawn"].items()},
        "block": first["block"],
        "date": first["date"],
        "recycled": {k: v / 1e9 for k, v in first["recycled"].items()},
    })

keys = sorted(runs[0]["drawn"])
reasons = sorted({r for run in runs for r in run["recycled"]})
print("| seed | " + " | ".join(keys) + " | halving block | date (UTC) | " + " | ".join(reasons) + " |")
for r in runs:
    cells = [str(r["seed"])] + [f"{r['drawn'][k]:.4g}" for k in keys] + [f"{r['block']:,}", r["date"]]
    cells += [f"{r['recycled'].get(x, 0):,.0f}" for x in reasons]
    print("| " + " | ".join(cells) + " |")


def q(values, p):
    v = sorted(values)
    return v[min(max(math.ceil(p * len(v)), 1), len(v)) - 1]


print()
columns = [("halving block", [r["block"] for r in runs])]
columns += [(x, [r["recycled"].get(x, 0) for r in runs]) for x in reasons]
columns += [("recycled in all", [sum(r["recycled"].values()) for r in runs])]
for name, values in columns:
    print(f"{name}: P5 {q(values, .05):,.0f}  P50 {q(values, .5):,.0f}  P95 {q(values, .95):,.0f}")
dates = sorted(r["date"] for r in runs)
print(f"date: P5 {q(dates, .05)}  P50 {q(dates, .5)}  P95 {q(dates, .95)}  (n={len(runs)})")

# Least squares: block = c + sum_k beta_k * (x_k - mean_k) / sd_k, i.e. blocks per SD of each input.
n = len(runs)
means = {k: sum(r["drawn"][k] for r in runs) / n for k in keys}
sds = {k: math.sqrt(sum((r["drawn"][k] - means[k]) ** 2 for r in runs) / (n - 1)) for k in keys}
X = [[1.0] + [(r["drawn"][k] - means[k]) / sds[k] for k in keys] for r in runs]
y = [float(r["block"]) for r in runs]
m = len(X[0])
A = [[sum(X[i][a] * X[i][b] for i in range(n)) for b in range(m)] + [sum(X[i][a] * y[i] for i in range(n))] for a in range(m)]
for c in range(m):  # Gauss-Jordan
    piv = max(range(c, m), key=lambda r: abs(A[r][c]))
    A[c], A[piv] = A[piv], A[c]
    for r in range(m):
        if r != c:
            f = A[r][c] / A[c][c]
            A[r] = [a - f * b for a, b in zip(A[r], A[c])]
beta = [A[r][m] / A[r][r] for r in range(m)]
res = [y[i] - sum(beta[j] * X[i][j] for j in range(m)) for i in range(n)]
ss_res = sum(e * e for e in res)
ss_tot = sum((v - sum(y) / n) ** 2 for v in y)
print()
print("| input | mean | SD | blocks per SD | days per SD (12 s) |")
for k, b in zip(keys, beta[1:]):
    print(f"| {k} | {means[k]:.4g} | {sds[k]:.3g} | {b:+,.0f} | {b * 12 / 86400:+.1f} |")
print(f"R^2 = {1 - ss_res / ss_tot:.3f}")
