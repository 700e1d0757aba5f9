"""``LayerNorm`` and ``layer_norm``: flax's LayerNorm (last axis, ε = 1e-6) with a hand-written backward pass.

XLA-CPU differentiates flax's LayerNorm into several passes over the activations, and computes the
scale and bias gradients (sums over the batch rows) as slow column reductions. The backward pass
here is the closed form
    dx = rstd·(g·γ − mean(g·γ) − x̂·mean(g·γ·x̂)),   dγ = Σ_rows g·x̂,   dβ = Σ_rows g,
with the row sums written as products with a ones vector. Fwd + bwd of a 256 × 256 layer with
LayerNorm and ReLU took 1.94 ms against flax's 2.28 ms (no LayerNorm: 1.70 ms; one contended core,
2026-11-24). Forward values are flax's formula (E[x²] − E[x]², floored at 0); parameters, their
names and initialisation are flax's, so checkpoints are unchanged.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

EPSILON = 1e-6


def _forward(x, scale, bias):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.maximum(0.0, jnp.mean(jnp.square(x), axis=-1, keepdims=True) - jnp.square(mean))
    rstd = jax.lax.rsqrt(var + EPSILON)
    normed = (x - mean) * rstd
    return normed * scale + bias, (normed, rstd, scale)


def _row_sum(t: jnp.ndarray) -> jnp.ndarray:
    """Σ over every axis but the last, as a [1, R] × [R, H] product (faster than XLA-CPU's column reduce)."""
    rows = t.reshape(-1, t.shape[-1])
    return (jnp.ones((1, rows.shape[0]), t.dtype) @ rows)[0]


@jax.custom_vjp
def layer_norm(x: jnp.ndarray, scale: jnp.ndarray, bias: jnp.ndarray) -> jnp.ndarray:
    """(x − mean)/√(var + 1e-6)·scale + bias over the last axis of ``x`` ([..., H]; scale, bias [H])."""
    return _forward(x, scale, bias)[0]


def _backward(res, g):
    normed, rstd, scale = res
    g_normed = g * scale
    dx = rstd * (g_normed - jnp.mean(g_normed, axis=-1, keepdims=True)
                 - normed * jnp.mean(g_normed * normed, axis=-1, keepdims=True))
    return dx, _row_sum(g * normed), _row_sum(g)


layer_norm.defvjp(_forward, _backward)


class LayerNorm(nn.Module):
    """Drop-in for ``flax.linen.LayerNorm()`` (last axis, ε = 1e-6, learned scale and bias)."""

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        features = x.shape[-1]
        scale = self.param("scale", nn.initializers.ones, (features,))
        bias = self.param("bias", nn.initializers.zeros, (features,))
        return layer_norm(x, scale, bias)
