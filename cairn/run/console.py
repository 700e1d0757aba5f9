"""Terminal output for training: a rich progress bar (env steps/s, latest returns, ETA) and summaries."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table


class TrainProgress:
    """A ``progress(kind, **info)`` callback for ``cairn.run.loop.train`` drawing a rich progress bar.

    When the console is not a terminal (CI logs, pipes) it prints one line per evaluation instead.
    """

    def __init__(self, console: Console):
        self.console = console
        self.live = console.is_terminal
        self.progress = None
        self.task = None
        self.last_return = float("nan")
        self.last_eval = float("nan")
        self.unit = "steps"
        self._t = time.perf_counter()
        self._steps0 = 0
        self._last_refresh = 0.0

    def __call__(self, kind: str, **info):
        getattr(self, f"_on_{kind}")(**info)

    def _on_start(self, run_id, run_dir, total, start, resumed, spec, unit="steps"):
        verb = ("resuming" if resumed else "training") + (" offline" if unit == "updates" else "")
        self.unit = unit
        self.console.print(f"[bold]cairn[/] {verb} run [cyan]{run_id}[/] ({spec.env_id}: obs {spec.observation_size}, "
                           f"act {spec.action_size}) → {run_dir}", soft_wrap=True)
        self._t, self._steps0, self.total = time.perf_counter(), start, total
        if self.live:
            self.progress = Progress(
                TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn(f"{{task.fields[sps]:>6.0f}} {unit}/s"), TextColumn("return {task.fields[ret]:>8.1f}"),
                TextColumn("eval {task.fields[ev]:>8.1f}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=self.console, transient=False)
            self.progress.start()
            self.task = self.progress.add_task("train", total=total, completed=start, sps=0.0,
                                               ret=float("nan"), ev=float("nan"))

    def _sps(self, env_step):
        return (env_step - self._steps0) / max(time.perf_counter() - self._t, 1e-9)

    def _on_step(self, env_step):
        if self.progress is not None:
            now = time.perf_counter()
            if now - self._last_refresh > 0.25:
                self._last_refresh = now
                self.progress.update(self.task, completed=env_step, sps=self._sps(env_step),
                                     ret=self.last_return, ev=self.last_eval)

    def _on_episode(self, env_step, episode_return, length):
        self.last_return = episode_return

    def _on_eval(self, env_step, mean_return, std_return):
        self.last_eval = mean_return
        if self.progress is None:
            what = "update" if self.unit == "updates" else "step"
            train = f"train return {self.last_return:9.2f}  " if self.unit != "updates" else ""
            self.console.print(f"  {what} {env_step:>8d}/{self.total}  eval {mean_return:9.2f} ± {std_return:7.2f}  "
                               f"{train}{self._sps(env_step):6.1f} {self.unit}/s", soft_wrap=True)

    def _on_end(self, summary):
        self.stop()

    def stop(self):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def summary_table(summary: dict) -> Table:
    t = Table(title=f"run {summary['run_id']}", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()
    fmt = lambda v: "—" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))  # noqa: E731
    for k in ("env", "agent", "seed", "status", "env_steps", "updates", "episodes", "final_eval_return",
              "best_eval_return", "wall_seconds", "env_steps_per_second", "run_dir"):
        t.add_row(k, fmt(summary.get(k)))
    curve = summary.get("eval_curve") or []
    if curve:
        t.add_row("eval curve", "  ".join(f"{s // 1000}k:{r:.0f}" if s >= 1000 else f"{s}:{r:.0f}" for s, r in curve[-12:]))
    return t
