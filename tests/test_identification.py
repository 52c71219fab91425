"""How the studies were identified (issue 19, first part): the data record it, and the briefing says
exactly that. A curated selection is never described as what a search "found"; only a recorded
systematic search lets the bottom line say that a kind of study was not found."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from briefing import combine, evidence, summary
from briefing.validation import validate_package
from conftest import ROOT, append_rows, edit_rows

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
FOUND = re.compile(r"\b(was|were) found\b|\bfound no\b|\bno \w+ exists?\b", re.IGNORECASE)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def context(project: Path) -> dict:
    package = project / "data" / "datapackage.yaml"
    tables = evidence.read_tables(package)
    summaries = [
        summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, CONFIG["analysis"]))))
        for m in CONFIG["modalities"]
    ]
    provenance = {"build_date": "2026-12-01"}
    return combine.build(CONFIG, summaries, tables, evidence.general_statements(tables), provenance)


def test_the_seeds_are_a_curated_selection_and_the_briefing_says_so_without_found(project):
    c = context(project)
    assert c["identification"]["method"] == "curated_selection"
    assert c["identification_text"].startswith("The studies are a curated selection, not the result of a systematic")
    points = c["bottom_line"]["points"]
    assert points[0].startswith("The studies are a curated selection, not the result of a systematic search (see")
    assert "The data hold no randomised trial and no study comparing two modalities" in " ".join(points)
    assert any(
        item.startswith("The studies were selected, not identified by a systematic search") for item in c["limitations"]
    )
    said = " ".join(points + c["limitations"] + list(CONFIG["question"].values()))
    assert not FOUND.search(said), FOUND.search(said)


def test_a_recorded_systematic_search_is_named_with_its_date_and_may_say_what_it_found(project):
    edit_rows(project / "data" / "identification.csv", "curated_selection", method="systematic_search",
              description="Searches of PubMed and Embase for the question above", databases="PubMed; Embase",
              last_search_date="2026-11-01", records_screened="1204", studies_included="5")  # fmt: skip
    assert validate_package(project / "data" / "datapackage.yaml", CONFIG["modalities"]) == []
    c = context(project)
    assert c["identification_text"] == (
        "The studies come from a systematic search of PubMed, Embase, last run on 2026-11-01 (1204 records "
        "screened, 5 studies included): searches of PubMed and Embase for the question above."
    )
    assert "The search found no randomised trial" in " ".join(c["bottom_line"]["points"])
    assert not any("were selected" in item for item in c["limitations"])


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        ({"method": "systematic_search"}, (2, "databases"), "a systematic search needs its databases"),
        ({"method": "hand_search"}, (2, "method"), "must be one of: systematic_search, curated_selection"),
        ({"last_search_date": "yesterday"}, (2, "last_search_date"), "date"),
    ],
)
def test_a_wrong_identification_record_is_refused_with_its_cell(project, change, where, words):
    edit_rows(project / "data" / "identification.csv", "curated_selection", **change)
    found = [(p.row, p.column, p.message) for p in validate_package(project / "data" / "datapackage.yaml")]
    assert any((row, column) == where and words in message for row, column, message in found), found


def test_there_is_exactly_one_identification_record(project):
    append_rows(project / "data" / "identification.csv", [{"method": "curated_selection", "description": "again"}])
    found = [(Path(p.file).name, p.message) for p in validate_package(project / "data" / "datapackage.yaml")]
    assert found == [("identification.csv", "needs exactly one row (how the studies were identified), not 2")]


def test_the_built_briefing_never_says_found_of_a_selection(built):
    from bs4 import BeautifulSoup

    text = BeautifulSoup((built / "reports" / "briefing.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "The studies are a curated selection" in text
    assert not FOUND.search(text), text[max(0, FOUND.search(text).start() - 200) : FOUND.search(text).end() + 50]
