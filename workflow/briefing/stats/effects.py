"""Effect estimates for single studies, computed from the figures exactly as the sources state them.

Rules (../shared/BRIEFING.md): a percentage given without a count becomes a count only when
round(p x n) reproduces the stated percentage at its stated precision; proportions get a 95 %
Wilson score interval; means keep the SD the source reports and nothing is invented for changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from statistics import NormalDist
from typing import TYPE_CHECKING, cast

from briefing.core import numbers
from briefing.core.vocabulary import DOMAINS, statistic_of

if TYPE_CHECKING:
    from briefing.schema.models import Category, DerivedOverall, ResponseGroup

if TYPE_CHECKING:
    from briefing.schema.models import Estimate, Outcome, Point, Series

CI_METHOD = "Wilson score"
LEVEL = 0.95
# The standard normal quantile of a two-sided 95 % interval, as wilson() computes it.
Z_95 = NormalDist().inv_cdf(1 - (1 - LEVEL) / 2)


def wilson(events: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval. The textbook closed form rather than statsmodels' proportion_confint
    (tests/test_effects.py checks they agree): importing statsmodels costs every build step about
    2 s, and its floating point leaves 0/n a lower bound of 5.6e-17 instead of 0."""
    if n < 1 or not 0 <= events <= n:
        raise ValueError("need n >= 1 and 0 <= events <= n")
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = events / n
    scale = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / scale
    half = z / scale * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if events == 0 else max(0.0, centre - half)
    high = 1.0 if events == n else min(1.0, centre + half)
    return low, high


def derive_count(percent_text: str, n: int) -> int | None:
    """The count behind a percentage of n, or None when no whole count reproduces it.

    Decimal arithmetic so that 84.5 % of 58 is judged on the digits the source printed, not on
    binary floating point.
    """
    count = int(numbers.half_up(Decimal(percent_text) * n / 100, 0))
    if not 0 <= count <= n:
        return None
    return count if percent_reproduced(count, n, percent_text) else None


def percent_reproduced(events: int, n: int, percent_text: str) -> bool:
    """Whether events/n rounds (half up) to the percentage at the precision it is written with."""
    return numbers.reproduces(events, n, percent_text)


def proportion_estimate(outcome: Outcome) -> Estimate | None:
    """Events, denominator and 95 % CI for an outcome that is a proportion, or None.

    `derived` says whether the count was computed by the build (from a percentage) rather than
    stated by the source.
    """
    n = outcome.get("denominator")
    if not n:
        return None
    counted = statistic_of(outcome).counted(outcome, derive_count)
    if counted is None:
        return None
    events, derived = counted
    low, high = wilson(events, n)
    return {
        "events": events,
        "n": n,
        "proportion": events / n,
        "ci_low": low,
        "ci_high": high,
        "ci_method": CI_METHOD,
        "count_derived": derived,
    }


def percent_text(fraction: float) -> str:
    """A derived proportion as a percentage with one decimal: numbers.percent, under the name
    callers used before the numbers module existed."""
    return numbers.percent(fraction)


def percent_change(baseline: float, value: float) -> float:
    return (value - baseline) / baseline * 100


def trajectory(outcomes: Sequence[Outcome], domain: str) -> list[Series]:
    """One series per study for a repeated measure (pain score, opioid dose), in time order,
    each point with the % change from the study's baseline (time 0), labelled as derived."""
    series: dict[tuple[str, str, str], list[Outcome]] = {}
    for o in outcomes:
        if o.get("domain") != domain or o.get("value") is None or o.get("time_days") is None:
            continue
        if o.get("value_qualifier"):  # a bound is no point of a trajectory
            continue
        if not statistic_of(o).series:  # drawn only from a level measured over time
            continue
        # Each arm and each subgroup is a series of its own: two arms are never one course over time.
        series.setdefault((o["study_id"], o.get("arm_id") or "", o.get("subgroup") or ""), []).append(o)
    result: list[Series] = []
    for (study_id, _, subgroup), points in series.items():
        points = sorted(points, key=_time_days)
        baseline = next((p for p in points if p["time_days"] == 0), None)
        rows: list[Point] = []
        for p in points:
            change = change_text = None
            value, value_text = p["value"], p["value_text"]
            # A series keeps only the rows with a value (above), and a value's text comes with it.
            assert value is not None and value_text is not None
            if baseline is not None and p is not baseline and baseline["value"]:
                change = percent_change(baseline["value"], value)
                change_text = numbers.change_percent(baseline["value"], value)  # exact, not the float
            rows.append(
                {
                    "outcome_id": p["outcome_id"],
                    "timepoint": p.get("timepoint"),
                    "time_days": _time_days(p),
                    "statistic": p["statistic"],
                    "value": value,
                    "value_text": value_text,
                    "sd": p.get("sd"),
                    "sd_text": p.get("sd_text"),
                    # The number assessed at this time point, only as stated (no enrolled count).
                    "n": p.get("denominator"),
                    "n_unit": p.get("denominator_unit"),
                    "unit": p.get("unit"),
                    "locator": p["locator"],
                    "change_pct": change,
                    "change_pct_text": change_text,
                }
            )
        group = [g for g in (_whose(points[0]), subgroup) if g]
        measure, unit = points[0]["measure"], points[0].get("unit")
        result.append(
            {"study_id": study_id, "measure": measure, "unit": unit, "points": rows, "group": ", ".join(group) or None}
        )
    return sorted(result, key=lambda s: (s["study_id"], s["group"] or ""))


def _time_days(o: Outcome) -> float:
    """A point's time: a series keeps only the rows that state one (trajectory)."""
    days = o.get("time_days")
    assert days is not None
    return days


def _whose(o: Outcome) -> str | None:
    """Whose figure a row is: its arm's label, or that it is the whole trial's (a DescribedOutcome's
    keys, summary._group_of; a plain outcome row has neither)."""
    return cast("str | None", o.get("arm_label") or o.get("whole_trial"))


def response_categories(outcomes: Sequence[Outcome]) -> list[ResponseGroup]:
    """Pain-response categories per study and time point as the source reports them, plus the
    overall response (complete + partial) derived when the source gives both but not the sum."""
    responses = {d.id for d in DOMAINS.where(shape="response")}
    groups: dict[tuple[str, str | None, str | None, str | None], list[Outcome]] = {}
    for o in outcomes:
        if o.get("domain") in responses and statistic_of(o).of_denominator and o.get("value") is not None:
            # Each arm's and each subgroup's categories are a group of their own.
            groups.setdefault((o["study_id"], o.get("timepoint"), o.get("arm_id"), o.get("subgroup")), []).append(o)
    result: list[ResponseGroup] = []
    for (study_id, timepoint, _, subgroup), rows in groups.items():
        by_category = {o.get("icpr_category"): o for o in rows if o.get("icpr_category")}
        derived_overall: DerivedOverall | None = None
        parts = [by_category.get("complete"), by_category.get("partial")]
        if "overall" not in by_category and all(p and not p.get("value_qualifier") for p in parts):
            complete, partial = by_category["complete"], by_category["partial"]
            complete_text, partial_text = complete["value_text"], partial["value_text"]
            assert complete_text is not None and partial_text is not None  # a value's text comes with it
            places = max(numbers.decimals(complete_text), numbers.decimals(partial_text))
            total = Decimal(complete_text) + Decimal(partial_text)
            derived_overall = {
                "value": float(total),
                "value_text": numbers.fixed(total, places),
                "from": [complete["outcome_id"], partial["outcome_id"]],
                "locator": complete["locator"],
            }
        result.append(
            {
                "study_id": study_id,
                "timepoint": timepoint,
                # Whose categories they are: an arm's, a trial's whole group's, a subgroup's.
                "group": _whose(rows[0]),
                "subgroup": subgroup,
                "categories": [_category(o) for o in rows],
                "derived_overall": derived_overall,
            }
        )
    return sorted(result, key=lambda g: (g["study_id"], str(g["timepoint"]), g.get("subgroup") or ""))


def _category(o: Outcome) -> Category:
    """A response category as the source reports it (a row with a value: response_categories)."""
    value, text = o.get("value"), o.get("value_text")
    assert value is not None and text is not None  # only rows with a value are grouped, its text with it
    return {
        "outcome_id": o["outcome_id"],
        "label": o["measure"],
        "source_term": o["source_term"],
        "icpr_category": o.get("icpr_category"),
        "value": value,
        "value_text": text,
        "locator": o["locator"],
    }
