"""Offline training throughput: updates/s of CRR, ABM, OAC and BC against cairn's SAC, interleaved rounds.

Equal network sizes (256×256 policy; 256×256 critic, SAC has two), batch 256, a cheetah-run sized
replay; each learner samples its own batch format. Target (issue 6): offline agents at least SAC's
updates/s, BC faster.

    python bench/offline_speed.py            # 20 rounds × 100 updates each → results/offline_speed.json
"""

from __future__ import annotations

import mpo_speed

VARIANTS = {"sac": ("sac", None), "crr": ("crr", None), "abm": ("abm", None), "oac": ("oac", None),
            "bc": ("bc", None)}

if __name__ == "__main__":
    mpo_speed.main(VARIANTS, "offline_speed.json", __doc__)
