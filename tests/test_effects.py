"""Figures the build computes, against values checked by hand."""

import math

import pytest

from briefing.grade import certainty
from briefing.stats import effects


@pytest.mark.parametrize(
    "percent, n, expected",
    [
        ("84.5", 58, 49),  # Sun 2026: 49/58 = 84.48 % -> 84.5 %
        ("46", 49, None),  # 22.54 -> 23 -> 46.9 %, not 46 %: no count reproduces it
        ("46", 61, 28),  # 28.06 -> 28 -> 45.9 %, which rounds to 46 %
        ("50", 10, 5),
        ("0", 58, 0),
        ("100", 7, 7),
        ("33.3", 3, 1),  # 1/3 = 33.33 -> 33.3
        ("33.4", 3, None),
        ("12.5", 8, 1),  # half-up: 12.5 % of 8 = 1.0
    ],
)
def test_derived_count_only_when_it_reproduces_the_percentage(percent, n, expected):
    assert effects.derive_count(percent, n) == expected


def wilson_by_hand(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("x, n", [(49, 58), (0, 58), (58, 58), (1, 3)])
def test_wilson_interval_matches_the_formula(x, n):
    low, high = effects.wilson(x, n)
    exp_low, exp_high = wilson_by_hand(x, n)
    assert low == pytest.approx(exp_low, abs=1e-12)
    assert high == pytest.approx(exp_high, abs=1e-12)


def test_wilson_agrees_with_statsmodels_and_is_exact_at_the_ends():
    from statsmodels.stats.proportion import proportion_confint

    for n in (1, 2, 3, 7, 58, 61, 400, 5000):
        for x in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            for level in (0.9, 0.95, 0.99):
                low, high = effects.wilson(x, n, level)
                ref_low, ref_high = proportion_confint(x, n, alpha=1 - level, method="wilson")
                assert low == pytest.approx(ref_low, abs=1e-12) and high == pytest.approx(ref_high, abs=1e-12)
                assert 0.0 <= low <= x / n <= high <= 1.0
        assert effects.wilson(0, n)[0] == 0.0 and effects.wilson(n, n)[1] == 1.0
    assert (round(effects.wilson(49, 58)[0], 4), round(effects.wilson(49, 58)[1], 4)) == (0.7307, 0.9162)
    with pytest.raises(ValueError):
        effects.wilson(5, 4)
    with pytest.raises(ValueError):
        effects.wilson(0, 0)


def test_sun_relief_interval_as_printed():
    est = effects.proportion_estimate({"statistic": "percent", "value": 84.5, "value_text": "84.5", "denominator": 58})
    assert (est["events"], est["n"], est["count_derived"]) == (49, 58, True)
    assert effects.percent_text(est["ci_low"]) == "73.1"
    assert effects.percent_text(est["ci_high"]) == "91.6"


def test_zero_events_interval_as_printed():
    est = effects.proportion_estimate(
        {"statistic": "count", "value": 0, "value_text": "0", "events": 0, "denominator": 58}
    )
    assert est["count_derived"] is False
    assert (effects.percent_text(est["ci_low"]), effects.percent_text(est["ci_high"])) == ("0.0", "6.2")


def test_percentage_without_denominator_has_no_interval():
    assert (
        effects.proportion_estimate({"statistic": "percent", "value": 46, "value_text": "46", "denominator": None})
        is None
    )


def test_overall_response_is_complete_plus_partial_and_labelled():
    rows = [
        {
            "outcome_id": "c",
            "study_id": "s",
            "domain": "pain_response",
            "statistic": "percent",
            "icpr_category": "complete",
            "value": 46,
            "value_text": "46",
            "measure": "Complete",
            "source_term": "complete",
            "locator": "L",
        },
        {
            "outcome_id": "p",
            "study_id": "s",
            "domain": "pain_response",
            "statistic": "percent",
            "icpr_category": "partial",
            "value": 18.9,
            "value_text": "18.9",
            "measure": "Partial",
            "source_term": "partial",
            "locator": "L",
        },
    ]
    [group] = effects.response_categories(rows)
    assert group["derived_overall"]["value_text"] == "64.9"
    assert group["derived_overall"]["from"] == ["c", "p"]


def test_percent_change_from_baseline():
    rows = [
        {
            "outcome_id": f"o{d}",
            "study_id": "s",
            "domain": "pain_score",
            "statistic": "mean",
            "value": v,
            "value_text": str(v),
            "sd": 1.0,
            "sd_text": "1.0",
            "time_days": d,
            "timepoint": f"day {d}",
            "measure": "Pain",
            "unit": "NRS 0-10",
            "locator": "L",
        }
        for d, v in ((56, 3.3), (0, 7.3), (14, 2.6))
    ]
    [series] = effects.trajectory(rows, "pain_score")
    assert [p["time_days"] for p in series["points"]] == [0, 14, 56]
    assert series["points"][0]["change_pct"] is None
    assert series["points"][1]["change_pct_text"] == "-64.4"  # (2.6 - 7.3) / 7.3
    assert series["points"][2]["change_pct_text"] == "-54.8"  # (3.3 - 7.3) / 7.3


def test_grade_level_from_start_and_judgements():
    judged = [{"factor": f, "judgement": 0, "reason": "r"} for f in certainty.DOWNGRADE]
    judgements = [
        {"factor": "risk_of_bias", "judgement": -1, "reason": "r"},
        {"factor": "imprecision", "judgement": -1, "reason": "r"},
    ]
    rating = certainty.rate("pain_response", ["retrospective_cohort"], judgements + judged)
    assert (rating["start"], rating["level"], rating["level_text"], rating["symbols"]) == (2, 1, "very low", "⊕◯◯◯")
    assert certainty.rate("pain_response", ["randomised_trial"], judgements[:1] + judged)["level_text"] == "moderate"
    large = [{"factor": "large_effect", "judgement": 2, "reason": "r"}]
    assert certainty.rate("x", ["randomised_trial"], large + judged)["level"] == 4
    # Issue 30: until all five domains that rate down are judged, no level (a domain left unjudged).
    unjudged = certainty.rate("pain_response", ["retrospective_cohort"], judgements)
    assert (unjudged["level"], unjudged["level_text"]) == (None, "certainty not assessed")
    assert unjudged["missing"] == ["inconsistency", "indirectness", "publication bias"]
