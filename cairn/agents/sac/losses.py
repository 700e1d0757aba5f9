"""SAC loss functions (Haarnoja et al. 2018, eqs. 5, 7, 18 of the "Applications" paper).

The small math functions take plain arrays and are tested against hand-computed numbers;
``critic_loss``/``actor_loss``/``alpha_loss`` wrap them around network applications.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cairn.nets.tanh_gaussian import tanh_gaussian_sample


def soft_td_target(reward, discount, gamma, next_q, next_log_prob, alpha, floor=None, soft_floor=False):
    """y = r + γ·d·max(min_i Q̄_i(s', a') − α·log π(a'|s'), floor),  a' ~ π(·|s');
    with ``soft_floor``: y = r + γ·d·(max(min_i Q̄_i(s', a'), floor) − α·log π(a'|s')).

    Args:
      reward, discount, next_log_prob: [B].  next_q: [num_critics, B].  gamma, alpha: scalars.
      floor: [B] or None (no floor): a lower bound on the next state's value, e.g. SAC-X's `--sacx.gpi`
        value of other intentions' proposals (``gpi_value``), a plain Q.
      soft_floor: compare the floor with Q̄(s', a') and keep the policy's own entropy term either way, so that
        an equally good proposal does not win by α·|log π| (SAC-X's `--sacx.gpi-soft-floor`).
    """
    q = jnp.min(next_q, axis=0)
    if floor is not None and soft_floor:
        return reward + gamma * discount * (jnp.maximum(q, floor) - alpha * next_log_prob)
    value = q - alpha * next_log_prob
    if floor is not None:
        value = jnp.maximum(value, floor)
    return reward + gamma * discount * value


def gpi_value(candidate_q):
    """Generalised policy improvement's value of proposals: max_j min_i Q_i(s, a_j) for candidate_q
    [num_critics, J, B] (critic i's value of proposal j at state b) → ([B] values, [B] index of the best j)."""
    pessimistic = jnp.min(candidate_q, axis=0)
    return jnp.max(pessimistic, axis=0), jnp.argmax(pessimistic, axis=0)


def q_regression_loss(q, target):
    """½ Σ_i mean_b (Q_i(s_b, a_b) − y_b)²  for q [num_critics, B] and target [B] (no gradient into y)."""
    return 0.5 * jnp.sum(jnp.mean(jnp.square(q - jax.lax.stop_gradient(target)[None]), axis=-1))


def policy_objective(q, log_prob, alpha):
    """J_π = mean_b[α·log π(ã|s) − min_i Q_i(s, ã)]  for q [num_critics, B], log_prob [B]."""
    return jnp.mean(alpha * log_prob - jnp.min(q, axis=0))


def temperature_objective(log_alpha, log_prob, target_entropy):
    """J(α) = −mean_b[log α · (log π(ã|s) + H̄)]; log π is treated as a constant."""
    return -jnp.mean(log_alpha * (jax.lax.stop_gradient(log_prob) + target_entropy))


def critic_loss(critic_params, target_critic_params, actor_params, alpha, batch, key, *, networks, gamma,
                next_value_floor=None, soft_floor=False):
    mean, log_std = networks.actor.apply(actor_params, batch.next_observation)
    next_action, next_log_prob = tanh_gaussian_sample(key, mean, log_std)
    next_q = networks.critic.apply(target_critic_params, batch.next_observation, next_action)
    target = soft_td_target(batch.reward, batch.discount, gamma, next_q, next_log_prob, alpha, next_value_floor,
                            soft_floor)
    q = networks.critic.apply(critic_params, batch.observation, batch.action)
    aux = {"q_mean": jnp.mean(q), "target_mean": jnp.mean(target)}
    if next_value_floor is not None:  # how often the floor decided the bootstrap
        own = jnp.min(next_q, axis=0) - (0.0 if soft_floor else alpha * next_log_prob)
        aux["floor_share"] = jnp.mean(next_value_floor > own)
    return q_regression_loss(q, target), aux


def actor_loss(actor_params, critic_params, alpha, batch, key, *, networks):
    mean, log_std = networks.actor.apply(actor_params, batch.observation)
    action, log_prob = tanh_gaussian_sample(key, mean, log_std)
    q = networks.critic.apply(critic_params, batch.observation, action)
    return policy_objective(q, log_prob, alpha), log_prob


def alpha_loss(log_alpha, log_prob, target_entropy):
    return temperature_objective(log_alpha, log_prob, target_entropy)
