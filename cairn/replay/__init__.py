"""Replay: in-memory buffers the learner samples batches from."""

from cairn.replay.ring import RingBuffer

__all__ = ["RingBuffer"]
