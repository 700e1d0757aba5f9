"""Does this checkout's learner compute the same updates as an earlier revision's?

Rewrites meant to compute the same function (fused LayerNorm, chunked sampled actions, a scatter-add
projection, ...) change rounding, and a run's trajectory with it, so comparing learning curves across
revisions cannot tell a bug from chance. This compares the functions themselves: it builds the learner
of both revisions (the earlier one from a `git worktree` of REV) with the same config, initialises both
from PRNG key 0, feeds both the same random batches (cheetah-run sizes, n-step transitions) and prints
each revision's metrics after every `--every` updates with their largest relative difference.

    python bench/update_drift.py 83542ba                   # DMPO with the cheetah benchmark's settings
    python bench/update_drift.py 83542ba --agent mpo --updates 200

Each revision runs in its own subprocess with its own `cairn` first on the path (same virtualenv).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
METRICS = ("critic_loss", "policy_loss", "dual_loss", "temperature", "kl_mean", "q_mean", "target_mean",
           "estep_max_weight")
# The cheetah benchmark's DMPO/MPO settings (bench/learning.py) that change the update; float32 where the
# revision has the sample-precision option, so that both compute in the same precision.
SETTINGS = {"target_update_period": 25, "epsilon": 0.3, "vmax": 300.0, "sample_precision": "float32"}


def child(agent: str, updates: int, every: int):
    """Runs inside one revision: prints one JSON line of metrics per `every` updates, then parameter sums."""
    import dataclasses

    import jax
    import jax.numpy as jnp
    import numpy as np

    from cairn.agents import make_learner
    from cairn.agents.mpo.config import MPOConfig
    from cairn.types import EnvSpec, Transition

    fields = {f.name for f in dataclasses.fields(MPOConfig)}
    settings = {k: v for k, v in SETTINGS.items() if k in fields}  # vmax is unused by MPO's scalar critic
    spec = EnvSpec(env_id="dmc:cheetah-run", observation_size=17, action_size=6, reward_names=("reward",))
    section = type("Config", (), {agent: MPOConfig(**settings)})()
    learner = make_learner(agent, spec, section)
    state = learner.init(jax.random.PRNGKey(0))
    rng = np.random.default_rng(0)
    b = 256
    for i in range(1, updates + 1):
        batch = Transition(rng.normal(size=(b, 17)).astype(np.float32),
                           rng.uniform(-0.99, 0.99, (b, 6)).astype(np.float32),
                           rng.uniform(0.0, 2.0, b).astype(np.float32), np.full(b, 0.99 ** 4, np.float32),
                           rng.normal(size=(b, 17)).astype(np.float32))
        state, metrics = learner.update(state, batch)
        if i % every == 0 or i == 1:
            print(json.dumps({"update": i, **{k: float(metrics[k]) for k in METRICS if k in metrics}}), flush=True)
    leaves = jax.tree_util.tree_leaves((state.policy_params, state.critic_params))
    print(json.dumps({"update": "params", "sum_of_squares": float(sum(jnp.sum(x * x) for x in leaves))}))


def run_revision(root: Path, args) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=str(root), JAX_PLATFORMS="cpu")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", args.agent, str(args.updates), str(args.every)]
    out = subprocess.run(cmd, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{root}: the learner did not run ({out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode})")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rev", help="the earlier revision (any git revision of this repository)")
    ap.add_argument("--agent", default="dmpo", choices=["dmpo", "mpo"])
    ap.add_argument("--updates", type=int, default=60)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--out", help="write both revisions' metrics and the differences to this JSON file")
    args = ap.parse_args()
    parsed = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", args.rev], capture_output=True, text=True)
    if parsed.returncode != 0:
        sys.exit(f"{args.rev!r} is not a revision of {REPO}; give a commit, tag or branch")
    rev = parsed.stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(tree), rev],
                       check=True)
        try:
            before = run_revision(tree, args)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)
    now = run_revision(REPO, args)
    rows, worst = [], 0.0
    for a, b in zip(before, now):
        diff = max(abs(a[k] - b[k]) / max(abs(a[k]), abs(b[k]), 1e-6) for k in a if k != "update")
        worst = max(worst, diff)
        rows.append({"update": a["update"], "max_relative_difference": diff})
        print(f"after {a['update']!s:>6}: largest relative difference {diff:.2e}   "
              + "  ".join(f"{k} {a[k]:.6g}/{b[k]:.6g}" for k in list(a)[1:4]))
    print(f"{args.agent} at {rev} vs this checkout, {args.updates} updates: largest relative "
          f"difference {worst:.2e}")
    if args.out:
        Path(args.out).write_text(json.dumps({"agent": args.agent, "revision": rev,
                                              "settings": SETTINGS, "updates": args.updates, "earlier": before,
                                              "now": now, "rows": rows, "max_relative_difference": worst}, indent=1))


if __name__ == "__main__":
    main()
