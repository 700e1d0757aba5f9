"""Experience-store benchmarks.

  load      write 1M cheetah-run-sized transitions (obs 17, action 6, 1 reward) into a fresh store,
            then time loading them into a prior replay (`Store.load_transitions` + buffer fill),
            which is what `cairn train --reuse` does at start.  Target: ≤ 3 s.
  overhead  `cairn train gym:HalfCheetah-v5` with recording on and off, alternating, same steps;
            the cost of recording as a fraction of env steps/s.  Target: ≤ 5 %.

    python bench/store_bench.py load
    python bench/store_bench.py overhead --steps 4000 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def bench_load(n: int, obs: int = 17, act: int = 6) -> dict:
    from cairn.replay import RingBuffer
    from cairn.store import Store, StoreWriter
    from cairn.types import EnvSpec

    spec = EnvSpec("dmc:cheetah-run", obs, act)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as root:
        run = Path(root) / "runs" / "synthetic"
        writer = StoreWriter(run, "synthetic", spec, flush_seconds=1e9)
        t = time.perf_counter()
        for ep in range(n // 1000):  # incompressible random data: a worst case for shard size and load time
            o = rng.standard_normal((1001, obs)).astype(np.float32)
            a = rng.uniform(-1, 1, (1000, act)).astype(np.float32)
            r = rng.uniform(0, 1, (1000, 1)).astype(np.float32)
            for i in range(1000):
                writer.add(ep, i, ep * 1000 + i + 1, o[i], a[i], r[i], 1.0, 2 if i == 999 else 1, o[i + 1],
                           -1.0, "sac", False)
            if ep % 50 == 49:
                writer.flush()
        writer.close()
        write_s = time.perf_counter() - t
        (run / "run.json").write_text(json.dumps({"status": "finished"}))
        size = sum(p.stat().st_size for p in (run / "steps").glob("*.parquet"))
        times = []
        for _ in range(3):
            t = time.perf_counter()
            data = Store(root).load_transitions(["synthetic"])
            buf = RingBuffer(len(data["observation"]), obs, act, 1)
            buf.add_batch(data["observation"], data["action"], data["reward"], data["discount"], data["next_observation"])
            times.append(time.perf_counter() - t)
            del data, buf
    return {"transitions": n, "write_seconds": write_s, "shard_bytes": size, "load_seconds": times,
            "best_load_seconds": min(times)}


def train_sps(steps: int, record: bool) -> float:
    with tempfile.TemporaryDirectory() as store:
        cmd = [sys.executable, "-m", "cairn.cli", "train", "gym:HalfCheetah-v5", "--steps", str(steps),
               "--learning-starts", "1000", "--eval-every", "0", "--checkpoint-every", "0", "--store", store,
               "--json", *([] if record else ["--no-record"])]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["env_steps_per_second"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["load", "overhead"])
    ap.add_argument("--transitions", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    out = HERE / "results" / f"store-{args.what}.json"
    if args.what == "load":
        res = bench_load(args.transitions)
        print(f"{res['transitions']:,} transitions ({res['shard_bytes'] / 1e6:.0f} MB of shards, written in "
              f"{res['write_seconds']:.1f} s): loaded into a prior replay in {res['best_load_seconds']:.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in res['load_seconds'])})")
    else:
        on, off = [], []
        for _ in range(args.repeats):  # alternate so that drift hits both
            off.append(train_sps(args.steps, record=False))
            on.append(train_sps(args.steps, record=True))
        res = {"steps": args.steps, "record_on": on, "record_off": off,
               "overhead_fraction": 1 - np.median(on) / np.median(off)}
        print(f"recording on {np.median(on):.1f} vs off {np.median(off):.1f} env steps/s → overhead "
              f"{100 * res['overhead_fraction']:.1f}% (runs on {on}, off {off})")
    res["date"] = time.strftime("%Y-%m-%d %H:%M")
    out.write_text(json.dumps(res, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
