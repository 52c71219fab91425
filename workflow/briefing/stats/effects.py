"""Effect estimates for single studies, computed from the figures exactly as the sources state them.

Rules (../shared/BRIEFING.md): a percentage given without a count becomes a count only when
round(p x n) reproduces the stated percentage at its stated precision; proportions get a 95 %
Wilson score interval; means keep the SD the source reports and nothing is invented for changes.
"""

from __future__ import annotations

import math
from decimal import Decimal
from statistics import NormalDist
from typing import Any

from briefing.core import numbers
from briefing.core.vocabulary import DOMAINS, statistic_of

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


def proportion_estimate(outcome: dict[str, Any]) -> dict[str, Any] | None:
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


def trajectory(outcomes: list[dict[str, Any]], domain: str) -> list[dict[str, Any]]:
    """One series per study for a repeated measure (pain score, opioid dose), in time order,
    each point with the % change from the study's baseline (time 0), labelled as derived."""
    series: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for o in outcomes:
        if o.get("domain") != domain or o.get("value") is None or o.get("time_days") is None:
            continue
        if o.get("value_qualifier"):  # a bound is no point of a trajectory
            continue
        if not statistic_of(o).series:  # drawn only from a level measured over time
            continue
        # Each arm and each subgroup is a series of its own: two arms are never one course over time.
        series.setdefault((o["study_id"], o.get("arm_id") or "", o.get("subgroup") or ""), []).append(o)
    result = []
    for (study_id, _, subgroup), points in series.items():
        points = sorted(points, key=lambda p: p["time_days"])
        baseline = next((p for p in points if p["time_days"] == 0), None)
        rows = []
        for p in points:
            change = change_text = None
            if baseline is not None and p is not baseline and baseline["value"]:
                change = percent_change(baseline["value"], p["value"])
                change_text = numbers.change_percent(baseline["value"], p["value"])  # exact, not the float
            rows.append(
                {
                    "outcome_id": p["outcome_id"],
                    "timepoint": p.get("timepoint"),
                    "time_days": p["time_days"],
                    "statistic": p["statistic"],
                    "value": p["value"],
                    "value_text": p["value_text"],
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
        group = [g for g in (points[0].get("arm_label") or points[0].get("whole_trial"), subgroup) if g]
        result.append(
            {"study_id": study_id, "measure": points[0]["measure"], "unit": points[0].get("unit"), "points": rows}
            | {"group": ", ".join(group) or None}
        )
    return sorted(result, key=lambda s: (s["study_id"], s["group"] or ""))


def response_categories(outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pain-response categories per study and time point as the source reports them, plus the
    overall response (complete + partial) derived when the source gives both but not the sum."""
    responses = {d.id for d in DOMAINS.where(shape="response")}
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for o in outcomes:
        if o.get("domain") in responses and statistic_of(o).of_denominator and o.get("value") is not None:
            # Each arm's and each subgroup's categories are a group of their own.
            groups.setdefault((o["study_id"], o.get("timepoint"), o.get("arm_id"), o.get("subgroup")), []).append(o)
    result = []
    for (study_id, timepoint, _, subgroup), rows in groups.items():
        by_category = {o.get("icpr_category"): o for o in rows if o.get("icpr_category")}
        derived_overall = None
        parts = [by_category.get("complete"), by_category.get("partial")]
        if "overall" not in by_category and all(p and not p.get("value_qualifier") for p in parts):
            complete, partial = by_category["complete"], by_category["partial"]
            places = max(numbers.decimals(complete["value_text"]), numbers.decimals(partial["value_text"]))
            total = Decimal(complete["value_text"]) + Decimal(partial["value_text"])
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
                "group": rows[0].get("arm_label") or rows[0].get("whole_trial"),
                "subgroup": subgroup,
                "categories": [
                    {
                        "outcome_id": o["outcome_id"],
                        "label": o["measure"],
                        "source_term": o["source_term"],
                        "icpr_category": o.get("icpr_category"),
                        "value": o["value"],
                        "value_text": o["value_text"],
                        "locator": o["locator"],
                    }
                    for o in rows
                ],
                "derived_overall": derived_overall,
            }
        )
    return sorted(result, key=lambda g: (g["study_id"], str(g["timepoint"]), g["subgroup"] or ""))
