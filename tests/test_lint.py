"""Static checks: no undefined names, unused imports or syntax errors anywhere in the project (ruff's F and E9 rules)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ruff_check(*paths: str) -> subprocess.CompletedProcess:
    """`ruff check --select F,E9` on ``paths`` (relative to the repository root)."""
    pytest.importorskip("ruff", reason="ruff comes with the dev extras: pip install -e '.[dev]'")
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "F,E9", *paths],
                          cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_no_errors():
    proc = ruff_check("cairn", "tests", "bench")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_check_catches_an_undefined_name(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    return undefined_name\n")
    proc = ruff_check(str(bad))
    assert proc.returncode == 1 and "F821" in proc.stdout
