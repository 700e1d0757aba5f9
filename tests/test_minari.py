"""Minari export and import: a recorded run round-trips exactly; unsupported datasets are refused."""

import json
import os

import numpy as np
import pytest

minari = pytest.importorskip("minari")

import gymnasium as gym  # noqa: E402
from minari.data_collector.episode_buffer import EpisodeBuffer  # noqa: E402

from cairn.cli import main  # noqa: E402
from cairn.envs import register  # noqa: E402
from cairn.run.config import TrainConfig  # noqa: E402
from cairn.run.loop import train  # noqa: E402
from cairn.run.reuse import load_prior  # noqa: E402
from cairn.store import Store  # noqa: E402
from cairn.types import EnvSpec, StepType, TimeStep  # noqa: E402
from test_train_loop import TINY  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


class TwoRewardEnv:
    """Episodes of 5–8 steps that alternately terminate (discount 0) and hit a time limit (discount 1);
    observations depend on the actions; two reward channels, "task" and "energy"."""

    def __init__(self, seed=None):
        self.spec = EnvSpec("test:minari-mix", observation_size=4, action_size=2, reward_names=("task", "energy"),
                            action_low=(-2.0, -2.0), action_high=(2.0, 2.0))
        self._rng = np.random.default_rng(seed)
        self._episode = -1

    def reset(self):
        self._episode += 1
        self._t = 0
        self._obs = self._rng.standard_normal(4).astype(np.float32)
        return TimeStep(StepType.FIRST, np.zeros(2, np.float32), 1.0, self._obs.copy())

    def step(self, action):
        a = np.asarray(action, np.float32)
        self._t += 1
        self._obs = (0.9 * self._obs + np.r_[a, -a] + 0.1 * self._rng.standard_normal(4)).astype(np.float32)
        reward = np.array([-np.sum(self._obs ** 2), -np.sum(a ** 2)], np.float32)
        if self._t < 5 + self._episode % 4:
            return TimeStep(StepType.MID, reward, 1.0, self._obs.copy())
        return TimeStep(StepType.LAST, reward, 0.0 if self._episode % 2 == 0 else 1.0, self._obs.copy())

    def close(self):
        pass


register("test:minari-mix", lambda seed=None: TwoRewardEnv(seed))


def _rows(store, run_id):
    con = store.connect()
    return con.execute("SELECT episode, step, observation, action, reward, discount, step_type, next_observation, "
                       "is_eval FROM steps WHERE run_id = ? ORDER BY episode, step", [run_id]).fetchall()


def _episodes(rows):
    """Rows grouped per episode (in episode order), the episode id itself dropped."""
    out = {}
    for r in rows:
        out.setdefault(r[0], []).append(r[1:])
    return list(out.values())


def test_export_import_round_trip_is_exact(tmp_path, monkeypatch, capsys):
    store_dir, out = tmp_path / "store", tmp_path / "minari"
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "elsewhere"))
    # random actions only (no updates), an evaluation every 50 steps, and a last episode cut mid-way
    s = train(TrainConfig("test:minari-mix", steps=103, learning_starts=103, eval_every=50, eval_episodes=1,
                          store=str(store_dir), run_name="orig", sac=TINY))
    store = Store(store_dir)
    orig = _rows(store, s["run_id"])
    orig_eps = _episodes(orig)
    cut = [e for e in orig_eps if e[-1][5] != StepType.LAST]
    assert len(cut) == 1 and not cut[0][0][-1]  # the final training episode has no LAST step
    assert any(r[-1] for r in orig) and not all(r[-1] for r in orig)  # training and evaluation episodes

    assert main(["store", "export", "orig", "--format", "minari", "--out", str(out), "--store", str(store_dir),
                 "--json"]) == 0
    exported = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert os.environ["MINARI_DATASETS_PATH"] == str(tmp_path / "elsewhere")  # restored
    assert exported["dataset_id"] == f"cairn/test-minari-mix/{s['run_id']}-v0"
    assert (exported["episodes"], exported["steps"]) == (len(orig_eps), len(orig))

    # a valid Minari dataset: Minari's own loader reads it, flags and extra channels as specified
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(out))
    ds = minari.load_dataset(exported["dataset_id"])
    assert ds.total_episodes == len(orig_eps) and ds.total_steps == len(orig)
    assert ds.observation_space == gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
    assert ds.action_space == gym.spaces.Box(-1, 1, (2,), np.float32)
    assert "test:minari-mix" in ds.storage.metadata["description"]
    for ep, rows in zip(ds.iterate_episodes(), orig_eps):
        obs = np.array([r[1] for r in rows] + [rows[-1][6]], np.float32)
        np.testing.assert_array_equal(ep.observations, obs)
        np.testing.assert_array_equal(ep.actions, np.array([r[2] for r in rows], np.float32))
        np.testing.assert_array_equal(ep.rewards, np.array([r[3][0] for r in rows], np.float32))
        np.testing.assert_array_equal(ep.infos["reward/energy"][1:], np.array([r[3][1] for r in rows], np.float32))
        last, disc = rows[-1][5] == StepType.LAST, rows[-1][4]
        assert list(ep.terminations) == [False] * (len(rows) - 1) + [last and disc == 0.0]
        assert list(ep.truncations) == [False] * (len(rows) - 1) + [last and disc > 0.0]
        assert bool(ep.infos["cairn/is_eval"][0]) == rows[0][-1]
    flags = [(bool(ep.terminations[-1]), bool(ep.truncations[-1])) for ep in ds.iterate_episodes()]
    assert {(True, False), (False, True), (False, False)} <= set(flags)

    assert main(["store", "import", "minari", str(out), "--run-name", "back", "--store", str(store_dir),
                 "--json"]) == 0
    imported = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert imported["env"] == "test:minari-mix" and imported["reward_names"] == ["task", "energy"]
    runs = {r["run_id"]: r for r in store.runs()}
    r = runs[imported["run_id"]]
    assert (r["run_name"], r["env"], r["agent"], r["status"]) == ("back", "test:minari-mix", "minari", "finished")
    assert r["observation_size"] == 4 and r["action_size"] == 2 and r["reward_names"] == ["task", "energy"]
    meta = json.loads((store_dir / "runs" / imported["run_id"] / "run.json").read_text())
    assert meta["source"]["dataset_id"] == exported["dataset_id"]
    assert meta["env_spec"]["action_low"] == [-2.0, -2.0]  # the simulator's bounds survive

    back_eps = _episodes(_rows(store, imported["run_id"]))
    assert [len(e) for e in back_eps] == [len(e) for e in orig_eps]
    for a, b in zip(orig_eps, back_eps):
        for ra, rb in zip(a, b):
            # step, observation, action, reward (all channels), discount, step type, next observation: identical
            assert ra[:7] == rb[:7]
            assert rb[7] is False  # is_eval is not restored: imported data is plain offline data
    con = store.connect()
    assert con.execute("SELECT bool_and(isnan(log_prob)), min(policy), max(policy) FROM steps WHERE run_id = ?",
                       [imported["run_id"]]).fetchone() == (True, "minari", "minari")

    data = store.load_transitions([imported["run_id"]])
    ref = store.load_transitions([s["run_id"]])
    assert len(data["observation"]) == len(orig)
    assert data["last"].sum() == len(orig_eps) and ref["last"].sum() == len(orig_eps)
    # --reuse accepts the imported run for the original env
    buf, ids, _ = load_prior(str(store_dir), "back", TwoRewardEnv().spec, "test:minari-mix")
    assert ids == [imported["run_id"]] and len(buf) == len(orig)


def _write_dataset(root, dataset_id, obs_space, act_space, episodes, env=None):
    old = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(root)
    try:
        kw = {"env": env} if env is not None else {"observation_space": obs_space, "action_space": act_space}
        minari.create_dataset_from_buffers(dataset_id, episodes, data_format="arrow", **kw)
    finally:
        if old is None:
            os.environ.pop("MINARI_DATASETS_PATH")
        else:
            os.environ["MINARI_DATASETS_PATH"] = old


def test_import_dict_observations_bounded_actions_and_env_ids(tmp_path, capsys):
    root, store_dir = tmp_path / "minari", tmp_path / "store"
    rng = np.random.default_rng(0)
    obs_space = gym.spaces.Dict({"b": gym.spaces.Box(-1, 1, (2,), np.float32),
                                 "a": gym.spaces.Box(-5, 5, (1,), np.float64)})
    act_space = gym.spaces.Box(np.array([-2.0, 0.0], np.float32), np.array([2.0, 4.0], np.float32))
    obs = {"b": rng.uniform(-1, 1, (7, 2)).astype(np.float32), "a": rng.uniform(-5, 5, (7, 1))}
    acts = np.array([[-2, 0], [2, 4], [0, 2], [1, 1], [-1, 3], [0.5, 0.5]], np.float32)
    ep = EpisodeBuffer(observations=obs, actions=acts, rewards=list(range(6)), terminations=[False] * 5 + [True],
                       truncations=[False] * 6)
    _write_dataset(root, "plain/dict-v0", obs_space, act_space, [ep])
    pend = EpisodeBuffer(observations=rng.uniform(-1, 1, (4, 3)).astype(np.float32),
                         actions=np.array([[-2.0], [0.0], [2.0]], np.float32), rewards=[1.0, 2.0, 3.0],
                         terminations=[False] * 3, truncations=[False, False, True])
    _write_dataset(root, "pendulum/random-v0", None, None, [pend], env="Pendulum-v1")

    def cli(*args):
        code = main(["store", "import", "minari", *args, "--store", str(store_dir), "--json"])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = cli(str(root))  # two datasets: one must be picked
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--dataset-id" in err and "plain/dict-v0" in err and "pendulum/random-v0" in err
    code, _, err = cli(str(root), "--dataset-id", "plain/dict-v0")  # no env recorded
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--env" in err
    assert Store(store_dir).runs() == []

    code, out, err = cli(str(root), "--dataset-id", "plain/dict-v0", "--env", "test:dict")
    assert code == 0, err
    info = json.loads(out)
    store = Store(store_dir)
    data = store.load_transitions([info["run_id"]])
    flat = np.concatenate([obs["a"], obs["b"]], axis=1).astype(np.float32)  # sorted key order
    np.testing.assert_array_equal(data["observation"], flat[:-1])
    np.testing.assert_array_equal(data["next_observation"], flat[1:])
    expected = (acts - np.array([0.0, 2.0])) / np.array([2.0, 2.0])
    np.testing.assert_allclose(data["action"], expected, atol=1e-7)
    assert data["action"].min() == -1.0 and data["action"].max() == 1.0
    np.testing.assert_array_equal(data["discount"], [1, 1, 1, 1, 1, 0])
    run = store.run_info(store.find_run(info["run_id"]))
    assert run["env"] == "test:dict" and run["run_name"] == "plain/dict-v0"
    spec = json.loads((store_dir / "runs" / info["run_id"] / "run.json").read_text())["env_spec"]
    assert spec["observation_keys"] == [["a", 1], ["b", 2]]
    assert (spec["action_low"], spec["action_high"]) == ([-2.0, 0.0], [2.0, 4.0])

    # a dataset recorded with a Gymnasium env: that env's id, as a cairn gym: id; a dataset directory works too
    code, out, err = cli(str(root / "pendulum" / "random-v0"))
    assert code == 0, err
    info = json.loads(out)
    assert info["env"] == "gym:Pendulum-v1"
    rows = store.connect().execute("SELECT action[1], discount, step_type FROM steps WHERE run_id = ? ORDER BY step",
                                   [info["run_id"]]).fetchall()
    assert rows == [(-1.0, 1.0, 1), (0.0, 1.0, 1), (1.0, 1.0, 2)]  # truncated: LAST with discount 1


@pytest.mark.parametrize("obs_space,act_space,name", [
    (gym.spaces.Box(-1, 1, (3,), np.float32), gym.spaces.Discrete(4), "Discrete"),
    (gym.spaces.Discrete(5), gym.spaces.Box(-1, 1, (1,), np.float32), "Discrete"),
    (gym.spaces.Box(0, 255, (32, 32, 3), np.uint8), gym.spaces.Box(-1, 1, (1,), np.float32), "image"),
])
def test_unsupported_spaces_are_refused_before_any_run_exists(tmp_path, capsys, obs_space, act_space, name):
    root, store_dir = tmp_path / "minari", tmp_path / "store"
    ep = EpisodeBuffer(observations=[obs_space.sample() for _ in range(3)],
                       actions=[act_space.sample() for _ in range(2)], rewards=[0.0, 1.0],
                       terminations=[False, True], truncations=[False, False])
    if isinstance(obs_space, gym.spaces.Box):
        ep = EpisodeBuffer(observations=np.stack(ep.observations), actions=ep.actions, rewards=ep.rewards,
                           terminations=ep.terminations, truncations=ep.truncations)
    if isinstance(act_space, gym.spaces.Box):
        ep = EpisodeBuffer(observations=ep.observations, actions=np.stack(ep.actions), rewards=ep.rewards,
                           terminations=ep.terminations, truncations=ep.truncations)
    _write_dataset(root, "bad/space-v0", obs_space, act_space, [ep])
    code = main(["store", "import", "minari", str(root), "--env", "test:x", "--store", str(store_dir)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and name in err
    assert Store(store_dir).runs() == [] and not (store_dir / "runs").exists()
