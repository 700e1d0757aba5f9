"""The Env protocol and the shared adapter machinery (action checks, rescaling, flattening)."""

from __future__ import annotations

from typing import Mapping, Protocol, runtime_checkable

import numpy as np

from cairn.types import EnvSpec, TimeStep


class InvalidActionError(ValueError):
    """An action with the wrong shape or non-finite values was passed to ``Env.step``."""


@runtime_checkable
class Env(Protocol):
    """dm_env-style environment with flat float32 observations and a named reward vector.

    ``reset()`` returns a FIRST time step; ``step(action)`` takes an action in [-1, 1] of shape
    ``[spec.action_size]`` and returns MID or LAST. Calling ``step`` after LAST starts a new
    episode (like ``reset``).
    """

    spec: EnvSpec

    def reset(self) -> TimeStep: ...

    def step(self, action: np.ndarray) -> TimeStep: ...

    def close(self) -> None: ...


def flatten_observation(obs: Mapping[str, np.ndarray] | np.ndarray, keys: tuple[str, ...] | None) -> np.ndarray:
    """Flatten a dict observation into one float32 vector.

    Dict observations are concatenated in **sorted key order** (``keys`` is that order, computed
    once per env), each entry raveled in C order. Arrays are raveled and cast to float32.
    """
    if keys is None:
        return np.asarray(obs, dtype=np.float32).ravel()
    return np.concatenate([np.asarray(obs[k], dtype=np.float32).ravel() for k in keys])


class ActionAdapter:
    """Checks actions in [-1, 1] and maps them affinely onto the simulator's bounds."""

    def __init__(self, env_id: str, low: np.ndarray, high: np.ndarray):
        low = np.asarray(low, dtype=np.float64).ravel()
        high = np.asarray(high, dtype=np.float64).ravel()
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            raise ValueError(f"{env_id}: unbounded action spaces are not supported (low={low}, high={high})")
        self.env_id = env_id
        self.size = low.shape[0]
        self._scale = (high - low) / 2.0
        self._offset = (high + low) / 2.0
        self.low, self.high = low, high

    def __call__(self, action) -> np.ndarray:
        a = np.asarray(action, dtype=np.float64)
        if a.shape != (self.size,):
            if a.size == self.size and a.ndim > 1 and all(d == 1 for d in a.shape[:-1]):
                a = a.reshape(self.size)
            else:
                raise InvalidActionError(
                    f"{self.env_id}: action has shape {a.shape}, expected ({self.size},) with values in [-1, 1]"
                )
        if not np.all(np.isfinite(a)):
            bad = np.flatnonzero(~np.isfinite(a)).tolist()
            raise InvalidActionError(f"{self.env_id}: action has non-finite values at indices {bad}: {a.tolist()}")
        return np.clip(a, -1.0, 1.0) * self._scale + self._offset


__all__ = ["Env", "InvalidActionError", "ActionAdapter", "flatten_observation"]
