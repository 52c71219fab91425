"""GRADEpro's comparative summary of findings (issue 30, item 7). The risk with the comparator is the
assumed comparator risk: the median of the comparator arms' risks (Cochrane's summary-of-findings
legend: "normally the median control group risk across the studies that provided data for that
outcome"), and the row says which; the risk with the intervention per 1,000 with its 95 % CI
beside the risk difference. And a stated ratio that differs from the crude one of the same arms'
counts says so, in the summary of findings and the direct comparisons. Patchell 2005 (PMID
16112300): 42/50 against 29/51 able to walk, "OR 6.2 (95 % CI 2.0 to 19.8)"."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_arms import _three_trials, with_patchell
from test_audit import _briefing_audit, _edition, _modality_audit, _project
from test_comparative_evidence import edit, modality

from briefing import evidence, summary
from conftest import ROOT

Z = 1.959963984540054  # qnorm(0.975)
WALK = "Able to walk after treatment"


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The seeds and the comparative real studies, built in process: (project, context, briefing)."""
    project = _project(tmp_path_factory.mktemp("absolute"))
    return (project, *_edition(project))


def _text(project: Path, table_id: str, name: str = "briefing.html") -> str:
    page = BeautifulSoup((project / name).read_text(encoding="utf-8"), "html.parser")
    return re.sub(r"\s+", " ", page.find(id=table_id).get_text(" ", strip=True))


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def test_a_trials_row_shows_the_risk_with_the_intervention_from_its_comparator_arms_risk(edition):
    """29/51 = 568.6 per 1,000, the trial's comparator arm. RR = (42/50)/(29/51), so the risk with
    the intervention is 29/51 × RR = 42/50 = 840 per 1,000; its CI applies the RR's bounds, exp(log
    RR ∓ 1.96 × √(1/42 - 1/50 + 1/29 - 1/51)), to 29/51: 643 and 1,098, capped at 1,000."""
    project, context, briefing = edition
    surgery = next(m for m in context["modalities"] if m["modality_id"] == "surgery")
    (walk,) = [r for r in surgery["sof_comparisons"] if r["measure"] == WALK]
    acr, rr = Fraction(29, 51), Fraction(42, 50) / Fraction(29, 51)
    half = Z * math.sqrt(1 / 42 - 1 / 50 + 1 / 29 - 1 / 51)
    low, high = (float(acr) * math.exp(math.log(rr) + d) * 1000 for d in (-half, half))
    assert acr * rr * 1000 == 840 and _half_up(low) == 643 and high > 1000
    assert walk["assumed_risk"] == [29, 51] and walk["comparator_arms"] == [[29, 51]]
    assert walk["comparator_risk"] == "569 per 1,000"
    assert walk["comparator_basis"] == "the trial's comparator arm, 29/51"
    assert walk["intervention_risk"] == f"840 per 1,000 ({_half_up(low)} to 1,000; a bound capped at 1,000 per 1,000)"
    for name in ("briefing.html", "briefing.print.html"):
        table = _text(project, "table-surgery-sof-comparisons", name)
        assert "Risk with the comparator Risk with the intervention (95 % CI) Risk difference" in table
        assert "569 per 1,000 the trial's comparator arm, 29/51 840 per 1,000 (643 to 1,000;" in table
    direct = _text(project, "table-direct-comparisons")
    assert "(risk with the comparator 569 per 1,000, the trial's comparator arm, 29/51)" in direct
    entry = next(
        f
        for f in briefing["figures"]
        if f["id"] == "surgery:sof-comparison:able-to-walk-after-treatment:radiotherapy-alone"
    )
    assert walk["intervention_risk"] in entry["shown"] and walk["comparator_basis"] in entry["shown"]
    assert _briefing_audit(project, briefing) == []
    assert _modality_audit(project, context, "surgery") == []


def test_two_trials_rows_assume_the_median_comparator_risk_not_the_pooled_proportion(tmp_path):
    """Comparator arms 10/100 and 60/200: their pooled proportion is 70/300 = 233 per 1,000, their
    median (of two: the mean) (1/10 + 3/10)/2 = 200 per 1,000, the risk the row assumes."""
    data = with_patchell(ROOT / "data", tmp_path / "data")
    _three_trials(data, "toxicity", [(20, 80, 10, 90), (90, 110, 60, 140)])  # (events, non-events) per arm
    tables = evidence.read_tables(data / "datapackage.yaml")
    result = summary.build_summary(evidence.slice_for_modality(tables, "surgery"))
    (row,) = [r for r in result["sof_comparisons"] if r["measure"] == "Event"]
    assert row["comparator_arms"] == [[10, 100], [60, 200]]
    assert Fraction(*row["assumed_risk"]) == (Fraction(10, 100) + Fraction(60, 200)) / 2 == Fraction(1, 5)
    assert row["comparator_risk"] == "200 per 1,000" and row["absolute"]["comparator_risk"] == 0.2
    assert row["comparator_basis"] == "median of 2 trials' comparator arms; the mean of the two"
    risk = 0.2 * row["ratio"] * 1000
    assert row["intervention_risk"].startswith(f"{_half_up(risk)} per 1,000 (")
    assert row["difference"].startswith(f"{_half_up(risk - 200)} more per 1,000")


def test_a_stated_odds_ratio_that_differs_from_the_crude_one_says_so_with_the_bodys_certainty(edition):
    """The crude OR of 42/50 against 29/51 is (42 × 22)/(8 × 29) = 3.98; the source states 6.2 and
    says nothing of an adjustment. The comment is in the stated row of the summary of findings and
    in the direct comparisons, the crude OR a derived figure of the registry; both audits pass."""
    project, context, briefing = edition
    comment = (
        "The source's OR 6.2 differs from the crude OR 3.98 computed from the arms' counts (42/50 against "
        "29/51); the source does not say whether its figure is adjusted."
    )
    assert f"{42 * 22 / (8 * 29):.2f}" == "3.98"
    surgery = next(m for m in context["modalities"] if m["modality_id"] == "surgery")
    (stated,) = [r for r in surgery["sof_stated"] if r["comparison_id"] == "patchell2005-walk-or"]
    assert stated["comment"] == comment
    (body,) = [r for r in surgery["certainty"] if r["key"] == "surgery-vs-cebrt:neurological"]
    assert stated["certainty"] == body  # the body's certainty, as the stated row carries it
    for name in ("briefing.html", "briefing.print.html"):
        row = BeautifulSoup((project / name).read_text(encoding="utf-8"), "html.parser")
        row = row.find(id="sof-stated-patchell2005-walk-or").get_text(" ", strip=True)
        assert "OR 6.2 (95 % CI 2.0 to 19.8); p = 0.001 as the source states it " + comment in row
        assert comment in _text(project, "table-direct-comparisons", name)
    (direct,) = [r for r in context["direct_comparisons"] if r["kind"] == "stated" and r["measure"] == WALK]
    assert direct["comment"] == comment and direct["certainty"] == body
    entry = next(f for f in briefing["figures"] if f["id"] == "patchell2005-walk-or:crude-or")
    assert entry["value_text"] == "3.98" and entry["derived"] and "escalc OR" in entry["derivation"]
    assert entry["derived_from"] == ["patchell2005-walk-surgery", "patchell2005-walk-rt", "patchell2005-walk-or"]
    assert entry["shown"] == [comment]
    assert _briefing_audit(project, briefing) == []
    assert _modality_audit(project, context, "surgery") == []


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _project(tmp_path)


def _stated(project: Path) -> dict:
    surgery = modality(project, "surgery")
    (stated,) = [r for r in surgery["sof_stated"] if r["comparison_id"] == "patchell2005-walk-or"]
    return stated


def test_a_stated_ratio_equal_to_the_crude_one_at_its_precision_gets_no_comment(project):
    """OR "4.0" (a test value): the crude 3.98 rounds to 4.0 at the one decimal it is printed with."""
    edit(project, "comparisons.csv", "patchell2005-walk-or", value="4.0")
    assert _stated(project)["comment"] is None
    edit(project, "comparisons.csv", "patchell2005-walk-or", value="3.9")
    assert "The source's OR 3.9 differs from the crude OR 3.98" in _stated(project)["comment"]


def test_a_note_saying_what_the_ratio_is_adjusted_for_is_quoted(project):
    note = "Adjusted for age and primary tumour (a test note)."
    edit(project, "comparisons.csv", "patchell2005-walk-or", note=note)
    assert _stated(project)["comment"].endswith(
        "(42/50 against 29/51); its note: “Adjusted for age and primary tumour (a test note)”."
    )


def test_a_stated_risk_ratio_is_set_beside_the_crude_risk_ratio(project):
    """RR (a test measure): the crude RR of the same counts is (42/50)/(29/51) = 1.48."""
    edit(project, "comparisons.csv", "patchell2005-walk-or", effect_measure="RR", value="2.1")
    assert _stated(project)["comment"].startswith("The source's RR 2.1 differs from the crude RR 1.48 computed")
