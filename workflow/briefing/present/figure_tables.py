"""What each figure prints: the table of numbers beside it, the labels drawn on it and its text
alternative.

Pure and without the plotting stack, so tests check every number a figure shows without drawing
it; figures.py draws these same strings. Every derived number comes from briefing.core.numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from briefing.core import numbers
from briefing.core.vocabulary import statistic_of
from briefing.present import wording

if TYPE_CHECKING:
    from briefing.schema.models import EstimatorRow, FunnelPoint, LooRow

if TYPE_CHECKING:
    from briefing.schema.models import ResponseGroup

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisTable, Estimate, Point, Series, Study

PREDICTION_LABEL = "95 % prediction interval"


def study_label(studies: dict[str, Study], study_id: str) -> str:
    study = studies.get(study_id)
    return study_id if study is None else study.get("short_name", study_id)


# ----------------------------------------------------------------------------- trajectories
# Every other interval in the briefing is a 95 % CI: the error bars of a level over time are the
# spread the source reports, and say so wherever they are shown.
ERROR_BARS = "Error bars: ±1 SD as reported (not a 95 % CI)"
SD_COLUMN = "SD as reported (error bars ±1 SD, not a 95 % CI)"
N_COLUMN = "n assessed"
NOT_STATED = "not stated"
# A line implies a course between its points; through fewer points than this nobody measured one.
JOINED_MIN_POINTS = 3
_FEW = {1: "one time point only", 2: "two time points only"}


def joined(series: Series) -> bool:
    """Whether a series is drawn as a line (a course over time), not as separate points."""
    return len(series["points"]) >= JOINED_MIN_POINTS


def has_sd(series: Series) -> bool:
    return any(p["sd"] is not None for p in series["points"])


def n_assessed(point: Point) -> str:
    """The number assessed at a time point as the source states it: never the enrolled count,
    which says nothing of how many were still assessed."""
    n = point.get("n")
    if n is None:
        return NOT_STATED
    unit = point.get("n_unit")
    return f"{n} {unit}" if unit and unit != "patients" else str(n)


def n_unstated(series: Series) -> bool:
    return any(point.get("n") is None for point in series["points"])


def series_name(series: Series, studies: dict[str, Study]) -> str:
    """ "Berenson 2011, balloon kyphoplasty": a series' study, and its arm or subgroup."""
    label = study_label(studies, series["study_id"])
    return f"{label}, {series['group']}" if series.get("group") else label


def series_label(series: Series, studies: dict[str, Study]) -> str:
    """A study's entry in the legend, with what its points are not."""
    notes = list(dict.fromkeys(statistic_of(p).word for p in series["points"] if statistic_of(p).unspecified))
    if not has_sd(series):
        notes.append("no SD")
    if not joined(series):
        notes.append(_FEW[len(series["points"])] + ", not joined")
    label = series_name(series, studies)
    return f"{label} ({'; '.join(notes)})" if notes else label


def trajectory_notes(series: list[Series], studies: dict[str, Study], names: bool = True) -> list[str]:
    """The notes of a chart over time: what its error bars are, and whose n is not stated (by
    name, unless there are too many to name on a chart: the table names them)."""
    notes = [ERROR_BARS] if any(has_sd(s) for s in series) else []
    unstated = [series_name(s, studies) for s in series if n_unstated(s)]
    if not unstated:
        return notes
    if all(p.get("n") is None for s in series for p in s["points"]):
        notes.append("Number assessed at each time point not stated")
    elif names:
        notes.append(f"Number assessed not stated at some time points: {', '.join(unstated)}")
    else:
        notes.append("Number assessed not stated at some time points (see the table)")
    return notes


def trajectory_table(series: list[Series], studies: dict[str, Study]) -> list[dict[str, str]]:
    """One row per point: the value, SD and n as the source printed them, the change derived. The
    SD's header says it is what the error bars show, on a chart that draws any."""
    sd_column = SD_COLUMN if any(has_sd(s) for s in series) else "SD"
    return [
        {
            "Study": series_name(s, studies),
            "Time point": _timepoint(p),
            N_COLUMN: n_assessed(p),
            "Value": p["value_text"],
            sd_column: p["sd_text"] or "not reported",
            "Change from baseline (%), derived": p["change_pct_text"] or "",
        }
        for s in series
        for p in s["points"]
    ]


def _timepoint(point: Point) -> str:
    """A point's time point, as its figure's table prints it."""
    timepoint = point["timepoint"]
    # Holds in every drawn figure: its table (Figure.table, of strings) would refuse a None.
    assert timepoint is not None, f"{point['outcome_id']}: a point of a series over time states its time point"
    return timepoint


def trajectory_alt(series: list[Series], studies: dict[str, Study], ylabel: str) -> str:
    """The chart in words: how each study is drawn (a line, or points that are not joined), its
    values, what the error bars are and whose n is not stated."""
    parts = []
    for s in series:
        points = "; ".join(f"{p['timepoint']}: {numbers.mean_sd(p['value_text'], p['sd_text'])}" for p in s["points"])
        drawn = (
            "drawn as a line"
            if joined(s)
            else f"{_FEW[len(s['points'])]}, drawn as separate points without a connecting line"
        )
        parts.append(f"{series_name(s, studies)} ({drawn}): {points}")
    notes = "".join(f" {n}." for n in trajectory_notes(series, studies))
    return f"Chart of {ylabel.lower()} over time. " + ". ".join(parts) + "." + notes


# ----------------------------------------------------------------------------- response categories
def response_group(g: ResponseGroup, studies: dict[str, Study], dated: bool = False) -> str:
    """Whose categories a bar shows: "Salazar 1996, daily fractionated", with the subgroup, and the
    time point when the study reports its categories at several."""
    parts = [
        study_label(studies, g["study_id"]),
        g.get("group"),
        f"subgroup {g['subgroup']}" if g.get("subgroup") else None,
    ]
    label = ", ".join(p for p in parts if p)
    return label + (f" ({g['timepoint']})" if dated and g["timepoint"] else "")


def response_labels(groups: list[ResponseGroup], studies: dict[str, Study]) -> list[str]:
    """The label of each bar: its study and group (an arm, a subgroup); a study reported at two time
    points names them."""
    times: dict[str, set[str | None]] = {}
    for g in groups:
        times.setdefault(g["study_id"], set()).add(g["timepoint"])
    return [
        f"{response_group(g, studies, dated=len(times[g['study_id']]) > 1)}: {c['label']}"
        for g in groups
        for c in g["categories"]
    ]


def response_table(
    groups: list[ResponseGroup], studies: dict[str, Study], estimates: dict[str, Estimate]
) -> list[dict[str, str]]:
    """One row per bar: the percentage as the source printed it, the 95 % CI as the text prints it."""
    rows = []
    for g in groups:
        for c in g["categories"]:
            est = estimates.get(c["outcome_id"])
            rows.append(
                {
                    "Study": response_group(g, studies),
                    "Category (source term)": f"{c['label']} ({c['source_term']})",
                    "Time point": g["timepoint"] or "not stated",
                    "Percent": c["value_text"],
                    "95 % CI": numbers.interval(est["ci_low"], est["ci_high"])
                    if est
                    else "not computable (no denominator)",
                }
            )
    return rows


def bar_label(row: dict[str, str]) -> str:
    """The text beside a bar."""
    return f"{row['Percent']} %"


def response_alt(rows: list[dict[str, str]]) -> str:
    return (
        "Bar chart of pain response categories. "
        + "; ".join(f"{r['Study']}, {r['Category (source term)']}: {r['Percent']} %" for r in rows)
        + "."
    )


# ----------------------------------------------------------------------------- forest plots
class ForestPooled(TypedDict):
    """A pooled estimate, its 95 % CI and its prediction interval (None when there is none)."""

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None


def forest_pooled(pooled: dict[str, Any], scale: str) -> ForestPooled:
    """The pooled estimate and its intervals on the plot's scale (a proportion, a mean or a ratio)."""
    suffix = {"proportion": "_prop", "ratio": "_ratio"}.get(scale, "")
    return {
        "estimate": pooled[f"estimate{suffix}"],
        "ci_low": pooled[f"ci_low{suffix}"],
        "ci_high": pooled[f"ci_high{suffix}"],
        "pi_low": pooled[f"pi_low{suffix}"],
        "pi_high": pooled[f"pi_high{suffix}"],
    }


def estimate_cell(estimate: float, low: float, high: float, scale: str) -> str:
    """ "52.3 [40.1, 64.2]": an estimate and its 95 % CI as the forest plot's column prints it."""
    return f"{numbers.estimate(estimate, scale)} [{numbers.estimate(low, scale)}, {numbers.estimate(high, scale)}]"


def pooled_label(all_studies: int | None, method: str = "REML") -> str:
    return f"Random effects ({method})" + (", all studies" if all_studies else "")


REML_SENSITIVITY_LABEL = "Inverse variance, REML (sensitivity)"


def forest_table(
    rows: list[dict[str, Any]],
    pooled: dict[str, Any],
    scale: str,
    all_studies: int | None = None,
    sensitivity: dict[str, Any] | None = None,
) -> list[dict[str, str]]:
    """The forest plot's columns: one row per study, then the pooled result, then the 95 %
    prediction interval when there is one, then the sensitivity analysis when one is drawn.
    rows: label, estimate, ci_low, ci_high, weight, n_text."""
    table = [
        {
            "Study": r["label"],
            "n": r["n_text"],
            "Estimate [95 % CI]": estimate_cell(r["estimate"], r["ci_low"], r["ci_high"], scale),
            "Weight": f"{numbers.weight(r['weight'])} %",
        }
        for r in rows
    ]
    p = forest_pooled(pooled, scale)
    table.append(
        {
            "Study": pooled_label(all_studies, pooled.get("method") or "REML"),
            "n": "",
            "Estimate [95 % CI]": estimate_cell(p["estimate"], p["ci_low"], p["ci_high"], scale),
            "Weight": "100 %",
        }
    )
    if p["pi_low"] is not None:
        assert p["pi_high"] is not None, "a prediction interval has both bounds"
        interval = f"[{numbers.estimate(p['pi_low'], scale)}, {numbers.estimate(p['pi_high'], scale)}]"
        table.append({"Study": PREDICTION_LABEL, "n": "", "Estimate [95 % CI]": interval, "Weight": ""})
    if sensitivity is not None:
        s = forest_pooled(sensitivity, scale)
        cell = estimate_cell(s["estimate"], s["ci_low"], s["ci_high"], scale)
        table.append({"Study": REML_SENSITIVITY_LABEL, "n": "", "Estimate [95 % CI]": cell, "Weight": ""})
    return table


def heterogeneity(pooled: dict[str, Any]) -> str:
    """The line under a forest plot: τ², I², Cochran's Q with its df and p. A GLMM weights no
    study: its squares are sized by 1/(vᵢ + τ²), and the line says so."""
    text = (
        f"Heterogeneity: {wording.tau2_text(pooled)}; I² = {numbers.i2(pooled['i2'])} %; "
        f"Q = {numbers.q(pooled['q'])}, df = {pooled['q_df']}, {numbers.p_computed(pooled['q_p'])}"
    )
    return text + ("; weights 1/(vᵢ + τ²)" if pooled.get("method") == "GLMM" else "")


FUNNEL_COLUMNS = ("Study", "Effect", "SE")


def funnel_table(points: list[FunnelPoint]) -> list[dict[str, str]]:
    """The funnel plot's numbers: each study's logit proportion (or mean) and its standard error."""
    return [{"Study": p["label"], "Effect": numbers.slope(p["effect"]), "SE": numbers.slope(p["se"])} for p in points]


def forest_alt(table: list[dict[str, str]], heterogeneity_text: str, k: int, all_studies: int | None) -> str:
    shown = f"{k} of {all_studies} studies" if all_studies else f"{k} studies"
    return (
        f"Forest plot of {shown}. "
        + "; ".join(f"{r['Study']}: {r['Estimate [95 % CI]']}" for r in table)
        + ". "
        + heterogeneity_text
        + "."
    )


# ----------------------------------------------------------------------------- comparative forest plots
INTERVENTION, COMPARATOR = "Intervention: events/total", "Comparator: events/total"
RATIO = "Risk ratio [95 % CI]"
SENSITIVITY_LABEL = "DerSimonian–Laird (sensitivity)"
RATIO_AXIS_LABEL = "Risk ratio (log scale)"
# The columns' headers as drawn on the plot, in two lines.
COMPARISON_HEADERS = {
    "Study": "Study",
    INTERVENTION: "Intervention\nevents/total",
    COMPARATOR: "Comparator\nevents/total",
    RATIO: "Risk ratio\n[95 % CI]",
    "Weight": "Weight",
}


def comparison_title(measure: str, intervention: str, comparator: str) -> str:
    return f"{measure}: {intervention} versus {comparator}, random-effects meta-analysis (risk ratio)"


def ratio_cell(ratio: float, low: float, high: float) -> str:
    """ "0.41 [0.13, 1.26]": a risk ratio and its 95 % CI as the comparative forest plot prints it."""
    return f"{numbers.ratio(ratio)} [{numbers.ratio(low)}, {numbers.ratio(high)}]"


def counts_cell(events: int, n: int) -> str:
    return f"{events}/{n}"


def total_label(all_studies: int | None) -> str:
    """The pooled row of a comparative forest plot, which also sums each arm's events and patients."""
    return "Total, all studies (REML)" if all_studies else "Total (REML)"


def comparison_forest_table(
    rows: list[dict[str, Any]],
    pooled: dict[str, Any],
    sensitivity: dict[str, Any] | None,
    totals: list[list[int]],
    all_studies: int | None = None,
) -> list[dict[str, str]]:
    """The comparative forest plot's columns: one row per trial (each arm's events/total, the risk
    ratio computed from them, the REML weight), then the total of both arms with the pooled risk
    ratio, the 95 % prediction interval and the DerSimonian-Laird estimate. rows: label, counts
    ([[events, n] of the intervention arm, of the comparator arm]), ratio, ci_low, ci_high, weight."""
    table = [
        {
            "Study": r["label"],
            INTERVENTION: counts_cell(*r["counts"][0]),
            COMPARATOR: counts_cell(*r["counts"][1]),
            RATIO: ratio_cell(r["ratio"], r["ci_low"], r["ci_high"]),
            "Weight": f"{numbers.weight(r['weight'])} %",
        }
        for r in rows
    ]
    total = {"Study": total_label(all_studies), INTERVENTION: counts_cell(*totals[0])}
    total |= {COMPARATOR: counts_cell(*totals[1])}
    p = forest_pooled(pooled, "ratio")
    table.append(total | {RATIO: ratio_cell(p["estimate"], p["ci_low"], p["ci_high"]), "Weight": "100 %"})
    empty = {INTERVENTION: "", COMPARATOR: "", "Weight": ""}
    if p["pi_low"] is not None:
        assert p["pi_high"] is not None, "a prediction interval has both bounds"
        interval = f"[{numbers.ratio(p['pi_low'])}, {numbers.ratio(p['pi_high'])}]"
        table.append({"Study": PREDICTION_LABEL} | empty | {RATIO: interval})
    if sensitivity is not None:
        s = forest_pooled(sensitivity, "ratio")
        dl = ratio_cell(s["estimate"], s["ci_low"], s["ci_high"])
        table.append({"Study": SENSITIVITY_LABEL} | empty | {RATIO: dl})
    return [{key: row[key] for key in ("Study", INTERVENTION, COMPARATOR, RATIO, "Weight")} for row in table]


def favours(event_kind: str, intervention: str, comparator: str) -> tuple[str, str]:
    """The words under a risk-ratio axis, left of 1 and right of 1. Of a benefit, a ratio above 1
    (more events with the intervention) favours the intervention; of a harm, a ratio below 1 does;
    of an outcome that is neither declared, the words say only which arm has more events."""
    if event_kind == "benefit":
        return f"Favours {comparator}", f"Favours {intervention}"
    if event_kind == "harm":
        return f"Favours {intervention}", f"Favours {comparator}"
    return f"Fewer events with {intervention}", f"More events with {intervention}"


def ratio_ticks(ticks: list[float]) -> list[str]:
    return [numbers.axis_ratio(t) for t in ticks]


def comparison_alt(
    table: list[dict[str, str]], heterogeneity_text: str, sides: tuple[str, str], k: int, all_studies: int | None
) -> str:
    shown = f"{k} of {all_studies} studies" if all_studies else f"{k} studies"
    rows = []
    for r in table:
        arms = f"{r[INTERVENTION]} against {r[COMPARATOR]}; " if r[INTERVENTION] else ""
        weight = f"; weight {r['Weight']}" if r["Weight"] else ""
        rows.append(f"{r['Study']}: {arms}risk ratio {r[RATIO]}{weight}")
    return (
        f"Forest plot of risk ratios of {shown} (intervention events/total against comparator events/total), "
        f"on a log scale with a line at 1 (left of it: {sides[0]}; right of it: {sides[1]}). "
        + ". ".join(rows)
        + ". "
        + heterogeneity_text
        + "."
    )


# ----------------------------------------------------------------------------- risk of bias beside a forest plot
ROB_PREFIX = "Risk of bias "


def rob_key(short: str) -> str:
    return f"{ROB_PREFIX}{short}"


def with_rob(table: list[dict[str, str]], rows: list[dict[str, Any]], columns: list[str]) -> list[dict[str, str]]:
    """The forest plot's table with each study's risk-of-bias judgements (symbol and word) in a
    column per domain; the pooled rows under the studies have none."""
    result = []
    for i, line in enumerate(table):
        cells = rows[i]["rob"] if i < len(rows) else [{"text": ""}] * len(columns)
        result.append(line | {rob_key(c): cell["text"] for c, cell in zip(columns, cells, strict=True)})
    return result


def rob_alt(table: list[dict[str, str]], columns: list[str], k: int, legend: str) -> str:
    """The risk-of-bias columns in words, study by study, for the text alternative."""
    studies = "; ".join(f"{r['Study']}: " + ", ".join(f"{c} {r[rob_key(c)]}" for c in columns) for r in table[:k])
    return f" {legend} Judgements: {studies}."


# ----------------------------------------------------------------------------- under a pooled result
ESTIMATE = "Estimate [95 % CI]"


def robustness_tables(
    rows: list[EstimatorRow], shown: list[LooRow], total: int, method: str, kind: str, scale: str
) -> list[AnalysisTable]:
    """The estimators side by side, then leave-one-out (`shown` of the `total` refits, by `method`)
    when there was any (robustness.analyse)."""
    tables: list[AnalysisTable] = [
        {
            "caption": "Estimators side by side",
            "columns": ["Model", ESTIMATE, PREDICTION_LABEL, "τ²"],
            "rows": [
                {
                    "Model": r["label"] + (" — not usable, see note" if r["note"] else ""),
                    ESTIMATE: estimate_cell(r["estimate"], r["ci_low"], r["ci_high"], scale),
                    PREDICTION_LABEL: _interval(r, scale),
                    "τ²": numbers.tau2(r["tau2"]),
                }
                for r in rows
            ],
        }
    ]
    if total:
        caption = f"Leave-one-out, {method} refitted without each study"
        caption += "" if len(shown) == total else f": the {len(shown)} most influential of {total}"
        change = "Change, points" if kind == "proportion" else "Change"
        tables.append(
            {
                "caption": caption,
                "columns": ["Omitted", ESTIMATE, change, "τ²"],
                "rows": [
                    {
                        "Omitted": r["omitted"] + (" (GLMM not usable: REML)" if r["note"] else ""),
                        ESTIMATE: estimate_cell(r["estimate"], r["ci_low"], r["ci_high"], scale),
                        change: numbers.change(r["change"], scale),
                        "τ²": numbers.tau2(r["tau2"]),
                    }
                    for r in shown
                ],
            }
        )
    return tables


def _interval(row: EstimatorRow, scale: str) -> str:
    low, high = row["pi_low"], row["pi_high"]
    if low is None or high is None:  # none below three studies: both bounds or neither
        return ""
    return f"[{numbers.estimate(low, scale)}, {numbers.estimate(high, scale)}]"


def subgroup_table(name: str, subgroups: list[dict[str, Any]], scale: str) -> AnalysisTable:
    """The subgroups' pooled estimates (subgroups.analyse)."""
    return {
        "caption": f"Subgroups by {name}",
        "columns": ["Subgroup", "Studies", ESTIMATE, "τ²"],
        "rows": [
            {
                "Subgroup": s["subgroup"],
                "Studies": str(s["k"]),
                ESTIMATE: estimate_cell(s["estimate"], s["ci_low"], s["ci_high"], scale),
                "τ²": numbers.tau2(s["tau2"]),
            }
            for s in subgroups
        ],
    }
