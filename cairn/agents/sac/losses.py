"""SAC loss functions (Haarnoja et al. 2018, eqs. 5, 7, 18 of the "Applications" paper).

The small math functions take plain arrays and are tested against hand-computed numbers;
``critic_loss``/``actor_loss``/``alpha_loss`` wrap them around network applications.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cairn.nets.tanh_gaussian import tanh_gaussian_sample


def soft_td_target(reward, discount, gamma, next_q, next_log_prob, alpha):
    """y = r + γ·d·(min_i Q̄_i(s', a') − α·log π(a'|s')),  a' ~ π(·|s').

    Args:
      reward, discount, next_log_prob: [B].  next_q: [num_critics, B].  gamma, alpha: scalars.
    """
    return reward + gamma * discount * (jnp.min(next_q, axis=0) - alpha * next_log_prob)


def q_regression_loss(q, target):
    """½ Σ_i mean_b (Q_i(s_b, a_b) − y_b)²  for q [num_critics, B] and target [B] (no gradient into y)."""
    return 0.5 * jnp.sum(jnp.mean(jnp.square(q - jax.lax.stop_gradient(target)[None]), axis=-1))


def policy_objective(q, log_prob, alpha):
    """J_π = mean_b[α·log π(ã|s) − min_i Q_i(s, ã)]  for q [num_critics, B], log_prob [B]."""
    return jnp.mean(alpha * log_prob - jnp.min(q, axis=0))


def temperature_objective(log_alpha, log_prob, target_entropy):
    """J(α) = −mean_b[log α · (log π(ã|s) + H̄)]; log π is treated as a constant."""
    return -jnp.mean(log_alpha * (jax.lax.stop_gradient(log_prob) + target_entropy))


def critic_loss(critic_params, target_critic_params, actor_params, alpha, batch, key, *, networks, gamma):
    mean, log_std = networks.actor.apply(actor_params, batch.next_observation)
    next_action, next_log_prob = tanh_gaussian_sample(key, mean, log_std)
    next_q = networks.critic.apply(target_critic_params, batch.next_observation, next_action)
    target = soft_td_target(batch.reward, batch.discount, gamma, next_q, next_log_prob, alpha)
    q = networks.critic.apply(critic_params, batch.observation, batch.action)
    return q_regression_loss(q, target), {"q_mean": jnp.mean(q), "target_mean": jnp.mean(target)}


def actor_loss(actor_params, critic_params, alpha, batch, key, *, networks):
    mean, log_std = networks.actor.apply(actor_params, batch.observation)
    action, log_prob = tanh_gaussian_sample(key, mean, log_std)
    q = networks.critic.apply(critic_params, batch.observation, action)
    return policy_objective(q, log_prob, alpha), log_prob


def alpha_loss(log_alpha, log_prob, target_entropy):
    return temperature_objective(log_alpha, log_prob, target_entropy)
