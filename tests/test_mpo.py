"""MPO / DMPO learners: update mechanics, trust regions, Retrace, and learning on a tiny task."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fake_envs  # noqa: F401  (registers test:* env ids)
from cairn.agents.mpo import MPOConfig, MPOLearner
from cairn.errors import ConfigError
from cairn.replay import RingBuffer
from cairn.run.config import TrainConfig
from cairn.run.loop import train
from cairn.store import Store
from cairn.types import EnvSpec

SPEC = EnvSpec("test:x", observation_size=4, action_size=2)
TINY = MPOConfig(policy_hidden_sizes=(32, 32), critic_hidden_sizes=(32, 32), batch_size=64, num_samples=8,
                 policy_lr=1e-3, critic_lr=1e-3, target_update_period=20, epsilon_mean=0.05, n_step=3, vmax=5.0, init_log_alpha_mean=1.0, init_log_temperature=-1.0,
                 num_atoms=21)


def filled_buffer(seed=0, n=500, log_prob=-1.0):
    rng = np.random.default_rng(seed)
    buf = RingBuffer(n, 4, 2)
    for t in range(n):
        buf.add(rng.standard_normal(4), rng.uniform(-1, 1, 2), [rng.standard_normal()], float(t % 50 != 49),
                rng.standard_normal(4), t % 50 == 49, log_prob)
    return buf, rng


@pytest.mark.parametrize("distributional", [False, True])
def test_update_compiles_once_and_copies_targets_every_period(distributional):
    cfg = dataclasses.replace(TINY, target_update_period=3)
    learner = MPOLearner(SPEC, cfg, distributional=distributional)
    buf, rng = filled_buffer()
    state = learner.init(jax.random.PRNGKey(0))
    initial = jax.device_get(state.target_critic_params)
    for i in range(1, 7):
        state, metrics = learner.update(state, learner.sample_batch(buf, rng))
        assert bool(metrics["finite"])
        tc, c = jax.device_get(state.target_critic_params), jax.device_get(state.critic_params)
        same_as_initial = all(np.array_equal(a, b) for a, b in zip(jax.tree.leaves(tc), jax.tree.leaves(initial)))
        same_as_online = all(np.array_equal(a, b) for a, b in zip(jax.tree.leaves(tc), jax.tree.leaves(c)))
        assert same_as_initial == (i < 3) and same_as_online == (i % 3 == 0), i
    assert learner.update._cache_size() == 1
    assert {"temperature", "alpha_mean", "alpha_stddev", "kl_mean", "kl_stddev", "q_mean"} <= set(metrics)


def test_mean_kl_stays_near_its_bound_while_the_critic_pulls():
    """With the target policy frozen (long period) and a sharp E-step, the M-step first overshoots the
    mean-KL bound; the multiplier α_μ then rises and pulls the KL back down towards ε_μ."""
    cfg = dataclasses.replace(TINY, target_update_period=10_000, epsilon_mean=1e-3, init_log_alpha_mean=0.0,
                              policy_lr=3e-3, init_log_temperature=-3.0)
    learner = MPOLearner(SPEC, cfg)
    buf, rng = filled_buffer(1)
    state = learner.init(jax.random.PRNGKey(1))
    kls, alphas = [], []
    for _ in range(300):
        state, m = learner.update(state, learner.sample_batch(buf, rng))
        kls.append(float(m["kl_mean"]) / 2)  # per dimension
        alphas.append(float(m["alpha_mean"]))
    assert alphas[-1] > alphas[0]  # the multiplier rose to enforce the bound
    assert max(kls) > 10 * cfg.epsilon_mean  # the bound was violated at first ...
    assert np.mean(kls[-50:]) < 0.3 * max(kls), (max(kls), np.mean(kls[-50:]))  # ... and then enforced
    assert float(np.min(jax.device_get(state.dual_params["log_alpha_mean"]))) >= -18.0


def test_retrace_traces_follow_the_behaviour_log_probs():
    cfg = dataclasses.replace(TINY, critic_target="retrace", retrace_lambda=0.9)
    learner = MPOLearner(SPEC, cfg)
    state = learner.init(jax.random.PRNGKey(0))
    buf, rng = filled_buffer(log_prob=-50.0)  # behaviour far less likely than π: c = λ·min(1, π/μ) = λ
    batch = learner.sample_batch(buf, rng)
    assert batch.observation.shape == (64, 3, 4)
    state, m = learner.update(state, batch)
    assert bool(m["finite"]) and float(m["trace_mean"]) == pytest.approx(0.9, abs=1e-5)
    unknown, _ = filled_buffer(log_prob=np.nan)  # deterministic behaviour: no traces, one-step target
    state, m = learner.update(state, learner.sample_batch(unknown, rng))
    assert float(m["trace_mean"]) == 0.0


@pytest.mark.parametrize("distributional", [False, True])
def test_traced_windows_are_cut_by_the_behaviour_log_probs(distributional):
    """`traced`: with μ far less likely than π the traces are λ, so windows run on with probability λ per
    step (mean length 1 + λ + λ² for L = 3, before episode ends); unknown μ gives one-step transitions."""
    cfg = dataclasses.replace(TINY, critic_target="traced", retrace_lambda=0.5)
    learner = MPOLearner(SPEC, cfg, distributional=distributional)
    state = learner.init(jax.random.PRNGKey(0))
    buf, rng = filled_buffer(log_prob=-50.0)
    batch = learner.sample_batch(buf, rng)
    assert batch.observation.shape == (64, 3, 4)
    lengths = []
    for _ in range(20):
        state, m = learner.update(state, learner.sample_batch(buf, rng))
        assert bool(m["finite"])
        lengths.append(float(m["trace_length"]))
    # 1 + 0.5 + 0.25 = 1.75 without episode ends; windows that start 1–2 steps before an end (2 of 50) are shorter
    assert 1.6 < np.mean(lengths) < 1.8, np.mean(lengths)
    unknown, _ = filled_buffer(log_prob=np.nan)
    state, m = learner.update(state, learner.sample_batch(unknown, rng))
    assert float(m["trace_length"]) == 1.0


def test_action_penalty_objective_and_bad_configs():
    cfg = dataclasses.replace(TINY, squash="clip", action_penalty=True, per_dim_kl=False, activation="relu")
    learner = MPOLearner(SPEC, cfg)
    state = learner.init(jax.random.PRNGKey(0))
    assert "log_penalty_temperature" in state.dual_params and state.dual_params["log_alpha_mean"].shape == ()
    buf, rng = filled_buffer()
    state, m = learner.update(state, learner.sample_batch(buf, rng))
    assert bool(m["finite"])
    a, lp, _ = learner.act(state.policy_params, np.zeros((3, 4), np.float32), np.asarray(jax.random.PRNGKey(0)))
    assert np.all(np.abs(np.asarray(a)) <= 1) and np.all(np.isfinite(lp))
    with pytest.raises(ConfigError, match="traced"):
        MPOLearner(SPEC, dataclasses.replace(TINY, critic_target="retrace"), distributional=True)
    with pytest.raises(ConfigError, match="num_samples"):
        MPOConfig(num_samples=0)
    with pytest.raises(ConfigError, match="epsilon_mean"):
        MPOConfig(epsilon_mean=-1.0)


def test_tanh_policy_log_prob_matches_the_stored_action():
    """act() records log π(a|s) of the squashed action; the learner's Retrace ratio recomputes it from a."""
    from cairn.agents.mpo.learning import action_log_prob

    learner = MPOLearner(SPEC, TINY)
    state = learner.init(jax.random.PRNGKey(2))
    obs = np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32)
    a, lp, _ = learner.act(state.policy_params, obs, np.asarray(jax.random.PRNGKey(5)))
    mean, std = learner.networks.policy.apply(state.policy_params, obs)
    np.testing.assert_allclose(action_log_prob(a, mean, std, "tanh"), lp, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("agent", ["mpo", "dmpo"])
def test_learns_target_action_and_records_and_reuses(tmp_path, agent):
    """Both agents find the best action of a one-step task (random actions score ≈ −0.75); the run
    is recorded, and a second run replays it with --reuse."""
    cfg = TrainConfig("test:target", agent=agent, steps=1500, learning_starts=200, eval_every=500, eval_episodes=3,
                      store=str(tmp_path), log_every=100, **{agent: TINY})
    s = train(cfg)
    assert s["status"] == "finished" and s["updates"] == 1300
    assert s["final_eval_return"] > -0.05, s["eval_curve"]
    n, tags = Store(str(tmp_path)).connect().execute(
        "SELECT count(*), count(DISTINCT policy) FROM steps WHERE NOT is_eval").fetchone()
    assert n == 1500 and tags == 2  # random warm-up, then the agent's own tag
    again = train(dataclasses.replace(cfg, steps=400, reuse=s["run_id"], eval_every=0))
    assert again["reuse_transitions"] == 1500 + 9 and again["updates"] == 200


def test_dmpo_resumes_from_checkpoint_with_duals_and_episode_ends(tmp_path):
    """Resume restores the whole MPO state (duals and optimiser states included) and the replay's
    episode-end flags; the interrupted episode is closed so no n-step window crosses the resume."""
    base = dict(agent="dmpo", steps=400, learning_starts=100, eval_every=0, store=str(tmp_path), dmpo=TINY,
                checkpoint_every=200, run_name="resumable")
    first = train(TrainConfig("test:target10", **base))
    from cairn.agents import make_learner
    from cairn.run.checkpoint import load_checkpoint
    from cairn.run.rundir import RunDir

    run = RunDir.find(str(tmp_path), "resumable")
    cfg = TrainConfig.from_dict(run.read_config())
    assert cfg.dmpo == dataclasses.replace(TINY, vmin=-5.0)  # round-trips through config.json, support filled in
    learner = make_learner("dmpo", fake_envs.TargetActionEnv(episode_length=10).spec, cfg)
    state, loop, arrays = load_checkpoint(run.checkpoint_path, learner.init(jax.random.PRNGKey(9)))
    assert int(state.steps) == first["updates"] == 300
    assert float(state.dual_params["log_temperature"]) != TINY.init_log_temperature
    assert arrays["replay/last"].sum() == 40  # 400 steps of 10-step episodes
    resumed = train(TrainConfig("test:target10", **{**base, "steps": 600}, resume="resumable"))
    assert resumed["env_steps"] == 600 and resumed["updates"] == 500


def test_categorical_support_bounds_defaults_and_bad_values():
    """[vmin, vmax] with vmin defaulting to −vmax and vmax to 150 × action repeat on dm_control."""
    from cairn.agents.mpo.config import MPOConfig, with_default_vmax
    from cairn.agents.mpo.learning import categorical_support

    resolved = with_default_vmax(MPOConfig(), "dmc:cheetah-run", action_repeat=2)
    assert (resolved.vmin, resolved.vmax) == (-300.0, 300.0)
    assert with_default_vmax(MPOConfig(vmax=3.0), "gym:Hopper-v5").vmin == -3.0
    assert with_default_vmax(MPOConfig(vmin=0.0), "gym:Hopper-v5", 4).vmax == 6400.0
    support = np.asarray(categorical_support(MPOConfig(vmin=0.0, vmax=200.0), "dmc:cheetah-run"))
    assert support.shape == (51,) and support[0] == 0.0 and support[-1] == 200.0
    np.testing.assert_allclose(np.diff(support), 4.0, rtol=1e-6)  # 3× finer than 12 on [−300, 300]
    learner = MPOLearner(SPEC, dataclasses.replace(TINY, vmin=0.0), distributional=True)
    assert float(learner.support[0]) == 0.0 and float(learner.support[-1]) == 5.0
    with pytest.raises(ConfigError, match="vmin must be < vmax"):
        MPOConfig(vmin=5.0, vmax=5.0)
    with pytest.raises(ConfigError, match="vmin must be < vmax"):  # vmax known only once the task is (150 × 2)
        with_default_vmax(MPOConfig(vmin=500.0), "dmc:cheetah-run", action_repeat=2)


def test_small_critic_head_starts_with_equal_values_for_every_action():
    """With the head initialised near zero (Acme's categorical head) the first E-steps see no init noise."""
    obs = jax.random.normal(jax.random.PRNGKey(1), (16, 4))
    actions = jax.random.uniform(jax.random.PRNGKey(2), (20, 16, 2), minval=-1, maxval=1)
    spread = {}
    for small in (False, True):
        learner = MPOLearner(SPEC, dataclasses.replace(TINY, vmax=100.0, small_critic_head=small), distributional=True)
        state = learner.init(jax.random.PRNGKey(0))
        q = learner._q_values(learner.networks.critic.apply(state.critic_params, obs, actions))  # [20, 16]
        spread[small] = float(np.mean(np.std(np.asarray(q), axis=0)))
    assert spread[True] < 0.05 and spread[False] > 1.0, spread  # support ±100: 2.6 by default


def test_policy_ema_acts_with_the_polyak_average_and_old_checkpoints_still_load(tmp_path):
    from typing import Any, NamedTuple

    from cairn.run.checkpoint import load_checkpoint, save_checkpoint

    tau = 0.25
    learner = MPOLearner(SPEC, dataclasses.replace(TINY, policy_ema=tau))
    buf, rng = filled_buffer()
    state = learner.init(jax.random.PRNGKey(0))
    leaf = lambda params: np.asarray(jax.tree.leaves(params)[0]).copy()  # noqa: E731
    expected = leaf(state.policy_params)
    for _ in range(4):
        state, _ = learner.update(state, learner.sample_batch(buf, rng))
        expected = (1 - tau) * expected + tau * leaf(state.policy_params)  # avg ← avg + τ(θ − avg)
    np.testing.assert_allclose(leaf(learner.policy_params(state)), expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(leaf(learner.policy_params(state)), leaf(state.policy_params))
    off = MPOLearner(SPEC, TINY)
    off_state = off.init(jax.random.PRNGKey(0))
    assert off_state.averaged_policy_params is None and off.policy_params(off_state) is off_state.policy_params
    with pytest.raises(ConfigError, match="policy_ema"):
        dataclasses.replace(TINY, policy_ema=1.0)

    class Old(NamedTuple):  # a learner state written before a field was added to it
        a: Any
        b: Any

    class New(NamedTuple):
        a: Any
        b: Any
        c: Any = None

    save_checkpoint(tmp_path / "old.npz", Old(np.ones(2), np.zeros(3)), {"k": 1}, {})
    new, loop, _ = load_checkpoint(tmp_path / "old.npz", New(np.zeros(2), np.zeros(3)))
    assert new.c is None and np.array_equal(new.a, np.ones(2)) and loop == {"k": 1}
    with pytest.raises(ConfigError, match="does not match this learner's state"):  # the new field switched on
        load_checkpoint(tmp_path / "old.npz", New(np.zeros(2), np.zeros(3), np.zeros(1)))


def test_elu_matches_jax_elu_in_value_and_gradient():
    from cairn.agents.mpo.networks import elu

    x = jnp.asarray([-30.0, -3.0, -1.0, -1e-3, -1e-7, 0.0, 1e-7, 0.5, 4.0])
    np.testing.assert_allclose(elu(x), jax.nn.elu(x), atol=1e-7, rtol=1e-6)
    np.testing.assert_allclose(jax.vmap(jax.grad(elu))(x), jax.vmap(jax.grad(jax.nn.elu))(x), atol=1e-7, rtol=1e-6)
    # hand values: e^-1 − 1 and its slope e^-1; slope 1 on the positive side
    np.testing.assert_allclose(elu(jnp.asarray(-1.0)), np.exp(-1.0) - 1.0, rtol=1e-6)
    np.testing.assert_allclose(jax.grad(elu)(jnp.asarray(-1.0)), np.exp(-1.0), rtol=1e-6)
    assert float(jax.grad(elu)(jnp.asarray(2.0))) == 1.0


def test_factored_layer_norm_equals_layer_norm_of_the_broadcast_sum():
    """The per-state statistics give flax's LayerNorm of o + a·W for every sampled action, including a
    hand case: o = (1, 3), no action part → normalised (−1, 1)·scale + bias."""
    import flax.linen as nn

    from cairn.agents.mpo.networks import factored_layer_norm
    from cairn.nets import layer_norm

    k1, k2, k3, k4 = jax.random.split(jax.random.PRNGKey(7), 4)
    o = 5.0 + 3.0 * jax.random.normal(k1, (8, 32))  # off-centre, wide: the centring matters
    a = jax.random.uniform(k2, (5, 8, 3), minval=-1, maxval=1)
    w = jax.random.normal(k3, (3, 32))
    scale, bias = 1.0 + 0.1 * jax.random.normal(k4, (32,)), jnp.linspace(-0.5, 0.5, 32)
    ln = nn.LayerNorm()
    params = {"params": {"scale": scale, "bias": bias}}
    expected = ln.apply(params, o + a @ w)  # [5, 8, 32], the sum materialised
    np.testing.assert_allclose(factored_layer_norm(o, a, w, scale, bias), expected, atol=2e-5)
    np.testing.assert_allclose(layer_norm(o + a @ w, scale, bias), expected, atol=1e-5)  # means as products: other rounding
    hand = factored_layer_norm(jnp.asarray([[1.0, 3.0]]), jnp.zeros((2, 1, 1)), jnp.ones((1, 2)),
                               jnp.asarray([2.0, 2.0]), jnp.asarray([0.5, 0.0]))
    np.testing.assert_allclose(hand, np.broadcast_to([[[-1.5, 2.0]]], (2, 1, 2)), atol=1e-5)


def test_critic_on_sampled_actions_equals_the_critic_on_each_tiled_pair():
    """Broadcast (N actions per state, factored LayerNorm) and per-pair evaluation agree, and the
    parameter tree is the Dense/LayerNorm one that checkpoints were written with."""
    from cairn.agents.mpo.networks import Critic

    critic = Critic((32, 32), outputs=11)
    obs = jax.random.normal(jax.random.PRNGKey(1), (6, 5))
    actions = jax.random.uniform(jax.random.PRNGKey(2), (4, 6, 2), minval=-1, maxval=1)
    params = critic.init(jax.random.PRNGKey(0), obs[:1], actions[0, :1])
    assert sorted(params["params"]) == ["Dense_0", "Dense_1", "LayerNorm_0", "act_in", "obs_in"]
    assert set(params["params"]["LayerNorm_0"]) == {"scale", "bias"} and set(params["params"]["act_in"]) == {"kernel"}
    params = jax.tree.map(lambda x: x + 0.2 * jax.random.normal(jax.random.PRNGKey(3), x.shape), params)
    tiled = jax.vmap(lambda a: critic.apply(params, obs, a))(actions)  # each [6, 2] slice on its own
    np.testing.assert_allclose(critic.apply(params, obs, actions), tiled, atol=2e-5)
    # and its gradients (parameters and actions), should anything differentiate through sampled actions
    loss = lambda p, a: jnp.sum(jnp.tanh(critic.apply(p, obs, a)))  # noqa: E731
    loss_tiled = lambda p, a: jnp.sum(jnp.tanh(jax.vmap(lambda ai: critic.apply(p, obs, ai))(a)))  # noqa: E731
    for g, g_tiled in zip(jax.tree.leaves(jax.grad(loss, (0, 1))(params, actions)),
                          jax.tree.leaves(jax.grad(loss_tiled, (0, 1))(params, actions))):
        np.testing.assert_allclose(g, g_tiled, atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("chunk", [None, 2, 3, 6])
def test_sampled_q_in_chunks_equals_one_call(chunk, monkeypatch):
    """Chunked evaluation of N sampled actions (``SAMPLE_CHUNK``; 3 does not divide N = 6: one call) gives
    the one-call numbers."""
    from cairn.agents.mpo import networks
    from cairn.agents.mpo.networks import Critic, sampled_q

    critic = Critic((16, 16), outputs=7)
    obs = jax.random.normal(jax.random.PRNGKey(1), (5, 4))
    actions = jax.random.uniform(jax.random.PRNGKey(2), (6, 5, 2), minval=-1, maxval=1)
    params = critic.init(jax.random.PRNGKey(0), obs, actions[0])
    monkeypatch.setattr(networks, "SAMPLE_CHUNK", chunk)
    out = jax.jit(lambda p, o, a: sampled_q(critic, p, o, a))(params, obs, actions)
    assert out.shape == (6, 5, 7)
    np.testing.assert_allclose(out, critic.apply(params, obs, actions), atol=1e-6)


def test_dmpo_update_with_chunked_samples_equals_the_one_call_update(monkeypatch):
    from cairn.agents.mpo import networks

    monkeypatch.setattr(networks, "SAMPLE_CHUNK", 2)  # N = 8 in four chunks
    learner = MPOLearner(SPEC, TINY, distributional=True)
    buf, rng = filled_buffer()
    state, batch = learner.init(jax.random.PRNGKey(0)), learner.sample_batch(buf, rng)
    chunked, m = learner.update(state, batch)
    monkeypatch.setattr(networks, "SAMPLE_CHUNK", None)
    plain, m_plain = MPOLearner(SPEC, TINY, distributional=True).update(learner.init(jax.random.PRNGKey(0)), batch)
    np.testing.assert_allclose(m["critic_loss"], m_plain["critic_loss"], rtol=1e-5)
    for a, b in zip(jax.tree.leaves(chunked.critic_params), jax.tree.leaves(plain.critic_params)):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_bfloat16_sampled_q_rounds_the_hidden_products_only(monkeypatch):
    """``sampled_q(..., "bfloat16")``: the same parameters, outputs within bfloat16's rounding of the
    float32 ones (yet not equal: the option does round), chunked and one-call alike; the trained critic's
    own apply stays float32."""
    from cairn.agents.mpo import networks
    from cairn.agents.mpo.networks import Critic, sampled_q

    critic = Critic((64, 64), outputs=11)
    obs = jax.random.normal(jax.random.PRNGKey(1), (32, 4))
    actions = jax.random.uniform(jax.random.PRNGKey(2), (8, 32, 2), minval=-1, maxval=1)
    params = critic.init(jax.random.PRNGKey(0), obs, actions[0])
    exact = critic.apply(params, obs, actions)
    rounded = jax.jit(lambda p, o, a: sampled_q(critic, p, o, a, "bfloat16"))(params, obs, actions)
    err = np.abs(np.asarray(rounded) - np.asarray(exact))
    assert rounded.dtype == jnp.float32 and 0 < err.max() < 2e-2 * np.abs(exact).max()
    np.testing.assert_allclose(sampled_q(critic, params, obs, actions, "float32"), exact, atol=1e-6)
    monkeypatch.setattr(networks, "SAMPLE_CHUNK", None)
    one_call = sampled_q(critic, params, obs, actions, "bfloat16")
    np.testing.assert_allclose(rounded, one_call, atol=1e-5)


def test_dmpo_defaults_to_machine_chosen_targets_and_old_runs_resume_in_float32():
    from cairn.agents.mpo.networks import resolve_sample_precision

    cfg = TrainConfig("test:x", agent="dmpo")
    assert cfg.dmpo.sample_precision == "auto" and cfg.mpo.sample_precision == "float32"
    bf16_cpu = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512_vnni\n"
    plain_cpu = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_vnni\n"
    assert jax.default_backend() == "cpu"
    assert resolve_sample_precision("auto", bf16_cpu) == "bfloat16"
    assert resolve_sample_precision("auto", plain_cpu) == "float32"
    assert resolve_sample_precision("float32", bf16_cpu) == "float32"
    assert resolve_sample_precision("bfloat16", plain_cpu) == "bfloat16"
    saved = cfg.to_dict()
    assert TrainConfig.from_dict(saved).dmpo.sample_precision == "auto"
    del saved["dmpo"]["sample_precision"]  # a run saved before the option trained with float32 targets
    assert TrainConfig.from_dict(saved).dmpo.sample_precision == "float32"


def test_dmpo_update_with_bfloat16_targets_stays_close_to_float32():
    """One update from the same state and batch: losses and new critic parameters near the float32
    update's (the rounding only perturbs the target critic's sampled evaluation)."""
    buf, rng = filled_buffer()
    exact = MPOLearner(SPEC, TINY, distributional=True)
    rounded = MPOLearner(SPEC, dataclasses.replace(TINY, sample_precision="bfloat16"), distributional=True)
    batch = exact.sample_batch(buf, rng)
    s_exact, m_exact = exact.update(exact.init(jax.random.PRNGKey(0)), batch)
    s_round, m_round = rounded.update(rounded.init(jax.random.PRNGKey(0)), batch)
    assert bool(m_round["finite"])
    for k in ("critic_loss", "policy_loss", "target_mean"):
        np.testing.assert_allclose(m_round[k], m_exact[k], rtol=2e-2, atol=1e-3)
    assert float(m_round["critic_loss"]) != float(m_exact["critic_loss"])
    for a, b in zip(jax.tree.leaves(s_round.critic_params), jax.tree.leaves(s_exact.critic_params)):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_critic_layer_norm_normalises_every_hidden_layer():
    """With --dmpo.critic-layer-norm each hidden layer after the first is normalised: scaling that layer's
    weights and bias leaves Q unchanged (it changes Q without the option)."""
    from cairn.agents.mpo.networks import Critic

    obs = jax.random.normal(jax.random.PRNGKey(1), (8, 4))
    actions = jax.random.uniform(jax.random.PRNGKey(2), (5, 8, 2), minval=-1, maxval=1)
    for layer_norm in (False, True):
        critic = Critic((16, 16, 16), outputs=11, hidden_layer_norm=layer_norm)
        params = critic.init(jax.random.PRNGKey(0), obs, actions[0])
        assert ("hidden_norm_2" in params["params"]) == layer_norm
        scaled = jax.tree_util.tree_map_with_path(
            lambda path, x: x * 3.0 if "Dense_1" in jax.tree_util.keystr(path) else x, params)
        before, after = critic.apply(params, obs, actions), critic.apply(scaled, obs, actions)
        assert before.shape == (5, 8, 11)
        if layer_norm:
            np.testing.assert_allclose(after, before, atol=1e-4)
        else:
            assert float(jnp.max(jnp.abs(after - before))) > 1e-2
    cfg = dataclasses.replace(TINY, critic_layer_norm=True)
    learner = MPOLearner(SPEC, cfg, distributional=True)
    buf, rng = filled_buffer()
    state = learner.init(jax.random.PRNGKey(0))
    state, metrics = learner.update(state, learner.sample_batch(buf, rng))
    assert np.isfinite(float(metrics["critic_loss"])) and "hidden_norm_1" in state.critic_params["params"]


def test_action_penalty_pulls_a_saturated_tanh_mean_back_inside_its_bound():
    """A tanh policy whose mean sits at 4 (tanh 0.9993) under a flat critic: the E-step weights are uniform,
    so MPO alone leaves it there; the penalty objective with b = 2 moves it towards the bound."""
    buf, rng = filled_buffer()
    obs = np.asarray(buf.observation[:64])
    moved = {}
    for penalty in (False, True):
        cfg = dataclasses.replace(TINY, small_critic_head=True, action_penalty=penalty, penalty_bound=2.0,
                                  epsilon_penalty=0.01)
        learner = MPOLearner(SPEC, cfg, distributional=True)
        state = learner.init(jax.random.PRNGKey(0))
        head = state.policy_params["params"]["Dense_0"]
        head["bias"] = jnp.full_like(head["bias"], 4.0)
        state = state._replace(target_policy_params=jax.tree.map(jnp.copy, state.policy_params))
        start = float(jnp.mean(learner.networks.policy.apply(state.policy_params, obs)[0]))
        for _ in range(30):
            state, _ = learner.update(state, learner.sample_batch(buf, rng))
        moved[penalty] = start - float(jnp.mean(learner.networks.policy.apply(state.policy_params, obs)[0]))
    assert moved[True] > 0.05 and moved[True] > 5 * abs(moved[False]), moved
