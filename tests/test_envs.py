import numpy as np
import pytest

import cairn
from cairn.envs import InvalidActionError, UnknownEnvError, flatten_observation, list_env_ids
from cairn.envs.base import ActionAdapter
from cairn.types import StepType


def test_ids_cover_dmc_suite_and_gym_mujoco():
    from dm_control import suite

    ids = list_env_ids()
    assert all(f"dmc:{d}-{t}" in ids for d, t in suite.ALL_TASKS)
    assert "gym:HalfCheetah-v5" in ids and "gym:Humanoid-v5" in ids
    assert not any(i.startswith("gym:CartPole") for i in ids)  # only MuJoCo tasks


@pytest.mark.parametrize("bad, expected", [("dmc:cheetah-runn", "dmc:cheetah-run"),
                                           ("HalfCheetah-v5", "gym:HalfCheetah-v5"),
                                           ("dmc:cartpol-swingup", "dmc:cartpole-swingup")])
def test_unknown_id_names_closest(bad, expected):
    with pytest.raises(UnknownEnvError) as e:
        cairn.make(bad)
    msg = str(e.value)
    assert "\n" not in msg and repr(bad) in msg and expected in msg


def test_dmc_spec_timestep_and_flatten_order():
    env = cairn.make("dmc:cheetah-run", seed=3)
    assert (env.spec.observation_size, env.spec.action_size, env.spec.reward_names) == (17, 6, ("task",))
    assert [k for k, _ in env.spec.observation_keys] == ["position", "velocity"]  # sorted key order
    ts = env.reset()
    assert ts.step_type == StepType.FIRST and ts.observation.dtype == np.float32
    assert ts.reward.shape == (1,) and ts.reward[0] == 0.0 and ts.discount == 1.0
    raw = env._env.task.get_observation(env.physics)
    np.testing.assert_array_equal(ts.observation, np.concatenate([raw["position"], raw["velocity"]]).astype(np.float32))
    ts = env.step(np.zeros(6))
    assert ts.step_type == StepType.MID and ts.reward.dtype == np.float32 and ts.reward.shape == (1,)


def test_dmc_is_deterministic_given_seed():
    def rollout(seed):
        env = cairn.make("dmc:cartpole-swingup", seed=seed)
        obs = [env.reset().observation]
        for a in np.linspace(-1, 1, 20):
            obs.append(env.step([a]).observation)
        return np.stack(obs)

    np.testing.assert_array_equal(rollout(5), rollout(5))
    assert not np.array_equal(rollout(5), rollout(6))


def test_dmc_time_limit_is_truncation_with_discount_one():
    env = cairn.make("dmc:cartpole-balance", seed=0, time_limit=0.05)  # 5 control steps
    env.reset()
    steps = [env.step([0.0]) for _ in range(5)]
    assert [s.step_type for s in steps[:-1]] == [StepType.MID] * 4
    assert steps[-1].last() and steps[-1].discount == 1.0
    assert env.step([0.0]).first()  # stepping after LAST starts a new episode


def test_gym_termination_gives_discount_zero_and_truncation_one():
    env = cairn.make("gym:Hopper-v5", seed=0)
    env.reset()
    for _ in range(1000):
        ts = env.step(np.ones(3))  # full torque: the hopper falls over and terminates
        if ts.last():
            break
    assert ts.last() and ts.discount == 0.0
    env = cairn.make("gym:HalfCheetah-v5", seed=0, max_episode_steps=7)  # cheetah never terminates
    env.reset()
    steps = [env.step(np.zeros(6)) for _ in range(7)]
    assert steps[-1].last() and steps[-1].discount == 1.0 and not any(s.last() for s in steps[:-1])


def test_action_rescaling_to_simulator_bounds():
    adapter = ActionAdapter("x", low=[-2.0, 0.0], high=[2.0, 10.0])
    np.testing.assert_allclose(adapter([-1.0, -1.0]), [-2.0, 0.0])
    np.testing.assert_allclose(adapter([1.0, 1.0]), [2.0, 10.0])
    np.testing.assert_allclose(adapter([0.5, 0.0]), [1.0, 5.0])
    np.testing.assert_allclose(adapter([3.0, -7.0]), [2.0, 0.0])  # out-of-range actions are clipped


@pytest.mark.parametrize("env_id", ["dmc:cartpole-swingup", "gym:HalfCheetah-v5"])
def test_bad_actions_rejected_before_the_simulator(env_id):
    env = cairn.make(env_id, seed=0)
    first = env.reset().observation
    n = env.spec.action_size
    with pytest.raises(InvalidActionError, match=r"shape \(\d+,\), expected \(%d,\)" % n):
        env.step(np.zeros(n + 1))
    bad = np.zeros(n)
    bad[0] = np.nan
    with pytest.raises(InvalidActionError, match="non-finite"):
        env.step(bad)
    # nothing reached the simulator: the next valid step is the first step after reset
    env2 = cairn.make(env_id, seed=0)
    env2.reset()
    np.testing.assert_array_equal(env.step(np.zeros(n)).observation, env2.step(np.zeros(n)).observation)
    assert first.shape == (env.spec.observation_size,)


def test_flatten_dict_observation_sorted_keys():
    obs = {"b": np.array([[1.0, 2.0]]), "a": np.array(3.0), "c": np.zeros(2)}
    out = flatten_observation(obs, tuple(sorted(obs)))
    np.testing.assert_array_equal(out, np.array([3.0, 1.0, 2.0, 0.0, 0.0], np.float32))
    assert out.dtype == np.float32
