"""The experience store: shards, catalog, crash safety (real SIGKILL), concurrency, bad shards, RaE."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import fake_envs  # noqa: F401
from cairn.errors import ConfigError
from cairn.run.config import TrainConfig
from cairn.run.loop import train
from cairn.store import Store, StoreWriter
from cairn.types import EnvSpec
from test_train_loop import TINY

CAIRN = [sys.executable, "-m", "cairn.cli"]
SMALL = ["--sac.hidden-sizes", "32", "32", "--sac.batch-size", "64"]


def small_run(store, env="test:target10", **kw):
    cfg = dict(steps=200, learning_starts=50, eval_every=100, eval_episodes=2, store=str(store), sac=TINY)
    cfg.update(kw)
    return train(TrainConfig(env, **cfg))


def test_run_records_every_transition_with_behaviour_info(tmp_path):
    s = small_run(tmp_path, run_name="rec")
    store = Store(tmp_path)
    con = store.connect()
    n_train, n_eval = con.execute("SELECT count(*) FILTER (WHERE NOT is_eval), count(*) FILTER (WHERE is_eval) "
                                  "FROM steps WHERE run_id = ?", [s["run_id"]]).fetchone()
    assert n_train == 200 and n_eval == 2 * 2 * 10  # 2 evaluations × 2 episodes × 10 steps
    assert s["recorded_steps"] == 240
    rows = con.execute("SELECT policy, count(*), min(log_prob), max(log_prob), bool_and(isnan(log_prob)) FROM steps "
                       "GROUP BY policy, is_eval ORDER BY policy").fetchall()
    tags = {r[0]: r for r in rows}
    assert set(tags) == {"random", "sac"}
    assert tags["random"][1] == 50 and tags["random"][2] == pytest.approx(-2 * np.log(2))  # uniform on [-1,1]²
    # episodes: ids unique, 10 steps each, step index 0..9, last step LAST with discount 0
    eps = con.execute("SELECT count(*), min(length), max(length), bool_and(complete) FROM episodes "
                      "WHERE NOT is_eval").fetchone()
    assert eps == (20, 10, 10, True)
    last = con.execute("SELECT DISTINCT step, step_type, discount FROM steps WHERE step = 9").fetchall()
    assert last == [(9, 2, 0.0)]
    # the stored reward is what the env returned for the stored action
    obs, act, rew = con.execute("SELECT observation, action, reward FROM steps WHERE NOT is_eval LIMIT 1").fetchone()
    target = np.array([0.5, -0.3])
    assert rew[0] == pytest.approx(-np.sum((np.asarray(act) - target) ** 2), rel=1e-5)
    assert store.run_info(store.find_run("rec"))["status"] == "finished"


def test_store_ls_show_sql_json(tmp_path):
    a = small_run(tmp_path, run_name="a")
    small_run(tmp_path, run_name="b", seed=1)
    p = subprocess.run([*CAIRN, "store", "ls", "--json", "--store", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert [r["run_name"] for r in rows] == ["a", "b"]
    for r in rows:
        assert set(r) >= {"run_id", "run_name", "env", "agent", "status", "steps", "episodes", "best_return"}
        assert (r["env"], r["agent"], r["status"], r["steps"], r["episodes"]) == ("test:target10", "sac", "finished", 200, 20)
    assert rows[0]["best_return"] == pytest.approx(a["best_eval_return"])
    p = subprocess.run([*CAIRN, "store", "sql", "SELECT run_name, count(*) AS n FROM runs JOIN steps USING (run_id) "
                        "GROUP BY run_name ORDER BY run_name", "--json", "--store", str(tmp_path)],
                       capture_output=True, text=True)
    assert json.loads(p.stdout) == [{"run_name": "a", "n": 240}, {"run_name": "b", "n": 240}]
    p = subprocess.run([*CAIRN, "store", "sql", "SELEC nonsense", "--store", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    p = subprocess.run([*CAIRN, "store", "show", "a", "--json", "--store", str(tmp_path)], capture_output=True, text=True)
    info = json.loads(p.stdout)
    assert info["run_id"] == a["run_id"] and [e[0] for e in info["eval_curve"]] == [100, 200]
    assert info["stored"]["train_steps"] == 200


def test_rm_asks_unless_yes(tmp_path):
    s = small_run(tmp_path, run_name="gone")
    p = subprocess.run([*CAIRN, "store", "rm", "gone", "--store", str(tmp_path)], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and "--yes" in p.stderr and (tmp_path / "runs" / s["run_id"]).exists()
    p = subprocess.run([*CAIRN, "store", "rm", "gone", "--yes", "--store", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 0 and not (tmp_path / "runs" / s["run_id"]).exists()
    assert Store(tmp_path).runs() == []


def test_corrupt_shard_reported_by_verify_and_skipped_by_readers(tmp_path, capsys):
    s = small_run(tmp_path, run_name="c", flush_seconds=0.001)
    shards = Store(tmp_path).shards()
    assert len(shards) > 3
    before = Store(tmp_path).connect().execute("SELECT count(*) FROM steps").fetchone()[0]
    victim = shards[1]
    n_victim = Store(tmp_path).connect().execute(
        f"SELECT count(*) FROM read_parquet('{victim}')").fetchone()[0]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])  # truncated, as by a disk error
    p = subprocess.run([*CAIRN, "store", "verify", "--store", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 1 and str(victim) in p.stdout
    store = Store(tmp_path)
    after = store.connect().execute("SELECT count(*) FROM steps").fetchone()[0]
    assert after == before - n_victim
    assert str(victim) in capsys.readouterr().err  # the warning names the file
    assert len(store.load_transitions([s["run_id"]])["observation"]) == after


def test_sigkill_loses_at_most_unflushed_episodes_and_status_becomes_crashed(tmp_path):
    args = ["train", "dmc:cartpole-balance", "--steps", "100000", "--learning-starts", "100000", "--eval-every", "0",
            "--flush-seconds", "0.5", "--run-name", "killme", "--store", str(tmp_path), "--action-repeat", "1"]
    proc = subprocess.Popen([*CAIRN, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.time()
    while len(Store(tmp_path).shards()) < 3:
        assert proc.poll() is None and time.time() - t < 120
        time.sleep(0.1)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = Store(tmp_path)
    assert store.verify() == []  # no partial file is visible
    run_dir = store.find_run("killme")
    assert not any(p.name.endswith(".parquet") for p in (run_dir / "steps").iterdir() if p.name.startswith("."))
    assert store.run_info(run_dir)["status"] == "crashed"
    con = store.connect()
    # only whole episodes (1000 steps each, ending in LAST) were flushed
    assert con.execute("SELECT min(length), max(length), bool_and(complete) FROM episodes").fetchone() == (1000, 1000, True)
    p = subprocess.run([*CAIRN, "store", "ls", "--json", "--store", str(tmp_path)], capture_output=True, text=True)
    assert json.loads(p.stdout)[0]["status"] == "crashed"


def test_two_runs_write_the_same_store_concurrently(tmp_path):
    args = ["train", "dmc:cartpole-balance", "--steps", "3000", "--learning-starts", "3000", "--eval-every", "0",
            "--flush-seconds", "0.2", "--store", str(tmp_path)]
    procs = [subprocess.Popen([*CAIRN, *args, "--seed", str(i), "--run-name", f"p{i}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for i in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    store = Store(tmp_path)
    assert store.verify() == []
    rows = store.connect().execute("SELECT run_name, count(*) FROM runs JOIN steps USING (run_id) GROUP BY run_name "
                                   "ORDER BY run_name").fetchall()
    assert rows == [("p0", 3000), ("p1", 3000)]


def test_reuse_loads_prior_data_and_mixes_it(tmp_path):
    first = small_run(tmp_path, run_name="prior", steps=300)
    second = small_run(tmp_path, run_name="rae", reuse="prior", reuse_ratio=0.5)
    assert second["reuse_runs"] == [first["run_id"]]
    assert second["reuse_transitions"] == 300 + 3 * 2 * 10  # training and evaluation steps of the prior run
    third = small_run(tmp_path, reuse="env")  # every earlier run on the same env: iterated RaE
    assert sorted(third["reuse_runs"]) == sorted([first["run_id"], second["run_id"]])
    sql = small_run(tmp_path, reuse="run_name = 'rae'")
    assert sql["reuse_runs"] == [second["run_id"]]


def test_reuse_shortens_the_random_warm_up_by_default(tmp_path):
    def random_steps(summary):
        return Store(tmp_path).connect().execute("SELECT count(*) FROM steps WHERE run_id = ? AND policy = 'random'",
                                                 [summary["run_id"]]).fetchone()[0]

    first = small_run(tmp_path, run_name="prior", steps=1200, learning_starts=None, eval_every=0)
    assert random_steps(first) == 1200  # default warm-up: 5000 random steps
    second = small_run(tmp_path, steps=1200, learning_starts=None, eval_every=0, reuse="prior")
    assert random_steps(second) == 1000 and second["updates"] == 200  # with reused data: 1000
    third = small_run(tmp_path, steps=300, learning_starts=20, eval_every=0, reuse="prior")
    assert random_steps(third) == 20  # an explicit --learning-starts wins


def test_reuse_mismatch_and_no_match_fail_at_start(tmp_path):
    small_run(tmp_path, run_name="twod")  # 2-dim actions
    n_runs = len(Store(tmp_path).runs())
    with pytest.raises(ConfigError, match=r"does not match dmc:cartpole-balance.*twod|does not match dmc:cartpole-balance"):
        train(TrainConfig("dmc:cartpole-balance", steps=10, store=str(tmp_path), reuse="twod", sac=TINY))
    with pytest.raises(ConfigError, match="matches no run"):
        train(TrainConfig("test:target10", steps=10, store=str(tmp_path), reuse="seed = 99", sac=TINY))
    with pytest.raises(ConfigError, match="not a run id, a run name"):
        train(TrainConfig("test:target10", steps=10, store=str(tmp_path), reuse="what is this", sac=TINY))
    assert len(Store(tmp_path).runs()) == n_runs  # failed starts leave nothing behind


def test_reuse_refuses_runs_of_another_reward_definition(tmp_path):
    """The block world's reach_shaped changed meaning on 2026-11-25 (EnvSpec.reward_version "" → "2"): runs
    recorded before hold the old values under the same channel names, and --reuse must not mix them in."""
    from cairn.envs.blocks import REWARD_VERSION

    now = small_run(tmp_path, env="cairn:reach", run_name="now", steps=60, learning_starts=60, eval_every=0)
    old = small_run(tmp_path, env="cairn:reach", run_name="old", steps=60, learning_starts=60, eval_every=0)
    meta_path = tmp_path / "runs" / old["run_id"] / "run.json"
    meta = json.loads(meta_path.read_text())
    assert meta["env_spec"]["reward_version"] == REWARD_VERSION != ""
    del meta["env_spec"]["reward_version"]  # as a run.json written before the field existed
    meta_path.write_text(json.dumps(meta))
    versions = dict(Store(tmp_path).connect().execute("SELECT run_name, reward_version FROM runs").fetchall())
    assert versions == {"now": REWARD_VERSION, "old": ""}
    n_runs = len(Store(tmp_path).runs())
    with pytest.raises(ConfigError, match=rf"another definition of cairn:reach's reward channels \(reward_version "
                                          rf"first; this run computes {REWARD_VERSION}\): {old['run_id']};"):
        small_run(tmp_path, env="cairn:reach", steps=10, reuse="env")
    assert len(Store(tmp_path).runs()) == n_runs  # refused before anything was created
    with pytest.raises(ConfigError, match=rf"run {old['run_id']} was recorded with another definition.*resuming would"):
        small_run(tmp_path, env="cairn:reach", steps=80, resume=old["run_id"])
    assert json.loads(meta_path.read_text()) == meta  # the old run is left as it was
    ok = small_run(tmp_path, env="cairn:reach", steps=70, learning_starts=10, eval_every=0, reuse="now")
    assert ok["reuse_runs"] == [now["run_id"]]


def test_resume_keeps_the_reward_definition_the_run_was_recorded_with(tmp_path, monkeypatch):
    """The block world still computes its reward_version 2 (lift_shaped from 5.5 cm): a run recorded with it
    resumes, and is evaluated, with it, and its run.json keeps saying so; --reuse still refuses to mix it
    into a run of the current definition."""
    from cairn.envs.blocks import REWARD_VERSION
    from cairn.run.restore import load_trained
    from cairn.run.rundir import RunDir

    old = small_run(tmp_path, env="cairn:lift", run_name="old", steps=60, learning_starts=60, eval_every=0)
    meta_path = tmp_path / "runs" / old["run_id"] / "run.json"
    meta = json.loads(meta_path.read_text())
    assert meta["env_spec"]["reward_version"] == REWARD_VERSION != "2"
    meta["env_spec"]["reward_version"] = "2"  # as a run recorded before version 3
    meta_path.write_text(json.dumps(meta))
    import cairn.run.loop as loop_module

    built, make = [], loop_module.make_env  # every env the resumed run builds: training, reseeded, evaluation

    def recording_make(env_id, **kwargs):
        env = make(env_id, **kwargs)
        built.append(env.spec.reward_version)
        return env

    monkeypatch.setattr(loop_module, "make_env", recording_make)
    resumed = small_run(tmp_path, env="cairn:lift", steps=80, learning_starts=60, eval_every=80, resume=old["run_id"])
    assert resumed["env_steps"] == 80
    assert built[0] == REWARD_VERSION and len(built) >= 4 and set(built[1:]) == {"2"}  # the first is the probe
    assert json.loads(meta_path.read_text())["env_spec"]["reward_version"] == "2"
    env = load_trained(RunDir.find(str(tmp_path), "old"), seed=0).env
    assert env.spec.reward_version == "2"
    with pytest.raises(ConfigError, match=f"reward_version 2; this run computes {REWARD_VERSION}"):
        small_run(tmp_path, env="cairn:lift", steps=10, reuse="old")


def test_offline_resume_keeps_the_reward_definition_of_its_run_and_data(tmp_path):
    """An offline run (and its --data) recorded with the block world's reward_version 2 resumes with 2."""
    data = small_run(tmp_path, env="cairn:lift", run_name="data", steps=200, learning_starts=200, eval_every=0)
    off = train(TrainConfig("cairn:lift", agent="bc", offline=True, data="data", steps=20, eval_every=20,
                            eval_episodes=1, store=str(tmp_path), run_name="off"))
    paths = [tmp_path / "runs" / r["run_id"] / "run.json" for r in (data, off)]
    for path in paths:
        meta = json.loads(path.read_text())
        meta["env_spec"]["reward_version"] = "2"
        path.write_text(json.dumps(meta))
    again = train(TrainConfig("cairn:lift", resume="off", steps=40, eval_every=20, eval_episodes=1, store=str(tmp_path)))
    assert again["updates"] == 40 and json.loads(paths[1].read_text())["env_spec"]["reward_version"] == "2"


def test_writer_round_trip_exact(tmp_path):
    spec = EnvSpec("test:w", 3, 2, reward_names=("a", "b", "c"))
    w = StoreWriter(tmp_path / "r", "r", spec, flush_seconds=1e9)
    rng = np.random.default_rng(0)
    obs = rng.standard_normal((7, 3)).astype(np.float32)
    for t in range(6):
        w.add(0, t, t + 1, obs[t], [t, -t], [t, 2 * t, 3 * t], 1.0, 2 if t == 5 else 1, obs[t + 1], -0.5, "x", False)
    w.close()
    store = Store(tmp_path)
    store.runs_dir = tmp_path  # the run directory sits directly under tmp_path here
    data = store.load_transitions(["r"])
    np.testing.assert_array_equal(data["observation"], obs[:6])
    np.testing.assert_array_equal(data["next_observation"], obs[1:])
    np.testing.assert_array_equal(data["reward"][:, 2], 3 * np.arange(6))
    np.testing.assert_array_equal(data["action"][:, 1], -np.arange(6))
