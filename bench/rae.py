"""Replay across Experiments on dmc:cheetah-run: a run from scratch, then a run that reuses it.

For each seed, the scratch run is the one `bench/learning.py` made (run name
`bench-dmc:cheetah-run-s<seed>`, recorded in bench/results/store); this script starts a second
100k-step run with `--reuse <that run>` (50/50 batches, fresh networks, same flags, the
1000-step random warm-up of --reuse) and reports
the env steps the reuse run needs to reach the scratch run's final return, and its own final return.
It waits for scratch runs that are still training, skips seeds whose reuse run is already in the
store (running or finished), and reads every result back from the store (eval.csv of each run).

    python bench/rae.py               # SAC, seeds 0 1 2 → bench/results/rae.json, docs/img/rae-cheetah-run.png
    python bench/rae.py --agent dmpo  # DMPO (the RaE paper's agent) → rae-dmpo.json, rae-dmpo-cheetah-run.png
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
sys.path.insert(0, str(HERE))
from learning import EVAL_EVERY, RUNS, job_flags, run_stem  # noqa: E402

TASK = "dmc:cheetah-run"
STEPS = 100_000
# Episodes per evaluation of the reuse runs. 10, not the scratch runs' 5: the criterion reads single
# evaluations, and one flipped episode among 5 moved a cheetah evaluation by −70 (301 ± 114 at 30k).
EVAL_EPISODES = 10


def launch(agent, seed, scratch, store):
    env = dict(os.environ, XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    # niced: when sharing the machine with scratch runs still training, those go first (they gate later pairs)
    cmd = ["nice", "-n", "10", sys.executable, "-m", "cairn.cli", "train", TASK, "--agent", agent, "--steps", str(STEPS),
           "--seed", str(seed + 100), "--eval-every", str(EVAL_EVERY[TASK]), "--eval-episodes", str(EVAL_EPISODES),
           *job_flags(agent, TASK), "--store", store, "--reuse", scratch["run_id"], "--reuse-ratio", "0.5",
           "--run-name", run_name(agent, seed), "--json"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log_path(agent, seed), "w"), env=env)


def log_path(agent, seed) -> Path:
    """Where a reuse run's stderr goes."""
    return HERE / "results" / f"rae-{'' if agent == 'sac' else agent + '-'}s{seed}.log"


def run_name(agent, seed):
    return f"bench-rae-{TASK}-s{seed}" if agent == "sac" else f"bench-rae-{agent}-{TASK}-s{seed}"


def steps_to_reach(curve, value):
    return next((s for s, v in curve if v >= value), None)


def stored_run(store, agent, seed, scratch_id):
    """The reuse run of ``seed`` built on the scratch run ``scratch_id`` (newest of that name), with its
    status and eval curve. A reuse run of an older scratch run (made with other flags) does not count."""
    from cairn.run.metrics import read_csv

    runs = [r for r in store.runs() if r["run_name"] == run_name(agent, seed) and r["reuse"] == scratch_id]
    if not runs:
        return None
    r = max(runs, key=lambda r: r["run_id"])
    path = store.runs_dir / r["run_id"]
    r["eval_curve"] = [[int(e["env_step"]), e["mean_return"]] for e in read_csv(path / "eval.csv")]
    r["final_eval_return"] = r["eval_curve"][-1][1] if r["eval_curve"] else None
    return r


def main():
    from cairn.run.config import TrainConfig
    from cairn.store import Store

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--agent", default="sac", help="sac, mpo or dmpo (its scratch runs come from bench/learning.py)")
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    args = ap.parse_args()
    store = Store(args.store)
    procs = {}
    while True:
        waiting = False
        for seed in args.seeds:
            f = RUNS / f"{run_stem(args.agent, TASK, seed)}.json"
            if not f.exists():
                waiting = True  # its scratch run is still training
                continue
            scratch_id = json.loads(f.read_text())["run_id"]
            if not (store.runs_dir / scratch_id).exists():
                sys.exit(f"seed {seed}: its scratch run {scratch_id} ({f.name}) is not in {args.store}; rerun it with "
                         f"`python bench/learning.py --agent {args.agent} --tasks {TASK}:{STEPS} --seeds {seed}`")
            if seed in procs and procs[seed].poll() not in (None, 0):
                sys.exit(f"seed {seed}: the reuse run failed (exit {procs[seed].returncode}); see "
                         f"{log_path(args.agent, seed)}")
            existing = stored_run(store, args.agent, seed, scratch_id)
            if existing is not None and existing["status"] in ("running", "finished"):
                waiting |= existing["status"] == "running"
                continue
            if sum(p.poll() is None for p in procs.values()) < args.jobs and seed not in procs:
                scratch = json.loads(f.read_text())
                procs[seed] = launch(args.agent, seed, scratch, args.store)
                print(f"start reuse run, seed {seed}, prior {scratch['run_id']}", flush=True)
                time.sleep(20)  # let it register in the store
            waiting = True
        if not waiting:
            break
        time.sleep(10)
    pairs = []
    for seed in args.seeds:
        scratch = json.loads((RUNS / f"{run_stem(args.agent, TASK, seed)}.json").read_text())
        reuse = stored_run(store, args.agent, seed, scratch["run_id"])
        target = scratch["final_eval_return"]
        reached = steps_to_reach(reuse["eval_curve"], target)
        pairs.append({"seed": seed, "scratch": scratch, "reuse": reuse, "scratch_final": target,
                      "reuse_final": reuse["final_eval_return"], "reuse_steps_to_scratch_final": reached,
                      "fraction_of_budget": None if reached is None else reached / STEPS,
                      "ends_higher": reuse["final_eval_return"] > target})
        print(json.dumps({k: v for k, v in pairs[-1].items() if k not in ("scratch", "reuse")}), flush=True)
    report = {"date": time.strftime("%Y-%m-%d"), "agent": args.agent, "task": TASK, "steps": STEPS,
              "flags": job_flags(args.agent, TASK),
              "reuse_ratio": 0.5, "reuse_warmup": TrainConfig(TASK, reuse="any").warmup_steps,  # the --reuse default
              "eval_episodes": EVAL_EPISODES, "pairs": pairs,
              "passed": bool(pairs) and all(p["fraction_of_budget"] is not None and p["fraction_of_budget"] <= 1 / 3
                                            and p["ends_higher"] for p in pairs)}
    suffix = "" if args.agent == "sac" else f"-{args.agent}"
    (HERE / "results" / f"rae{suffix}.json").write_text(json.dumps(report, indent=1))
    plot(store, pairs, HERE.parent / "docs" / "img" / f"rae{suffix}-cheetah-run.png", args.agent)
    print(f"passed: {report['passed']}")


def plot(store, pairs, path: Path, agent: str):
    """The figure comes from `cairn report` (scratch vs reuse runs, mean and bootstrap band across seeds)."""
    import shutil

    from cairn.report import build_report

    ids = [p["scratch"]["run_id"] for p in pairs] + [p["reuse"]["run_id"] for p in pairs]
    target = sum(p["scratch_final"] for p in pairs) / len(pairs)
    report = build_report(store, ids, group_by="reuse", threshold=target, out=str(HERE / "results" / path.stem),
                          title=f"Replay across Experiments, {TASK}, {len(pairs)} seeds ({agent.upper()})")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(report["files"]["png"], path)
    print(f"wrote {path} (report: {report['files']['html']})")


if __name__ == "__main__":
    main()
