"""Comparative studies in the data (issue 18, first part): arms, outcomes of an arm, comparisons as
the source states them, subgroups. Patchell 2005 (PMID 16112300), figures from its abstract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from briefing.data import evidence
from briefing.verify import validation
from conftest import ROOT, append_rows, edit_rows

STUDY = {
    "study_id": "patchell2005",
    "short_name": "Patchell 2005",
    "title": (
        "Direct decompressive surgical resection in the treatment of spinal cord compression caused by "
        "metastatic cancer: a randomised trial"
    ),
    "authors": "Patchell RA, Tibbs PA, Regine WF, Payne R, Saris S, Kryscio RJ, Mohiuddin M, Young B",
    "year": "2005",
    "journal": "Lancet",
    "citation_detail": "2005;366(9486):643-648",
    "pmid": "16112300",
    "doi": "10.1016/S0140-6736(05)66954-1",
    "design": "randomised_trial",
    "population": "Adults with spinal cord compression from metastatic cancer",
    "patients": "101",
    "modality_id": "surgery",
    "regimen": "Decompressive surgery followed by radiotherapy, against radiotherapy alone (10 fractions of 3 Gy)",
    "source_document": "PubMed 16112300 (abstract)",
    "source_locator": "Abstract (methods, findings)",
}
ARMS = [
    {"arm_id": "patchell2005-surgery", "label": "surgery and radiotherapy", "role": "intervention", "patients": "50"}
    | {"modality_id": "surgery"},
    # 10 fractions of 3 Gy: conventional external-beam radiotherapy, another modality of the briefing.
    {"arm_id": "patchell2005-rt", "label": "radiotherapy alone", "role": "comparator", "patients": "51"}
    | {"modality_id": "cebrt"},
]
WALK = {"domain": "neurological", "measure": "Able to walk after treatment", "source_term": "ability to walk"}
OUTCOMES = [
    WALK | {"outcome_id": "patchell2005-walk-surgery", "arm_id": "patchell2005-surgery", "events": "42"},
    WALK | {"outcome_id": "patchell2005-walk-rt", "arm_id": "patchell2005-rt", "events": "29"},
]
COMPARISON = WALK | {
    "comparison_id": "patchell2005-walk-or",
    "arm_id": "patchell2005-surgery",
    "comparator_arm_id": "patchell2005-rt",
    "effect_measure": "OR",
    "value": "6.2",
    "ci_low": "2.0",
    "ci_high": "19.8",
    "p_value": "0.001",
    "timepoint": "after treatment",
}


def _append(data: Path, name: str, rows: list[dict[str, str]]) -> None:
    append_rows(data / name, rows)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return with_patchell(ROOT / "data", tmp_path / "data")


def with_patchell(seeds: Path, target: Path) -> Path:
    """The seeds plus Patchell 2005: two arms, each arm's walking figure and the stated odds ratio."""
    data = shutil.copytree(seeds, target)
    locator = {"locator": "Abstract (findings)"}
    _append(data, "studies.csv", [STUDY])
    _append(data, "arms.csv", [a | {"study_id": "patchell2005"} | locator for a in ARMS])
    arms = {a["arm_id"]: a for a in ARMS}
    outcomes = [
        o
        | {"study_id": "patchell2005", "statistic": "count", "unit": "patients", "timepoint": "after treatment"}
        | {"value": o["events"], "denominator": arms[o["arm_id"]]["patients"], "denominator_unit": "patients"}
        | locator
        for o in OUTCOMES
    ]
    _append(data, "outcomes.csv", outcomes)
    _append(data, "comparisons.csv", [COMPARISON | {"study_id": "patchell2005"} | locator])
    return data


def test_a_two_arm_trial_is_valid_and_sliced_with_its_arms_and_comparisons(data):
    every = [m["modality_id"] for m in evidence.read_tables(data / "datapackage.yaml")["modalities"]]
    assert validation.validate_package(data / "datapackage.yaml", every) == []
    tables = evidence.read_tables(data / "datapackage.yaml")
    piece = evidence.slice_for_modality(tables, "surgery")
    assert [a["arm_id"] for a in piece["arms"]] == ["patchell2005-surgery", "patchell2005-rt"]
    assert [c["value_text"] for c in piece["comparisons"]] == ["6.2"]
    assert {o["arm_id"] for o in piece["outcomes"] if o["study_id"] == "patchell2005"} == set(arms(piece))


def arms(piece: dict) -> list[str]:
    return [a["arm_id"] for a in piece["arms"]]


def _problems(data: Path, name: str, key: str, **changes: str) -> list[tuple[int | None, str | None, str]]:
    edit_rows(data / name, key, **changes)
    return [(p.row, p.column, p.message) for p in validation.validate_package(data / "datapackage.yaml")]


@pytest.mark.parametrize(
    ("name", "key", "changes", "column", "words"),
    [
        ("arms.csv", "patchell2005-rt", {"patients": "60"}, "patients", "add up to 110 patients, more than its 101"),
        ("outcomes.csv", "patchell2005-walk-rt", {"arm_id": "patchell2005-rt", "study_id": "ryu2008"}, "arm_id",
         "is an arm of patchell2005, not of ryu2008"),
        ("comparisons.csv", "patchell2005-walk-or", {"comparator_arm_id": "patchell2005-surgery"},
         "comparator_arm_id", "cannot be compared with itself"),
        ("comparisons.csv", "patchell2005-walk-or", {"value": "1.82"}, "value", "not within its CI 2.0 to 19.8"),
        ("comparisons.csv", "patchell2005-walk-or", {"value": "-0.5", "ci_low": "-1", "ci_high": "0.1"}, "value",
         "odds ratio is above 0"),
        ("comparisons.csv", "patchell2005-walk-or", {"ci_high": ""}, "ci_high", "needs both bounds"),
        ("comparisons.csv", "patchell2005-walk-or", {"effect_measure": "NNT"}, "effect_measure", "must be one of: HR"),
        ("arms.csv", "patchell2005-rt", {"role": "control"}, "role", "must be one of: intervention, comparator"),
    ],
)  # fmt: skip
def test_comparative_rows_that_cannot_be_right_are_refused(data, name, key, changes, column, words):
    found = _problems(data, name, key, **changes)
    assert [c for _, c, _ in found] == [column], found
    assert words in found[0][2]


def test_the_summary_counts_the_modalitys_own_arm_and_words_the_stated_comparison(data):
    from briefing.assemble import summary
    from briefing.schema import models

    tables = evidence.read_tables(data / "datapackage.yaml")
    result = summary.build_summary(evidence.slice_for_modality(tables, "surgery"))
    models.check(models.ModalitySummary, json_roundtrip(result))
    assert result["patients"] == 50  # the surgery arm, not the 101 of both arms
    (comparison,) = result["comparisons"]
    # The table names the outcome in its first column: the effect cell says the effect only.
    assert comparison["text"] == "OR 6.2 (95 % CI 2.0 to 19.8); p = 0.001"
    assert comparison["scope"] == "after treatment; surgery and radiotherapy against radiotherapy alone"
    labels = {o["outcome_id"]: o["label"] for o in result["outcomes"]}
    assert labels["patchell2005-walk-rt"] == "Able to walk after treatment, radiotherapy alone arm, after treatment"
    pooled_ids = [i for p in result["pooled"] for i in p["outcome_ids"]]
    assert "patchell2005-walk-rt" not in pooled_ids  # the comparator arm is not surgery's evidence


def json_roundtrip(value):
    import json

    return json.loads(evidence.dumps(value))


# The whole build with this trial, and then with three trials more: the last test of this module.


def test_the_build_computes_the_risk_ratio_and_absolute_effect_beside_the_stated_odds_ratio(data):
    """42/50 against 29/51: RR = (42/50)/(29/51) = 0.84/0.5686 = 1.4772; log RR 0.3902, variance
    1/42 - 1/50 + 1/29 - 1/51 = 0.01859, so the 95 % CI is exp(0.3902 -/+ 1.96 x 0.1363) = 1.13 to
    1.93. At the comparator risk 29/51 (569 per 1,000), RR 1.4772 gives 840 per 1,000: 271 more;
    the CI's 1.93 would give 1,097 per 1,000, so that bound is capped at 1,000: 431 more."""
    from briefing.assemble import summary

    tables = evidence.read_tables(data / "datapackage.yaml")
    result = summary.build_summary(evidence.slice_for_modality(tables, "surgery"))
    (rr,) = result["computed_comparisons"]
    assert round(rr["ratio"], 4) == 1.4772 and (round(rr["ci_low"], 2), round(rr["ci_high"], 2)) == (1.13, 1.93)
    assert rr["text"] == (
        "RR 1.48 (95 % CI 1.13 to 1.93), computed from "
        "42/50 and 29/51; with radiotherapy alone 569 per 1,000, 271 more per 1,000 (95 % CI 74 more to 431 "
        "more, a bound capped where the risk would pass 1,000 per 1,000) with surgery and radiotherapy"
    )
    assert rr["scope"] == "after treatment; surgery and radiotherapy against radiotherapy alone"


def test_a_subgroup_is_never_summed_with_the_whole_group_nor_pooled(data):
    """Patchell's regained walking among those unable to walk at entry (10/16 against 3/16) is a
    subgroup; and a response category of a subgroup does not add to the whole group's 100 %."""
    subgroup = {"subgroup": "unable to walk at entry", "measure": "Regained ability to walk", "locator": "x"}
    rows = [
        subgroup | {"outcome_id": "patchell2005-regain-surgery", "arm_id": "patchell2005-surgery", "events": "10"},
        subgroup | {"outcome_id": "patchell2005-regain-rt", "arm_id": "patchell2005-rt", "events": "3"},
    ]
    common = {"study_id": "patchell2005", "domain": "neurological", "source_term": "regained ability to walk"}
    common |= {"statistic": "count", "unit": "patients", "denominator": "16", "denominator_unit": "patients"}
    _append(data, "outcomes.csv", [r | common | {"value": r["events"]} for r in rows])
    ryu = {"study_id": "ryu2008", "domain": "pain_response", "measure": "Complete pain relief, subgroup"}
    ryu |= {"source_term": "complete relief", "icpr_category": "complete", "statistic": "percent", "unit": "%"}
    ryu |= {"value": "40", "locator": "x", "outcome_id": "ryu2008-sub", "subgroup": "a subgroup for the test"}
    _append(data, "outcomes.csv", [ryu])
    assert validation.validate_package(data / "datapackage.yaml") == []  # 81.1 % + 40 % are two groups
    from briefing.assemble import summary

    tables = evidence.read_tables(data / "datapackage.yaml")
    result = summary.build_summary(evidence.slice_for_modality(tables, "surgery"))
    assert not any("patchell2005-regain-surgery" in p["outcome_ids"] for p in result["pooled"])
    regain = next(c for c in result["computed_comparisons"] if c["subgroup"])
    assert regain["counts"] == [[10, 16], [3, 16]] and "subgroup unable to walk at entry" in regain["scope"]


# The counts of metafor's dat.bcg first three trials (tpos, tneg, cpos, cneg), used here for their
# arithmetic only: three two-arm trials of one treatment against one comparator.
BCG3 = [(4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209)]


def _three_trials(data: Path, domain: str = "toxicity", trials: list[tuple[int, ...]] = BCG3) -> None:
    studies, arms, outcomes = [], [], []
    for i, (tpos, tneg, cpos, cneg) in enumerate(trials, start=1):
        sid = f"trial{i}"
        studies.append(
            STUDY | {"study_id": sid, "short_name": f"Trial {i}", "patients": str(tpos + tneg + cpos + cneg)}
        )
        studies[-1] |= {"pmid": "", "doi": "", "title": f"Test trial {i}"}
        for arm, role, modality, events, n in (
            ("a", "intervention", "surgery", tpos, tpos + tneg),
            ("b", "comparator", "cebrt", cpos, cpos + cneg),
        ):
            arms.append({"arm_id": f"{sid}-{arm}", "study_id": sid, "label": f"arm {arm}", "role": role})
            arms[-1] |= {"modality_id": modality, "patients": str(n), "locator": "x"}
            outcomes.append(
                {"outcome_id": f"{sid}-{arm}-event", "study_id": sid, "arm_id": f"{sid}-{arm}", "domain": domain}
                | {"measure": "Event", "source_term": "event", "statistic": "count", "value": str(events)}
                | {"events": str(events), "denominator": str(n), "denominator_unit": "patients", "unit": "patients"}
                | {"locator": "x"}
            )
    _append(data, "studies.csv", studies)
    _append(data, "arms.csv", arms)
    _append(data, "outcomes.csv", outcomes)


def test_three_trials_of_the_same_comparison_give_one_pooled_sof_row_with_absolute_effects(data):
    from briefing.assemble import summary
    from briefing.stats import meta

    _three_trials(data)
    assert validation.validate_package(data / "datapackage.yaml") == []
    tables = evidence.read_tables(data / "datapackage.yaml")
    result = summary.build_summary(evidence.slice_for_modality(tables, "surgery"))
    row = next(r for r in result["sof_comparisons"] if r["measure"] == "Event")
    yi, vi = meta.escalc_2x2("RR", *zip(*[(t, t + n, c, c + m) for t, n, c, m in BCG3], strict=True))
    expected = meta.pool_comparisons("RR", yi, vi)
    assert row["study_ids"] == ["trial1", "trial2", "trial3"] and row["ratio"] == expected.estimate_ratio
    assert row["participants"] == sum(sum(t) for t in BCG3)
    # GRADE's assumed comparator risk: the median of the comparator arms' risks, 11/220 < 11/139 < 29/303
    # (not their pooled 51/662 = 77 per 1,000).
    assert row["comparator_arms"] == [[11, 139], [29, 303], [11, 220]] and row["assumed_risk"] == [11, 139]
    assert row["absolute"]["comparator_risk"] == 11 / 139
    assert row["comparator_risk"] == "79 per 1,000"  # 11/139 = 0.07914
    assert row["comparator_basis"] == "median of 3 trials' comparator arms"
    assert row["relative"].startswith("RR ") and "pooled, 3 trials" in row["relative"]
    assert row["difference"].endswith(")") and "fewer per 1,000" in row["difference"]
    assert row["figure_id"] == "fig-surgery-comparison-1"  # its forest plot
    assert row["sensitivity"]["method"] == "DL" and row["sensitivity"]["k"] == 3


# ----------------------------------------------------------------------------- the comparative forest plot
# metafor's escalc(measure="RR") of the first three dat.bcg trials, as docs/reference/escalc.html
# prints them (yi, vi; tests/test_comparisons.py checks all 13 trials against the same listing).
BCG3_METAFOR = [(-0.8893, 0.3256), (-1.5854, 0.1946), (-1.3481, 0.4154)]


def _three_trial_summary(data: Path, domain: str = "toxicity") -> dict:
    from briefing.assemble import summary

    _three_trials(data, domain)
    tables = evidence.read_tables(data / "datapackage.yaml")
    return summary.build_summary(evidence.slice_for_modality(tables, "surgery"))


def test_three_trials_get_a_comparative_forest_plot_with_each_trials_arms_ratio_and_weight(data):
    import math

    from briefing.core import numbers
    from briefing.present import figure_tables
    from briefing.schema import models
    from briefing.stats import meta

    result = _three_trial_summary(data)
    models.check(models.ModalitySummary, json_roundtrip(result))
    (forest,) = result["comparison_figures"]  # Patchell 2005's single trial gets none
    assert forest["id"] == forest["part_of"] == "fig-surgery-comparison-1"
    assert forest["title"] == "Event: arm a versus arm b, random-effects meta-analysis (risk ratio)"
    trials, (total, prediction, sensitivity) = forest["table"][:3], forest["table"][3:]
    assert [r["Study"] for r in trials] == ["Trial 1", "Trial 2", "Trial 3"]
    for row, (tpos, tneg, cpos, cneg), (yi, vi) in zip(trials, BCG3, BCG3_METAFOR, strict=True):
        assert row["Intervention: events/total"] == f"{tpos}/{tpos + tneg}"
        assert row["Comparator: events/total"] == f"{cpos}/{cpos + cneg}"
        half = 1.959964 * math.sqrt(vi)  # metafor's 95 % CI from its printed yi and vi
        ratio, low, high = (numbers.ratio(math.exp(yi + d)) for d in (0, -half, half))
        assert row["Risk ratio [95 % CI]"] == f"{ratio} [{low}, {high}]"
    weights = [float(r["Weight"].removesuffix(" %")) for r in trials]
    assert abs(sum(weights) - 100) <= 0.05 * len(weights)  # each rounded to 0.1 %
    yi, vi = meta.escalc_2x2("RR", *zip(*[(t, t + n, c, c + m) for t, n, c, m in BCG3], strict=True))
    reml, dl = meta.pool_comparisons("RR", yi, vi), meta.pool_comparisons("RR", yi, vi, method="DL")
    assert [r["Weight"] for r in trials] == [f"{numbers.weight(w)} %" for w in reml.weights]
    assert total == {
        "Study": "Total (REML)",
        "Intervention: events/total": "13/660",
        "Comparator: events/total": "51/662",
        "Risk ratio [95 % CI]": figure_tables.ratio_cell(reml.estimate_ratio, reml.ci_low_ratio, reml.ci_high_ratio),
        "Weight": "100 %",
    }
    # HKSJ CI (issue 31; the Wald CI was [0.14, 0.48]). In R 4.2.2, metafor 3.8-1:
    #   predict(rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg[1:3,], test="knha"),
    #           transf=exp)                                                   # 0.264 [0.107, 0.651]
    #   exp(b + c(-1, 1) * qt(.975, 1) * sqrt(se^2 + tau2)) of the test="z" fit  # PI 0.0054 13.05
    #   confint(...)                                                          # tau² 0 [0, 4.6695]
    assert total["Risk ratio [95 % CI]"] == "0.26 [0.11, 0.65]"
    pi = f"[{numbers.ratio(reml.pi_low_ratio)}, {numbers.ratio(reml.pi_high_ratio)}]"
    assert prediction["Study"] == "95 % prediction interval" and prediction["Risk ratio [95 % CI]"] == pi
    assert sensitivity["Risk ratio [95 % CI]"] == figure_tables.ratio_cell(
        dl.estimate_ratio, dl.ci_low_ratio, dl.ci_high_ratio
    )
    assert pi == "[0.01, 13.05]"
    heterogeneity = "Heterogeneity: τ² = 0.0000 (95 % CI 0.0000 to 4.6695); I² = 0.0 %; Q = 0.93, df = 2, p = 0.627"
    assert forest["heterogeneity"] == heterogeneity
    drawn = [text for text, _, _ in drawn_texts(forest["svg"])]
    assert all(cell in drawn for row in forest["table"] for cell in row.values() if cell)
    assert forest["heterogeneity"] in drawn


def drawn_texts(svg: str) -> list[tuple[str, float, str]]:
    """Each text of a matplotlib SVG: its words, x, and anchor (start, middle or end)."""
    import re

    found = []
    for attributes, text in re.findall(r"<text([^>]*)>([^<]*)</text>", svg):
        at = re.search(r'\bx="([-\d.]+)"', attributes) or re.search(r"translate\(([-\d.]+)", attributes)
        anchor = re.search(r"text-anchor: (\w+)", attributes)
        found.append((text.strip(), float(at.group(1)), anchor.group(1) if anchor else "start"))
    return found


def favours_sides(svg: str) -> tuple[str, str]:
    """The "Favours" words left of the line at 1 (ending before it) and right of it (starting after)."""
    texts = drawn_texts(svg)
    one = next(x for text, x, anchor in texts if text == "1" and anchor == "middle")  # the tick at 1
    left = [text for text, x, anchor in texts if text.startswith("Favours") and anchor == "end" and x < one]
    right = [text for text, x, anchor in texts if text.startswith("Favours") and anchor == "start" and x > one]
    return " ".join(left), " ".join(right)


@pytest.mark.parametrize(
    ("domain", "left", "right"),
    [
        # a harm (toxicity): fewer events with arm a, a risk ratio below 1, favours arm a
        ("toxicity", "Favours arm a", "Favours arm b"),
        # a benefit (durability of relief): more events with arm a, a ratio above 1, favour arm a
        ("durability", "Favours arm b", "Favours arm a"),
    ],
)
def test_the_favours_words_sit_on_the_side_the_outcome_makes_good(data, domain, left, right):
    from briefing.core.vocabulary import DOMAINS

    assert DOMAINS[domain].event_kind == ("harm" if domain == "toxicity" else "benefit")
    (forest,) = _three_trial_summary(data, domain)["comparison_figures"]
    assert favours_sides(forest["svg"]) == (left, right)
    assert f"left of it: {left}; right of it: {right}" in forest["alt"]


def test_a_single_trial_gets_no_comparative_forest_plot(data):
    from briefing.assemble import summary

    tables = evidence.read_tables(data / "datapackage.yaml")
    result = summary.build_summary(evidence.slice_for_modality(tables, "surgery"))
    (row,) = result["sof_comparisons"]  # Patchell 2005 alone
    assert row["pooled"] is None and row["sensitivity"] is None and row["figure_id"] is None
    assert result["comparison_figures"] == []


@pytest.mark.slow
def test_a_build_with_a_two_arm_trial_and_then_three_trials_shows_each_comparison_and_passes_the_audit(
    workspace, tmp_path
):
    """One workspace, two builds: Patchell 2005 alone (one trial: its comparison, no forest plot),
    then the three trials added as a curator adds studies (the comparative forest plot)."""
    from briefing.verify import audit
    from conftest import snakemake

    data = with_patchell(ROOT / "data", tmp_path / "data")
    for path in data.iterdir():  # rewrite in place: the build sees edited tables
        shutil.copyfile(path, workspace / "data" / path.name)
    snakemake(workspace)  # the audit step passes only if every printed number traces to the data
    html = (workspace / "reports" / "briefing.html").read_text(encoding="utf-8")
    assert 'id="comparison-patchell2005-walk-or"' in html
    assert "<td>OR 6.2 (95 % CI 2.0 to 19.8); p = 0.001</td>" in html
    assert "radiotherapy alone arm" in html
    assert 'id="fig-surgery-comparison-1"' not in html  # one trial: no forest plot

    _three_trials(data)
    for path in data.iterdir():  # the tables the trials touch: a curator's edit, not a new copy
        if path.read_bytes() != (workspace / "data" / path.name).read_bytes():
            shutil.copyfile(path, workspace / "data" / path.name)
    snakemake(workspace)
    html = (workspace / "reports" / "briefing.html").read_text(encoding="utf-8")
    sof, forest = html.index('id="table-surgery-sof-comparisons"'), html.index('<figure id="fig-surgery-comparison-1"')
    assert sof < forest < html.index('id="table-surgery-outcomes"')  # beside its summary of findings
    assert '<a href="#fig-surgery-comparison-1">the forest plot</a>' in html[sof:forest]
    assert "<td>Total (REML)</td><td>13/660</td><td>51/662</td><td>0.26 [0.11, 0.65]</td>" in html  # HKSJ
    # The forest plot is per-study detail: the modality's own PDF prints it.
    pdf = " ".join(" ".join(audit.pdf_pages(workspace / "reports" / "modalities" / "surgery.pdf")).split())
    assert "Event: arm a versus arm b, random-effects meta-analysis (risk ratio)" in pdf
    assert "Favours arm a" in pdf and "DerSimonian–Laird (sensitivity)" in pdf
    published = json.loads((workspace / "reports" / "briefing.json").read_text(encoding="utf-8"))
    surgery = next(m for m in published["modalities"] if m["modality_id"] == "surgery")
    assert "fig-surgery-comparison-1" in [f["id"] for f in surgery["figures"]]
