"""The MPO / DMPO learner: state pytree, ``init`` and one jitted ``update(state, batch) -> (state, metrics)``.

One update (Abdolmaleki et al. 2018, decoupled M-step as in Acme):
  1. Sample N actions from the *target* policy at every next state s′ (and, with
     ``estep_states="current"``, at every state s) and evaluate the *target* critic on all of them
     in one batched call.
  2. Critic: n-step target r + γ·d·E_j[Q̄(s′, a′_j)] (mpo), its categorical version with the next
     distributions averaged over the N actions and projected onto the support (dmpo), or Retrace
     (mpo); with ``critic_target="traced"`` the n-step windows are first cut by the traces.
  3. E-step: w_j = softmax_j(Q̄(s, a_j)/η) with the temperature dual, on the next states by default
     (the same samples as step 2; a transition that ended its episode contributes its own s) or on s.
  4. M-step: weighted maximum likelihood of the a_j under π_mean = N(μ_θ, σ_old) and
     π_cov = N(μ_old, σ_θ), with KL(π_old‖π_mean) ≤ ε_μ and KL(π_old‖π_cov) ≤ ε_Σ enforced by
     learned multipliers.
All losses are summed and differentiated in one backward pass; stop-gradients keep each term on
its own parameters. Targets are copied every ``target_update_period`` updates.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cairn import ops
from cairn.agents.mpo.config import MPOConfig
from cairn.agents.mpo.networks import Critic, GaussianPolicy, MPONetworks, resolve_sample_precision, sampled_q
from cairn.errors import ConfigError
from cairn.nets.tanh_gaussian import squash_log_det
from cairn.replay.ring import Sequences
from cairn.types import EnvSpec, Transition

_ATANH_LIMIT = 1.0 - 1e-6


class MPOState(NamedTuple):
    policy_params: Any
    target_policy_params: Any
    critic_params: Any
    target_critic_params: Any
    dual_params: dict
    policy_opt_state: Any
    critic_opt_state: Any
    dual_opt_state: Any
    key: jnp.ndarray
    steps: jnp.ndarray
    averaged_policy_params: Any = None  # Polyak average of the policy (config.policy_ema > 0), which acts
    online_since: Any = None  # oac with online_bc_weight: the update at which fine-tuning began (−1: offline)


def _squash(u, kind):
    return jnp.tanh(u) if kind == "tanh" else jnp.clip(u, -1.0, 1.0)


def td_critic_loss(critic, critic_params, next_out, batch, gamma: float, support=None):
    """n-step TD loss of ``critic`` on the batch's (s, a) and the target critic's outputs ``next_out`` at
    N sampled next actions ([N, B], or logits [N, B, K] with a categorical ``support``).

    Scalar: ½·(Q(s, a) − [r + γ·d·mean_j Q̄(s′, a′_j)])². Categorical: the N next distributions are
    averaged, shifted to r + γ·d·z, projected onto the support (projection is linear, so averaging
    first is exact), and fitted by cross-entropy. ``batch.discount`` carries γ^{m−1}·d of an n-step
    sample (the replay folds it), so the bootstrap is always γ·discount. Returns (loss, metrics).
    """
    out = critic.apply(critic_params, batch.observation, batch.action)
    bootstrap = gamma * batch.discount
    if support is not None:
        next_probs = jnp.mean(jax.nn.softmax(next_out, axis=-1), axis=0)  # [B, K]
        atoms = batch.reward[:, None] + bootstrap[:, None] * support
        target = ops.categorical_l2_project(atoms, next_probs, support)
        loss = jnp.mean(ops.categorical_cross_entropy(out, target))
        q = ops.categorical_mean(out, support)
        target_q = jnp.sum(target * support, axis=-1)
    else:
        target_q = batch.reward + bootstrap * jnp.mean(next_out, axis=0)
        q = out
        loss = 0.5 * jnp.mean(jnp.square(q - jax.lax.stop_gradient(target_q)))
    return loss, {"q_mean": jnp.mean(q), "target_mean": jnp.mean(target_q)}


def action_log_prob(action, mean, std, kind: str):
    """log π(a|s) of an executed action in [−1, 1]: exact for tanh, the Gaussian density at a for clip."""
    if kind == "tanh":
        u = jnp.arctanh(jnp.clip(action, -_ATANH_LIMIT, _ATANH_LIMIT))
        return ops.diag_gaussian_log_prob(u, mean, std) - squash_log_det(u)
    return ops.diag_gaussian_log_prob(action, mean, std)


def gaussian_actors(policy, kind: str):
    """Jitted ``act(params, obs, key) -> (action, log_prob, key)`` (a squashed Gaussian sample and its
    log-probability) and ``eval_act(params, obs)`` (the squashed mean) for a (mean, std) policy network."""

    def act(policy_params, obs, key):
        key, sub = jax.random.split(key)
        mean, std = policy.apply(policy_params, obs)
        u = mean + std * jax.random.normal(sub, mean.shape, mean.dtype)
        action = _squash(u, kind)
        if kind == "tanh":
            log_prob = ops.diag_gaussian_log_prob(u, mean, std) - squash_log_det(u)
        else:
            log_prob = ops.diag_gaussian_log_prob(action, mean, std)
        return action, log_prob, key

    return jax.jit(act), jax.jit(lambda params, obs: _squash(policy.apply(params, obs)[0], kind))


def categorical_support(config, env_id: str) -> jnp.ndarray:
    """The categorical critic's ``num_atoms`` evenly spaced atoms on [vmin, vmax] (unset bounds filled in
    by the config's ``resolved``; a run's saved config holds them already, resolved with its action repeat)."""
    config = config.resolved(env_id)
    return jnp.linspace(config.vmin, config.vmax, config.num_atoms)


class MPOLearner:
    """MPO (``distributional=False``, agent ``mpo``) or DMPO (agent ``dmpo``) for one env spec.

    ``update(state, batch)`` is one gradient step on critic, policy and duals; ``act(params, obs, key)``
    samples an exploration action with its log-probability; ``eval_act(params, obs)`` is the squashed mean.
    """

    def __init__(self, spec: EnvSpec, config: MPOConfig, distributional: bool = False, name: str | None = None):
        if distributional and config.critic_target == "retrace":
            raise ConfigError("dmpo's categorical critic cannot take Retrace's target; use --dmpo.critic-target traced "
                              "(n-step returns cut by the same traces) or Retrace with --agent mpo")
        self.spec, self.config, self.distributional = spec, config, distributional
        self.name = name or ("dmpo" if distributional else "mpo")
        self.loss_names = ("critic_loss", "policy_loss", "dual_loss")
        self.networks = MPONetworks(
            policy=GaussianPolicy(tuple(config.policy_hidden_sizes), spec.action_size, config.init_std, config.min_std,
                                  config.activation),
            critic=Critic(tuple(config.critic_hidden_sizes), config.num_atoms if distributional else 1, config.activation,
                          config.small_critic_head, config.critic_layer_norm),
        )
        self.sample_precision = resolve_sample_precision(config.sample_precision)  # `auto`: by the machine
        self.support = categorical_support(config, spec.env_id)
        self._policy_opt = optax.chain(optax.clip_by_global_norm(config.grad_norm_clip), optax.adam(config.policy_lr))
        self._critic_opt = optax.chain(optax.clip_by_global_norm(config.grad_norm_clip), optax.adam(config.critic_lr))
        self._dual_opt = optax.adam(config.dual_lr)
        self.update = jax.jit(self._update, donate_argnums=0)
        self.act, self.eval_act = gaussian_actors(self.networks.policy, config.squash)

    # -- state --------------------------------------------------------------------------------------
    def init(self, key) -> MPOState:
        c, a = self.config, self.spec.action_size
        policy_key, critic_key, state_key = jax.random.split(key, 3)
        obs = jnp.zeros((1, self.spec.observation_size), jnp.float32)
        act = jnp.zeros((1, a), jnp.float32)
        policy_params = self.networks.policy.init(policy_key, obs)
        critic_params = self.networks.critic.init(critic_key, obs, act)
        shape = (a,) if c.per_dim_kl else ()
        duals = {
            "log_temperature": jnp.asarray(c.init_log_temperature, jnp.float32),
            "log_alpha_mean": jnp.full(shape, c.init_log_alpha_mean, jnp.float32),
            "log_alpha_stddev": jnp.full(shape, c.init_log_alpha_stddev, jnp.float32),
        }
        if c.action_penalty:
            duals["log_penalty_temperature"] = jnp.asarray(c.init_log_temperature, jnp.float32)
        return MPOState(
            policy_params=policy_params,
            target_policy_params=jax.tree.map(jnp.copy, policy_params),
            critic_params=critic_params,
            target_critic_params=jax.tree.map(jnp.copy, critic_params),
            dual_params=duals,
            policy_opt_state=self._policy_opt.init(policy_params),
            critic_opt_state=self._critic_opt.init(critic_params),
            dual_opt_state=self._dual_opt.init(duals),
            key=state_key,
            steps=jnp.zeros((), jnp.int32),
            averaged_policy_params=jax.tree.map(jnp.copy, policy_params) if c.policy_ema > 0 else None,
            online_since=None if c.online_bc_weight is None else jnp.full((), -1, jnp.int32),
        )

    def begin_fine_tuning(self, state: MPOState) -> MPOState:
        """Called once when ``--online`` switches an offline run to fine-tuning: α starts moving from
        ``bc_weight`` to ``online_bc_weight`` (over ``online_bc_anneal`` updates)."""
        if state.online_since is None:
            return state
        return state._replace(online_since=jnp.asarray(state.steps, jnp.int32))

    def _bc_weight(self, state: MPOState):
        """α of this update: ``bc_weight`` offline; once fine-tuning, linear towards ``online_bc_weight``."""
        c = self.config
        if state.online_since is None:
            return jnp.asarray(c.bc_weight, jnp.float32)
        done = (state.steps - state.online_since).astype(jnp.float32)
        frac = jnp.clip(done / c.online_bc_anneal, 0.0, 1.0) if c.online_bc_anneal > 0 else 1.0
        annealed = c.bc_weight + (c.online_bc_weight - c.bc_weight) * frac
        return jnp.where(state.online_since >= 0, annealed, c.bc_weight).astype(jnp.float32)

    @staticmethod
    def policy_params(state: MPOState):
        """The parameters that act and are evaluated: the averaged policy when ``policy_ema`` > 0."""
        return state.policy_params if state.averaged_policy_params is None else state.averaged_policy_params

    def sample_batch(self, sampler, rng: np.random.Generator):
        """n-step transitions, or sequences of ``n_step`` transitions for Retrace."""
        c = self.config
        if c.critic_target in ("retrace", "traced"):
            return sampler.sample_sequences(rng, c.batch_size, c.n_step)
        return sampler.sample(rng, c.batch_size, n_step=c.n_step, gamma=c.gamma)

    # -- the update ---------------------------------------------------------------------------------
    def _q_values(self, out):
        """Q from the critic's output: itself (mpo) or the mean of the categorical distribution (dmpo)."""
        return ops.categorical_mean(out, self.support) if self.distributional else out

    def _critic_loss(self, critic_params, target_critic_out_next, state, batch):
        """Loss of the online critic on the batch's (s, a) against targets from the target networks."""
        if isinstance(batch, Sequences):
            return self._retrace_critic_loss(critic_params, target_critic_out_next, state, batch)
        return td_critic_loss(self.networks.critic, critic_params, target_critic_out_next, batch, self.config.gamma,
                              self.support if self.distributional else None)

    def _retrace_critic_loss(self, critic_params, v_next_samples, state, seq: Sequences):
        c = self.config
        critic, policy = self.networks.critic, self.networks.policy
        q_stored = critic.apply(state.target_critic_params, seq.observation, seq.action)  # [B, L]
        mean, std = policy.apply(state.target_policy_params, seq.observation)
        log_pi = action_log_prob(seq.action, mean, std, c.squash)
        traces = ops.truncated_traces(log_pi, seq.log_prob, c.retrace_lambda)  # NaN μ (unknown) → no trace
        v_next = jnp.mean(v_next_samples, axis=0)  # [B, L]
        target_q = jax.lax.stop_gradient(
            ops.retrace_target(q_stored, v_next, seq.reward, seq.discount, traces, seq.mask, c.gamma))
        q = critic.apply(critic_params, seq.observation[:, 0], seq.action[:, 0])
        loss = 0.5 * jnp.mean(jnp.square(q - target_q))
        return loss, {"q_mean": jnp.mean(q), "target_mean": jnp.mean(target_q), "trace_mean": jnp.mean(traces[:, 1:])}

    def _traced_transitions(self, state: MPOState, seq: Sequences, key) -> tuple[Transition, jnp.ndarray]:
        """``critic_target="traced"``: each window becomes one n-step transition, cut where a uniform draw
        exceeds the trace c_t = λ·min(1, π/μ) of the target policy (:func:`cairn.ops.traced_n_step`).
        Returns the transitions and their mean length."""
        c = self.config
        # c_0 is never used: the policy is evaluated on the window's later states only
        mean, std = self.networks.policy.apply(state.target_policy_params, seq.observation[:, 1:])
        log_pi = action_log_prob(seq.action[:, 1:], mean, std, c.squash)
        traces = ops.truncated_traces(log_pi, seq.log_prob[:, 1:], c.retrace_lambda)  # unknown μ: cut there
        # drawn for all L steps and the first dropped: the stream of draws the benchmark runs were made with
        uniform = jax.random.uniform(key, seq.reward.shape, seq.reward.dtype)[:, 1:]
        reward, discount, m = ops.traced_n_step(seq.reward, seq.discount, seq.mask, traces, uniform, c.gamma)
        nxt = jnp.take_along_axis(seq.next_observation, (m - 1)[:, None, None], axis=1)[:, 0]
        return Transition(seq.observation[:, 0], seq.action[:, 0], reward, discount, nxt), jnp.mean(m)

    def _update(self, state: MPOState, batch) -> tuple[MPOState, dict]:
        c, nets = self.config, self.networks
        n, kind = c.num_samples, c.squash
        key, sample_key = jax.random.split(state.key)
        trace_length = None
        if c.critic_target == "traced":
            key, trace_key = jax.random.split(key)
            batch, trace_length = self._traced_transitions(state, batch, trace_key)
        if isinstance(batch, Sequences):
            b, length = batch.observation.shape[:2]
            s0 = batch.observation[:, 0]
            going_on = (batch.mask * batch.discount) > 0
            nxt = jnp.where(going_on[..., None], batch.next_observation, batch.observation).reshape(b * length, -1)
        else:
            b, length = batch.observation.shape[0], 1
            s0 = batch.observation
            nxt = jnp.where((batch.discount > 0)[:, None], batch.next_observation, batch.observation)
        # Where the episode ended the bootstrap is multiplied by 0, so the state evaluated there is free:
        # it is the transition's own s, which keeps every transition's state in the E-step below.
        # E-step states: these (sharing their samples with the critic's bootstrap), or the current
        # states s with samples of their own.
        shared = c.estep_states == "next"
        states = nxt if shared else jnp.concatenate([s0, nxt], axis=0)

        # 1. N target-policy actions at every state, evaluated by the target critic in one call.
        t_mean, t_std = nets.policy.apply(state.target_policy_params, states)
        u = t_mean + t_std * jax.random.normal(sample_key, (n, *t_mean.shape), t_mean.dtype)  # [N, S, A]
        actions = _squash(u, kind)
        target_out = sampled_q(nets.critic, state.target_critic_params, states, actions,  # obs broadcast over N
                               self.sample_precision)
        if shared:
            e_slice, next_out, e_states = slice(None), target_out, nxt
        else:
            e_slice, next_out, e_states = slice(0, b), target_out[:, b:], s0
        q_s = self._q_values(target_out[:, e_slice])  # [N, E]
        if isinstance(batch, Sequences):
            next_out = self._q_values(next_out).reshape(n, b, length)  # Retrace needs E_π Q̄(s_{t+1}) [N, B, L]
        u_s = u[:, e_slice]
        mean_old, std_old = jax.lax.stop_gradient(t_mean[e_slice]), jax.lax.stop_gradient(t_std[e_slice])

        uses_bc = c.bc_weight > 0 or bool(c.online_bc_weight)
        alpha_bc = self._bc_weight(state)

        def loss_fn(params):
            policy_params, critic_params, duals = params
            # 2. critic
            critic_loss, critic_aux = self._critic_loss(critic_params, next_out, state, batch)
            # 3. E-step (and the optional action-penalty objective with its own temperature)
            temperature = ops.dual_value(duals["log_temperature"])
            weights, temperature_loss = ops.estep_weights(q_s, temperature, c.epsilon)
            weight_sets = [weights]
            dual_loss = temperature_loss
            if c.action_penalty:
                penalty_q = -jnp.linalg.norm(u_s - jnp.clip(u_s, -c.penalty_bound, c.penalty_bound), axis=-1)
                w_pen, pen_loss = ops.estep_weights(penalty_q, ops.dual_value(duals["log_penalty_temperature"]),
                                                    c.epsilon_penalty)
                weight_sets.append(w_pen)
                dual_loss = dual_loss + pen_loss
            # 4. M-step with decoupled KL trust regions
            also_s0 = uses_bc and e_states is not s0  # the BC term needs π at s too: one call for both
            mean, std = nets.policy.apply(policy_params, jnp.concatenate([e_states, s0]) if also_s0 else e_states)
            bc_mean, bc_std = mean, std
            if also_s0:
                e = e_states.shape[0]
                mean, bc_mean, std, bc_std = mean[:e], mean[e:], std[:e], std[e:]
            log_p_mean = ops.diag_gaussian_log_prob(u_s, mean, std_old)  # π_mean = N(μ_θ, σ_old)
            log_p_std = ops.diag_gaussian_log_prob(u_s, mean_old, std)  # π_cov = N(μ_old, σ_θ)
            fit = sum(ops.weighted_log_likelihood(w, log_p_mean) + ops.weighted_log_likelihood(w, log_p_std)
                      for w in weight_sets)
            kl_mean = jnp.mean(ops.diag_gaussian_kl(mean_old, std_old, mean, std_old), axis=0)  # [A]
            kl_std = jnp.mean(ops.diag_gaussian_kl(mean_old, std_old, mean_old, std), axis=0)
            if not c.per_dim_kl:
                kl_mean, kl_std = jnp.sum(kl_mean), jnp.sum(kl_std)
            alpha_mean = ops.dual_value(duals["log_alpha_mean"])
            alpha_std = ops.dual_value(duals["log_alpha_stddev"])
            pen_mean, dual_mean = ops.kl_dual_loss(alpha_mean, kl_mean, c.epsilon_mean)
            pen_std, dual_std = ops.kl_dual_loss(alpha_std, kl_std, c.epsilon_stddev)
            policy_loss = fit + pen_mean + pen_std
            if uses_bc:  # offline actor-critic: behaviour cloning of the batch's own actions
                a0 = batch.action[:, 0] if isinstance(batch, Sequences) else batch.action
                bc_loss = -jnp.mean(action_log_prob(a0, bc_mean, bc_std, kind))
                policy_loss = (1.0 - alpha_bc) * fit + alpha_bc * bc_loss + pen_mean + pen_std
            dual_loss = dual_loss + dual_mean + dual_std
            aux = {
                "critic_loss": critic_loss, "policy_loss": policy_loss, "dual_loss": dual_loss,
                "temperature": temperature, "alpha_mean": jnp.mean(alpha_mean), "alpha_stddev": jnp.mean(alpha_std),
                "kl_mean": jnp.sum(kl_mean), "kl_stddev": jnp.sum(kl_std), "policy_std": jnp.mean(std),
                "estep_max_weight": jnp.mean(jnp.max(weights, axis=0)), **critic_aux,
            }
            if uses_bc:
                aux["bc_loss"], aux["bc_weight"] = bc_loss, alpha_bc
            return critic_loss + policy_loss + dual_loss, aux

        params = (state.policy_params, state.critic_params, state.dual_params)
        grads, metrics = jax.grad(loss_fn, has_aux=True)(params)
        p_grads, c_grads, d_grads = grads
        p_upd, policy_opt_state = self._policy_opt.update(p_grads, state.policy_opt_state, state.policy_params)
        policy_params = optax.apply_updates(state.policy_params, p_upd)
        c_upd, critic_opt_state = self._critic_opt.update(c_grads, state.critic_opt_state, state.critic_params)
        critic_params = optax.apply_updates(state.critic_params, c_upd)
        d_upd, dual_opt_state = self._dual_opt.update(d_grads, state.dual_opt_state, state.dual_params)
        dual_params = ops.clip_dual_params(optax.apply_updates(state.dual_params, d_upd))
        steps = state.steps + 1
        target_policy = optax.periodic_update(policy_params, state.target_policy_params, steps, c.target_update_period)
        target_critic = optax.periodic_update(critic_params, state.target_critic_params, steps, c.target_update_period)
        if trace_length is not None:
            metrics["trace_length"] = trace_length
        metrics["finite"] = (jnp.isfinite(metrics["critic_loss"]) & jnp.isfinite(metrics["policy_loss"])
                             & jnp.isfinite(metrics["dual_loss"]))
        averaged = state.averaged_policy_params
        if averaged is not None:
            averaged = optax.incremental_update(policy_params, averaged, c.policy_ema)
        new_state = MPOState(policy_params, target_policy, critic_params, target_critic, dual_params,
                             policy_opt_state, critic_opt_state, dual_opt_state, key, steps, averaged,
                             state.online_since)
        return new_state, metrics
