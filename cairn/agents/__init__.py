"""Agent registry: name -> learner factory ``(spec, config_section) -> learner``.

Each learner exposes ``init(key)``, a jitted ``update(state, batch)``, ``act``, ``eval_act``,
``policy_params(state)``, ``sample_batch(sampler, rng)``, ``name`` and ``loss_names``.
"""

from __future__ import annotations

import functools

from cairn.agents.mpo import MPOConfig, MPOLearner
from cairn.agents.sac import SACConfig, SACLearner

AGENTS = {
    "sac": SACLearner,
    "mpo": functools.partial(MPOLearner, distributional=False),
    "dmpo": functools.partial(MPOLearner, distributional=True),
}


def make_learner(name: str, spec, config):
    """Build the learner called ``name`` for ``spec`` from the run config's section of that name."""
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; available: {', '.join(sorted(AGENTS))}")
    return AGENTS[name](spec, getattr(config, name))


__all__ = ["AGENTS", "MPOConfig", "MPOLearner", "SACConfig", "SACLearner", "make_learner"]
