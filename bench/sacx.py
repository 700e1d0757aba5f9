"""SAC-X vs SAC on the sparse block-world lift (issue 5).

`cairn:lift` with sparse rewards: SAC-X (SAC-Q scheduler; main intention lift on the sparse reward,
auxiliary intentions on the shaped reach, touch and lift channels) against
single-task SAC on the sparse lift reward, same budget and network sizes, several seeds. Target:
SAC-X ≥ 80% lift success within 300k env steps where SAC does not. Runs are `cairn train --json`
subprocesses, two side by side pinned to one core each; finished runs are kept under
results/sacx-runs/ (with their evaluation tables) and skipped when re-run; results/sacx.json and the
figure docs/img/sacx-lift.png are built from all of them.
A 300k-step SAC-X run takes about 4 h of one core (20 env steps/s with four intentions; shared
torsos, `--agents sacxshared`, about 2 h on one core, 1.7 h with `--cores all`): a run cut off (a session ending) resumes from its
last checkpoint (every 25k steps) when the script is started again, and a run that finished a smaller
--steps is extended to the new one.

    python bench/sacx.py                                   # 300k steps, seeds 0 1 2, both agents
    python bench/sacx.py --steps 20000 --seeds 0           # a smoke run
    python bench/sacx.py --agents sacx --snapshot          # keep the unfinished runs' evaluations so far

`--snapshot` (no training) writes a summary of each unfinished run in the store (its evaluations so far,
status "in progress") to results/sacx-runs/, so that the figure and the docs show it dashed, and so that
its evaluations survive a session whose store does not: run it before a session ends.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from offline import HERE, run_pool

RUNS = HERE / "results" / "sacx-runs"
TASK = "cairn:lift"
# The main task (lift) is sparse for both agents: its reward, success and evaluation. SAC-X's
# auxiliary intentions learn from the shaped channels that every block-world step carries (the paper's
# auxiliaries include dense ones): with the sparse `reach` and `touch` intentions nothing was learned in
# 180k steps. Both agents use a LayerNorm critic: in a 20k-step trial it took the `reach_shaped`
# intention's evaluation return to 95 (of 200) where the plain critic had 9.
# Run names carry the version, per agent: v1 (sparse auxiliaries, six channels); v2 (shaped auxiliaries,
# LayerNorm critics); v3 (2026-11-25): the block world's `reach_shaped` channel gained a workspace-wide
# term (cairn/envs/blocks.py, REACH_MARGINS), so SAC-X's v2 runs cannot be resumed as v3. Single-task SAC
# learns from the sparse lift channel alone, which v3 did not change: its v2 runs stand.
# v4 (2026-11-25): v3's runs showed only the reach intention bringing the gripper to the block from the
# episode start (bench/sacx_behaviour.py); the lift intention lifted from near the block but seldom acted
# from the start states it is evaluated on, and its sparse reward reached those states one step per
# backup. So half the episodes open with the main intention (`--sacx.main-first 0.5`) and the critics'
# targets sum 5 steps of reward (`--sacx.n-step 5`, uncorrected, as D4PG's).
# v5 (2026-11-25): v4's lift intention opened half the episodes but did not approach the block from there,
# while `reach_shaped` did. The touch and lift intentions become staged rewards, sums of stored channels
# (composite intentions): grasp = reach then touch, lift_staged = reach, touch, then lift, as
# rgb_stacking's staged rewards. The block world's channels are unchanged; the main task stays sparse.
# v6 (2026-12-05): v5's flags, with the block world's observations scaled for the networks (positions in
# decimetres, finger opening ×20; EnvSpec.observation_scale, on by default since then): centimetre
# differences had been inputs of a few hundredths, and single-task SAC on reach-shaped reached the block
# on 20–54% of its training steps from 10k to 30k with the scale, 5–10% without (bench/obs_scale.py).
# v7 (2026-12-05): v6's flags with generalised policy improvement for the main intention (`--sacx.gpi`):
# in the trial runs it approached the block from the start states, which v3–v6's main intention never
# learned to do, and seed 0's policy lifted in 35% of 60 evaluation episodes at 186k (v6 seed 0: 12% at 239k;
# bench/sacx_eval.py). Its seeds 0 and 1 are those trial runs (ADOPTED: the same flags, begun as trials).
# SAC v3 (abandoned): v2's flags with the observation scale of v6; its seed 0 (`bench-sacx-sac-v3-s0`,
# reward_version 2) was stopped at 22k on 2026-12-05 when the block world's grasps were found to slip
# (reward_version 4). SAC v4 (planned): v2's flags on reward_version 4 with the observation scale, the
# baseline for a SAC-X version on that env; VERSIONS stays at v2 (0% at 300k on three seeds) until then.
VERSIONS = {"sacx": "v7", "sacxshared": "v6", "sac": "v2"}
# Store run names of benchmark runs begun as trials under another name (benchmark name -> store run name).
ADOPTED = {"sacx-v7-s0": "trial-sacx-v7gpi-s0", "sacx-v7-s1": "trial-sacx-v7gpi-s1"}
STAGED = ["reach_shaped", "grasp=0.5*reach_shaped+0.5*touch_shaped",
          "lift_staged=0.25*reach_shaped+0.25*touch_shaped+0.5*lift_shaped"]
FLAGS = {
    "sacx": ["--agent", "sacx", "--sacx.intentions", *STAGED,
             "--sacx.critic-layer-norm", "--sacx.n-step", "5", "--sacx.main-first", "0.5", "--sacx.gpi"],
    "sac": ["--agent", "sac", "--sac.critic-layer-norm"],
}
# The paper's network layout: one actor torso and one critic torso shared by the intentions. It costs
# about half the separate networks' time per update (bench/sacx_speed.py), so that a 300k-step run fits
# in one session of the 2-core machine (its store does not outlive the session).
FLAGS["sacxshared"] = [*[f for f in FLAGS["sacx"] if f != "--sacx.gpi"], "--sacx.shared-torso"]  # GPI: separate nets


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300_000)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--agents", nargs="+", default=["sacx", "sac"])
    ap.add_argument("--eval-every", type=int, default=20_000)
    ap.add_argument("--cores", nargs="+", default=list(range(min(2, os.cpu_count() or 1))),
                    help="cores to pin one run each to, or `all`: one run at a time on the whole machine")
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--snapshot", action="store_true",
                    help="train nothing: keep the evaluations so far of the unfinished runs, then rebuild the results")
    ap.add_argument("--out", default=str(HERE / "results" / "sacx.json"))
    args = ap.parse_args()
    t0 = time.time()

    def name(a, s):
        return f"{a}-{VERSIONS[a]}-s{s}"

    def store_name(a, s):
        return ADOPTED.get(name(a, s), f"bench-sacx-{name(a, s)}")

    def job(a, s):
        """A new run, or the continuation of one a killed session left behind (its last checkpoint), or
        the extension of a finished shorter one: runs this long need several sessions of a 2-core machine."""
        common = ["--steps", str(args.steps), "--eval-every", str(args.eval_every), "--store", args.store]
        if existing(a, s):
            return name(a, s), ["--resume", store_name(a, s), *common]
        return name(a, s), [*FLAGS[a], *common, "--seed", str(s), "--eval-episodes", "10",
                            "--run-name", f"bench-sacx-{name(a, s)}"]

    def existing(a, s):
        from cairn.run.rundir import RunDir, RunNotFoundError

        try:
            return RunDir.find(args.store, store_name(a, s)).checkpoint_path.exists()
        except RunNotFoundError:
            return False

    def done(a, s):
        p = RUNS / f"{name(a, s)}.json"
        return p.exists() and json.loads(p.read_text())["env_steps"] >= args.steps

    if args.snapshot:
        for a in args.agents:
            for s in args.seeds:
                if not done(a, s) and existing(a, s):
                    snapshot(args.store, name(a, s), store_name(a, s))
        write_results(args.steps, Path(args.out))
        return
    jobs = [job(a, s) for s in args.seeds for a in args.agents if not done(a, s)]
    finished = run_pool(jobs, args.cores, t0, task=TASK, runs_dir=RUNS, prefix="sacx")
    for run_name, summary in finished.items():  # keep the evaluation rows with the summary: the store
        summary["eval_rows"] = eval_rows(Path(summary["run_dir"]) / "eval.csv")  # does not outlive a session
        (RUNS / f"{run_name}.json").write_text(json.dumps(summary))
    write_results(args.steps, Path(args.out))


def snapshot(store: str, name: str, run_name: str):
    """results/sacx-runs/<name>.json for an unfinished run: its evaluations so far (status "in progress")."""
    from cairn.run.rundir import RunDir

    run = RunDir.find(store, run_name)
    meta, rows = run.read_meta(), eval_rows(run.path / "eval.csv")
    if not rows:
        print(f"{name}: no evaluation yet")
        return
    last = rows[-1]
    summary = {"run_id": meta["run_id"], "run_name": run_name, "run_dir": str(run.path), "env": meta["env"],
               "agent": meta["agent"], "seed": meta["seed"], "status": "in progress",
               "env_steps": int(last["env_step"]), "final_eval_return": last.get("mean_return"),
               "final_success_rate": last.get("success_rate"),
               "note": f"unfinished, evaluated to {int(last['env_step']) // 1000}k ({time.strftime('%Y-%m-%d')}); "
                       f"`python bench/sacx.py` resumes it from its last checkpoint while the store is kept",
               "eval_rows": rows}
    RUNS.mkdir(parents=True, exist_ok=True)
    (RUNS / f"{name}.json").write_text(json.dumps(summary))
    print(f"{name}: kept {len(rows)} evaluations to {summary['env_steps']} env steps")


def eval_rows(path: Path) -> list[dict]:
    """A run's evaluation table (env step, main-task return and success, each intention's return), empty
    cells left out."""
    from cairn.run.metrics import read_csv

    return [{k: v for k, v in row.items() if v is not None} for row in read_csv(path)]


def success_curve(rows: list[dict]) -> list[list]:
    """[[env step, main-task success rate], ...] from a run's evaluation rows."""
    return [[int(e["env_step"]), e.get("success_rate", 0.0)] for e in rows]


def kept_runs(agent: str) -> list[dict]:
    """Every run summary of ``agent`` kept under results/sacx-runs/, each with its ``version`` (from its file
    name) and ``lost`` (a run whose store was lost before it finished; the seed was started again)."""
    found = []
    for p in sorted(RUNS.glob(f"{agent}-v*-s*.json")) + sorted(RUNS.glob(f"lost-{agent}-v*-s*.json")):
        version = p.stem.removeprefix("lost-").removeprefix(f"{agent}-").split("-")[0]
        found.append({**json.loads(p.read_text()), "version": version, "lost": p.stem.startswith("lost-")})
    return found


def write_results(steps: int, out: Path):
    """results/sacx.json and the figure from every finished run kept under results/sacx-runs/ (all agents
    and seeds of their VERSIONS entry that reached ``steps``, whichever invocation ran them)."""
    rows, stopped = {}, {}
    for a in FLAGS:
        # this version's runs first, then earlier versions' (drawn grey); lost runs after the others of their version
        kept = sorted(kept_runs(a), key=lambda r: (r["version"] != VERSIONS[a], r["lost"], r["version"], r["seed"]))
        runs = [r for r in kept if r["version"] == VERSIONS[a] and not r["lost"] and r["env_steps"] >= steps]
        stopped[a] = [r for r in kept if r not in runs]  # ended early (a session's end), lost, or an earlier version
        if not runs:
            continue
        rows[a] = {"seeds": [r["seed"] for r in runs], "final_success_rate": [r.get("final_success_rate") for r in runs],
                   "final_return": [r["final_eval_return"] for r in runs], "run_ids": [r["run_id"] for r in runs],
                   "env_steps": runs[0]["env_steps"], "wall_seconds": [r["wall_seconds"] for r in runs]}
        rows[a]["success_curves"] = [success_curve(r.get("eval_rows", [])) for r in runs]  # per seed
        print(f"{a:10s} seeds {rows[a]['seeds']}  success {rows[a]['final_success_rate']}  "
              f"return {[round(v, 1) for v in rows[a]['final_return']]}")
    partial = {a: [r for r in rs if r.get("eval_rows")] for a, rs in stopped.items()}
    result = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
              "task": TASK, "steps": steps, "versions": VERSIONS, "flags": {a: " ".join(FLAGS[a]) for a in FLAGS if a in rows or partial.get(a)},
              "agents": rows}
    result["stopped_early"] = {a: [{"seed": r["seed"], "env_steps": r["env_steps"], "status": r.get("status", ""),
                                    "version": r["version"], "note": r.get("note", ""),
                                    "success_curve": success_curve(r["eval_rows"])}
                                   for r in rs] for a, rs in partial.items() if rs}
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    curves = {a: row["success_curves"] for a, row in rows.items()}
    if any(c for cs in curves.values() for c in cs) or result["stopped_early"]:
        plot(curves, partial, HERE.parent / "docs" / "img" / "sacx-lift.png")


def plot(curves: dict, partial: dict, path: Path):
    """Main-task (sparse lift) success rate against env steps: one thin line per seed, the mean thick, runs
    stopped before the budget dashed. ``curves``: agent -> per seed [[env step, success], ...]; ``partial``:
    agent -> summaries of runs that ended early (with their ``eval_rows``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5))
    for i, (agent, runs) in enumerate(curves.items()):
        color = f"C{i}"
        runs = [r for r in runs if r]
        for r in runs:
            ax.plot([s for s, _ in r], [v for _, v in r], color=color, alpha=0.35, lw=1)
        steps = sorted(set.intersection(*(set(s for s, _ in r) for r in runs))) if runs else []
        mean = [sum(dict(r)[s] for r in runs) / len(runs) for s in steps]
        ax.plot(steps, mean, color=color, lw=2.5, label=f"{agent} {VERSIONS[agent]} ({len(runs)} seed{'s' * (len(runs) > 1)})")
    j, old = len(curves), 0
    for agent, runs in partial.items():
        for r in runs:
            c = success_curve(r["eval_rows"])
            how = {"lost": "lost run", "in progress": "in progress"}.get(r.get("status"), "ended early")
            style = {"color": f"C{j % 10}", "lw": 1.5}
            if r["version"] != VERSIONS[agent]:  # an earlier benchmark version: grey, told apart by marker
                style = {"color": "0.55", "lw": 1, "marker": "os^vD"[old % 5], "ms": 3}
                old += 1
            else:
                j += 1
            ax.plot([st for st, _ in c], [v for _, v in c], ls=":" if r.get("status") == "lost" else "--", **style,
                    label=f"{agent} {r['version']} seed {r['seed']} ({how}: evaluated to {r['env_steps'] // 1000}k)")
    ax.axhline(0.8, color="grey", ls="--", lw=1)
    ax.set(xlabel="env steps", ylabel="lift success rate (evaluation)", ylim=(-0.03, 1.03),
           title=f"sparse {TASK}: SAC-X (SAC-Q) against SAC")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
