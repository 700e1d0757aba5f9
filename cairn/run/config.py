"""The run configuration behind ``cairn train``: one frozen dataclass, validated on construction."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Annotated

import tyro

from cairn.errors import ConfigError

from cairn.agents.mpo.config import MPOConfig
from cairn.agents.offline.config import ABMConfig, BCConfig, CRRConfig
from cairn.agents.sac.config import SACConfig
from cairn.agents.sacx.config import SACXConfig


def _oac_defaults() -> MPOConfig:
    from cairn.agents import oac_defaults

    return oac_defaults()

DEFAULT_STORE = "cairn-store"


def resolve_store(store: str | None) -> str:
    """``--store DIR``, else ``$CAIRN_STORE``, else ``./cairn-store``."""
    return store or os.environ.get("CAIRN_STORE") or DEFAULT_STORE


@dataclass(frozen=True)
class TrainConfig:
    """Train an agent on one environment: collect, replay, update, evaluate, checkpoint."""

    env_id: Annotated[str, tyro.conf.Positional]
    """Environment id, e.g. dmc:cartpole-swingup or gym:HalfCheetah-v5 (see `cairn envs`)."""
    agent: str = "sac"
    """Learning agent: sac, mpo, dmpo, sacx (one intention per reward channel), or the offline agents crr,
    abm, oac, bc (each reads its own section of flags, e.g. --dmpo.vmax)."""
    steps: int = 100_000
    """Total environment steps of the run (a resumed run continues up to this number); with --offline,
    gradient updates."""
    seed: int = 0
    """Seed for networks, exploration and the environment."""
    learning_starts: int | None = None
    """Environment steps of uniformly random actions before the first update. Default 5000, and 1000
    with --reuse: the reused data already fills the batches, so a long random warm-up only delays
    learning (its 50% online share is drawn from at least these first transitions)."""
    utd: int = 1
    """Update-to-data ratio: gradient updates per policy step (per env step when --action-repeat is 1)."""
    action_repeat: int = 1
    """Repeat each action this many simulator steps. Env steps (--steps, --eval-every, ...) count
    simulator steps, so a run of N steps makes N / action_repeat policy decisions."""
    eval_every: int = 10_000
    """Evaluate the deterministic policy every this many env steps (0 disables evaluation)."""
    eval_episodes: int = 5
    """Episodes per evaluation."""
    run_name: str | None = None
    """Human-readable name of the run (the run id is generated)."""
    store: str | None = None
    """Runs directory; default $CAIRN_STORE, else ./cairn-store."""
    resume: str | None = None
    """Continue this run (id or name) from its last checkpoint instead of starting a new one."""
    checkpoint_every: int = 25_000
    """Save a checkpoint every this many env steps (0: only at the end and on Ctrl-C)."""
    replay_capacity: int = 1_000_000
    """Transitions kept in the online replay."""
    log_every: int = 1_000
    """Write training metrics every this many env steps."""
    record: bool = True
    """Record every transition (training and evaluation) in the store (--no-record turns it off)."""
    flush_seconds: float = 5.0
    """Write finished episodes to the store at least this often (seconds)."""
    reuse: str | None = None
    """Replay across Experiments: also train on stored data of earlier runs matching this selector
    (a run id, a run name, 'env' for every run on this env id, or a SQL WHERE clause over runs)."""
    reuse_ratio: float | None = None
    """Share of each batch drawn from the reused (prior) data; the rest comes from this run's replay.
    Default 0.5 with --reuse (RaE's 50/50) and 0.75 when --online fine-tunes an offline run (on the
    cheetah-run benchmark 0.5 let the few first online transitions dominate and dipped the return)."""
    offline: bool = False
    """Learn from stored data only (--data): no environment interaction except evaluation episodes;
    --steps, --eval-every, --checkpoint-every and --log-every then count gradient updates."""
    data: str | None = None
    """With --offline: the stored runs to learn from (same selectors as --reuse)."""
    online: bool = False
    """With --resume of an offline run: fine-tune it online, keeping its --data as a prior replay
    source at --reuse-ratio; --steps counts the new env steps."""
    json: bool = False
    """Print one JSON summary object as the last line on stdout."""
    scale_observations: bool = True
    """Multiply observations by the env's observation scale (EnvSpec.observation_scale; the block world's
    puts positions in decimetres) before the networks see them; stored observations keep the env's units.
    Envs without one (dm_control, Gymnasium) are unaffected. --no-scale-observations turns it off; runs
    saved before this option resume without it."""
    sac: SACConfig = field(default_factory=SACConfig)
    """SAC hyper-parameters."""
    mpo: MPOConfig = field(default_factory=MPOConfig)
    """MPO hyper-parameters (expected-value critic; n-step or Retrace targets)."""
    dmpo: MPOConfig = field(default_factory=lambda: MPOConfig(sample_precision="auto"))
    """DMPO hyper-parameters (MPO with a categorical distributional critic)."""
    crr: CRRConfig = field(default_factory=CRRConfig)
    """CRR hyper-parameters (critic-regularised regression)."""
    abm: ABMConfig = field(default_factory=ABMConfig)
    """ABM hyper-parameters (advantage-weighted behaviour model + MPO)."""
    oac: MPOConfig = field(default_factory=_oac_defaults)
    """OAC hyper-parameters: DMPO with a behaviour-cloning term of weight --oac.bc-weight."""
    bc: BCConfig = field(default_factory=BCConfig)
    """Behaviour-cloning hyper-parameters."""
    sacx: SACXConfig = field(default_factory=SACXConfig)
    """SAC-X hyper-parameters: SAC's (per intention) and the scheduler's."""

    def __post_init__(self):
        errors = []
        if self.steps <= 0:
            errors.append(f"--steps must be a positive number of env steps (got {self.steps})")
        if self.learning_starts is not None and self.learning_starts < 0:
            errors.append(f"--learning-starts must be >= 0 (got {self.learning_starts})")
        if self.action_repeat < 1:
            errors.append(f"--action-repeat must be >= 1 (got {self.action_repeat})")
        if self.utd < 1:
            errors.append(f"--utd must be >= 1 update per env step (got {self.utd})")
        if self.eval_every < 0:
            errors.append(f"--eval-every must be >= 0; 0 disables evaluation (got {self.eval_every})")
        if self.eval_episodes < 1:
            errors.append(f"--eval-episodes must be >= 1 (got {self.eval_episodes})")
        if self.checkpoint_every < 0:
            errors.append(f"--checkpoint-every must be >= 0 (got {self.checkpoint_every})")
        if self.replay_capacity < 1:
            errors.append(f"--replay-capacity must be >= 1 (got {self.replay_capacity})")
        if self.reuse_ratio is not None and not 0.0 <= self.reuse_ratio <= 1.0:
            errors.append(f"--reuse-ratio must be in [0, 1] (got {self.reuse_ratio})")
        if self.flush_seconds <= 0:
            errors.append(f"--flush-seconds must be > 0 (got {self.flush_seconds})")
        if self.log_every < 1:
            errors.append(f"--log-every must be >= 1 (got {self.log_every})")
        if self.offline and not self.data:
            errors.append("--offline needs --data SELECTOR: the stored runs to learn from (see `cairn store ls`)")
        if self.data and not (self.offline or self.online):
            errors.append("--data is for --offline training; to mix earlier runs into an online run use --reuse")
        if self.offline and self.reuse:
            errors.append("--reuse mixes stored data into online runs; with --offline name the data with --data")
        if self.offline and self.online:
            errors.append("--offline and --online exclude each other (--online fine-tunes a finished offline run)")
        from cairn.agents import AGENTS

        if self.agent not in AGENTS:
            errors.append(f"unknown agent {self.agent!r}; available: {', '.join(sorted(AGENTS))}")
        else:  # flags of another agent's section would be silently ignored
            defaults = {f.name: f.default_factory for f in dataclasses.fields(self) if f.name in AGENTS}
            for name, default in defaults.items():
                section = getattr(self, name)
                if name != self.agent and section != default():
                    errors.append(f"--{name}.* flags have no effect with --agent {self.agent}; "
                                  f"use --{self.agent}.* (or --agent {name})")
        if errors:
            raise ConfigError("; ".join(errors))

    @property
    def prior_share(self) -> float:
        """The reused data's share of each batch: --reuse-ratio, or its default for this kind of run."""
        if self.reuse_ratio is not None:
            return self.reuse_ratio
        return 0.75 if self.online else 0.5

    @property
    def warmup_steps(self) -> int:
        """Env steps of random actions before the first update: --learning-starts, or its default."""
        if self.learning_starts is not None:
            return self.learning_starts
        return 1_000 if self.reuse else 5_000

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Rebuild a config saved with ``to_dict`` (JSON turns tuples into lists; unknown keys are ignored;
        only the run's own agent section is kept, the others take today's defaults)."""
        d = dict(d)
        d.setdefault("scale_observations", False)  # saved before the option existed: its networks saw raw inputs
        sections = {}
        for f in dataclasses.fields(cls):
            if f.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(default := f.default_factory()):
                raw = dict(d.pop(f.name, {}) or {})
                if f.name != d.get("agent", "sac"):
                    continue  # other agents' sections are irrelevant (and may hold older defaults)
                inner = {g.name for g in dataclasses.fields(default)}
                raw = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in inner}
                if "sample_precision" in inner:
                    raw.setdefault("sample_precision", "float32")  # saved before the option: float32 targets
                sections[f.name] = dataclasses.replace(default, **raw)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known}, **sections)
