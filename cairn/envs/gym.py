"""Gymnasium MuJoCo adapter: ``gym:<Id>`` (e.g. ``gym:HalfCheetah-v5``)."""

from __future__ import annotations

import numpy as np

from cairn.envs.base import ActionAdapter, flatten_observation
from cairn.types import EnvSpec, StepType, TimeStep


def gym_mujoco_ids() -> list[str]:
    import gymnasium

    ids = []
    for env_id, entry in gymnasium.envs.registry.items():
        ep = entry.entry_point if isinstance(entry.entry_point, str) else ""
        if "gymnasium.envs.mujoco" in ep:
            ids.append(f"gym:{env_id}")
    return sorted(ids)


class GymEnv:
    """A Gymnasium env with Box actions; ``terminated`` → discount 0, ``truncated`` → discount 1."""

    def __init__(self, gym_id: str, seed: int | None = None, **kwargs):
        import gymnasium
        from gymnasium import spaces

        self._env = gymnasium.make(gym_id, **kwargs)
        self.env_id = f"gym:{gym_id}"
        aspace = self._env.action_space
        if not isinstance(aspace, spaces.Box):
            raise ValueError(f"{self.env_id}: only continuous (Box) action spaces are supported, got {aspace}")
        ospace = self._env.observation_space
        if isinstance(ospace, spaces.Dict):
            self._keys = tuple(sorted(ospace.spaces))
            sizes = tuple((k, int(np.prod(ospace[k].shape, dtype=int))) for k in self._keys)
        elif isinstance(ospace, spaces.Box):
            self._keys = None
            sizes = ()
        else:
            raise ValueError(f"{self.env_id}: observation space {ospace} cannot be flattened to a float vector")
        self._act = ActionAdapter(self.env_id, aspace.low, aspace.high)
        obs_size = sum(s for _, s in sizes) if sizes else int(np.prod(ospace.shape, dtype=int))
        self.spec = EnvSpec(
            env_id=self.env_id,
            observation_size=obs_size,
            action_size=self._act.size,
            reward_names=("task",),
            observation_keys=sizes,
            action_low=tuple(self._act.low.tolist()),
            action_high=tuple(self._act.high.tolist()),
        )
        self._seed = seed
        self._needs_reset = True

    def reset(self) -> TimeStep:
        obs, _ = self._env.reset(seed=self._seed)
        self._seed = None  # seed once; later resets continue the env's own RNG stream
        self._needs_reset = False
        return TimeStep(StepType.FIRST, np.zeros(1, np.float32), 1.0, flatten_observation(obs, self._keys))

    def step(self, action) -> TimeStep:
        a = self._act(action)
        if self._needs_reset:
            return self.reset()
        obs, reward, terminated, truncated, _ = self._env.step(a.astype(self._env.action_space.dtype))
        last = bool(terminated or truncated)
        self._needs_reset = last
        return TimeStep(
            StepType.LAST if last else StepType.MID,
            np.array([reward], np.float32),
            0.0 if terminated else 1.0,
            flatten_observation(obs, self._keys),
        )

    def close(self) -> None:
        self._env.close()
