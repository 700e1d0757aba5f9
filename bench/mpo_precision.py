"""What bfloat16 target-critic products change, on trained MPO/DMPO critics from the store.

For each run: its checkpoint's target networks, 256 states from its last recorded steps, N sampled
actions per state from its target policy, and the target critic's values of them computed in float32
and with `MPOConfig.sample_precision="bfloat16"` (hidden products after the first layer rounded to
bfloat16, float32 accumulation). Reported: the values' error against their spread over the N samples,
the change of the E-step weights softmax(Q/η) at the run's own temperature (total variation per state),
and for DMPO the change of the averaged next-state distribution.

    python bench/mpo_precision.py                   # the cartpole/cheetah MPO and DMPO runs of bench/learning.py
    python bench/mpo_precision.py RUN_ID ...        # any MPO/DMPO runs with a checkpoint
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pyarrow.parquet as pq

from cairn import ops
from cairn.agents.mpo.learning import _squash
from cairn.agents.mpo.networks import sampled_q
from cairn.run.restore import load_trained
from cairn.run.rundir import RunDir

HERE = Path(__file__).resolve().parent


def compare(run_dir: Path, states: int = 256) -> dict:
    tr = load_trained(RunDir(run_dir), 0)
    learner, state, c = tr.learner, tr.state, tr.learner.config
    last = sorted((run_dir / "steps").glob("*.parquet"))[-1]
    obs = jnp.asarray(np.asarray(pq.read_table(last, columns=["observation"]).column(0).to_pylist(),
                                 np.float32)[-states:])
    mean, std = learner.networks.policy.apply(state.target_policy_params, obs)
    actions = _squash(mean + std * jax.random.normal(jax.random.PRNGKey(0), (c.num_samples, *mean.shape)), c.squash)
    outs = {p: sampled_q(learner.networks.critic, state.target_critic_params, obs, actions, p)
            for p in ("float32", "bfloat16")}
    q = {p: learner._q_values(o) for p, o in outs.items()}
    temperature = ops.dual_value(state.dual_params["log_temperature"])
    w = {p: ops.estep_weights(v, temperature, c.epsilon)[0] for p, v in q.items()}
    tv = 0.5 * jnp.sum(jnp.abs(w["float32"] - w["bfloat16"]), axis=0)
    err = jnp.abs(q["float32"] - q["bfloat16"])
    row = {"run_id": run_dir.name, "agent": learner.name, "env": tr.config.env_id, "env_step": int(tr.loop.get("env_step", 0)),
           "q_abs_mean": float(jnp.mean(jnp.abs(q["float32"]))), "q_error_mean": float(jnp.mean(err)),
           "q_error_max": float(jnp.max(err)), "q_spread_over_samples": float(jnp.mean(jnp.std(q["float32"], axis=0))),
           "temperature": float(temperature), "estep_weights_tv_mean": float(jnp.mean(tv)),
           "estep_weights_tv_max": float(jnp.max(tv))}
    if learner.distributional:
        p32, p16 = (jnp.mean(jax.nn.softmax(outs[p], -1), 0) for p in ("float32", "bfloat16"))
        ptv = 0.5 * jnp.sum(jnp.abs(p32 - p16), -1)
        row.update(next_distribution_tv_mean=float(jnp.mean(ptv)), next_distribution_tv_max=float(jnp.max(ptv)))
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="*", help="run ids (default: bench/learning.py's MPO/DMPO runs in the store)")
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--out", default=str(HERE / "results" / "mpo_precision.json"))
    args = ap.parse_args()
    runs_dir = Path(args.store) / "runs"
    ids = args.runs or [json.loads(f.read_text())["run_id"] for f in sorted((HERE / "results" / "learning-runs").glob("*mpo-*.json"))]
    rows = []
    for rid in ids:
        if not (runs_dir / rid / "checkpoint.npz").exists():
            print(f"skip {rid}: not in {runs_dir} or no checkpoint", file=sys.stderr)
            continue
        rows.append(compare(runs_dir / rid))
        r = rows[-1]
        print(f"{r['agent']:5s} {r['env']:22s} |Q| {r['q_abs_mean']:8.2f}  error mean {r['q_error_mean']:.4f} "
              f"max {r['q_error_max']:.4f}  spread over samples {r['q_spread_over_samples']:.3f}  "
              f"E-step weights TV mean {r['estep_weights_tv_mean']:.4f} max {r['estep_weights_tv_max']:.4f}", flush=True)
    Path(args.out).write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "rows": rows}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
