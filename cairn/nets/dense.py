"""``Dense``: flax's Dense layer with a faster weight gradient for narrow outputs on XLA-CPU.

For a layer y = x·W with x [B, I] and W [I, O], the weight gradient is xᵀ·g ([I, O], g = ∂L/∂y).
When O is much smaller than I (policy heads 256 → 6, critic heads 256 → 1 or 51 atoms) XLA-CPU
computes it as a slow dot: 140 µs for 256 × 256 → 6 at batch 256, one core, where the same
contraction written as (gᵀ·x)ᵀ ([O, I], then transposed) takes 30 µs; 256 → 1: 110 µs against
17 µs; 256 → 51: 370 µs against 115 µs (2026-11-24; ``tests/test_nets.py`` checks the gradients,
``bench/nets_speed.py`` the times). XLA folds a plain transpose back into the slow form, so the
contraction sits behind an optimisation barrier. Layers with O ≥ I keep XLA's own gradient, which
is the faster one there.

Parameters, names and initialisation are exactly flax's: checkpoints are unchanged.
"""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax


@jax.custom_vjp
def _narrow_matmul(x: jnp.ndarray, w: jnp.ndarray) -> jnp.ndarray:
    return jnp.matmul(x, w)


def _narrow_matmul_fwd(x, w):
    return jnp.matmul(x, w), (x, w)


def _narrow_matmul_bwd(res, g):
    x, w = res
    dx = jnp.matmul(g, w.T)
    rows_x, rows_g = x.reshape(-1, x.shape[-1]), g.reshape(-1, g.shape[-1])
    dw = lax.optimization_barrier(jnp.matmul(rows_g.T, rows_x)).T  # [O, I] contraction, then [I, O]
    return dx, dw


_narrow_matmul.defvjp(_narrow_matmul_fwd, _narrow_matmul_bwd)

NARROW_GRADIENT = True
"""Read when a function is traced; ``bench/nets_speed.py`` turns it off to time XLA's own gradient."""


def dense_dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """``lax.dot_general`` for Dense layers: x [..., I] · W [I, O] through ``_narrow_matmul`` when O < I."""
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    standard = (tuple(lhs_contract) == (lhs.ndim - 1,) and tuple(rhs_contract) == (0,) and not lhs_batch
                and not rhs_batch and rhs.ndim == 2)
    if NARROW_GRADIENT and standard and rhs.shape[1] < rhs.shape[0] and precision is None and preferred_element_type is None:
        return _narrow_matmul(lhs, rhs)
    return lax.dot_general(lhs, rhs, dimension_numbers, precision=precision,
                           preferred_element_type=preferred_element_type)


Dense = functools.partial(nn.Dense, dot_general=dense_dot_general)
"""flax ``nn.Dense`` (same parameters and auto-names, ``Dense_0`` …) with ``dense_dot_general``."""
