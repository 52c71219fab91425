"""Effects between the arms of a comparative study, computed by the build from what the source
states of each arm: from counts, the risk ratio with its 95 % CI (metafor's escalc on the log scale)
and, for the summary of findings, the anticipated absolute effect per 1,000 with the median of the
comparator arms' risks as the assumed comparator risk (GRADE); from means with SD and n, the mean difference
(escalc "MD") pooled on the raw scale. Shown beside the source's own figure, never instead.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from briefing.core import numbers
from briefing.core.vocabulary import EFFECT_MEASURES, event_kind, statistic_of
from briefing.stats import absolute
from briefing.stats.effects import Z_95

if TYPE_CHECKING:
    from briefing.schema.models import StatedComparison

if TYPE_CHECKING:
    from briefing.schema.models import Arm, BaselineRisk, DescribedOutcome, Study
    from briefing.stats.pooling import MetaOptions

# A comparison: a stated one (comparisons.csv, models.StatedComparison) or one computed here.
Row = dict[str, Any]
Pair = tuple["DescribedOutcome", "DescribedOutcome"]  # the intervention arm's figure, the comparator arm's


def _pairs(
    outcomes: list[DescribedOutcome], arms: dict[str, Arm], usable: Callable[[DescribedOutcome], object]
) -> list[Pair]:
    """The intervention arm's and the comparator arm's figure of the same outcome (study, measure,
    time point, subgroup), when both are `usable` and each arm has exactly one."""
    groups: dict[tuple[str, str, str | None, str | None], dict[str, list[DescribedOutcome]]] = {}
    for o in outcomes:
        arm_id = o.get("arm_id")
        if arm_id in arms and usable(o):
            key = (o["study_id"], o["measure"], o.get("timepoint"), o.get("subgroup"))
            groups.setdefault(key, {}).setdefault(arms[arm_id]["role"], []).append(o)
    return [
        (roles["intervention"][0], roles["comparator"][0])
        for roles in groups.values()
        if len(roles.get("intervention", [])) == 1 and len(roles.get("comparator", [])) == 1
    ]


def arm_pairs(outcomes: list[DescribedOutcome], arms: dict[str, Arm]) -> list[Pair]:
    """Pairs of arm figures with a count (an estimate)."""
    return _pairs(outcomes, arms, lambda o: o.get("estimate"))


def _pair_fields(treated: DescribedOutcome, control: DescribedOutcome, suffix: str) -> Row:
    """What every computed comparison names: its id, study, arms, outcome, time point, subgroup."""
    return {
        "comparison_id": f"{treated['outcome_id']}:{suffix}",
        "study_id": treated["study_id"],
        "arm_id": treated["arm_id"],
        "comparator_arm_id": control["arm_id"],
        "domain": treated["domain"],
        "measure": treated["measure"],
        "timepoint": treated.get("timepoint"),
        "subgroup": treated.get("subgroup"),
        "outcome_ids": [treated["outcome_id"], control["outcome_id"]],
    }


def risk_ratio(treated: DescribedOutcome, control: DescribedOutcome) -> Row:
    """The risk ratio of the treated arm against the control arm, its 95 % CI, and the absolute
    effect per 1,000 at the control arm's risk."""
    from briefing.stats import meta  # numpy, scipy and statsmodels: imported only when a comparison is computed

    t, c = treated["estimate"], control["estimate"]
    assert t is not None and c is not None  # arm_pairs pairs only figures with an estimate
    y, v = meta.escalc_2x2("RR", [t["events"]], [t["n"]], [c["events"]], [c["n"]])
    half = Z_95 * math.sqrt(float(v[0]))
    rr, low, high = (math.exp(float(y[0]) + d) for d in (0.0, -half, half))
    effect = absolute.absolute_effect("RR", rr, low, high, c["events"] / c["n"])
    return _pair_fields(treated, control, "rr") | {
        "counts": [[t["events"], t["n"]], [c["events"], c["n"]]],
        "effect_measure": "RR",
        "yi": float(y[0]),
        "vi": float(v[0]),
        "ratio": rr,
        "ci_low": low,
        "ci_high": high,
        # Which side of the forest plot favours the treatment: the outcome's own, else its domain's.
        "event_kind": event_kind(treated),
        "zero_cell": 0 in (t["events"], c["events"]) or t["events"] == t["n"] or c["events"] == c["n"],
        "absolute": asdict(effect),
    }


def computed(outcomes: list[DescribedOutcome], arms: dict[str, Arm]) -> list[Row]:
    """A risk ratio for every pair of arm figures with counts."""
    return [risk_ratio(treated, control) for treated, control in arm_pairs(outcomes, arms)]


def mean_pairs(outcomes: list[DescribedOutcome], arms: dict[str, Arm]) -> list[Pair]:
    """Pairs of arm means (or mean changes) stated with their SD and the number assessed."""

    def usable(o: DescribedOutcome) -> bool:
        stated = statistic_of(o).arm_difference and o.get("sd") and o.get("denominator")
        return bool(stated) and not o.get("value_qualifier")

    return _pairs(outcomes, arms, usable)


def mean_difference(treated: DescribedOutcome, control: DescribedOutcome) -> Row:
    """The treated arm's mean minus the control arm's, with its 95 % CI (variances not assumed
    equal, escalc's default)."""
    from briefing.stats import meta  # numpy, scipy and statsmodels: imported only when a comparison is computed

    y, v = meta.escalc_md(
        [treated["value"]],
        [treated["sd"]],
        [treated["denominator"]],
        [control["value"]],
        [control["sd"]],
        [control["denominator"]],
    )
    half = Z_95 * math.sqrt(float(v[0]))
    return _pair_fields(treated, control, "md") | {
        "unit_text": treated.get("unit_text") or treated.get("unit") or "",
        "means": [[o["value_text"], o["sd_text"], o["denominator"]] for o in (treated, control)],
        "effect_measure": "MD",
        "yi": float(y[0]),
        "vi": float(v[0]),
        "difference": float(y[0]),
        "ci_low": float(y[0]) - half,
        "ci_high": float(y[0]) + half,
    }


def differences(outcomes: list[DescribedOutcome], arms: dict[str, Arm]) -> list[Row]:
    """A mean difference for every pair of arm means with SD and n."""
    return [mean_difference(treated, control) for treated, control in mean_pairs(outcomes, arms)]


def _options(options: MetaOptions | bool | None) -> MetaOptions:
    """meta's ci/pi/i2 keywords (pooling.meta_options); a bool is the older knapp_hartung switch."""
    if isinstance(options, bool):
        return {"ci": "hksj" if options else "wald"}
    return options.copy() if options else {}


def sof_difference_rows(rows: list[Row], arms: dict[str, Arm], options: MetaOptions | bool | None = None) -> list[Row]:
    """Summary-of-findings rows of continuous outcomes (GRADEpro: the comparator's mean, and the
    mean difference with its CI), whole groups only, pooled by REML on the raw scale when several
    trials compare the same treatment with the same comparator at the same time point."""
    result = []
    for group in _sof_groups(rows, arms):
        pooled = sensitivity = None
        difference, low, high = group[0]["difference"], group[0]["ci_low"], group[0]["ci_high"]
        if len(group) > 1:
            from briefing.stats import meta  # scipy and statsmodels: imported only when something is pooled

            yi, vi = [c["yi"] for c in group], [c["vi"] for c in group]
            pooled = meta.pool_comparisons("MD", yi, vi, **_options(options)).to_dict()
            sensitivity = meta.pool_comparisons("MD", yi, vi, method="DL", **_options(options)).to_dict()
            difference, low, high = pooled["estimate"], pooled["ci_low"], pooled["ci_high"]
        result.append(
            {
                "domain": group[0]["domain"],
                "measure": group[0]["measure"],
                "timepoint": group[0].get("timepoint"),
                "arm_id": group[0]["arm_id"],
                "comparator_arm_id": group[0]["comparator_arm_id"],
                "unit_text": group[0]["unit_text"],
                "study_ids": sorted({c["study_id"] for c in group}),
                "comparison_ids": [c["comparison_id"] for c in group],
                "participants": sum(n for c in group for _, _, n in c["means"]),
                "comparator_means": [c["means"][1][0] for c in group],
                "difference": difference,
                "ci_low": low,
                "ci_high": high,
                "pooled": pooled,
                "sensitivity": sensitivity,
            }
        )
    return result


def _sof_groups(rows: list[Row], arms: dict[str, Arm]) -> list[list[Row]]:
    """Comparisons of one summary-of-findings row: whole groups, same outcome and time point, same
    treatment against the same comparator. A trial's figures at two time points are two rows, never
    pooled as if two trials."""
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for c in rows:
        if not c.get("subgroup"):
            treated, control = arms[c["arm_id"]], arms[c["comparator_arm_id"]]
            key = (c["domain"], c["measure"], c.get("timepoint"), treated.get("modality_id"), _comparator(control))
            groups.setdefault(key, []).append(c)
    return list(groups.values())


def _comparator(arm: Arm) -> str:
    """What a comparator is, across trials: its modality, else its label."""
    return arm.get("modality_id") or arm["label"].lower()


def sof_rows(
    computed_rows: list[Row],
    arms: dict[str, Arm],
    baselines: list[BaselineRisk] | None = None,
    options: MetaOptions | bool | None = None,
) -> list[Row]:
    """One summary-of-findings row per outcome and comparison (same outcome, same treatment
    against the same comparator), whole groups only: the relative effect of one trial, or pooled
    over several (REML on log risk ratios, DerSimonian-Laird as sensitivity), and the anticipated
    absolute effect per 1,000 at the assumed comparator risk (`assumed_risk`)."""
    return [_sof_row(rows, baselines or [], _options(options)) for rows in _sof_groups(computed_rows, arms)]


def _sof_row(rows: list[Row], baselines: list[BaselineRisk], options: MetaOptions) -> Row:
    if len(rows) == 1:
        ratio, low, high, pooled, sensitivity = rows[0]["ratio"], rows[0]["ci_low"], rows[0]["ci_high"], None, None
    else:
        from briefing.stats import meta  # scipy and statsmodels: imported only when something is pooled

        yi, vi = [c["yi"] for c in rows], [c["vi"] for c in rows]
        pooled = meta.pool_comparisons("RR", yi, vi, **options).to_dict()
        sensitivity = meta.pool_comparisons("RR", yi, vi, method="DL", **options).to_dict()
        ratio, low, high = pooled["estimate_ratio"], pooled["ci_low_ratio"], pooled["ci_high_ratio"]
    control_arms = list({c["comparator_arm_id"]: c["counts"][1] for c in rows}.values())
    acr = assumed_risk(control_arms)
    effect = absolute.absolute_effect("RR", ratio, low, high, float(acr))
    return {
        "domain": rows[0]["domain"],
        "event_kind": rows[0]["event_kind"],
        "timepoint": rows[0].get("timepoint"),
        "measure": rows[0]["measure"],
        "arm_id": rows[0]["arm_id"],
        "comparator_arm_id": rows[0]["comparator_arm_id"],
        "study_ids": sorted({c["study_id"] for c in rows}),
        "comparison_ids": [c["comparison_id"] for c in rows],
        "participants": sum(n for c in rows for _, n in c["counts"]),
        "comparator_arms": control_arms,  # each comparator arm's events and patients, once
        "assumed_risk": [acr.numerator, acr.denominator],  # exact, as a fraction
        "ratio": ratio,
        "ci_low": low,
        "ci_high": high,
        "pooled": pooled,
        "sensitivity": sensitivity,
        "absolute": asdict(effect),
        # GRADE: the absolute effect also at a baseline risk the data state for this outcome.
        "baselines": [
            b | {"absolute": asdict(absolute.absolute_effect("RR", ratio, low, high, b["value"] / 100))}
            for b in baselines
            if b["domain"] == rows[0]["domain"] and b["measure"] == rows[0]["measure"]
        ],
    }


def assumed_risk(control_arms: list[list[int]]) -> Fraction:
    """The assumed comparator risk of a summary-of-findings row: the median of the comparator arms'
    risks, exact (an even number of arms: the mean of the middle two); one trial's is its arm's.
    The Cochrane Handbook (5.1, 11.5.6.3): review authors "may use the median control group risk
    across studies"; Cochrane's summary-of-findings legend: "normally the median control group risk
    across the studies that provided data for that outcome"."""
    return statistics.median(Fraction(events, n) for events, n in control_arms)


# --- ratios the sources state (issue 29, item 17) -----------------------------------------------


def stated_ratio_groups(comparisons: list[Row], arms: dict[str, Arm]) -> list[list[Row]]:
    """Stated ratios (HR, OR, RR) with both bounds of their 95 % CI that may pool: whole groups, the
    same domain, measure, effect measure and time point, the same treatment against the same
    comparator (as _sof_groups), at least two studies, each once."""

    groups: dict[tuple[Any, ...], list[Row]] = {}
    for c in comparisons:
        measure = EFFECT_MEASURES[c["effect_measure"]] if c.get("effect_measure") in EFFECT_MEASURES else None
        stated = measure and measure.ratio and None not in (c.get("value"), c.get("ci_low"), c.get("ci_high"))
        if stated and not c.get("subgroup") and c["arm_id"] in arms and c["comparator_arm_id"] in arms:
            treated, control = arms[c["arm_id"]], arms[c["comparator_arm_id"]]
            key: tuple[str, ...] = (c["domain"], c["measure"], c["effect_measure"], c.get("timepoint") or "")
            key += (treated.get("modality_id") or "", _comparator(control))
            groups.setdefault(key, []).append(c)
    return [
        sorted(g, key=lambda c: c["study_id"])
        for _, g in sorted(groups.items())
        if len(g) >= 2 and len({c["study_id"] for c in g}) == len(g)
    ]


def pool_stated_ratios(
    comparisons: list[Row], arms: dict[str, Arm], options: MetaOptions | bool | None = None
) -> list[Row]:
    """Stated ratios of one comparison pooled by generic inverse variance: log ratio, its variance
    from the CI's width (meta.log_ratio_from_ci, metafor's conv.wald), REML random effects on the
    log scale, DerSimonian-Laird as sensitivity."""
    groups = stated_ratio_groups(comparisons, arms)
    if not groups:
        return []  # without importing meta: scipy and statsmodels cost a notebook job 1.5 s
    from briefing.stats import meta

    rows = []
    for group in groups:
        measure = group[0]["effect_measure"]
        values, lows, highs = ([c[k] for c in group] for k in ("value", "ci_low", "ci_high"))
        yi, vi = meta.log_ratio_from_ci(values, lows, highs)
        pooled = meta.pool_comparisons(measure, yi, vi, **_options(options)).to_dict()
        sensitivity = meta.pool_comparisons(measure, yi, vi, method="DL", **_options(options)).to_dict()
        rows.append(
            {
                "domain": group[0]["domain"],
                "measure": group[0]["measure"],
                "effect_measure": measure,
                "timepoint": group[0].get("timepoint"),
                "arm_id": group[0]["arm_id"],
                "comparator_arm_id": group[0]["comparator_arm_id"],
                "study_ids": [c["study_id"] for c in group],
                "comparison_ids": [c["comparison_id"] for c in group],
                "yi": [float(y) for y in yi],
                "vi": [float(v) for v in vi],
                "pooled": pooled,
                "sensitivity": sensitivity,
            }
        )
    return rows


# --- a stated ratio beside the crude one of the same counts (issue 30, item 7) -------------------


def crude_ratio(stated: StatedComparison, computed_rows: list[Row]) -> Row | None:
    """The crude ratio (metafor's escalc, 1/2 added to each cell only for a zero count) of the same
    measure as a stated OR or RR, from the counts of the computed comparison of the same study, arm
    pair, domain, measure and whole group (and time point where both give one), with the arms in
    the stated order; None unless it differs from the stated value at the precision printed."""
    measure, value = stated.get("effect_measure"), stated.get("value_text")
    if measure is None or value is None:
        return None
    crude = measure in EFFECT_MEASURES and EFFECT_MEASURES[measure].crude  # an HR has no crude counterpart
    if not crude or not str(value or "").replace(".", "", 1).isdigit() or stated.get("subgroup"):
        return None  # a ratio printed as a plain decimal only: "6.2", not a qualified "< 0.5"
    matches = [c for c in computed_rows if _same_outcome(stated, c)]
    if len(matches) != 1:
        return None
    (c,) = matches
    counts = c["counts"] if c["arm_id"] == stated["arm_id"] else c["counts"][::-1]
    from briefing.stats import meta  # numpy: imported only when a comparison is computed

    (t_events, t_n), (c_events, c_n) = counts
    y, _ = meta.escalc_2x2(measure, [t_events], [t_n], [c_events], [c_n])
    ratio = math.exp(float(y[0]))
    if numbers.half_up(ratio, numbers.decimals(value)) == Decimal(value):
        return None
    return {
        "effect_measure": measure,
        "ratio": ratio,
        "counts": counts,
        "zero_cell": c["zero_cell"],
        "outcome_ids": c["outcome_ids"] if counts is c["counts"] else c["outcome_ids"][::-1],
    }


def _same_outcome(stated: StatedComparison, c: Row) -> bool:
    """Whether a computed comparison is of the stated one's arms (either way round) and outcome."""
    arms = {stated["arm_id"], stated["comparator_arm_id"]} == {c["arm_id"], c["comparator_arm_id"]}
    same = all(stated.get(k) == c.get(k) for k in ("study_id", "domain", "measure"))
    times = stated.get("timepoint"), c.get("timepoint")
    return arms and same and not c.get("subgroup") and (not all(times) or times[0] == times[1])


def direction(row: Row, null: float = 1.0) -> str | None:
    """Where a comparison's result points, for its conclusion's words: a stated finding's
    direction, else its effect against no effect (1 for a ratio, 0 for a difference): a 95 % CI
    that includes it is "no_difference"; None where neither is known."""
    finding = row.get("finding")
    if finding:
        return {"higher": "increase", "lower": "reduce"}.get(finding, "no_difference")
    low, high = row.get("ci_low"), row.get("ci_high")
    if low is None or high is None:
        return None
    if row.get("effect_measure") in EFFECT_MEASURES:
        null = 1.0 if EFFECT_MEASURES[row["effect_measure"]].ratio else 0.0
    if low <= null <= high:
        return "no_difference"
    return "increase" if low > null else "reduce"


def randomised(c: Row, arms: dict[str, Arm], study: Study) -> int | None:
    """Everyone randomised to a comparison of two arms, as GRADEpro counts a trial's participants:
    the arms' stated sizes summed; a trial of only those two arms that states no arm sizes, the
    trial's patients (RTOG 0631's 353); otherwise None (not stated)."""
    pair = [arms[a].get("patients") for a in (c["arm_id"], c["comparator_arm_id"]) if a in arms]
    stated = [n for n in pair if n is not None]
    if len(pair) == 2 and len(stated) == 2:
        return sum(stated)
    own = [a for a in arms.values() if a["study_id"] == c["study_id"]]
    return study.get("patients") if len(own) == 2 else None
