"""The benchmark's own judgements: which jobs a rebuild ran (read from Snakemake's real log), whether
an edit stayed in its modality, how each job's memory is told apart, what the verdict says of given
figures, how a profile is summarised, that its floor makes the modality PDFs the build makes and
that its PDF measurement makes the very PDF the build makes. Its timings are figures it prints,
not tested here."""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
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
    assert {("evidence_slice", modality), ("modality_notebook", modality), ("modality_pdf", modality)} <= set(ran)
    assert {rule for rule, wildcard in ran if wildcard is None} >= {
        "validate",
        "combine",
        "briefing_html",
        "briefing_pdf",
        "audit",
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
        ([("modality_notebook", "srs"), ("modality_pdf", "srs"), ("modality_pdf", "hfrt")], False),  # re-printed
        ([("modality_pdf", None)], False),  # a per-modality rule without its wildcard
    ],
)
def test_edit_is_local_only_for_its_own_modality(bench, ran, local):
    assert bench.edit_is_local(ran, "srs") is local


def test_profile_summary_counts_work_not_waiting(bench, tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text(
        'process 1:"python -m briefing pdf";render_pdf (briefing/present/render.py:140);'
        "layout (weasyprint/layout/block.py:10) 6\n"
        'process 2:"snakemake";<module> (x.py:1);_find_and_load (<frozen importlib._bootstrap>:1) 3\n'
        'process 2:"snakemake";run (threading.py:1);Condition.wait (threading.py:2) 50\n'
        'process 3:"ipykernel_launcher";figure (briefing/present/figures.py:5) 1\n'
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


# ------------------------------------------------------------------------- memory of each job

SHELL = (
    "/bin/bash -c set -euo pipefail; "
    'briefing() { PYTHONPATH=/tmp/briefing-bench-x/workflow python -m briefing "$@"; }; '
)


@pytest.mark.parametrize(
    "cmdlines, label",
    [
        (
            [SHELL + "briefing notebook --notebook n.ipynb --modality hfrt --evidence results/evidence/hfrt.json"],
            "modality_notebook[hfrt]",
        ),
        (
            [
                SHELL + "briefing modality-pdf --summary results/modalities/srs/summary.json --evidence"
                " results/evidence/srs.json --templates templates",
                "/venv/bin/python -m briefing modality-pdf --summary results/modalities/srs/summary.json",
            ],
            "modality_pdf[srs]",
        ),
        ([SHELL + "briefing slice --package data/datapackage.yaml --modality i125 --output x"], "evidence_slice[i125]"),
        # A step that runs once names every modality's files: no modality in its label.
        (
            [
                SHELL
                + "briefing combine --summaries results/modalities/a/summary.json results/modalities/b/summary.json"
            ],
            "combine",
        ),
        (["/venv/bin/python -m briefing pdf --html results/briefing.print.html"], "briefing_pdf"),
        ([SHELL + "briefing audit --html results/briefing.html"], "audit"),
        (["/usr/bin/git status"], "other (git)"),
    ],
)
def test_a_job_is_labelled_by_its_rule_and_modality(bench, cmdlines, label):
    assert bench.job_label(cmdlines) == label


def test_job_memory_adds_up_each_jobs_processes_and_keeps_its_peak(bench):
    mib = 2**20
    notebook = SHELL + "briefing notebook --notebook n.ipynb --modality hfrt --evidence results/evidence/hfrt.json"
    pdf = SHELL + "briefing pdf --html results/briefing.print.html --output results/briefing.pdf"
    memory = bench.JobMemory(root=100)
    # pid, parent pid, RSS, command line: Snakemake (100) runs two jobs, each a shell; the notebook's
    # python (201) runs a kernel (202); 400 was re-parented out of the tree.
    memory.observe(
        [
            (100, 1, 150 * mib, "snakemake --cores 2"),
            (200, 100, 4 * mib, notebook),
            (201, 200, 100 * mib, "python -m briefing notebook --modality hfrt"),
            (202, 201, 80 * mib, "python -m ipykernel_launcher -f k.json"),
            (300, 100, 4 * mib, pdf),
            (301, 300, 50 * mib, "python -m briefing pdf --html results/briefing.print.html"),
            (400, 999, 900 * mib, "orphan"),
            # Forked by Snakemake, not exec'd yet: Snakemake's own pages.
            (500, 100, 150 * mib, "snakemake --cores 2"),
            (600, 100, 9 * mib, "/venv/lib/pulp/solverdir/cbc/linux/64/cbc /tmp/x.mps"),
        ]
    )
    # Later: the kernel has gone, the PDF has grown, Snakemake too.
    memory.observe(
        [
            (100, 1, 160 * mib, "snakemake --cores 2"),
            (200, 100, 4 * mib, notebook),
            (201, 200, 120 * mib, "python -m briefing notebook --modality hfrt"),
            (300, 100, 4 * mib, pdf),
            (301, 300, 300 * mib, "python -m briefing pdf --html results/briefing.print.html"),
        ]
    )
    assert memory.by_label() == {"briefing_pdf": 304.0, "modality_notebook[hfrt]": 184.0, "other (cbc)": 9.0}
    assert memory.root_peak == 160 * mib


def test_job_groups_follow_each_process_to_the_roots_child(bench):
    parents = {10: 1, 11: 10, 12: 11, 13: 12, 14: 10, 15: 14, 16: 77}
    assert bench.job_groups(parents, root=10) == {11: 11, 12: 11, 13: 11, 14: 14, 15: 14}


def test_declared_memory_reads_each_rules_resources_else_the_slurm_default(bench, tmp_path):
    declared = bench.declared_memory(ROOT)
    rules = {"validate", "evidence_slice", "modality_notebook", "modality_pdf", "combine", "briefing_html"}
    assert rules | {"briefing_pdf", "audit", "publish"} <= declared.keys() and "all" not in declared
    for rule, mb in declared.items():  # each as its rule file says
        text = "".join(p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk"))
        block = re.search(rf"^(?:rule|checkpoint) {rule}:\n((?:    .*\n|\n)*)", text, re.M).group(1)
        # A number as written; None where the rule computes it from its input (briefing_pdf).
        assert f"mem_mb={mb}," in block if mb is not None else re.search(r"mem_mb=[a-z_]+,", block), rule
    (tmp_path / "workflow" / "rules").mkdir(parents=True)
    (tmp_path / "workflow" / "rules" / "a.smk").write_text(
        "rule one:\n    resources:\n        mem_mb=300,\n        runtime=5,\n    shell: 'x'\n\n"
        "checkpoint two:\n    shell: 'y'\n\nrule three:\n    resources:\n        mem_mb=lambda w: 9\n"
    )
    assert bench.declared_memory(tmp_path) == {"one": 300, "three": None, "two": None}
    (tmp_path / "profiles" / "slurm").mkdir(parents=True)
    (tmp_path / "profiles" / "slurm" / "config.yaml").write_text("default-resources:\n  mem_mb: 777\n")
    assert bench.declared_memory(tmp_path) == {"one": 300, "three": 777, "two": 777}


# ------------------------------------------------------------------------- cases and the verdict


def test_cases_are_read_as_modalities_by_studies(bench):
    assert bench.parse_cases("30x1000,100x5000") == [(30, 1000), (100, 5000)]
    assert bench.parse_cases("7:20, 3X4") == [(7, 20), (3, 4)]
    for bad in ("30x", "x10", "30*1000", "0x10", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            bench.parse_cases(bad)


def _run(bench, wall, peaks=None, jobs=(), capped=False, totals=None, **extra):
    """A fabricated run: `jobs` as (rule, seconds), one after another."""
    records, t = [], 1000.0
    for rule, seconds in jobs:
        records.append({"rule": rule, "start": t, "end": t + seconds, "outputs": []})
        t += seconds + 1
    extra = {"job_peaks": peaks or {}, "root_mib": 150.0, "jobs": records, "totals": totals or {}, **extra}
    return bench.Run(wall=wall, cpu=wall, peak_mib=500.0, returncode=0, capped=capped, extra=extra)


def _fabricated(bench, rows):
    made = bench.Bench.__new__(bench.Bench)
    made.rows = {}
    made.failures, made.machine, made.finished = [], "", ""
    made.declared = {"audit": 1000, "briefing_pdf": 2000, "modality_notebook": 1500, "modality_pdf": 1000}
    for name, floor, runs in rows:
        made.rows[name] = bench.Row(name, runs, floor)
    return made


def test_the_verdict_states_each_target_with_its_figure(bench):
    ran = [("evidence_slice", "srs"), ("modality_notebook", "srs"), ("modality_pdf", "srs"), ("combine", None)]
    seed_peaks = {"modality_notebook[srs]": 400.0, "briefing_pdf": 300.0, "audit": 120.0, "other (cbc)": 9.0}
    big_peaks = {"modality_notebook[m001]": 900.0, "briefing_pdf": 1700.0, "modality_pdf[m002]": 200.0}
    made = _fabricated(
        bench,
        [
            ("snakemake --version", None, [_run(bench, 2.0)]),
            ("cold build", "floor (seed evidence)", [_run(bench, 40.0, seed_peaks, [("audit", 2.0)])]),
            ("no-op rebuild", "floor (seed evidence)", [_run(bench, 2.3)]),
            ("one-study edit", "floor (seed evidence)", [_run(bench, 14.0, ran=ran, edited=("o", "s", "srs"))]),
            (bench.NOTEBOOK_ROW, None, [_run(bench, 2.5, studies=1, modality="hfrt")]),
            ("floor (seed evidence)", None, [_run(bench, 20.0)]),
            (
                "build M=30 N=1000",
                "floor M=30 N=1000",
                [_run(bench, 90.0, {}, [("audit", 12.5)], capped=True, totals={"audit": 1})],
            ),
            ("floor M=30 N=1000", None, [_run(bench, 45.0, capped=True)]),
            (
                "build M=100 N=5000",
                "floor M=100 N=5000",
                [
                    _run(
                        bench,
                        900.0,
                        big_peaks,
                        [("modality_pdf", 12.0), ("modality_pdf", 31.0), ("briefing_pdf", 25.0)],
                        totals={"modality_pdf": 2, "briefing_pdf": 1},
                    )
                ],
            ),
            ("floor M=100 N=5000", None, [_run(bench, 400.0)]),
        ],
    )
    lines = made.verdict()
    text = "\n".join(lines)
    assert "seeds: cold build ≤ 2.5× the floor (wall): 40.0 s / 20.0 s = 2.00× -> HOLDS" in lines
    assert "seeds: one-study edit ≤ 40 % of the cold build, and local: 35 %, only srs -> HOLDS" in lines
    assert "seeds: no-op within 0.5 s of snakemake --version: +0.30 s -> HOLDS" in lines
    assert (
        f"a modality notebook job's fixed cost ≤ 1.5 s ({bench.NOTEBOOK_ROW}): 2.50 s (median of 1) -> MISSES" in text
    )
    assert "30 modalities × 1,000 studies: cold build ≤ 2× the floor: build M=30 N=1000 and floor M=30 N=1000" in text
    assert "-> not shown" in next(line for line in lines if line.startswith("30 modalities × 1,000 studies: cold"))
    # A job over its limit misses even in a capped run.
    assert "30 modalities × 1,000 studies: the audit job < 10 s: 12.5 s -> MISSES" in lines
    assert "100 modalities × 5,000 studies: every job's peak < 1.5 GiB: briefing_pdf 1700 MiB -> MISSES" in lines
    assert "100 modalities × 5,000 studies: the briefing_pdf job < 30 s: 25.0 s -> HOLDS" in lines
    assert "100 modalities × 5,000 studies: the longest modality_pdf job < 30 s: 31.0 s (2 jobs) -> MISSES" in lines
    assert "100 modalities × 5,000 studies: the whole build within 3× the floor, finished: " in text
    assert "900.0 s / 400.0 s = 2.25× -> HOLDS" in text
    declared = next(line for line in lines if line.startswith("declared mem_mb"))
    assert "briefing_pdf 2000 ≥ 1700" in declared and "modality_notebook 1500 ≥ 900" in declared
    assert declared.endswith("-> HOLDS")

    # The table's notes of a build: its largest job, each rule's largest, Snakemake apart.
    table = made.table()
    cold = next(line for line in table.splitlines() if line.startswith("| cold build"))
    assert "largest job modality_notebook[srs] 400 MiB" in cold
    assert "job peaks by rule: audit 120, briefing_pdf 300, modality_notebook 400 MiB" in cold
    assert "snakemake process 150 MiB; its other children: cbc 9 MiB" in cold


def test_the_verdict_says_what_was_not_measured_or_not_finished(bench):
    made = _fabricated(
        bench,
        [
            (
                "build M=100 N=5000",
                "floor M=100 N=5000",
                [
                    _run(
                        bench,
                        90.0,
                        {"modality_notebook[m001]": 1800.0},
                        [("modality_pdf", 5.0)],
                        capped=True,
                        totals={"modality_pdf": 100, "briefing_pdf": 1},
                    )
                ],
            ),
            ("floor M=100 N=5000", None, [_run(bench, 45.0, capped=True)]),
        ],
    )
    made.declared["modality_notebook"] = 1500
    lines = made.verdict()
    assert "seeds: cold build ≤ 2.5× the floor (wall): not measured" in lines
    assert any(line.startswith("30 modalities × 1,000 studies: the audit job < 10 s: not measured") for line in lines)
    assert (
        "100 modalities × 5,000 studies: the briefing_pdf job < 30 s:"
        " briefing_pdf not reached within the cap -> not shown" in lines
    )
    assert (
        "100 modalities × 5,000 studies: the longest modality_pdf job < 30 s: 1/100 done, longest so far 5.0 s,"
        " capped -> not shown" in lines
    )
    whole = next(line for line in lines if "the whole build within 3×" in line)
    assert whole.endswith("-> not shown (run with --full)")
    # A job over 1.5 GiB misses whether or not the build finished; and it is over what its rule declares.
    assert "every job's peak < 1.5 GiB: modality_notebook[m001] 1800 MiB -> MISSES" in "\n".join(lines)
    declared = next(line for line in lines if line.startswith("declared mem_mb"))
    assert (
        "modality_notebook 1500 < 1800" in declared
        and "MISSES: modality_notebook[m001] in build M=100 N=5000" in declared
    )


def test_the_build_environment_fixes_the_build_date(bench, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    epoch = bench.build_env(tmp_path)["SOURCE_DATE_EPOCH"]
    assert epoch.isdigit() and epoch == bench.build_env(tmp_path)["SOURCE_DATE_EPOCH"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234")
    assert bench.build_env(tmp_path)["SOURCE_DATE_EPOCH"] == "1234"


# ------------------------------------------------------------------------- the floor


def test_the_floor_prints_and_audits_each_modality_as_the_build_does(bench, built, tmp_path):
    work = bench.copy_project(tmp_path / "project", ROOT)
    phases = tmp_path / "phases.jsonl"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run"), "--floor-worker", str(work), "--phases", str(phases)],
        env=workflow_env(work) | {"PYTHONPATH": str(work / "workflow")},
        capture_output=True,
        text=True,
        check=True,
    )
    marks = [json.loads(line)["phase"] for line in phases.read_text().splitlines()]
    modalities = sorted(p.stem for p in (built / "results" / "evidence").glob("*.json"))
    assert marks.count("modality_pdfs") == len(modalities) and marks[-1] == "audit"
    assert marks.index("pdf") < marks.index("modality_pdfs")
    for m in modalities:
        for name in (f"evidence/{m}.json", f"modalities/{m}/print.html", f"modalities/{m}/audit.json"):
            assert (work / "results" / name).read_bytes() == (built / "results" / name).read_bytes(), name
        assert (work / "results" / "modalities" / f"{m}.pdf").is_file()
    assert json.loads((work / "results" / "audit.json").read_text()) == json.loads(
        (built / "results" / "audit.json").read_text()
    )
