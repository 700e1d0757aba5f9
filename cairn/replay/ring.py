"""A fixed-capacity ring buffer of transitions in preallocated numpy arrays.

Rewards are stored as the full named vector; ``sample`` picks the channel a learner trains on.
Transitions are kept in time order with an end-of-episode flag (``last``: termination *or*
truncation) and the behaviour policy's log-probability, so the buffer also serves n-step returns
(``sample(..., n_step=n)``) and short sequences for Retrace (``sample_sequences``).
Memory: capacity × (2·obs + action + rewards + 3) × 4 bytes — 1M cheetah-run transitions
(17-dim obs, 6-dim action, 1 reward) take 172 MB.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cairn.types import Transition


class Sequences(NamedTuple):
    """``[B, L]`` windows of consecutive transitions; ``mask`` is 0 after the episode ended or past the
    newest stored step. ``log_prob`` is the behaviour policy's log μ(a_t|s_t) (NaN when unknown)."""

    observation: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    discount: np.ndarray
    next_observation: np.ndarray
    log_prob: np.ndarray
    mask: np.ndarray


class RingBuffer:
    """Transitions (s, a, r⃗, d, s', last, log μ), oldest overwritten first once ``capacity`` is reached."""

    FIELDS = ("observation", "action", "reward", "discount", "next_observation", "last", "log_prob")

    def __init__(self, capacity: int, observation_size: int, action_size: int, num_rewards: int = 1):
        if capacity < 1:
            raise ValueError(f"replay capacity must be >= 1 (got {capacity})")
        self.capacity = int(capacity)
        self.observation = np.zeros((capacity, observation_size), np.float32)
        self.action = np.zeros((capacity, action_size), np.float32)
        self.reward = np.zeros((capacity, num_rewards), np.float32)
        self.discount = np.zeros((capacity,), np.float32)
        self.next_observation = np.zeros((capacity, observation_size), np.float32)
        self.last = np.zeros((capacity,), np.bool_)
        self.log_prob = np.full((capacity,), np.nan, np.float32)
        self.size = 0
        self.cursor = 0

    def __len__(self) -> int:
        return self.size

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f).nbytes for f in self.FIELDS)

    def add(self, observation, action, reward, discount, next_observation, last: bool = False,
            log_prob: float = np.nan) -> None:
        """Append one transition; ``last`` marks the final transition of an episode (or of a
        stretch of experience, e.g. before a resume), ``log_prob`` is log μ(action | observation)."""
        i = self.cursor
        self.observation[i] = observation
        self.action[i] = action
        self.reward[i] = reward
        self.discount[i] = discount
        self.next_observation[i] = next_observation
        self.last[i] = last
        self.log_prob[i] = log_prob
        self.cursor = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def add_batch(self, observation, action, reward, discount, next_observation, last=None, log_prob=None) -> None:
        """Append many transitions at once (leading axis = time), wrapping around as needed.

        ``last`` defaults to ``discount == 0`` (terminations only) with the batch's final transition
        marked too; ``log_prob`` defaults to NaN (unknown behaviour policy)."""
        n = len(observation)
        if last is None:
            last = np.asarray(discount) == 0
            if n:
                last = last.copy()
                last[-1] = True
        if log_prob is None:
            log_prob = np.full((n,), np.nan, np.float32)
        fields = [observation, action, reward, discount, next_observation, last, log_prob]
        if n > self.capacity:  # only the newest `capacity` survive
            fields = [x[n - self.capacity:] for x in fields]
            n = self.capacity
        idx = (self.cursor + np.arange(n)) % self.capacity
        observation, action, reward, discount, next_observation, last, log_prob = fields
        self.observation[idx] = observation
        self.action[idx] = action
        self.reward[idx] = np.asarray(reward, np.float32).reshape(n, -1)
        self.discount[idx] = discount
        self.next_observation[idx] = next_observation
        self.last[idx] = last
        self.log_prob[idx] = log_prob
        self.cursor = int((self.cursor + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)

    def mark_last(self) -> None:
        """Mark the newest transition as the end of its stretch (no n-step window crosses it)."""
        if self.size:
            self.last[(self.cursor - 1) % self.capacity] = True

    def _windows(self, rng, batch_size: int, length: int):
        """Start indices [B], physical positions [B, L] and the alive mask [B, L] of random windows."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        start = rng.integers(0, self.size, size=batch_size)
        if self.size == self.capacity:  # physical index of the oldest transition is the cursor
            start = (start + self.cursor) % self.capacity
            oldest = self.cursor
        else:
            oldest = 0
        ks = np.arange(length)
        pos = (start[:, None] + ks) % self.capacity
        exists = ((start - oldest) % self.capacity)[:, None] + ks < self.size
        last = self.last[pos] | ~exists
        ended_before = (np.cumsum(last, axis=1) - last) > 0
        return start, pos, exists & ~ended_before

    def sample(self, rng: np.random.Generator, batch_size: int, reward_channel: int = 0, *, n_step: int = 1,
               gamma: float = 1.0) -> Transition:
        """Uniformly sampled transitions. With ``n_step > 1`` each one is an n-step transition:
        reward = Σ_{k<m} γ^k r_{t+k} over the m ≤ n steps left in the episode, next_observation =
        s_{t+m}, and discount = γ^{m−1}·d_{t+m−1}, so that a learner's usual target
        ``reward + γ·discount·V(next_observation)`` is the n-step target. ``reward_channel`` may be a slice
        (SAC-X: every channel), which gives rewards [B, C]."""
        if n_step <= 1:
            if self.size == 0:
                raise ValueError("cannot sample from an empty replay buffer")
            idx = rng.integers(0, self.size, size=batch_size)
            return Transition(self.observation[idx], self.action[idx], self.reward[idx, reward_channel],
                              self.discount[idx], self.next_observation[idx])
        start, pos, alive = self._windows(rng, batch_size, n_step)
        powers = np.float32(gamma) ** np.arange(n_step, dtype=np.float32)
        rewards = self.reward[pos, reward_channel]  # [B, n], or [B, n, C] for a slice of channels
        weights = (alive * powers).reshape(alive.shape + (1,) * (rewards.ndim - 2))
        reward = np.sum(rewards * weights, axis=1, dtype=np.float32)
        m = alive.sum(axis=1)  # >= 1: the first step of a window is always alive
        end = pos[np.arange(batch_size), m - 1]
        discount = (self.discount[end] * powers[m - 1]).astype(np.float32)
        return Transition(self.observation[start], self.action[start], reward, discount,
                          self.next_observation[end])

    def sample_sequences(self, rng: np.random.Generator, batch_size: int, length: int,
                         reward_channel: int = 0) -> Sequences:
        """Windows of ``length`` consecutive transitions (for Retrace); see :class:`Sequences`."""
        _, pos, alive = self._windows(rng, batch_size, length)
        return Sequences(self.observation[pos], self.action[pos], self.reward[pos, reward_channel],
                         self.discount[pos], self.next_observation[pos], self.log_prob[pos],
                         alive.astype(np.float32))

    # -- persistence (checkpoints) -------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """The filled part of the buffer in insertion order (oldest first), plus counters."""
        if self.size < self.capacity:
            order = np.arange(self.size)
        else:
            order = (self.cursor + np.arange(self.capacity)) % self.capacity
        out = {f"replay/{f}": getattr(self, f)[order] for f in self.FIELDS}
        out["replay/capacity"] = np.asarray(self.capacity)
        return out

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.size, self.cursor = 0, 0
        # Checkpoints written before `last`/`log_prob` existed fall back to add_batch's defaults.
        self.add_batch(*(state.get(f"replay/{f}") for f in self.FIELDS))
