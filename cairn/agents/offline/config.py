"""Hyper-parameters of the offline agents: CRR, ABM and behaviour cloning (OAC is MPO with a BC term,
see ``MPOConfig.bc_weight``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cairn.agents.mpo.config import actor_critic_errors, with_default_vmax
from cairn.errors import ConfigError


@dataclass(frozen=True)
class OfflineConfig:
    """Settings every offline agent shares: networks (MPO's LayerNorm MLPs), optimisation, the critic."""

    policy_hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden layers of the Gaussian policy."""
    critic_hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden layers of the critic."""
    activation: Literal["elu", "relu"] = "elu"
    """Activation after the first (LayerNorm + tanh) layer."""
    squash: Literal["tanh", "clip"] = "tanh"
    """How a Gaussian sample becomes an action: tanh (a tanh-Gaussian, the family of SAC's and MPO's
    policies; measured on SAC data BC reached 267 with it and 47–187, unstable, with clip) or clip (a
    Gaussian over actions)."""
    init_std: float = 0.5
    """Initial standard deviation of the policy."""
    min_std: float = 1e-3
    """Floor of the policy's standard deviation (pre-squash)."""
    batch_size: int = 256
    """Transitions per gradient update."""
    policy_lr: float = 3e-4
    """Adam learning rate of the policy."""
    critic_lr: float = 3e-4
    """Adam learning rate of the critic."""
    grad_norm_clip: float = 40.0
    """Clip the global gradient norm of each network to this value."""
    gamma: float = 0.99
    """Discount factor γ."""
    n_step: int = 5
    """Steps of the critic's n-step return. Values from the data's own returns propagate 5× faster in
    short offline budgets (the data comes from behaviour policies near the learned one; 1 is unbiased)."""
    num_samples: int = 4
    """Actions sampled per state from the policy (advantage baselines, next-state values)."""
    distributional: bool = False
    """Categorical critic (51 atoms on [vmin, vmax]) instead of a scalar one."""
    num_atoms: int = 51
    """Atoms of the categorical critic."""
    vmax: float | None = None
    """Largest representable return of the categorical critic (default as DMPO: 150 × action repeat on
    dm_control, 1600 × otherwise)."""
    vmin: float | None = None
    """Smallest representable return of the categorical critic (default −vmax)."""
    target_update_period: int = 100
    """Copy the online networks into their targets every this many updates."""

    def _check(self) -> list[str]:
        return actor_critic_errors(self)

    def __post_init__(self):
        errors = self._check()
        if errors:
            raise ConfigError("; ".join(errors))

    def resolved(self, env_id: str, action_repeat: int = 1):
        return with_default_vmax(self, env_id, action_repeat)


@dataclass(frozen=True)
class CRRConfig(OfflineConfig):
    """Critic-regularised regression (Wang et al. 2020): behaviour cloning of the data's actions weighted
    by f(A), A = Q(s, a) − mean_j (or max_j) Q(s, a_j), a_j ~ π."""

    policy_lr: float = 3e-4
    """Adam learning rate of the policy (the paper's 3e-5 is for runs of millions of updates; at 3e-5 the
    policy was still near its initial state after 30k updates on cheetah-run data)."""
    bootstrap_samples: int = 1
    """Next actions a′ ~ target π averaged in the critic's bootstrap (the paper's single sample)."""
    advantage_filter: Literal["exp", "binary"] = "exp"
    """f(A) = min(exp(A/β), max_weight) (CRR-exp) or 1[A > 0] (CRR-binary)."""
    advantage_estimate: Literal["mean", "max"] = "mean"
    """Baseline over the sampled actions: their mean Q (V(s)) or their max Q."""
    beta: float = 1.0
    """Temperature β of the exponential filter."""
    max_weight: float = 20.0
    """Upper clip of the exponential weights."""

    def __post_init__(self):
        errors = self._check()
        if self.bootstrap_samples < 1:
            errors.append(f"bootstrap_samples must be >= 1 (got {self.bootstrap_samples})")
        if not self.beta > 0:
            errors.append(f"beta must be > 0 (got {self.beta})")
        if not self.max_weight > 0:
            errors.append(f"max_weight must be > 0 (got {self.max_weight})")
        if errors:
            raise ConfigError("; ".join(errors))


@dataclass(frozen=True)
class ABMConfig(OfflineConfig):
    """Advantage-weighted behaviour model (Siegel et al. 2020): a prior fitted to the data's actions where
    their n-step return beats V(s) (or all of them), and MPO policy improvement inside a KL trust region
    around that prior (its samples, its KL) instead of around the previous policy."""

    prior: Literal["advantage", "plain"] = "advantage"
    """`advantage`: ABM (fit only actions with R̂ − V(s) ≥ 0); `plain`: BM, the plain behaviour model."""
    num_samples: int = 4
    """Actions N sampled per state from the prior for the E-step (4 rather than 10: an update costs
    about 1.3 SAC updates instead of 1.9; bench/offline_speed.py)."""
    value_samples: int = 1
    """Actions sampled per state from the policy for V(s) and the next-state bootstrap."""
    epsilon: float = 0.1
    """KL bound ε of the E-step (temperature dual)."""
    epsilon_mean: float = 0.01
    """KL bound on the policy mean's distance from the prior's."""
    epsilon_stddev: float = 1e-4
    """KL bound on the policy covariance's distance from the prior's."""
    init_log_temperature: float = 10.0
    """Initial unconstrained temperature parameter."""
    init_log_alpha_mean: float = 10.0
    """Initial unconstrained mean-KL multiplier parameter."""
    init_log_alpha_stddev: float = 1000.0
    """Initial unconstrained covariance-KL multiplier parameter."""
    dual_lr: float = 1e-2
    """Adam learning rate of the temperature and the KL multipliers."""

    def __post_init__(self):
        errors = self._check()
        if self.value_samples < 1:
            errors.append(f"value_samples must be >= 1 (got {self.value_samples})")
        for name in ("epsilon", "epsilon_mean", "epsilon_stddev", "dual_lr"):
            if not getattr(self, name) > 0:
                errors.append(f"{name} must be > 0 (got {getattr(self, name)})")
        if errors:
            raise ConfigError("; ".join(errors))


@dataclass(frozen=True)
class BCConfig(OfflineConfig):
    """Behaviour cloning: maximum likelihood of the data's actions (no critic)."""
