"""Learning benchmark: `cairn train` on dm_control tasks, several seeds, against the issue's targets.

Runs each (task, seed) as a real `cairn train --json` subprocess. On a 2-core machine two runs go
side by side, each pinned to one core with a single-threaded XLA (≈1.45× the throughput of one
two-threaded run); timings of these runs are therefore not speed figures — see bench/speed.py.

    python bench/learning.py                      # the issue's targets: cartpole-swingup 50k, cheetah-run 100k, 3 seeds
    python bench/learning.py --tasks dmc:cartpole-swingup:50000 --seeds 0 1 2 --jobs 2
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
RUNS = HERE / "results" / "learning-runs"
TARGETS = {  # task -> (env steps, return to reach, how it is judged)
    "dmc:cartpole-swingup": (50_000, 750.0, "within"),
    "dmc:cheetah-run": (100_000, 330.0, "at"),
}
EVAL_EVERY = {"dmc:cartpole-swingup": 5_000, "dmc:cheetah-run": 10_000}
# Per-task settings (env steps count simulator steps, action repeat included, as in ANCHORS.md).
# cartpole: action repeat 8, the PlaNet/DrQ convention. cheetah-run: action repeat 2 with 2 updates
# per decision (so one update per simulator step) and LayerNorm critics, as in the SimBa repo's setup;
# action repeat 4 with 1 update per decision stalled near 150 at 80k steps in our first trial.
TASK_FLAGS = {
    "dmc:cartpole-swingup": ["--action-repeat", "8"],
    "dmc:cheetah-run": ["--action-repeat", "2", "--utd", "2", "--sac.critic-layer-norm"],
}


def run_job(task, steps, seed, core, store, extra):
    env = dict(os.environ, XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
               PYTHONUNBUFFERED="1")
    cmd = ["taskset", "-c", str(core), sys.executable, "-m", "cairn.cli", "train", task, "--steps", str(steps),
           "--seed", str(seed), "--eval-every", str(EVAL_EVERY.get(task, 10_000)), "--eval-episodes", "5",
           *TASK_FLAGS.get(task, []),
           "--store", store, "--run-name", f"bench-{task}-s{seed}", "--json", *extra]
    log = open(HERE / "results" / f"learning-{task.replace(':', '_')}-s{seed}.log", "w")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", nargs="+", default=[f"{t}:{s}" for t, (s, _, _) in TARGETS.items()],
                    help="TASK:STEPS entries, e.g. dmc:cheetah-run:100000")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--out", default=str(HERE / "results" / "learning.json"))
    ap.add_argument("extra", nargs=argparse.REMAINDER, help="extra `cairn train` flags after --")
    args = ap.parse_args()
    extra = [a for a in args.extra if a != "--"]
    queue = []
    for t in args.tasks:
        task, _, steps = t.rpartition(":")
        queue += [(task, int(steps), s) for s in args.seeds]
    queue.sort(key=lambda j: j[1])  # short jobs first
    running, results = {}, []
    free = list(range(args.jobs))
    t0 = time.time()
    while queue or running:
        while queue and free:
            core = free.pop(0)
            job = queue.pop(0)
            running[core] = (job, run_job(*job, core, args.store, extra))
            print(f"[{time.time() - t0:7.0f}s] start {job[0]} seed {job[2]} ({job[1]} steps) on core {core}", flush=True)
        time.sleep(2)
        for core, (job, proc) in list(running.items()):
            if proc.poll() is None:
                continue
            out = proc.stdout.read().strip().splitlines()
            del running[core]
            free.append(core)
            if proc.returncode != 0 or not out:
                print(f"  FAILED {job} rc={proc.returncode}", flush=True)
                continue
            summary = json.loads(out[-1])
            summary["flags"] = TASK_FLAGS.get(job[0], []) + extra
            results.append(summary)
            RUNS.mkdir(parents=True, exist_ok=True)
            (RUNS / f"{job[0].replace(':', '_')}-s{job[2]}.json").write_text(json.dumps(summary))
            print(f"[{time.time() - t0:7.0f}s] done  {job[0]} seed {job[2]}: final {summary['final_eval_return']:.1f} "
                  f"best {summary['best_eval_return']:.1f}", flush=True)
    # aggregate every finished run on record (earlier invocations for other tasks included)
    results = [json.loads(p.read_text()) for p in sorted(RUNS.glob("*.json"))]
    report = {"date": time.strftime("%Y-%m-%d"), "task_flags": TASK_FLAGS, "machine": f"{platform.node()} {platform.processor()} "
              f"{os.cpu_count()} cores", "runs": results, "tasks": {}}
    for task in sorted({r["env"] for r in results}):
        runs = [r for r in results if r["env"] == task]
        steps = sorted({s for r in runs for s, _ in r["eval_curve"]})
        curve = [[s, sum(dict(map(tuple, r["eval_curve"])).get(s, float("nan")) for r in runs) / len(runs)] for s in steps]
        target = TARGETS.get(task)
        final = sum(r["final_eval_return"] for r in runs) / len(runs)
        entry = {"seeds": [r["seed"] for r in runs], "final_mean": final,
                 "final_per_seed": [r["final_eval_return"] for r in runs], "mean_curve": curve}
        if target:
            budget, goal, how = target
            within = [s for s, v in curve if s <= budget and v >= goal]
            entry.update(target=goal, budget=budget, judged=how, first_step_reaching=within[0] if within else None,
                         passed=bool(within) if how == "within" else final >= goal)
        report["tasks"][task] = entry
        print(json.dumps({task: {k: v for k, v in entry.items() if k != "mean_curve"}}), flush=True)
    Path(args.out).write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
