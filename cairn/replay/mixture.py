"""Mixture sampling: each batch draws a fixed share of its samples from each of several sources.

Replay across Experiments uses two sources (prior data, online data) at a fixed ratio; demonstrations
and offline data join the same way. Shares are exact per batch (largest-remainder rounding), not
random; an empty source gives its share to the others.
"""

from __future__ import annotations

import numpy as np

from cairn.types import Transition


def split_counts(weights, batch_size: int) -> np.ndarray:
    """Integer counts summing to ``batch_size``, proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, np.float64)
    if w.sum() <= 0:
        raise ValueError("mixture weights must have a positive sum")
    exact = w / w.sum() * batch_size
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: batch_size - counts.sum()]:
        counts[i] += 1
    return counts


class Mixture:
    """Sample batches from ``[(buffer, weight), ...]``; every buffer has ``sample(rng, n, channel)``."""

    def __init__(self, sources):
        if not sources:
            raise ValueError("a mixture needs at least one source")
        for _, w in sources:
            if w < 0:
                raise ValueError(f"mixture weights must be >= 0 (got {w})")
        self.sources = list(sources)

    def __len__(self) -> int:
        return sum(len(b) for b, _ in self.sources)

    def _parts(self, batch_size: int):
        live = [(b, w) for b, w in self.sources if len(b) > 0 and w > 0]
        if not live:
            raise ValueError("cannot sample: every mixture source is empty")
        if len(live) == 1:
            return [(live[0][0], batch_size)]
        counts = split_counts([w for _, w in live], batch_size)
        return [(b, int(n)) for (b, _), n in zip(live, counts) if n > 0]

    def sample(self, rng: np.random.Generator, batch_size: int, reward_channel: int = 0, **kwargs) -> Transition:
        """A batch with each source's share; ``kwargs`` (``n_step``, ``gamma``) go to every source."""
        parts = [b.sample(rng, n, reward_channel, **kwargs) for b, n in self._parts(batch_size)]
        return parts[0] if len(parts) == 1 else Transition(*(np.concatenate(f) for f in zip(*parts)))

    def sample_sequences(self, rng: np.random.Generator, batch_size: int, length: int, reward_channel: int = 0):
        parts = [b.sample_sequences(rng, n, length, reward_channel) for b, n in self._parts(batch_size)]
        return parts[0] if len(parts) == 1 else type(parts[0])(*(np.concatenate(f) for f in zip(*parts)))
