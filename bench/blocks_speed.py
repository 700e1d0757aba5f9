"""Block-world simulation speed: env steps per second on one core with uniformly random actions.

Target (issue 5): ≥ 3,000 env steps/s (20 Hz control steps, each 5 physics steps of 10 ms) for
`cairn:lift`. Also reported: 3 blocks, the yaw variant, and dm_control's Jaco lift for comparison.
Run on an otherwise idle machine; the process pins itself to one core.

    python bench/blocks_speed.py            # → results/blocks_speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def steps_per_second(make, steps: int, seed: int = 0) -> float:
    env = make()
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (steps, env.spec.action_size))
    env.reset()
    t = time.perf_counter()
    for a in actions:
        if env.step(a).last():
            env.reset()
    return steps / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--core", type=int, default=0)
    ap.add_argument("--out", default=str(HERE / "results" / "blocks_speed.json"))
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    import cairn
    from cairn.envs.blocks import BlockWorld

    cases = {
        "cairn:lift (2 blocks)": lambda: cairn.make("cairn:lift", seed=0),
        "cairn:stack-shaped (2 blocks, shaped rewards)": lambda: cairn.make("cairn:stack-shaped", seed=0),
        "cairn:lift, 3 blocks": lambda: BlockWorld("lift", seed=0, num_blocks=3),
        "cairn:lift, yaw action": lambda: BlockWorld("lift", seed=0, yaw=True),
        "dmc-manip:lift_brick_features (Jaco)": lambda: cairn.make("dmc-manip:lift_brick_features", seed=0),
    }
    rows = []
    for name, make in cases.items():
        n = args.steps if "Jaco" not in name else max(1000, args.steps // 20)
        runs = [steps_per_second(make, n) for _ in range(args.rounds)]
        rows.append({"env": name, "steps_per_second": round(float(np.median(runs)), 1), "rounds": runs})
        print(f"{name:48s} {np.median(runs):8.0f} env steps/s", flush=True)
    out = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
           "steps_per_round": args.steps, "rows": rows, "target": 3000}
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
