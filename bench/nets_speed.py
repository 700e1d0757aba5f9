"""cairn.nets' faster gradients against XLA's own, in one process: the narrow-output weight gradient of
``cairn.nets.Dense`` and the closed-form backward pass of ``cairn.nets.LayerNorm``.

Measurements, all interleaved so that machine noise hits each side alike:
  * the weight gradient alone, xᵀ·g at batch 256 for the head shapes cairn's networks have;
  * a 256 × 256 Dense → LayerNorm → ReLU layer, forward and backward, batch 256, with each LayerNorm;
  * whole updates of each learner traced with ``cairn.nets.dense.NARROW_GRADIENT`` on and off, and
    with ``cairn.nets.norm.CLOSED_FORM`` on and off (the same learner, parameters and batches; only
    that one computation differs).

    python bench/nets_speed.py               # → results/nets_speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import mpo_speed
from cairn.agents.sac import SACConfig
from cairn.nets import dense, norm

HERE = Path(__file__).resolve().parent
SHAPES = [(256, 6), (256, 12), (256, 51), (256, 1)]  # (in, out) of the heads: policy, SAC policy, DMPO atoms, critic
LEARNERS = ["sac", "dmpo", "abm", "oac", "crr", "bc"]
# learners whose networks have LayerNorm (SAC only with LayerNorm critics, as the cheetah and SAC-X runs use)
LN_LEARNERS = {"sac (LayerNorm critics)": ("sac", SACConfig(critic_layer_norm=True)), "dmpo": ("dmpo", None),
               "abm": ("abm", None), "oac": ("oac", None), "crr": ("crr", None), "bc": ("bc", None)}


def _time(f, *args, n=200, rounds=7):
    jax.block_until_ready(f(*args))
    ts = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n):
            out = f(*args)
        jax.block_until_ready(out)
        ts.append((time.perf_counter() - t) / n)
    return float(np.median(ts))


def contraction_rows(batch=256):
    key = jax.random.PRNGKey(0)
    rows = []
    for i, o in SHAPES:
        x, g = jax.random.normal(key, (batch, i)), jax.random.normal(key, (batch, o))
        xla = jax.jit(lambda x, g: x.T @ g)
        narrow = jax.jit(lambda x, g: lax.optimization_barrier(g.T @ x).T)
        t_xla, t_narrow = _time(xla, x, g), _time(narrow, x, g)
        rows.append({"shape": f"{i}→{o}", "xla_us": round(t_xla * 1e6, 1), "narrow_us": round(t_narrow * 1e6, 1),
                     "speedup": round(t_xla / t_narrow, 2)})
        print(f"weight gradient {i}→{o}: XLA {t_xla * 1e6:6.1f} µs, narrow {t_narrow * 1e6:6.1f} µs")
    return rows


def layer_norm_rows(batch=256, width=256):
    """Dense → LayerNorm → ReLU, forward and backward, with the closed form and with flax's derivative."""
    key = jax.random.PRNGKey(0)
    x, w = jax.random.normal(key, (batch, width)), jax.random.normal(key, (width, width)) / np.sqrt(width)
    scale, bias = jnp.ones(width), jnp.zeros(width)
    times = {}
    for name, closed in (("closed form", True), ("flax", False)):
        f = jax.jit(jax.grad(lambda p, x: jnp.sum(jax.nn.relu(norm.layer_norm(x @ p[0], p[1], p[2])) ** 2)))
        with mpo_speed.switched(norm, "CLOSED_FORM", closed):
            jax.block_until_ready(f((w, scale, bias), x))  # traced now, with the switch as set
        times[name] = f
    plain = jax.jit(jax.grad(lambda p, x: jnp.sum(jax.nn.relu(x @ p[0]) ** 2)))
    rows = {name: [] for name in (*times, "no LayerNorm")}
    for _ in range(5):  # interleaved
        for name, f in times.items():
            rows[name].append(_time(f, (w, scale, bias), x, rounds=3))
        rows["no LayerNorm"].append(_time(plain, (w, scale, bias), x, rounds=3))
    out = {name: round(float(np.median(v)) * 1e3, 3) for name, v in rows.items()}
    print("Dense+LayerNorm+ReLU fwd+bwd (ms): " + ", ".join(f"{k} {v}" for k, v in out.items()))
    return out


def learner_rows(agents, rounds, updates, module=dense, flag="NARROW_GRADIENT"):
    """Each learner traced with ``module.flag`` on and off, timed in interleaved rounds. ``agents``: names,
    or a dict name -> (agent, config section)."""
    rng = np.random.default_rng(0)
    spec, buf = mpo_speed.cheetah_replay(rng)
    agents = agents if isinstance(agents, dict) else {a: (a, None) for a in agents}
    sides = {}
    for name, (agent, section) in agents.items():
        for on in (True, False):
            with mpo_speed.switched(module, flag, on):
                learner = mpo_speed.build(agent, section, spec)
                state = learner.init(jax.random.PRNGKey(0))
                state, m = learner.update(state, learner.sample_batch(buf, rng))  # traced here, with the flag as set
                jax.block_until_ready(m)
            sides[name, on] = [learner, state, []]
    mpo_speed.timed_rounds(sides, buf, rng, rounds, updates)
    rows = []
    for name in agents:
        off, on = 1 / np.asarray(sides[name, False][2]), 1 / np.asarray(sides[name, True][2])  # s/update
        ratio = np.median(on / off)
        rows.append({"learner": name, "xla_ms": round(float(np.median(off)) * 1e3, 2),
                     "narrow_ms": round(float(np.median(on)) * 1e3, 2), "time_ratio": round(float(ratio), 3)})
        print(f"{name:24s} update, {flag} off {np.median(off) * 1e3:6.2f} ms, on {np.median(on) * 1e3:6.2f} ms"
              f"  ({(1 - ratio) * 100:+.1f}% time saved)")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--updates", type=int, default=100)
    ap.add_argument("--agents", nargs="+", default=LEARNERS)
    ap.add_argument("--out", default=str(HERE / "results" / "nets_speed.json"))
    args = ap.parse_args()
    out = {"date": time.strftime("%Y-%m-%d"),
           "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
           "xla_flags": os.environ.get("XLA_FLAGS", ""),
           "contractions": contraction_rows(), "updates": learner_rows(args.agents, args.rounds, args.updates),
           "layer_norm_layer_ms": layer_norm_rows(),
           "layer_norm_updates": learner_rows({k: v for k, v in LN_LEARNERS.items() if v[0] in args.agents},
                                              args.rounds, args.updates, norm, "CLOSED_FORM")}
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
