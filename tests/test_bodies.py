"""GRADE per body of evidence (issue 30): one rating per question (a modality alone, or against a
comparator) and outcome domain, its studies derived from the data, never borrowed. Reproduced on
the seeds and the five comparative real studies (Patchell 2005, SCORAD, Saito 2019, RTOG 0631,
CAFE), as the methodologist read them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from briefing import bodies, combine, evidence, summary
from briefing.validation import validate_package
from conftest import ROOT, append_rows
from real_studies import add_studies

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
COMPARATIVE = {"patchell2005", "scorad2019", "saito2019", "rtog0631", "cafe2011"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bodies")
    shutil.copytree(ROOT / "data", root / "data")
    add_studies(root, COMPARATIVE)
    return root


@pytest.fixture(scope="module")
def summaries(project: Path) -> dict[str, dict]:
    package = project / "data" / "datapackage.yaml"
    return {
        m: summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, CONFIG["analysis"]))))
        for m in CONFIG["modalities"]
    }


def test_a_body_of_evidence_is_its_question_and_outcome_with_the_studies_that_report_it(summaries):
    keys = {r["key"]: r["study_ids"] for s in summaries.values() for r in s["certainty"]}
    # RTOG 0631's randomised comparison is its own body, apart from Ryu 2008's single-arm series.
    assert keys["srs-vs-cebrt:pain_response"] == ["rtog0631"]
    assert keys["srs:pain_response"] == ["ryu2008"]
    assert keys["surgery-vs-cebrt:neurological"] == ["patchell2005"]
    assert keys["cebrt-vs-cebrt:pain_response"] == ["saito2019"]
    # Nobody reports a pain score after surgery: no body, so no rating to spread.
    assert not [k for k in keys if k.startswith("surgery") and k.endswith(":pain_score")]


def test_a_trials_result_has_one_certainty_starting_high_with_its_own_footnotes(summaries):
    srs = summaries["srs"]
    rating = next(r for r in srs["certainty"] if r["key"] == "srs-vs-cebrt:pain_response")
    assert (rating["start_text"], rating["level_text"]) == ("high", "low")
    (row,) = srs["sof_stated"]
    assert row["certainty"] == rating
    footnotes = [f["text"] for f in srs["sof"]["footnotes"] if f["text"].startswith(rating["label"])]
    assert len(footnotes) == 5 and not [t for t in footnotes if "61 lesions" in t]
    # The single-arm series keeps its own rating: it starts low.
    series = next(r for r in srs["certainty"] if r["key"] == "srs:pain_response")
    assert (series["start_text"], series["level_text"]) == ("low", "very low")
    # Direct comparisons print the same certainty, no longer "see the modality's section".
    direct = combine.direct_comparisons(list(summaries.values()))
    (rtog,) = [d for d in direct if d["study_ids"] == ["rtog0631"]]
    assert rtog["certainty"] == rating


def test_a_comparisons_conclusion_says_where_its_result_points(summaries):
    """RTOG 0631 observed a worse pain response with radiosurgery; its row read 'Radiosurgery may
    relieve pain', the domain's phrase for a single group."""
    (row,) = summaries["srs"]["sof_stated"]
    assert row["conclusion"] == (
        "Radiosurgery may reduce pain response at 3 months compared with conventional external-beam radiotherapy."
    )
    (saito,) = summaries["cebrt"]["sof_stated"]
    assert saito["relative"] == "OR 0.85 (95 % CI 0.66 to 1.08)"
    assert saito["conclusion"].startswith("The evidence is very uncertain about the effect of single fraction")


def test_no_critical_outcome_with_data_is_left_unrated_and_no_level_sits_over_an_unjudged_domain(summaries):
    for s in summaries.values():
        for row in s["sof"]["rows"]:
            if row["importance"] == "critical" and not row["not_reported"] and row["study_ids"]:
                assert row["certainty"] and row["certainty"]["level"], (s["modality_id"], row["outcome"])
        for rating in s["certainty"]:
            unjudged = [f["factor"] for f in rating["factors"] if f["judgement"] is None]
            assert not (rating["level"] and unjudged), rating["key"]
            assert bool(rating["level"]) == (not rating["missing"])
        for p in s["sof"]["profile"]:  # the profile's cells: the judgement each shows
            assert "not judged" not in [f["judgement_text"] for f in p["factors"].values()], p["key"]


def test_a_body_not_assessed_reads_so_and_is_a_research_gap(summaries):
    srs = summaries["srs"]
    rating = next(r for r in srs["certainty"] if r["key"] == "srs:relapse")
    assert rating["level"] is None and rating["level_text"] == "certainty not assessed"
    row = next(r for r in srs["sof"]["rows"] if r.get("body") == "srs:relapse")
    assert row["conclusion"].startswith("Certainty not assessed: imprecision and publication bias are not yet judged")
    assert rating in srs["sof"]["not_assessed"] and rating["key"] not in [p["key"] for p in srs["sof"]["profile"]]
    from briefing import messages

    gaps = messages.research_gaps(list(summaries.values()), 2)
    assert any(g.startswith("Outcomes with data whose certainty is not assessed") and "relapse" in g for g in gaps)


def test_a_certainty_row_for_a_body_without_data_is_refused_naming_its_row(project, tmp_path):
    shutil.copytree(project / "data", tmp_path / "data")
    reason = "Retrospective series; how patients were selected is not described."
    rows = [
        {"modality_id": "surgery", "outcome_domain": "pain_score", "factor": "risk_of_bias", "judgement": "-1"},
        {"modality_id": "srs", "outcome_domain": "pain_response", "factor": "publication_bias", "judgement": "0"},
    ]
    rows[1]["comparator_id"] = "surgery"
    append_rows(tmp_path / "data" / "certainty.csv", [r | {"reason": reason} for r in rows])
    problems = validate_package(tmp_path / "data" / "datapackage.yaml", CONFIG["modalities"])
    found = [(p.row, p.column, p.message) for p in problems if p.file.endswith("certainty.csv")]
    n = len((tmp_path / "data" / "certainty.csv").read_text(encoding="utf-8").splitlines())
    assert [(r, c) for r, c, _ in found] == [(n - 1, "outcome_domain"), (n, "comparator_id")], found
    assert "no figure of surgery alone (a single group, or a trial's arms together) reports pain_score" in found[0][2]
    assert "pain_response has data as srs-vs-cebrt:pain_response, srs:pain_response" in found[1][2]


def test_keys_follow_the_comparator_arms_modality():
    arms = [
        {"arm_id": "t-a", "study_id": "t", "role": "intervention", "modality_id": "srs"},
        {"arm_id": "t-b", "study_id": "t", "role": "comparator", "modality_id": "cebrt"},
    ]
    compared = bodies.comparators(arms)
    assert bodies.question({"study_id": "t", "arm_id": "t-a"}, compared) == "cebrt"
    assert bodies.question({"study_id": "t", "arm_id": None}, compared) == bodies.ALONE  # both arms together
    assert bodies.key("srs", "cebrt", "pain_response") == "srs-vs-cebrt:pain_response"
    assert bodies.key("srs", bodies.ALONE, "pain_response") == "srs:pain_response"
