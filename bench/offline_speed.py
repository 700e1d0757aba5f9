"""Offline training throughput: updates/s of CRR, ABM, OAC and BC against cairn's SAC, interleaved rounds.

Equal network sizes (256×256 policy; 256×256 critic, SAC has two), batch 256, a cheetah-run sized
replay; each learner samples its own batch format. Target (issue 6): offline agents at least SAC's
updates/s, BC faster. "sac (LayerNorm critics)" is SAC as the cheetah-run benchmarks run it (every hidden
layer of both critics normalised; the offline agents normalise the first layer of every network).

    python bench/offline_speed.py            # 20 rounds × 100 updates each → results/offline_speed.json
"""

from __future__ import annotations

import mpo_speed
from cairn.agents.sac import SACConfig

VARIANTS = {"sac": ("sac", None), "sac (LayerNorm critics)": ("sac", SACConfig(critic_layer_norm=True)),
            "crr": ("crr", None), "abm": ("abm", None), "oac": ("oac", None), "bc": ("bc", None)}

if __name__ == "__main__":
    mpo_speed.main(VARIANTS, "offline_speed.json", __doc__)
