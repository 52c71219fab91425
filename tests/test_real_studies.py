"""The real-study fixture (tests/fixtures/real_studies/) added to the seeds as a curator would add
it: validation accepts the new studies, refuses the duplicate, and the briefing keeps choosing its
headlines by rule as the evidence grows. In-process: no workflow run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from briefing import evidence, summary
from briefing.validation import validate_package
from conftest import ROOT
from real_studies import add_studies

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def modality_summary(project: Path, modality: str) -> dict:
    package = project / "data" / "datapackage.yaml"
    return summary.build_summary(
        json.loads(evidence.dumps(evidence.build_slice(package, modality, CONFIG["analysis"])))
    )


def test_the_real_studies_are_valid_and_the_duplicate_is_refused(project):
    add_studies(project, {"zhang2016_i125", "li2023_i125"})
    assert validate_package(project / "data" / "datapackage.yaml", CONFIG["modalities"]) == []
    add_studies(project, {"zhang2015_ott"})
    problems = [str(p) for p in validate_package(project / "data" / "datapackage.yaml", CONFIG["modalities"])]
    assert len(problems) == 1, problems
    assert "zhang2015_ott looks like a second entry of zhang2016_i125" in problems[0]
    assert "the same PMID 26719712" in problems[0] or "the same DOI" in problems[0]


def test_the_headline_stays_the_largest_studys_pain_outcome_as_evidence_grows(project):
    before = modality_summary(project, "i125")["main_pain"]
    assert before["study_id"] == "shao_i125"  # the 68-patient pain-score trajectory
    add_studies(project, {"zhang2016_i125", "li2023_i125"})
    after = modality_summary(project, "i125")
    assert after["main_pain"] == before  # not Zhang's undefined 95 % of 20, nor Li's 58
    assert after["main_pain"]["text"].startswith("Pain score (NRS 0-10) (mean): 7.3 (SD 1.3) before brachytherapy")


def test_nothing_pooled_says_why(project):
    add_studies(project, {"zhang2016_i125", "li2023_i125"})
    s = modality_summary(project, "i125")
    assert not [p for p in s["pooled"] if p["result"]]
    reasons = {u["outcome_id"]: u["reason"] for u in s["unpooled"]}
    assert reasons["zhang2016_i125-relief"] == "no denominator stated and no time point (time_days)"
    assert reasons["li2023_i125-nrs-w4"] == "no number assessed stated"
    # Shao's number assessed at each week is not stated either (68 is the number enrolled).
    assert reasons["shao_i125-nrs-w1"] == "no number assessed stated"


def test_a_first_primary_study_makes_a_narrative_modality_quantitative(project):
    assert modality_summary(project, "surgery")["kind"] == "narrative"
    add_studies(project, {"qian2016_surgery"})
    assert validate_package(project / "data" / "datapackage.yaml", CONFIG["modalities"]) == []
    s = modality_summary(project, "surgery")
    assert s["kind"] == "quantitative" and s["patients"] == 7
    assert s["main_pain"]["text"].startswith("Pain score (VAS) (mean, VAS 0-10): 7.43 (SD 0.98) before the operation")
    assert [r["domain"] for r in s["certainty"]] == ["pain_score"]


def test_the_bottom_line_words_very_low_certainty_as_grade_defines_it(project):
    from briefing import combine

    summaries = [modality_summary(project, m) for m in CONFIG["modalities"]]
    points = " ".join(combine.bottom_line(summaries)["points"])
    assert "very low for every outcome rated: the true effect is likely to be substantially different" in points
    assert "may differ substantially" not in points  # GRADE's words for low, not very low
