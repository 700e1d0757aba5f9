"""Offline training throughput: updates/s of CRR, ABM, OAC and BC against cairn's SAC, interleaved rounds.

Equal network sizes (256×256 policy; 256×256 critic, SAC has two), batch 256, a cheetah-run sized
replay; each learner samples its own batch format. Target (issue 6): offline agents at least SAC's
updates/s, BC faster.

    python bench/offline_speed.py            # 5 rounds × 200 updates each → results/offline_speed.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mpo_speed import HERE, measure

VARIANTS = {"sac": ("sac", None), "crr": ("crr", None), "abm": ("abm", None), "oac": ("oac", None),
            "bc": ("bc", None)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--updates", type=int, default=200)
    ap.add_argument("--out", default=str(HERE / "results" / "offline_speed.json"))
    args = ap.parse_args()
    out = measure(VARIANTS, args.rounds, args.updates)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
