"""``cairn store ls | show | sql | verify | rm | export | import``."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Annotated, Literal

import tyro

from cairn.errors import ConfigError
from cairn.run.config import resolve_store


@dataclass(frozen=True)
class LsConfig:
    """List the runs in the store with env, agent, steps, episodes, best return and status."""

    store: str | None = None
    """Store directory; default $CAIRN_STORE, else ./cairn-store."""
    json: bool = False
    """Print one JSON list of objects."""


@dataclass(frozen=True)
class ShowConfig:
    """Show one run's metadata and learning curve."""

    run: Annotated[str, tyro.conf.Positional]
    """Run id or run name."""
    store: str | None = None
    """Store directory; default $CAIRN_STORE, else ./cairn-store."""
    json: bool = False
    """Print one JSON object."""


@dataclass(frozen=True)
class SqlConfig:
    """Run a DuckDB query over the views runs, episodes and steps."""

    query: Annotated[str, tyro.conf.Positional]
    """The SQL, e.g. "SELECT env, count(*) FROM runs GROUP BY env"."""
    store: str | None = None
    """Store directory; default $CAIRN_STORE, else ./cairn-store."""
    json: bool = False
    """Print the rows as one JSON list of objects."""


@dataclass(frozen=True)
class VerifyConfig:
    """Check every shard of the store; exit code 1 if anything is wrong."""

    store: str | None = None
    """Store directory; default $CAIRN_STORE, else ./cairn-store."""


@dataclass(frozen=True)
class RmConfig:
    """Delete a run: its metadata, checkpoints, metrics and stored steps."""

    run: Annotated[str, tyro.conf.Positional]
    """Run id or run name."""
    store: str | None = None
    """Store directory; default $CAIRN_STORE, else ./cairn-store."""
    yes: bool = False
    """Do not ask for confirmation."""


@dataclass(frozen=True)
class ExportConfig:
    """Write a run's stored episodes (training and evaluation) as a Minari dataset (arrow format)."""

    run: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="RUN")]
    """Run id or run name."""
    out: str
    """Minari datasets root to write into (used as MINARI_DATASETS_PATH)."""
    format: Literal["minari"] = "minari"
    """Dataset format."""
    dataset_id: str | None = None
    """Minari dataset id; default cairn/<env>/<run_id>-v0."""
    store: str | None = None
    """Store directory; default $CAIRN_STORE, else ./cairn-store."""
    json: bool = False
    """Print one JSON object."""


@dataclass(frozen=True)
class ImportConfig:
    """Import a Minari dataset as a new run (agent "minari") that ls, sql and --reuse read like any other."""

    format: Annotated[Literal["minari"], tyro.conf.Positional, tyro.conf.arg(metavar="minari")]
    """Dataset format."""
    path: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="DIR")]
    """A Minari datasets root (as MINARI_DATASETS_PATH) or one dataset's directory."""
    dataset_id: str | None = None
    """Which dataset, when DIR holds several."""
    env: str | None = None
    """cairn env id of the data; default the id recorded by `cairn store export`, else gym:<the dataset's env>."""
    run_name: str | None = None
    """Name of the new run; default the dataset id."""
    store: str | None = None
    """Store directory; default $CAIRN_STORE, else ./cairn-store."""
    json: bool = False
    """Print one JSON object."""


def _error(msg: str) -> int:
    print(f"cairn: error: {msg}", file=sys.stderr)
    return 2


def _store(cfg):
    from cairn.store import Store

    return Store(resolve_store(cfg.store))


def run_table(store) -> list[dict]:
    """One summary dict per run (the rows of ``cairn store ls``)."""
    con = store.connect()
    stats = {r[0]: r[1:] for r in con.execute(
        "SELECT run_id, count(*) FILTER (WHERE NOT is_eval), count(*) FILTER (WHERE NOT is_eval AND complete), "
        "max(return) FILTER (WHERE NOT is_eval AND complete) FROM episodes GROUP BY run_id").fetchall()}
    stored = {r[0]: r[1] for r in con.execute(
        "SELECT run_id, count(*) FROM steps WHERE NOT is_eval GROUP BY run_id").fetchall()}
    rows = []
    for r in store.runs():
        episodes, complete, best_train = stats.get(r["run_id"], (0, 0, None))
        best = r["best_eval_return"] if r["best_eval_return"] is not None else best_train
        rows.append({"run_id": r["run_id"], "run_name": r["run_name"], "env": r["env"], "agent": r["agent"],
                     "status": r["status"], "steps": r["env_steps"] if r["env_steps"] is not None else stored.get(r["run_id"], 0),
                     "episodes": int(episodes), "best_return": best, "stored_steps": int(stored.get(r["run_id"], 0))})
    return rows


def _fmt(v):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def cmd_ls(cfg: LsConfig) -> int:
    rows = run_table(_store(cfg))
    if cfg.json:
        print(json.dumps(rows))
        return 0
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"runs in {resolve_store(cfg.store)}")
    for col in ("run_id", "run_name", "env", "agent", "status", "steps", "episodes", "best_return"):
        t.add_column(col, justify="right" if col in ("steps", "episodes", "best_return") else "left")
    for r in rows:
        t.add_row(*(_fmt(r[c]) for c in ("run_id", "run_name", "env", "agent", "status", "steps", "episodes", "best_return")))
    Console().print(t)
    return 0


def cmd_show(cfg: ShowConfig) -> int:
    from cairn.run.metrics import read_csv

    store = _store(cfg)
    path = store.find_run(cfg.run)
    info = store.run_info(path)
    info["config"] = json.loads(info["config"])
    info["eval_curve"] = [[int(r["env_step"]), r["mean_return"]] for r in read_csv(path / "eval.csv")]
    con = store.connect()
    eps = con.execute("SELECT count(*), sum(length), avg(return), max(return) FROM episodes "
                      "WHERE run_id = ? AND NOT is_eval", [path.name]).fetchone()
    info["stored"] = {"train_episodes": eps[0], "train_steps": int(eps[1] or 0), "mean_episode_return": eps[2],
                      "max_episode_return": eps[3], "shards": len(store.shards([path.name]))}
    if cfg.json:
        print(json.dumps(info, default=str))
        return 0
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"run {path.name}", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()
    for k in ("run_name", "env", "agent", "seed", "status", "env_steps", "updates", "best_eval_return",
              "observation_size", "action_size", "reward_names", "reward_version", "reuse",
              "cairn_version"):
        t.add_row(k, _fmt(info.get(k)))
    for k, v in info["stored"].items():
        t.add_row(f"stored {k}", _fmt(v))
    t.add_row("eval curve", "  ".join(f"{s}:{v:.0f}" for s, v in info["eval_curve"]) or "—")
    Console().print(t)
    return 0


def cmd_sql(cfg: SqlConfig) -> int:
    import duckdb

    con = _store(cfg).connect()
    try:
        cur = con.execute(cfg.query)
    except duckdb.Error as e:
        print(f"cairn: error: {str(e).splitlines()[0]} (views: runs, episodes, steps)", file=sys.stderr)
        return 2
    cols = [d[0] for d in cur.description] if cur.description else []
    rows = cur.fetchall()
    if cfg.json:
        print(json.dumps([dict(zip(cols, r)) for r in rows], default=str))
        return 0
    from rich.console import Console
    from rich.table import Table

    t = Table()
    for c in cols:
        t.add_column(c)
    for r in rows:
        t.add_row(*(_fmt(v) for v in r))
    Console().print(t)
    return 0


def cmd_verify(cfg: VerifyConfig) -> int:
    store = _store(cfg)
    problems = store.verify()
    n = len(store.shards())
    for path, why in problems:
        print(f"BAD {path}: {why}")
    print(f"{n} shards in {len(store.run_dirs())} runs checked; {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_rm(cfg: RmConfig) -> int:
    store = _store(cfg)
    path = store.find_run(cfg.run)
    if not cfg.yes:
        if not sys.stdin.isatty():
            print(f"cairn: error: refusing to delete {path.name} without confirmation; pass --yes", file=sys.stderr)
            return 2
        answer = input(f"delete run {path.name} and all its stored steps? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("kept")
            return 1
    store.remove(path.name)
    print(f"deleted {path.name}")
    return 0


def cmd_export(cfg: ExportConfig) -> int:
    from cairn.store.minari_io import export_run

    try:
        out = export_run(_store(cfg), cfg.run, cfg.out, cfg.dataset_id)
    except ConfigError as e:
        return _error(str(e))
    if cfg.json:
        print(json.dumps(out))
    else:
        print(f"exported {out['episodes']} episodes ({out['eval_episodes']} evaluation), {out['steps']} steps "
              f"as Minari dataset {out['dataset_id']}")
        print(out["path"])
    return 0


def cmd_import(cfg: ImportConfig) -> int:
    from cairn.store.minari_io import import_minari

    try:
        out = import_minari(resolve_store(cfg.store), cfg.path, cfg.dataset_id, cfg.env, cfg.run_name)
    except ConfigError as e:
        return _error(str(e))
    if cfg.json:
        print(json.dumps(out))
    else:
        print(f"imported Minari dataset {out['dataset_id']}: {out['episodes']} episodes, {out['steps']} steps "
              f"as run {out['run_id']} ({out['run_name']}, env {out['env']})")
    return 0


COMMANDS = {"ls": (LsConfig, cmd_ls), "show": (ShowConfig, cmd_show), "sql": (SqlConfig, cmd_sql),
            "verify": (VerifyConfig, cmd_verify), "rm": (RmConfig, cmd_rm),
            "export": (ExportConfig, cmd_export), "import": (ImportConfig, cmd_import)}
