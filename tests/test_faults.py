"""Failures and interruptions. Whatever fails or is stopped, and in whatever order, the published
briefing changes only when a whole build succeeds, and the next plain `snakemake` publishes exactly
what a clean build of the same inputs publishes, leaving nothing for a later run to do.

No test here depends on the machine's speed: a build is stopped (or held) while a notebook or
pdftotext is certainly running, because that step itself waits there (a cell the test adds to the
notebook, or a pdftotext the test puts first on PATH, announces itself with a file and then waits
for a file), never after a sleep. Each test works on a copy of the session's clean build (the
`workspace` fixture), and compares with that build (`built`) where the inputs are the same."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import digest_tree, snakemake, workflow_env

HOLD = "hold"  # the folder, in the workspace, through which a held notebook and the test talk


def start(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        env=workflow_env(workdir) | (env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for(workdir: Path, pattern: str, process: subprocess.Popen, timeout: float = 600) -> list[Path]:
    """Until a file matching `pattern` exists. Polls for an event the build announces, so it holds
    however fast or slow the machine is; the timeout only ends a build that hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := sorted(workdir.glob(pattern)):
            return found
        if process.poll() is not None:
            raise AssertionError(f"the build ended before {pattern} appeared:\n{process.stdout.read()[-3000:]}")
        time.sleep(0.05)
    raise AssertionError(f"no {pattern} within {timeout} s")


def hold_notebooks(workdir: Path) -> tuple[bytes, os.stat_result]:
    """Make every modality notebook announce that it runs (hold/started-<modality>) and then wait
    until hold/release exists. Returns the notebook's bytes and times, to put them back."""
    notebook_path = workdir / "notebooks" / "modality.ipynb"
    original, stat = notebook_path.read_bytes(), notebook_path.stat()
    notebook = json.loads(original)
    parameters = next(i for i, c in enumerate(notebook["cells"]) if "parameters" in c["metadata"].get("tags", []))
    code = (
        "import os, pathlib, time\n"
        f"hold = pathlib.Path({HOLD!r})\n"
        "hold.mkdir(exist_ok=True)\n"
        "(hold / f'started-{modality_id}').touch()\n"
        "parent = os.getppid()  # and stop waiting if the build is killed\n"
        "while not (hold / 'release').exists() and os.getppid() == parent:\n"
        "    time.sleep(0.05)\n"
    )
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "test-hold",
        "metadata": {},
        "outputs": [],
        "source": code,
    }
    notebook["cells"].insert(parameters + 1, cell)  # after papermill's injected parameters
    notebook_path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return original, stat


def restore_notebook(workdir: Path, original: bytes, stat: os.stat_result) -> None:
    """The notebook exactly as it was, modification time included: the inputs of the clean build."""
    path = workdir / "notebooks" / "modality.ipynb"
    path.write_bytes(original)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def assert_published_as_clean(workdir: Path, clean: Path) -> None:
    """The next plain run publishes what the clean build published, completes every job it left
    (no incomplete markers) and leaves nothing to do."""
    snakemake(workdir)
    assert digest_tree(workdir / "reports") == digest_tree(clean / "reports")
    assert not list((workdir / ".snakemake" / "incomplete").rglob("*"))
    for name in ("evidence", "modalities"):  # results/ is whole again, not only reports/
        assert sorted(p.relative_to(workdir) for p in (workdir / "results" / name).rglob("*.json")) == sorted(
            p.relative_to(clean) for p in (clean / "results" / name).rglob("*.json")
        )
    check = snakemake(workdir, "--dry-run")
    assert "Nothing to be done" in check.stdout + check.stderr


@pytest.mark.slow
def test_a_failing_notebook_and_then_ctrl_c_leave_the_briefing_untouched_and_the_next_build_completes(workspace, built):
    """A notebook fails: the step is named, with the end of its log. Fixed, the next run is stopped
    by Ctrl-C while a notebook runs. Neither publishes anything, and the next plain run publishes
    what the clean build published. (A build killed by SIGKILL during a notebook is a step of the
    data-edit story below; one story each, as their set-ups are whole rebuilds.)"""
    before = digest_tree(workspace / "reports")
    notebook = workspace / "notebooks" / "modality.ipynb"
    original, stat = notebook.read_bytes(), notebook.stat()
    broken = original.replace(
        b'"summaries.write_summary(result, summary_path)',
        b'"raise RuntimeError(\\"boom in the notebook\\")\\n",\n    "summaries.write_summary(result, summary_path)',
    )
    assert broken != original
    notebook.write_bytes(broken)
    result = snakemake(workspace, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Error in rule modality_notebook" in output
    assert "logs/notebooks/" in output  # where to look
    assert "boom in the notebook" in output  # the end of the log is shown
    assert digest_tree(workspace / "reports") == before

    restore_notebook(workspace, original, stat)  # fixed: the inputs of the clean build again
    held, held_stat = hold_notebooks(workspace)  # ...and the next run is stopped
    process = start(workspace)
    wait_for(workspace, f"{HOLD}/started-*", process)  # a notebook is running, and waits
    # As Ctrl-C does: to Snakemake and its jobs, not to the kernels (sessions of their own). A
    # notebook job kills its kernel and fails, whatever it was doing (a kernel still starting, a
    # cell running), and Snakemake, which waits for its running jobs, ends.
    os.killpg(process.pid, signal.SIGINT)
    process.communicate(timeout=600)  # read its output (a full pipe would block the build); 600 s ends a hang
    assert process.returncode != 0
    assert digest_tree(workspace / "reports") == before  # nothing published half-way

    restore_notebook(workspace, held, held_stat)
    assert_published_as_clean(workspace, built)


@pytest.mark.slow
def test_build_killed_during_the_pdf_completes_next_time(workspace, built):
    before = digest_tree(workspace / "reports")
    (workspace / "logs" / "briefing_pdf.log").unlink()
    process = start(workspace, "--forcerun", "briefing_pdf")
    wait_for(workspace, "logs/briefing_pdf.log", process)  # the PDF job has started
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=120)  # read its output: a full pipe would block the build
    assert digest_tree(workspace / "reports") == before
    assert_published_as_clean(workspace, built)


def hold_pdftotext(workdir: Path, tools: Path) -> dict[str, str]:
    """The environment of a build whose pdftotext (the numeric audits run it) announces that it runs
    (hold/started-pdftotext), waits until hold/release exists and then is the real one: the build
    is held without an edit of its inputs, so it completes as a clean build would."""
    real = shutil.which("pdftotext")
    assert real, "pdftotext (poppler-utils) is needed"
    hold = workdir / HOLD
    tools.mkdir()
    (tools / "pdftotext").write_text(
        f"#!/bin/sh\nmkdir -p '{hold}'\ntouch '{hold}/started-pdftotext'\n"
        f"while [ ! -e '{hold}/release' ]; do sleep 0.05; done\nexec '{real}' \"$@\"\n"
    )
    (tools / "pdftotext").chmod(0o755)
    return {"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.slow
def test_second_concurrent_build_refuses_clearly(workspace, built, tmp_path):
    """The first build audits again and is held in pdftotext: it is certainly running when the
    second starts, and completes once released."""
    first = start(workspace, "--forcerun", "audit", env=hold_pdftotext(workspace, tmp_path / "held-tools"))
    try:
        wait_for(workspace, f"{HOLD}/started-*", first)  # the first build is certainly running
        second = snakemake(workspace, check=False)
        assert second.returncode != 0
        assert "cannot be locked" in (second.stdout + second.stderr)
    finally:
        (workspace / HOLD / "release").touch()
        output, _ = first.communicate(timeout=600)  # read as it ends: a full pipe would block it
    assert first.returncode == 0, output[-3000:]
    assert digest_tree(workspace / "reports") == digest_tree(built / "reports")


@pytest.mark.slow
def test_data_edit_after_failures_in_two_modalities_is_published_as_a_clean_build_would(workspace, built, tmp_path):
    """A curator's edit touches two modalities; the build fails (one edit is invalid), then fails
    for an environment reason (a broken tool), then is killed during a notebook, then the fixed
    data build. The published edition must be the one a clean build of the final data publishes,
    with the valid modality's edit in it. The edit corrects a value of the previous edition back
    to the seeds', so the clean build of the final data is the session's `built`, not a build of
    its own."""
    outcomes = workspace / "data" / "outcomes.csv"
    seeds = outcomes.read_text(encoding="utf-8")
    row = "shao_i125-nrs-w8,shao_i125,pain_score,Pain score (NRS 0-10),Numerical Rating Scale,,mean,,{},"
    studies = workspace / "data" / "studies.csv"
    original_studies = studies.read_text(encoding="utf-8")
    assert seeds.count(row.format("3.3")) == 1 and original_studies.count(",58,,hfrt,") == 1
    outcomes.write_text(seeds.replace(row.format("3.3"), row.format("3.4")), encoding="utf-8")
    snakemake(workspace)  # the previous edition, with 3.4 where the seeds say 3.3
    assert "3.4" in (workspace / "reports" / "briefing.json").read_text(encoding="utf-8")
    before = digest_tree(workspace / "reports")
    assert before != digest_tree(built / "reports")  # the valid edit changes what is published

    outcomes.write_text(seeds, encoding="utf-8")  # i125: valid; hfrt (another modality): invalid
    studies.write_text(original_studies.replace(",58,,hfrt,", ",fifty-eight,,hfrt,"), encoding="utf-8")
    failed = snakemake(workspace, check=False)
    assert failed.returncode != 0 and "column 'patients'" in failed.stdout + failed.stderr
    assert digest_tree(workspace / "reports") == before

    studies.write_text(original_studies, encoding="utf-8")
    # The invalid value fixed, but the machine fails:
    tools = tmp_path / "broken-tools"  # a pdftotext that cannot run (the numeric audit needs it)
    tools.mkdir()
    (tools / "pdftotext").write_text(
        "#!/bin/sh\necho 'pdftotext: error while loading shared libraries' >&2\nexit 127\n"
    )
    (tools / "pdftotext").chmod(0o755)
    env = workflow_env(workspace) | {"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    failed = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2"], cwd=workspace, env=env, capture_output=True, text=True
    )
    # The numeric audits need it: the briefing's, and each modality PDF's.
    assert failed.returncode != 0 and re.search(r"Error in rule (audit|modality_pdf)", failed.stdout + failed.stderr)
    assert digest_tree(workspace / "reports") == before

    original, stat = hold_notebooks(workspace)  # ...and then a run is interrupted
    process = start(workspace)
    wait_for(workspace, f"{HOLD}/started-*", process)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=120)  # read its output: a full pipe would block the build
    restore_notebook(workspace, original, stat)
    assert digest_tree(workspace / "reports") == before

    assert_published_as_clean(workspace, built)


# A build run as `.venv/bin/snakemake` without the venv on PATH and without PYTHONPATH: the second
# whole build of tests/test_real_build.py, which must give the first one's bytes.


def test_streamed_json_is_the_canonical_text_and_a_failure_keeps_the_old_file(tmp_path):
    from briefing.data import evidence

    data = {"b": [1, 2.5, None, True], "a": {"τ²": "−0.2 %", "x": []}}
    path = tmp_path / "out.json"
    evidence.write_json(path, data)
    assert path.read_text(encoding="utf-8") == evidence.dumps(data)

    # A value JSON cannot hold turns up after part of the text has been streamed out.
    with pytest.raises(ValueError, match="Out of range float"):
        evidence.write_json(path, {"a": ["x" * 100_000], "z": float("nan")})
    assert path.read_text(encoding="utf-8") == evidence.dumps(data)
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left behind
