"""What a GRADE panel read of the seeds' briefing found (issue 19), each kept as a check: outcome
importance and "not reported" rows, analysed denominators, like with like across modalities,
ratios with their groups, outcome-scoped certainty wording, a first layer (key messages, research
gaps), statements printed once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from briefing.assemble import sof
from briefing.data import importance
from briefing.present import wording
from briefing.verify import validation
from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
PRESPECIFIED = importance.prespecified(CONFIG["analysis"])
CRITICAL = [p.label for p in PRESPECIFIED if p.critical]


def _context(built: Path) -> dict:
    return json.loads((built / "results" / "briefing_context.json").read_text(encoding="utf-8"))


def _modality(built: Path, modality_id: str) -> dict:
    return next(m for m in _context(built)["modalities"] if m["modality_id"] == modality_id)


def _text(built: Path, name: str = "briefing.html") -> str:
    page = BeautifulSoup((built / "reports" / name).read_text(encoding="utf-8"), "html.parser")
    return re.sub(r"\s+", " ", page.get_text(" "))


# ----------------------------------------------------------------------------- importance
def test_the_config_lists_the_briefings_critical_outcomes_in_its_order():
    assert CRITICAL == [
        "Pain response",
        "Pain score",
        "Radiation myelopathy or myelitis",
        "Vertebral compression fracture",
        "Pain flare",
        "Perioperative mortality",
        "Perioperative complications",
        "Haematological toxicity",
        "Neurological deterioration",
    ]
    myelitis = {"domain": "toxicity", "measure": "Radiation myelitis", "source_term": "radiation myelitis"}
    flare = {"domain": "toxicity", "measure": "Pain flare", "source_term": "flare"}
    other = {"domain": "toxicity", "measure": "Skin reaction", "source_term": "dermatitis"}
    assert importance.classify(myelitis, PRESPECIFIED).id == "myelopathy"
    assert importance.classify(flare, PRESPECIFIED).importance == "critical"  # for radiotherapy (issue 30)
    assert importance.classify(other, PRESPECIFIED) is None


def test_every_summary_of_findings_lists_every_critical_outcome_most_important_first(built):
    for m in _context(built)["modalities"]:
        rows = m["sof"]["rows"]
        names = [r["outcome"] for r in rows]
        own = importance.prespecified(importance.for_modality(CONFIG["analysis"], m["modality_id"]))
        reported = {importance.classify(o, own).id for o in m["outcomes"] if importance.classify(o, own)}
        for p in own:
            if p.critical and p.id not in reported:
                assert p.label in names, (m["modality_id"], p.label)
        ranks = [importance.RANK.get(r["importance"], len(importance.RANK)) for r in rows]
        assert ranks == sorted(ranks), m["modality_id"]
    hfrt = _modality(built, "hfrt")["sof"]["rows"]
    missing = [r["outcome"] for r in hfrt if r["not_reported"]]
    assert missing == ["Vertebral compression fracture", "Pain flare", "Neurological deterioration"]
    assert [r["importance"] for r in hfrt if r["outcome"] == "Re-irradiation"] == ["important"]


def test_a_not_reported_row_shows_as_such_in_the_briefing(built):
    page = BeautifulSoup((built / "reports" / "briefing.html").read_text(encoding="utf-8"), "html.parser")
    table = page.find(id="table-surgery-sof")  # a narrative modality: only the gaps
    rows = table.find_all("tr", class_="not-reported")
    own = importance.prespecified(importance.for_modality(CONFIG["analysis"], "surgery"))  # its own harms
    assert [r.th.get_text(" ", strip=True).split(" Critical")[0] for r in rows] == [p.label for p in own if p.critical]
    assert all("not reported" in r.get_text() for r in rows)


def test_the_config_refuses_an_outcome_of_an_unknown_domain():
    settings = CONFIG["analysis"] | {
        "outcomes": [{"id": "x", "label": "X", "domain": "sleep", "importance": "critical"}]
    }
    problems = validation.settings_problems(settings)
    assert [p.column for p in problems] == ["analysis.outcomes[0].domain"]
    assert "'sleep' is not an outcome domain" in problems[0].message


# ----------------------------------------------------------------------------- denominators
def test_participants_are_the_stated_analysed_number_or_not_stated(built):
    srs = _modality(built, "srs")["sof"]["rows"]
    ryu = [r for r in srs if not r["not_reported"]]
    assert ryu and all(r["participants"] is None for r in ryu)
    assert {r["participants_text"] for r in ryu} == {"not stated (49 enrolled)"}
    i125 = [r for r in _modality(built, "i125")["sof"]["rows"] if not r["not_reported"]]
    assert {r["participants_text"] for r in i125} == {"not stated (68 enrolled)"}
    hfrt = [r for r in _modality(built, "hfrt")["sof"]["rows"] if r["outcome"] == "Radiation myelitis"]
    assert hfrt[0]["participants_text"] == "58"
    assert "49 (1 study)" not in _text(built)


def test_a_mixed_row_says_for_how_many_studies_the_number_is_not_stated():
    studies = {"a": {"patients": 40}, "b": {"patients": 30}}
    outcomes = [{"study_id": "a", "denominator": 38}, {"study_id": "b", "denominator": None}]
    size = sof.analysed(outcomes, studies)
    assert size.participants == 38 and size.unstated == ["b"]
    assert sof.participants_text(size) == "at least 38; not stated for 1 study"


def test_a_series_is_quoted_at_its_first_and_last_time_point_not_its_lowest(built):
    text = _text(built)
    assert "lowest" not in text
    assert "3.3 (SD 1.1) at week 8, the last time point reported (number assessed not stated)" in text
    assert "n = 68" not in text


# ----------------------------------------------------------------------------- like with like
def test_across_modalities_an_overall_response_is_never_beside_another_definition_unmarked(built):
    rows = {r["modality_id"]: r for r in _context(built)["sof_across"]}
    assert rows["srs"]["definition"] == sof.DEFINITION_OVERALL_DERIVED
    assert rows["srs"]["effect"].startswith("64.9 %")
    assert not rows["srs"]["definition_differs"]
    assert rows["hfrt"]["definition_differs"] and "improved pain relief" in rows["hfrt"]["definition"]
    page = BeautifulSoup((built / "reports" / "briefing.html").read_text(encoding="utf-8"), "html.parser")
    across = page.find(id="table-sof-across").get_text(" ")
    assert "Complete pain relief" not in across
    assert across.count("Definition differs from the other rows") == 2


# ----------------------------------------------------------------------------- ratios
def test_a_ratio_is_printed_with_its_groups_and_the_sources_direction(built):
    text = _text(built)
    assert "hazard ratio 0.43; n = 58" not in text
    assert "hazard ratio 0.43, moderate HFRT (<5 Gy per day) versus higher daily doses" in text
    assert "unless higher daily doses is the reference group" in text
    consistent = {"measure": "Re-irradiation", "comparison": "A versus B", "direction": "decrease", "value": 0.5}
    assert wording.ratio_groups(consistent) == ", A versus B (the source reports re-irradiation less often with A)"


def test_a_ratio_without_its_groups_is_refused(workspace):
    from conftest import edit_rows, snakemake

    edit_rows(workspace / "data" / "outcomes.csv", "sun2026-reirradiation-hr", comparison="")
    result = snakemake(workspace, "--cores", "1", check=False)
    assert result.returncode != 0
    log = (workspace / "logs" / "validate.log").read_text(encoding="utf-8")
    assert "outcomes.csv" in log and "comparison" in log and "needs the groups it compares" in log


# ----------------------------------------------------------------------------- wording
def test_certainty_is_worded_for_the_outcome_measured_not_its_domain(built):
    text = _text(built)
    assert "on toxicity:" not in text and "on toxicity." not in text
    assert "Certainty of the evidence on toxicity (radiation myelitis only): very low" in text
    assert (
        "After hypofractionated external-beam radiotherapy, radiation myelitis: the evidence is very uncertain." in text
    )


def test_footnotes_are_lettered_in_the_order_their_rows_appear(built):
    i125 = _modality(built, "i125")["sof"]
    first_rated = next(r for r in i125["rows"] if r["marks"])
    assert first_rated["domain"] == "pain_score" and first_rated["marks"][0] == "a"
    assert [f["mark"] for f in i125["footnotes"]] == sorted(
        (f["mark"] for f in i125["footnotes"]), key=lambda m: (len(m), m)
    )


# ----------------------------------------------------------------------------- first layer
def test_each_modality_has_a_key_message_and_the_briefing_its_research_gaps(built):
    context = _context(built)
    assert set(context["key_messages"]) == {m["modality_id"] for m in context["modalities"]}
    hfrt = context["key_messages"]["hfrt"]
    assert hfrt.startswith("One retrospective cohort study, 58 patients.")
    assert "very low certainty" in hfrt and "Not reported: vertebral compression fracture" in hfrt
    gaps = " ".join(context["research_gaps"])
    assert "Neurological deterioration (critical): no study in this briefing reports it for any modality." in gaps
    assert (  # a harm of some modalities (issue 30): the gap names them
        "Vertebral compression fracture (critical): no study in this briefing reports it for the modalities it is "
        "for (single-fraction spinal radiosurgery, hypofractionated" in gaps
    )
    assert "no randomised trial" in gaps
    page = BeautifulSoup((built / "reports" / "briefing.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find(id="research-gaps") and page.find(id="key-message-srs")


def test_the_study_tables_show_the_population(built):
    page = BeautifulSoup((built / "reports" / "briefing.html").read_text(encoding="utf-8"), "html.parser")
    table = page.find(id="table-i125-studies").get_text(" ")
    assert "unsuitable" in table or "poor general status" in table or "not suitable" in table


@pytest.mark.parametrize("statement", ["instability of the spine", "Strontium-89 and samarium-153"])
def test_a_review_statement_is_printed_once(built, statement):
    assert _text(built).count(statement) == 1
