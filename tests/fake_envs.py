"""Tiny environments for fast tests, implementing the cairn Env protocol without a simulator."""

from __future__ import annotations

import numpy as np

from cairn.envs import register
from cairn.types import EnvSpec, StepType, TimeStep


class TargetActionEnv:
    """One-step episodes: reward −Σ(a − target)², observation a constant 3-vector; discount 0 (terminal).

    The optimal deterministic action is ``target``; SAC learns it within a few hundred updates.
    """

    def __init__(self, seed=None, target=(0.5, -0.3), reward_scale=1.0, episode_length=1, env_id="test:target"):
        self.target = np.asarray(target, np.float32)
        self.reward_scale = reward_scale
        self.episode_length = episode_length
        self.spec = EnvSpec(env_id, observation_size=3, action_size=len(target), reward_names=("task",))
        self._obs = np.array([1.0, 0.0, -1.0], np.float32)
        self._t = 0

    def reset(self):
        self._t = 0
        return TimeStep(StepType.FIRST, np.zeros(1, np.float32), 1.0, self._obs.copy())

    def step(self, action):
        self._t += 1
        r = -np.sum((np.asarray(action, np.float32) - self.target) ** 2) * self.reward_scale
        last = self._t >= self.episode_length
        return TimeStep(StepType.LAST if last else StepType.MID, np.array([r], np.float32),
                        0.0 if last else 1.0, self._obs.copy())

    def close(self):
        pass


register("test:target", lambda seed=None: TargetActionEnv(seed))
register("test:target10", lambda seed=None: TargetActionEnv(seed, episode_length=10, env_id="test:target10"))
register("test:explode", lambda seed=None: TargetActionEnv(seed, reward_scale=3e38, env_id="test:explode"))


class TwoTargetsEnv(TargetActionEnv):
    """Two reward channels on one-step episodes: ``task`` = −Σ(a − target)², ``aux`` = −Σ(a + target)²,
    so the two channels' best actions are opposite (for SAC-X: one intention each)."""

    def __init__(self, seed=None):
        super().__init__(seed, env_id="test:two-targets")
        self.spec = EnvSpec("test:two-targets", observation_size=3, action_size=2, reward_names=("task", "aux"))

    def reset(self):
        ts = super().reset()
        return ts._replace(reward=np.zeros(2, np.float32))

    def step(self, action):
        ts = super().step(action)
        aux = -np.sum((np.asarray(action, np.float32) + self.target) ** 2)
        return ts._replace(reward=np.array([ts.reward[0], aux], np.float32))

    def success(self):
        return True


register("test:two-targets", lambda seed=None: TwoTargetsEnv(seed))
