"""Replay: in-memory buffers the learner samples batches from."""

from cairn.replay.mixture import Mixture, split_counts
from cairn.replay.ring import RingBuffer

__all__ = ["Mixture", "RingBuffer", "split_counts"]
