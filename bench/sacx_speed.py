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
from pathlib import Path

import mpo_speed
from cairn.agents.sacx import SACXConfig
from cairn.replay import RingBuffer
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


def block_replay(rng):
    """Block-world sizes with all twelve reward channels, rewards on 5% of steps."""
    spec = EnvSpec("cairn:lift", 41, 4, reward_names=CHANNELS)
    buf = RingBuffer(20_000, 41, 4, num_rewards=len(CHANNELS))
    for t in range(20_000):
        buf.add(rng.standard_normal(41), rng.uniform(-1, 1, 4), rng.random(len(CHANNELS)) < 0.05, 1.0,
                rng.standard_normal(41), t % 200 == 199, -3.0)
    return spec, buf


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--updates", type=int, default=50)
    ap.add_argument("--out", default=str(HERE / "results" / "sacx_speed.json"))
    args = ap.parse_args()
    out = mpo_speed.measure(VARIANTS, args.rounds, args.updates, replay=block_replay)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
