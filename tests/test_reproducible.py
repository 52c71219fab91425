"""The summaries do not depend on the string-hash seed, and the build date never comes from the wall
clock. Two whole builds of the same inputs, in different places, at different times and under
different hash seeds, give byte-identical outputs: tests/test_real_build.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from briefing.build import provenance
from conftest import ROOT
from real_studies import rows

# Two string-hash seeds under which a set of two strings iterates in both orders (checked on the
# surgery modality's baselines, "before the operation" and "preoperatively").
HASH_SEEDS = ("0", "12345")

# Every real study of the fixture but the duplicate that validation refuses by design.
REAL_STUDIES = sorted({r["study_id"] for r in rows("studies.csv")} - {"zhang2015_ott"})

# Every modality's summary (SoF rows included) of the seeds plus the real-study fixture, as JSON.
SUMMARIES = """
import json, sys, tempfile, yaml
from pathlib import Path
from briefing.assemble import summary
from briefing.data import evidence
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
