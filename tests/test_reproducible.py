"""Two clean builds of the same inputs, in different directories at different times and under
different string-hash seeds, give byte-identical outputs; the build date never comes from the wall
clock."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from briefing import provenance
from conftest import ROOT, copy_project, digest_tree, snakemake
from real_studies import add_studies, rows

# Two string-hash seeds under which a set of two strings iterates in both orders (checked on the
# surgery modality's baselines, "before the operation" and "preoperatively").
HASH_SEEDS = ("0", "12345")

# Every real study of the fixture but the duplicate that validation refuses by design.
REAL_STUDIES = sorted({r["study_id"] for r in rows("studies.csv")} - {"zhang2015_ott"})

# Every modality's summary (SoF rows included) of the seeds plus the real-study fixture, as JSON.
SUMMARIES = """
import json, sys, tempfile, yaml
from pathlib import Path
from briefing import evidence, summary
from conftest import copy_project
from real_studies import add_studies
project = copy_project(Path(tempfile.mkdtemp()) / "project")
add_studies(project, set(sys.argv[1:]))
config = yaml.safe_load((project / "config" / "config.yaml").read_text())
package = project / "data" / "datapackage.yaml"
out = {m: summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, config["analysis"]))))
       for m in config["modalities"]}
sys.stdout.write(evidence.dumps(out))
"""


def summaries_under(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": f"{ROOT / 'workflow'}{os.pathsep}{ROOT / 'tests'}"}
    return subprocess.run(
        [sys.executable, "-c", SUMMARIES, *REAL_STUDIES], env=env, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.e2e  # two interpreters, one per hash seed
def test_summaries_do_not_depend_on_the_string_hash():
    # Qian 2016's "before the operation" and Tseng 2008's "preoperatively" are both day 0: the
    # surgery SoF row's time points came out in a set's order, one way under each seed.
    first, second = (summaries_under(seed) for seed in HASH_SEEDS)
    assert first == second
    # Both studies' series, in the surgery SoF row, in the data's order; an adverb takes no "at".
    assert "7.43 (SD 0.98) before the operation, 4.29 (SD 0.98) at 12 months after the operation" in first
    assert "8.1 (SD 0.67) preoperatively, 2.8 (SD 2.0) at 6 months after vertebroplasty" in first


@pytest.mark.slow
def test_second_build_elsewhere_is_byte_identical(built, tmp_path):
    other = copy_project(tmp_path / "a" / "different" / "place")
    snakemake(other)
    first, second = digest_tree(built / "reports"), digest_tree(other / "reports")
    assert set(first) == set(second)
    assert {name for name in first if first[name] != second[name]} == set()
    for name in ("briefing.html", "briefing.json"):
        text = (other / "reports" / name).read_text(encoding="utf-8")
        assert str(other) not in text and str(built) not in text  # no absolute paths


@pytest.mark.slow
def test_the_real_studies_build_byte_identically_under_two_hash_seeds(tmp_path):
    """The seeds plus every real-study fixture, built twice from scratch in two places under two
    PYTHONHASHSEED values: every file of reports/ is the same, byte for byte."""
    digests = []
    for seed in HASH_SEEDS:
        project = copy_project(tmp_path / f"hash-{seed}" / "project")
        add_studies(project, set(REAL_STUDIES))
        snakemake(project, env={"PYTHONHASHSEED": seed})
        digests.append(digest_tree(project / "reports"))
    first, second = digests
    assert set(first) == set(second)
    assert sorted(name for name in first if first[name] != second[name]) == []


def test_build_date_comes_from_the_last_commit_touching_the_inputs(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("a\n")
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": "2025-03-04T05:06:07Z",
        "GIT_COMMITTER_DATE": "2025-03-04T05:06:07Z",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "data"]):
        subprocess.run(cmd, cwd=tmp_path, env=env, check=True)
    assert provenance.build_date(provenance.build_epoch(tmp_path, tmp_path / "data")) == "2025-03-04"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert provenance.build_date(provenance.build_epoch(tmp_path, tmp_path / "data")) == "1970-01-01"
