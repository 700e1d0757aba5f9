"""What SAC-X's main-task critic believes along an approach to the block (issue 5).

Loads a `cairn:lift` SAC-X run's checkpoint, and from evaluation start states lets the `reach_shaped`
intention drive the gripper to block 0 (its deterministic policy). At every step it asks the main intention's
critic (sparse lift; twin minimum, online networks) for its value of
  * each intention's proposal (its policy's mean action),
  * a move straight towards the block and one straight away (fingers open),
and measures the cosine between the main intention's own proposal and the direction to the block. Steps are
binned by the gripper-to-block distance. Does the main critic's value rise towards the block, does it prefer
moving there, and does the main policy follow? With `--sacx.gpi` runs, "GPI picks" is how often each
intention's proposal is the one the main intention acts with.

    python bench/sacx_probe.py RUN [--episodes 10] [--label NAME]     # RUN: run id or name in the store
Appends its table to results/sacx-probe.json under the label (default: the run name and env step).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from cairn.agents.sacx.learning import _pick
from cairn.envs.blocks import observation_layout
from cairn.run.restore import load_trained
from cairn.run.rundir import RunDir

HERE = Path(__file__).resolve().parent
BINS = (0.0, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.6)
TO_BLOCK = observation_layout()["block0/from_gripper"]


def probe(run: RunDir, episodes: int, seed: int = 1000) -> dict:
    tcfg, env, learner, state, loop = load_trained(run, seed)
    inner = getattr(learner, "inner", learner)
    scale = getattr(learner, "observation_scale", np.ones(env.spec.observation_size, np.float32))
    names = list(inner.intention_names)
    actor, critic = inner._sac.networks.actor, inner._sac.networks.critic
    actors, main_critic = jax.tree.map(jnp.asarray, (state.actor_params, _pick(state.critic_params, 0)))
    driver = names.index("reach_shaped")

    @jax.jit
    def step_values(actors, main_critic, obs, toward):
        means = jnp.tanh(jax.vmap(actor.apply, in_axes=(0, None))(actors, obs)[0])  # [K, 1, A]
        q_props = jnp.min(critic.apply(main_critic, jnp.broadcast_to(obs, (len(names), *obs.shape)), means), axis=0)
        away = toward.at[:, :3].multiply(-1.0)
        q_to = jnp.min(critic.apply(main_critic, obs, toward), axis=0)
        q_away = jnp.min(critic.apply(main_critic, obs, away), axis=0)
        return means[:, 0], q_props[:, 0], q_to[0], q_away[0]

    rows = []
    for _ in range(episodes):
        obs = env.reset().observation
        while True:  # to the episode's end
            vec = obs[TO_BLOCK]
            dist = float(np.linalg.norm(vec))
            unit = vec / max(dist, 1e-6)
            toward = np.concatenate([unit / np.max(np.abs(unit)), [1.0]])[None].astype(np.float32)
            means, q_props, q_to, q_away = step_values(actors, main_critic, jnp.asarray(obs * scale)[None],
                                                           jnp.asarray(toward))
            means, q_props = np.asarray(means), np.asarray(q_props)
            own = means[0, :3]
            rows.append({"d": dist, "q_props": q_props, "q_to": float(q_to), "q_away": float(q_away),
                         "cos": float(own @ unit / (np.linalg.norm(own) + 1e-8))})
            ts = env.step(means[driver])
            obs = ts.observation
            if ts.last():
                break
    table = []
    for lo, hi in zip(BINS, BINS[1:]):
        sel = [r for r in rows if lo <= r["d"] < hi]
        if not sel:
            continue
        q = np.stack([r["q_props"] for r in sel])
        picks = np.bincount(np.argmax(q, axis=1), minlength=len(names)) / len(sel)
        table.append({"distance": f"{lo:.2f}-{hi:.2f}", "steps": len(sel),
                      "q_main_of": {n: round(float(v), 2) for n, v in zip(names, q.mean(axis=0))},
                      "q_toward": round(float(np.mean([r["q_to"] for r in sel])), 2),
                      "q_away": round(float(np.mean([r["q_away"] for r in sel])), 2),
                      "toward_preferred": round(float(np.mean([r["q_to"] > r["q_away"] for r in sel])), 2),
                      "cos_main_to_block": round(float(np.mean([r["cos"] for r in sel])), 2),
                      "gpi_picks": {n: round(float(p), 2) for n, p in zip(names, picks)}})
    return {"run": run.run_id, "env_step": int(loop["env_step"]), "gpi": bool(getattr(tcfg.sacx, "gpi", False)),
            "alpha": {n: round(float(a), 4) for n, a in zip(names, np.exp(np.asarray(state.log_alpha)))},
            "episodes": episodes, "table": table}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--episodes", type=int, default=10)
    ap.add_argument("--label")
    ap.add_argument("--out", default=str(HERE / "results" / "sacx-probe.json"))
    args = ap.parse_args()
    run = RunDir.find(args.store, args.run)
    result = probe(run, args.episodes)
    label = args.label or f"{run.read_config()['run_name']}@{result['env_step'] // 1000}k"
    out = Path(args.out)
    everything = json.loads(out.read_text()) if out.exists() else {}
    everything[label] = {"date": time.strftime("%Y-%m-%d"), **result}
    out.write_text(json.dumps(everything, indent=1))
    names = list(result["alpha"])
    print(f"{label}: α {result['alpha']}")
    print(f"{'distance':>10} {'steps':>5} " + " ".join(f"{'Q(' + n[:8] + ')':>13}" for n in names)
          + f" {'Q(to)':>7} {'Q(away)':>7} {'to>away':>7} {'cos':>5}  GPI picks")
    for r in result["table"]:
        print(f"{r['distance']:>10} {r['steps']:5d} " + " ".join(f"{r['q_main_of'][n]:13.2f}" for n in names)
              + f" {r['q_toward']:7.2f} {r['q_away']:7.2f} {r['toward_preferred']:7.2f} {r['cos_main_to_block']:5.2f}  "
              + " ".join(f"{n[:6]} {p:.2f}" for n, p in r["gpi_picks"].items()))


if __name__ == "__main__":
    main()
