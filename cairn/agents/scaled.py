"""``ScaledInputs``: any learner, with its observations multiplied by fixed per-entry factors.

Environments whose observations mix scales (the block world: positions of a few centimetres, quaternions
of order 1) declare factors in ``EnvSpec.observation_scale``; ``make_learner`` wraps the learner so that
every network input — the batch's observations and next observations in ``update``, the observation in
``act`` and ``eval_act`` — is multiplied by them. The replay and the store keep the env's own units, so
stored runs, ``--reuse`` and ``--offline`` data need no conversion.

The product is taken on the host, before the learner's own jitted functions: SAC-X's ``act`` reads the
scheduler's active intention in Python, which a jit around it would freeze at its first trace.
"""

from __future__ import annotations

import numpy as np


class ScaledInputs:
    """``learner`` seeing ``observation * scale``; every other attribute is the learner's own."""

    def __init__(self, learner, scale):
        self.inner = learner
        self.observation_scale = np.asarray(scale, np.float32)
        if self.observation_scale.shape != (learner.spec.observation_size,):
            raise ValueError(f"observation_scale has {self.observation_scale.size} entries for observations of "
                             f"size {learner.spec.observation_size}")

    def update(self, state, batch):
        s = self.observation_scale
        return self.inner.update(state, batch._replace(observation=np.asarray(batch.observation) * s,
                                                       next_observation=np.asarray(batch.next_observation) * s))

    def act(self, params, obs, key):
        return self.inner.act(params, np.asarray(obs) * self.observation_scale, key)

    def eval_act(self, params, obs):
        return self.inner.eval_act(params, np.asarray(obs) * self.observation_scale)

    def intention_eval_act(self, k: int):
        """SAC-X: intention k's deterministic policy, on scaled observations."""
        inner, s = self.inner.intention_eval_act(k), self.observation_scale
        return lambda params, obs: inner(params, np.asarray(obs) * s)

    def __getattr__(self, name):
        if name == "inner":  # not set yet (e.g. while unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)
