"""The narrow-output weight gradient of ``cairn.nets.Dense`` against XLA's own, in one process.

Two measurements, both interleaved so that machine noise hits each side alike:
  * the weight gradient alone, xᵀ·g at batch 256 for the head shapes cairn's networks have;
  * whole updates of each learner traced with ``cairn.nets.dense.NARROW_GRADIENT`` on and off
    (the same learner, parameters and batches; only the gradient's contraction differs).

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
import numpy as np
from jax import lax

import mpo_speed
from cairn.nets import dense

HERE = Path(__file__).resolve().parent
SHAPES = [(256, 6), (256, 12), (256, 51), (256, 1)]  # (in, out) of the heads: policy, SAC policy, DMPO atoms, critic
LEARNERS = ["sac", "dmpo", "abm", "oac", "crr", "bc"]


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


def learner_rows(agents, rounds, updates):
    rng = np.random.default_rng(0)
    spec, buf = mpo_speed.cheetah_replay(rng)
    sides = {}
    for agent in agents:
        for narrow in (True, False):
            dense.NARROW_GRADIENT = narrow
            learner = mpo_speed.build(agent, None, spec)
            state = learner.init(jax.random.PRNGKey(0))
            state, m = learner.update(state, learner.sample_batch(buf, rng))  # traced here, with the flag as set
            jax.block_until_ready(m)
            sides[agent, narrow] = [learner, state, []]
    dense.NARROW_GRADIENT = True
    mpo_speed.timed_rounds(sides, buf, rng, rounds, updates)
    rows = []
    for agent in agents:
        xla, narrow = 1 / np.asarray(sides[agent, False][2]), 1 / np.asarray(sides[agent, True][2])  # s/update
        ratio = np.median(narrow / xla)
        rows.append({"learner": agent, "xla_ms": round(float(np.median(xla)) * 1e3, 2),
                     "narrow_ms": round(float(np.median(narrow)) * 1e3, 2), "time_ratio": round(float(ratio), 3)})
        print(f"{agent:6s} update: XLA gradient {np.median(xla) * 1e3:6.2f} ms, narrow {np.median(narrow) * 1e3:6.2f} ms"
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
           "contractions": contraction_rows(), "updates": learner_rows(args.agents, args.rounds, args.updates)}
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
