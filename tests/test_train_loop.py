"""The training loop in-process, on tiny fake envs: learning, NaN handling, checkpoints."""

import json

import jax
import numpy as np
import pytest

import fake_envs  # noqa: F401  (registers test:* env ids)
from cairn.agents.sac import SACConfig
from cairn.run.checkpoint import load_checkpoint
from cairn.run.config import TrainConfig
from cairn.run.loop import NonFiniteLossError, train
from cairn.run.metrics import read_csv
from cairn.run.rundir import RunDir

TINY = SACConfig(hidden_sizes=(32, 32), batch_size=64, actor_lr=1e-3, critic_lr=1e-3, alpha_lr=1e-3)


def test_sac_learns_target_action(tmp_path):
    """SAC finds the reward-maximising action of a one-step task (random actions score ≈ −0.75)."""
    cfg = TrainConfig("test:target", steps=1500, learning_starts=200, eval_every=500, eval_episodes=3,
                      store=str(tmp_path), sac=TINY, log_every=100)
    s = train(cfg)
    assert s["status"] == "finished" and s["env_steps"] == 1500 and s["updates"] == 1300
    assert [p[0] for p in s["eval_curve"]] == [500, 1000, 1500]
    assert s["final_eval_return"] > -0.02, s["eval_curve"]
    run = RunDir.find(str(tmp_path), s["run_id"])
    rows = read_csv(run.path / "metrics.csv")
    assert len(rows) == 13 and rows[-1]["env_step"] == 1500 and "critic_loss" in rows[0]
    assert len(read_csv(run.path / "eval.csv")) == 3
    meta = run.read_meta()
    assert meta["status"] == "finished" and meta["env_spec"]["action_size"] == 2
    assert json.loads((run.path / "config.json").read_text())["sac"]["hidden_sizes"] == [32, 32]
    pytest.importorskip("tensorboardX")
    assert any(p.name.startswith("events.out.tfevents") and p.stat().st_size > 0 for p in (run.path / "tb").iterdir())


def test_nan_loss_stops_run_names_loss_and_keeps_good_checkpoint(tmp_path):
    cfg = TrainConfig("test:explode", steps=400, learning_starts=100, checkpoint_every=50, eval_every=0,
                      store=str(tmp_path), sac=TINY)
    with pytest.raises(NonFiniteLossError, match="critic_loss") as e:
        train(cfg)
    assert "\n" not in str(e.value)
    run = RunDir(next((tmp_path / "runs").iterdir()))
    assert run.read_meta()["status"] == "failed"
    from cairn.agents.sac import SACLearner
    from fake_envs import TargetActionEnv

    learner = SACLearner(TargetActionEnv().spec, TINY)
    state, loop, arrays = load_checkpoint(run.checkpoint_path, learner.init(jax.random.PRNGKey(0)))
    assert loop["env_step"] == 100 and loop["updates"] == 0
    assert all(np.all(np.isfinite(x)) for x in jax.tree.leaves(state))


def test_resume_continues_counters_replay_and_learner(tmp_path):
    base = dict(steps=600, learning_starts=100, eval_every=300, eval_episodes=2, store=str(tmp_path),
                sac=TINY, checkpoint_every=200, run_name="resumable")
    first = train(TrainConfig("test:target10", **base))
    assert first["env_steps"] == 600
    run = RunDir.find(str(tmp_path), "resumable")
    resumed = train(TrainConfig("test:target10", **{**base, "steps": 900}, resume="resumable"))
    assert resumed["run_id"] == first["run_id"]
    assert resumed["env_steps"] == 900 and resumed["updates"] == 800  # continued, not restarted
    assert [p[0] for p in resumed["eval_curve"]] == [300, 600, 900]
    assert len(read_csv(run.path / "eval.csv")) == 3
    # flags not given again keep the run's values: its 2-episode evaluations and its 900 steps, not the defaults
    again = train(TrainConfig("test:target10", store=str(tmp_path), resume="resumable", eval_every=300))
    assert again["env_steps"] == 900 and [r["episodes"] for r in read_csv(run.path / "eval.csv")] == [2, 2, 2]
    longer = train(TrainConfig("test:target10", store=str(tmp_path), resume="resumable", steps=1200))
    assert longer["env_steps"] == 1200 and [r["episodes"] for r in read_csv(run.path / "eval.csv")] == [2, 2, 2, 2]


def test_resume_rejects_other_env_and_unknown_run(tmp_path):
    from cairn.errors import ConfigError
    from cairn.run.rundir import RunNotFoundError

    s = train(TrainConfig("test:target", steps=50, learning_starts=10, eval_every=0, store=str(tmp_path), sac=TINY))
    with pytest.raises(ConfigError, match="test:target"):
        train(TrainConfig("test:target10", steps=60, store=str(tmp_path), resume=s["run_id"], sac=TINY))
    with pytest.raises(RunNotFoundError, match="nope"):
        train(TrainConfig("test:target", steps=60, store=str(tmp_path), resume="nope", sac=TINY))


def test_action_repeat_counts_simulator_steps(tmp_path):
    s = train(TrainConfig("test:target10", steps=300, action_repeat=3, learning_starts=30, eval_every=100,
                          eval_episodes=1, store=str(tmp_path), sac=TINY))
    assert s["env_steps"] == 300 and s["updates"] == 90  # 100 decisions, the first 10 random
    assert [p[0] for p in s["eval_curve"]] == [102, 201, 300]  # first step at or past each multiple
