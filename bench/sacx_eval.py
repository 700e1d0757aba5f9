"""Large evaluations of `cairn:lift` runs' latest checkpoints: success rate with its 95% interval.

The training loop evaluates 10 episodes every 20k steps; one such evaluation of a policy that lifts in a
third of the episodes reads anywhere from 0% to 70%. This runs `cairn eval RUN --episodes N --seed S` (the
same start states for every run) and appends each result to results/sacx-eval.json, keyed by run name and
env steps.

    python bench/sacx_eval.py trial-sacx-v7gpi-s0 bench-sacx-sacx-v6-s0 --episodes 60
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="run names or ids")
    ap.add_argument("--episodes", type=int, default=60)
    ap.add_argument("--seed", type=int, default=99, help="seed of the evaluation env (its start states)")
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--core", type=int, default=None, help="pin to this core (one XLA thread)")
    ap.add_argument("--out", default=str(HERE / "results" / "sacx-eval.json"))
    args = ap.parse_args()
    out = Path(args.out)
    kept = json.loads(out.read_text()) if out.exists() else {"results": []}
    env = dict(os.environ, XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    pin = ["taskset", "-c", str(args.core)] if args.core is not None else []
    for run in args.runs:
        cmd = [*pin, sys.executable, "-m", "cairn.cli", "eval", run, "--store", args.store,
               "--episodes", str(args.episodes), "--seed", str(args.seed), "--json"]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if p.returncode:
            sys.exit(f"cairn eval {run} failed: {p.stderr.strip().splitlines()[-1]}")
        r = json.loads(p.stdout.strip().splitlines()[-1])
        row = {"run": run, "run_id": r["run_id"], "env_steps": r["env_steps"], "episodes": r["episodes"],
               "seed": args.seed, "success_rate": round(r["success_rate"], 4),
               "success_interval": [round(x, 4) for x in r["success_interval"]],
               "mean_return": round(r["mean_return"], 1), "date": time.strftime("%Y-%m-%d")}
        kept["results"] = [k for k in kept["results"]
                           if (k["run"], k["env_steps"], k["episodes"], k["seed"]) != (run, row["env_steps"],
                                                                                       row["episodes"], row["seed"])]
        kept["results"].append(row)
        low, high = row["success_interval"]
        print(f"{run} at {row['env_steps']}: success {row['success_rate']:.0%} ({low:.0%}–{high:.0%}) "
              f"over {row['episodes']} episodes", flush=True)
    out.write_text(json.dumps(kept, indent=1) + "\n")


if __name__ == "__main__":
    main()
