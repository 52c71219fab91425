"""What each job of a build cost, from the rules' `benchmark:` files, and which jobs a run started,
from Snakemake's real log: every job of a build has its file outside results/ (so nothing
publishes or audits it), a rebuild rewrites only the files of the jobs it ran, and an edit of one
study is read as local to its modality."""

from __future__ import annotations

import shutil
import time

import pytest

from bench import jobs
from bench.measure import Run
from bench.project import edit_one_study
from conftest import snakemake

ONCE = {"validate", "combine", "briefing_html", "briefing_pdf", "briefing_docx", "references", "audit", "publish"}
PER_MODALITY = ("evidence_slice", "modality_notebook", "modality_pdf", "modality_analyses")


def test_every_job_of_a_build_has_its_benchmark_file_and_none_is_published(built):
    modalities = sorted(p.stem for p in (built / "results" / "evidence").glob("*.json"))
    records = jobs.job_benchmarks(built)
    assert sorted(j["label"] for j in records) == sorted(
        [*ONCE, *(f"{rule}[{m}]" for rule in PER_MODALITY for m in modalities)]
    )
    for j in records:
        assert j["seconds"] > 0 and (j["max_rss"] is None or j["max_rss"] > 1), j
    # The PDF job runs long enough to be sampled, and a notebook runs its kernel below it.
    by_label = {j["label"]: j for j in records}
    assert by_label["briefing_pdf"]["max_rss"] > 50
    notebooks = [j["max_rss"] for j in records if j["rule"] == "modality_notebook" and j["max_rss"]]
    assert notebooks and max(notebooks) > 100
    for folder in ("results", "reports"):
        assert not [p for p in (built / folder).rglob("*") if "benchmark" in p.name or p.suffix == ".tsv"]


def test_one_study_edit_is_read_from_the_real_log_and_benchmarks_as_local(built, tmp_path):
    work = tmp_path / "project"
    shutil.copytree(built, work, symlinks=True)
    outcome, study, modality = edit_one_study(work)
    assert outcome.startswith(study) and modality
    before = (built / "data" / "outcomes.csv").read_text().splitlines()
    after = (work / "data" / "outcomes.csv").read_text().splitlines()
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1

    since = time.time()
    run = snakemake(work)
    ran = jobs.jobs_in_log(jobs.newest_log(work, since=0))
    assert {(rule, modality) for rule in PER_MODALITY} <= set(ran)
    assert {rule for rule, wildcard in ran if wildcard is None} >= {"validate", "combine", "briefing_pdf", "audit"}
    assert jobs.edit_is_local(ran, modality)
    # The plan printed first holds every slice and notebook, waiting for the validate checkpoint.
    planned = jobs.job_totals(jobs.newest_log(work, since=0))
    assert all(planned[rule] >= sum(r == rule for r, _ in ran) for rule, _ in ran)
    # Only the jobs that ran wrote their benchmark files again: the edited modality and the steps after.
    rewritten = {j["label"] for j in jobs.job_benchmarks(work, since)}
    assert rewritten == {f"{rule}[{modality}]" for rule in PER_MODALITY} | ONCE
    assert run.returncode == 0


@pytest.mark.parametrize(
    "ran, local",
    [
        ([("evidence_slice", "srs"), ("modality_notebook", "srs"), ("combine", None)], True),
        ([("evidence_slice", "srs"), ("modality_notebook", "hfrt"), ("combine", None)], False),  # another modality
        ([("modality_notebook", "srs"), ("modality_notebook", "srs"), ("combine", None)], False),  # ran twice
        ([("modality_notebook", "srs"), ("modality_notebook", None)], False),  # a per-modality rule, no wildcard
        ([("combine", None), ("briefing_pdf", None)], False),  # the edited modality did not rebuild
        ([("modality_notebook", "srs"), ("modality_pdf", "srs"), ("modality_pdf", "hfrt")], False),  # re-printed
        ([("modality_pdf", None)], False),  # a per-modality rule without its wildcard
    ],
)
def test_edit_is_local_only_for_its_own_modality(ran, local):
    assert jobs.edit_is_local(ran, "srs") is local


TSV = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def test_a_benchmark_file_gives_the_jobs_rule_modality_seconds_and_peak(tmp_path):
    """As Snakemake 9 writes them: a job too short for a sample has NA for its memory; a file older
    than the run is a job that did not run."""
    folder = tmp_path / "benchmarks"
    (folder / "modality_pdf").mkdir(parents=True)
    (folder / "modality_pdf" / "srs.tsv").write_text(TSV + "12.5\t0:00:12\t812.44\t1.0\t1\t1\t0\t0\t90\t11.2\n")
    (folder / "publish.tsv").write_text(TSV + "0.3\t0:00:00\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\n")
    records = jobs.job_benchmarks(tmp_path)
    assert sorted((j["label"], j["rule"], j["seconds"], j["max_rss"]) for j in records) == [
        ("modality_pdf[srs]", "modality_pdf", 12.5, 812.4),
        ("publish", "publish", 0.3, None),
    ]
    assert jobs.job_benchmarks(tmp_path, since=time.time() + 60) == []
    assert jobs.job_benchmarks(tmp_path / "nothing") == []
    run = Run(wall=20.0, cpu=20.0, peak_mib=900.0, returncode=0, extra={"jobs": records})
    assert jobs.job_peaks([run]) == {"modality_pdf[srs]": 812.4}
    assert jobs.rule_peaks(jobs.job_peaks([run])) == {"modality_pdf": (812.4, "modality_pdf[srs]")}
    assert jobs.rule_means(run) == {"modality_pdf": 12.5, "publish": 0.3}
    assert jobs.job_seconds(run, "modality_pdf") == [12.5]


def test_a_peak_of_zero_or_na_is_no_measurement(tmp_path):
    """Snakemake writes NA before its first sample and 0.00 when the sample met the job's processes
    ending (a 0.11 s `publish` on a fast machine): neither is a peak."""
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    for name, rss in (("publish", "0.00"), ("audit", "NA"), ("combine", "123.4")):
        (folder / f"{name}.tsv").write_text(f"s\th:m:s\tmax_rss\n0.11\t0:00:00\t{rss}\n", encoding="utf-8")
    peaks = {j["label"]: j["max_rss"] for j in jobs.job_benchmarks(tmp_path)}
    assert peaks == {"publish": None, "audit": None, "combine": 123.4}
