"""Categorical (C51-style) return distributions on a fixed support (Bellemare et al. 2017)."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def categorical_l2_project(target_support: jnp.ndarray, probs: jnp.ndarray, support: jnp.ndarray) -> jnp.ndarray:
    """Project a distribution with atoms at ``target_support`` [..., K] and weights ``probs`` [..., K]
    onto the evenly spaced ``support`` [M] (the L2 / "hat-function" projection of C51).

    Each atom z′ is first clipped into [support[0], support[-1]] and then split between its two
    neighbouring support points in proportion to closeness: point k gets ``p·max(0, 1 − |z′ − z_k|/Δz)``.
    The result has the batch shape of ``probs`` with a last axis of size M, and sums to Σ probs.
    """
    delta = support[1] - support[0]
    z = jnp.clip(target_support, support[0], support[-1])
    hat = jnp.clip(1.0 - jnp.abs(z[..., :, None] - support) / delta, 0.0, 1.0)  # [..., K, M]
    return jnp.sum(probs[..., :, None] * hat, axis=-2)


def categorical_cross_entropy(logits: jnp.ndarray, target_probs: jnp.ndarray) -> jnp.ndarray:
    """−Σ_k p_k·log softmax(logits)_k over the last axis; no gradient flows into the target."""
    return -jnp.sum(jax.lax.stop_gradient(target_probs) * jax.nn.log_softmax(logits, axis=-1), axis=-1)


def categorical_mean(logits: jnp.ndarray, support: jnp.ndarray) -> jnp.ndarray:
    """The expected value Σ_k softmax(logits)_k·z_k (the Q-value of a distributional critic)."""
    return jnp.sum(jax.nn.softmax(logits, axis=-1) * support, axis=-1)
