"""Agent registry: name -> learner class. Each learner exposes init/update/act/eval_act."""

from __future__ import annotations

from cairn.agents.sac import SACConfig, SACLearner

AGENTS = {"sac": SACLearner}


def make_learner(name: str, spec, config):
    """Build the learner called ``name`` for ``spec`` from the run config's section of that name."""
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; available: {', '.join(sorted(AGENTS))}")
    return AGENTS[name](spec, getattr(config, name))


__all__ = ["AGENTS", "SACConfig", "SACLearner", "make_learner"]
