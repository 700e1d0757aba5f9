"""Tanh-squashed diagonal Gaussian policies (SAC, Haarnoja et al. 2018, appendix C)."""

from __future__ import annotations

import math
from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from cairn.nets.dense import Dense
from cairn.nets.mlp import MLP

LOG_STD_MIN, LOG_STD_MAX = -5.0, 2.0
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def squash_log_det(u: jnp.ndarray) -> jnp.ndarray:
    """log(1 - tanh(u)²) summed over the last axis, in the stable form 2·(log 2 − u − softplus(−2u))."""
    return jnp.sum(2.0 * (math.log(2.0) - u - jax.nn.softplus(-2.0 * u)), axis=-1)


def gaussian_log_prob(u: jnp.ndarray, mean: jnp.ndarray, log_std: jnp.ndarray) -> jnp.ndarray:
    """Diagonal Gaussian log-density of ``u``, summed over the last axis."""
    z = (u - mean) * jnp.exp(-log_std)
    return jnp.sum(-0.5 * z * z - log_std - _HALF_LOG_2PI, axis=-1)


def tanh_gaussian_log_prob(u: jnp.ndarray, mean: jnp.ndarray, log_std: jnp.ndarray) -> jnp.ndarray:
    """log π(a) for a = tanh(u), u ~ N(mean, exp(log_std)²): Gaussian log-density minus log|det da/du|."""
    return gaussian_log_prob(u, mean, log_std) - squash_log_det(u)


def tanh_gaussian_sample(key, mean: jnp.ndarray, log_std: jnp.ndarray) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Reparameterised sample a = tanh(mean + std·ε) and its log-probability."""
    u = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape, mean.dtype)
    return jnp.tanh(u), tanh_gaussian_log_prob(u, mean, log_std)


class TanhGaussianHead(nn.Module):
    """MLP policy giving (mean, log_std) of the pre-tanh Gaussian; log_std squashed into [-5, 2]."""

    hidden: Sequence[int]
    action_size: int
    layer_norm: bool = False

    @nn.compact
    def __call__(self, obs: jnp.ndarray) -> tuple[jnp.ndarray, jnp.ndarray]:
        h = MLP(tuple(self.hidden), layer_norm=self.layer_norm, activate_final=True)(obs)
        mean = Dense(self.action_size)(h)
        raw = Dense(self.action_size)(h)
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (jnp.tanh(raw) + 1.0)
        return mean, log_std
