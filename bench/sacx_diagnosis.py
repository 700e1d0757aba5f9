"""Critic values of SAC-X's intentions on the sparse lift, with and without a LayerNorm critic (issue 5).

With sparse 0/1 rewards and γ = 0.99 no Q-value can exceed 1/(1 − γ) = 100 (the entropy bonus is
negative once the policy's entropy is below zero), so a mean Q above that is divergence, not belief.
This script reads the metrics and evaluations of finished `cairn train` runs (any store) and writes
the per-intention mean Q at fixed env steps, and the evaluation returns, to results/sacx-diagnosis.json.

    python bench/sacx_diagnosis.py LABEL=RUN_DIR [LABEL=RUN_DIR ...] [--out FILE]   # FILE under results/
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AT = (10_000, 20_000, 30_000, 40_000, 60_000, 80_000, 100_000, 140_000, 170_000)


def summarise(run_dir: Path) -> dict:
    rows = list(csv.DictReader(open(run_dir / "metrics.csv")))
    config = json.loads((run_dir / "config.json").read_text())
    intentions = [k.split("/", 1)[1] for k in rows[0] if k.startswith("q_mean/")]
    q = {}
    for step in AT:
        near = [r for r in rows if abs(float(r["env_step"]) - step) <= 1000]
        if near:
            q[step] = {i: round(float(near[0][f"q_mean/{i}"]), 1) for i in intentions}
    evals = list(csv.DictReader(open(run_dir / "eval.csv")))
    return {
        "run": run_dir.name,
        "gamma": config["sacx"]["gamma"],
        "intentions": intentions,
        "flags": {"critic_layer_norm": config["sacx"]["critic_layer_norm"],
                  "target_entropy": config["sacx"]["target_entropy"], "seed": config["seed"]},
        "q_mean": q,
        "eval": [{k: round(float(v), 2) for k, v in e.items() if k == "env_step" or k.startswith("return/")
                  or k in ("mean_return", "success_rate")} for e in evals],
    }


def main():
    args = sys.argv[1:]
    out_name = "sacx-diagnosis.json"
    if "--out" in args:
        i = args.index("--out")
        out_name, args = args[i + 1], args[:i] + args[i + 2:]
    runs = dict(a.split("=", 1) for a in args)
    summaries = {label: summarise(Path(d)) for label, d in runs.items()}
    gammas = {s["gamma"] for s in summaries.values()}
    if len(gammas) != 1:
        sys.exit(f"the runs use different discounts {sorted(gammas)}: one value ceiling cannot cover them")
    out = {"date": time.strftime("%Y-%m-%d"), "gamma": gammas.pop(), "runs": summaries}
    (HERE / "results" / out_name).write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
