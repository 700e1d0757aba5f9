"""The SAC learner: state pytree, ``init`` and one jitted ``update(state, batch) -> (state, metrics)``."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cairn.agents.sac import losses
from cairn.agents.sac.config import SACConfig
from cairn.agents.sac.networks import SACNetworks, make_networks
from cairn.nets.tanh_gaussian import tanh_gaussian_sample
from cairn.types import EnvSpec, Transition


class SACState(NamedTuple):
    actor_params: Any
    critic_params: Any
    target_critic_params: Any
    log_alpha: jnp.ndarray
    actor_opt_state: Any
    critic_opt_state: Any
    alpha_opt_state: Any
    key: jnp.ndarray
    steps: jnp.ndarray


def _update(state: SACState, batch: Transition, *, networks: SACNetworks, config: SACConfig,
            target_entropy: float, actor_opt, critic_opt, alpha_opt, next_value_floor=None,
            soft_floor: bool = False) -> tuple[SACState, dict]:
    """One SAC step; ``next_value_floor`` [B] (optional) bounds the bootstrap's next-state value from below
    (``soft_floor``: compared with Q̄ alone, see ``losses.soft_td_target``)."""
    key, critic_key, actor_key = jax.random.split(state.key, 3)
    alpha = jnp.exp(state.log_alpha)

    # 1. critics towards the soft TD target.
    (c_loss, c_aux), c_grads = jax.value_and_grad(losses.critic_loss, has_aux=True)(
        state.critic_params, state.target_critic_params, state.actor_params, alpha, batch, critic_key,
        networks=networks, gamma=config.gamma, next_value_floor=next_value_floor,
        soft_floor=soft_floor)
    c_updates, critic_opt_state = critic_opt.update(c_grads, state.critic_opt_state, state.critic_params)
    critic_params = optax.apply_updates(state.critic_params, c_updates)

    # 2. actor against the freshly updated critics.
    (a_loss, log_prob), a_grads = jax.value_and_grad(losses.actor_loss, has_aux=True)(
        state.actor_params, critic_params, alpha, batch, actor_key, networks=networks)
    a_updates, actor_opt_state = actor_opt.update(a_grads, state.actor_opt_state, state.actor_params)
    actor_params = optax.apply_updates(state.actor_params, a_updates)

    # 3. temperature towards the entropy target, using the actor step's log-probabilities.
    t_loss, t_grad = jax.value_and_grad(losses.alpha_loss)(state.log_alpha, log_prob, target_entropy)
    t_update, alpha_opt_state = alpha_opt.update(t_grad, state.alpha_opt_state)
    log_alpha = optax.apply_updates(state.log_alpha, t_update)

    # 4. Polyak averaging of the target critics.
    target = optax.incremental_update(critic_params, state.target_critic_params, config.tau)

    metrics = {
        "critic_loss": c_loss,
        "actor_loss": a_loss,
        "alpha_loss": t_loss,
        "alpha": alpha,
        "entropy": -jnp.mean(log_prob),
        **c_aux,
        "finite": jnp.isfinite(c_loss) & jnp.isfinite(a_loss) & jnp.isfinite(t_loss),
    }
    new_state = SACState(actor_params, critic_params, target, log_alpha, actor_opt_state, critic_opt_state,
                         alpha_opt_state, key, state.steps + 1)
    return new_state, metrics


class SACLearner:
    """Builds SAC's networks and its jitted functions for one env spec.

    ``update(state, batch)`` is one gradient step on critics, actor and temperature;
    ``act(params, obs, key)`` samples a stochastic action with its log-probability (for exploration);
    ``eval_act(params, obs)`` is the deterministic policy tanh(mean).
    """

    name = "sac"
    loss_names = ("critic_loss", "actor_loss", "alpha_loss")

    def __init__(self, spec: EnvSpec, config: SACConfig):
        self.spec, self.config = spec, config
        self.networks = make_networks(spec, config)
        self.target_entropy = float(-spec.action_size if config.target_entropy is None else config.target_entropy)
        self._actor_opt = optax.adam(config.actor_lr)
        self._critic_opt = optax.adam(config.critic_lr)
        self._alpha_opt = optax.adam(config.alpha_lr)
        self.update = jax.jit(functools.partial(
            _update, networks=self.networks, config=config, target_entropy=self.target_entropy,
            actor_opt=self._actor_opt, critic_opt=self._critic_opt, alpha_opt=self._alpha_opt), donate_argnums=0)
        actor = self.networks.actor

        def act(actor_params, obs, key):
            key, sub = jax.random.split(key)
            mean, log_std = actor.apply(actor_params, obs)
            action, log_prob = tanh_gaussian_sample(sub, mean, log_std)
            return action, log_prob, key

        def eval_act(actor_params, obs):
            return jnp.tanh(actor.apply(actor_params, obs)[0])

        self.act = jax.jit(act)
        self.eval_act = jax.jit(eval_act)

    def init(self, key) -> SACState:
        actor_key, critic_key, state_key = jax.random.split(key, 3)
        obs = jnp.zeros((1, self.spec.observation_size), jnp.float32)
        act = jnp.zeros((1, self.spec.action_size), jnp.float32)
        actor_params = self.networks.actor.init(actor_key, obs)
        critic_params = self.networks.critic.init(critic_key, obs, act)
        log_alpha = jnp.asarray(np.log(self.config.init_alpha), jnp.float32)
        return SACState(
            actor_params=actor_params,
            critic_params=critic_params,
            target_critic_params=jax.tree.map(jnp.copy, critic_params),
            log_alpha=log_alpha,
            actor_opt_state=self._actor_opt.init(actor_params),
            critic_opt_state=self._critic_opt.init(critic_params),
            alpha_opt_state=self._alpha_opt.init(log_alpha),
            key=state_key,
            steps=jnp.zeros((), jnp.int32),
        )

    def sample_batch(self, sampler, rng: np.random.Generator) -> Transition:
        """One training batch from ``sampler`` (a replay buffer or a mixture of them)."""
        c = self.config
        return sampler.sample(rng, c.batch_size, n_step=c.n_step, gamma=c.gamma)

    @staticmethod
    def policy_params(state: SACState):
        return state.actor_params
