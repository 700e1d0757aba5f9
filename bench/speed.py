"""Speed benchmark: cairn's SAC against Stable-Baselines3 and SBX, side by side in one run.

Same task (gym:HalfCheetah-v5), UTD 1, 256×256 networks, batch 256, same env steps and
learning_starts; each library is run as a whole fresh process (imports, JIT compile and all) and
timed from launch to exit. The peers live in their own venv (bench/.venv-peers, created on first
use with torch 2.13 CPU, stable-baselines3 and sbx-rl) so cairn's own dependencies stay torch-free.

    python bench/speed.py                  # 6000 steps, 1000 random, then 5000 updates
    python bench/speed.py --steps 3000 --skip-peers
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".venv-peers"
ENV = "HalfCheetah-v5"


def ensure_peers() -> Path:
    py = PEERS / "bin" / "python"
    if not py.exists():
        print("creating bench/.venv-peers (torch 2.13 CPU, stable-baselines3, sbx-rl) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "torch==2.13.0", "stable-baselines3", "sbx-rl",
                        "gymnasium[mujoco]", "mujoco==3.17.0"], check=True)
    return py


def timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed:\n{p.stderr[-2000:]}")
    return wall, json.loads(p.stdout.strip().splitlines()[-1])


def run_cairn(steps, learning_starts):
    with tempfile.TemporaryDirectory() as store:
        wall, s = timed([sys.executable, "-m", "cairn.cli", "train", f"gym:{ENV}", "--steps", str(steps),
                         "--learning-starts", str(learning_starts), "--eval-every", "0", "--checkpoint-every", "0",
                         "--store", store, "--json"])
    return {"lib": "cairn", "process_seconds": wall, "loop_steps_per_second": s["env_steps_per_second"]}


def run_peer(py, which, steps, learning_starts):
    wall, s = timed([str(py), str(HERE / "peer_sac.py"), which, ENV, str(steps), str(learning_starts)])
    return {"lib": which, "process_seconds": wall, "loop_steps_per_second": steps / s["learn_seconds"]}


def update_throughput(n=500):
    """Updates/s of cairn's jitted SAC update alone at the benchmark sizes (obs 17, act 6)."""
    import jax
    import numpy as np

    from cairn.agents.sac import SACConfig, SACLearner
    from cairn.types import EnvSpec, Transition

    learner = SACLearner(EnvSpec("x", 17, 6), SACConfig())
    state = learner.init(jax.random.PRNGKey(0))
    rng = np.random.default_rng(0)
    b = Transition(rng.standard_normal((256, 17), np.float32), rng.uniform(-1, 1, (256, 6)).astype(np.float32),
                   rng.standard_normal(256).astype(np.float32), np.ones(256, np.float32),
                   rng.standard_normal((256, 17), np.float32))
    for _ in range(20):
        state, m = learner.update(state, b)
    jax.block_until_ready(m)
    t = time.perf_counter()
    for _ in range(n):
        state, m = learner.update(state, b)
    jax.block_until_ready(m)
    return n / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--learning-starts", type=int, default=1000)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--out", default=str(HERE / "results" / "speed.json"))
    args = ap.parse_args()
    results = []
    peers = [] if args.skip_peers else ["sbx", "sb3"]
    py = None if args.skip_peers else ensure_peers()
    order = ["cairn", *peers, "cairn"]  # cairn first and last: a drifting machine shows up as a spread
    for lib in order:
        r = run_cairn(args.steps, args.learning_starts) if lib == "cairn" else run_peer(py, lib, args.steps, args.learning_starts)
        r["steps_per_second"] = args.steps / r["process_seconds"]
        results.append(r)
        print(f"{lib:6s} {r['process_seconds']:7.1f} s for {args.steps} env steps  → {r['steps_per_second']:6.1f} "
              f"steps/s (whole process), {r['loop_steps_per_second']:6.1f} steps/s (training loop)", flush=True)
    ups = update_throughput()
    print(f"cairn jitted SAC update alone: {ups:.1f} updates/s")
    best = {}
    for r in results:
        best[r["lib"]] = min(best.get(r["lib"], 1e18), r["process_seconds"])
    ratios = {f"cairn_vs_{p}": best[p] / best["cairn"] for p in peers}
    loop_best = {}
    for r in results:
        loop_best[r["lib"]] = max(loop_best.get(r["lib"], 0.0), r["loop_steps_per_second"])
    loop_ratios = {f"cairn_vs_{p}": loop_best["cairn"] / loop_best[p] for p in peers}
    for k, v in ratios.items():
        print(f"{k}: {v:.2f}× faster (whole process, same env steps)")
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "env": f"gym:{ENV}", "steps": args.steps, "learning_starts": args.learning_starts,
              "updates": args.steps - args.learning_starts, "runs": results, "cairn_update_per_second": ups,
              "ratios": ratios, "loop_ratios": loop_ratios}
    Path(args.out).write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
