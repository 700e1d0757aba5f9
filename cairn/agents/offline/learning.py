"""Offline learners — CRR, ABM and behaviour cloning — each with one jitted ``update(state, batch)``.

They share MPO's networks (LayerNorm MLP Gaussian policy, a scalar or categorical critic), its TD
critic loss and its pure ops; the offline actor-critic (``oac``) is MPO itself with a BC term
(``MPOConfig.bc_weight``). All of them also train online (``--resume RUN --online``): nothing here
assumes that the data is fixed.

Choices written down:
  * Advantages and E-step values use the *target* critic (copied every ``target_update_period``
    updates), so one batched evaluation serves the next-state bootstrap and the current-state
    samples; the losses stay stationary within a period.
  * CRR's baseline samples come from the online policy (as in the paper), its bootstrap from the
    target policy.
  * ABM's R̂ is the critic's own n-step target r + γ·d·V̄(s′) and V(s) = mean_j Q̄(s, a_j), a_j ~ π.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cairn import ops
from cairn.agents.mpo.learning import _squash, action_log_prob, categorical_support, gaussian_actors, td_critic_loss
from cairn.agents.mpo.networks import Critic, GaussianPolicy
from cairn.agents.offline.config import ABMConfig, BCConfig, CRRConfig, OfflineConfig
from cairn.types import EnvSpec


class OfflineState(NamedTuple):
    policy_params: Any
    target_policy_params: Any
    critic_params: Any  # {} for bc
    target_critic_params: Any
    prior_params: Any  # abm's behaviour-model prior; {} otherwise
    dual_params: Any  # abm's temperature and KL multipliers; {} otherwise
    policy_opt_state: Any
    critic_opt_state: Any
    prior_opt_state: Any
    dual_opt_state: Any
    key: jnp.ndarray
    steps: jnp.ndarray


def crr_weights(advantage, kind: str, beta: float = 1.0, max_weight: float = 20.0):
    """CRR's filter f(A): min(exp(A/β), max_weight) (``exp``) or 1[A > 0] (``binary``)."""
    if kind == "binary":
        return (advantage > 0).astype(advantage.dtype)
    return jnp.minimum(jnp.exp(advantage / beta), max_weight)


def filtered_log_likelihood(weights, log_probs):
    """−mean_b f_b·log π(a_b|s_b): behaviour cloning with per-sample weights (no gradient into them)."""
    return -jnp.mean(jax.lax.stop_gradient(weights) * log_probs)


class _OfflineLearner:
    """What the offline learners share: networks, optimisers, acting, state, batch sampling."""

    name = "offline"
    uses_critic = True
    uses_prior = False

    def __init__(self, spec: EnvSpec, config: OfflineConfig):
        self.spec, self.config = spec, config
        self.distributional = config.distributional
        self.policy = GaussianPolicy(tuple(config.policy_hidden_sizes), spec.action_size, config.init_std,
                                     config.min_std, config.activation)
        self.critic = Critic(tuple(config.critic_hidden_sizes), config.num_atoms if config.distributional else 1,
                             config.activation)
        self.support = categorical_support(config, spec.env_id) if config.distributional else None
        clip = optax.clip_by_global_norm(config.grad_norm_clip)
        self._policy_opt = optax.chain(clip, optax.adam(config.policy_lr))
        self._critic_opt = optax.chain(clip, optax.adam(config.critic_lr))
        self._dual_opt = optax.adam(getattr(config, "dual_lr", 1e-2))
        self.act, self.eval_act = gaussian_actors(self.policy, config.squash)
        self.update = jax.jit(self._update, donate_argnums=0)

    def _init_duals(self) -> dict:
        return {}

    def init(self, key) -> OfflineState:
        policy_key, critic_key, prior_key, state_key = jax.random.split(key, 4)
        obs = jnp.zeros((1, self.spec.observation_size), jnp.float32)
        act = jnp.zeros((1, self.spec.action_size), jnp.float32)
        policy_params = self.policy.init(policy_key, obs)
        critic_params = self.critic.init(critic_key, obs, act) if self.uses_critic else {}
        prior_params = self.policy.init(prior_key, obs) if self.uses_prior else {}
        duals = self._init_duals()
        return OfflineState(
            policy_params=policy_params,
            target_policy_params=jax.tree.map(jnp.copy, policy_params),
            critic_params=critic_params,
            target_critic_params=jax.tree.map(jnp.copy, critic_params),
            prior_params=prior_params,
            dual_params=duals,
            policy_opt_state=self._policy_opt.init(policy_params),
            critic_opt_state=self._critic_opt.init(critic_params),
            prior_opt_state=self._policy_opt.init(prior_params),
            dual_opt_state=self._dual_opt.init(duals),
            key=state_key,
            steps=jnp.zeros((), jnp.int32),
        )

    @staticmethod
    def policy_params(state: OfflineState):
        return state.policy_params

    def sample_batch(self, sampler, rng: np.random.Generator):
        c = self.config
        return sampler.sample(rng, c.batch_size, n_step=c.n_step, gamma=c.gamma)

    def _q(self, out):
        return ops.categorical_mean(out, self.support) if self.distributional else out

    def _sample(self, params, obs, key, n: int):
        """n squashed samples [n, B, A] from the policy ``params`` at ``obs``."""
        return self._draw(*self.policy.apply(params, obs), key, n)[0]

    def _draw(self, mean, std, key, n: int):
        """n samples [n, B, A] of the Gaussian (``mean``, ``std``) [B, A]: squashed, and before squashing."""
        u = mean + std * jax.random.normal(key, (n, *mean.shape), mean.dtype)
        return _squash(u, self.config.squash), u

    def _apply(self, state: OfflineState, grads) -> OfflineState:
        """Adam steps on every network that has gradients, then the periodic target copies."""
        p_grads, c_grads, pr_grads, d_grads = grads
        p_upd, policy_opt_state = self._policy_opt.update(p_grads, state.policy_opt_state, state.policy_params)
        policy_params = optax.apply_updates(state.policy_params, p_upd)
        c_upd, critic_opt_state = self._critic_opt.update(c_grads, state.critic_opt_state, state.critic_params)
        critic_params = optax.apply_updates(state.critic_params, c_upd)
        pr_upd, prior_opt_state = self._policy_opt.update(pr_grads, state.prior_opt_state, state.prior_params)
        prior_params = optax.apply_updates(state.prior_params, pr_upd)
        d_upd, dual_opt_state = self._dual_opt.update(d_grads, state.dual_opt_state, state.dual_params)
        dual_params = ops.clip_dual_params(optax.apply_updates(state.dual_params, d_upd))
        steps = state.steps + 1
        period = self.config.target_update_period
        return OfflineState(
            policy_params=policy_params,
            target_policy_params=optax.periodic_update(policy_params, state.target_policy_params, steps, period),
            critic_params=critic_params,
            target_critic_params=optax.periodic_update(critic_params, state.target_critic_params, steps, period),
            prior_params=prior_params, dual_params=dual_params,
            policy_opt_state=policy_opt_state, critic_opt_state=critic_opt_state,
            prior_opt_state=prior_opt_state, dual_opt_state=dual_opt_state,
            key=state.key, steps=steps,
        )

    def _finish(self, state, key, grads, metrics):
        new_state = self._apply(state, grads)._replace(key=key)
        metrics["finite"] = jnp.all(jnp.stack([jnp.isfinite(metrics[k]) for k in self.loss_names]))
        return new_state, metrics


class BCLearner(_OfflineLearner):
    """Behaviour cloning: −mean log π(a|s) of the data's actions."""

    name = "bc"
    uses_critic = False
    loss_names = ("policy_loss",)

    def __init__(self, spec: EnvSpec, config: BCConfig):
        super().__init__(spec, config)

    def sample_batch(self, sampler, rng):
        return sampler.sample(rng, self.config.batch_size)

    def _update(self, state: OfflineState, batch):
        def loss_fn(policy_params):
            mean, std = self.policy.apply(policy_params, batch.observation)
            loss = -jnp.mean(action_log_prob(batch.action, mean, std, self.config.squash))
            return loss, {"policy_loss": loss, "policy_std": jnp.mean(std)}

        p_grads, metrics = jax.grad(loss_fn, has_aux=True)(state.policy_params)
        return self._finish(state, state.key, (p_grads, {}, {}, {}), metrics)


class CRRLearner(_OfflineLearner):
    """Critic-regularised regression: −mean f(A)·log π(a|s) with a TD-trained critic."""

    name = "crr"
    loss_names = ("critic_loss", "policy_loss")

    def __init__(self, spec: EnvSpec, config: CRRConfig):
        super().__init__(spec, config)

    def _update(self, state: OfflineState, batch):
        c, n = self.config, self.config.num_samples
        key, next_key, cur_key = jax.random.split(state.key, 3)
        a_next = self._sample(state.target_policy_params, batch.next_observation, next_key, c.bootstrap_samples)
        a_cur = self._sample(state.policy_params, batch.observation, cur_key, n)
        next_out = self.critic.apply(state.target_critic_params, batch.next_observation, a_next)  # [M, B(, K)]
        q_samples = self._q(self.critic.apply(state.target_critic_params, batch.observation, a_cur))  # [N, B]
        q_data = self._q(self.critic.apply(state.target_critic_params, batch.observation, batch.action))
        baseline = jnp.mean(q_samples, axis=0) if c.advantage_estimate == "mean" else jnp.max(q_samples, axis=0)
        advantage = q_data - baseline
        weights = crr_weights(advantage, c.advantage_filter, c.beta, c.max_weight)

        def loss_fn(params):
            policy_params, critic_params = params
            critic_loss, critic_aux = td_critic_loss(self.critic, critic_params, next_out, batch, c.gamma,
                                                     self.support)
            mean, std = self.policy.apply(policy_params, batch.observation)
            policy_loss = filtered_log_likelihood(weights, action_log_prob(batch.action, mean, std, c.squash))
            return critic_loss + policy_loss, {
                "critic_loss": critic_loss, "policy_loss": policy_loss, "advantage_mean": jnp.mean(advantage),
                "weight_mean": jnp.mean(weights), "policy_std": jnp.mean(std), **critic_aux}

        (p_grads, c_grads), metrics = jax.grad(loss_fn, has_aux=True)((state.policy_params, state.critic_params))
        return self._finish(state, key, (p_grads, c_grads, {}, {}), metrics)


class ABMLearner(_OfflineLearner):
    """Advantage-weighted behaviour model prior + MPO improvement in a KL trust region around it."""

    name = "abm"
    uses_prior = True
    loss_names = ("critic_loss", "policy_loss", "prior_loss", "dual_loss")

    def __init__(self, spec: EnvSpec, config: ABMConfig):
        super().__init__(spec, config)

    def _init_duals(self) -> dict:
        c, a = self.config, self.spec.action_size
        return {
            "log_temperature": jnp.asarray(c.init_log_temperature, jnp.float32),
            "log_alpha_mean": jnp.full((a,), c.init_log_alpha_mean, jnp.float32),
            "log_alpha_stddev": jnp.full((a,), c.init_log_alpha_stddev, jnp.float32),
        }

    def _update(self, state: OfflineState, batch):
        c = self.config
        key, pi_key, prior_key = jax.random.split(state.key, 3)
        b = batch.observation.shape[0]
        s, s1 = batch.observation, batch.next_observation
        # Target-policy samples at s′ (bootstrap) and at s (V(s)); prior samples at s (E-step).
        a_pi = self._sample(state.target_policy_params, jnp.concatenate([s1, s], axis=0), pi_key, c.value_samples)
        out_pi = self.critic.apply(state.target_critic_params, jnp.concatenate([s1, s], axis=0), a_pi)
        next_out, v_s = out_pi[:, :b], jnp.mean(self._q(out_pi[:, b:]), axis=0)
        returns = batch.reward + c.gamma * batch.discount * jnp.mean(self._q(next_out), axis=0)  # R̂
        advantage = returns - v_s
        keep = (advantage >= 0).astype(jnp.float32) if c.prior == "advantage" else jnp.ones_like(advantage)

        def loss_fn(params):
            policy_params, critic_params, prior_params, duals = params
            critic_loss, critic_aux = td_critic_loss(self.critic, critic_params, next_out, batch, c.gamma,
                                                     self.support)
            # One pass of the prior at s serves its own fit and, without gradient, the E-step's samples
            # and the trust region's reference (a second pass outside the loss cost ~5% of an update).
            pm, ps = self.policy.apply(prior_params, s)
            prior_loss = filtered_log_likelihood(keep, action_log_prob(batch.action, pm, ps, c.squash))
            mean_ref, std_ref = jax.lax.stop_gradient(pm), jax.lax.stop_gradient(ps)
            a_prior, u_prior = self._draw(mean_ref, std_ref, prior_key, c.num_samples)  # [N, B, A]
            q_prior = self._q(self.critic.apply(state.target_critic_params, s, a_prior))  # [N, B]
            temperature = ops.dual_value(duals["log_temperature"])
            weights, dual_loss = ops.estep_weights(q_prior, temperature, c.epsilon)
            mean, std = self.policy.apply(policy_params, s)
            fit = (ops.weighted_log_likelihood(weights, ops.diag_gaussian_log_prob(u_prior, mean, std_ref))
                   + ops.weighted_log_likelihood(weights, ops.diag_gaussian_log_prob(u_prior, mean_ref, std)))
            kl_mean = jnp.mean(ops.diag_gaussian_kl(mean_ref, std_ref, mean, std_ref), axis=0)
            kl_std = jnp.mean(ops.diag_gaussian_kl(mean_ref, std_ref, mean_ref, std), axis=0)
            alpha_mean, alpha_std = ops.dual_value(duals["log_alpha_mean"]), ops.dual_value(duals["log_alpha_stddev"])
            pen_mean, dual_mean = ops.kl_dual_loss(alpha_mean, kl_mean, c.epsilon_mean)
            pen_std, dual_std = ops.kl_dual_loss(alpha_std, kl_std, c.epsilon_stddev)
            policy_loss = fit + pen_mean + pen_std
            dual_loss = dual_loss + dual_mean + dual_std
            return critic_loss + policy_loss + prior_loss + dual_loss, {
                "critic_loss": critic_loss, "policy_loss": policy_loss, "prior_loss": prior_loss,
                "dual_loss": dual_loss, "temperature": temperature, "kept_fraction": jnp.mean(keep),
                "advantage_mean": jnp.mean(advantage), "kl_mean": jnp.sum(kl_mean), "kl_stddev": jnp.sum(kl_std),
                "policy_std": jnp.mean(std), "prior_std": jnp.mean(ps), **critic_aux}

        params = (state.policy_params, state.critic_params, state.prior_params, state.dual_params)
        grads, metrics = jax.grad(loss_fn, has_aux=True)(params)
        return self._finish(state, key, grads, metrics)
