"""Crash-safe recording of a run's steps as Parquet shards, whole episodes at a time.

Steps are buffered in memory; every ``flush_seconds`` the *completed* episodes are written to
``<run>/steps/<seq>.parquet``: first to a hidden temporary file, fsynced, then renamed, so readers
never see a partial shard. A SIGKILL therefore loses at most the episodes finished since the last
flush (and the one in progress). ``close()`` also writes the unfinished episode.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cairn.store.schema import fixed_list, steps_schema
from cairn.types import EnvSpec


class StoreWriter:
    def __init__(self, run_path: Path, run_id: str, spec: EnvSpec, flush_seconds: float = 5.0,
                 on_flush=None, first_shard: int | None = None):
        self.dir = Path(run_path) / "steps"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.run_id, self.spec = run_id, spec
        self.schema = steps_schema(spec.observation_size, spec.action_size, len(spec.reward_names))
        self.flush_seconds = flush_seconds
        self.on_flush = on_flush
        existing = [int(p.stem) for p in self.dir.glob("*.parquet") if p.stem.isdigit()]
        self._seq = first_shard if first_shard is not None else (max(existing) + 1 if existing else 0)
        self._open: dict[int, list] = {}  # episode id -> rows of the episode in progress
        self._done: list[list] = []  # finished episodes waiting for the next flush
        self._last_flush = time.monotonic()
        self.rows_written = 0

    def add(self, episode: int, step: int, env_step: int, observation, action, reward, discount: float,
            step_type: int, next_observation, log_prob: float, policy: str, is_eval: bool) -> None:
        """Record one transition; when ``step_type`` is LAST (2) the episode is complete."""
        rows = self._open.setdefault(episode, [])
        rows.append((episode, step, env_step, observation, action, reward, discount, step_type, next_observation,
                     log_prob, policy, is_eval))
        if step_type == 2:
            self._done.append(self._open.pop(episode))
        if self._done and time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self, include_open: bool = False) -> Path | None:
        episodes = self._done + (list(self._open.values()) if include_open else [])
        self._done = []
        if include_open:
            self._open = {}
        self._last_flush = time.monotonic()
        rows = [r for ep in episodes for r in ep]
        if not rows:
            return None
        cols = list(zip(*rows))
        table = pa.Table.from_arrays([
            pa.array([self.run_id] * len(rows), pa.string()),
            pa.array(cols[0], pa.int64()),
            pa.array(cols[1], pa.int32()),
            pa.array(cols[2], pa.int64()),
            fixed_list(np.stack(cols[3])),
            fixed_list(np.stack(cols[4])),
            fixed_list(np.stack(cols[5])),
            pa.array(cols[6], pa.float32()),
            pa.array(cols[7], pa.int8()),
            fixed_list(np.stack(cols[8])),
            pa.array(cols[9], pa.float32()),
            pa.array(cols[10], pa.string()),
            pa.array(cols[11], pa.bool_()),
        ], schema=self.schema)
        path = self.dir / f"{self._seq:06d}.parquet"
        while path.exists():  # another session of this run (a resume) already used this number
            self._seq += 1
            path = self.dir / f"{self._seq:06d}.parquet"
        tmp = self.dir / f".{path.name}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            pq.write_table(table, f, compression="lz4")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        self._seq += 1
        self.rows_written += len(rows)
        if self.on_flush is not None:
            self.on_flush()
        return path

    def close(self) -> None:
        self.flush(include_open=True)
