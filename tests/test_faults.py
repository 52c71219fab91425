"""Failures and interruptions: the published briefing changes only when a whole build succeeds,
a killed build completes on the next run, a second concurrent build refuses clearly, and a JSON
output that fails while it is written leaves the old file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import digest_tree, snakemake, workflow_env

def start(workdir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir, env=workflow_env(workdir),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def wait_for(workdir: Path, pattern: str, process: subprocess.Popen, timeout: float = 600) -> None:
    """Until a job log matching `pattern` exists (the job has started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the build ended before {pattern} appeared:\n{process.stdout.read()[-3000:]}")
        if list(workdir.glob(pattern)):
            return
        time.sleep(0.1)
    raise AssertionError(f"no {pattern} within {timeout} s")


def clear_logs(workdir: Path, pattern: str) -> None:
    for log in workdir.glob(pattern):
        log.unlink()


@pytest.mark.slow
def test_failing_notebook_leaves_the_briefing_untouched_and_names_the_step(built):
    before = digest_tree(built / "reports")
    notebook = built / "notebooks" / "modality.ipynb"
    original = notebook.read_bytes()
    try:
        broken = original.replace(b'"summaries.write_summary(result, summary_path, figures_dir)', b'"raise RuntimeError(\\"boom in the notebook\\")\\n",\n    "summaries.write_summary(result, summary_path, figures_dir)')
        assert broken != original
        notebook.write_bytes(broken)
        result = snakemake(built, check=False)
    finally:
        notebook.write_bytes(original)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Error in rule modality_notebook" in output
    assert "logs/notebooks/" in output  # where to look
    assert "boom in the notebook" in output  # the end of the log is shown
    assert digest_tree(built / "reports") == before


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_build_killed_during_a_notebook_completes_next_time(built, sig):
    before = digest_tree(built / "reports")
    clear_logs(built, "logs/notebooks/*.log")
    process = start(built, "--forcerun", "modality_notebook")
    wait_for(built, "logs/notebooks/*.log", process)
    time.sleep(2)  # into the notebook's execution
    os.killpg(process.pid, sig)
    process.wait(timeout=60)
    assert digest_tree(built / "reports") == before  # nothing published half-way
    snakemake(built)  # the default profile reruns incomplete jobs; stale locks are cleared
    assert not list((built / ".snakemake" / "incomplete").glob("*"))
    assert digest_tree(built / "reports") == before  # same inputs, same bytes
    check = snakemake(built, "--dry-run")
    assert "Nothing to be done" in check.stdout + check.stderr  # and the build is complete


@pytest.mark.slow
def test_build_killed_during_the_pdf_completes_next_time(built):
    before = digest_tree(built / "reports")
    clear_logs(built, "logs/briefing_pdf.log")
    process = start(built, "--forcerun", "briefing_pdf")
    wait_for(built, "logs/briefing_pdf.log", process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    snakemake(built)
    assert digest_tree(built / "reports") == before


@pytest.mark.slow
def test_second_concurrent_build_refuses_clearly(built):
    clear_logs(built, "logs/notebooks/*.log")
    first = start(built, "--forcerun", "modality_notebook")
    try:
        wait_for(built, "logs/notebooks/*.log", first)
        second = snakemake(built, check=False)
        assert second.returncode != 0
        assert "cannot be locked" in (second.stdout + second.stderr)
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0


def test_streamed_json_is_the_canonical_text_and_a_failure_keeps_the_old_file(tmp_path):
    from briefing import evidence

    data = {"b": [1, 2.5, None, True], "a": {"τ²": "−0.2 %", "x": []}}
    path = tmp_path / "out.json"
    evidence.write_json(path, data)
    assert path.read_text(encoding="utf-8") == evidence.dumps(data)

    # A value JSON cannot hold turns up after part of the text has been streamed out.
    with pytest.raises(ValueError, match="Out of range float"):
        evidence.write_json(path, {"a": ["x" * 100_000], "z": float("nan")})
    assert path.read_text(encoding="utf-8") == evidence.dumps(data)
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left behind
