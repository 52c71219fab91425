"""The forest plot of a comparison pooled over several trials (issue 18), in GRADE's and Cochrane's
form: each trial's arms, risk ratio and REML weight, the totals with the pooled diamond, the
prediction interval, the DerSimonian-Laird sensitivity estimate and heterogeneity, on a log axis
that says which side favours which arm. Checked against metafor on all 13 dat.bcg trials (the
reference values and where metafor prints them: tests/test_comparisons.py)."""

from __future__ import annotations

import math
import random
import re

import pytest
from test_comparisons import BCG

from briefing.assemble import summary
from briefing.core import numbers
from briefing.core.vocabulary import DOMAINS
from briefing.present import figure_tables, figures, wording
from briefing.stats import comparative

# dat.bcg (tpos, tneg, cpos, cneg) and metafor's escalc(measure="RR") yi and vi of each trial, as
# docs/reference/escalc.html prints them.
YI = "-0.8893 -1.5854 -1.3481 -1.4416 -0.2175 -0.7861 -1.6209 0.0120 -0.4694 -1.3713 -0.3394 0.4459 -0.0173"
VI = "0.3256 0.1946 0.4154 0.0200 0.0512 0.0069 0.2230 0.0040 0.0564 0.0730 0.0124 0.5325 0.0714"
# rma(yi, vi) (REML): tau² 0.3132; predict(res, transf=exp): 0.4894 (0.3441 to 0.6962), PI 0.1546 to
# 1.5490; I² 92.22 %, Q(df = 12) = 152.2330, p < .0001. DL: 0.4896 (0.3449 to 0.6950).
REML_TAU2 = 0.3132


def comparison(trials: list[tuple[int, int, int, int]], domain: str = "toxicity") -> tuple[dict, list[dict]]:
    """The comparative SoF row of these trials (surgery against radiotherapy) with its figure id and
    each trial's computed risk ratio, and its forest plot, as build_summary makes them."""
    arms, outcomes, studies = {}, [], {}
    for i, (tpos, tneg, cpos, cneg) in enumerate(trials, start=1):
        studies[f"t{i}"] = {"short_name": f"Trial {i}"}
        for arm, role, modality, events, n in (
            ("a", "intervention", "surgery", tpos, tpos + tneg),
            ("b", "comparator", "cebrt", cpos, cpos + cneg),
        ):
            label = "surgery and radiotherapy" if arm == "a" else "radiotherapy alone"
            arms[f"t{i}-{arm}"] = {"arm_id": f"t{i}-{arm}", "study_id": f"t{i}", "role": role, "label": label}
            arms[f"t{i}-{arm}"]["modality_id"] = modality
            outcomes.append(
                {"outcome_id": f"t{i}-{arm}-event", "study_id": f"t{i}", "arm_id": f"t{i}-{arm}", "domain": domain}
                | {"measure": "Event", "estimate": {"events": events, "n": n}}
            )
    computed = comparative.computed(outcomes, arms)
    (row,) = comparative.sof_rows(computed, arms)
    row |= wording.comparative_sof_texts(row, arms) | {"figure_id": "fig-x-comparison-1"}
    return row | {"computed": computed}, summary.comparison_forest(
        row, {c["comparison_id"]: c for c in computed}, studies
    )


def ticks(svg: str) -> list[str]:
    """The tick labels of a figure's x axis."""
    return re.findall(r'<g id="[^"]*xtick_\d+">.*?<text[^>]*>([^<]*)</text>', svg, re.S)


def printed(column: str) -> list[float]:
    return [float(x) for x in column.split()]


def test_all_thirteen_bcg_trials_print_metafors_risk_ratios_weights_and_pooled_results():
    row, (forest,) = comparison(BCG)
    k = len(BCG)
    trials, (total, prediction, sensitivity) = forest.table[:k], forest.table[k:]
    vi = printed(VI)
    reml_weights = [1 / (v + REML_TAU2) for v in vi]  # inverse variance with metafor's tau²
    for cells, c, (tpos, tneg, cpos, cneg), y, v, w in zip(
        trials, row["computed"], BCG, printed(YI), vi, reml_weights, strict=True
    ):
        assert cells["Intervention: events/total"] == f"{tpos}/{tpos + tneg}"
        assert cells["Comparator: events/total"] == f"{cpos}/{cpos + cneg}"
        # The trial's log risk ratio and variance are metafor's to the 4 decimals it prints (trial 8's
        # vi, 0.0040, is too coarse to recompute its CI's upper bound, 1.1449, from it), and the cell
        # prints exp(yi -/+ 1.96 sqrt(vi)) of them.
        assert (round(c["yi"], 4), round(c["vi"], 4)) == (y, v)
        half = 1.959964 * math.sqrt(c["vi"])
        assert cells["Risk ratio [95 % CI]"] == figure_tables.ratio_cell(
            *(math.exp(c["yi"] + d) for d in (0, -half, half))
        )
        assert cells["Weight"] == f"{numbers.weight(100 * w / sum(reml_weights))} %"
    # DerSimonian-Laird's tau² (0.3088) would give trials 1 and 2 5.0 % and 6.3 %: the weights are REML's.
    assert [c["Weight"] for c in trials[:2]] == ["5.1 %", "6.4 %"]
    events = [
        sum(t[0] for t in BCG),
        sum(t[0] + t[1] for t in BCG),
        sum(t[2] for t in BCG),
        sum(t[2] + t[3] for t in BCG),
    ]
    assert total == {
        "Study": "Total (REML)",
        "Intervention: events/total": f"{events[0]}/{events[1]}",
        "Comparator: events/total": f"{events[2]}/{events[3]}",
        # Cochrane's defaults (issue 31; Wald: 0.3441 to 0.6962). In R 4.2.2, metafor 3.8-1:
        # predict(rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg, test="knha"), transf=exp)
        "Risk ratio [95 % CI]": "0.49 [0.33, 0.73]",  # metafor: 0.4894 (0.3301 to 0.7257)
        "Weight": "100 %",
    }
    # exp(b + c(-1, 1) * qt(.975, 11) * sqrt(se^2 + tau2)) of the test="z" fit: 0.1342 to 1.7848 (z: 0.15, 1.55)
    assert prediction["Risk ratio [95 % CI]"] == "[0.13, 1.78]"
    assert sensitivity == {
        "Study": "DerSimonian–Laird (sensitivity)",
        "Intervention: events/total": "",
        "Comparator: events/total": "",
        "Risk ratio [95 % CI]": "0.49 [0.33, 0.73]",  # metafor method="DL", test="knha": 0.4896 (0.3303 to 0.7258)
        "Weight": "",
    }
    # confint(rma(...)): tau² 0.3132 (0.1197 to 1.1115), the Q-profile CI
    heterogeneity = "Heterogeneity: τ² = 0.3132 (95 % CI 0.1197 to 1.1115); I² = 92.2 %; Q = 152.23, df = 12, p < 0.001"
    assert forest.heterogeneity == heterogeneity
    assert row["relative"].startswith("RR 0.49 (0.33 to 0.73)")  # the SoF row says what the plot says


def test_the_axis_is_logarithmic_symmetric_about_one_with_ticks_as_ratios():
    _, (forest,) = comparison(BCG)
    assert ticks(forest.svg) == ["0.05", "0.2", "1", "5", "20"]  # the narrowest reach that holds 0.07 to 6.53
    assert "Risk ratio (log scale)" in forest.svg
    # risk ratios near 1; five trials, so that the t-based prediction interval (k - 2 df) stays narrow
    narrow = [(40, 60, 50, 50), (45, 55, 50, 50), (48, 52, 50, 50), (46, 54, 50, 50), (44, 56, 50, 50)]
    assert ticks(comparison(narrow)[1][0].svg) == ["0.5", "1", "2"]
    assert [numbers.axis_ratio(t) for t in (0.01, 0.05, 1, 1.0, 10, 100.0)] == ["0.01", "0.05", "1", "1", "10", "100"]


@pytest.mark.parametrize(
    ("kind", "left", "right"),
    [
        ("benefit", "Favours B", "Favours A"),  # more events with A: a ratio above 1 favours A
        ("harm", "Favours A", "Favours B"),  # fewer events with A: a ratio below 1 favours A
        ("", "Fewer events with A", "More events with A"),  # not declared: no judgement made
    ],
)
def test_which_side_favours_the_intervention_follows_the_kind_of_event(kind, left, right):
    assert figure_tables.favours(kind, "A", "B") == (left, right)


def test_every_domain_says_whether_its_events_are_a_benefit_or_a_harm_or_nothing():
    assert {d.event_kind for d in DOMAINS} <= {"benefit", "harm", ""}
    for d in DOMAINS:
        if d.role in ("pain", "lasting", "safety") and not d.events:
            assert d.event_kind == ("harm" if d.role == "safety" else "benefit"), d.id
    assert DOMAINS["relapse"].event_kind == "harm"  # a lasting domain whose events are bad


def test_a_comparison_of_many_trials_is_drawn_in_parts_on_one_axis_each_repeating_the_totals():
    draw = random.Random(18)
    trials = [
        (draw.randint(1, 30), draw.randint(50, 100), draw.randint(1, 30), draw.randint(50, 100)) for _ in range(80)
    ]
    _, parts = comparison(trials)
    assert [p.id for p in parts] == ["fig-x-comparison-1", "fig-x-comparison-1-cont1", "fig-x-comparison-1-cont2"]
    assert {p.part_of for p in parts} == {"fig-x-comparison-1"}
    assert all(p.title.endswith("(continued)") for p in parts[1:]) and "continued" not in parts[0].title
    sizes = [len(p.table) - 3 for p in parts]  # less the total, prediction and sensitivity rows
    assert sum(sizes) == 80 and max(sizes) <= figures.FOREST_ROWS_PER_PART and max(sizes) - min(sizes) <= 1
    summaries = {tuple(tuple(r.values()) for r in p.table[-3:]) for p in parts}
    assert len(summaries) == 1  # every part repeats the totals and pooled results of all 80 trials
    assert parts[0].table[-3]["Study"] == "Total, all studies (REML)"
    assert parts[0].table[-3]["Intervention: events/total"] == f"{sum(t[0] for t in trials)}/" + str(
        sum(t[0] + t[1] for t in trials)
    )
    assert len({tuple(ticks(p.svg)) for p in parts}) == 1 and ticks(parts[0].svg)  # one axis
    assert parts[0].alt.startswith("Forest plot of risk ratios of 27 of 80 studies")
    height = float(re.search(r'height="([\d.]+)pt"', parts[0].svg).group(1))
    assert height / 72 < 11  # one part fits an A4 page
