"""Denominators that stated percentages are consistent with: a finding for the curator, never data
(workflow/briefing/data/denominators.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from briefing.data import denominators, evidence
from conftest import ROOT
from real_studies import add_studies


@pytest.mark.parametrize(
    "percent, n, expected",
    [
        ("46", 37, True),
        ("18.9", 37, True),
        ("16.2", 37, True),
        ("46", 49, False),
        ("18.9", 61, False),
        ("6.9", 29, True),
        ("84", 49, True),
        ("84.5", 58, True),
        ("0", 7, True),
        ("100", 3, True),
        ("33.3", 3, True),
    ],
)
def test_a_percentage_is_reproduced_at_its_printed_precision(percent, n, expected):
    assert denominators.reproduces(percent, n) is expected


def test_the_smallest_denominators_and_their_double():
    assert denominators.smallest(["46", "18.9", "16.2"]) == [37, 74]
    assert denominators.smallest(["6.9"]) == [29, 58]
    assert denominators.smallest(["50"]) == [2, 4]
    assert denominators.smallest(["33.3"]) == [3, 6]


def test_ryu_2008_is_consistent_with_37_or_74_not_with_49_patients_or_61_lesions():
    found = denominators.findings(evidence.read_tables(ROOT / "data" / "datapackage.yaml"))
    (response,) = [f for f in found if "pain response" in f]
    assert response.startswith("data/outcomes.csv, rows 2, 3, 4 (ryu2008, pain response): 46 %, 18.9 %, 16.2 %")
    assert "are consistent with 37 or 74, not with 49 patients or 61 lesions" in response
    (relapse,) = [f for f in found if "relapse" in f]
    assert "6.9 % is consistent with 29 or 58, not with 49 patients or 61 lesions" in relapse
    assert len(found) == 2  # overall pain control (84 %) fits 49 patients: no finding


def test_a_percentage_that_fits_no_stated_count_is_reported_and_one_that_fits_is_not():
    tables = {
        "studies": [{"study_id": "s", "patients": 20, "lesions": None}],
        "outcomes": [
            {"study_id": "s", "domain": "pain_response", "statistic": "percent", "value": 33.3, "value_text": "33.3"},
            {"study_id": "s", "domain": "toxicity", "statistic": "percent", "value": 15, "value_text": "15"},
            {
                "study_id": "s",
                "domain": "relapse",
                "statistic": "percent",
                "value": 12,
                "value_text": "12",
                "denominator": 25,
            },  # a stated denominator: nothing to find
        ],
    }
    (finding,) = denominators.findings(tables)
    assert finding.startswith("data/outcomes.csv, row 2 (s, pain response): 33.3 % is consistent with 3 or 6")
    assert "not with 20 patients" in finding


def test_make_check_prints_the_findings_and_still_passes():
    result = subprocess.run([sys.executable, "-m", "briefing", "check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Findings for the curator" in result.stdout and "consistent with 37 or 74" in result.stdout


def test_each_arm_is_checked_against_its_own_size_never_the_trials(tmp_path):
    """Sprave 2018 (PMID 30170568): 8.7 % against 4.3 % new pathological fractures at 3 months, arm
    sizes not stated, 55 patients in the trial. Two arms' figures are two groups, not one of 55."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    add_studies(tmp_path, {"sprave2018", "scorad2019"})
    found = [f for f in denominators.findings(evidence.read_tables(tmp_path / "data" / "datapackage.yaml"))]
    sprave = [f for f in found if "(sprave2018" in f]
    assert len(sprave) == 2 and not any("55 patients" in f for f in sprave), sprave
    assert (
        "(sprave2018, toxicity at 3 months, SBRT 24 Gy in one fraction arm): 8.7 % is consistent with 23 or 46"
        in (sprave[0])
    )
    assert "4.3 % is consistent with 23 or 46, not with any stated count (the arm's size is not stated)" in sprave[1]
    # SCORAD: 69.3 % of the 345 and 72.7 % of the 341 each fit their own arm: nothing to find.
    assert not any("(scorad2019" in f for f in found)


def test_a_subgroups_and_the_whole_groups_figures_are_not_one_denominator():
    tables = {
        "studies": [{"study_id": "s", "patients": 105, "lesions": None}],
        "arms": [],
        "outcomes": [
            {"study_id": "s", "domain": "pain_response", "statistic": "percent", "value": 60, "value_text": "60"},
            {
                "study_id": "s",
                "domain": "pain_response",
                "statistic": "percent",
                "value": 33.3,
                "value_text": "33.3",
                "subgroup": "breast cancer",
            },
        ],
    }
    (finding,) = denominators.findings(tables)  # 60 % fits 105 (63/105); the subgroup's 33.3 % apart
    assert "row 3 (s, pain response, subgroup breast cancer): 33.3 % is consistent with 3 or 6" in finding
    assert "105" not in finding
