import numpy as np
import pytest

from cairn.replay import RingBuffer


def fill(buf, start, n):
    for i in range(start, start + n):
        buf.add(np.full(3, i), np.full(2, -i), np.array([i, 10 * i]), i % 2, np.full(3, i + 1))


def test_ring_wraps_and_samples_channel():
    buf = RingBuffer(5, 3, 2, num_rewards=2)
    fill(buf, 0, 8)  # 0..7; keeps 3..7
    assert len(buf) == 5 and buf.cursor == 3
    assert sorted(buf.observation[:, 0].tolist()) == [3, 4, 5, 6, 7]
    b = buf.sample(np.random.default_rng(0), 64, reward_channel=1)
    assert b.observation.shape == (64, 3) and b.action.shape == (64, 2) and b.reward.shape == (64,)
    np.testing.assert_array_equal(b.reward, 10 * b.observation[:, 0])
    np.testing.assert_array_equal(b.next_observation[:, 0], b.observation[:, 0] + 1)
    np.testing.assert_array_equal(b.discount, b.observation[:, 0] % 2)
    assert set(b.observation[:, 0].tolist()) <= {3, 4, 5, 6, 7}


def test_state_dict_round_trip_keeps_order_and_overwrite_position():
    buf = RingBuffer(5, 3, 2, num_rewards=2)
    fill(buf, 0, 7)
    sd = buf.state_dict()
    np.testing.assert_array_equal(sd["replay/observation"][:, 0], [2, 3, 4, 5, 6])  # oldest first
    other = RingBuffer(5, 3, 2, num_rewards=2)
    other.load_state_dict(sd)
    fill(buf, 7, 1)
    fill(other, 7, 1)  # both overwrite the oldest (2) next
    assert sorted(other.observation[:, 0]) == sorted(buf.observation[:, 0]) == [3, 4, 5, 6, 7]


def test_add_batch_longer_than_capacity_keeps_newest():
    buf = RingBuffer(4, 1, 1)
    x = np.arange(10, dtype=np.float32)[:, None]
    buf.add_batch(x, x, x[:, 0], np.ones(10), x + 1)
    assert sorted(buf.observation[:, 0].tolist()) == [6, 7, 8, 9]


def test_empty_and_invalid():
    with pytest.raises(ValueError):
        RingBuffer(0, 1, 1)
    with pytest.raises(ValueError, match="empty"):
        RingBuffer(3, 1, 1).sample(np.random.default_rng(0), 2)


def test_memory_for_one_million_cheetah_transitions_under_1gb():
    buf = RingBuffer(1_000_000, 17, 6, 1)  # zeros are lazily allocated; nbytes counts the full arrays
    assert buf.nbytes < 1e9
