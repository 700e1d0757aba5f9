"""Offline agents (CRR, ABM, OAC, BC): their losses by hand, learning from random data of a one-step task,
and the --offline / --resume / --online run life cycle on real stores."""

import dataclasses
import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fake_envs  # noqa: F401  (registers test:* env ids)
from cairn import cli
from cairn.agents import oac_defaults
from cairn.agents.mpo import MPOConfig
from cairn.agents.offline import ABMConfig, BCConfig, BCLearner, CRRConfig, CRRLearner
from cairn.agents.offline.learning import crr_weights, filtered_log_likelihood
from cairn.errors import ConfigError
from cairn.run.config import TrainConfig
from cairn.run.loop import train
from cairn.run.metrics import read_csv
from cairn.run.rundir import RunDir
from cairn.types import EnvSpec, Transition

NETS = dict(policy_hidden_sizes=(32, 32), critic_hidden_sizes=(32, 32), batch_size=64)
TINY = {
    "crr": CRRConfig(**NETS, policy_lr=1e-3, critic_lr=1e-3, advantage_filter="binary"),
    "abm": ABMConfig(**NETS, policy_lr=1e-3, critic_lr=1e-3, epsilon_mean=0.05, num_samples=10),
    "oac": dataclasses.replace(oac_defaults(), **NETS, vmax=2.0, critic_lr=1e-3, policy_lr=1e-3,
                               epsilon_mean=0.05, target_update_period=20, bc_weight=0.1, online_bc_weight=None),
    "bc": BCConfig(**NETS, policy_lr=1e-3),
}
TARGET = np.array([0.5, -0.3])


# -- the pure pieces, by hand ------------------------------------------------------------------------

def test_crr_weights_by_hand():
    a = jnp.array([-1.0, 0.0, 0.5, 4.0])
    np.testing.assert_allclose(crr_weights(a, "exp"), [math.exp(-1), 1.0, math.exp(0.5), 20.0], rtol=1e-6)
    np.testing.assert_allclose(crr_weights(a, "exp", beta=2.0, max_weight=5.0),
                               [math.exp(-0.5), 1.0, math.exp(0.25), 5.0], rtol=1e-6)
    np.testing.assert_array_equal(crr_weights(a, "binary"), [0.0, 0.0, 1.0, 1.0])


def test_filtered_log_likelihood_by_hand_and_no_gradient_into_weights():
    w, lp = jnp.array([1.0, 0.0, 2.0]), jnp.array([-1.0, -2.0, -3.0])
    assert float(filtered_log_likelihood(w, lp)) == pytest.approx(7.0 / 3.0)
    g_w, g_lp = jax.grad(lambda w, lp: filtered_log_likelihood(w, lp), argnums=(0, 1))(w, lp)
    np.testing.assert_array_equal(g_w, 0.0)
    np.testing.assert_allclose(g_lp, -w / 3.0)


def _batch(obs, actions, rewards):
    n = len(actions)
    return Transition(np.tile(obs, (n, 1)).astype(np.float32), np.asarray(actions, np.float32),
                      np.asarray(rewards, np.float32), np.zeros(n, np.float32), np.tile(obs, (n, 1)).astype(np.float32))


def test_bc_loss_is_the_gaussian_negative_log_likelihood():
    spec = EnvSpec("test:x", 2, 1)
    batch = _batch(np.array([1.0, -1.0]), [[0.2], [-0.7], [0.999]], [0.0, 0.0, 0.0])
    a = batch.action[:, 0].astype(np.float64)
    for squash in ("clip", "tanh"):
        learner = BCLearner(spec, BCConfig(**NETS, squash=squash))
        state = learner.init(jax.random.PRNGKey(0))
        mean, std = learner.policy.apply(state.policy_params, batch.observation)
        mean, std = np.asarray(mean, np.float64)[:, 0], np.asarray(std, np.float64)[:, 0]
        x = a if squash == "clip" else np.arctanh(a)  # tanh: the density of u = atanh(a), times |du/da|
        log_p = -0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * math.log(2 * math.pi)
        if squash == "tanh":
            log_p -= np.log(1.0 - a ** 2)
        _, metrics = learner.update(state, batch)
        assert float(metrics["policy_loss"]) == pytest.approx(-np.mean(log_p), rel=1e-4), squash


def test_crr_advantage_and_policy_loss_by_recomputation():
    """A = Q̄(s, a) − mean_j Q̄(s, a_j), a_j ~ π(·|s) from the update's own key; loss −mean f(A)·log π(a|s)."""
    spec = EnvSpec("test:x", 2, 1)
    cfg = CRRConfig(**NETS, num_samples=8, beta=0.5, squash="clip")
    learner = CRRLearner(spec, cfg)
    state = learner.init(jax.random.PRNGKey(1))
    batch = _batch(np.array([1.0, -1.0]), [[0.9], [-0.9], [0.0], [0.4]], [0.0] * 4)
    _, _, cur_key = jax.random.split(state.key, 3)
    a_j = learner._sample(state.policy_params, batch.observation, cur_key, 8)  # [8, B, A]
    q = lambda a: np.asarray(learner.critic.apply(state.target_critic_params, batch.observation, a))  # noqa: E731
    advantage = q(batch.action) - q(a_j).mean(axis=0)
    weights = np.minimum(np.exp(advantage / 0.5), 20.0)
    mean, std = (np.asarray(x)[:, 0] for x in learner.policy.apply(state.policy_params, batch.observation))
    log_p = -0.5 * ((batch.action[:, 0] - mean) / std) ** 2 - np.log(std) - 0.5 * math.log(2 * math.pi)
    _, metrics = learner.update(state, batch)
    assert float(metrics["advantage_mean"]) == pytest.approx(advantage.mean(), abs=1e-6)
    assert float(metrics["policy_loss"]) == pytest.approx(-np.mean(weights * log_p), rel=1e-5)


# -- learning from random data of a one-step task ---------------------------------------------------

@pytest.fixture(scope="module")
def random_data(tmp_path_factory):
    """A store with one run of 1500 uniformly random actions on test:target (reward −Σ(a − target)²)."""
    root = tmp_path_factory.mktemp("store")
    s = train(TrainConfig("test:target", steps=1500, learning_starts=1500, eval_every=0, store=str(root),
                          run_name="random"))
    return str(root), s["run_id"]


def _offline(store, agent, steps=1500, **kw):
    cfg = TrainConfig("test:target", agent=agent, offline=True, data="random", steps=steps,
                      **({"eval_every": 500, "eval_episodes": 2, "log_every": 250, "store": store, agent: TINY[agent]} | kw))
    return train(cfg)


def _final_action(store, summary):
    from cairn.agents import make_learner
    from cairn.run.checkpoint import load_checkpoint

    run = RunDir.find(store, summary["run_id"])
    cfg = TrainConfig.from_dict(run.read_config())
    learner = make_learner(cfg.agent, fake_envs.TargetActionEnv().spec, cfg)
    state, _, _ = load_checkpoint(run.checkpoint_path, learner.init(jax.random.PRNGKey(0)))
    return np.asarray(learner.eval_act(learner.policy_params(state), np.array([[1.0, 0.0, -1.0]], np.float32)))[0]


@pytest.mark.parametrize("agent", ["crr", "abm", "oac"])
def test_offline_rl_beats_cloning_on_random_data(random_data, agent):
    """Random actions score ≈ −0.75 and cloning them gives the data's mean action (≈ 0, return −0.34);
    the offline RL agents pick out the rewarding actions of the same data."""
    store, _ = random_data
    s = _offline(store, agent)
    assert s["status"] == "finished" and s["offline"] and s["updates"] == 1500 and s["env_steps"] == 0
    assert [p[0] for p in s["eval_curve"]] == [500, 1000, 1500]
    action = _final_action(store, s)
    assert np.abs(action - TARGET).max() < 0.2, (agent, action, s["eval_curve"])
    assert s["final_eval_return"] > -0.08


def test_bc_clones_the_data_mean(random_data):
    store, _ = random_data
    s = _offline(store, "bc", steps=1000)
    action = _final_action(store, s)
    assert np.abs(action).max() < 0.15, action  # uniform data on [−1, 1]: the mean action is 0
    assert s["final_eval_return"] < -0.2


def test_oac_with_bc_weight_one_is_cloning(random_data):
    store, _ = random_data
    cfg = dataclasses.replace(TINY["oac"], bc_weight=1.0)
    s = train(TrainConfig("test:target", agent="oac", offline=True, data="random", steps=1000, eval_every=0,
                          store=store, oac=cfg))
    assert np.abs(_final_action(store, s)).max() < 0.15


# -- run life cycle ---------------------------------------------------------------------------------

def test_offline_run_records_meta_metrics_and_resumes(random_data):
    store, data_run = random_data
    s = _offline(store, "crr", steps=500, run_name="life")
    run = RunDir.find(store, s["run_id"])
    meta = run.read_meta()
    assert meta["offline"] and meta["data_runs"] == [data_run] and meta["status"] == "finished"
    assert s["data_transitions"] == 1500 and s["recorded_steps"] == 2  # one evaluation of 2 one-step episodes
    rows = read_csv(run.path / "metrics.csv")
    assert [r["updates"] for r in rows] == [250, 500] and "critic_loss" in rows[0]
    ev = read_csv(run.path / "eval.csv")
    assert ev[0]["updates"] == 500
    # resume continues the update count instead of restarting
    s2 = train(TrainConfig("test:target", resume="life", steps=1000, eval_every=500, eval_episodes=2, store=store))
    assert s2["run_id"] == s["run_id"] and s2["updates"] == 1000 and [p[0] for p in s2["eval_curve"]] == [500, 1000]


def test_online_fine_tuning_keeps_offline_data_as_prior(random_data, capsys):
    store, data_run = random_data
    s = _offline(store, "oac", steps=600, run_name="ft")
    s2 = train(TrainConfig("test:target", resume="ft", online=True, steps=300, eval_every=100, eval_episodes=2,
                           store=store))
    assert s2["run_id"] == s["run_id"] and s2["env_steps"] == 300 and s2["updates"] == 600 + 300
    assert s2["reuse_runs"] == [data_run] and s2["offline_eval_curve"] == s["eval_curve"]
    assert [p[0] for p in s2["eval_curve"]] == [100, 200, 300]
    start, online = s["final_eval_return"], [v for _, v in s2["eval_curve"]]
    assert min(online) > start - 0.05 and online[-1] > start, (start, online)  # kept, not collapsed, improved
    meta = RunDir.find(store, "ft").read_meta()
    assert meta["online"] and meta["env_steps"] == 300
    # the offline policy stays evaluable after fine-tuning; a run that never switched has no such checkpoint
    assert cli.main(["eval", "ft", "--offline-checkpoint", "--episodes", "2", "--store", store, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["env_steps"] == 0
    assert cli.main(["eval", "random", "--offline-checkpoint", "--store", store]) == 2
    assert "no offline checkpoint" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="online run already"):
        train(TrainConfig("test:target", resume=data_run, online=True, steps=10, store=store))


def test_online_bc_weight_anneals_alpha_from_the_switch_on(random_data):
    from cairn.agents import make_learner
    from cairn.run.checkpoint import load_checkpoint

    store, _ = random_data
    oac = dataclasses.replace(TINY["oac"], bc_weight=0.9, online_bc_weight=0.6, online_bc_anneal=10)
    _offline(store, "oac", steps=50, run_name="ft-alpha", oac=oac, eval_every=0)
    run = RunDir.find(store, "ft-alpha")
    cfg = TrainConfig.from_dict(run.read_config())
    learner = make_learner("oac", fake_envs.TargetActionEnv().spec, cfg)
    template = learner.init(jax.random.PRNGKey(0))
    state, _, _ = load_checkpoint(run.checkpoint_path, template)
    assert int(state.online_since) == -1 and float(learner._bc_weight(state)) == pytest.approx(0.9)
    for done, alpha in ((0, 0.9), (5, 0.75), (10, 0.6), (30, 0.6)):  # 0.9 + (0.6 − 0.9)·min(done/10, 1)
        probe = state._replace(online_since=jnp.asarray(50, jnp.int32), steps=jnp.asarray(50 + done, jnp.int32))
        assert float(learner._bc_weight(probe)) == pytest.approx(alpha), done
    train(TrainConfig("test:target", resume="ft-alpha", online=True, steps=20, eval_every=0, store=store))
    state, _, _ = load_checkpoint(run.checkpoint_path, template)
    assert int(state.online_since) == 50 and int(state.steps) == 70
    assert run.read_config()["oac"]["bc_weight"] == 0.9  # the config keeps both values; the state the phase
    with pytest.raises(ConfigError, match="online_bc_weight must be in"):
        dataclasses.replace(oac, online_bc_weight=1.5)


def test_bad_offline_flags_fail_with_one_line(random_data):
    store, _ = random_data
    runs_before = len(list((Path(store) / "runs").iterdir()))
    for kw, pattern in [(dict(offline=True), "--offline needs --data"),
                        (dict(data="random"), "--data is for --offline"),
                        (dict(offline=True, data="random", reuse="random"), "with --offline name the data"),
                        (dict(agent="crr", bc=BCConfig(batch_size=8)), "--bc.* flags have no effect")]:
        with pytest.raises(ConfigError, match=pattern):
            TrainConfig("test:target", **kw)
    with pytest.raises(ConfigError, match="--online fine-tunes an offline run"):
        train(TrainConfig("test:target", online=True, store=store))
    with pytest.raises(ConfigError, match="'nobody' is not a run id"):
        train(TrainConfig("test:target", agent="bc", offline=True, data="nobody", store=store))
    with pytest.raises(ConfigError, match="recorded with --action-repeat 1, this run uses 2"):
        train(TrainConfig("test:target", agent="bc", offline=True, data="random", store=store, action_repeat=2))
    assert len(list((Path(store) / "runs").iterdir())) == runs_before  # failed starts create no run


def test_oac_section_defaults_round_trip():
    cfg = TrainConfig("test:target", agent="oac")
    assert cfg.oac.bc_weight == 0.9 and cfg.oac.squash == "tanh" and cfg.oac.num_samples == 2
    again = TrainConfig.from_dict(cfg.to_dict())
    assert again.oac == cfg.oac and again.oac != MPOConfig()


def test_report_draws_offline_runs_against_updates_and_fine_tuning_from_zero():
    from cairn.report.report import eval_curve

    offline = [{"env_step": 0.0, "updates": 500.0, "mean_return": -0.5, "phase": "offline"},
               {"env_step": 0.0, "updates": 1000.0, "mean_return": -0.2, "phase": "offline"}]
    assert eval_curve(offline) == ([[500, -0.5], [1000, -0.2]], "updates")
    online = [{"env_step": 100.0, "updates": 1100.0, "mean_return": -0.1, "phase": "online"}]
    assert eval_curve(offline + online) == ([[0, -0.2], [100, -0.1]], "env steps")
    old = [{"env_step": 5000.0, "mean_return": 3.0}]  # eval.csv written before phases existed
    assert eval_curve(old) == ([[5000, 3.0]], "env steps")
