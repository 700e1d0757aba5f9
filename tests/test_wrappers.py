import numpy as np
import pytest

import cairn
from cairn.envs.wrappers import ActionRepeat
from cairn.run.loop import crossed
from cairn.types import EnvSpec, StepType, TimeStep


class Counter:
    """Reward i on the i-th step of an episode; terminates (discount 0) at step 5."""

    spec = EnvSpec("test:counter", 1, 1, reward_names=("a", "b"))

    def reset(self):
        self.t = 0
        return TimeStep(StepType.FIRST, np.zeros(2, np.float32), 1.0, np.zeros(1, np.float32))

    def step(self, action):
        self.t += 1
        last = self.t == 5
        return TimeStep(StepType.LAST if last else StepType.MID, np.array([self.t, -self.t], np.float32),
                        0.0 if last else 1.0, np.array([self.t], np.float32))


def test_action_repeat_sums_reward_channels_and_stops_at_episode_end():
    env = ActionRepeat(Counter(), 3)
    env.reset()
    ts = env.step([0.0])
    assert ts.mid() and ts.reward.tolist() == [6.0, -6.0] and ts.discount == 1.0 and ts.observation[0] == 3
    ts = env.step([0.0])  # steps 4 and 5; the episode ends inside the repeat
    assert ts.last() and ts.reward.tolist() == [9.0, -9.0] and ts.discount == 0.0 and ts.observation[0] == 5


def test_action_repeat_matches_manual_repetition_on_dmc():
    a, b = cairn.make("dmc:cheetah-run", seed=2), ActionRepeat(cairn.make("dmc:cheetah-run", seed=2), 4)
    a.reset(), b.reset()
    act = np.linspace(-1, 1, 6)
    manual = [a.step(act) for _ in range(4)]
    ts = b.step(act)
    assert ts.reward[0] == pytest.approx(sum(m.reward[0] for m in manual), rel=1e-5)
    np.testing.assert_array_equal(ts.observation, manual[-1].observation)
    assert b.env.physics.data.time == pytest.approx(a.physics.data.time)


@pytest.mark.parametrize("before, now, every, expected", [(0, 1, 1, True), (7, 8, 8, True), (8, 16, 8, True),
                                                          (9, 15, 8, False), (15, 17, 8, True), (5, 9, 0, False)])
def test_crossed(before, now, every, expected):
    assert crossed(before, now, every) is expected
