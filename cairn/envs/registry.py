"""Env ids: ``dmc:<domain>-<task>``, ``dmc-manip:<task>``, ``gym:<Id>`` and cairn's block world
``cairn:<task>[-shaped]``; ``make`` and the list behind ``cairn envs``."""

from __future__ import annotations

import difflib
import functools
from typing import Callable

from cairn.envs.base import Env

PREFIXES = ("dmc", "dmc-manip", "gym", "cairn")
_CUSTOM: dict[str, Callable[..., Env]] = {}


class UnknownEnvError(ValueError):
    """An env id that cairn does not know; the message names the closest valid ids."""


def register(env_id: str, factory: Callable[..., Env]) -> None:
    """Make ``env_id`` available to ``make`` (and so to ``train``): ``factory(seed=..., **kwargs) -> Env``."""
    if ":" not in env_id:
        raise ValueError(f"env ids look like 'family:name' (got {env_id!r})")
    _CUSTOM[env_id] = factory


@functools.cache
def _builtin_ids() -> tuple[str, ...]:
    from cairn.envs.blocks import block_world_ids
    from cairn.envs.dmc import dmc_manipulation_ids, dmc_task_ids
    from cairn.envs.gym import gym_mujoco_ids

    return (tuple(sorted(dmc_task_ids())) + tuple(dmc_manipulation_ids()) + tuple(gym_mujoco_ids())
            + tuple(block_world_ids()))


def list_env_ids() -> tuple[str, ...]:
    """Every env id ``make`` accepts, sorted within each family (registered ids last)."""
    return _builtin_ids() + tuple(sorted(_CUSTOM))


def _unknown(env_id: str, why: str = "unknown env id") -> UnknownEnvError:
    ids = list_env_ids()
    close = difflib.get_close_matches(env_id, ids, n=3, cutoff=0.5)
    if not close:  # try matching without the prefix / case
        lowered = {i.lower(): i for i in ids}
        close = [lowered[c] for c in difflib.get_close_matches(env_id.lower(), list(lowered), n=3, cutoff=0.3)]
    hint = f"; did you mean {', '.join(close)}?" if close else "; run `cairn envs` to list valid ids"
    return UnknownEnvError(f"{why} {env_id!r}{hint}")


def reward_versions(env_id: str) -> tuple[str, ...]:
    """The reward definitions (``EnvSpec.reward_version``) ``make(env_id, reward_version=...)`` can build: a
    stored run is resumed and evaluated with the one it was recorded with. Empty: only the current one."""
    if env_id.partition(":")[0] == "cairn" and env_id not in _CUSTOM:
        from cairn.envs.blocks import REWARD_DEFINITIONS

        return tuple(REWARD_DEFINITIONS)
    return ()


def make(env_id: str, seed: int | None = 0, **kwargs) -> Env:
    """Build an environment from its id, seeded for reproducibility.

    >>> env = make("dmc:cartpole-swingup", seed=1)
    >>> env.spec.action_size
    1
    """
    if env_id in _CUSTOM:
        return _CUSTOM[env_id](seed=seed, **kwargs)
    prefix, sep, rest = env_id.partition(":")
    if not sep or prefix not in PREFIXES:
        raise _unknown(env_id)
    if prefix == "cairn":
        from cairn.envs.blocks import block_world_ids, make_block_world

        if env_id not in block_world_ids():
            raise _unknown(env_id)
        return make_block_world(env_id, seed=seed, **kwargs)
    if prefix == "dmc-manip":
        from cairn.envs.dmc import DMCManipulationEnv, dmc_manipulation_ids

        if env_id not in dmc_manipulation_ids():
            raise _unknown(env_id)
        return DMCManipulationEnv(rest, seed=seed, **kwargs)
    if prefix == "dmc":
        from cairn.envs.dmc import _quiet_import

        suite = _quiet_import()
        domain, _, task = rest.rpartition("-")
        if (domain, task) not in set(suite.ALL_TASKS):
            raise _unknown(env_id)
        from cairn.envs.dmc import DMCEnv

        return DMCEnv(domain, task, seed=seed, **kwargs)
    from cairn.envs.gym import GymEnv, gym_mujoco_ids

    if env_id not in gym_mujoco_ids():
        raise _unknown(env_id)
    return GymEnv(rest, seed=seed, **kwargs)
