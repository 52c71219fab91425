"""The benchmark's own judgements: which jobs a rebuild ran (read from Snakemake's real log), whether
an edit stayed in its modality, how a profile is summarised, and that its PDF measurement makes
the very PDF the build makes. Its timings are figures it prints, not tested here."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from importlib.machinery import SourceFileLoader

import pytest

from conftest import ROOT, snakemake, workflow_env


@pytest.fixture(scope="module")
def bench():
    loader = SourceFileLoader("bench_run", str(ROOT / "bench" / "run"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("bench_run", loader))
    sys.modules["bench_run"] = module  # its dataclasses look their module up by name
    try:
        loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("bench_run", None)


def test_the_bench_copies_what_the_tests_copy(bench):
    # Both read pyproject.toml's list, so a new input directory reaches both.
    from conftest import COPIED

    assert bench.COPIED == COPIED and "workflow" in COPIED and "Snakefile" in COPIED


def test_one_study_edit_is_read_from_the_real_log_as_local(bench, built, tmp_path):
    work = tmp_path / "project"
    shutil.copytree(built, work, symlinks=True)
    outcome, study, modality = bench.edit_one_study(work)
    assert outcome.startswith(study) and modality
    changed = [
        a != b
        for a, b in zip(
            (built / "data" / "outcomes.csv").read_text().splitlines(),
            (work / "data" / "outcomes.csv").read_text().splitlines(),
            strict=True,
        )
    ]
    assert sum(changed) == 1

    run = snakemake(work)
    log = bench.newest_log(work, since=0)
    ran = bench.jobs_in_log(log)
    assert ("evidence_slice", modality) in ran and ("modality_notebook", modality) in ran
    assert {rule for rule, wildcard in ran if wildcard is None} >= {
        "validate",
        "combine",
        "briefing_html",
        "briefing_pdf",
    }
    assert bench.edit_is_local(ran, modality)
    # The plan printed first holds every slice and notebook, waiting for the validate checkpoint.
    planned = bench.job_totals(log)
    assert all(planned[rule] >= sum(r == rule for r, _ in ran) for rule, _ in ran)
    assert run.returncode == 0


@pytest.mark.parametrize(
    "ran, local",
    [
        ([("evidence_slice", "srs"), ("modality_notebook", "srs"), ("combine", None)], True),
        ([("evidence_slice", "srs"), ("modality_notebook", "hfrt"), ("combine", None)], False),  # another modality
        ([("modality_notebook", "srs"), ("modality_notebook", "srs"), ("combine", None)], False),  # ran twice
        (
            [("modality_notebook", "srs"), ("modality_notebook", None)],
            False,
        ),  # a per-modality rule without its wildcard
        ([("combine", None), ("briefing_pdf", None)], False),  # the edited modality did not rebuild
    ],
)
def test_edit_is_local_only_for_its_own_modality(bench, ran, local):
    assert bench.edit_is_local(ran, "srs") is local


def test_profile_summary_counts_work_not_waiting(bench, tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text(
        'process 1:"python -m briefing pdf";render_pdf (briefing/render.py:140);'
        "layout (weasyprint/layout/block.py:10) 6\n"
        'process 2:"snakemake";<module> (x.py:1);_find_and_load (<frozen importlib._bootstrap>:1) 3\n'
        'process 2:"snakemake";run (threading.py:1);Condition.wait (threading.py:2) 50\n'
        'process 3:"ipykernel_launcher";figure (briefing/figures.py:5) 1\n'
    )
    summary = bench.summarise_profile(raw, seconds=10.0)
    assert summary.splitlines()[0] == "10 on-CPU samples (50 idle samples dropped); scaled to 10.0 s of CPU"
    assert "60.0 %    6.0 s  WeasyPrint: layout" in summary
    assert "30.0 %    3.0 s  imports" in summary
    assert "10.0 %    1.0 s  figure rendering (matplotlib, seaborn)" in summary
    assert "60.0 %    6.0 s  python -m briefing pdf" in summary


def test_pdf_measurement_makes_the_builds_own_pdf(built, tmp_path):
    out = tmp_path / "bench.pdf"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run"),
            "--pdf",
            str(built / "results" / "briefing.print.html"),
            "--pdf-out",
            str(out),
        ],
        env=workflow_env(built),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.read_bytes() == (built / "results" / "briefing.pdf").read_bytes()
    import pypdf

    pages = len(pypdf.PdfReader(out).pages)
    assert f", {pages} pages," in result.stdout
    assert "MiB a page); peak" in result.stdout and "Pango layouts" in result.stdout
