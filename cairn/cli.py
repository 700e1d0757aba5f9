"""``cairn`` command line: ``train``, ``eval``, ``envs``, ``report``, ``store …``. Built by tyro from frozen dataclasses."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Annotated, Literal

import tyro

from cairn.errors import ConfigError
from cairn.run.config import TrainConfig


@dataclass(frozen=True)
class EvalConfig:
    """Evaluate a run's latest checkpoint with the deterministic policy."""

    run: Annotated[str, tyro.conf.Positional]
    """Run id or run name."""
    episodes: int = 10
    """Number of evaluation episodes."""
    seed: int = 12345
    """Seed of the evaluation environment."""
    offline_checkpoint: bool = False
    """Evaluate the offline policy of a run fine-tuned with --online (kept as offline-checkpoint.npz)."""
    store: str | None = None
    """Runs directory; default $CAIRN_STORE, else ./cairn-store."""
    json: bool = False
    """Print one JSON object as the last line on stdout."""

    def __post_init__(self):
        if self.episodes < 1:
            raise ConfigError(f"--episodes must be >= 1 (got {self.episodes})")


@dataclass(frozen=True)
class EnvsConfig:
    """List the environment ids cairn can make."""

    filter: Annotated[str | None, tyro.conf.Positional] = None
    """Only ids containing this text."""
    json: bool = False
    """Print a JSON list."""


@dataclass(frozen=True)
class ReportConfig:
    """Compare runs: learning curves with 95% bootstrap bands, mean/IQM tables at env-step budgets with
    95% stratified-bootstrap CIs, steps to a threshold; writes PNG, Markdown, HTML and JSON."""

    selectors: Annotated[tuple[str, ...], tyro.conf.Positional, tyro.conf.arg(metavar="SELECTOR...")]
    """Runs to include: run ids, run names, or SQL WHERE clauses over runs (several allowed)."""
    group_by: Literal["agent", "env", "run-name", "reuse"] = "agent"
    """Compare groups of runs by agent, env, run name (seed suffix like -s0 removed), or reuse vs scratch."""
    budgets: tuple[int, ...] = ()
    """Env-step budgets for the table (the last evaluation at or before each); the final one is always shown."""
    threshold: float | None = None
    """Also report the env steps each group needs to reach this evaluation return."""
    out: str = "cairn-report"
    """Directory for curves.png, table.md, report.html and summary.json."""
    title: str | None = None
    """Title of the figure and page."""
    store: str | None = None
    """Store directory; default $CAIRN_STORE, else ./cairn-store."""
    json: bool = False
    """Print the summary as one JSON object on the last stdout line."""

    def __post_init__(self):
        if any(b <= 0 for b in self.budgets):
            raise ConfigError(f"--budgets must be positive env-step counts (got {list(self.budgets)})")


def _fail(msg: str, code: int) -> int:
    print(f"cairn: error: {msg}", file=sys.stderr)
    return code


def cmd_train(cfg: TrainConfig) -> int:
    from rich.console import Console

    from cairn.envs import UnknownEnvError
    from cairn.run.console import TrainProgress, summary_table
    from cairn.run.loop import NonFiniteLossError, train
    from cairn.run.rundir import RunNotFoundError

    console = Console(stderr=True)
    reporter = TrainProgress(console)
    try:
        summary = train(cfg, progress=reporter)
    except (RunNotFoundError, ConfigError, UnknownEnvError) as e:
        reporter.stop()
        return _fail(str(e), 2)
    except NonFiniteLossError as e:
        reporter.stop()
        return _fail(str(e), 1)
    except KeyboardInterrupt:  # a second Ctrl-C: stopped without a final checkpoint
        reporter.stop()
        return _fail("interrupted twice; stopped without saving (the last periodic checkpoint is kept)", 130)
    reporter.stop()
    if cfg.json:
        console.print(summary_table(summary))
        print(json.dumps(summary), flush=True)
    else:
        Console().print(summary_table(summary))
    return 130 if summary["status"] == "interrupted" else 0


def cmd_eval(cfg: EvalConfig) -> int:
    import numpy as np

    from cairn.report.stats import wilson_interval
    from cairn.run.config import resolve_store
    from cairn.run.evaluate import evaluate_episodes
    from cairn.run.loop import OFFLINE_CHECKPOINT
    from cairn.run.restore import load_trained
    from cairn.run.rundir import RunDir, RunNotFoundError

    try:
        run = RunDir.find(resolve_store(cfg.store), cfg.run)
    except RunNotFoundError as e:
        return _fail(str(e), 2)
    path = run.path / OFFLINE_CHECKPOINT if cfg.offline_checkpoint else run.checkpoint_path
    if not path.exists():
        if cfg.offline_checkpoint:
            return _fail(f"run {run.run_id} has no offline checkpoint ({path}): only runs trained --offline and "
                         "then fine-tuned with --online keep one; evaluate the latest without --offline-checkpoint", 2)
        return _fail(f"run {run.run_id} has no checkpoint yet ({path})", 2)
    try:
        tcfg, env, learner, state, loop = load_trained(run, cfg.seed, path)
    except ConfigError as e:
        return _fail(str(e), 2)
    returns, successes = evaluate_episodes(learner.eval_act, learner.policy_params(state), env, cfg.episodes)
    out = {"run_id": run.run_id, "env": tcfg.env_id, "agent": tcfg.agent, "env_steps": loop["env_step"],
           "episodes": cfg.episodes, "mean_return": float(np.mean(returns)), "std_return": float(np.std(returns)),
           "returns": [float(r) for r in returns]}
    msg = (f"{run.run_id} at {loop['env_step']} env steps: return {out['mean_return']:.1f} ± {out['std_return']:.1f} "
           f"over {cfg.episodes} episodes")
    if successes is not None:  # envs with a success criterion (the block world): the rate and its 95% interval
        out["success_rate"] = float(np.mean(successes))
        out["success_interval"] = list(wilson_interval(int(np.sum(successes)), cfg.episodes))
        low, high = out["success_interval"]
        msg += f"; success {out['success_rate']:.0%} (95% interval {low:.0%}–{high:.0%})"
    if cfg.json:
        print(msg, file=sys.stderr)
        print(json.dumps(out))
    else:
        print(msg)
    return 0


def cmd_envs(cfg: EnvsConfig) -> int:
    from cairn.envs import list_env_ids

    ids = [i for i in list_env_ids() if cfg.filter is None or cfg.filter.lower() in i.lower()]
    print(json.dumps(ids) if cfg.json else "\n".join(ids))
    return 0


def cmd_report(cfg: ReportConfig) -> int:
    from rich.console import Console
    from rich.table import Table

    from cairn.report import build_report
    from cairn.report.report import table_rows
    from cairn.run.config import resolve_store
    from cairn.store import Store

    try:
        summary = build_report(Store(resolve_store(cfg.store)), cfg.selectors, cfg.group_by, cfg.budgets,
                               cfg.threshold, cfg.out, cfg.title)
    except ConfigError as e:
        return _fail(str(e), 2)
    console = Console(stderr=cfg.json)
    header, cells = table_rows(summary["entries"])
    table = Table(title=summary["title"])
    for h in header:
        table.add_column(h)
    for row in cells:
        table.add_row(*row)
    console.print(table)
    text = sys.stderr if cfg.json else sys.stdout
    if summary["skipped"]:
        print(f"skipped (no evaluation points): {', '.join(summary['skipped'])}", file=text)
    for kind, path in summary["files"].items():
        print(f"{kind:9s} {path}", file=text)
    if cfg.json:
        print(json.dumps(summary))
    return 0


COMMANDS = {"train": (TrainConfig, cmd_train), "eval": (EvalConfig, cmd_eval), "envs": (EnvsConfig, cmd_envs),
            "report": (ReportConfig, cmd_report)}


@dataclass(frozen=True)
class StoreHelp:
    """Query and manage the experience store: ls, show, sql, verify, rm, export, import (`cairn store ls --help`)."""


def _dispatch(commands: dict, argv: list[str], prog: str, description: str) -> int:
    from cairn.run.rundir import RunNotFoundError

    try:
        cfg = tyro.extras.subcommand_cli_from_dict({name: cls for name, (cls, _) in commands.items()}, args=argv,
                                                   prog=prog, description=description)
    except ConfigError as e:  # raised by a config's __post_init__ with a message naming the bad values
        return _fail(str(e), 2)
    for cls, fn in commands.values():
        if isinstance(cfg, cls):
            try:
                return fn(cfg)
            except RunNotFoundError as e:
                return _fail(str(e), 2)
    raise AssertionError(f"unhandled config {type(cfg).__name__}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "store":
        from cairn.store.commands import COMMANDS as STORE_COMMANDS

        return _dispatch(STORE_COMMANDS, argv[1:], "cairn store", StoreHelp.__doc__)
    return _dispatch({**COMMANDS, "store": (StoreHelp, None)}, argv, "cairn",
                     "cairn: data-efficient off-policy RL for robot control that keeps every experiment's experience.")


if __name__ == "__main__":
    sys.exit(main())


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
