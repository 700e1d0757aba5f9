"""Per-run metric files: CSV always, TensorBoard scalars when tensorboardX is installed."""

from __future__ import annotations

import csv
from pathlib import Path


class MetricsWriter:
    """Appends rows to ``<run>/<name>.csv`` (header from the first row) and mirrors them to TensorBoard."""

    def __init__(self, run_path: Path, tensorboard: bool = True):
        self.run_path = Path(run_path)
        self._files: dict[str, tuple] = {}
        self._tb = None
        if tensorboard:
            try:
                from tensorboardX import SummaryWriter

                self._tb = SummaryWriter(str(self.run_path / "tb"), flush_secs=30)
            except ImportError:
                self._tb = None

    def write(self, name: str, row: dict, step: int) -> None:
        if name not in self._files:
            path = self.run_path / f"{name}.csv"
            exists = path.exists() and path.stat().st_size > 0
            f = open(path, "a", newline="")
            fields = list(row)
            if exists:
                with open(path) as r:
                    fields = next(csv.reader(r))
            w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
            if not exists:
                w.writeheader()
            self._files[name] = (f, w)
        f, w = self._files[name]
        w.writerow(row)
        f.flush()
        if self._tb is not None:
            for k, v in row.items():
                if k != "env_step" and isinstance(v, (int, float)):
                    self._tb.add_scalar(f"{name}/{k}", v, step)

    def close(self) -> None:
        for f, _ in self._files.values():
            f.close()
        self._files.clear()
        if self._tb is not None:
            self._tb.close()


def read_csv(path: Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    with open(path) as f:
        return [{k: _value(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _value(v):
    """A CSV cell: a float, None when empty, or the text itself (e.g. the eval phase)."""
    if v in ("", None):
        return None
    try:
        return float(v)
    except ValueError:
        return v
