"""SAC hyper-parameters (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications")."""

from __future__ import annotations

from dataclasses import dataclass

from cairn.errors import ConfigError


@dataclass(frozen=True)
class SACConfig:
    """Soft actor-critic settings. Defaults follow the SAC paper / SB3 for MuJoCo control."""

    hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden layer sizes of the actor and of each critic."""
    critic_layer_norm: bool = False
    """LayerNorm in the critic's hidden layers (helps at high update-to-data ratios)."""
    num_critics: int = 2
    """Number of Q networks; targets use the minimum over them (clipped double Q)."""
    batch_size: int = 256
    """Transitions per gradient update."""
    actor_lr: float = 3e-4
    """Adam learning rate of the policy."""
    critic_lr: float = 3e-4
    """Adam learning rate of the critics."""
    alpha_lr: float = 3e-4
    """Adam learning rate of the log-temperature."""
    gamma: float = 0.99
    """Discount factor γ."""
    tau: float = 0.005
    """Polyak coefficient for the target critics (target ← (1−τ)·target + τ·online)."""
    init_alpha: float = 0.1
    """Initial entropy temperature α (0.1 as in pytorch_sac for DM Control, whose rewards are in [0, 1];
    SB3 starts at 1.0, which spends the first ~10k updates shrinking α)."""
    target_entropy: float | None = None
    """Entropy target; None means −action_size."""
    n_step: int = 1
    """Steps of reward summed in each critic target before bootstrapping (1: the SAC paper's target).
    Uncorrected: the intermediate actions are the behaviour's, and their entropy terms are left out, as
    in D4PG and Popov et al.; it carries sparse rewards back n times faster."""

    def __post_init__(self):
        errors = []
        if not self.hidden_sizes or any(h <= 0 for h in self.hidden_sizes):
            errors.append(f"sac.hidden_sizes must be positive integers (got {self.hidden_sizes})")
        if self.num_critics < 1:
            errors.append(f"sac.num_critics must be >= 1 (got {self.num_critics})")
        if self.n_step < 1:
            errors.append(f"sac.n_step must be >= 1 (got {self.n_step})")
        if self.batch_size < 1:
            errors.append(f"sac.batch_size must be >= 1 (got {self.batch_size})")
        for name in ("actor_lr", "critic_lr", "alpha_lr", "init_alpha"):
            if not getattr(self, name) > 0:
                errors.append(f"sac.{name} must be > 0 (got {getattr(self, name)})")
        if not 0.0 <= self.gamma <= 1.0:
            errors.append(f"sac.gamma must be in [0, 1] (got {self.gamma})")
        if not 0.0 < self.tau <= 1.0:
            errors.append(f"sac.tau must be in (0, 1] (got {self.tau})")
        if errors:
            raise ConfigError("; ".join(errors))
