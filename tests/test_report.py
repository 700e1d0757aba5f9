"""`cairn report` on a small synthetic store: numbers against direct computation, files, bad input."""

import json

import numpy as np
import pytest

from cairn.cli import main as cli
from cairn.errors import ConfigError
from cairn.report import bootstrap_mean_band, build_report, iqm, stratified_bootstrap_ci, wilson_interval
from cairn.run.metrics import MetricsWriter
from cairn.run.rundir import RunDir
from cairn.store import Store

SAC = {0: [(10_000, 100.0), (20_000, 300.0), (30_000, 500.0)],
       1: [(10_000, 150.0), (20_000, 250.0), (30_000, 650.0)],
       2: [(10_000, 50.0), (20_000, 400.0), (30_000, 600.0)]}
DMPO = {0: [(10_000, 80.0), (20_000, 200.0), (30_000, 350.0)],
        1: [(10_000, 120.0), (20_000, 260.0), (30_000, 420.0)]}


def make_run(store, env, agent, name, seed, curve, reuse=None):
    run = RunDir.create(store, env, agent)
    run.write_config({"env_id": env, "agent": agent, "seed": seed, "run_name": name, "reuse": reuse})
    run.update_meta(run_id=run.run_id, run_name=name, env=env, agent=agent, seed=seed, status="finished")
    m = MetricsWriter(run.path, tensorboard=False)
    for s, v in curve:
        m.write("eval", {"env_step": s, "mean_return": v}, s)
    m.close()
    return run.run_id


@pytest.fixture
def store(tmp_path):
    root = str(tmp_path / "store")
    for seed, c in SAC.items():
        make_run(root, "dmc:cheetah-run", "sac", f"cheetah-sac-s{seed}", seed, c)
    for seed, c in DMPO.items():
        make_run(root, "dmc:cheetah-run", "dmpo", f"cheetah-dmpo-s{seed}", seed, c)
    make_run(root, "dmc:walker-walk", "sac", "walker-sac-s0", 0, [(10_000, 700.0)], reuse="env")
    make_run(root, "dmc:cheetah-run", "sac", "no-evals", 9, [])
    return root


def test_iqm_and_bootstrap_against_direct_computation():
    x = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 100.0, -50.0, 4.0])
    assert iqm(x) == pytest.approx(np.mean(np.sort(x)[2:6]))  # drop 2 from each end of 8
    assert iqm([3.0, 1.0, 2.0]) == pytest.approx(2.0)  # fewer than 4 values: the mean
    lo, hi = stratified_bootstrap_ci([x], np.mean, reps=4000)
    assert lo < x.mean() < hi and hi - lo < np.ptp(x)
    assert stratified_bootstrap_ci([[4.0]], np.mean) == (4.0, 4.0)
    # strata are resampled separately: each resample keeps one value from each one-element stratum
    assert stratified_bootstrap_ci([[0.0], [10.0]], np.mean) == (5.0, 5.0)
    mean, low, high = bootstrap_mean_band([[1.0, np.nan], [3.0, 5.0]])
    assert mean.tolist() == [2.0, 5.0] and low[1] == high[1] == 5.0 and low[0] >= 1.0 and high[0] <= 3.0


def test_report_table_numbers_files_and_skipped_runs(store, tmp_path):
    out = tmp_path / "report"
    s = build_report(Store(store), ["agent IN ('sac', 'dmpo') AND env = 'dmc:cheetah-run'"], "agent",
                     budgets=(20_000, 25_000), threshold=400.0, out=str(out))
    entries = {e["group"]: e for e in s["entries"]}
    assert set(entries) == {"sac", "dmpo"} and entries["sac"]["seeds"] == 3
    at20, at25, final = entries["sac"]["budgets"]
    want20 = [300.0, 250.0, 400.0]
    assert sorted(at20["values"]) == sorted(want20) and at20["mean"] == pytest.approx(np.mean(want20))
    assert at20["iqm"] == pytest.approx(np.mean(want20))  # 3 seeds: nothing trimmed
    assert at25["values"] == at20["values"]  # the last evaluation at or before 25k is the 20k one
    assert final["mean"] == pytest.approx(np.mean([500.0, 650.0, 600.0]))
    assert final["mean_ci"][0] <= final["mean"] <= final["mean_ci"][1]
    assert sorted(entries["sac"]["threshold"]["per_run"]) == [20_000, 30_000, 30_000]
    assert entries["dmpo"]["threshold"]["reached"] == 1 and entries["dmpo"]["threshold"]["mean_steps"] == 30_000
    assert entries["dmpo"]["curve"]["mean"] == pytest.approx([100.0, 230.0, 385.0])
    assert s["skipped"] and len(s["skipped"]) == 1  # the run without evaluations is listed, not dropped
    png, page, md = out / "curves.png", out / "report.html", out / "table.md"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = page.read_text()
    assert "data:image/png;base64," in text and "316.7 [" in text and "583.3 [" in text and len(text) > png.stat().st_size
    assert "| sac | dmc:cheetah-run | 3 | 316.7 [" in md.read_text()
    assert json.loads((out / "summary.json").read_text())["group_by"] == "agent"


def test_group_by_run_name_env_and_reuse_with_several_selectors(store, tmp_path):
    s = build_report(Store(store), ["cheetah-sac-s0", "cheetah-sac-s1", "walker-sac-s0"], "run-name",
                     out=str(tmp_path / "r1"))
    assert sorted((e["group"], e["env"], e["seeds"]) for e in s["entries"]) == [
        ("cheetah-sac", "dmc:cheetah-run", 2), ("walker-sac", "dmc:walker-walk", 1)]
    s = build_report(Store(store), ["agent = 'sac'"], "reuse", out=str(tmp_path / "r2"))
    assert sorted((e["group"], e["env"]) for e in s["entries"]) == [("reuse", "dmc:walker-walk"),
                                                                   ("scratch", "dmc:cheetah-run")]


def test_bad_selector_names_what_exists(store, tmp_path, capsys):
    with pytest.raises(ConfigError, match="'nope' is not a run id.*runs in .*cheetah-sac-s0"):
        build_report(Store(store), ["nope"], out=str(tmp_path / "x"))
    with pytest.raises(ConfigError, match="agent = .ppo.. matches no run.*walker-sac-s0"):
        build_report(Store(store), ["cheetah-sac-s0", "agent = 'ppo'"], out=str(tmp_path / "x"))
    assert cli(["report", "nope", "--store", store, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a run id" in err


def test_cli_report_prints_table_paths_and_json(store, tmp_path, capsys):
    out = tmp_path / "cli"
    code = cli(["report", "agent = 'dmpo'", "--store", store, "--out", str(out), "--budgets", "20000",
                "--threshold", "300", "--json"])
    assert code == 0
    cap = capsys.readouterr()
    summary = json.loads(cap.out.strip().splitlines()[-1])
    assert summary["entries"][0]["budgets"][0]["mean"] == pytest.approx(230.0)
    assert "IQM" in cap.err and f"html      {out / 'report.html'}" in cap.err


def test_wilson_interval_by_hand():
    # 7 of 20, z = 1.96: centre (0.35 + 3.8416/40) / (1 + 3.8416/20) = 0.37417,
    # half-width 1.96 / 1.19208 · √(0.35·0.65/20 + 3.8416/1600) = 0.19298
    low, high = wilson_interval(7, 20)
    assert low == pytest.approx(0.18119, abs=1e-4) and high == pytest.approx(0.56715, abs=1e-4)
    # none of 10: the interval starts at 0 and reaches z²/n / (1 + z²/n) = 0.27754
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.27754), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((1 - 0.27754, 1.0), abs=1e-4)
