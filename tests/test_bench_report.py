"""What the report says of given figures: each of issue 21's targets with its figure and verdict, what
was not measured or not finished, the table's notes of a build (each job's peak from its benchmark
file), and the same report again from a run's JSON."""

from __future__ import annotations

from bench import NOTEBOOK_ROW
from bench.measure import Run
from bench.report import Results, Row
from bench.verdict import report, verdict

DECLARED = {"audit": 1000, "briefing_pdf": 2000, "modality_notebook": 1500, "modality_pdf": 1000}


def _run(wall, jobs=(), capped=False, totals=None, **extra):
    """A fabricated run: `jobs` as (label, seconds, peak MiB or None), as its benchmark files give them."""
    records = [
        {"rule": label.split("[")[0], "label": label, "seconds": seconds, "max_rss": mib, "end": 1000.0 + i}
        for i, (label, seconds, mib) in enumerate(jobs)
    ]
    extra = {"root_mib": 150.0, "jobs": records, "totals": totals or {}, **extra}
    return Run(wall=wall, cpu=wall, peak_mib=500.0, returncode=0, capped=capped, extra=extra)


def _results(rows):
    made = Results(dict(DECLARED))
    made.rows = {name: Row(name, runs, floor) for name, floor, runs in rows}
    return made


SEED_JOBS = [("modality_notebook[srs]", 6.0, 400.0), ("briefing_pdf", 3.0, 300.0), ("audit", 2.0, 120.0)]
RAN = [("evidence_slice", "srs"), ("modality_notebook", "srs"), ("modality_pdf", "srs"), ("combine", None)]
BIG_JOBS = [("modality_notebook[m001]", 8.0, 900.0), ("modality_pdf[m001]", 12.0, 200.0)]
BIG_JOBS += [("modality_pdf[m002]", 31.0, None), ("briefing_pdf", 25.0, 1700.0)]


def seeds_and_scale():
    return _results(
        [
            ("snakemake --version", None, [_run(2.0)]),
            ("cold build", "floor (seed evidence)", [_run(40.0, SEED_JOBS)]),
            ("no-op rebuild", "floor (seed evidence)", [_run(2.3)]),
            ("one-study edit", "floor (seed evidence)", [_run(14.0, ran=RAN, edited=("o", "s", "srs"))]),
            (NOTEBOOK_ROW, None, [_run(2.5, studies=1, modality="hfrt")]),
            ("floor (seed evidence)", None, [_run(20.0)]),
            ("build M=30 N=1000", "floor M=30 N=1000", [_run(90.0, [("audit", 12.5, 80.0)], True, {"audit": 1})]),
            ("floor M=30 N=1000", None, [_run(45.0, capped=True)]),
            ("build M=100 N=5000", "floor M=100 N=5000", [_run(900.0, BIG_JOBS, totals={"modality_pdf": 2})]),
            ("floor M=100 N=5000", None, [_run(400.0)]),
        ]
    )


def test_the_verdict_states_each_target_with_its_figure():
    made = seeds_and_scale()
    lines = verdict(made.rows, made.declared)
    text = "\n".join(lines)
    assert "seeds: cold build ≤ 15 s (wall): 40.0 s -> MISSES (by 25.0 s)" in lines
    assert "seeds: cold build ≤ 1.2× the floor (wall): 40.0 s / 20.0 s = 2.00× -> MISSES (by 1.67×)" in lines
    edit = "seeds: one-study edit ≤ 30 % of the cold build, and local: 35 %, only srs -> MISSES (5 points over)"
    assert edit in lines
    assert "seeds: no-op within 0.5 s of snakemake --version: +0.30 s -> HOLDS" in lines
    assert f"a modality notebook job's fixed cost ≤ 1 s ({NOTEBOOK_ROW}): 2.50 s (median of 1) -> MISSES" in text
    assert "30 modalities × 1,000 studies: cold build ≤ 1× the floor: build M=30 N=1000 and floor M=30 N=1000" in text
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


def test_the_table_notes_each_builds_job_peaks_and_times():
    table = seeds_and_scale().table()
    cold = next(line for line in table.splitlines() if line.startswith("| cold build"))
    assert "briefing_pdf job 3.0 s; largest job modality_notebook[srs] 400 MiB" in cold
    assert (
        "job peaks by rule: audit 120, briefing_pdf 300, modality_notebook 400 MiB; snakemake process 150 MiB" in cold
    )
    big = next(line for line in table.splitlines() if line.startswith("| build M=100 N=5000"))
    # A job too short for Snakemake's first sample (NA) has a time, and no peak.
    assert "job peaks by rule: briefing_pdf 1700, modality_notebook 900, modality_pdf 200 MiB" in big
    edit = next(line for line in table.splitlines() if line.startswith("| one-study edit"))
    assert "only that modality + combining steps: yes; 35 % of the cold build" in edit


def test_the_verdict_says_what_was_not_measured_or_not_finished():
    capped = _run(90.0, [("modality_pdf[m001]", 5.0, 1800.0)], True, {"modality_pdf": 100, "briefing_pdf": 1})
    made = _results(
        [
            ("build M=100 N=5000", "floor M=100 N=5000", [capped]),
            ("floor M=100 N=5000", None, [_run(45.0, capped=True)]),
        ]
    )
    lines = verdict(made.rows, made.declared)
    assert "seeds: cold build ≤ 15 s (wall): not measured" in lines
    assert "seeds: cold build ≤ 1.2× the floor (wall): not measured" in lines
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
    assert "every job's peak < 1.5 GiB: modality_pdf[m001] 1800 MiB -> MISSES" in "\n".join(lines)
    declared = next(line for line in lines if line.startswith("declared mem_mb"))
    assert "modality_pdf 1000 < 1800" in declared and "MISSES: modality_pdf[m001] in build M=100 N=5000" in declared
    capped_row = next(line for line in made.table().splitlines() if line.startswith("| build M=100"))
    assert (
        "capped at 90 s, projected ≥ 338 s: 1/101 jobs done (modality_pdf 5.0 s/job); not reached: briefing_pdf"
        in capped_row
    )


def test_a_runs_json_reprints_the_same_report(tmp_path):
    made = seeds_and_scale()
    made.machine, made.finished, made.failures = "a machine", "bench total 1 s", ["scale M=7 N=50 failed: why"]
    made.save(tmp_path / "run.json")
    again = Results.load(tmp_path / "run.json", {})
    assert again.machine == "a machine" and again.declared == made.declared
    assert report(again) == report(made)
    assert "- scale M=7 N=50 failed: why" in report(again)
