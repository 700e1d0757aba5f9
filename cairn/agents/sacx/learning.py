"""The SAC-X learner: SAC vmapped over intentions, one jitted update for all of them.

Every intention k has its own actor, twin critics, target critics and temperature (a leading axis of
size K on every leaf of the state). One update samples one batch with the whole reward vector and
trains intention k on its reward w_k · r, a weight vector over the stored channels (one channel, or a
composite intention's weighted sum) — every transition teaches every intention, off-policy.
Acting uses the scheduler's active intention (with ``gpi``, the main intention acts with the best of
every intention's proposal); its name is the step's policy tag in the store.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from cairn import ops
from cairn.agents.sac import losses
from cairn.agents.sac.learning import SACLearner, _update
from cairn.agents.sacx.config import SACXConfig
from cairn.agents.sacx.scheduler import Scheduler
from cairn.agents.sacx.shared import SharedTorsoSACX
from cairn.errors import ConfigError
from cairn.nets.tanh_gaussian import tanh_gaussian_log_prob, tanh_gaussian_sample
from cairn.types import EnvSpec, Transition

PER_INTENTION_METRICS = ("q_mean", "alpha", "critic_loss")
_ATANH_LIMIT = 1.0 - 1e-6
# channels that repeat others in another reward form (the block world's `reach_shaped`, ...): not
# intentions by default, only when named in --sacx.intentions
ALTERNATE_FORM_SUFFIXES = ("_shaped", "_sparse")


def intention_rewards(spec: EnvSpec, intentions: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """The intentions' names and reward weights [K, channels]: intention k learns from ``weights[k] · r``.

    Intention 0 is the main task (channel 0), then the named channels in channel order, then the sums in
    the order given. Each entry of ``intentions`` is a channel name, or a weighted sum of channels,
    optionally named: ``grasp=0.5*reach_shaped+0.5*touch_shaped`` (weights
    default to 1). Sums are how staged rewards are built from stored channels (reach, then touch, then
    lift), so a run stored without them can be relabelled with them. Empty: every channel except those
    repeating another channel in a second reward form (``ALTERNATE_FORM_SUFFIXES``).
    """
    names = tuple(spec.reward_names)
    if not intentions:
        intentions = tuple(n for n in names[1:] if not n.endswith(ALTERNATE_FORM_SUFFIXES))
    # plain channel names in channel order (as runs stored before composite intentions were added have
    # them: a resumed run keeps each intention on its own networks), then the sums in the order given
    plain = sorted({e for e in intentions if e in names and e != names[0]}, key=names.index)
    chosen, rows = [names[0]], [np.eye(len(names))[0]]
    for entry in plain + [e for e in intentions if e not in names]:
        label, _, expr = entry.rpartition("=")
        row = np.zeros(len(names))
        for term in expr.split("+"):
            weight, _, channel = term.strip().rpartition("*")
            if channel not in names:
                raise ConfigError(f"--sacx.intentions {entry}: no reward channel {channel!r} in {spec.env_id} "
                                  f"(channels: {', '.join(names)})")
            try:
                row[names.index(channel)] += float(weight) if weight else 1.0
            except ValueError:
                raise ConfigError(f"--sacx.intentions {entry}: {weight!r} is not a number (write e.g. "
                                  f"0.5*{channel})") from None
        label = label.strip() or expr
        if label in chosen:
            raise ConfigError(f"--sacx.intentions {entry}: the intention name {label!r} is used twice")
        chosen.append(label)
        rows.append(row)
    return tuple(chosen), np.stack(rows).astype(np.float32)


class GPIParams(NamedTuple):
    """The acting parameters of SAC-X with ``gpi``: every intention's actor and the main intention's critic."""

    actor: Any
    critic: Any


def _pick(tree, k):
    return jax.tree.map(lambda p: p[k], tree)


class SACXLearner:
    name = "sacx"
    loss_names = ("critic_loss", "actor_loss", "alpha_loss")

    def __init__(self, spec: EnvSpec, config: SACXConfig):
        self.spec, self.config = spec, config
        self.intention_names, self.reward_weights = intention_rewards(spec, config.intentions)
        self.k = len(self.intention_names)
        self.scheduler = Scheduler(self.k, config.scheduler, config.switch_every, config.scheduler_temperature,
                                   config.scheduler_lr, main_first=config.main_first,
                                   switch_min=config.switch_min)
        if config.shared_torso:
            self._shared = SharedTorsoSACX(spec, config, self.k, self.reward_weights)
            self._init = self._shared.init
            self.update = jax.jit(self._with_named_metrics(self._shared.update), donate_argnums=0)
            self._act = jax.jit(self._shared.act)
            self._eval_act = jax.jit(self._shared.eval_act)
            return
        self._sac = SACLearner(spec, config)
        single = functools.partial(
            _update, networks=self._sac.networks, config=config, target_entropy=self._sac.target_entropy,
            actor_opt=self._sac._actor_opt, critic_opt=self._sac._critic_opt, alpha_opt=self._sac._alpha_opt,
            soft_floor=config.gpi_soft_floor)
        names, weights, k_all = self.intention_names, jnp.asarray(self.reward_weights), self.k
        actor, critic = self._sac.networks.actor, self._sac.networks.critic
        gpi = config.gpi

        def all_actors(actor_params, obs):
            """Every intention's policy at ``obs`` [B, O] → (mean, log_std), each [K, B, A]."""
            return jax.vmap(actor.apply, in_axes=(0, None))(actor_params, obs)

        def proposals_q(critic_params, obs, proposals):
            """Critic values [num_critics, K, B] of each intention's proposal [K, B, A] at ``obs`` [B, O]."""
            return critic.apply(critic_params, jnp.broadcast_to(obs, (k_all, *obs.shape)), proposals)

        def gpi_floor(state, batch):
            """The main intention's bootstrap floor: the best other intention's sampled proposal at s′, valued by
            the main target critic ([K, B]; −inf for every other intention)."""
            keys = jax.vmap(jax.random.split)(state.key)  # [K, 2, key]
            mean, log_std = all_actors(state.actor_params, batch.next_observation)
            proposals, _ = jax.vmap(tanh_gaussian_sample)(keys[:, 1], mean, log_std)
            q = proposals_q(_pick(state.target_critic_params, 0), batch.next_observation, proposals)
            best_other, _ = losses.gpi_value(q[:, 1:])
            floor = jnp.full((k_all, best_other.shape[0]), -jnp.inf, best_other.dtype).at[0].set(best_other)
            return state._replace(key=keys[:, 0]), floor

        lam = config.trace_lambda

        def traced_batches(state, seq):
            """Sequences [B, L] → one n-step Transition per intention (fields [K, B, ...]), each window cut by
            that intention's traces (``traced``); and the state with its keys advanced."""
            rewards = jnp.moveaxis(seq.reward @ weights.T, -1, 0)  # [K, B, L]
            # c_0 is never used: the policies are evaluated on the window's later states only
            mean, log_std = all_actors(state.actor_params, seq.observation[:, 1:])  # [K, B, L − 1, A]
            u = jnp.arctanh(jnp.clip(seq.action[:, 1:], -_ATANH_LIMIT, _ATANH_LIMIT))
            log_pi = tanh_gaussian_log_prob(u[None], mean, log_std)  # [K, B, L − 1]
            traces = ops.truncated_traces(log_pi, seq.log_prob[None, :, 1:], lam)  # [K, B, L − 1]
            keys = jax.vmap(jax.random.split)(state.key)
            uniform = jax.vmap(lambda k: jax.random.uniform(k, seq.reward.shape[:2], seq.reward.dtype))(keys[:, 1])
            uniform = uniform[..., 1:]  # drawn for all L steps, as the first trial runs were
            cut = jax.vmap(ops.traced_n_step, in_axes=(0, None, None, 0, 0, None))
            reward, discount, m = cut(rewards, seq.discount, seq.mask, traces, uniform, config.gamma)
            nxt = jnp.take_along_axis(seq.next_observation[None], (m - 1)[..., None, None], axis=2)[:, :, 0]
            k_obs = jnp.broadcast_to(seq.observation[None, :, 0], (k_all, *seq.observation[:, 0].shape))
            k_act = jnp.broadcast_to(seq.action[None, :, 0], (k_all, *seq.action[:, 0].shape))
            return state._replace(key=keys[:, 0]), Transition(k_obs, k_act, reward, discount, nxt), jnp.mean(m, axis=1)

        def update(state, batch):
            if config.traced:  # one n-step transition per intention, each cut by its own traces
                state, per_k, lengths = traced_batches(state, batch)
                axes, main_batch = 0, _pick(per_k, 0)
            else:  # one batch; intention k's reward is w_k · r
                per_k, lengths = batch._replace(reward=(batch.reward @ weights.T).T), None  # rewards [K, B]
                axes, main_batch = Transition(None, None, 0, None, None), batch
            floor = None
            if gpi:
                state, floor = gpi_floor(state, main_batch)
            per = jax.vmap(lambda s, b, f: single(s, b, next_value_floor=f), in_axes=(0, axes, 0 if gpi else None))
            state, m = per(state, per_k, floor)
            metrics = {k: jnp.mean(v) for k, v in m.items() if k not in ("finite", "floor_share")}
            for key in PER_INTENTION_METRICS:
                metrics.update({f"{key}/{n}": m[key][i] for i, n in enumerate(names)})
            if lengths is not None:
                metrics.update({f"trace_length/{n}": lengths[i] for i, n in enumerate(names)})
            if gpi:  # share of the main critic's targets that another intention's proposal decided
                metrics["gpi_share"] = m["floor_share"][0]
            metrics["finite"] = jnp.all(m["finite"])
            return state, metrics

        self.update = jax.jit(update, donate_argnums=0)
        self._traced_batches = traced_batches

        def gpi_choice(params, obs, proposals):
            """The proposal [K, B, A] that the main critic values most, per state → [B, A]."""
            _, best = losses.gpi_value(proposals_q(params.critic, obs, proposals))
            return jnp.take_along_axis(proposals, best[None, :, None], axis=0)[0]

        def act(params, obs, key, k):
            key, sub = jax.random.split(key)
            if not gpi:
                mean, log_std = actor.apply(_pick(params, k), obs)
                action, log_prob = tanh_gaussian_sample(sub, mean, log_std)
                return action, log_prob, key
            mean, log_std = all_actors(params.actor, obs)
            proposals, log_probs = jax.vmap(tanh_gaussian_sample)(jax.random.split(sub, k_all), mean, log_std)
            main = k == 0
            chosen = gpi_choice(params, obs, proposals)
            # the chosen proposal's density under every intention's policy: their sum bounds the GPI
            # choice's density from above (see SACXConfig.gpi)
            u = jnp.arctanh(jnp.clip(chosen, -_ATANH_LIMIT, _ATANH_LIMIT))
            bound = jax.nn.logsumexp(tanh_gaussian_log_prob(u[None], mean, log_std), axis=0)
            action = jnp.where(main, chosen, proposals[k])
            return action, jnp.where(main, bound, log_probs[k]), key

        def eval_act(params, obs, k):
            if not gpi:
                return jnp.tanh(actor.apply(_pick(params, k), obs)[0])
            proposals = jnp.tanh(all_actors(params.actor, obs)[0])  # [K, B, A]
            return jnp.where(k == 0, gpi_choice(params, obs, proposals), proposals[k])

        self._act = jax.jit(act)
        self._eval_act = jax.jit(eval_act)
        # one call, not one eager op per parameter leaf: called before every env step (1.9 ms eager against
        # ~0.1 jitted, with v7's four intentions; 2026-12-05)
        self._gpi_params = jax.jit(lambda actors, critics: GPIParams(actors, _pick(critics, 0)))
        self._init = lambda key: jax.vmap(self._sac.init)(jax.random.split(key, self.k))

    def _with_named_metrics(self, update):
        """``update`` with its per-intention metric vectors spread into ``<metric>/<intention>`` entries."""
        names = self.intention_names

        def named(state, batch):
            state, m = update(state, batch)
            per = m.pop("per_intention")
            for key in PER_INTENTION_METRICS:
                m.update({f"{key}/{n}": per[key][i] for i, n in enumerate(names)})
            return state, m

        return named

    # -- the learner interface -------------------------------------------------------------------------
    def init(self, key):
        return self._init(key)

    def policy_params(self, state):
        """What acts: the intentions' actors, and with ``gpi`` the main intention's critic beside them."""
        if self.config.gpi:
            return self._gpi_params(state.actor_params, state.critic_params)
        return state.actor_params

    def sample_batch(self, sampler, rng: np.random.Generator):
        c = self.config
        if c.traced:
            return sampler.sample_sequences(rng, c.batch_size, c.n_step, slice(None))  # every channel
        return sampler.sample(rng, c.batch_size, slice(None), n_step=c.n_step, gamma=c.gamma)  # every channel

    def act(self, params, obs, key):
        """A sample from the active intention's policy."""
        return self._act(params, obs, key, self.scheduler.active)

    def eval_act(self, params, obs):
        """The main task's (channel 0) deterministic policy."""
        return self._eval_act(params, obs, 0)

    def intention_eval_act(self, k: int):
        """Intention k's deterministic policy (its reward: ``self.reward_weights[k]`` · the reward vector)."""
        return lambda params, obs: self._eval_act(params, obs, k)

    # -- scheduling hooks (called by the training loop) -------------------------------------------------
    @property
    def policy_tag(self) -> str:
        return f"sacx/{self.intention_names[self.scheduler.active]}"

    def begin_episode(self, rng):
        self.scheduler.begin_episode(rng)

    def observe(self, reward, rng):
        self.scheduler.observe(reward, rng)

    def end_episode(self, learn: bool = True):
        self.scheduler.end_episode(learn)

    def host_state(self) -> dict:
        return {"scheduler": self.scheduler.state_dict()}

    def load_host_state(self, d: dict) -> None:
        self.scheduler.load_state_dict(d.get("scheduler", {}))
