"""How a SAC-X run with ``--sacx.gpi`` should act when evaluated: the main intention's own policy, GPI at every
step (the agent's ``eval_act``: of every intention's deterministic action, the one the main critic values
most), or GPI that keeps its pick for M steps ("sticky M"). 60 episodes from the fixed start states of
bench/sacx_eval.py (eval seed 99) per variant, on the run's latest checkpoint; success rate with its Wilson
95% interval, mean sparse return, and how often each intention's action was taken.

    python bench/sacx_gpi_policy.py RUN [--variants gpi main sticky5 sticky20] [--store bench/results/store]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("--variants", nargs="+", default=["gpi", "main", "sticky5", "sticky20"])
    ap.add_argument("--episodes", type=int, default=60)
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--out", default=str(HERE / "results" / "sacx-gpi-policy.json"))
    args = ap.parse_args()

    import jax
    import jax.numpy as jnp
    import numpy as np

    from cairn.report.stats import wilson_interval
    from cairn.run.evaluate import evaluate_episodes
    from cairn.run.restore import load_trained
    from cairn.run.rundir import RunDir

    run = RunDir.find(args.store, args.run)
    config, _, learner, state, loop = load_trained(run, 99)
    inner, scale = learner.inner, learner.observation_scale
    params = learner.policy_params(state)
    actor, critic, k = inner._sac.networks.actor, inner._sac.networks.critic, inner.k

    @jax.jit
    def proposals_and_q(params, obs):
        """Every intention's deterministic action [K, A] at obs [1, O] and the main critic's value of each [K]."""
        proposals = jnp.tanh(jax.vmap(actor.apply, in_axes=(0, None))(params.actor, obs)[0])  # [K, 1, A]
        q = critic.apply(params.critic, jnp.broadcast_to(obs, (k, *obs.shape)), proposals)  # [critics, K, 1]
        return proposals[:, 0], jnp.min(q, axis=0)[:, 0]

    rows = {}
    for variant in args.variants:
        hold = int(variant[len("sticky"):]) if variant.startswith("sticky") else None
        env = load_trained(run, 99).env  # every variant from the same start states, the run's reward definition
        picks, step, chosen = np.zeros(k), [0], [0]  # step within the episode, the intention acting

        def act(params, obs):
            proposals, q = map(np.asarray, proposals_and_q(params, (obs * scale).astype(np.float32)))
            if variant == "gpi" or (hold and step[0] % hold == 0):
                chosen[0] = int(np.argmax(q))
            elif variant == "main":
                chosen[0] = 0
            picks[chosen[0]] += 1
            return proposals[chosen[0]][None]

        def on_step(i, t, obs, action, next_ts):
            step[0] = 0 if next_ts.last() else t + 1

        returns, won = evaluate_episodes(act, params, env, args.episodes, on_step=on_step)
        n = int(np.sum(won))
        low, high = wilson_interval(n, args.episodes)
        rows[variant] = {"success_rate": round(n / args.episodes, 4), "interval": [round(low, 4), round(high, 4)],
                         "mean_return": round(float(np.mean(returns)), 1),
                         "picks": dict(zip(inner.intention_names, (picks / picks.sum()).round(3).tolist()))}
        print(variant, rows[variant], flush=True)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    results[f"{run.read_config()['run_name']}@{int(loop['env_step']) // 1000}k"] = {
        "run": run.run_id, "env_step": int(loop["env_step"]), "episodes": args.episodes, "variants": rows}
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
