"""Diagonal Gaussian densities and KL divergences, per action dimension."""

from __future__ import annotations

import math

import jax.numpy as jnp

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def diag_gaussian_log_prob(x: jnp.ndarray, mean: jnp.ndarray, std: jnp.ndarray) -> jnp.ndarray:
    """log N(x; mean, diag(std²)) summed over the last axis."""
    z = (x - mean) / std
    return jnp.sum(-0.5 * z * z - jnp.log(std) - _HALF_LOG_2PI, axis=-1)


def diag_gaussian_kl(mean_p, std_p, mean_q, std_q) -> jnp.ndarray:
    """KL(N(mean_p, std_p²) ‖ N(mean_q, std_q²)) for each dimension (not summed):
    log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²) / (2σ_q²) − ½."""
    return jnp.log(std_q / std_p) + (jnp.square(std_p) + jnp.square(mean_p - mean_q)) / (2.0 * jnp.square(std_q)) - 0.5
