"""SAC-X: the schedulers by hand, one update trains every intention on its own channel, and a real
run on a two-channel task and on the block world (policy tags, per-intention evaluation, resume)."""

import json
import math
import re

import jax
import numpy as np
import pytest

import fake_envs  # noqa: F401  (registers test:* env ids)
from cairn.agents.sacx import SACXConfig, SACXLearner, Scheduler
from cairn.errors import ConfigError
from cairn.run.config import TrainConfig
from cairn.run.loop import train
from cairn.run.metrics import read_csv
from cairn.run.rundir import RunDir
from cairn.store import Store
from cairn.types import EnvSpec, Transition

TINY = SACXConfig(hidden_sizes=(32, 32), batch_size=64, actor_lr=1e-3, critic_lr=1e-3, alpha_lr=1e-3)


def test_uniform_scheduler_probabilities_and_switching():
    s = Scheduler(3, "uniform", switch_every=2)
    np.testing.assert_allclose(s.probabilities([]), [1 / 3] * 3)
    rng = np.random.default_rng(0)
    s.begin_episode(rng)
    picks = [s.active]
    for t in range(1, 7):
        s.observe([0.0], rng)
        picks.append(s.active)
    assert len(s._history) == 4  # a choice at t = 0, 2, 4, 6
    assert all(picks[i] == picks[i + 1] for i in (0, 2, 4))  # held for ξ = 2 steps


def test_switch_min_draws_each_segment_length_between_it_and_switch_every():
    s, rng = Scheduler(3, "uniform", switch_every=10, switch_min=3), np.random.default_rng(0)
    lengths = []
    for _ in range(50):
        s.begin_episode(rng)
        for _ in range(200):
            s.observe([0.0], rng)
        lengths += list(np.diff(s._starts))
    assert min(lengths) == 3 and max(lengths) == 10  # every length in [3, 10] occurs, none outside
    assert set(lengths) == set(range(3, 11))
    exact = Scheduler(3, "uniform", switch_every=10)
    exact.begin_episode(rng)
    for _ in range(200):
        exact.observe([0.0], rng)
    assert set(np.diff(exact._starts)) == {10}
    with pytest.raises(ConfigError, match="switch_min must be in"):
        SACXConfig(switch_every=5, switch_min=6)


def test_main_first_opens_episodes_with_the_main_intention():
    def openings(main_first, n=400):
        s, rng = Scheduler(4, "uniform", switch_every=2, main_first=main_first), np.random.default_rng(1)
        return np.array([s.begin_episode(rng) for _ in range(n)])

    assert np.all(openings(1.0) == 0)
    share = np.mean(openings(0.5) == 0)  # 0.5 + 0.5 · 1/4 by the main intention
    assert 0.55 < share < 0.70
    plain, rng = Scheduler(4, "uniform", switch_every=2), np.random.default_rng(1)
    np.testing.assert_array_equal(openings(0.0), [plain.begin_episode(rng) for _ in range(400)])  # no extra draws
    with pytest.raises(ConfigError, match="main_first must be in"):
        SACXConfig(main_first=1.5)


def test_q_scheduler_monte_carlo_update_by_hand():
    s = Scheduler(2, "q", switch_every=2, temperature=0.5, learning_rate=0.1)
    s._history, s._starts, s._main_rewards = [1, 0], [0, 2], [0.0, 0.0, 1.0, 1.0]
    s.end_episode()
    # switch 0 (intention 1 from t=0): mean main reward 0.5; the table starts at the running mean 0
    assert s.table["|1"] == pytest.approx(0.1 * 0.5)
    # running mean is now 0.5; switch 1 (intention 0 after [1], from t=2): mean reward 1.0
    assert s.table["1|0"] == pytest.approx(0.5 + 0.1 * (1.0 - 0.5))
    assert s.mean_return == pytest.approx(0.75)
    # unvisited entries take the running mean; softmax(Q/η) by hand
    q = np.array([0.75, 0.05])
    np.testing.assert_allclose(s.values([]), q)
    np.testing.assert_allclose(s.probabilities([]), np.exp(q / 0.5) / np.exp(q / 0.5).sum())
    restored = Scheduler(2, "q")
    restored.load_state_dict(s.state_dict())
    assert restored.table == s.table and restored.mean_return == s.mean_return


def test_shared_torso_losses_are_sums_of_each_intentions_sac_loss():
    """The shared-torso critic loss, by hand: SAC's soft TD target and regression per intention k on the
    diagonal Q_{i,k}(s′, a′_k), with each intention's own channel and temperature, summed over k."""
    from cairn.agents.sac.losses import q_regression_loss, soft_td_target
    from cairn.agents.sacx.shared import per_intention_q
    from cairn.nets.tanh_gaussian import tanh_gaussian_sample

    spec = EnvSpec("test:x", 3, 2, reward_names=("task", "aux", "other"))
    learner = SACXLearner(spec, SACXConfig(**{**TINY.__dict__, "shared_torso": True, "intentions": ("other",)}))
    assert learner.intention_names == ("task", "other")
    shared = learner._shared
    state = learner.init(jax.random.PRNGKey(1))
    state = state._replace(log_alpha=jax.numpy.log(jax.numpy.array([0.1, 0.3])))
    rng = np.random.default_rng(0)
    n = 16
    obs, nxt = rng.normal(size=(n, 3)).astype(np.float32), rng.normal(size=(n, 3)).astype(np.float32)
    batch = Transition(obs, rng.uniform(-1, 1, (n, 2)).astype(np.float32), rng.random((n, 3)).astype(np.float32),
                       np.full(n, 0.9, np.float32), nxt)
    # the diagonal: Q_{i,k}(s, a_k) is head k of a plain critic call with intention k's actions
    actions = rng.uniform(-1, 1, (n, 2, 2)).astype(np.float32)
    diag = per_intention_q(shared.critic, state.critic_params, obs, actions)
    for k in range(2):
        np.testing.assert_allclose(diag[:, :, k], shared.critic.apply(state.critic_params, obs, actions[:, k])[..., k],
                                   rtol=1e-5, atol=1e-6)
    _, critic_key, _ = jax.random.split(state.key, 3)
    mean, log_std = shared.actor.apply(state.actor_params, nxt)
    next_action, next_log_prob = tanh_gaussian_sample(critic_key, mean, log_std)
    expected = 0.0
    for k, channel in enumerate((0, 2)):
        next_q = shared.critic.apply(state.target_critic_params, nxt, next_action[:, k])[..., k]
        y = soft_td_target(batch.reward[:, channel], batch.discount, 0.99, next_q, next_log_prob[:, k],
                           float(np.exp(state.log_alpha[k])))
        expected += float(q_regression_loss(shared.critic.apply(state.critic_params, obs, batch.action)[..., k], y))
    _, m = learner.update(state, batch)
    assert float(m["critic_loss"]) * 2 == pytest.approx(expected, rel=1e-5)
    assert float(m["critic_loss/task"]) + float(m["critic_loss/other"]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("soft_floor", [False, True])
def test_gpi_bootstraps_the_main_critic_from_the_best_other_proposal(soft_floor):
    """``--sacx.gpi``, by hand: the main intention's target is r + γ·d·max(its soft value, max_{j≠0} min_i
    Q̄_0(s′, ã_j)) with ã_j a sample of intention j's policy (``--sacx.gpi-soft-floor``: r + γ·d·(max(min_i
    Q̄_0(s′, a′), that floor) − α·log π(a′|s′))); the other intentions keep SAC's target."""
    from cairn.agents.sac.losses import q_regression_loss, soft_td_target
    from cairn.agents.sacx.learning import _pick
    from cairn.nets.tanh_gaussian import tanh_gaussian_sample

    spec = EnvSpec("test:x", 3, 2, reward_names=("task", "aux", "other"))
    learner = SACXLearner(spec, SACXConfig(**{**TINY.__dict__, "gpi": True, "gpi_soft_floor": soft_floor,
                                              "intentions": ("aux", "other")}))
    nets = learner._sac.networks
    state = learner.init(jax.random.PRNGKey(3))
    rng = np.random.default_rng(0)
    n = 16
    obs, nxt = rng.normal(size=(n, 3)).astype(np.float32), rng.normal(size=(n, 3)).astype(np.float32)
    batch = Transition(obs, rng.uniform(-1, 1, (n, 2)).astype(np.float32), rng.random((n, 3)).astype(np.float32),
                       np.full(n, 0.9, np.float32), nxt)
    keys = jax.vmap(jax.random.split)(state.key)
    proposals = []
    for j in range(3):
        mean, log_std = nets.actor.apply(_pick(state.actor_params, j), nxt)
        proposals.append(tanh_gaussian_sample(keys[j, 1], mean, log_std)[0])
    floor = np.max([np.min(nets.critic.apply(_pick(state.target_critic_params, 0), nxt, proposals[j]), axis=0)
                    for j in (1, 2)], axis=0)
    expected, floored = {}, 0.0
    for k, name in enumerate(("task", "aux", "other")):
        _, critic_key, _ = jax.random.split(keys[k, 0], 3)
        mean, log_std = nets.actor.apply(_pick(state.actor_params, k), nxt)
        next_action, next_log_prob = tanh_gaussian_sample(critic_key, mean, log_std)
        next_q = nets.critic.apply(_pick(state.target_critic_params, k), nxt, next_action)
        alpha = float(np.exp(state.log_alpha[k]))
        own_q = np.min(next_q, axis=0)
        if k == 0 and soft_floor:  # by hand, not through soft_td_target's soft_floor
            y = batch.reward[:, k] + 0.99 * batch.discount * (np.maximum(own_q, floor) - alpha * next_log_prob)
        else:
            y = soft_td_target(batch.reward[:, k], batch.discount, 0.99, next_q, next_log_prob, alpha,
                               floor if k == 0 else None)
        if k == 0:
            floored = np.mean(floor > own_q - (0.0 if soft_floor else alpha * next_log_prob))
        expected[name] = float(q_regression_loss(nets.critic.apply(_pick(state.critic_params, k), obs, batch.action), y))
    _, m = learner.update(state, batch)
    for name, value in expected.items():
        assert float(m[f"critic_loss/{name}"]) == pytest.approx(value, rel=1e-5), name
    assert float(m["gpi_share"]) == pytest.approx(floored) and 0 < floored < 1  # the floor decided some targets
    with pytest.raises(ConfigError, match="sacx.gpi needs separate networks"):
        SACXConfig(gpi=True, shared_torso=True)
    with pytest.raises(ConfigError, match="add --sacx.gpi"):
        SACXConfig(gpi_soft_floor=True)


def test_gpi_acts_with_the_proposal_the_main_critic_values_most():
    from cairn.agents.sacx.learning import _pick

    spec = EnvSpec("test:x", 3, 2, reward_names=("task", "aux", "other"))
    learner = SACXLearner(spec, SACXConfig(**{**TINY.__dict__, "gpi": True, "intentions": ("aux", "other")}))
    nets = learner._sac.networks
    state = learner.init(jax.random.PRNGKey(5))
    params = learner.policy_params(state)
    obs = np.random.default_rng(1).normal(size=(64, 3)).astype(np.float32)
    means = np.stack([np.tanh(nets.actor.apply(_pick(state.actor_params, j), obs)[0]) for j in range(3)])
    values = np.stack([np.min(nets.critic.apply(_pick(state.critic_params, 0), obs, means[j]), axis=0)
                       for j in range(3)])  # [proposal, state]
    best = np.argmax(values, axis=0)
    assert len(set(best)) > 1  # the choice differs between states
    np.testing.assert_allclose(learner.eval_act(params, obs), means[best, np.arange(64)], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(learner.intention_eval_act(2)(params, obs), means[2], rtol=1e-5, atol=1e-6)
    learner.scheduler.active = 0  # the main intention acts: a GPI choice, whose density no one policy gives;
    # stored: log Σ_k π_k(a|s), an upper bound on it
    from cairn.nets.tanh_gaussian import tanh_gaussian_log_prob

    action, log_prob, _ = learner.act(params, obs[:4], jax.random.PRNGKey(0))
    u = np.arctanh(np.clip(np.asarray(action), -1 + 1e-6, 1 - 1e-6))
    each = np.stack([np.asarray(tanh_gaussian_log_prob(u, *nets.actor.apply(_pick(state.actor_params, j), obs[:4])))
                     for j in range(3)])  # [K, 4]
    np.testing.assert_allclose(log_prob, np.log(np.exp(each).sum(axis=0)), rtol=1e-4, atol=1e-4)
    learner.scheduler.active = 1
    _, log_prob, _ = learner.act(params, obs[:4], jax.random.PRNGKey(0))
    assert np.all(np.isfinite(log_prob))


def _train_on_terminal_rewards(learner, updates: int) -> dict:
    """``updates`` updates on one fixed batch of terminal steps (3-d observations, 2-d actions) with
    rewards task 0, aux 1; returns the last metrics."""
    state = learner.init(jax.random.PRNGKey(0))
    n = 64
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(n, 3)).astype(np.float32)
    batch = Transition(obs, rng.uniform(-1, 1, (n, 2)).astype(np.float32),
                       np.stack([np.zeros(n), np.ones(n)], axis=1).astype(np.float32), np.zeros(n, np.float32), obs)
    for _ in range(updates):
        state, m = learner.update(state, batch)
    return m


@pytest.mark.parametrize("shared_torso", [False, True])
def test_one_update_trains_each_intention_on_its_own_channel(shared_torso):
    spec = EnvSpec("test:x", 3, 2, reward_names=("task", "aux"))
    learner = SACXLearner(spec, SACXConfig(**{**TINY.__dict__, "shared_torso": shared_torso}))
    if not shared_torso:
        assert jax.tree.leaves(learner.init(jax.random.PRNGKey(0)).actor_params)[0].shape[0] == 2
    m = _train_on_terminal_rewards(learner, 200)
    assert bool(m["finite"])
    assert float(m["q_mean/aux"]) == pytest.approx(1.0, abs=0.15) and abs(float(m["q_mean/task"])) < 0.15
    assert float(m["critic_loss"]) == pytest.approx((float(m["critic_loss/task"]) + float(m["critic_loss/aux"])) / 2)


def test_n_step_batches_carry_every_channels_n_step_return():
    """``--sacx.n-step 3``: each intention's reward column is its channel's 3-step return, with γ²·d."""
    from cairn.replay import RingBuffer

    spec = EnvSpec("test:x", 1, 1, reward_names=("task", "aux"))
    buf = RingBuffer(50, 1, 1, num_rewards=2)
    for t in range(10):  # one episode, cut after step 9; task reward 1 at step 5 only, aux 0.5 everywhere
        buf.add([t], [0.0], [float(t == 5), 0.5], 1.0, [t + 1], t == 9, 0.0)
    learner = SACXLearner(spec, SACXConfig(**{**TINY.__dict__, "n_step": 3, "gamma": 0.9}))
    b = learner.sample_batch(buf, np.random.default_rng(0))
    for s, r, d, nxt in zip(b.observation[:, 0].astype(int), b.reward, b.discount, b.next_observation[:, 0]):
        m = min(3, 10 - s)
        assert r[0] == pytest.approx(0.9 ** (5 - s) if 0 <= 5 - s < m else 0.0)
        assert r[1] == pytest.approx(0.5 * sum(0.9 ** k for k in range(m)))
        assert (nxt, d) == pytest.approx((s + m, 0.9 ** (m - 1)))
    one = SACXLearner(spec, TINY).sample_batch(buf, np.random.default_rng(0))
    np.testing.assert_allclose(one.reward[:, 1], 0.5)  # the default stays the 1-step SAC target


@pytest.mark.parametrize("gpi", [False, True])
def test_traced_cuts_each_intentions_windows_by_its_own_traces(gpi):
    """``--sacx.traced``: intention k's window goes on past step t with probability c_t = λ·min(1, π_k/μ).
    Behaviour far less likely than every policy (log μ = −50): c = λ for all, mean length 1 + λ + λ² with
    L = 3; unknown behaviour (NaN) or λ = 0: one step. Rewards are each window's cut return, by hand."""
    from cairn.replay import RingBuffer

    spec = EnvSpec("test:x", 1, 1, reward_names=("task", "aux"))

    def buffer(log_prob):
        buf = RingBuffer(400, 1, 1, num_rewards=2)
        for t in range(400):  # episodes of 100 steps; task reward 1 everywhere, aux 0.5
            buf.add([t % 100], [0.0], [1.0, 0.5], 1.0, [t % 100 + 1], t % 100 == 99, log_prob)
        return buf

    cfg = SACXConfig(**{**TINY.__dict__, "n_step": 3, "gamma": 0.9, "traced": True, "trace_lambda": 0.5, "gpi": gpi})
    learner = SACXLearner(spec, cfg)
    state = learner.init(jax.random.PRNGKey(0))
    rng = np.random.default_rng(0)
    buf = buffer(-50.0)
    assert learner.sample_batch(buf, rng).observation.shape == (64, 3, 1)
    cut = jax.jit(learner._traced_batches)
    lengths = []
    for _ in range(100):  # the untrained policies: log π(0) ≫ −50 for both intentions, so c = λ
        state, _, length = cut(state, learner.sample_batch(buf, rng))
        lengths.append(np.asarray(length))
    mean = np.mean(lengths, axis=0)  # 1.75, less 0.02 for the windows that reach an episode's end (2 in 100)
    assert np.all((mean > 1.7) & (mean < 1.77)), mean
    for _ in range(5):
        state, m = learner.update(state, learner.sample_batch(buf, rng))
        assert bool(m["finite"]) and 1.0 <= float(m["trace_length/aux"]) <= 3.0
    state, m = learner.update(state, learner.sample_batch(buffer(np.nan), rng))
    assert float(m["trace_length/task"]) == float(m["trace_length/aux"]) == 1.0
    # the cut windows themselves, through the learner's own function: rewards Σ_{k<m} γ^k r_k, discount γ^{m−1}
    seq = learner.sample_batch(buf, rng)
    _, per_k, _ = cut(state, seq)
    for k, r in ((0, 1.0), (1, 0.5)):
        steps = np.rint(np.log(np.asarray(per_k.discount[k])) / np.log(0.9)).astype(int) + 1  # m
        want = r * (1 - 0.9 ** steps) / (1 - 0.9)
        np.testing.assert_allclose(per_k.reward[k], want, rtol=1e-5)
        np.testing.assert_allclose(per_k.next_observation[k, :, 0], seq.observation[:, 0, 0] + steps)
    with pytest.raises(ConfigError, match="sacx.traced needs separate networks"):
        SACXConfig(traced=True, shared_torso=True)


def test_intention_subset_and_bad_names():
    spec = EnvSpec("cairn:lift", 41, 4, reward_names=("lift", "reach", "touch", "place", "stack", "stack_leave"))
    learner = SACXLearner(spec, SACXConfig(intentions=("lift", "touch", "reach", "touch")))  # main task: always 0
    assert learner.intention_names == ("lift", "reach", "touch")  # channel order, as stored runs resume them
    np.testing.assert_array_equal(learner.reward_weights, np.eye(6)[[0, 1, 2]])
    with pytest.raises(ConfigError, match="--sacx.intentions grasp: no reward channel .grasp. in cairn:lift"):
        SACXLearner(spec, SACXConfig(intentions=("grasp",)))


def test_channels_in_a_second_reward_form_are_intentions_only_when_named():
    spec = EnvSpec("cairn:lift", 41, 4, reward_names=("lift", "reach", "touch", "lift_shaped", "reach_shaped"))
    assert SACXLearner(spec, SACXConfig()).intention_names == ("lift", "reach", "touch")
    named = SACXLearner(spec, SACXConfig(intentions=("reach_shaped", "lift_shaped")))
    assert named.intention_names == ("lift", "lift_shaped", "reach_shaped")
    np.testing.assert_array_equal(named.reward_weights, np.eye(5)[[0, 3, 4]])


def test_composite_intentions_are_weighted_sums_of_channels():
    spec = EnvSpec("cairn:lift", 41, 4, reward_names=("lift", "reach_shaped", "touch_shaped", "lift_shaped"))
    learner = SACXLearner(spec, SACXConfig(intentions=(
        "grasp = 0.5*reach_shaped + 0.5*touch_shaped", "reach_shaped", "0.25*reach_shaped+touch_shaped+0.5*lift_shaped")))
    assert learner.intention_names == ("lift", "reach_shaped", "grasp", "0.25*reach_shaped+touch_shaped+0.5*lift_shaped")
    np.testing.assert_allclose(learner.reward_weights, [[1, 0, 0, 0], [0, 1, 0, 0], [0, .5, .5, 0], [0, .25, 1, .5]])
    for bad, message in [("grasp=0.5*reach+touch_shaped", "no reward channel 'reach'"),
                         ("grasp=half*reach_shaped", "'half' is not a number"),
                         ("reach_shaped=0.5*touch_shaped", "the intention name 'reach_shaped' is used twice")]:
        with pytest.raises(ConfigError, match=f"--sacx.intentions {re.escape(bad)}: .*{re.escape(message)}"):
            SACXLearner(spec, SACXConfig(intentions=("reach_shaped", bad)))


@pytest.mark.parametrize("shared_torso", [False, True])
def test_a_composite_intention_learns_the_weighted_reward(shared_torso):
    """Rewards task 0, aux 1 on terminal steps: ``mix = 0.5*task + 2*aux`` has Q = 2 everywhere."""
    spec = EnvSpec("test:x", 3, 2, reward_names=("task", "aux"))
    learner = SACXLearner(spec, SACXConfig(**{**TINY.__dict__, "shared_torso": shared_torso,
                                              "intentions": ("mix=0.5*task+2*aux",)}))
    m = _train_on_terminal_rewards(learner, 300)
    assert float(m["q_mean/mix"]) == pytest.approx(2.0, abs=0.2) and abs(float(m["q_mean/task"])) < 0.15


def test_evaluation_scores_a_weight_vector_over_the_channels():
    from cairn.run.evaluate import evaluate_episodes

    env = fake_envs.TwoTargetsEnv()  # task = −Σ(a − t)², aux = −Σ(a + t)², t = (0.5, −0.3), one-step episodes
    act = lambda params, obs: np.zeros((1, 2), np.float32)  # noqa: E731
    task, _ = evaluate_episodes(act, None, env, 2)
    mix, _ = evaluate_episodes(act, None, env, 2, reward_channel=np.array([1.0, -3.0]))
    np.testing.assert_allclose(task, -0.34, rtol=1e-6)
    np.testing.assert_allclose(mix, -0.34 + 3 * 0.34, rtol=1e-6)


@pytest.mark.parametrize("shared_torso", [False, True])
def test_sacx_learns_both_intentions_and_records_tags(tmp_path, shared_torso):
    cfg = TrainConfig("test:two-targets", agent="sacx", steps=1500, learning_starts=200, eval_every=750,
                      eval_episodes=2, store=str(tmp_path), log_every=250,
                      sacx=SACXConfig(**{**TINY.__dict__, "switch_every": 1, "shared_torso": shared_torso}))
    s = train(cfg)
    assert s["status"] == "finished" and s["final_success_rate"] == 1.0
    assert s["final_eval_return"] > -0.05, s["eval_curve"]  # the main intention found +target
    run = RunDir.find(str(tmp_path), s["run_id"])
    ev = read_csv(run.path / "eval.csv")
    assert ev[-1]["return/aux"] > -0.05  # the auxiliary intention found −target from the same data
    tags = dict(Store(str(tmp_path)).connect().sql(
        "SELECT policy, count(*) FROM steps WHERE NOT is_eval GROUP BY policy").fetchall())
    assert set(tags) == {"random", "sacx/task", "sacx/aux"} and tags["random"] == 200
    # SAC-Q favours the intention whose episodes score best on the main task, after trying both
    assert tags["sacx/task"] > tags["sacx/aux"] > 0
    # the scheduler's table travels with the checkpoint
    from cairn.run.restore import load_trained

    loop = load_trained(run, 0).loop
    assert loop["host"]["scheduler"]["updates"] > 1000 and "|0" in loop["host"]["scheduler"]["table"]
    s2 = train(TrainConfig("test:two-targets", resume=s["run_id"], steps=1600, eval_every=0, store=str(tmp_path)))
    assert s2["env_steps"] == 1600


def test_a_gpi_run_stores_density_bounds_for_the_main_intention_and_resumes(tmp_path):
    cfg = TrainConfig("test:two-targets", agent="sacx", steps=500, learning_starts=200, eval_every=500,
                      eval_episodes=2, store=str(tmp_path), log_every=100,
                      sacx=SACXConfig(**{**TINY.__dict__, "switch_every": 1, "gpi": True}))
    s = train(cfg)
    assert s["status"] == "finished" and math.isfinite(s["final_eval_return"])
    rows = Store(str(tmp_path)).connect().sql(
        "SELECT policy, count(*), count(*) FILTER (WHERE isnan(log_prob)) FROM steps WHERE NOT is_eval "
        "AND policy LIKE 'sacx/%' GROUP BY policy").fetchall()
    counts = {policy: (n, unknown) for policy, n, unknown in rows}
    assert counts["sacx/task"][0] > 0 and counts["sacx/task"][1] == 0  # main-intention steps: the bound
    assert counts["sacx/aux"][0] > 0 and counts["sacx/aux"][1] == 0  # the auxiliary's own density
    metrics = read_csv(RunDir.find(str(tmp_path), s["run_id"]).path / "metrics.csv")
    assert 0.0 <= metrics[-1]["gpi_share"] <= 1.0
    s2 = train(TrainConfig("test:two-targets", resume=s["run_id"], steps=600, eval_every=0, store=str(tmp_path)))
    assert s2["env_steps"] == 600


def test_sacx_on_the_block_world_evaluates_every_intention(tmp_path, capsys):
    cfg = TrainConfig("cairn:lift", agent="sacx", steps=600, learning_starts=400, eval_every=600,
                      eval_episodes=1, store=str(tmp_path),
                      sacx=SACXConfig(**{**TINY.__dict__, "intentions": ("reach", "touch", "both=reach+touch")}))
    s = train(cfg)
    assert s["final_success_rate"] == 0.0 and s["updates"] == 200
    ev = read_csv(RunDir.find(str(tmp_path), s["run_id"]).path / "eval.csv")[-1]
    assert {"return/reach", "return/touch", "return/both", "success_rate"} <= set(ev) and "return/place" not in ev
    assert not math.isnan(ev["return/reach"])
    # `cairn eval` reports the block world's success rate with its interval
    from cairn.cli import EvalConfig, cmd_eval

    assert cmd_eval(EvalConfig(s["run_id"], episodes=2, store=str(tmp_path), json=True)) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["success_rate"] == 0.0 and out["success_interval"][0] == 0.0 and 0.5 < out["success_interval"][1] < 1


def test_the_q_scheduler_does_not_learn_from_warm_up_episodes(tmp_path):
    """Random warm-up actions are nobody's intention: episodes with any of them leave the table alone (a run
    that ends with its warm-up has no updates), and episodes acted by the intentions update it."""
    from cairn.run.restore import load_trained

    def scheduler_after(steps, **kw):
        s = train(TrainConfig("test:two-targets", steps=steps, eval_every=0, store=str(tmp_path), **kw))
        return s, load_trained(RunDir.find(str(tmp_path), s["run_id"]), 0).loop["host"]["scheduler"]

    s, sched = scheduler_after(230, agent="sacx", learning_starts=230,
                               sacx=SACXConfig(**{**TINY.__dict__, "switch_every": 1}))
    assert sched["updates"] == 0 and sched["table"] == {}
    _, sched = scheduler_after(400, resume=s["run_id"])
    assert sched["updates"] > 0
