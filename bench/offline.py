"""Offline learning benchmark (issue 6): CRR, ABM, OAC and BC on everything one SAC run stored.

Dataset: the run `bench-dmc:cheetah-run-s0` of bench/learning.py (SAC, 100k env steps on
dmc:cheetah-run, action repeat 2: its training steps from random to trained, and its evaluation
episodes). If the store lacks it, the SAC run is made first with the learning benchmark's flags.

  1. offline: each agent × seed trains `--offline --data <that run>` for --updates gradient updates;
     target: final return ≥ 80% of the SAC run's final evaluation return, and clearly above `bc`.
  2. offline → online: each `oac` run continues with `--resume RUN --online --steps 20000` (the data
     stays a prior source at the default --reuse-ratio of fine-tuning, 0.75); target: the return ends
     above the offline result, no evaluation falls more than 10% below it.
Every evaluation averages 10 episodes.

Runs are real `cairn train --json` subprocesses, two side by side pinned to one core each with a
single-threaded XLA; finished runs are kept under results/offline-runs/ and skipped when re-run.

    python bench/offline.py                        # 4 agents × 3 seeds, then 3 fine-tuning runs
    python bench/offline.py --report-only          # tables and figure from the runs on record
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE / "results" / "offline-runs"
TASK = "dmc:cheetah-run"
DATA_NAME = f"bench-{TASK}-s0"
DATA_FLAGS = ["--action-repeat", "2", "--utd", "2", "--sac.critic-layer-norm", "--steps", "100000",
              "--eval-every", "10000", "--eval-episodes", "5", "--seed", "0"]
AGENTS = ("crr", "abm", "bc", "oac")
ONLINE_STEPS = 20_000
EVAL_EPISODES = 10  # per evaluation, offline and online: the dip criterion compares single evaluations


def cairn(args, core, log, task=TASK):
    """`cairn train` pinned to one core with one XLA thread, or (core "all") on the whole machine."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    pin = []
    if core != "all":
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        pin = ["taskset", "-c", str(core)]
    cmd = [*pin, sys.executable, "-m", "cairn.cli", "train", task, *args, "--json"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(log, "w"), text=True, env=env)


def run_pool(jobs, cores, t0, task=TASK, runs_dir=RUNS, prefix="offline"):
    """jobs: [(name, args)]; runs `cairn train task` with each on ``cores``, writes runs_dir/<name>.json,
    returns {name: summary}."""
    done, queue, running, free = {}, list(jobs), {}, list(cores)
    while queue or running:
        while queue and free:
            core, (name, args) = free.pop(0), queue.pop(0)
            running[core] = (name, cairn(args, core, HERE / "results" / f"{prefix}-{name}.log", task))
            print(f"[{time.time() - t0:6.0f}s] start {name} on core {core}", flush=True)
        time.sleep(2)
        for core, (name, proc) in list(running.items()):
            if proc.poll() is None:
                continue
            del running[core]
            free.append(core)
            out = proc.stdout.read().strip().splitlines()
            if proc.returncode == 130:  # cairn train stopped by a signal: a checkpoint was kept
                print(f"  INTERRUPTED {name}: checkpoint kept; run this again to resume it", flush=True)
                continue
            if proc.returncode != 0 or not out:
                print(f"  FAILED {name} rc={proc.returncode} (see results/{prefix}-{name}.log)", flush=True)
                continue
            summary = json.loads(out[-1])
            runs_dir.mkdir(parents=True, exist_ok=True)
            (runs_dir / f"{name}.json").write_text(json.dumps(summary))
            done[name] = summary
            print(f"[{time.time() - t0:6.0f}s] done  {name}: final {summary['final_eval_return']:.1f}", flush=True)
    return done


def data_run(store):
    from cairn.store import Store

    runs = [r for r in Store(store).runs() if r["run_name"] == DATA_NAME and r["status"] == "finished"]
    return runs[0] if runs else None


def load(name):
    p = RUNS / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", nargs="+", default=list(AGENTS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--updates", type=int, default=24_000)
    ap.add_argument("--eval-every", type=int, default=3_000)
    ap.add_argument("--cores", nargs="+", type=int, default=list(range(min(2, os.cpu_count() or 1))))
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--out", default=str(HERE / "results" / "offline.json"))
    args = ap.parse_args()
    RUNS.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    data = data_run(args.store)
    if data is None and not args.report_only:
        print(f"no finished run {DATA_NAME!r} in {args.store}: training it first (SAC, 100k env steps)", flush=True)
        run_pool([("data", [*DATA_FLAGS, "--store", args.store, "--run-name", DATA_NAME])], args.cores[:1], t0)
        data = data_run(args.store)
    if data is None:
        sys.exit(f"no dataset run {DATA_NAME!r} in {args.store}")
    from cairn.run.metrics import read_csv
    from cairn.store import Store

    data_final = read_csv(Store(args.store).runs_dir / data["run_id"] / "eval.csv")[-1]["mean_return"]
    if not args.report_only:
        common = ["--offline", "--data", data["run_id"], "--action-repeat", "2", "--steps", str(args.updates),
                  "--eval-every", str(args.eval_every), "--eval-episodes", str(EVAL_EPISODES), "--store", args.store]
        jobs = [(f"{a}-s{s}", ["--agent", a, "--seed", str(s), "--run-name", f"bench-offline-{a}-s{s}", *common])
                for s in args.seeds for a in args.agents if load(f"{a}-s{s}") is None]
        run_pool(jobs, args.cores, t0)
        online = [(f"oac-online-s{s}", ["--resume", load(f"oac-s{s}")["run_id"], "--online", "--steps",
                                        str(ONLINE_STEPS), "--eval-every", "2000", "--eval-episodes", str(EVAL_EPISODES),
                                        "--store", args.store])
                  for s in args.seeds if load(f"oac-s{s}") and load(f"oac-online-s{s}") is None]
        run_pool(online, args.cores, t0)
    report(args, data, data_final)


def report(args, data, data_final):
    import numpy as np

    from cairn.report import build_report
    from cairn.store import Store

    rows, target = {}, 0.8 * data_final
    for a in args.agents:
        runs = [load(f"{a}-s{s}") for s in args.seeds]
        runs = [r for r in runs if r]
        if not runs:
            continue
        finals = [r["final_eval_return"] for r in runs]
        last3 = [float(np.mean([v for _, v in r["eval_curve"][-3:]])) for r in runs]
        rows[a] = {"seeds": len(runs), "final_per_seed": finals, "final_mean": float(np.mean(finals)),
                   "last3_per_seed": last3, "last3_mean": float(np.mean(last3)),
                   "best_mean": float(np.mean([r["best_eval_return"] for r in runs])),
                   "updates": runs[0]["updates"], "fraction_of_data_run": float(np.mean(finals)) / data_final,
                   "meets_80_percent": bool(np.mean(finals) >= target),
                   "run_ids": [r["run_id"] for r in runs]}
    online = []
    for s in args.seeds:
        off, on = load(f"oac-s{s}"), load(f"oac-online-s{s}")
        if not (off and on):
            continue
        start = off["final_eval_return"]
        returns = [v for _, v in on["eval_curve"]]
        online.append({"seed": s, "offline_final": start, "online_curve": on["eval_curve"],
                       "reuse_ratio": on.get("reuse_ratio"),
                       "online_final": returns[-1], "lowest": min(returns),
                       "worst_drop_percent": round(100 * max(0.0, (start - min(returns)) / abs(start)), 1),
                       "ends_higher": returns[-1] > start, "no_collapse": min(returns) >= 0.9 * start})
    out = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
           "task": TASK, "eval_episodes": EVAL_EPISODES, "data_run": data["run_id"], "data_final_return": data_final, "target_return": target,
           "agents": rows, "offline_to_online": online}
    Path(args.out).write_text(json.dumps(out, indent=2))
    ids = [i for r in rows.values() for i in r["run_ids"]]
    if ids:
        build_report(Store(args.store), ids, group_by="agent", out=str(HERE / "results" / "offline-cheetah-run"),
                     title=f"offline learning from one SAC run's data ({TASK}; data run final {data_final:.0f})")
        import shutil

        shutil.copy(HERE / "results" / "offline-cheetah-run" / "curves.png", HERE.parent / "docs" / "img" / "offline-cheetah-run.png")
    print(f"data run {data['run_id']}: final {data_final:.1f}; 80% = {target:.1f}")
    for a, r in rows.items():
        print(f"  {a:4s} final {r['final_mean']:7.1f} ({', '.join(f'{v:.0f}' for v in r['final_per_seed'])}) "
              f"= {100 * r['fraction_of_data_run']:.0f}% of the data run  {'OK' if r['meets_80_percent'] else 'short'}"
              f"; mean of the last 3 evaluations {r['last3_mean']:.1f}")
    for o in online:
        print(f"  oac seed {o['seed']} online: {o['offline_final']:.0f} → {o['online_final']:.0f} "
              f"(lowest {o['lowest']:.0f}, worst drop {o['worst_drop_percent']}%)")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
