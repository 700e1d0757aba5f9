"""A finished (or running) run's policy back in memory: its config, an env built as it was trained, the
learner and the learner state from a checkpoint. Used by ``cairn eval`` and the benchmarks that probe
trained policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import jax

from cairn.agents import make_learner
from cairn.envs.registry import reward_versions
from cairn.run.checkpoint import load_checkpoint
from cairn.run.config import TrainConfig
from cairn.run.loop import make_run_env
from cairn.run.rundir import RunDir


class TrainedRun(NamedTuple):
    config: TrainConfig
    env: Any  # the run's env (its id and action repeat) at the given seed
    learner: Any
    state: Any  # learner state from the checkpoint
    loop: dict  # the checkpoint's loop counters (env_step, ...)


def load_trained(run: RunDir, seed: int, checkpoint: Path | None = None) -> TrainedRun:
    """Rebuild ``run``'s env (seeded ``seed``; with the reward definition it was recorded with where the env
    still computes it) and learner from its stored config and load ``checkpoint``
    (default: the run's latest). Raises ``ConfigError`` when the checkpoint does not fit the learner."""
    config = TrainConfig.from_dict(run.read_config())
    recorded = (run.read_meta().get("env_spec") or {}).get("reward_version")
    # the reward definition the run was trained with, where the env still computes it (its intentions'
    # evaluation returns then mean what they meant in training)
    kwargs = {"reward_version": recorded} if recorded in reward_versions(config.env_id) else {}
    env = make_run_env(config.env_id, seed, config.action_repeat, **kwargs)
    learner = make_learner(config.agent, env.spec, config)
    state, loop, _ = load_checkpoint(checkpoint or run.checkpoint_path, learner.init(jax.random.PRNGKey(0)))
    return TrainedRun(config, env, learner, state, loop)
