"""How saturated an MPO-family policy's means are at the end of stored runs.

With a tanh-squashed Gaussian, a pre-squash mean far beyond ±2 maps every sample to nearly the same
action (tanh 3 = 0.995): the critic sees no difference between the samples, the E-step weights go
uniform, and nothing moves the mean back. This loads each run's last checkpoint, evaluates the policy on
the last 5,000 observations it stored, and reports per action dimension the median |μ|, the share
of states with |μ| > 3 and the median σ.

    python bench/mpo_saturation.py RUN [RUN ...] [--store bench/results/store] [--out results/x.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import jax
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from cairn.agents import make_learner  # noqa: E402
from cairn.run.checkpoint import load_checkpoint  # noqa: E402
from cairn.run.config import TrainConfig  # noqa: E402
from cairn.run.loop import make_run_env  # noqa: E402
from cairn.run.metrics import read_csv  # noqa: E402
from cairn.run.rundir import RunDir  # noqa: E402
from cairn.store import Store  # noqa: E402


STATES = 5_000  # the run's last stored steps (evaluation episodes included) supply the states


def saturation(store: str, run: str) -> dict:
    rundir = RunDir.find(store, run)
    cfg = TrainConfig.from_dict(rundir.read_config())
    section = getattr(cfg, cfg.agent)
    if not hasattr(section, "squash"):
        raise SystemExit(f"{run}: agent {cfg.agent} has no Gaussian MPO policy; pick an mpo/dmpo run")
    env = make_run_env(cfg.env_id, seed=0)
    learner = make_learner(cfg.agent, env.spec, cfg)
    state, _, _ = load_checkpoint(rundir.checkpoint_path, learner.init(jax.random.PRNGKey(0)))
    stored = Store(store).load_transitions([rundir.run_id])
    if not stored:
        raise SystemExit(f"{run}: no stored steps under {rundir.path / 'steps'}")
    obs = stored["observation"][-STATES:]
    obs = obs * getattr(learner, "observation_scale", 1.0)  # the inputs the policy saw (ScaledInputs)
    mean, std = learner.networks.policy.apply(state.policy_params, obs)
    mean, std = np.abs(np.asarray(mean)), np.asarray(std)
    evals = read_csv(rundir.path / "eval.csv")
    final = evals[-1]["mean_return"] if evals else None
    per_dim = lambda x, digits: [round(float(v), digits) for v in x]  # noqa: E731
    return {"run_id": rundir.path.name, "seed": cfg.seed, "squash": section.squash,
            "action_penalty": bool(getattr(section, "action_penalty", False)),
            "final_eval_return": final, "states": int(obs.shape[0]),
            "median_abs_mean": per_dim(np.median(mean, 0), 2), "share_abs_mean_over_3": per_dim((mean > 3).mean(0), 3),
            "median_std": per_dim(np.median(std, 0), 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="run ids or names in the store")
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--out", help="also write the rows to this JSON file")
    args = ap.parse_args()
    rows = [saturation(args.store, run) for run in args.runs]
    for r in rows:
        final = r["final_eval_return"]
        print(f"{r['run_id']}  seed {r['seed']}  final {final if final is None else round(final, 1)}  "
              f"median |μ| {r['median_abs_mean']}  share |μ|>3 {r['share_abs_mean_over_3']}  σ {r['median_std']}")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
