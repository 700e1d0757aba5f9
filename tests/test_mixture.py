import numpy as np
import pytest

from cairn.replay import Mixture, RingBuffer, split_counts


@pytest.mark.parametrize("weights, n, expected", [([0.5, 0.5], 256, [128, 128]), ([0.3, 0.7], 10, [3, 7]),
                                                  ([1, 1, 1], 10, [4, 3, 3]), ([0.25, 0.75], 5, [1, 4]),
                                                  ([0.0, 1.0], 7, [0, 7])])
def test_split_counts_exact(weights, n, expected):
    assert split_counts(weights, n).tolist() == expected


def buffer_of(value, n=50):
    b = RingBuffer(n, 2, 1)
    x = np.full((n, 2), value, np.float32)
    b.add_batch(x, np.zeros((n, 1)), np.full(n, value), np.ones(n), x)
    return b


def test_mixture_draws_fixed_shares_and_skips_empty_sources():
    m = Mixture([(buffer_of(1.0), 0.25), (buffer_of(2.0), 0.75)])
    batch = m.sample(np.random.default_rng(0), 8)
    assert sorted(batch.reward.tolist()) == [1.0, 1.0] + [2.0] * 6
    empty = RingBuffer(4, 2, 1)
    m = Mixture([(buffer_of(1.0), 0.5), (empty, 0.5)])
    assert m.sample(np.random.default_rng(0), 6).reward.tolist() == [1.0] * 6
    with pytest.raises(ValueError, match="empty"):
        Mixture([(empty, 1.0)]).sample(np.random.default_rng(0), 2)
    with pytest.raises(ValueError):
        Mixture([(empty, -1.0)])
