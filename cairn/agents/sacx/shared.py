"""SAC-X with shared torsos (``--sacx.shared-torso``): one actor torso with a tanh-Gaussian head per
intention, and one critic torso (per twin) with a Q output per intention, as in the SAC-X paper.

The losses are SAC's, per intention k on its own reward channel r_k and temperature α_k, summed over
the intentions (so each head gets the gradient a separate network would; the torsos get their sum):

  critic:  ½ Σ_i Σ_k mean_b (Q_{i,k}(s, a) − y_k)²,  y_k = r_k + γ·d·(min_i Q̄_{i,k}(s′, a′_k) − α_k·log π_k(a′_k|s′))
  actor:   Σ_k mean_b [α_k·log π_k(ã_k|s) − min_i Q_{i,k}(s, ã_k)],  ã_k ~ π_k(·|s)
  α:       Σ_k −mean_b [log α_k·(log π_k(ã_k|s) + H̄)]

Q_{i,k}(s, a_j) for the actions of every intention j comes from one critic call on [B, K] rows; the
diagonal j = k is kept. Critic training and the actor's torso then run once per update instead of
once per intention, which is where the separate networks spend most of their time.
"""

from __future__ import annotations

import math
from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from cairn.agents.sac import losses
from cairn.agents.sac.learning import SACState
from cairn.nets import MLP
from cairn.nets.dense import Dense
from cairn.nets.tanh_gaussian import LOG_STD_MAX, LOG_STD_MIN, tanh_gaussian_sample


class MultiHeadActor(nn.Module):
    """obs [..., O] -> (mean, log_std) [..., K, A]: a shared MLP torso and one head per intention."""

    hidden: Sequence[int]
    action_size: int
    heads: int

    @nn.compact
    def __call__(self, obs):
        h = MLP(tuple(self.hidden), activate_final=True)(obs)
        shape = (*obs.shape[:-1], self.heads, self.action_size)
        mean = Dense(self.heads * self.action_size)(h).reshape(shape)
        raw = Dense(self.heads * self.action_size)(h).reshape(shape)
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (jnp.tanh(raw) + 1.0)
        return mean, log_std


class MultiHeadQ(nn.Module):
    """(obs [..., O], action [..., A]) -> Q [..., K]: one MLP on their concatenation, an output per intention."""

    hidden: Sequence[int]
    heads: int
    layer_norm: bool = False

    @nn.compact
    def __call__(self, obs, action):
        return MLP((*self.hidden, self.heads), layer_norm=self.layer_norm)(jnp.concatenate([obs, action], axis=-1))


def per_intention_q(critic, params, obs, actions):
    """Q_{i,k}(s, a_k) [C, B, K] for obs [B, O] and one action per intention, actions [B, K, A]."""
    obs_k = jnp.broadcast_to(obs[:, None, :], (*actions.shape[:2], obs.shape[-1]))
    q = critic.apply(params, obs_k, actions)  # [C, B, K (whose action), K (which head)]
    return jnp.diagonal(q, axis1=-2, axis2=-1)


class SharedTorsoSACX:
    """Networks, ``init``, the jitted ``update`` and the acting functions of shared-torso SAC-X."""

    def __init__(self, spec, config, heads: int, reward_weights):
        self.spec, self.config, self.k = spec, config, heads
        self.reward_weights = jnp.asarray(reward_weights)  # [K, channels]
        self.actor = MultiHeadActor(tuple(config.hidden_sizes), spec.action_size, heads)
        self.critic = nn.vmap(MultiHeadQ, variable_axes={"params": 0}, split_rngs={"params": True}, in_axes=None,
                              out_axes=0, axis_size=config.num_critics)(tuple(config.hidden_sizes), heads,
                                                                         config.critic_layer_norm)
        self.target_entropy = float(-spec.action_size if config.target_entropy is None else config.target_entropy)
        self._actor_opt = optax.adam(config.actor_lr)
        self._critic_opt = optax.adam(config.critic_lr)
        self._alpha_opt = optax.adam(config.alpha_lr)

    def init(self, key) -> SACState:
        actor_key, critic_key, state_key = jax.random.split(key, 3)
        obs = jnp.zeros((1, self.spec.observation_size), jnp.float32)
        act = jnp.zeros((1, self.spec.action_size), jnp.float32)
        actor_params = self.actor.init(actor_key, obs)
        critic_params = self.critic.init(critic_key, obs, act)
        log_alpha = jnp.full((self.k,), math.log(self.config.init_alpha), jnp.float32)
        return SACState(actor_params, critic_params, jax.tree.map(jnp.copy, critic_params), log_alpha,
                        self._actor_opt.init(actor_params), self._critic_opt.init(critic_params),
                        self._alpha_opt.init(log_alpha), state_key, jnp.zeros((), jnp.int32))

    def update(self, state: SACState, batch):
        c = self.config
        key, critic_key, actor_key = jax.random.split(state.key, 3)
        k = self.k
        alpha = jnp.exp(state.log_alpha)  # [K]; SAC's loss functions broadcast over the intention axis
        reward = batch.reward @ self.reward_weights.T  # [B, K]

        def critic_loss(critic_params):
            mean, log_std = self.actor.apply(state.actor_params, batch.next_observation)
            next_action, next_log_prob = tanh_gaussian_sample(critic_key, mean, log_std)  # [B, K, A], [B, K]
            next_q = per_intention_q(self.critic, state.target_critic_params, batch.next_observation, next_action)
            target = losses.soft_td_target(reward, batch.discount[:, None], c.gamma, next_q, next_log_prob, alpha)
            q = self.critic.apply(critic_params, batch.observation, batch.action)  # [C, B, K]
            per_k = 0.5 * jnp.sum(jnp.mean(jnp.square(q - jax.lax.stop_gradient(target)[None]), axis=1), axis=0)
            return jnp.sum(per_k), (per_k, jnp.mean(q, axis=(0, 1)), jnp.mean(target))

        (c_loss, (c_per_k, q_per_k, target_mean)), c_grads = jax.value_and_grad(critic_loss, has_aux=True)(
            state.critic_params)
        c_updates, critic_opt_state = self._critic_opt.update(c_grads, state.critic_opt_state, state.critic_params)
        critic_params = optax.apply_updates(state.critic_params, c_updates)

        def actor_loss(actor_params):
            mean, log_std = self.actor.apply(actor_params, batch.observation)
            action, log_prob = tanh_gaussian_sample(actor_key, mean, log_std)
            q = per_intention_q(self.critic, critic_params, batch.observation, action)
            return k * losses.policy_objective(q, log_prob, alpha), log_prob  # Σ_k of equal-sized means

        (a_loss, log_prob), a_grads = jax.value_and_grad(actor_loss, has_aux=True)(state.actor_params)
        a_updates, actor_opt_state = self._actor_opt.update(a_grads, state.actor_opt_state, state.actor_params)
        actor_params = optax.apply_updates(state.actor_params, a_updates)

        def alpha_loss(log_alpha):
            return k * losses.temperature_objective(log_alpha, log_prob, self.target_entropy)

        t_loss, t_grad = jax.value_and_grad(alpha_loss)(state.log_alpha)
        t_update, alpha_opt_state = self._alpha_opt.update(t_grad, state.alpha_opt_state)
        log_alpha = optax.apply_updates(state.log_alpha, t_update)
        target = optax.incremental_update(critic_params, state.target_critic_params, c.tau)
        metrics = {  # intention means, comparable with the separate-network learner's
            "critic_loss": c_loss / k, "actor_loss": a_loss / k, "alpha_loss": t_loss / k, "alpha": jnp.mean(alpha),
            "entropy": -jnp.mean(log_prob), "q_mean": jnp.mean(q_per_k), "target_mean": target_mean,
            "finite": jnp.isfinite(c_loss) & jnp.isfinite(a_loss) & jnp.isfinite(t_loss),
            "per_intention": {"q_mean": q_per_k, "alpha": alpha, "critic_loss": c_per_k},
        }
        new_state = SACState(actor_params, critic_params, target, log_alpha, actor_opt_state, critic_opt_state,
                             alpha_opt_state, key, state.steps + 1)
        return new_state, metrics

    def act(self, params, obs, key, k):
        key, sub = jax.random.split(key)
        mean, log_std = self.actor.apply(params, obs)
        action, log_prob = tanh_gaussian_sample(sub, mean[..., k, :], log_std[..., k, :])
        return action, log_prob, key

    def eval_act(self, params, obs, k):
        return jnp.tanh(self.actor.apply(params, obs)[0][..., k, :])
