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


def episodic_buffer(capacity=20):
    """Episodes of lengths 4 (terminated), 3 (truncated), 5 (unfinished): obs = global index, r = index + 1."""
    buf = RingBuffer(capacity, 1, 1)
    t = 0
    for length, terminated, finished in ((4, True, True), (3, False, True), (5, False, False)):
        for k in range(length):
            end = finished and k == length - 1
            buf.add([t], [0.0], [t + 1.0], 0.0 if (end and terminated) else 1.0, [t + 100], end, -float(t))
            t += 1
    return buf


def reference_n_step(buf, start, n, gamma):
    """Walk forward from `start` (physical) by hand: stop after an episode end or the newest step."""
    ret, k = 0.0, 0
    newest = (buf.cursor - 1) % buf.capacity
    i = start
    while True:
        ret += gamma ** k * buf.reward[i, 0]
        if buf.last[i] or i == newest or k == n - 1:
            return ret, buf.next_observation[i, 0], gamma ** k * buf.discount[i]
        i, k = (i + 1) % buf.capacity, k + 1


def test_n_step_sampling_stops_at_episode_ends_and_at_the_newest_step():
    buf = episodic_buffer()
    b = buf.sample(np.random.default_rng(1), 200, n_step=3, gamma=0.5)
    for s, r, d, nxt in zip(b.observation[:, 0].astype(int), b.reward, b.discount, b.next_observation[:, 0]):
        want_r, want_next, want_d = reference_n_step(buf, s, 3, 0.5)
        assert (r, nxt, d) == pytest.approx((want_r, want_next, want_d))
    # by hand: from step 2 (episode 0: steps 0-3, terminated) → r = 3 + ½·4, next = s'_3, discount 0
    i = int(np.flatnonzero(b.observation[:, 0] == 2)[0])
    assert (b.reward[i], b.next_observation[i, 0], b.discount[i]) == pytest.approx((5.0, 103.0, 0.0))
    # from step 4 (truncated episode 4-6): 5 + ½·6 + ¼·7 = 9.75, bootstrap from s'_6 with γ²·1
    i = int(np.flatnonzero(b.observation[:, 0] == 4)[0])
    assert (b.reward[i], b.next_observation[i, 0], b.discount[i]) == pytest.approx((9.75, 106.0, 0.25))
    assert set(b.observation[:, 0].astype(int)) == set(range(12))


def test_n_step_sampling_of_every_channel_matches_each_channel_alone():
    """SAC-X samples all reward channels at once: each column is that channel's own n-step return."""
    buf = RingBuffer(20, 1, 1, num_rewards=2)
    t = 0
    for length in (4, 3, 5):  # truncated episodes; channel 1 = −2·index, channel 0 = index + 1
        for k in range(length):
            buf.add([t], [0.0], [t + 1.0, -2.0 * t], 1.0, [t + 100], k == length - 1, 0.0)
            t += 1
    b = buf.sample(np.random.default_rng(3), 200, slice(None), n_step=3, gamma=0.5)
    assert b.reward.shape == (200, 2) and b.discount.shape == (200,)
    ones = buf.sample(np.random.default_rng(3), 200, 1, n_step=3, gamma=0.5)
    np.testing.assert_allclose(b.reward[:, 1], ones.reward)
    np.testing.assert_array_equal(b.observation, ones.observation)
    # by hand, from step 4 (episode 4-6): channel 0 5 + ½·6 + ¼·7 = 9.75; channel 1 −8 − ½·10 − ¼·12 = −16
    i = int(np.flatnonzero(b.observation[:, 0] == 4)[0])
    np.testing.assert_allclose(b.reward[i], [9.75, -16.0])
    assert (b.next_observation[i, 0], b.discount[i]) == pytest.approx((106.0, 0.25))
    # from step 2 (episode 0-3): two steps left: 3 + ½·4 = 5 and −4 − ½·6 = −7, discount ½
    i = int(np.flatnonzero(b.observation[:, 0] == 2)[0])
    np.testing.assert_allclose(b.reward[i], [5.0, -7.0])
    assert (b.next_observation[i, 0], b.discount[i]) == pytest.approx((103.0, 0.5))


def test_n_step_windows_after_wrap_around_never_read_overwritten_data():
    buf = RingBuffer(6, 1, 1)
    for t in range(9):  # keeps 3..8, one long episode
        buf.add([t], [0.0], [1.0], 1.0, [t + 1], False, 0.0)
    b = buf.sample(np.random.default_rng(0), 300, n_step=4, gamma=1.0)
    steps = np.minimum(4, 9 - b.observation[:, 0])  # windows are cut at the newest step (8)
    np.testing.assert_allclose(b.reward, steps)
    np.testing.assert_allclose(b.next_observation[:, 0], b.observation[:, 0] + steps)


def test_sequences_carry_mask_and_behaviour_log_prob():
    buf = episodic_buffer()
    s = buf.sample_sequences(np.random.default_rng(2), 100, 3)
    assert s.observation.shape == (100, 3, 1) and s.mask.shape == (100, 3)
    np.testing.assert_array_equal(s.mask[:, 0], 1.0)
    for obs, mask, lp in zip(s.observation[..., 0], s.mask, s.log_prob):
        start = int(obs[0])
        ref_len = {0: 3, 1: 3, 2: 2, 3: 1, 4: 3, 5: 2, 6: 1}.get(start, min(3, 12 - start))
        np.testing.assert_array_equal(mask, [1.0] * ref_len + [0.0] * (3 - ref_len))
        np.testing.assert_array_equal(lp[:ref_len], -obs[:ref_len])


def test_old_checkpoints_without_episode_flags_still_load():
    buf = episodic_buffer()
    sd = {k: v for k, v in buf.state_dict().items() if k not in ("replay/last", "replay/log_prob")}
    other = RingBuffer(20, 1, 1)
    other.load_state_dict(sd)
    assert len(other) == 12 and other.last[3] and other.last[11] and np.isnan(other.log_prob).all()
