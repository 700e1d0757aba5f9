"""MPO / DMPO hyper-parameters (Abdolmaleki et al. 2018; Acme's MPO agent as the starting point)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from cairn.errors import ConfigError


@dataclass(frozen=True)
class MPOConfig:
    """Maximum a-posteriori policy optimisation settings; the same section drives `mpo` (expected-value
    critic) and `dmpo` (categorical distributional critic).

    Defaults are Acme's, except where noted: learning rates 3e-4 (Acme's DMPO control-suite script;
    the generic 1e-4 is tuned for budgets of millions of steps) and SAC's 256×256 networks, so that an
    update costs about twice a SAC update (Acme's 256×3 policy and 512-512-256 critic cost ~8×).
    """

    policy_hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden layers of the Gaussian policy (LayerNorm MLP)."""
    critic_hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden layers of the critic (LayerNorm MLP on the concatenated observation and action)."""
    activation: Literal["elu", "relu"] = "elu"
    """Activation of the hidden layers after the first (LayerNorm + tanh) one; ELU as in Acme."""
    num_samples: int = 20
    """Actions N sampled per state from the target policy (E-step and the critic's next-state values)."""
    sample_precision: Literal["auto", "float32", "bfloat16"] = "float32"
    """Precision of the target critic's hidden matrix products over the N sampled actions per state (the
    largest piece of an update: N·B rows through a 256 × 256 layer): `bfloat16` rounds their operands to
    bfloat16 and accumulates in float32 (a TPU's default precision; twice float32's speed on CPUs with
    AVX512-BF16), `float32` throughout, `auto` bfloat16 where the machine multiplies it natively (TPU;
    CPU flags avx512_bf16 or amx_bf16) and float32 elsewhere. The trained networks, their gradients and
    the output head stay float32. `dmpo` defaults to `auto` (on an AVX512-BF16 CPU its update takes 1.8×
    SAC's time instead of 2.1×; E-step weights 0.8–1.2% from float32's in total variation on four trained
    critics; bench/mpo_speed.py and bench/mpo_precision.py), `mpo` to `float32` (its scalar head is more
    sensitive: 5–7%)."""
    estep_states: Literal["next", "current"] = "next"
    """States of the E-step/M-step: `next` reuses the N target-policy actions and target-critic values
    that the critic's bootstrap needs at the next states s′ (one batched evaluation instead of two;
    where an episode ended, the transition's own s is used), `current` samples separately at s as in
    the paper (about 1.6× the cost of an update)."""
    epsilon: float = 0.1
    """KL bound ε of the E-step (temperature dual)."""
    epsilon_mean: float = 0.0025
    """KL bound ε_μ on the change of the policy mean (decoupled M-step)."""
    epsilon_stddev: float = 1e-6
    """KL bound ε_Σ on the change of the policy covariance (decoupled M-step)."""
    per_dim_kl: bool = True
    """One KL constraint (and multiplier) per action dimension instead of one for the sum."""
    init_log_temperature: float = 10.0
    """Initial unconstrained temperature parameter (η = softplus(param) + 1e-8)."""
    init_log_alpha_mean: float = 10.0
    """Initial unconstrained parameter of the mean-KL multiplier α_μ."""
    init_log_alpha_stddev: float = 1000.0
    """Initial unconstrained parameter of the covariance-KL multiplier α_Σ."""
    action_penalty: bool = False
    """MO-MPO action penalty: a second objective −‖u − clip(u, −b, b)‖ on the pre-squash samples u, with its
    own temperature (b = `penalty_bound`). With --squash clip and b = 1 (Acme's choice) it keeps samples in
    the box; with tanh and b ≈ 2 it keeps the mean from drifting where tanh is flat (tanh 2 = 0.96): there
    every sample maps to nearly the same action, the E-step weights go uniform and nothing pulls it back."""
    penalty_bound: float = 1.0
    """b of the action penalty, in pre-squash units."""
    epsilon_penalty: float = 1e-3
    """KL bound of the action-penalty objective's E-step."""
    squash: Literal["tanh", "clip"] = "tanh"
    """How a Gaussian sample becomes an action in [−1, 1]: tanh (exact log-probabilities in the store;
    KLs between tanh-Gaussians equal those of their Gaussians) or clip (Acme's choice)."""
    init_std: float = 0.5
    """Initial standard deviation of the (pre-squash) Gaussian."""
    min_std: float = 1e-6
    """Floor of the policy's standard deviation."""
    critic_target: Literal["n_step", "retrace", "traced"] = "n_step"
    """`n_step` returns (uncorrected for the behaviour policy); `retrace` (mpo only: truncated importance
    weights from the stored behaviour log-probabilities); or `traced`: n-step returns cut at step t with
    probability 1 − c_t, the same traces (mpo and dmpo: the cut return projects onto the categorical support)."""
    n_step: int = 5
    """Steps of the n-step return, and the sequence length of Retrace and `traced`."""
    retrace_lambda: float = 0.95
    """λ of the traces c = λ·min(1, π/μ) of Retrace and `traced`."""
    num_atoms: int = 51
    """dmpo: atoms of the categorical critic on [vmin, vmax]."""
    critic_layer_norm: bool = False
    """LayerNorm in each of the critic's hidden layers (Acme's torso has it in the first only), as
    SAC's `--sac.critic-layer-norm`: a regulariser that helps at high update-to-data ratios."""
    small_critic_head: bool = False
    """Initialise the critic's output layer near zero (variance scaling 1e-5, as Acme's categorical
    head): every action starts with the same value, so the first E-steps do not chase init noise."""
    vmax: float | None = None
    """dmpo: largest representable return; the support is [vmin, vmax]. Default: 150 × action repeat
    for dm_control tasks (rewards in [0, 1] per simulator step, so Q ≤ 100 per unit of repeat),
    1600 × action repeat otherwise (Gym locomotion). Values beyond it are clipped, so watch q_mean."""
    vmin: float | None = None
    """dmpo: smallest representable return (default −vmax). Where rewards are never negative (dm_control)
    `--dmpo.vmin 0` puts every atom where returns can be: with vmax 100 × action repeat (the exact bound),
    the atoms are 3× as fine as on the default [−150, 150] × repeat."""
    batch_size: int = 256
    """Transitions (or sequences) per gradient update."""
    policy_lr: float = 3e-4
    """Adam learning rate of the policy."""
    critic_lr: float = 3e-4
    """Adam learning rate of the critic."""
    dual_lr: float = 1e-2
    """Adam learning rate of the temperature and KL multipliers."""
    grad_norm_clip: float = 40.0
    """Clip the global gradient norm of the policy and of the critic to this value."""
    gamma: float = 0.99
    """Discount factor γ."""
    target_update_period: int = 100
    """Copy the online policy and critic into their targets every this many updates."""
    policy_ema: float = 0.0
    """Polyak rate τ of an exponential moving average of the policy's parameters, which then acts and
    is evaluated in its place (0: off). Smooths the update-to-update wobble of the returned policy."""
    bc_weight: float = 0.0
    """α of the KL-regularised offline actor-critic (agent `oac`; Springenberg et al. 2024): the policy
    loss is α·(−log π(a|s)) on the batch's own actions + (1 − α)·(MPO's weighted fit). 0 is plain MPO,
    1 pure behaviour cloning; the KL trust regions apply in both cases."""
    online_bc_weight: float | None = None
    """α once `--online` fine-tunes an offline `oac` run (None: keep bc_weight)."""
    online_bc_anneal: int = 0
    """Updates over which α moves linearly from bc_weight to online_bc_weight when fine-tuning starts
    (0: at once)."""

    def __post_init__(self):
        errors = actor_critic_errors(self)
        for name in ("epsilon", "epsilon_mean", "epsilon_stddev", "epsilon_penalty", "penalty_bound", "dual_lr"):
            if not getattr(self, name) > 0:
                errors.append(f"{name} must be > 0 (got {getattr(self, name)})")
        if self.online_bc_anneal < 0:
            errors.append(f"online_bc_anneal must be >= 0 (got {self.online_bc_anneal})")
        if not 0.0 <= self.policy_ema < 1.0:
            errors.append(f"policy_ema must be in [0, 1) (got {self.policy_ema})")
        for name in ("bc_weight", "online_bc_weight"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                errors.append(f"{name} must be in [0, 1] (got {value})")
        if not 0.0 <= self.retrace_lambda <= 1.0:
            errors.append(f"retrace_lambda must be in [0, 1] (got {self.retrace_lambda})")
        if errors:
            raise ConfigError("; ".join(errors))

    def resolved(self, env_id: str, action_repeat: int = 1) -> "MPOConfig":
        """This config with defaults that depend on the task filled in (``vmax``)."""
        return with_default_vmax(self, env_id, action_repeat)


def actor_critic_errors(c) -> list[str]:
    """Problems with the settings every MPO-family config shares (networks, optimisation, critic support)."""
    errors = []
    for name in ("policy_hidden_sizes", "critic_hidden_sizes"):
        sizes = getattr(c, name)
        if not sizes or any(h <= 0 for h in sizes):
            errors.append(f"{name} must be positive integers (got {sizes})")
    for name in ("num_samples", "batch_size", "n_step", "target_update_period"):
        if getattr(c, name) < 1:
            errors.append(f"{name} must be >= 1 (got {getattr(c, name)})")
    if c.num_atoms < 2:
        errors.append(f"num_atoms must be >= 2 (got {c.num_atoms})")
    if c.vmax is not None and not c.vmax > 0:
        errors.append(f"vmax must be > 0 (got {c.vmax})")
    if c.vmin is not None and c.vmax is not None and not c.vmin < c.vmax:
        errors.append(f"vmin must be < vmax (got vmin {c.vmin}, vmax {c.vmax})")
    for name in ("init_std", "policy_lr", "critic_lr", "grad_norm_clip"):
        if not getattr(c, name) > 0:
            errors.append(f"{name} must be > 0 (got {getattr(c, name)})")
    if not 0.0 <= c.min_std < c.init_std:
        errors.append(f"min_std must be in [0, init_std) (got {c.min_std})")
    if not 0.0 <= c.gamma <= 1.0:
        errors.append(f"gamma must be in [0, 1] (got {c.gamma})")
    return errors


def with_default_vmax(c, env_id: str, action_repeat: int = 1):
    """``c`` with its categorical support filled in when unset: vmax 150 × action repeat for dm_control
    tasks (rewards in [0, 1] per simulator step), 1600 × action repeat otherwise (Gym locomotion); vmin −vmax."""
    if c.vmax is None:
        per_step = 150.0 if env_id.startswith("dmc") else 1600.0
        c = dataclasses.replace(c, vmax=per_step * action_repeat)
    if c.vmin is None:
        c = dataclasses.replace(c, vmin=-c.vmax)
    return c  # replace() ran the config's checks: a vmin at or above the filled-in vmax is refused there

