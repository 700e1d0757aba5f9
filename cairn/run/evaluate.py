"""Deterministic evaluation of a policy."""

from __future__ import annotations

import numpy as np


def evaluate(eval_act, params, env, episodes: int, reward_channel: int = 0) -> np.ndarray:
    """Run ``episodes`` full episodes with ``eval_act(params, obs[None])``; returns each episode's return."""
    returns = np.zeros(episodes)
    for i in range(episodes):
        ts = env.reset()
        while not ts.last():
            action = np.asarray(eval_act(params, ts.observation[None]))[0]
            ts = env.step(action)
            returns[i] += ts.reward[reward_channel]
    return returns
