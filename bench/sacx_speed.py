"""SAC-X update cost: separate networks per intention against shared torsos, in one process.

The block world's sizes (41-dim observations, 4-dim actions, 12 reward channels), 256×256 networks,
batch 256; SAC-X with the benchmark's four intentions (lift + the shaped reach, touch and lift), once
with a SAC per intention (vmapped) and once with shared torsos (`--sacx.shared-torso`), against
single-task SAC. Rounds alternate between the learners; each learner's cost is the median over rounds
of SAC's updates/s over its own in the same round (slow drifts of the machine cancel).

    python bench/sacx_speed.py                 # 20 rounds × 50 updates → results/sacx_speed.json
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

from cairn.agents import make_learner
from cairn.agents.sacx import SACXConfig
from cairn.replay import RingBuffer
from cairn.run.config import TrainConfig
from cairn.types import EnvSpec

HERE = Path(__file__).resolve().parent
CHANNELS = ("lift", "reach", "touch", "place", "stack", "stack_leave", "reach_shaped", "touch_shaped", "lift_shaped",
            "place_shaped", "stack_shaped", "stack_leave_shaped")
INTENTIONS = ("reach_shaped", "touch_shaped", "lift_shaped")
VARIANTS = {
    "sac": ("sac", None),
    "sacx, 4 intentions, separate networks": ("sacx", SACXConfig(intentions=INTENTIONS)),
    "sacx, 4 intentions, shared torsos": ("sacx", SACXConfig(intentions=INTENTIONS, shared_torso=True)),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--updates", type=int, default=50)
    ap.add_argument("--out", default=str(HERE / "results" / "sacx_speed.json"))
    args = ap.parse_args()
    spec = EnvSpec("cairn:lift", 41, 4, reward_names=CHANNELS)
    rng = np.random.default_rng(0)
    buf = RingBuffer(20_000, 41, 4, num_rewards=len(CHANNELS))
    for t in range(20_000):
        buf.add(rng.standard_normal(41), rng.uniform(-1, 1, 4), rng.random(len(CHANNELS)) < 0.05, 1.0,
                rng.standard_normal(41), t % 200 == 199, -3.0)
    learners = {}
    for name, (agent, section) in VARIANTS.items():
        cfg = TrainConfig("cairn:lift", agent=agent, **({agent: section} if section else {}))
        learner = make_learner(agent, spec, cfg)
        state = learner.init(jax.random.PRNGKey(0))
        state, m = learner.update(state, learner.sample_batch(buf, rng))
        jax.block_until_ready(m)
        learners[name] = [learner, state, []]
    for r in range(args.rounds):
        for name, entry in learners.items():
            learner = entry[0]
            batches = [learner.sample_batch(buf, rng) for _ in range(args.updates)]
            t = time.perf_counter()
            for b in batches:
                entry[1], m = learner.update(entry[1], b)
            jax.block_until_ready(m)
            entry[2].append(args.updates / (time.perf_counter() - t))
        print(f"round {r + 1}: " + ", ".join(f"{n} {e[2][-1]:.0f}/s" for n, e in learners.items()), flush=True)
    sac = np.asarray(learners["sac"][2])
    rows = []
    for name, e in learners.items():
        ratios = sac / np.asarray(e[2])
        rows.append({"learner": name, "updates_per_second": round(float(np.median(e[2])), 1),
                     "cost_vs_sac": round(float(np.median(ratios)), 2),
                     "cost_quartiles": [round(float(q), 2) for q in np.percentile(ratios, [25, 75])]})
        print(f"{name:40s} {rows[-1]['updates_per_second']:7.1f} updates/s  {rows[-1]['cost_vs_sac']:5.2f}× SAC")
    out = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
           "rounds": args.rounds, "updates_per_round": args.updates, "rows": rows}
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
