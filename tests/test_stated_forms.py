"""What real abstracts state beyond a plain figure (issue 29, items 14-17), entered as a curator
would: the data package accepts each, and a mistake in one is named by file, row and column with
the way out."""

from __future__ import annotations

import copy
import csv
import json
import math
import shutil
from pathlib import Path

import pytest
import stated_forms as real
import yaml

from briefing.assemble import combine, sof, summary
from briefing.data import evidence
from briefing.present import figures, render, wording
from briefing.stats import effects, pooling
from briefing.verify import audit
from conftest import PROVENANCE, ROOT
from real_studies import add_studies
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
        ({"finding": "", "finding_words": ""}, "effect_measure", "leave effect_measure empty and give finding"),
        ({"value": "2"}, "value", "value needs an effect measure"),
        ({"effect_measure": "RR", "value": "2"}, "finding", "clear finding"),
        ({"effect_measure": "RR", "finding": "", "finding_words": ""}, "value", "needs its value"),
        ({"finding": "twice"}, "finding", "must be one of: no_difference, higher, lower"),
        ({"finding": "", "effect_measure": "RR", "value": "2"}, "finding", "finding_words quotes a finding"),
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
        (1, {"unit": "patients"}, "unit", "a cumulative incidence statistic must have unit '%'"),
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


# EORTC QLQ-BM22's painful-sites scale, whose range the sources cite without printing it.
QLQ_BM22 = {
    "scale_id": "QLQ-BM22 painful sites",
    "name": "EORTC QLQ-BM22, painful sites scale",
    "text": "points (QLQ-BM22 painful sites)",
    "direction": "lower_better",
}


def test_a_scale_without_a_printed_range_is_not_range_checked(data_dir):
    append_row(data_dir, "scales", **QLQ_BM22)
    set_cell(data_dir, "outcomes", "shao_i125-nrs-w1", "unit", "QLQ-BM22 painful sites")
    set_cell(data_dir, "outcomes", "shao_i125-nrs-w1", "value", "33.3")
    assert problems_of(data_dir) == []


def test_survival_and_tumour_response_are_domains(data_dir):
    set_cell(data_dir, "outcomes", "ryu2008-relapse", "domain", "tumour_response")
    set_cell(data_dir, "outcomes", "ryu2008-duration", "domain", "survival")
    assert problems_of(data_dir) == []


# --- how the briefing shows them ------------------------------------------------------------------

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def build(data: Path) -> dict:
    package = data / "datapackage.yaml"
    tables = evidence.read_tables(package)
    summaries = [
        summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, CONFIG["analysis"]))))
        for m in CONFIG["modalities"]
    ]
    return combine.build(CONFIG, summaries, tables, evidence.general_statements(tables), copy.deepcopy(PROVENANCE))


def modality(context: dict, modality_id: str) -> dict:
    return next(s for s in context["modalities"] if s["modality_id"] == modality_id)


def test_a_finding_prints_as_the_source_words_it_never_as_a_change(data_dir):
    """Before: 'twice as common' could only be a within-arm direction, printed 'increased'; 'no
    difference between arms' a within-arm no_change ('8 Gy in one fraction: no change')."""
    add(data_dir, "studies", [real.BPTWP1999])
    add(data_dir, "arms", real.BPTWP1999_ARMS)
    add(data_dir, "outcomes", real.BPTWP1999_OUTCOMES)
    add(data_dir, "comparisons", real.BPTWP1999_COMPARISONS)
    cebrt = modality(build(data_dir), "cebrt")
    texts = {c["comparison_id"]: c["text"] for c in cebrt["comparisons"]}
    assert texts["bptwp1999-retreatment"] == (
        "higher with 8 Gy in one fraction than with 20 Gy in 5 or 30 Gy in 10 fractions "
        "(the source: “twice as common”; no effect measure stated)"
    )
    assert texts["bptwp1999-first-improvement"] == (
        "no difference between the arms (the source: “no differences”; no effect measure stated)"
    )
    assert not any(w in t for t in texts.values() for w in ("increased", "no change"))


def test_a_finding_between_two_modalities_is_a_direct_comparison_row(data_dir):
    """RTOG 0631 (PMID 37079324), as the fixture enters it: its key points say pain response at 3
    months was not improved, and worse, with radiosurgery against conventional radiotherapy: a
    between-arm finding, shown in the source's words as a direct comparison."""
    shutil.copytree(data_dir, data_dir.parent / "project" / "data")
    project = data_dir.parent / "project"
    add_studies(project, {"rtog0631"})
    assert validate(project / "data") == []
    rows = [r for r in build(project / "data")["direct_comparisons"] if r["study_ids"] == ["rtog0631"]]
    assert [(r["kind"], r["effect"]) for r in rows] == [
        (
            "stated",
            "lower with radiosurgery than with conventional external-beam radiotherapy (the source: “worse pain "
            "response was observed”; no effect measure stated) (as the source states it)",
        )
    ]


def test_a_study_without_a_stated_number_of_patients_is_counted_as_none_and_said(data_dir):
    before = modality(build(data_dir), "cebrt")["patients"]
    add(data_dir, "studies", [real.TONG1982])
    add(data_dir, "outcomes", real.TONG1982_OUTCOMES)
    context = build(data_dir)
    cebrt = modality(context, "cebrt")
    assert cebrt["patients"] == before and cebrt["patients_not_stated"] == ["tong1982"]
    assert "(and one study whose number of patients is not stated, counted as none)" in context["key_messages"]["cebrt"]
    [sentence] = [t["text"] for t in cebrt["sentences"] if t["study_id"] == "tong1982"]
    assert sentence.startswith("In a randomised trial (Tong 1982; number of patients not stated) treated with")
    html = render.render_html(context, ROOT / "templates")
    assert "None" not in audit.html_text(html)
    assert "whose number of patients is not stated (counted as none)" in audit.html_text(html)


def test_analysed_is_shown_beside_randomised(data_dir):
    arm = {"patients": 425, "analysed": 258}
    assert wording.arm_size_text(arm) == "425 patients, 258 analysed"
    assert wording.arm_size_text({"patients": None}) == "size not stated"


def test_a_range_a_cumulative_incidence_and_a_printed_ci_are_shown_as_printed(data_dir):
    add(data_dir, "studies", [real.SAHGAL2013, real.EPOSO2023])
    add(data_dir, "outcomes", real.SAHGAL2013_OUTCOMES + real.EPOSO2023_OUTCOMES)
    assert validate(data_dir) == []
    context = build(data_dir)
    shown = {o["outcome_id"]: o["display"] for s in context["modalities"] for o in s["outcomes"]}
    assert shown["sahgal2013-vcf-time-range"] == "range 0.03–43.01 months"
    assert shown["sahgal2013-vcf-ci-1y"] == "cumulative incidence 12.35 % at 1 year"
    [one_year] = [o for s in context["modalities"] for o in s["outcomes"] if o["outcome_id"] == "sahgal2013-vcf-ci-1y"]
    # Its time point once, in the figure: it read "..., 1 year: cumulative incidence 12.35 % at 1 year".
    assert wording.finding(one_year, None).count("1 year") == 1
    assert shown["eposo2023-nrs-improvement-radicular"] == (
        "mean change 3.2 points (NRS 0–10) (95 % CI 2.5 to 4.0, as printed), p < 0.001"
    )
    # A cumulative incidence is no crude share: no count, no Wilson interval, never pooled.
    srs = modality(context, "srs")
    assert not any(i.startswith("sahgal2013-vcf-ci") for p in srs["pooled"] for i in p["outcome_ids"])
    assert all(o.get("estimate") is None for o in srs["outcomes"] if o["statistic"] == "cumulative_incidence")


def test_a_count_without_a_denominator_and_none_observed_are_shown_as_stated():
    none = {"statistic": "count", "events": 0, "value_text": "0", "unit": "patients", "measure": "Neurotoxicity"}
    assert wording.display(none, None) == "none (0 patients; no denominator stated)"
    count = none | {"events": 23, "value_text": "23"}
    assert wording.display(count, None) == "23 patients (no denominator stated)"
    share = {"statistic": "percent", "events": 23, "value_text": "36", "unit": "%", "measure": "Response"}
    assert wording.display(share, None) == "36 % (23 patients; denominator not stated; no CI computable)"
    procedures = count | {"denominator_unit": "procedures", "denominator": 40}
    assert wording.display(procedures, None) == "23/40 procedures"
    about = procedures | {"value_qualifier": "approx", "value_text": "about 23"}
    assert effects.proportion_estimate(about) is None  # nothing derived from an approximate count
    assert wording.display(about, None) == "about 23 procedures of 40 (as stated; no CI derived)"


def test_approximately_prints_about_and_derives_nothing(data_dir):
    set_cell(data_dir, "outcomes", "ryu2008-relapse", "value_qualifier", "approx")
    set_cell(data_dir, "outcomes", "ryu2008-relapse", "denominator", "58")
    shown = {o["outcome_id"]: o for o in modality(build(data_dir), "srs")["outcomes"]}
    relapse = shown["ryu2008-relapse"]
    assert relapse["display"] == "about 6.9 % (approximate as stated; no count or CI derived)"


def test_a_scale_without_a_printed_range_says_so_and_draws(data_dir):
    append_row(data_dir, "scales", **QLQ_BM22)
    for outcome in ("shao_i125-nrs-0", "shao_i125-nrs-w1", "shao_i125-nrs-w2", "shao_i125-nrs-w4"):
        set_cell(data_dir, "outcomes", outcome, "unit", "QLQ-BM22 painful sites")
    i125 = modality(build(data_dir), "i125")
    [w1] = [o for o in i125["outcomes"] if o["outcome_id"] == "shao_i125-nrs-w1"]
    assert w1["display"].endswith("(the scale's range is not stated by the source)")
    assert figures.value_range([{"unit": "QLQ-BM22 painful sites"}], {"QLQ-BM22 painful sites": {}}) == (0.0, None)


def test_lesions_and_procedures_are_never_counted_or_pooled_as_patients():
    """Sahgal 2013's 57 of 410 treated segments: before, 410 was printed as its participants."""
    studies = {"sahgal2013": {"patients": 252}}
    segments = [{"study_id": "sahgal2013", "denominator": 410, "denominator_unit": "lesions"}]
    assert sof.participants(segments, studies) == (252, 1)
    assert sof.analysed(segments, studies).participants is None
    share = {"measure": "Vertebral compression fracture", "denominator_unit": "patients"}
    assert pooling._definition(share) != pooling._definition(share | {"denominator_unit": "procedures"})


# --- stated ratios pooled (item 17) ---------------------------------------------------------------

Z = 1.959964  # metafor's qnorm(0.975), as conv.wald takes it


def _trial(data: Path, study: str, rr: str, low: str, high: str) -> None:
    """A trial of radiosurgery against conventional radiotherapy that states a risk ratio of complete
    pain response at 3 months with its 95 % CI (and no arm counts)."""
    trial = {"study_id": study, "short_name": study, "title": f"Trial {study}", "pmid": "", "modality_id": "srs"}
    add(data, "studies", [real.BPTWP1999 | trial])
    arms = [
        {"arm_id": f"{study}-srs", "label": "stereotactic radiotherapy", "role": "intervention", "modality_id": "srs"},
        {"arm_id": f"{study}-ebrt", "label": "conventional radiotherapy", "role": "comparator", "modality_id": "cebrt"},
    ]
    add(data, "arms", [a | {"study_id": study, "locator": "Abstract"} for a in arms])
    add(data, "outcomes", [real.BPTWP1999_OUTCOMES[0] | {"outcome_id": f"{study}-os", "study_id": study}])
    comparison = {
        "comparison_id": f"{study}-cr-3m",
        "study_id": study,
        "arm_id": f"{study}-srs",
        "comparator_arm_id": f"{study}-ebrt",
        "domain": "pain_response",
        "measure": "Complete pain response at 3 months",
        "source_term": "complete response for pain at 3 months",
        "effect_measure": "RR",
        "value": rr,
        "ci_low": low,
        "ci_high": high,
        "timepoint": "3 months",
        "locator": "Abstract (findings)",
    }
    add(data, "comparisons", [comparison])


def test_stated_ratios_of_one_comparison_pool_by_generic_inverse_variance(data_dir):
    """SC.24 (Sahgal 2021, Lancet Oncol): complete response at 3 months, risk ratio 1.33 (95 % CI 1.14
    to 1.55). The second trial's 1.37 (1.03 to 1.82) is the ratio of metafor's conv.wald help page
    (log 0.3148, variance 0.0211 there). Before, both were shown and never pooled. The two agree
    (Q < 1), so REML's τ² is 0 and the pooled ratio is the fixed-effect one, computed here by hand;
    its CI is Cochrane's default, HKSJ (t on k - 1 df with the weighted residual variance; issue 31):
    metafor's rma(y, v, method = "REML", test = "knha") gives 1.3389 (1.1440 to 1.5671)."""
    _trial(data_dir, "sc24", "1.33", "1.14", "1.55")
    _trial(data_dir, "convwald", "1.37", "1.03", "1.82")
    assert validate(data_dir) == []
    context = build(data_dir)
    [row] = modality(context, "srs")["pooled_ratios"]
    y = [math.log(1.37), math.log(1.33)]  # in study order: convwald, sc24
    w = [1 / ((math.log(hi) - math.log(lo)) / (2 * Z)) ** 2 for lo, hi in ((1.03, 1.82), (1.14, 1.55))]
    est = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    se = math.sqrt(sum(wi * (yi - est) ** 2 for wi, yi in zip(w, y, strict=True)) / sum(w))  # q / (k - 1), k = 2
    t = 12.706204736174698  # qt(0.975, 1)
    assert row["study_ids"] == ["convwald", "sc24"] and row["pooled"]["tau2"] == 0
    assert row["pooled"]["estimate_ratio"] == pytest.approx(math.exp(est), abs=1e-9)
    assert row["pooled"]["ci_low_ratio"] == pytest.approx(math.exp(est - t * se), rel=1e-6)
    assert row["pooled"]["ci_high_ratio"] == pytest.approx(math.exp(est + t * se), rel=1e-6)
    assert (round(row["pooled"]["ci_low_ratio"], 4), round(row["pooled"]["ci_high_ratio"], 4)) == (1.1440, 1.5671)
    assert row["vi"][0] == pytest.approx(0.0211, abs=5e-5)  # metafor's conv.wald listing
    assert row["text"].startswith(
        "RR 1.34 (95 % CI 1.14 to 1.57), pooled from two trials' stated risk ratios (generic inverse variance, REML"
    )
    assert "generic inverse variance" in context["methods"]["comparisons"]
    [direct] = [r for r in context["direct_comparisons"] if r["kind"] == "pooled"]
    assert (direct["study_ids"], direct["effect"]) == (["convwald", "sc24"], row["text"])
    html = audit.html_text(render.render_html(context, ROOT / "templates"))
    assert row["text"] in html


def test_a_single_stated_ratio_or_a_subgroups_is_not_pooled(data_dir):
    _trial(data_dir, "sc24", "1.33", "1.14", "1.55")
    _trial(data_dir, "convwald", "1.37", "1.03", "1.82")

    path = data_dir / "comparisons.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    rows[-1] |= {"subgroup": "radiosensitive histology"}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert validate(data_dir) == []
    assert modality(build(data_dir), "srs")["pooled_ratios"] == []
