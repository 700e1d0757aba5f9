"""Multi-step return targets: n-step returns and Retrace (Munos et al. 2016)."""

from __future__ import annotations

import jax.numpy as jnp


def n_step_return(rewards, discounts, mask, bootstrap, gamma: float):
    """Σ_{k<m} γ^k r_k + γ^m·(Π_{k<m} d_k)·bootstrap for one window per row.

    Args:
      rewards, discounts, mask: [B, n]; ``mask`` is 1 for steps inside the episode (a prefix of
        length m ≥ 1); ``discounts`` are environment discounts (0 at termination).
      bootstrap: [B] value of the state reached after the m-th step.
    """
    n = rewards.shape[-1]
    powers = gamma ** jnp.arange(n, dtype=rewards.dtype)
    ret = jnp.sum(mask * powers * rewards, axis=-1)
    m = jnp.sum(mask, axis=-1)
    cont = jnp.prod(jnp.where(mask > 0, discounts, 1.0), axis=-1)
    return ret + gamma ** m * cont * bootstrap


def truncated_traces(log_pi, log_mu, lam: float):
    """Retrace's traces c = λ·min(1, π(a|s)/μ(a|s)) from log-probabilities (broadcast); 0 where the
    behaviour's log-probability is unknown (NaN), which cuts the trace there."""
    ratio = jnp.exp(jnp.minimum(log_pi - log_mu, 0.0))
    return lam * jnp.where(jnp.isnan(log_mu), 0.0, ratio)


def retrace_target(q, v_next, rewards, discounts, traces, mask, gamma: float):
    """Retrace estimate of Q(s_0, a_0) from one window of L transitions per row.

        Q_ret = q_0 + Σ_t γ^t (Π_{k=1..t} c_k·d_{k−1}) · m_t · (r_t + γ·d_t·v_{t+1} − q_t)

    Args:
      q: [B, L] target-critic values Q̄(s_t, a_t) of the stored actions.
      v_next: [B, L] E_{a∼π} Q̄(s_{t+1}, a) (estimated by sampling).
      rewards, discounts, mask: [B, L] as in :func:`n_step_return`.
      traces: [B, L] c_t = λ·min(1, π(a_t|s_t)/μ(a_t|s_t)); c_0 is not used.
    With L = 1 (or all c = 0 after t = 0) this is the one-step target r_0 + γ·d_0·v_1.
    """
    L = q.shape[-1]
    delta = rewards + gamma * discounts * v_next - q
    c = traces.at[..., 0].set(1.0)
    d_prev = jnp.concatenate([jnp.ones_like(discounts[..., :1]), discounts[..., :-1]], axis=-1)
    weight = jnp.cumprod(c * d_prev, axis=-1) * gamma ** jnp.arange(L, dtype=q.dtype)
    return q[..., 0] + jnp.sum(mask * weight * delta, axis=-1)


def traced_n_step(rewards, discounts, mask, traces, uniform, gamma: float):
    """An n-step transition whose length is cut by the traces: the window continues past step t ≥ 1
    while ``uniform_t < c_t`` (probability c_t = λ·min(1, π/μ)) and the episode goes on.

    A return that can be projected onto a categorical support as it stands, unlike Retrace's target (a
    signed combination of distributions). Its expectation over the cuts is the recursion
    G_t = r_t + γ·d_t·[(1 − c_{t+1})·V(s_{t+1}) + c_{t+1}·G_{t+1}]: Retrace's target with V(s_{t+1})
    in place of Q(s_{t+1}, a_{t+1}) inside the correction, so that it is unbiased for Q^π where
    c ∝ π/μ and biased only by the truncation min(1, ·) (and by λ towards the one-step target).

    Args:
      rewards, discounts, mask: [B, L], ``mask`` as in :func:`n_step_return`.
      traces, uniform: [B, L − 1], the traces c_t of steps t = 1 … L − 1 (step 0 is always taken, so c_0
        is never needed) and draws in [0, 1).

    Returns:
      (reward [B], discount [B], m [B]): Σ_{k<m} γ^k r_k, γ^{m−1}·Π_{k<m} d_k (a learner's target is
      reward + γ·discount·V(s_m), as for :meth:`cairn.replay.RingBuffer.sample`'s n-step transitions),
      and the window length m ≥ 1; s_m is the next observation of step m − 1.
    """
    L = rewards.shape[-1]
    later = (uniform < traces) & (mask[..., 1:] > 0) & (discounts[..., :-1] > 0)  # step t ≥ 1 is taken
    go_on = jnp.concatenate([jnp.ones_like(later[..., :1]), later], axis=-1)
    alive = jnp.cumprod(go_on.astype(rewards.dtype), axis=-1)
    m = jnp.sum(alive, axis=-1).astype(jnp.int32)
    powers = gamma ** jnp.arange(L, dtype=rewards.dtype)
    reward = jnp.sum(alive * powers * rewards, axis=-1)
    cont = jnp.prod(jnp.where(alive > 0, discounts, 1.0), axis=-1)
    discount = gamma ** (m - 1).astype(rewards.dtype) * cont
    return reward, discount, m
