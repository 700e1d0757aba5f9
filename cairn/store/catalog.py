"""The store: run directories with Parquet step shards, and a DuckDB catalog (views) over them.

``Store(root)`` reads nothing until asked. ``connect()`` gives an in-memory DuckDB connection with
three views — ``runs`` (one row per run, from each run's ``run.json``/``config.json``), ``steps``
(every valid shard) and ``episodes`` (steps grouped by run and episode) — so any number of processes
can read while runs are writing, with no server and no shared database file.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cairn.errors import ConfigError
from cairn.store.schema import to_matrix
from cairn.types import StepType

# The `runs` view's columns (one row per run.json; the names are run.json's keys).
RUNS_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("run_name", pa.string()), ("env", pa.string()), ("agent", pa.string()),
    ("seed", pa.int64()), ("status", pa.string()), ("start_time", pa.float64()), ("end_time", pa.float64()),
    ("env_steps", pa.int64()), ("updates", pa.int64()), ("best_eval_return", pa.float64()),
    ("observation_size", pa.int64()), ("action_size", pa.int64()), ("reward_names", pa.list_(pa.string())),
    ("reward_version", pa.string()), ("reuse", pa.string()), ("cairn_version", pa.string()), ("config", pa.string())])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self._warned: set[Path] = set()

    # -- runs ----------------------------------------------------------------------------------
    def run_dirs(self) -> list[Path]:
        return sorted(p for p in self.runs_dir.iterdir() if p.is_dir()) if self.runs_dir.is_dir() else []

    def run_info(self, run_dir: Path) -> dict:
        try:
            meta = json.loads((run_dir / "run.json").read_text())
        except (OSError, json.JSONDecodeError):
            meta = {}
        try:
            config = json.loads((run_dir / "config.json").read_text())
        except (OSError, json.JSONDecodeError):
            config = {}
        spec = meta.get("env_spec") or {}
        status = meta.get("status", "unknown")
        if status == "running" and self._is_dead(meta):
            status = "crashed"
        return {
            "run_id": run_dir.name,
            "run_name": meta.get("run_name", config.get("run_name")),
            "env": meta.get("env", config.get("env_id")),
            "agent": meta.get("agent", config.get("agent")),
            "seed": meta.get("seed", config.get("seed")),
            "status": status,
            "start_time": meta.get("start_time"),
            "end_time": meta.get("end_time"),
            "env_steps": meta.get("env_steps"),
            "updates": meta.get("updates"),
            "best_eval_return": meta.get("best_eval_return"),
            "observation_size": spec.get("observation_size"),
            "action_size": spec.get("action_size"),
            "reward_names": spec.get("reward_names"),
            "reward_version": spec.get("reward_version") or "",
            "reuse": config.get("reuse"),
            "cairn_version": meta.get("cairn_version"),
            "config": json.dumps(config),
        }

    @staticmethod
    def _is_dead(meta: dict) -> bool:
        """A 'running' run whose process is gone (same host) or whose heartbeat is stale (elsewhere)."""
        pid, host = meta.get("pid"), meta.get("host")
        if pid is not None and host == socket.gethostname():
            return not _pid_alive(int(pid))
        beat = meta.get("heartbeat")
        return beat is not None and time.time() - beat > max(120.0, 10 * meta.get("flush_seconds", 10.0))

    def runs(self) -> list[dict]:
        return [self.run_info(d) for d in self.run_dirs()]

    def find_run(self, run: str) -> Path:
        from cairn.run.rundir import RunDir

        return RunDir.find(str(self.root), run).path

    # -- shards --------------------------------------------------------------------------------
    def shards(self, run_ids: list[str] | None = None) -> list[Path]:
        dirs = [self.runs_dir / r for r in run_ids] if run_ids is not None else self.run_dirs()
        return [p for d in dirs for p in sorted((d / "steps").glob("*.parquet"))]

    def valid_shards(self, run_ids: list[str] | None = None) -> list[Path]:
        """Shards whose Parquet footer reads; a corrupt or truncated one is skipped with a warning."""
        good = []
        for p in self.shards(run_ids):
            try:
                pq.read_metadata(p)
                good.append(p)
            except Exception as e:  # noqa: BLE001 — any unreadable file is skipped, never fatal
                if p not in self._warned:
                    self._warned.add(p)
                    print(f"cairn: warning: skipping unreadable shard {p} ({type(e).__name__}: {e}); "
                          f"run `cairn store verify`", file=sys.stderr)
        return good

    def verify(self) -> list[tuple[Path, str]]:
        """Read every shard completely; returns (path, problem) for each one that fails."""
        problems = []
        for p in self.shards():
            try:
                table = pq.read_table(p)
                if "run_id" not in table.column_names or table.num_rows == 0:
                    raise ValueError("missing columns or no rows")
                if table.column("run_id")[0].as_py() != p.parent.parent.name:
                    raise ValueError(f"rows belong to run {table.column('run_id')[0].as_py()}")
            except Exception as e:  # noqa: BLE001
                problems.append((p, f"{type(e).__name__}: {e}"))
        for d in self.run_dirs():
            if not (d / "run.json").exists():
                problems.append((d / "run.json", "missing run metadata"))
        return problems

    # -- SQL -----------------------------------------------------------------------------------
    def connect(self, runs: list[dict] | None = None):
        """``runs``: the result of ``self.runs()`` when the caller already has it (saves re-reading run.json)."""
        import duckdb

        con = duckdb.connect(":memory:")
        runs = self.runs() if runs is None else runs
        table = pa.Table.from_pylist(runs, schema=RUNS_SCHEMA)
        con.register("_runs_arrow", table)
        con.execute("CREATE VIEW runs AS SELECT * FROM _runs_arrow")
        shards = self.valid_shards()
        if shards:
            files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in shards)
            con.execute(f"CREATE VIEW steps AS SELECT * FROM read_parquet([{files}], union_by_name = true)")
        else:
            con.execute("CREATE TABLE steps (run_id VARCHAR, episode BIGINT, step INTEGER, env_step BIGINT, "
                        "observation FLOAT[], action FLOAT[], reward FLOAT[], discount FLOAT, step_type TINYINT, "
                        "next_observation FLOAT[], log_prob FLOAT, policy VARCHAR, is_eval BOOLEAN)")
        con.execute("""CREATE VIEW episodes AS SELECT run_id, episode, any_value(is_eval) AS is_eval,
                       any_value(policy) AS policy, count(*) AS length, sum(reward[1]) AS return,
                       min(env_step) AS first_env_step, max(env_step) AS last_env_step,
                       bool_or(step_type = 2) AS complete
                       FROM steps GROUP BY run_id, episode""")
        return con

    # -- selectors and loading -----------------------------------------------------------------
    def select(self, selector: str, env_id: str | None = None, exclude: str | None = None,
               runs: list[dict] | None = None) -> list[str]:
        """Run ids matching a selector: a run id, a run name, ``env`` (every run on ``env_id``), or a
        SQL WHERE clause over the ``runs`` view. ``runs``: ``self.runs()`` if the caller has it."""
        all_runs = self.runs() if runs is None else runs
        runs = [r for r in all_runs if r["run_id"] != exclude]
        if any(r["run_id"] == selector for r in runs):
            return [selector]
        named = [r["run_id"] for r in runs if r["run_name"] == selector]
        if named:
            return named
        if selector == "env":
            if env_id is None:
                raise ConfigError("selector 'env' needs the env id of the new run")
            return [r["run_id"] for r in runs if r["env"] == env_id]
        con = self.connect(all_runs)
        try:
            ids = [row[0] for row in con.execute(f"SELECT run_id FROM runs WHERE {selector} ORDER BY run_id").fetchall()]
        except Exception as e:  # noqa: BLE001 — duckdb's parser/binder errors
            raise ConfigError(f"selector {selector!r} is not a run id, a run name, 'env', or a valid SQL WHERE "
                              f"clause over runs ({str(e).splitlines()[0]})") from None
        return [i for i in ids if i != exclude]

    def load_transitions(self, run_ids: list[str], include_eval: bool = True) -> dict[str, np.ndarray]:
        """All stored transitions of ``run_ids`` as numpy arrays in the format of a replay buffer:
        observation [N, O], action [N, A], reward [N, R], discount [N], next_observation [N, O],
        last [N] (episode ends: a LAST step, or the final stored step of an unfinished episode) and
        log_prob [N] (behaviour log μ(a|s), NaN for deterministic evaluation steps). Episodes stay
        contiguous and in step order, so n-step windows never cross an episode boundary."""
        shards = self.valid_shards(run_ids)
        cols = ["episode", "observation", "action", "reward", "discount", "step_type", "next_observation",
                "log_prob", "is_eval"]
        if not shards:
            return {}
        tables, lasts = [], []
        for p in shards:
            t = pq.read_table(p, columns=cols, use_threads=True)
            if not include_eval:
                t = t.filter(pa.array(np.logical_not(t.column("is_eval").to_numpy(zero_copy_only=False))))
            episode = t.column("episode").to_numpy()
            last = t.column("step_type").to_numpy() == StepType.LAST
            if len(last):
                last[:-1] |= episode[1:] != episode[:-1]
                last[-1] = True
            tables.append(t)
            lasts.append(last)
        table = pa.concat_tables(tables)
        t = table.schema
        return {
            "observation": to_matrix(table.column("observation"), t.field("observation").type.list_size),
            "action": to_matrix(table.column("action"), t.field("action").type.list_size),
            "reward": to_matrix(table.column("reward"), t.field("reward").type.list_size),
            "discount": table.column("discount").to_numpy().astype(np.float32),
            "next_observation": to_matrix(table.column("next_observation"), t.field("observation").type.list_size),
            "last": np.concatenate(lasts),
            "log_prob": table.column("log_prob").to_numpy().astype(np.float32),
        }

    def remove(self, run_id: str) -> None:
        shutil.rmtree(self.runs_dir / run_id)
