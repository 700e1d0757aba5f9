"""MPO's E-step and dual losses (Abdolmaleki et al. 2018; the decoupled-KL form of Acme's MPO).

Dual variables (temperature η, KL multipliers α) are stored as unconstrained parameters and used
as ``softplus(param) + 1e-8``; after each dual step the parameters are clipped from below so that
the multipliers can never get stuck at exactly zero.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

DUAL_EPS = 1e-8
MIN_DUAL_PARAM = -18.0


def dual_value(param: jnp.ndarray) -> jnp.ndarray:
    """The positive dual variable for an unconstrained parameter: softplus(param) + 1e-8."""
    return jax.nn.softplus(param) + DUAL_EPS


def clip_dual_params(params):
    """Clip every dual parameter to ≥ −18 (applied after each dual update)."""
    return jax.tree.map(lambda p: jnp.maximum(p, MIN_DUAL_PARAM), params)


def estep_weights(q: jnp.ndarray, temperature: jnp.ndarray, epsilon: float):
    """Non-parametric E-step over N sampled actions per state.

    Args:
      q: [N, B] Q-values of the sampled actions (treated as constants).
      temperature: the positive η (gradients flow into it through the returned loss only).
      epsilon: the KL bound ε of the improved distribution to the sampling policy.

    Returns:
      weights [N, B] = softmax_j(Q_j/η) (no gradient), and the temperature dual loss
      η·ε + η·mean_b[logsumexp_j(Q_jb/η) − log N].
    """
    q = jax.lax.stop_gradient(q)
    scaled = q / temperature
    weights = jax.lax.stop_gradient(jax.nn.softmax(scaled, axis=0))
    log_mean_exp = jax.nn.logsumexp(scaled, axis=0) - math.log(q.shape[0])
    loss = temperature * epsilon + temperature * jnp.mean(log_mean_exp)
    return weights, loss


def weighted_log_likelihood(weights: jnp.ndarray, log_probs: jnp.ndarray) -> jnp.ndarray:
    """−mean_b Σ_j w_jb·log π(a_jb|s_b) for weights and log_probs [N, B] (the M-step's fitting term)."""
    return -jnp.mean(jnp.sum(jax.lax.stop_gradient(weights) * log_probs, axis=0))


def kl_dual_loss(alpha: jnp.ndarray, kl: jnp.ndarray, epsilon: float):
    """The trust-region terms of the M-step for one KL constraint KL ≤ ε.

    Returns ``(penalty, dual_loss)``: the policy's penalty Σ sg(α)·KL and the multiplier's loss
    Σ α·(ε − sg(KL)) (α grows while the constraint is violated). ``alpha`` and ``kl`` have the same
    shape: scalars, or [A] for per-dimension constraints.
    """
    penalty = jnp.sum(jax.lax.stop_gradient(alpha) * kl)
    dual = jnp.sum(alpha * (epsilon - jax.lax.stop_gradient(kl)))
    return penalty, dual
