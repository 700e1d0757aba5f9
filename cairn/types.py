"""Core value types shared by every part of cairn: env specs, time steps and transition batches."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


class StepType(enum.IntEnum):
    """Where a time step sits in its episode (the dm_env convention)."""

    FIRST = 0
    MID = 1
    LAST = 2


@dataclass(frozen=True)
class EnvSpec:
    """What a learner needs to know about an environment.

    Attributes:
      env_id: the id the env was made from, e.g. ``"dmc:cheetah-run"``.
      observation_size: length of the flat float32 observation vector.
      action_size: length of the action vector; actions live in [-1, 1].
      reward_names: names of the reward channels, in the order of ``TimeStep.reward``.
        Single-task envs have exactly one channel, ``"task"``.
      observation_keys: for dict observations, the (key, size) pairs in flattening order.
      action_low / action_high: the simulator's own action bounds that [-1, 1] is mapped to.
      reward_version: which definition of the reward channels the env computes; an env that changes
        what a channel means (not only its name) bumps it, so that stored runs of the old definition
        are not silently mixed with new ones by ``--reuse`` / ``--data``. "" for an env's first.
      observation_scale: per-entry factors that bring the observation to unit-like ranges before a
        network sees it (the learners multiply by them; stored observations keep the env's own units).
        Empty: none (dm_control's and Gymnasium's observations are used as they are).
    """

    env_id: str
    observation_size: int
    action_size: int
    reward_names: tuple[str, ...] = ("task",)
    observation_keys: tuple[tuple[str, int], ...] = ()
    action_low: tuple[float, ...] = ()
    action_high: tuple[float, ...] = ()
    reward_version: str = ""
    observation_scale: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        return {
            "env_id": self.env_id,
            "observation_size": self.observation_size,
            "action_size": self.action_size,
            "reward_names": list(self.reward_names),
            "observation_keys": [list(k) for k in self.observation_keys],
            "action_low": list(self.action_low),
            "action_high": list(self.action_high),
            "reward_version": self.reward_version,
            "observation_scale": list(self.observation_scale),
        }


class TimeStep(NamedTuple):
    """One step of interaction.

    ``reward`` is a float32 vector with one entry per ``EnvSpec.reward_names`` (zeros on FIRST).
    ``discount`` is 0.0 on true termination and 1.0 otherwise, including time-limit truncation,
    so a learner keeps bootstrapping through truncations.
    """

    step_type: StepType
    reward: np.ndarray
    discount: float
    observation: np.ndarray

    def first(self) -> bool:
        return self.step_type == StepType.FIRST

    def mid(self) -> bool:
        return self.step_type == StepType.MID

    def last(self) -> bool:
        return self.step_type == StepType.LAST


class Transition(NamedTuple):
    """A batch (or a single) transition (s, a, r, d, s'); leading axes are batch axes.

    ``reward`` here is the scalar reward of the channel a learner trains on, shape ``[B]``;
    ``discount`` is the environment discount (0 at termination), not γ.
    """

    observation: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    discount: np.ndarray
    next_observation: np.ndarray
