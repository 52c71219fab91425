"""What real abstracts state beyond a plain figure (issue 29, items 14-17), entered as a curator
would: the data package accepts each, and a mistake in one is named by file, row and column with
the way out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import stated_forms as real

from test_validation import DATA, append_row, set_cell, validate


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of data/, shown as data/x.csv (as test_validation's)."""
    shutil.copytree(DATA, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def add(data, table, rows):
    return [append_row(data, table, **dict(r)) for r in rows]


def problems_of(data):
    return [str(p) for p in validate(data)]


def test_a_trial_whose_abstract_states_no_number_of_patients_is_accepted(data_dir):
    """Tong 1982 (PMID 6178497) gives percentages only: before, 'a primary study needs its number of
    patients' refused it, and the curator could not enter it at all."""
    add(data_dir, "studies", [real.TONG1982])
    add(data_dir, "outcomes", real.TONG1982_OUTCOMES)
    assert problems_of(data_dir) == []


def test_an_unstated_number_of_patients_is_said_not_left_out(data_dir):
    add(data_dir, "studies", [real.TONG1982 | {"patients_stated": ""}])
    add(data_dir, "outcomes", real.TONG1982_OUTCOMES)
    [problem] = validate(data_dir)
    assert (problem.column, problem.file) == ("patients", "data/studies.csv")
    assert "set patients_stated to false" in problem.message


def test_patients_stated_false_with_a_number_is_refused(data_dir):
    row = add(data_dir, "studies", [real.TONG1982 | {"patients": "100"}])[0]
    add(data_dir, "outcomes", real.TONG1982_OUTCOMES)
    [problem] = validate(data_dir)
    assert (problem.row, problem.column) == (row, "patients_stated")
    assert "clear patients" in problem.message


def test_arms_of_unstated_size_and_findings_without_an_effect_measure_are_accepted(data_dir):
    """The Bone Pain Trial Working Party (PMID 10577696): 'Retreatment was twice as common after 8 Gy',
    'no differences in the time to first improvement in pain', survival 'no statistically significant
    difference': before, comparisons.csv required an effect measure and a value."""
    add(data_dir, "studies", [real.BPTWP1999])
    add(data_dir, "arms", real.BPTWP1999_ARMS)
    add(data_dir, "outcomes", real.BPTWP1999_OUTCOMES)
    add(data_dir, "comparisons", real.BPTWP1999_COMPARISONS)
    assert problems_of(data_dir) == []


@pytest.mark.parametrize(
    "change, column, phrase",
    [
        ({"finding": ""}, "effect_measure", "leave effect_measure empty and give finding"),
        ({"value": "2"}, "value", "value needs an effect measure"),
        ({"effect_measure": "RR", "value": "2"}, "finding", "clear finding"),
        ({"effect_measure": "RR", "finding": ""}, "value", "needs its value"),
        ({"finding": "twice"}, "finding", "must be one of: no_difference, higher, lower"),
    ],
)
def test_a_finding_and_an_effect_measure_are_told_apart(data_dir, change, column, phrase):
    add(data_dir, "studies", [real.BPTWP1999])
    add(data_dir, "arms", real.BPTWP1999_ARMS)
    add(data_dir, "outcomes", real.BPTWP1999_OUTCOMES)
    row = add(data_dir, "comparisons", [real.BPTWP1999_COMPARISONS[0] | change])[0]
    problems = validate(data_dir)
    assert [(p.file, p.row, p.column) for p in problems] == [("data/comparisons.csv", row, column)], problems
    assert phrase in problems[0].message


def test_analysed_beside_randomised_counts(data_dir):
    """SC.20 (Chow 2014): 425 allocated to each arm, 258 and 263 analysed per protocol."""
    add(data_dir, "studies", [real.BPTWP1999 | {"study_id": "chow2014", "patients": "850", "pmid": ""}])
    arms = [
        {
            "arm_id": f"chow2014-{a['arm']}",
            "study_id": "chow2014",
            "label": a["label"],
            "role": "intervention" if a["arm"] == "8gy" else "comparator",
            "modality_id": "cebrt",
            "patients": a["patients"],
            "analysed": a["analysed"],
            "locator": "Abstract (findings)",
        }
        for a in real.CHOW2014_ARMS
    ]
    rows = add(data_dir, "arms", arms)
    outcomes = [
        {
            "outcome_id": f"chow2014-response-{a['arm']}",
            "study_id": "chow2014",
            "domain": "pain_response",
            "measure": "Overall pain response",
            "source_term": "significant reduction in pain",
            "icpr_category": "overall",
            "statistic": "percent",
            "value": a["response"],
            "denominator": a["patients"],
            "unit": "%",
            "timepoint": "2 months",
            "locator": "Abstract (findings)",
            "arm_id": f"chow2014-{a['arm']}",
        }
        for a in real.CHOW2014_ARMS
    ]
    add(data_dir, "outcomes", outcomes)
    assert problems_of(data_dir) == []
    _set_arm(data_dir, "chow2014-8gy", "analysed", "452")
    [problem] = validate(data_dir)
    assert (problem.row, problem.column) == (rows[0], "analysed")
    assert "452 analysed is more than the arm's 425 patients" in problem.message


def _set_arm(data, arm_id, column, value):
    import csv

    path = data / "arms.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    for r in rows[1:]:
        if r[0] == arm_id:
            r[rows[0].index(column)] = value
    csv.writer(path.open("w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows)


def test_a_cumulative_incidence_a_range_and_a_per_segment_share_are_accepted(data_dir):
    """Sahgal 2013 (PMID 23960179): 57 of 410 segments (14 %), 1- and 2-year cumulative incidences of
    12.35 % and 13.49 %, time to fracture ranging 0.03 to 43.01 months."""
    add(data_dir, "studies", [real.SAHGAL2013])
    add(data_dir, "outcomes", real.SAHGAL2013_OUTCOMES)
    assert problems_of(data_dir) == []


@pytest.mark.parametrize(
    "outcome, change, column, phrase",
    [
        (3, {"value_high": ""}, "value_high", "a range needs its highest value"),
        (3, {"value_high": "0.01"}, "value_high", "is below value"),
        (0, {"value_high": "20"}, "value_high", "only for statistic 'range'"),
        (1, {"unit": "patients"}, "unit", "a cumulative incidence is in percent"),
        (0, {"ci_low": "10", "ci_high": "18"}, "ci_low", "computed by the build"),
        (1, {"ci_low": "9.5"}, "ci_high", "needs both bounds"),
        (1, {"ci_low": "13", "ci_high": "15"}, "ci_low", "is not within its CI"),
    ],
)
def test_a_range_and_a_printed_ci_are_checked(data_dir, outcome, change, column, phrase):
    add(data_dir, "studies", [real.SAHGAL2013])
    edited = [o | change if i == outcome else o for i, o in enumerate(real.SAHGAL2013_OUTCOMES)]
    rows = add(data_dir, "outcomes", edited)
    problems = validate(data_dir)
    assert [(p.row, p.column) for p in problems] == [(rows[outcome], column)], problems
    assert phrase in problems[0].message


def test_a_count_without_a_denominator_and_none_observed_are_accepted(data_dir):
    """'No neurotoxicity of grade >= 3 was observed' (Lee 2019, PMC6790856): a count of 0 with no
    denominator. Before, events without a denominator were refused."""
    add(data_dir, "studies", [real.SAHGAL2013])
    none_observed = {
        "outcome_id": "sahgal2013-none",
        "study_id": "sahgal2013",
        "domain": "neurological",
        "measure": "Grade 3 or worse neurotoxicity",
        "source_term": "neurotoxicity of grade >= 3",
        "statistic": "count",
        "value": "0",
        "events": "0",
        "unit": "patients",
        "locator": "Abstract (results)",
    }
    add(data_dir, "outcomes", [none_observed])
    assert problems_of(data_dir) == []


def test_approximately_is_a_qualifier(data_dir):
    set_cell(data_dir, "outcomes", "ryu2008-relapse", "value_qualifier", "approx")
    assert problems_of(data_dir) == []


def test_procedures_are_a_denominator_unit(data_dir):
    set_cell(data_dir, "outcomes", "ryu2008-relapse", "denominator_unit", "procedures")
    assert problems_of(data_dir) == []


def test_a_scale_without_a_printed_range_is_not_range_checked(data_dir):
    append_row(
        data_dir,
        "scales",
        scale_id="QLQ-BM22 painful sites",
        name="EORTC QLQ-BM22, painful sites scale",
        text="points (QLQ-BM22 painful sites)",
        direction="lower_better",
    )
    set_cell(data_dir, "outcomes", "shao_i125-nrs-w1", "unit", "QLQ-BM22 painful sites")
    set_cell(data_dir, "outcomes", "shao_i125-nrs-w1", "value", "33.3")
    assert problems_of(data_dir) == []


def test_survival_and_tumour_response_are_domains(data_dir):
    set_cell(data_dir, "outcomes", "ryu2008-relapse", "domain", "tumour_response")
    set_cell(data_dir, "outcomes", "ryu2008-duration", "domain", "survival")
    assert problems_of(data_dir) == []
