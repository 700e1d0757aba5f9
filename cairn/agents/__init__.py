"""Agent registry: name -> learner factory ``(spec, config_section) -> learner``.

Each learner exposes ``init(key)``, a jitted ``update(state, batch)``, ``act``, ``eval_act``,
``policy_params(state)``, ``sample_batch(sampler, rng)``, ``name`` and ``loss_names``.
"""

from __future__ import annotations

import functools

from cairn.agents.mpo import MPOConfig, MPOLearner
from cairn.agents.offline import ABMConfig, ABMLearner, BCConfig, BCLearner, CRRConfig, CRRLearner
from cairn.agents.sac import SACConfig, SACLearner
from cairn.agents.sacx import SACXConfig, SACXLearner
from cairn.agents.scaled import ScaledInputs

AGENTS = {
    "sac": SACLearner,
    "mpo": functools.partial(MPOLearner, distributional=False),
    "dmpo": functools.partial(MPOLearner, distributional=True),
    "crr": CRRLearner,
    "abm": ABMLearner,
    "oac": functools.partial(MPOLearner, distributional=True, name="oac"),
    "bc": BCLearner,
    "sacx": SACXLearner,
}

# Agents made for learning from stored data (`--offline --data`); every agent can also be trained offline.
OFFLINE_AGENTS = ("crr", "abm", "oac", "bc")


def oac_defaults() -> MPOConfig:
    """The offline actor-critic's section: DMPO with a BC term of weight α = 0.9, a looser mean trust
    region (ε_μ = 0.01), 2 samples per state (an update then costs about 1.05 SAC updates, 4 samples
    1.2; see bench/offline_speed.py) and a 1e-3 floor on the policy's std. α and ε_μ: on one seed of the
    cheetah-run benchmark data α = 0.5 reached 187 after 15k updates and α = 0.9 with ε_μ = 0.01
    reached 271 after 12k; the critic is young in budgets this short, so the BC term must dominate.
    Once `--online` fine-tunes the run, α moves linearly to 0.5 over 10k updates (online data now
    corrects the critic where the policy goes), and a Polyak average of the policy (τ = 0.005) acts and
    is evaluated. On the benchmark, switching to α = 0.5 at once dipped 15% (seed 1) without the
    average, 8% (seed 1) and 37% (seed 0) with it; the 10k-update anneal dipped 15% on seed 0."""
    return MPOConfig(bc_weight=0.9, epsilon_mean=0.01, num_samples=2, min_std=1e-3, policy_ema=0.005,
                     online_bc_weight=0.5, online_bc_anneal=10_000)


def make_learner(name: str, spec, config):
    """Build the learner called ``name`` for ``spec`` from the run config's section of that name; with
    ``config.scale_observations`` (the default) and an env that has an observation scale, the learner sees
    observations multiplied by it (``ScaledInputs``)."""
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; available: {', '.join(sorted(AGENTS))}")
    learner = AGENTS[name](spec, getattr(config, name))
    if getattr(config, "scale_observations", False) and spec.observation_scale:
        learner = ScaledInputs(learner, spec.observation_scale)
    return learner


__all__ = ["AGENTS", "ABMConfig", "BCConfig", "CRRConfig", "MPOConfig", "MPOLearner", "OFFLINE_AGENTS", "SACConfig",
           "SACLearner", "SACXConfig", "SACXLearner", "ScaledInputs", "make_learner", "oac_defaults"]
