"""The workflow as its ecosystem expects it: snakefmt-formatted and lint-clean."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT, workflow_env


def test_snakefmt_check_passes():
    snakefmt = Path(sys.executable).parent / "snakefmt"
    result = subprocess.run([str(snakefmt), "--check", "Snakefile", "workflow/rules"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_snakemake_lint_reports_nothing():
    result = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, env=workflow_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr
