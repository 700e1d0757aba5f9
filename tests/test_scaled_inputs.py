"""Observation scaling: the block world's factors, ScaledInputs equals the learner on scaled observations
(update, act, eval_act, SAC-X's intentions), the config switch, and runs saved before it resume unscaled."""

import dataclasses
import json

import jax
import numpy as np
import pytest

from cairn.agents import ScaledInputs, make_learner
from cairn.agents.sac import SACConfig, SACLearner
from cairn.agents.sacx import SACXConfig, SACXLearner
from cairn.envs import make
from cairn.envs.blocks import observation_layout, observation_scale
from cairn.run.config import TrainConfig
from cairn.run.loop import train
from cairn.run.rundir import RunDir
from cairn.types import EnvSpec, Transition

SCALE = (10.0, 0.5, 2.0)
SPEC = EnvSpec("test:x", 3, 2, reward_names=("task", "aux"), observation_scale=SCALE)
TINY = dict(hidden_sizes=(16, 16), batch_size=8)


def _batch(n=8, seed=0):
    rng = np.random.default_rng(seed)
    obs = rng.normal(size=(n, 3)).astype(np.float32)
    return Transition(obs, rng.uniform(-1, 1, (n, 2)).astype(np.float32), rng.normal(size=n).astype(np.float32),
                      np.ones(n, np.float32), rng.normal(size=(n, 3)).astype(np.float32))


def test_block_world_scale_puts_positions_in_decimetres():
    env = make("cairn:lift", seed=0)
    s = np.asarray(env.spec.observation_scale)
    assert s.shape == (env.spec.observation_size,) and s.tolist() == list(observation_scale(2))
    lay = observation_layout(2)
    assert set(s[lay["gripper_position"]]) == {10.0} and set(s[lay["block1/from_gripper"]]) == {10.0}
    assert s[lay["finger_opening"]][0] == 20.0 and set(s[lay["block0/quaternion"]]) == {1.0}
    assert s[lay["block0/velocity"]].tolist() == [2.0] * 3 + [0.5] * 3
    # scaled, the open fingers (9 cm) and the gripper's height (15–30 cm) are inputs of order 1
    obs = env.reset().observation * s
    assert obs[lay["finger_opening"]][0] == pytest.approx(1.8, abs=1e-3)
    assert 1.4 < obs[lay["gripper_position"]][2] < 3.1
    assert len(make("cairn:lift", seed=0, num_blocks=3).spec.observation_scale) == 9 + 3 * 16
    assert make("dmc:cartpole-swingup").spec.observation_scale == ()


def test_scaled_learner_is_the_learner_on_scaled_observations():
    inner = SACLearner(SPEC, SACConfig(**TINY))
    scaled = ScaledInputs(SACLearner(SPEC, SACConfig(**TINY)), SCALE)
    s = np.asarray(SCALE, np.float32)
    obs = np.array([0.3, -1.0, 0.2], np.float32)
    state = inner.init(jax.random.PRNGKey(1))
    params = inner.policy_params(state)
    np.testing.assert_allclose(scaled.eval_act(params, obs), inner.eval_act(params, obs * s), rtol=1e-6)
    assert not np.allclose(scaled.eval_act(params, obs), inner.eval_act(params, obs), atol=1e-4)
    key = jax.random.PRNGKey(2)
    np.testing.assert_allclose(scaled.act(params, obs, key)[0], inner.act(params, obs * s, key)[0], rtol=1e-6)
    batch = _batch()
    scaled_batch = batch._replace(observation=batch.observation * s, next_observation=batch.next_observation * s)
    got, m = scaled.update(inner.init(jax.random.PRNGKey(1)), batch)
    want, m_inner = inner.update(inner.init(jax.random.PRNGKey(1)), scaled_batch)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert float(m["critic_loss"]) == pytest.approx(float(m_inner["critic_loss"]), rel=1e-5)
    assert scaled.name == "sac" and scaled.policy_params(state) is state.actor_params  # the rest is delegated


def test_scaled_sacx_acts_with_the_scheduled_intention():
    """The product is taken outside the learner's jit: SAC-X's act reads the active intention at each call."""
    learner = ScaledInputs(SACXLearner(SPEC, SACXConfig(**TINY)), SCALE)
    params = learner.policy_params(learner.init(jax.random.PRNGKey(0)))
    obs, key = np.array([0.3, -1.0, 0.2], np.float32), jax.random.PRNGKey(3)
    actions = []
    for k in (0, 1):
        learner.scheduler.active = k
        actions.append(np.asarray(learner.act(params, obs, key)[0]))
        np.testing.assert_allclose(learner.intention_eval_act(k)(params, obs),
                                   learner.inner.intention_eval_act(k)(params, obs * np.float32(SCALE)), rtol=1e-6)
    assert not np.allclose(actions[0], actions[1], atol=1e-4)


def test_make_learner_scales_by_default_and_the_flag_turns_it_off():
    cfg = TrainConfig("cairn:lift", sac=SACConfig(**TINY))
    assert isinstance(make_learner("sac", SPEC, cfg), ScaledInputs)
    assert isinstance(make_learner("sac", SPEC, dataclasses.replace(cfg, scale_observations=False)), SACLearner)
    assert isinstance(make_learner("sac", dataclasses.replace(SPEC, observation_scale=()), cfg), SACLearner)
    assert TrainConfig.from_dict(cfg.to_dict()).scale_observations  # saved with the option: kept
    old = {k: v for k, v in cfg.to_dict().items() if k != "scale_observations"}
    assert TrainConfig.from_dict(old).scale_observations is False  # saved before it: its networks saw raw inputs


def test_a_run_saved_before_scaling_resumes_unscaled(tmp_path):
    cfg = TrainConfig("cairn:reach-shaped", steps=300, learning_starts=200, eval_every=0, store=str(tmp_path),
                      sac=SACConfig(**{**TINY, "batch_size": 32}))
    s = train(cfg)
    run = RunDir.find(str(tmp_path), s["run_id"])
    meta = run.read_meta()
    assert meta["env_spec"]["observation_scale"] == list(observation_scale(2))
    saved = json.loads((run.path / "config.json").read_text())
    assert saved["scale_observations"] is True
    saved.pop("scale_observations")  # as a run saved before the option existed
    (run.path / "config.json").write_text(json.dumps(saved))
    s2 = train(TrainConfig("cairn:reach-shaped", resume=s["run_id"], steps=400, eval_every=0, store=str(tmp_path)))
    assert s2["env_steps"] == 400
    assert json.loads((run.path / "config.json").read_text())["scale_observations"] is False
