"""SAC-X hyper-parameters: SAC's, per intention, plus the scheduler's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cairn.agents.sac.config import SACConfig
from cairn.errors import ConfigError


@dataclass(frozen=True)
class SACXConfig(SACConfig):
    """Scheduled auxiliary control: one SAC policy and critic pair per reward channel (intention), all
    trained on every sampled transition with their own channel; a scheduler picks the acting one."""

    intentions: tuple[str, ...] = ()
    """Reward channels to learn an intention for (the main task, channel 0, is always one); empty: all
    except those repeating another channel in a second reward form (names ending in `_shaped` or
    `_sparse`, e.g. the block world's `reach_shaped`), which are intentions only when named here.
    An entry may be a weighted sum of channels, optionally named: `grasp=0.5*reach_shaped+0.5*touch_shaped`
    (staged rewards from stored channels). Each intention costs one SAC update, so e.g. `--sacx.intentions
    reach touch` with cairn:lift trains 3."""
    shared_torso: bool = False
    """One actor torso with a head per intention and one critic torso (per twin) with an output per
    intention, as in the SAC-X paper, instead of a separate SAC per intention. Critic training and the
    actor's torso then run once per update instead of once per intention (bench/sacx_speed.py)."""
    scheduler: Literal["uniform", "q"] = "q"
    """`uniform` (SAC-U) or `q` (SAC-Q: softmax over a Monte-Carlo table of the main task's return)."""
    switch_every: int = 50
    """ξ: env steps (decisions) between intention switches."""
    switch_min: int = 0
    """When > 0, each intention's segment lasts a number of steps drawn uniformly from [switch_min,
    switch_every] instead of exactly switch_every (cairn's option, not the paper's), so that intentions hand
    over at every stage of a task, e.g. part-way through an approach."""
    scheduler_temperature: float = 0.1
    """η of SAC-Q's softmax over Q values (main-task reward per step, in [0, 1] for sparse rewards)."""
    scheduler_lr: float = 0.1
    """Step size of SAC-Q's Monte-Carlo table updates."""
    main_first: float = 0.0
    """Probability that an episode is opened by the main intention, whatever the scheduler prefers (cairn's
    option, not the paper's): on-policy data for the main intention from the start states it is evaluated on."""
    gpi: bool = False
    """Generalised policy improvement for the main intention (cairn's option, not the paper's; Barreto et al.
    2017): every intention proposes an action (a sample from its policy; its mean in evaluation) and the main
    intention acts with the one its own critic — trained on the main reward only — values most; its critic's
    bootstrap is the larger of its own soft value and the best other proposal's value, so the main task's
    value spreads along what the auxiliary intentions already do (reach, grasp) instead of only along what its
    own policy does. Separate networks only. Steps where the main intention acts store log Σ_k π_k(a|s) over
    the proposing intentions as the behaviour log-probability: the chosen action's density is not one
    policy's, and this sum bounds it from above, so that importance ratios computed from it (``traced``)
    are bounded from below (runs recorded before 2026-12-05's sixth session stored NaN)."""
    gpi_soft_floor: bool = False
    """With ``gpi``: the bootstrap is max(Q̄(s′, a′), best other proposal's Q̄) − α·log π(a′|s′) — the other
    proposals compared by Q alone, the main policy's entropy term kept either way. Off (v7): max(Q̄(s′, a′) −
    α·log π(a′|s′), best other proposal's Q̄), where a proposal as good as the main policy's own wins by
    α·|log π| (0.28 at v7's α ≈ 0.07 and entropy −4 by 300k): its share of the main critic's targets rose from
    0.19 (46k) to 0.59 (266k) as α grew, and the main critic's loss with it (v7 seed 0). In a trial on the lift
    (with the block world's reward_version 4, 2026-12-05) it learned slower than without: 0% of 60 episodes at
    146k, sparse lift on 0–3‰ of training steps to 80k against 21–28‰ without it (one seed each)."""

    traced: bool = False
    """Each intention's n-step windows (``n_step``) are cut at step t with probability 1 − c_t, its own trace
    c_t = λ·min(1, π_k(a_t|s_t)/μ(a_t|s_t)) (`cairn.ops.traced_n_step`): the paper's off-policy correction
    (Retrace there) of returns collected by other intentions, in a form that keeps SAC's one-step update.
    Without it the n-step returns are uncorrected (as D4PG's). Steps of unknown behaviour (NaN μ) cut.
    Separate networks only. In a trial on the lift (v7's flags with it, 2026-12-05) the traces all but
    vanished once the policies had narrowed: mean window lengths fell from 1.8–3.0 at 6k env steps to
    1.02–1.06 for the auxiliary intentions and 1.3 for the main one at 18k (the stored actions of older
    policies, and of other intentions, are unlikely under each intention's current policy), i.e. one-step
    targets; it was stopped there."""
    trace_lambda: float = 0.95
    """λ of ``traced``'s traces."""

    def __post_init__(self):
        super().__post_init__()
        errors = []
        if self.traced and self.shared_torso:
            errors.append("sacx.traced needs separate networks per intention: drop --sacx.shared-torso or --sacx.traced")
        if not 0.0 <= self.trace_lambda <= 1.0:
            errors.append(f"sacx.trace_lambda must be in [0, 1] (got {self.trace_lambda})")
        if self.switch_every < 1:
            errors.append(f"sacx.switch_every must be >= 1 (got {self.switch_every})")
        if not 0 <= self.switch_min <= self.switch_every:
            errors.append(f"sacx.switch_min must be in [0, switch_every = {self.switch_every}] (got {self.switch_min})")
        if not self.scheduler_temperature > 0:
            errors.append(f"sacx.scheduler_temperature must be > 0 (got {self.scheduler_temperature})")
        if not 0 < self.scheduler_lr <= 1:
            errors.append(f"sacx.scheduler_lr must be in (0, 1] (got {self.scheduler_lr})")
        if not 0.0 <= self.main_first <= 1.0:
            errors.append(f"sacx.main_first must be in [0, 1] (got {self.main_first})")
        if self.gpi_soft_floor and not self.gpi:
            errors.append("sacx.gpi_soft_floor changes the GPI bootstrap: add --sacx.gpi")
        if self.gpi and self.shared_torso:
            errors.append("sacx.gpi needs separate networks per intention: drop --sacx.shared-torso or --sacx.gpi")
        if errors:
            raise ConfigError("; ".join(errors))
