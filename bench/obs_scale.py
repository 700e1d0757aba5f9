"""Observation scaling on the block world: single-task SAC on `cairn:reach-shaped`, with the env's observation
scale (the default since 2026-12-05: positions in decimetres, finger opening ×20) and without it
(`--no-scale-observations`), same seeds, two runs side by side pinned to one core each.

    python bench/obs_scale.py                      # seeds 0 1, 30k env steps each (about 10 min)
    python bench/obs_scale.py --seeds 2 --keep     # add a seed to results/obs-scale-trials.json

Per run: the evaluations (10 episodes every 10k env steps: return and final-step reach success) and, from the
stored training steps (one DuckDB query), the share of steps with the sparse reach at 1 per 10k window.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from offline import HERE, run_pool

TASK = "cairn:reach-shaped"
FLAGS = ["--agent", "sac", "--sac.critic-layer-norm", "--eval-every", "10000", "--eval-episodes", "10"]
VARIANTS = {"scaled": [], "raw": ["--no-scale-observations"]}
OUT = HERE / "results" / "obs-scale-trials.json"


def reach_share(store: str, run_id: str, window: int = 10_000) -> list[dict]:
    """Share of training steps with the sparse reach at 1, per ``window`` env steps."""
    from cairn.store import Store

    con = Store(store).connect()
    reward_names = con.execute("SELECT reward_names FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]
    k = list(reward_names).index("reach_sparse") + 1  # DuckDB lists are 1-based
    rows = con.execute(f"""SELECT (env_step - 1) // {window} * {window} AS w, count(*), avg(reward[{k}])
                           FROM steps WHERE run_id = ? AND NOT is_eval GROUP BY w ORDER BY w""", [run_id]).fetchall()
    return [{"from": int(w), "steps": int(n), "reach": round(float(v), 4)} for w, n, v in rows]


def main():
    from cairn.run.metrics import read_csv
    from cairn.run.rundir import RunDir

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("--steps", type=int, default=30_000)
    ap.add_argument("--cores", nargs="+", type=int, default=list(range(min(2, os.cpu_count() or 1))))
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--keep", action="store_true", help="add to the runs already in the results file")
    args = ap.parse_args()
    jobs = [(f"{v}-s{s}", [*FLAGS, *extra, "--steps", str(args.steps), "--seed", str(s), "--store", args.store,
                           "--run-name", f"bench-obs-scale-{v}-s{s}"])
            for s in args.seeds for v, extra in VARIANTS.items()]
    done = run_pool(jobs, args.cores, time.time(), task=TASK, runs_dir=HERE / "results" / "obs-scale-runs",
                    prefix="obs-scale")
    old = json.loads(OUT.read_text()) if args.keep and OUT.exists() else {}
    runs = old.get("runs", {})
    for name, summary in done.items():
        ev = read_csv(RunDir.find(args.store, summary["run_id"]).path / "eval.csv")
        runs[name] = {"run_id": summary["run_id"], "seed": summary["seed"],
                      "eval": [{"env_step": int(e["env_step"]), "return": round(e["mean_return"], 1),
                                "success_rate": e.get("success_rate")} for e in ev],
                      "train_reach_share": reach_share(args.store, summary["run_id"])}
    out = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores; one core per run",
           "command": f"python bench/obs_scale.py --seeds {' '.join(map(str, args.seeds))}", "task": TASK,
           "flags": " ".join(FLAGS), **{k: v for k, v in old.items() if k not in ("runs", "date", "command")},
           "runs": dict(sorted(runs.items(), key=lambda kv: (kv[1]["seed"], kv[0])))}
    OUT.write_text(json.dumps(out, indent=1))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
