"""SAC-X schedulers: which intention drives the robot for the next ξ steps (Riedmiller et al. 2018).

* ``uniform`` (SAC-U): every switch picks an intention uniformly at random.
* ``q`` (SAC-Q): a table Q(T_{0:h−1}, T_h) over the intentions chosen so far in the episode and the
  next one, estimated by Monte Carlo from the *main task's* reward collected from switch h to the end
  of the episode (as a mean reward per step, so sparse 0/1 rewards give values in [0, 1]); the choice
  is softmax(Q/η). Unvisited entries count as the table's running mean of all returns seen
  (optimistic enough to be tried, never better than what has been seen on average).

With ``main_first`` = p > 0, an episode is opened by the main intention with probability p whatever the
scheduler prefers (cairn's option, not the paper's): SAC-Q learns to open with the intentions that lead
to the main reward soonest, so the main intention may rarely act from the initial states on which it is
evaluated. Its Monte-Carlo return still updates the table like any other choice.

With ``switch_min`` = m > 0, each segment lasts a number of steps drawn uniformly from [m, ξ] instead of
exactly ξ (cairn's option): intentions then hand over at every stage of a task, e.g. part-way through an
approach, so that the intention taking over acts from such states too.

The scheduler lives on the host: it sees each step's reward vector, switches every ξ steps, and at the
end of an episode updates its table. Its state is JSON (saved with the run's checkpoint).
"""

from __future__ import annotations

import math

import numpy as np


class Scheduler:
    def __init__(self, num_intentions: int, kind: str = "q", switch_every: int = 50, temperature: float = 0.1,
                 learning_rate: float = 0.1, main: int = 0, main_first: float = 0.0, switch_min: int = 0):
        if kind not in ("uniform", "q"):
            raise ValueError(f"unknown scheduler {kind!r}; use uniform or q")
        self.k, self.kind, self.switch_every = num_intentions, kind, switch_every
        self.temperature, self.learning_rate, self.main = temperature, learning_rate, main
        self.main_first, self.switch_min = main_first, switch_min
        if switch_min > switch_every:
            raise ValueError(f"switch_min ({switch_min}) must not exceed switch_every ({switch_every})")
        self._next_switch = switch_every
        self.table: dict[str, float] = {}  # "i,j,...|h" -> estimate
        self.mean_return = 0.0
        self.updates = 0
        self.active = main
        self._history: list[int] = []
        self._starts: list[int] = []  # step index at which each choice began
        self._main_rewards: list[float] = []
        self._t = 0

    # -- the table --------------------------------------------------------------------------------------
    @staticmethod
    def key(history, choice: int) -> str:
        return f"{','.join(map(str, history))}|{choice}"

    def values(self, history) -> np.ndarray:
        return np.array([self.table.get(self.key(history, c), self.mean_return) for c in range(self.k)])

    def probabilities(self, history) -> np.ndarray:
        if self.kind == "uniform":
            return np.full(self.k, 1.0 / self.k)
        z = self.values(history) / self.temperature
        z = np.exp(z - z.max())
        return z / z.sum()

    # -- an episode -------------------------------------------------------------------------------------
    def begin_episode(self, rng: np.random.Generator) -> int:
        self._history, self._starts, self._main_rewards, self._t = [], [], [], 0
        # no draw when main_first is 0, so runs without it see the same random stream as before it existed
        return self._choose(rng, force_main=self.main_first > 0 and rng.random() < self.main_first)

    def _choose(self, rng, force_main: bool = False) -> int:
        self.active = self.main if force_main else int(rng.choice(self.k, p=self.probabilities(self._history)))
        self._history.append(self.active)
        self._starts.append(self._t)
        # segment lengths: exactly ξ (no draw, so such runs keep the random stream they always had) or U[m, ξ]
        length = int(rng.integers(self.switch_min, self.switch_every + 1)) if self.switch_min > 0 else self.switch_every
        self._next_switch = self._t + length
        return self.active

    def observe(self, reward_vector, rng: np.random.Generator) -> int:
        """Record one step's rewards; returns the intention for the next step (switching every ξ steps, or
        after each segment's drawn length with ``switch_min``)."""
        self._main_rewards.append(float(reward_vector[self.main]))
        self._t += 1
        if self._t >= self._next_switch:
            self._choose(rng)
        return self.active

    def end_episode(self, learn: bool = True) -> None:
        """Monte-Carlo update of Q(T_{0:h−1}, T_h) for every switch h of the finished episode; none with
        ``learn`` False (an episode with random warm-up actions: its returns say nothing of the intentions)."""
        if not learn or not self._main_rewards:
            return
        rewards = np.asarray(self._main_rewards)
        tail = np.cumsum(rewards[::-1])[::-1]  # Σ_{t' ≥ t} r_t'
        for h, (choice, start) in enumerate(zip(self._history, self._starts)):
            if start >= len(rewards):
                break
            ret = float(tail[start]) / (len(rewards) - start)
            key = self.key(self._history[:h], choice)
            old = self.table.get(key, self.mean_return)
            self.table[key] = old + self.learning_rate * (ret - old)
            self.updates += 1
            self.mean_return += (ret - self.mean_return) / self.updates

    # -- checkpoints -----------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"table": dict(self.table), "mean_return": self.mean_return, "updates": self.updates}

    def load_state_dict(self, d: dict) -> None:
        self.table = {str(k): float(v) for k, v in d.get("table", {}).items()}
        self.mean_return = float(d.get("mean_return", 0.0))
        self.updates = int(d.get("updates", 0))

    def entropy(self) -> float:
        p = self.probabilities([])
        return float(-(p * np.log(np.maximum(p, 1e-12))).sum() / math.log(self.k)) if self.k > 1 else 0.0
