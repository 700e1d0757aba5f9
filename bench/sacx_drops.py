"""Why a `cairn:lift` SAC-X policy (with `--sacx.gpi`) loses blocks it has lifted: plays a run's latest
checkpoint deterministically (GPI: every intention proposes its mean action, the main critic picks) from
bench/sacx_eval.py's start states, and for every episode that had block 0 at ≥ 10 cm and ended below it
reports its last stretch at ≥ 10 cm: how long, how high, and at the last step both pads touched the block how
far its centre hung below the pinch point, the pads' touch, the gripper's position and command, and which
intention acted when it fell.

    python bench/sacx_drops.py trial-sacx-v7gpi-s0 --episodes 60 --core 0   # → results/sacx-drops.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIFT_Z = 0.10


def drops(run_ref: str, store: str, episodes: int, seed: int) -> dict:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from cairn.envs.blocks import observation_layout
    from cairn.run.restore import load_trained
    from cairn.run.rundir import RunDir

    run = RunDir.find(store, run_ref)
    config, env, learner, state, loop = load_trained(run, seed)
    inner, scale = learner.inner, learner.observation_scale
    if not getattr(inner.config, "gpi", False):
        raise SystemExit(f"{run_ref}: not a SAC-X run with --sacx.gpi")
    params = learner.policy_params(state)
    actor, critic, k = inner._sac.networks.actor, inner._sac.networks.critic, inner.k
    names = inner.intention_names
    lay = observation_layout()

    @jax.jit
    def proposals_and_q(params, obs):
        proposals = jnp.tanh(jax.vmap(actor.apply, in_axes=(0, None))(params.actor, obs)[0])  # [K, 1, A]
        q = critic.apply(params.critic, jnp.broadcast_to(obs, (k, *obs.shape)), proposals)
        return proposals[:, 0], jnp.min(q, axis=0)[:, 0]

    found = []
    for ep in range(episodes):
        ts, rows = env.reset(), []
        while not ts.last():
            proposals, q = map(np.asarray, proposals_and_q(params, (ts.observation[None] * scale).astype(np.float32)))
            pick = int(np.argmax(q))
            ts = env.step(proposals[pick])
            o = ts.observation
            rows.append({"intention": names[pick], "action": [round(float(v), 2) for v in proposals[pick]],
                         "block_z": float(o[lay["block0/position"]][2]),
                         "block_below_pinch": float(-o[lay["block0/from_gripper"]][2]),
                         "touch": [round(float(v), 2) for v in o[lay["touch"]]],
                         "gripper": [round(float(v), 3) for v in o[lay["gripper_position"]]]})
        z = np.array([r["block_z"] for r in rows])
        if z.max() < LIFT_Z or z[-1] >= LIFT_Z:
            continue
        up = np.where(z >= LIFT_Z)[0]
        last = int(up[-1])
        first_of_stretch = last
        while first_of_stretch > 0 and z[first_of_stretch - 1] >= LIFT_Z:
            first_of_stretch -= 1
        held = [t for t in range(first_of_stretch, last + 1) if min(rows[t]["touch"]) > 0.05]
        before = rows[held[-1] if held else first_of_stretch]  # the last step both pads touched
        found.append({"episode": ep, "lifted_at": int(up[0]), "last_step_up": last,
                      "held_steps": last - first_of_stretch + 1, "max_z_cm": round(100 * float(z.max()), 1),
                      "z_cm_before_fall": round(100 * before["block_z"], 1),
                      "below_pinch_cm_before_fall": round(100 * before["block_below_pinch"], 1),
                      "touch_before_fall": before["touch"], "gripper_before_fall": before["gripper"],
                      "command_before_fall": before["action"], "acting_at_fall": rows[last]["intention"],
                      "steps": [dict(r, t=t) for t, r in enumerate(rows) if last - 6 <= t <= last + 3]})
    return {"run": run_ref, "run_id": run.run_id, "env_steps": int(loop["env_step"]), "episodes": episodes, "seed": seed,
            "reward_version": env.spec.reward_version, "lifted_then_dropped": len(found), "drops": found,
            "date": time.strftime("%Y-%m-%d")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="run name or id (a SAC-X run with --sacx.gpi)")
    ap.add_argument("--episodes", type=int, default=60)
    ap.add_argument("--seed", type=int, default=99, help="seed of the evaluation env (bench/sacx_eval.py's)")
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--core", type=int, default=None, help="pin to this core (one XLA thread)")
    ap.add_argument("--out", default=str(HERE / "results" / "sacx-drops.json"))
    args = ap.parse_args()
    if args.core is not None and "CAIRN_PINNED" not in os.environ:
        env = dict(os.environ, CAIRN_PINNED="1", XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
        os.execvpe("taskset", ["taskset", "-c", str(args.core), sys.executable, *sys.argv], env)
    row = drops(args.run, args.store, args.episodes, args.seed)
    out = Path(args.out)
    kept = json.loads(out.read_text()) if out.exists() else {"results": []}
    key = (row["run"], row["env_steps"], row["episodes"], row["seed"])
    kept["results"] = [r for r in kept["results"] if (r["run"], r["env_steps"], r["episodes"], r["seed"]) != key] + [row]
    out.write_text(json.dumps(kept, indent=1) + "\n")
    print(f"{args.run} at {row['env_steps']}: {row['lifted_then_dropped']} of {args.episodes} episodes lifted the block "
          "and ended without it")
    for d in row["drops"]:
        print(f"  episode {d['episode']}: held {d['held_steps']} steps up to {d['max_z_cm']} cm; before the fall at "
              f"{d['z_cm_before_fall']} cm, centre {d['below_pinch_cm_before_fall']} cm below the pinch, touch "
              f"{d['touch_before_fall']}, gripper {d['gripper_before_fall']}, command {d['command_before_fall']}; "
              f"acting: {d['acting_at_fall']}")


if __name__ == "__main__":
    main()
