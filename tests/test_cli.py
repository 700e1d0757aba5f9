"""`cairn` as a user runs it: real subprocesses, real signals, real dm_control physics."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CAIRN = [sys.executable, "-m", "cairn.cli"]
SMALL = ["--sac.hidden-sizes", "32", "32", "--sac.batch-size", "64"]


def cairn(*args, store, timeout=300):
    return subprocess.run([*CAIRN, *args, "--store", str(store)] if args[0] != "envs" else [*CAIRN, *args],
                          capture_output=True, text=True, timeout=timeout, env=dict(os.environ, COLUMNS="200"))


@pytest.mark.parametrize("args, needle", [
    (["--steps", "-5"], "--steps must be a positive"),
    (["--utd", "0"], "--utd must be >= 1"),
    (["--agent", "dqn"], "unknown agent 'dqn'; available: abm, bc, crr, dmpo, mpo, oac, sac, sacx"),
    (["--eval-episodes", "0"], "--eval-episodes must be >= 1"),
    (["--agent", "dmpo", "--mpo.epsilon", "0.3"], "--mpo.* flags have no effect with --agent dmpo"),
    (["--agent", "mpo", "--mpo.num-samples", "0"], "num_samples must be >= 1"),
    (["--agent", "crr", "--offline"], "--offline needs --data SELECTOR"),
    (["--agent", "crr", "--offline", "--data", "nothing-here"], "'nothing-here' is not a run id"),
    (["--online"], "--online fine-tunes an offline run: add --resume RUN"),
    (["--agent", "oac", "--oac.bc-weight", "1.5"], "bc_weight must be in [0, 1]"),
])
def test_bad_config_is_one_line_and_exit_2(tmp_path, args, needle):
    p = cairn("train", "dmc:cartpole-swingup", *args, store=tmp_path)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and lines[0].startswith("cairn: error:")
    assert not (tmp_path / "runs").exists()  # nothing was created


def test_unknown_env_is_one_line_with_suggestions(tmp_path):
    p = cairn("train", "dmc:chetah-run", store=tmp_path)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cairn: error: unknown env id 'dmc:chetah-run'; did you mean")
    assert "dmc:cheetah-run" in lines[0]


def test_envs_lists_ids():
    p = cairn("envs", "cheetah", "--json", store=None)
    assert p.returncode == 0
    ids = json.loads(p.stdout)
    assert "dmc:cheetah-run" in ids and "gym:HalfCheetah-v5" in ids and all("cheetah" in i.lower() for i in ids)


def test_train_json_summary_then_eval(tmp_path):
    p = cairn("train", "dmc:cartpole-balance", "--steps", "1500", "--learning-starts", "500", "--eval-every", "750",
              "--eval-episodes", "1", "--run-name", "smoke", "--json", *SMALL, store=tmp_path)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout.strip().splitlines()[-1])
    for key in ("run_id", "env", "agent", "env_steps", "updates", "final_eval_return", "best_eval_return",
                "eval_curve", "wall_seconds", "env_steps_per_second"):
        assert key in s
    assert (s["env"], s["agent"], s["env_steps"], s["updates"]) == ("dmc:cartpole-balance", "sac", 1500, 1000)
    assert [e[0] for e in s["eval_curve"]] == [750, 1500] and s["env_steps_per_second"] > 0
    assert s["best_eval_return"] == max(e[1] for e in s["eval_curve"])
    e = cairn("eval", "smoke", "--episodes", "2", "--json", store=tmp_path)
    assert e.returncode == 0, e.stderr
    out = json.loads(e.stdout.strip().splitlines()[-1])
    assert out["run_id"] == s["run_id"] and out["env_steps"] == 1500 and len(out["returns"]) == 2
    assert 0 <= out["mean_return"] <= 1000 and "success_rate" not in out  # cartpole defines no success
    missing = cairn("eval", "no-such-run", store=tmp_path)
    assert missing.returncode == 2 and "no run with id or name 'no-such-run'" in missing.stderr


def _wait_until(ready, what: str, proc, timeout=120):
    t = time.time()
    while not ready():
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() - t < timeout, f"{what} never appeared"
        time.sleep(0.1)


def _wait_for(path: Path, proc, timeout=120):
    _wait_until(path.exists, str(path), proc, timeout)


@pytest.mark.parametrize("sig, status, code", [(signal.SIGINT, "interrupted", 130), (signal.SIGKILL, "running", -9)])
def test_killed_run_resumes_from_checkpoint(tmp_path, sig, status, code):
    """Ctrl-C checkpoints and exits 130; SIGKILL loses only what came after the last checkpoint.
    Either way `--resume` continues the counters instead of restarting from zero."""
    args = ["train", "dmc:cartpole-balance", "--steps", "4000", "--learning-starts", "300", "--eval-every", "0",
            "--checkpoint-every", "500", "--run-name", "victim", *SMALL, "--store", str(tmp_path)]
    proc = subprocess.Popen([*CAIRN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runs = tmp_path / "runs"
    _wait_for(runs, proc)
    # the runs directory can exist a moment before the run's own
    _wait_until(lambda: any(runs.iterdir()), f"a run directory in {runs}", proc)
    _wait_for(next(runs.iterdir()) / "checkpoint.npz", proc)
    time.sleep(1.0)
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == code
    run_dir = next(runs.iterdir())
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["status"] == status  # a SIGKILLed run cannot say so itself: it stays "running"
    import numpy as np

    with np.load(run_dir / "checkpoint.npz") as d:
        saved = json.loads(d["loop"].tobytes().decode())
    assert 0 < saved["env_step"] < 4000
    if sig == signal.SIGKILL:
        assert saved["env_step"] % 500 == 0
    p = subprocess.run([*CAIRN, *args, "--resume", "victim", "--json"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout.strip().splitlines()[-1])
    assert s["run_id"] == run_dir.name and s["env_steps"] == 4000 and s["updates"] == 3700
    assert "resuming run" in p.stderr


def test_saved_config_with_other_sections_from_older_defaults_still_loads():
    """Run configs store every agent's section; a section of another agent holding old defaults must not
    make the run unloadable (resume, eval, store tools)."""
    from cairn.run.config import TrainConfig

    saved = TrainConfig("dmc:cartpole-swingup", agent="dmpo").to_dict()
    saved["mpo"]["policy_hidden_sizes"] = [256, 256, 256]  # another agent's section, older default
    saved["dmpo"]["epsilon"] = 0.3
    cfg = TrainConfig.from_dict(saved)
    assert cfg.dmpo.epsilon == 0.3 and cfg.mpo == TrainConfig("x").mpo
