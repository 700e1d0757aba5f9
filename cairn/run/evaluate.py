"""Deterministic evaluation of a policy."""

from __future__ import annotations

import numpy as np


def evaluate_episodes(eval_act, params, env, episodes: int, reward_channel: int = 0, on_step=None):
    """Run ``episodes`` full episodes with ``eval_act(params, obs[None])``; returns ``(returns, successes)``:
    each episode's return, and ``env.success()`` at each episode's last step for envs that define success (the
    block world), else None.

    ``on_step(episode_index, step_index, observation, action, next_timestep)`` sees every transition
    (the training loop records evaluation episodes in the store with it). ``reward_channel``: the channel
    summed into the return, or a weight vector over the channels (SAC-X's composite intentions).
    """
    weights = None if np.ndim(reward_channel) == 0 else np.asarray(reward_channel, np.float64)
    success = getattr(env, "success", None)
    successes = np.zeros(episodes) if callable(success) else None
    returns = np.zeros(episodes)
    for i in range(episodes):
        ts = env.reset()
        t = 0
        while not ts.last():
            action = np.asarray(eval_act(params, ts.observation[None]))[0]
            next_ts = env.step(action)
            if on_step is not None:
                on_step(i, t, ts.observation, action, next_ts)
            returns[i] += next_ts.reward[reward_channel] if weights is None else next_ts.reward @ weights
            ts, t = next_ts, t + 1
        if successes is not None:
            successes[i] = float(success())
    return returns, successes
