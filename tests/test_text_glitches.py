"""Text defects a reader found in the seeds' briefing (issue 19, point 11), each kept as a check."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from bs4 import BeautifulSoup

from briefing.data import evidence
from briefing.present import wording
from briefing.verify.validation import validate_package
from conftest import ROOT, edit_rows

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def test_a_time_point_reads_after_its_value():
    points = [
        {"value_text": "3.43", "timepoint": "before radiotherapy", "value": 3.43, "statistic": "summary_unspecified"},
        {"value_text": "1.5", "timepoint": "1 month after radiotherapy", "value": 1.5, "p_value": "<0.001"},
    ]
    points = [p | {"measure": "Pain score", "unit": "NRS 0-10"} for p in points]
    text = wording.trajectory_phrase(points, with_measure=False)
    assert "3.43 before radiotherapy, 1.5 at 1 month after radiotherapy" in text


def test_a_proper_name_keeps_its_capitals_inside_a_sentence():
    assert wording.lower_first("Hospital Anxiety and Depression Scale") == "Hospital Anxiety and Depression Scale"
    assert wording.lower_first("Pain score (NRS 0-10)") == "pain score (NRS 0-10)"
    assert wording.lower_first("CT-guided implantation") == "CT-guided implantation"
    label = "Hospital Anxiety and Depression Scale, after versus before brachytherapy"
    assert wording.lower_first(label) == label


def test_the_seeds_briefing_has_none_of_the_defects_found(built):
    page = BeautifulSoup((built / "reports" / "briefing.html").read_text(encoding="utf-8"), "html.parser")
    text = re.sub(r"\s+", " ", page.get_text(" "))
    for defect in (
        r"\d\.\d+ 1 month after",  # a value run into its time point
        r"(?i:earliest pain relief: earliest)",  # a word said twice
        r"\(Shao \(",  # parentheses inside parentheses
        r"hospital Anxiety",  # a name half lower-cased
        r"review\(s\)",
    ):
        assert not re.search(defect, text), defect
    assert text.count("this is the first edition") + text.count("This is the first edition") == 1


def test_a_rules_reason_keeps_the_name_it_opens_with():
    judgement = {
        "source": "curator",
        "label": "Publication bias",
        "judgement_text": "undetected",
        "reason": "One study.",
        "rule": {"judgement": -1, "judgement_text": "strongly suspected (−1)", "reason": "Egger's test suggests ..."},
    }
    assert "would propose strongly suspected (−1): Egger's test" in wording.footnote("pain_response", judgement)


# Issue 29, item 12: from real studies' rows (tests/fixtures/real_studies/).
def test_a_name_that_opens_a_label_keeps_its_capitals():
    # CAFE (Berenson 2011): the source term of its disability score.
    assert wording.lower_first("Roland-Morris disability questionnaire score") == (
        "Roland-Morris disability questionnaire score"
    )
    assert wording.lower_first("Back-specific disability (RDQ 0-24)") == "back-specific disability (RDQ 0-24)"


@pytest.mark.parametrize(
    ("journal", "detail", "year", "ending"),
    [
        ("Radiother Oncol.", "2009;91(2):202-207", 2009, "Radiother Oncol. 2009;91(2):202-207."),
        ("Radiother Oncol", None, None, "Radiother Oncol. Year not stated in the source."),
        ("Int J Radiat Oncol Biol Phys.", None, 2003, "Int J Radiat Oncol Biol Phys. 2003."),
        (None, None, 2016, "Qian J, Bao Z, Zou J, Yang H. Effect of pedicle fixation. 2016."),
    ],
)
def test_a_reference_has_one_full_stop_after_each_part(journal, detail, year, ending):
    study = {"authors": "Qian J, Bao Z, Zou J, Yang H", "title": "Effect of pedicle fixation."}
    text = wording.vancouver(study | {"journal": journal, "citation_detail": detail, "year": year})
    assert text.endswith(ending) and ". ." not in text and ".." not in text, text


@pytest.mark.parametrize(
    ("description", "path"),
    [
        ("Five source documents supplied to the project (../shared/seeds/: spinal radiosurgery), chosen", "../shared/"),
        ("Documents in shared/seeds/ chosen by the team", "shared/seeds/"),
        ("The file 000_126d6cb8bbb6aa5f.txt and others", "000_126d6cb8bbb6aa5f.txt"),
    ],
)
def test_the_scope_never_shows_readers_a_developers_path(tmp_path, description, path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    edit_rows(tmp_path / "data" / "identification.csv", "curated_selection", description=description)
    found = validate_package(tmp_path / "data" / "datapackage.yaml", CONFIG["modalities"])
    assert [(p.file.rsplit("/", 1)[-1], p.row, p.column) for p in found] == [("identification.csv", 2, "description")]
    assert f"'{path}" in found[0].message and "name the documents by their citations" in found[0].message


def test_the_seeds_scope_names_its_documents_by_citation():
    (record,) = evidence.read_tables(ROOT / "data" / "datapackage.yaml")["identification"]
    text = wording.identification(record)
    assert "../" not in text and "seeds" not in text
    assert "Ryu 2008 (spinal radiosurgery)" in text and "Lin 2006 (targeted and systemic radiotherapy)" in text
    assert validate_package(ROOT / "data" / "datapackage.yaml", CONFIG["modalities"]) == []
