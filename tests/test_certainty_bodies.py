"""The build's GRADE proposals for one body of evidence (issue 30, item 3), on bodies made by hand
from the real-study fixture's studies, figures and risk-of-bias rows: the share of the evidence
from studies at high risk, and the pooled result refitted without them, checked against metafor."""

from __future__ import annotations

import copy
import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from briefing.assemble import registry, summary
from briefing.core import numbers
from briefing.grade import certainty, risk_of_bias
from briefing.present import presenting as present
from briefing.present import wording
from briefing.stats import comparative, effects, pooling
from briefing.verify import audit
from conftest import ROOT
from real_studies import rows as fixture_rows


def propose(*args):
    """The build's proposals, worded as the modality summary words them."""
    return present.present(certainty.propose(*args))


def rate(*args):
    return present.present(certainty.rate(*args))


def pool_outcomes(*args):
    """Pooled entries, worded as the modality summary words them."""
    return present.present(pooling.pool_outcomes(*args))


SETTINGS = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["analysis"]
RSCRIPT = shutil.which("Rscript") or "/usr/bin/Rscript"

# Overall pain response as each source states it, as counts: TROG 96.05's intention-to-treat 53/90,
# the Sr-89 series' prostate group 80/100, van der Velden 2018's 262/432 treated patients, and
# Sun 2026's 84.5 % of 58 (49/58 reproduces it).
FIGURES = {
    "roos2000_trog9605": (53, 90),
    "robinson1989_sr89": (80, 100),
    "vandervelden2018": (262, 432),
    "sun2026": (49, 58),
}


def seed_rows(name: str) -> list[dict[str, str]]:
    with open(ROOT / "data" / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def rob_rows(studies: set[str]) -> list[dict[str, str]]:
    return [r for r in seed_rows("risk_of_bias.csv") + fixture_rows("risk_of_bias.csv") if r["study_id"] in studies]


def study_rows(studies: set[str]) -> dict[str, dict[str, str]]:
    return {
        r["study_id"]: r for r in seed_rows("studies.csv") + fixture_rows("studies.csv") if r["study_id"] in studies
    }


def pooled_body(high: str | None = "roos2000_trog9605") -> dict:
    """A pooled pain-response body of the four studies; `high`'s overall judgement edited to high
    (TROG 96.05 reports both arms combined at an interim analysis: a curator may judge that high)."""
    outcomes = [
        {"outcome_id": f"{s}-resp", "study_id": s, "domain": "pain_response", "measure": "Overall pain response"}
        | {"icpr_category": "overall", "statistic": "count", "time_days": None}
        for s in FIGURES
    ]
    estimates = {f"{s}-resp": {"events": e, "n": n} for s, (e, n) in FIGURES.items()}
    pooled = pool_outcomes(outcomes, estimates, {})
    rob = rob_rows(set(FIGURES))
    for r in rob:
        if r["study_id"] == high and r["rob_domain"] == "overall":
            r["judgement"] = "high"
    return {
        "domain": "pain_response",
        "study_ids": sorted(FIGURES),
        "pooled": pooled,
        "outcome_study": {o["outcome_id"]: o["study_id"] for o in outcomes},
        "risk_of_bias": rob,
        "study_rows": study_rows(set(FIGURES)),
        "participants_by_study": {s: n for s, (_, n) in FIGURES.items()},
        "participants": sum(n for _, n in FIGURES.values()),
        "studies": len(FIGURES),
        "i2": pooled[0]["result"]["i2"],
    }


def metafor(events: list[int], n: list[int], keep: list[bool]) -> list[float]:
    """metafor's rma(yi, vi, subset = keep, test = "knha") on escalc("PLO") logits: estimate, CI
    (HKSJ, the config's Cochrane default), tau²."""
    script = f"""
suppressMessages(library(metafor))
dat <- escalc(measure = "PLO", xi = c({", ".join(map(str, events))}), ni = c({", ".join(map(str, n))}))
keep <- c({", ".join("TRUE" if k else "FALSE" for k in keep)})
res <- rma(yi, vi, data = dat, subset = keep, method = "REML", test = "knha")
cat(sprintf("%.10f", c(coef(res), res$ci.lb, res$ci.ub, res$tau2)), sep = "\\n")
"""
    out = subprocess.run([RSCRIPT, "-e", script], capture_output=True, text=True, check=True).stdout
    return [float(x) for x in out.split()]


def test_the_weight_share_from_high_risk_studies_is_printed_to_a_tenth_of_a_percent():
    body = pooled_body()
    entry = body["pooled"][0]
    weights = dict(
        zip([body["outcome_study"][o] for o in entry["outcome_ids"]], entry["result"]["weights"], strict=True)
    )
    share = weights["roos2000_trog9605"] / sum(weights.values())
    proposal = propose(body, SETTINGS)["risk_of_bias"]
    assert numbers.percent(share) == "25.9"  # the GLMM's weights, as the forest plot sizes its squares
    assert (
        "TROG 96.05 (2000): RoB 2 high) carry 25.9 % of the weight of the pooled overall pain response, "
        "time point not stated: between 25 % and 50 %, enough to affect the interpretation, serious"
    ) in proposal["reason"]
    assert proposal["judgement"] == -1
    assert (
        "Some concerns or no information, counted as some concerns: Sr-89 series 1989, Sun 2026 and"
        in (proposal["reason"])
    )


def test_a_higher_cut_off_from_the_config_leaves_the_same_share_not_serious():
    settings = SETTINGS | {"risk_of_bias": SETTINGS["risk_of_bias"] | {"intermediate_share": 30}}
    proposal = propose(pooled_body(), settings)["risk_of_bias"]
    assert proposal["judgement"] == 0
    assert (
        "carry 25.9 % of the weight of the pooled overall pain response, time point not stated: under 30 %, "
        in (proposal["reason"])
    )


@pytest.mark.skipif(not Path(RSCRIPT).exists(), reason="R is not installed")
@pytest.mark.oracle  # runs R: test-fast leaves it to the machines with test-deps
def test_the_sensitivity_analysis_without_high_risk_studies_matches_metafors_subset():
    body = pooled_body()
    [sens] = propose(body, SETTINGS)["risk_of_bias"]["sensitivity"]
    order = [body["outcome_study"][o] for o in body["pooled"][0]["outcome_ids"]]
    keep = [s != "roos2000_trog9605" for s in order]
    expected = metafor([FIGURES[s][0] for s in order], [FIGURES[s][1] for s in order], keep)
    got = [sens["result"][k] for k in ("estimate", "ci_low", "ci_high", "tau2")]
    assert [round(x, 4) for x in got] == [round(x, 4) for x in expected]
    full = metafor([FIGURES[s][0] for s in order], [FIGURES[s][1] for s in order], [True] * 4)
    assert round(sens["full"]["estimate"], 4) == round(full[0], 4)
    assert sens["excluded"] == ["TROG 96.05 (2000)"] and sens["k"] == 3
    assert sens["text"].startswith("Without TROG 96.05 (2000) (high risk of bias), overall pain response")


def test_a_sensitivity_analysis_is_kept_beside_the_curators_judgement():
    body = pooled_body()
    rating = rate(
        "pain_response",
        ["randomised_trial"],
        [{"factor": "risk_of_bias", "judgement": 0, "reason": "The interim analysis is not a concern for pain."}],
        propose(body, SETTINGS),
    )
    rob = next(f for f in rating["factors"] if f["factor"] == "risk_of_bias")
    assert rob["source"] == "curator" and rob["rule"]["judgement"] == -1
    assert rob["sensitivity"][0]["excluded"] == ["TROG 96.05 (2000)"]


def unpooled_body() -> dict:
    """RTOG 0631 (RoB 2 high for pain response: patients who knew their treatment reported it) and
    Ryu 2008 (JBI: seek further info), with their enrolled numbers; Patchell 2005, judged for its
    neurological outcome only, is in the body but has no judgement for pain."""
    studies = {"rtog0631", "ryu2008", "patchell2005"}
    rows = study_rows(studies)
    return {
        "domain": "pain_response",
        "study_ids": sorted(studies),
        "risk_of_bias": rob_rows(studies),
        "study_rows": rows,
        "participants_by_study": {"rtog0631": 353, "ryu2008": 49, "patchell2005": None},
        "participants": 402,
        "studies": 3,
    }


def test_unpooled_evidence_is_weighed_by_participants_and_high_risk_most_of_them_is_serious():
    proposal = propose(unpooled_body(), SETTINGS)["risk_of_bias"]
    assert numbers.percent(353 / (353 + 49)) == "87.8"
    assert proposal["judgement"] == -1
    assert proposal["reason"].startswith(
        "Studies at high risk of bias (Ryu 2023 (RTOG 0631): RoB 2 high) carry 87.8 % of the participants: "
        "most of the evidence (50 % or more), serious"
    )
    assert "Not judged for this outcome: Patchell 2005." in proposal["reason"]
    assert "Participants not stated, not weighed: Patchell 2005." in proposal["reason"]
    assert proposal["sensitivity"] == []


def test_a_body_without_judgements_for_its_outcome_proposes_nothing_and_says_why():
    body = unpooled_body() | {"study_ids": ["patchell2005"], "risk_of_bias": rob_rows({"patchell2005"})}
    proposal = propose(body, SETTINGS)["risk_of_bias"]
    assert proposal["judgement"] is None
    assert proposal["reason"] == (
        "No study of this body of evidence has an overall risk-of-bias judgement for pain response "
        "(data/risk_of_bias.csv)."
    )


def forest_of(studies: list[str], rob: list[dict[str, str]]) -> dict:
    """The forest plot of the pooled pain response of these studies, as summary.py draws it."""
    outcomes = {
        f"{s}-resp": {"outcome_id": f"{s}-resp", "study_id": s, "domain": "pain_response"} | {"statistic": "count"}
        for s in studies
    }
    figures = {f"{s}-resp": FIGURES[s] for s in studies}
    estimates = {}
    for oid, (e, n) in figures.items():
        low, high = effects.wilson(e, n)
        estimates[oid] = {"events": e, "n": n, "proportion": e / n, "ci_low": low, "ci_high": high}
    rows = [outcomes[o] | {"measure": "Overall pain response", "icpr_category": "overall"} for o in outcomes]
    entry = pool_outcomes(rows, {o: {"events": e, "n": n} for o, (e, n) in figures.items()}, {})[0]
    entry |= {"figure_id": "fig-test-forest-1"}
    [figure] = summary.forest(entry, outcomes, estimates, study_rows(set(studies)), rob)
    return figure


def test_a_forest_plot_shows_each_studys_judgements_beside_its_row_in_the_plots_order():
    studies = ["vandervelden2018", "roos2000_trog9605", "sun2026", "robinson1989_sr89"]
    figure = forest_of(studies, rob_rows(set(studies)))
    names = {s: r["short_name"] for s, r in study_rows(set(studies)).items()}
    order = [r["Study"] for r in figure.table[: len(studies)]]
    assert order == [names[s] for s in studies]  # the rows in the pooled result's order, each with its own cells
    overall = {r["Study"]: r["Risk of bias Overall"] for r in figure.table[: len(studies)]}
    # Two tools (RoB 2 for the trial, JBI for the series): each study's own overall judgement.
    assert overall == {
        "TROG 96.05 (2000)": "! Some concerns",
        "van der Velden 2018": "? Seek further info",
        "Sun 2026": "? Seek further info",
        "Sr-89 series 1989": "? Seek further info",
    }
    assert [r["Risk of bias Overall"] for r in figure.table[len(studies) :]] == [""] * (
        len(figure.table) - len(studies)
    )
    assert "Risk of bias: each study's overall judgement" in figure.alt
    # In the drawing too: each symbol under "Overall" at the height of its study's name.
    texts = [
        (float(x), float(y), t) for x, y, t in re.findall(r'x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', figure.svg)
    ]
    column = next(x for x, _, t in texts if t == "Overall")
    symbols = [(y, t) for x, y, t in texts if x == column and t != "Overall"]
    for name, cell in overall.items():
        row_y = next(y for _, y, t in texts if t == name)
        assert min(symbols, key=lambda s: abs(s[0] - row_y)) == (pytest.approx(row_y, abs=1), cell.split()[0])


def test_one_tool_gives_a_column_per_domain_under_its_short_name():
    studies = ["vandervelden2018", "sun2026", "robinson1989_sr89"]  # all three judged with JBI's checklist
    figure = forest_of(studies, rob_rows(set(studies)))
    rob = [c for c in figure.columns if c.startswith("Risk of bias ")]
    assert rob == [f"Risk of bias Q{i}" for i in range(1, 11)] + ["Risk of bias Overall"]
    by_study = {r["Study"]: r for r in figure.table}
    jbi = {r["rob_domain"]: r["judgement"] for r in rob_rows({"sun2026"})}
    words = {"yes": "+ Yes", "unclear": "? Unclear", "no": "− No", "seek_further_info": "? Seek further info"}
    assert [by_study["Sun 2026"][f"Risk of bias Q{i}"] for i in range(1, 11)] == [
        words[jbi[f"Q{i}"]] for i in range(1, 11)
    ]
    assert "Risk of bias (JBI checklist for case series): Q1: clear criteria for inclusion" in figure.alt


def test_a_comparative_forest_plot_shows_the_trials_rob2_domains_beside_their_rows():
    """Patchell 2005 (walking after treatment, 42/50 against 29/51) and SCORAD, both judged with RoB 2
    for their neurological outcome; SCORAD states no counts, so it borrows Patchell's regained-walking
    counts (10/16 against 3/16) here: what is tested is where each trial's judgements go."""
    trials = {"patchell2005": (42, 50, 29, 51), "scorad2019": (10, 16, 3, 16)}
    arms, outcomes = {}, []
    for study, (e1, n1, e2, n2) in trials.items():
        for arm, role, modality, events, n in (
            ("a", "intervention", "surgery", e1, n1),
            ("b", "comparator", "cebrt", e2, n2),
        ):
            arms[f"{study}-{arm}"] = {
                "arm_id": f"{study}-{arm}",
                "study_id": study,
                "role": role,
                "modality_id": modality,
            }
            arms[f"{study}-{arm}"]["label"] = "surgery and radiotherapy" if arm == "a" else "radiotherapy alone"
            outcomes.append(
                {"outcome_id": f"{study}-{arm}-walk", "study_id": study, "arm_id": f"{study}-{arm}"}
                | {"domain": "neurological", "measure": "Able to walk", "estimate": {"events": events, "n": n}}
            )
    computed = comparative.computed(outcomes, arms)
    (row,) = comparative.sof_rows(computed, arms)
    row |= wording.comparative_sof_texts(row, arms) | {"figure_id": "fig-x-comparison-1"}
    [figure] = summary.comparison_forest(
        row, {c["comparison_id"]: c for c in computed}, study_rows(set(trials)), rob_rows(set(trials))
    )
    rob = [c for c in figure.columns if c.startswith("Risk of bias ")]
    assert rob == [f"Risk of bias D{i}" for i in range(1, 6)] + ["Risk of bias Overall"]
    by_study = {r["Study"]: r for r in figure.table}
    for study, name in (("patchell2005", "Patchell 2005"), ("scorad2019", "Hoskin 2019 (SCORAD)")):
        judged = {r["rob_domain"]: r["judgement"] for r in rob_rows({study})}
        words = {"low": "+ Low", "some_concerns": "! Some concerns", "high": "− High"}
        assert [by_study[name][c] for c in rob] == [words[judged[d]] for d in ["D1", "D2", "D3", "D4", "D5", "overall"]]
    assert "Risk of bias (RoB 2): D1: bias arising from the randomisation process" in figure.alt


# ----------------------------------------------------------------------------- inconsistency (GRADE guidance 36)
def with_threshold(percent: float | None) -> dict:
    settings = copy.deepcopy(SETTINGS)
    settings["imprecision"]["outcomes"]["pain_response"]["threshold"] = percent
    return settings


def test_a_large_i2_with_every_estimate_on_one_side_of_the_threshold_is_not_serious():
    """The four studies' responses (58.9 % to 84.5 %) differ far more than chance allows (I² 86.6 %),
    but all lie above a threshold of 50 %: GRADE 36 does not rate that down. The prediction interval
    is t-based on k - 2 df (issue 31), by hand in R from rma.glmm(measure = "PLO"):
    transf.ilogit(coef(r) + c(-1, 1) * qt(.975, 2) * sqrt(r$tau2 + r$se^2)) = 16.2 to 97.0 %."""
    proposal = propose(pooled_body(), with_threshold(50))["inconsistency"]
    assert proposal["judgement"] == 0
    assert proposal["reason"] == (
        "Pooled overall pain response, time point not stated: the studies' 95 % CIs do not all overlap; the point "
        "estimates lie all on one side of the threshold of 50 %; 95 % prediction interval 16.2 to 97.0 %, "
        "crossing it; I² = 86.6 % (support only). Not serious (GRADE guidance 36)."
    )


def test_estimates_on_both_sides_of_the_threshold_with_cis_apart_are_serious():
    proposal = propose(pooled_body(), with_threshold(70))["inconsistency"]
    assert proposal["judgement"] == -1
    assert "the point estimates lie on both sides of the threshold of 70 %" in proposal["reason"]


def test_without_a_threshold_the_build_leaves_cis_apart_to_the_curator():
    proposal = propose(pooled_body(), SETTINGS)["inconsistency"]  # the config declares none for pain
    assert proposal["judgement"] is None
    assert "no threshold declared for pain response, so the spread is not set against one" in proposal["reason"]


def test_a_single_study_is_not_rated_down_for_inconsistency_and_says_why():
    body = unpooled_body() | {"study_ids": ["rtog0631"], "studies": 1, "pooled": []}
    proposal = propose(body, SETTINGS)["inconsistency"]
    assert proposal == {
        "judgement": 0,
        "reason": "A single study: inconsistency is not applicable, and the evidence is not rated down for it.",
    }


def test_studies_not_pooled_are_not_compared_by_the_build():
    proposal = propose(unpooled_body() | {"pooled": []}, SETTINGS)["inconsistency"]
    assert proposal["judgement"] is None and proposal["reason"].startswith("3 studies, no result of theirs pooled")


# ----------------------------------------------------------------------------- indirectness
def flagged(body: dict, flags: dict[str, str]) -> dict:
    """The body with these studies flagged as indirect in population (studies.csv), as a curator would."""
    rows = {s: r | {"indirect_population": flags.get(s, "")} for s, r in body["study_rows"].items()}
    return body | {"study_rows": rows}


def test_studies_flagged_indirect_carrying_most_of_the_weight_rate_down_and_are_named():
    body = flagged(
        pooled_body(),
        {
            "robinson1989_sr89": "bone pain at any skeletal site; the spine is not reported apart",
            "vandervelden2018": "painful bone metastases, not only of the spine",
        },
    )
    proposal = propose(body, SETTINGS)["indirectness"]
    assert proposal["judgement"] == -1
    assert proposal["reason"] == (
        "Flagged as indirect: Sr-89 series 1989 (population: bone pain at any skeletal site; the spine is not "
        "reported apart); van der Velden 2018 (population: painful bone metastases, not only of the spine). They "
        "carry 53.8 % of the weight of the pooled overall pain response, time point not stated: most of the "
        "evidence, serious."
    )


def test_one_flagged_study_with_a_quarter_of_the_weight_is_not_serious():
    body = flagged(pooled_body(), {"robinson1989_sr89": "bone pain at any skeletal site"})
    proposal = propose(body, SETTINGS)["indirectness"]
    assert proposal["judgement"] == 0 and "24.6 % of the weight" in proposal["reason"]


def test_no_flag_is_not_serious_and_no_study_rows_propose_nothing():
    assert propose(pooled_body(), SETTINGS)["indirectness"]["judgement"] == 0
    assert "indirectness" not in propose(pooled_body() | {"study_rows": {}}, SETTINGS)


# ----------------------------------------------------------------------------- publication bias
def identification() -> dict:
    with open(ROOT / "data" / "identification.csv", encoding="utf-8", newline="") as fh:
        return next(csv.DictReader(fh))


def test_fewer_than_ten_studies_of_a_curated_selection_are_not_assessed_for_publication_bias():
    proposal = propose(pooled_body() | {"search": identification()}, SETTINGS)["publication_bias"]
    assert identification()["method"] == "curated_selection"
    assert proposal == {
        "judgement": None,
        "reason": "Not assessed: 4 studies, fewer than the 10 a funnel-plot test needs, and the studies are a curated "
        "selection, not the result of a systematic search (data/identification.csv), so whether studies are missing "
        "cannot be judged.",
    }


def test_after_a_systematic_search_publication_bias_is_undetected_with_the_reason():
    search = {"method": "systematic_search", "databases": "MEDLINE;Embase", "last_search_date": "2026-11-30"}
    proposal = propose(unpooled_body() | {"search": search}, SETTINGS)["publication_bias"]
    assert proposal["judgement"] == 0
    assert proposal["reason"].startswith("3 studies, fewer than the 10 a funnel-plot test needs (Cochrane Handbook")
    assert "systematic search of MEDLINE, Embase, last run on 2026-11-30" in proposal["reason"]
    assert proposal["reason"].endswith(": undetected.")


def test_without_a_search_record_publication_bias_is_not_assessed_and_without_the_key_not_proposed():
    proposal = propose(unpooled_body() | {"search": None}, SETTINGS)["publication_bias"]
    assert proposal["judgement"] is None and "no search is recorded" in proposal["reason"]
    assert "publication_bias" not in propose(unpooled_body(), SETTINGS)


def test_three_tools_judge_one_body_and_their_high_risk_studies_are_weighed_together():
    """RTOG 0631 (RoB 2 high), Salazar's half-body series (ROBINS-I serious: techniques of different
    periods confound the comparison; its number treated for pain is not stated) and the 2006
    vertebroplasty series (JBI: seek further info), each as the fixture judges it for pain."""
    studies = {"rtog0631", "salazar1996_hbi", "radiology2006_pv"}
    body = {
        "domain": "pain_response",
        "study_ids": sorted(studies),
        "risk_of_bias": rob_rows(studies),
        "study_rows": study_rows(studies),
        "participants_by_study": {"rtog0631": 353, "salazar1996_hbi": None, "radiology2006_pv": 117},
        "participants": 470,
        "studies": 3,
    }
    proposal = propose(body, SETTINGS)["risk_of_bias"]
    assert proposal["judgement"] == -1
    assert proposal["reason"].startswith(
        "Studies at high risk of bias (Ryu 2023 (RTOG 0631): RoB 2 high; Salazar (HBI series): ROBINS-I serious) "
        "carry 75.1 % of the participants: most of the evidence (50 % or more), serious"
    )
    assert "counted as some concerns: Vertebroplasty series 2006." in proposal["reason"]
    assert "Participants not stated, not weighed: Salazar (HBI series)." in proposal["reason"]


# ----------------------------------------------------------------------------- the audit's registry
def test_the_numbers_a_proposal_prints_are_registered_where_its_footnote_prints_them():
    """The share and the sensitivity analysis a risk-of-bias footnote prints are figures the audit
    must trace: registered with the proposal's text, printed with the evidence profile."""
    proposals = propose(pooled_body(), SETTINGS)
    rating = rate("pain_response", ["randomised_trial", "case_series"], [], proposals)
    rob = next(f for f in rating["factors"] if f["factor"] == "risk_of_bias")
    summary_like = {
        "modality_id": "cebrt",
        "certainty": [rating],
        "sof": {"footnotes": [{"mark": "a", "text": wording.footnote("pain_response", rob)}]},
        "primary_studies": [{"study_id": s} for s in FIGURES],
    }
    entries = {e["id"]: e for e in registry._proposals(summary_like)}
    entry = entries["cebrt:pain_response:0:risk_of_bias:proposal"]
    assert entry["shown"] == [rob["reason"]] and "printed_in" not in entry  # printed everywhere (registry.printed)
    # The refit's HKSJ CI, as metafor gives it: rma(yi, vi, subset = ..., test = "knha") on the
    # three studies' logits, back-transformed: 75.3 % (36.8 to 94.1 %).
    assert {"25.9", "75.3", "36.8", "94.1"} <= set(audit.numbers(entry["shown"][0]))
    unprinted = registry._proposals(summary_like | {"sof": {"footnotes": []}})
    assert [e["printed_in"] for e in unprinted if e["id"] == entry["id"]] == [[]]


@pytest.mark.parametrize(
    ("judgement", "concern"),
    [("serious", "high"), ("critical", "high"), ("no_information", "some"), ("moderate", "some")],
)
def test_each_robins_i_overall_judgement_counts_as_grade_reads_it(judgement, concern):
    rows = rob_rows({"salazar1996_hbi"})
    for r in rows:
        if r["rob_domain"] == "overall":
            r["judgement"] = judgement
    [(tool, appraisal)] = risk_of_bias.overall(rows, "pain_response").values()
    assert tool.id == "robins_i" and appraisal.concern == concern
    assert risk_of_bias.overall(rows, "toxicity") == {}  # ROBINS-I judges each outcome apart


def test_pooled_results_without_their_rows_studies_are_weighed_by_participants_instead():
    body = pooled_body()
    body.pop("outcome_study")
    proposal = propose(body, SETTINGS)["risk_of_bias"]
    assert numbers.percent(90 / (90 + 100 + 432 + 58)) in proposal["reason"]  # TROG 96.05's 90 of 680
    assert "% of the participants" in proposal["reason"] and proposal["sensitivity"] == []
