"""Env wrappers that keep the Env protocol."""

from __future__ import annotations

import numpy as np

from cairn.types import StepType, TimeStep


class ActionRepeat:
    """Apply each action ``repeat`` times: rewards are summed per channel, discounts multiplied, and an
    episode end inside the repeat ends the step early. Each wrapper step is ``repeat`` simulator steps
    (cairn counts env steps in simulator steps, as the DM Control benchmarks do)."""

    def __init__(self, env, repeat: int):
        if repeat < 1:
            raise ValueError(f"action repeat must be >= 1 (got {repeat})")
        self.env, self.repeat = env, repeat
        self.spec = env.spec

    def reset(self) -> TimeStep:
        return self.env.reset()

    def step(self, action) -> TimeStep:
        ts = self.env.step(action)
        if ts.first():
            return ts
        reward, discount = ts.reward.astype(np.float32).copy(), ts.discount
        for _ in range(self.repeat - 1):
            if ts.last():
                break
            ts = self.env.step(action)
            reward += ts.reward
            discount *= ts.discount
        return TimeStep(StepType.LAST if ts.last() else StepType.MID, reward, discount, ts.observation)

    def close(self) -> None:
        self.env.close()

    def __getattr__(self, name):  # the wrapped env's extras (success(), render(), physics, …)
        if name == "env":
            raise AttributeError(name)
        return getattr(self.env, name)
