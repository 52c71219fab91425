"""The code as its ecosystem expects it: snakefmt-formatted and lint-clean workflow, and the
package, tests and benchmark clean under ruff (configured in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, workflow_env

BIN = Path(sys.executable).parent
PYTHON_SOURCES = ["workflow/briefing", "tests", "bench"]


def test_snakefmt_check_passes():
    result = subprocess.run(
        [str(BIN / "snakefmt"), "--check", "Snakefile", "workflow/rules"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_snakemake_lint_reports_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, env=workflow_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_passes(command):
    result = subprocess.run(
        [str(BIN / "ruff"), *command, "--no-cache", *PYTHON_SOURCES], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
