"""DeepMind Control Suite adapter: ``dmc:<domain>-<task>``."""

from __future__ import annotations

import numpy as np

import logging
import os

from cairn.envs.base import ActionAdapter, flatten_observation
from cairn.types import EnvSpec, StepType, TimeStep


def _quiet_import():
    """Import dm_control without a display: default to EGL and silence absl's compiler warnings."""
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("MUJOCO_GL", "egl")
    logging.getLogger("absl").setLevel(logging.ERROR)
    from dm_control import suite

    return suite


def dmc_task_ids() -> list[str]:
    suite = _quiet_import()

    return [f"dmc:{d}-{t}" for d, t in suite.ALL_TASKS]


def dmc_manipulation_ids() -> list[str]:
    """dm_control's Jaco manipulation tasks with feature observations (the vision variants need pixels)."""
    _quiet_import()
    from dm_control import manipulation

    return [f"dmc-manip:{name}" for name in sorted(manipulation.ALL) if name.endswith("_features")]


class DMEnvAdapter:
    """A dm_env environment with flat observations (sorted keys, each raveled), rewards as channel ``task``."""

    def __init__(self, env, env_id: str):
        self._env = env
        obs_spec = self._env.observation_spec()
        self._keys = tuple(sorted(obs_spec))
        sizes = tuple((k, int(np.prod(obs_spec[k].shape, dtype=int))) for k in self._keys)
        aspec = self._env.action_spec()
        self.env_id = env_id
        self._act = ActionAdapter(self.env_id, aspec.minimum, aspec.maximum)
        self.spec = EnvSpec(
            env_id=self.env_id,
            observation_size=sum(s for _, s in sizes),
            action_size=self._act.size,
            reward_names=("task",),
            observation_keys=sizes,
            action_low=tuple(self._act.low.tolist()),
            action_high=tuple(self._act.high.tolist()),
        )
        self._needs_reset = True

    @property
    def physics(self):
        return self._env.physics

    def _convert(self, ts) -> TimeStep:
        obs = flatten_observation(ts.observation, self._keys)
        if ts.first():
            return TimeStep(StepType.FIRST, np.zeros(1, np.float32), 1.0, obs)
        reward = np.array([ts.reward or 0.0], np.float32)
        step_type = StepType.LAST if ts.last() else StepType.MID
        discount = 1.0 if ts.discount is None else float(ts.discount)
        return TimeStep(step_type, reward, discount, obs)

    def reset(self) -> TimeStep:
        self._needs_reset = False
        return self._convert(self._env.reset())

    def step(self, action) -> TimeStep:
        a = self._act(action)  # validate before anything reaches the simulator
        if self._needs_reset:
            return self.reset()
        ts = self._convert(self._env.step(a))
        self._needs_reset = ts.last()
        return ts

    def close(self) -> None:
        self._env.close()


class DMCEnv(DMEnvAdapter):
    """A dm_control suite task: ``dmc:<domain>-<task>``."""

    def __init__(self, domain: str, task: str, seed: int | None = None, time_limit: float | None = None):
        suite = _quiet_import()
        kwargs = {"random": seed}
        if time_limit is not None:
            kwargs["time_limit"] = time_limit
        super().__init__(suite.load(domain, task, task_kwargs=kwargs), f"dmc:{domain}-{task}")


class DMCManipulationEnv(DMEnvAdapter):
    """A dm_control Jaco manipulation task with feature observations: ``dmc-manip:<task>``, e.g.
    ``dmc-manip:lift_brick_features`` (the Jaco arm's 9 joint-velocity-style commands in [−1, 1])."""

    def __init__(self, task: str, seed: int | None = None):
        _quiet_import()
        from dm_control import manipulation

        super().__init__(manipulation.load(task, seed=seed), f"dmc-manip:{task}")
