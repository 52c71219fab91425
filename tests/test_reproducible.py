"""Two clean builds of the same inputs, in different directories at different times, give
byte-identical outputs; the build date never comes from the wall clock."""

from __future__ import annotations

import os
import subprocess

import pytest

from briefing import provenance
from conftest import copy_project, digest_tree, snakemake

pytestmark = pytest.mark.slow


def test_second_build_elsewhere_is_byte_identical(built, tmp_path):
    other = copy_project(tmp_path / "a" / "different" / "place")
    snakemake(other)
    first, second = digest_tree(built / "reports"), digest_tree(other / "reports")
    assert set(first) == set(second)
    assert {name for name in first if first[name] != second[name]} == set()
    for name in ("briefing.html", "briefing.json"):
        text = (other / "reports" / name).read_text(encoding="utf-8")
        assert str(other) not in text and str(built) not in text  # no absolute paths


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
