"""``cairn report``: learning curves and summary statistics across runs, seeds and agents.

Runs come from the store (selectors as in ``--reuse``); their evaluation curves from each run's
``eval.csv``. Runs are grouped (by agent, env, run name without its seed suffix, or whether they
reused data) and compared per env: curves with a 95% bootstrap band across seeds, and a table at
env-step budgets with the mean, the interquartile mean (IQM) and their 95% stratified-bootstrap
confidence intervals, plus the env steps needed to reach a return (``--threshold``).
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cairn.errors import ConfigError
from cairn.report.stats import bootstrap_mean_band, iqm, stratified_bootstrap_ci

GROUP_KEYS = ("agent", "env", "run-name", "reuse")
_SEED_SUFFIX = re.compile(r"[-_.]?(s|seed)\d+$")


def group_of(run: dict, group_by: str) -> str:
    if group_by == "agent":
        return str(run["agent"])
    if group_by == "env":
        return str(run["env"])
    if group_by == "run-name":
        name = run["run_name"] or run["run_id"]
        return _SEED_SUFFIX.sub("", name) or name
    if group_by == "reuse":
        return "reuse" if run.get("reuse") else "scratch"
    raise ConfigError(f"--group-by must be one of {', '.join(GROUP_KEYS)} (got {group_by!r})")


def value_at(curve, budget: int | None) -> float:
    """The last evaluation at or before ``budget`` env steps (the final one when budget is None)."""
    points = [v for s, v in curve if budget is None or s <= budget]
    return points[-1] if points else math.nan


def steps_to_reach(curve, threshold: float):
    return next((s for s, v in curve if v >= threshold), None)


@dataclass
class Row:
    group: str
    env: str
    runs: list = field(default_factory=list)


def eval_curve(rows) -> tuple[list, str]:
    """A run's [x, mean return] points and the unit of x. Online runs: env steps. Offline runs:
    gradient updates. Runs fine-tuned online after offline training: env steps of the online phase,
    with the last offline evaluation drawn at 0 (where fine-tuning starts)."""
    offline = [e for e in rows if e.get("phase") == "offline"]
    online = [e for e in rows if e.get("phase") != "offline"]
    if offline and not online:
        return [[int(e["updates"]), float(e["mean_return"])] for e in offline], "updates"
    start = [[0, float(offline[-1]["mean_return"])]] if offline else []
    return start + [[int(e["env_step"]), float(e["mean_return"])] for e in online], "env steps"


def collect(store, selectors) -> tuple[list[dict], list[dict]]:
    """Runs matched by any selector (each must match something), with their eval curves; and the
    matched runs that have no evaluation points (reported as skipped)."""
    from cairn.run.metrics import read_csv

    if not selectors:
        raise ConfigError("give at least one selector: a run id, a run name, or a SQL WHERE clause over runs")
    all_runs = store.runs()
    have = ", ".join(f"{r['run_id']} ({r['run_name'] or '-'}, {r['env']}, {r['agent']})" for r in all_runs[-8:])
    have = (have + (f" and {len(all_runs) - 8} more" if len(all_runs) > 8 else "")) or "none"
    by_id = {r["run_id"]: r for r in all_runs}
    chosen: dict[str, dict] = {}
    for sel in selectors:
        try:
            ids = store.select(sel, runs=all_runs) if sel != "env" else []
        except ConfigError as e:  # neither an id nor a name, and not valid SQL either
            raise ConfigError(f"{e}; runs in {store.root}: {have}") from None
        if not ids:
            raise ConfigError(f"selector {sel!r} matches no run in {store.root}; runs there: {have}")
        for i in ids:
            chosen.setdefault(i, dict(by_id[i]))
    runs, skipped = [], []
    for r in chosen.values():
        r["eval_curve"], r["x_unit"] = eval_curve(read_csv(store.runs_dir / r["run_id"] / "eval.csv"))
        (runs if r["eval_curve"] else skipped).append(r)
    return runs, skipped


def summarise(runs, group_by: str, budgets=(), threshold: float | None = None, reps: int = 2000) -> list[dict]:
    """One entry per (group, env): per-budget mean/IQM with CIs, steps to threshold, the mean curve."""
    rows: dict[tuple[str, str], Row] = {}
    for r in runs:
        key = (group_of(r, group_by), r["env"])
        rows.setdefault(key, Row(*key)).runs.append(r)
    out = []
    for (group, env), row in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        units = {r.get("x_unit", "env steps") for r in row.runs}
        entry = {"group": group, "env": env, "seeds": len(row.runs), "runs": [r["run_id"] for r in row.runs],
                 "x_unit": units.pop() if len(units) == 1 else "env steps or updates", "budgets": []}
        for b in (*budgets, None):
            vals = np.array([value_at(r["eval_curve"], b) for r in row.runs])
            have = vals[~np.isnan(vals)]
            stat = {"budget": b, "n": int(len(have)), "values": [float(v) for v in have]}
            if len(have):
                stat.update(mean=float(have.mean()), iqm=iqm(have),
                            mean_ci=stratified_bootstrap_ci([have], np.mean, reps),
                            iqm_ci=stratified_bootstrap_ci([have], iqm, reps))
            entry["budgets"].append(stat)
        if threshold is not None:
            steps = [steps_to_reach(r["eval_curve"], threshold) for r in row.runs]
            reached = [s for s in steps if s is not None]
            entry["threshold"] = {"value": threshold, "per_run": steps, "reached": len(reached),
                                  "mean_steps": float(np.mean(reached)) if reached else None}
        grid = sorted({s for r in row.runs for s, _ in r["eval_curve"]})
        mat = np.full((len(row.runs), len(grid)), np.nan)
        col = {s: j for j, s in enumerate(grid)}
        for i, r in enumerate(row.runs):
            for s, v in r["eval_curve"]:
                mat[i, col[s]] = v
        mean, low, high = bootstrap_mean_band(mat, reps)
        entry["curve"] = {"steps": grid, "mean": mean.tolist(), "low": low.tolist(), "high": high.tolist(),
                          "per_run": mat.tolist()}
        out.append(entry)
    return out


def _fmt(x, digits=1):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _budget_name(b):
    return "final" if b is None else (f"{b // 1000}k" if b % 1000 == 0 else str(b))


def table_rows(entries) -> tuple[list[str], list[list[str]]]:
    """Header and cells of the summary table (shared by Markdown, HTML and the terminal)."""
    header = ["group", "env", "seeds"]
    budgets = [b["budget"] for b in entries[0]["budgets"]] if entries else []
    for b in budgets:
        name = _budget_name(b)
        header += [f"mean @ {name} [95% CI]", f"IQM @ {name} [95% CI]"]
    has_threshold = any("threshold" in e for e in entries)
    if has_threshold:
        header.append(f"steps to ≥ {entries[0]['threshold']['value']:g} (reached)")
    cells = []
    for e in entries:
        row = [e["group"], e["env"], str(e["seeds"])]
        for b in e["budgets"]:
            n = f" (n={b['n']})" if b["n"] != e["seeds"] else ""
            if b["n"] == 1:  # one run: no interval to show
                row += [f"{b['mean']:.1f}{n}", f"{b['iqm']:.1f}{n}"]
            elif b["n"]:
                row.append(f"{b['mean']:.1f} [{b['mean_ci'][0]:.1f}, {b['mean_ci'][1]:.1f}]{n}")
                row.append(f"{b['iqm']:.1f} [{b['iqm_ci'][0]:.1f}, {b['iqm_ci'][1]:.1f}]{n}")
            else:
                row += ["no eval ≤ budget", "–"]
        if has_threshold:
            t = e["threshold"]
            row.append(f"{_fmt(t['mean_steps'], 0)} ({t['reached']}/{e['seeds']})")
        cells.append(row)
    return header, cells


def markdown_table(entries) -> str:
    header, cells = table_rows(entries)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
    return "\n".join(lines)


def plot_curves(entries, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    envs = sorted({e["env"] for e in entries})
    cols = min(3, len(envs))
    nrows = math.ceil(len(envs) / cols)
    groups = sorted({e["group"] for e in entries})
    outside = len(groups) > 4  # many groups: legends beside the panels, not over the curves
    fig, axes = plt.subplots(nrows, cols, figsize=((5.2 + 2.4 * outside) * cols, 3.8 * nrows + 0.4), squeeze=False)
    cmap = plt.cm.tab10 if len(groups) <= 10 else plt.cm.tab20
    colors = {g: cmap(i % cmap.N) for i, g in enumerate(groups)}
    for ax, env in zip(axes.flat, envs):
        for e in (e for e in entries if e["env"] == env):
            c, steps = colors[e["group"]], np.array(e["curve"]["steps"]) / 1000
            if e["seeds"] == 1:
                ax.plot(steps, e["curve"]["mean"], color=c, marker="o", ms=3, label=f"{e['group']} (1 run)")
            else:
                ax.plot(steps, e["curve"]["mean"], color=c, label=f"{e['group']} ({e['seeds']} seeds)")
                ax.fill_between(steps, e["curve"]["low"], e["curve"]["high"], color=c, alpha=0.2, lw=0)
        ax.set_title(env)
        units = sorted({e.get("x_unit", "env steps") for e in entries if e["env"] == env})
        ax.set_xlabel(f"{' / '.join(units)} (thousands)")
        ax.set_ylabel("evaluation return")
        ax.grid(alpha=0.3)
        if outside:
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, frameon=False)
        else:
            ax.legend(loc="best", fontsize=8)
    for ax in list(axes.flat)[len(envs):]:
        ax.axis("off")
    fig.suptitle(textwrap.shorten(title, 90) + "\nmean across seeds, 95% bootstrap band", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def html_page(title, entries, skipped, png: Path) -> str:
    header, cells = table_rows(entries)
    img = base64.b64encode(png.read_bytes()).decode()
    th = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    trs = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in cells)
    runs = "".join(f"<li><code>{html.escape(r)}</code> — {html.escape(e['group'])}, {html.escape(e['env'])}</li>"
                   for e in entries for r in e["runs"])
    skip = "".join(f"<li><code>{html.escape(r['run_id'])}</code> ({html.escape(str(r['run_name']))}): no evaluation "
                   f"points</li>" for r in skipped) or "<li>none</li>"
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}th{{background:#f3f3f3}}img{{max-width:100%}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<p>Evaluation return against env steps. Mean across seeds with a 95% bootstrap band; the table gives the
mean and the interquartile mean (IQM) with 95% stratified-bootstrap confidence intervals at each budget
(the last evaluation at or before it; "final" is each run's last evaluation).</p>
<img alt="learning curves" src="data:image/png;base64,{img}">
<h2>Summary</h2>
<table><tr>{th}</tr>{trs}</table>
<h2>Runs</h2><ul>{runs}</ul>
<h2>Skipped</h2><ul>{skip}</ul>
</body></html>
"""


def build_report(store, selectors, group_by="agent", budgets=(), threshold=None, out="cairn-report",
                 title=None, reps: int = 2000) -> dict:
    """Collect, summarise and write curves.png, table.md, report.html and summary.json under ``out``."""
    if group_by not in GROUP_KEYS:
        raise ConfigError(f"--group-by must be one of {', '.join(GROUP_KEYS)} (got {group_by!r})")
    runs, skipped = collect(store, selectors)
    if not runs:
        raise ConfigError("none of the selected runs has evaluation points yet: "
                          + ", ".join(r["run_id"] for r in skipped))
    entries = summarise(runs, group_by, tuple(budgets), threshold, reps)
    title = title or f"cairn report: {', '.join(selectors)} by {group_by}"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    png, md, page, js = out / "curves.png", out / "table.md", out / "report.html", out / "summary.json"
    plot_curves(entries, png, title)
    md.write_text(f"# {title}\n\n{markdown_table(entries)}\n\n![learning curves](curves.png)\n"
                  + ("\nSkipped (no evaluation points): " + ", ".join(r["run_id"] for r in skipped) + "\n"
                     if skipped else ""))
    page.write_text(html_page(title, entries, skipped, png))
    summary = {"title": title, "group_by": group_by, "selectors": list(selectors), "entries": entries,
               "skipped": [r["run_id"] for r in skipped],
               "files": {"png": str(png), "markdown": str(md), "html": str(page), "json": str(js)}}
    js.write_text(json.dumps(summary, indent=1))
    return summary
