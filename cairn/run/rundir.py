"""A run's directory inside the store: ``<store>/runs/<run_id>/`` with config, metadata and metrics."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path


class RunNotFoundError(ValueError):
    """``--resume`` / ``cairn eval`` named a run that the store does not hold."""


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()


def new_run_id(env_id: str, agent: str) -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{_slug(env_id)}-{agent}-{secrets.token_hex(2)}"


def write_json_atomic(path: Path, obj) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=2, default=str))
    os.replace(tmp, path)


class RunDir:
    """Files of one run: ``config.json``, ``run.json`` (status, times), ``metrics.csv``, ``eval.csv``,
    ``checkpoint.npz`` and, when tensorboardX is installed, ``tb/``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.run_id = self.path.name

    @classmethod
    def create(cls, store: str, env_id: str, agent: str) -> "RunDir":
        runs = Path(store) / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        while True:
            path = runs / new_run_id(env_id, agent)
            try:
                path.mkdir()
                return cls(path)
            except FileExistsError:  # two runs started in the same second with the same suffix
                continue

    @classmethod
    def find(cls, store: str, run: str) -> "RunDir":
        """Resolve a run id or a run name (the newest run of that name wins)."""
        runs = Path(store) / "runs"
        if (runs / run).is_dir():
            return cls(runs / run)
        named = []
        for p in sorted(runs.glob("*/config.json")) if runs.is_dir() else []:
            try:
                if json.loads(p.read_text()).get("run_name") == run:
                    named.append(p.parent)
            except (OSError, json.JSONDecodeError):
                continue
        if named:
            return cls(max(named, key=lambda p: p.name))
        have = sorted(p.name for p in runs.iterdir()) if runs.is_dir() else []
        hint = f"; runs in {runs}: {', '.join(have[-5:])}" if have else f"; {runs} holds no runs"
        raise RunNotFoundError(f"no run with id or name {run!r}{hint}")

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def checkpoint_path(self) -> Path:
        return self.path / "checkpoint.npz"

    def read_config(self) -> dict:
        return json.loads(self.config_path.read_text())

    def write_config(self, config: dict) -> None:
        write_json_atomic(self.config_path, config)

    def read_meta(self) -> dict:
        p = self.path / "run.json"
        return json.loads(p.read_text()) if p.exists() else {}

    def update_meta(self, **fields) -> None:
        meta = self.read_meta()
        meta.update(fields)
        write_json_atomic(self.path / "run.json", meta)
