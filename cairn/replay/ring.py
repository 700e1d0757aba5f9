"""A fixed-capacity ring buffer of transitions in preallocated numpy arrays.

Rewards are stored as the full named vector; ``sample`` picks the channel a learner trains on.
Memory: capacity × (2·obs + action + rewards + 1) × 4 bytes — 1M cheetah-run transitions
(17-dim obs, 6-dim action, 1 reward) take 164 MB.
"""

from __future__ import annotations

import numpy as np

from cairn.types import Transition


class RingBuffer:
    """Transitions (s, a, r⃗, d, s'), oldest overwritten first once ``capacity`` is reached."""

    FIELDS = ("observation", "action", "reward", "discount", "next_observation")

    def __init__(self, capacity: int, observation_size: int, action_size: int, num_rewards: int = 1):
        if capacity < 1:
            raise ValueError(f"replay capacity must be >= 1 (got {capacity})")
        self.capacity = int(capacity)
        self.observation = np.zeros((capacity, observation_size), np.float32)
        self.action = np.zeros((capacity, action_size), np.float32)
        self.reward = np.zeros((capacity, num_rewards), np.float32)
        self.discount = np.zeros((capacity,), np.float32)
        self.next_observation = np.zeros((capacity, observation_size), np.float32)
        self.size = 0
        self.cursor = 0

    def __len__(self) -> int:
        return self.size

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f).nbytes for f in self.FIELDS)

    def add(self, observation, action, reward, discount, next_observation) -> None:
        i = self.cursor
        self.observation[i] = observation
        self.action[i] = action
        self.reward[i] = reward
        self.discount[i] = discount
        self.next_observation[i] = next_observation
        self.cursor = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def add_batch(self, observation, action, reward, discount, next_observation) -> None:
        """Append many transitions at once (leading axis = time), wrapping around as needed."""
        n = len(observation)
        if n > self.capacity:  # only the newest `capacity` survive
            sl = slice(n - self.capacity, n)
            observation, action, reward, discount, next_observation = (
                x[sl] for x in (observation, action, reward, discount, next_observation))
            n = self.capacity
        idx = (self.cursor + np.arange(n)) % self.capacity
        self.observation[idx] = observation
        self.action[idx] = action
        self.reward[idx] = np.asarray(reward, np.float32).reshape(n, -1)
        self.discount[idx] = discount
        self.next_observation[idx] = next_observation
        self.cursor = int((self.cursor + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)

    def sample(self, rng: np.random.Generator, batch_size: int, reward_channel: int = 0) -> Transition:
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        idx = rng.integers(0, self.size, size=batch_size)
        return Transition(
            self.observation[idx],
            self.action[idx],
            self.reward[idx, reward_channel],
            self.discount[idx],
            self.next_observation[idx],
        )

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
        self.add_batch(*(state[f"replay/{f}"] for f in self.FIELDS))
