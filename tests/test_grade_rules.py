"""GRADE rules: imprecision by the 95 % CI against the config's thresholds (zero events by the upper
limit, the optimal information size in events), proposals named as proposals, the curator's
judgement kept where it differs from the rule (its footnote says so), the checks of certainty.csv,
and GRADE's words for publication bias and the certainty levels."""

from __future__ import annotations

import copy
import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from briefing.assemble import summary
from briefing.data import evidence, importance
from briefing.grade import imprecision
from briefing.present import methods, wording
from briefing.verify import validation
from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
SETTINGS = CONFIG["analysis"]
PACKAGE = ROOT / "data" / "datapackage.yaml"


def with_rule(outcome_id: str, **entry) -> dict:
    """The config's analysis settings with one outcome's imprecision entry changed."""
    settings = copy.deepcopy(SETTINGS)
    settings["imprecision"]["outcomes"][outcome_id] = {"source": "test"} | entry
    return settings


def build(modality: str, settings: dict, package: Path = PACKAGE) -> dict:
    return summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, modality, settings))))


def methods_text(settings: dict, scales: list[dict]) -> str:
    """The Methods entries in one text."""
    return " ".join(part.rstrip(".") + "." for part in methods.methods_parts(settings, scales).values()).rstrip(".")


def factor(s: dict, domain: str, name: str) -> dict:
    rating = next(r for r in s["certainty"] if r["domain"] == domain)
    return next(f for f in rating["factors"] if f["factor"] == name)


# ----------------------------------------------------------------------------- imprecision
def test_zero_events_are_judged_by_the_upper_limit_against_the_declared_tolerable_risk():
    # 0/58 radiation myelitis (Sun 2026): Wilson upper 95 % limit 6.2 %.
    above = factor(build("hfrt", with_rule("myelopathy", tolerable_risk=5)), "toxicity", "imprecision")
    assert above["source"] == "build" and above["judgement"] == -1
    assert "0/58, upper 95 % limit 6.2 %, above the tolerable risk of 5 %" in above["reason"]
    below = factor(build("hfrt", with_rule("myelopathy", tolerable_risk=10)), "toxicity", "imprecision")
    assert below["judgement"] == 0 and "not above the tolerable risk of 10 %" in below["reason"]
    # A zero-event result is never judged by participants or the ~400 rule of thumb.
    assert "400" not in above["reason"] + below["reason"] and "participants" not in above["reason"]


def test_no_threshold_declared_says_so_and_judges_nothing():
    undeclared = with_rule("myelopathy", tolerable_risk=None)
    f = factor(build("hfrt", undeclared), "toxicity", "imprecision")
    assert f["judgement"] is None and f["judgement_text"] == "not judged"
    assert "no tolerable risk declared for radiation myelopathy or myelitis" in f["reason"]
    assert "upper 95 % limit 6.2 %" in f["reason"]
    rating = next(r for r in build("hfrt", undeclared)["certainty"] if r["domain"] == "toxicity")
    # Issue 30, item 4: no level sits above a domain nobody judged; the rating says which is missing.
    assert rating["level"] is None and rating["level_text"] == "certainty not assessed"
    assert rating["missing"] == ["imprecision"] and not rating["symbols"]


def test_the_seeds_config_judges_myelitis_by_quantecs_one_percent():
    f = factor(build("hfrt", SETTINGS), "toxicity", "imprecision")
    assert f["judgement"] == -1 and f["source"] == "build"
    assert "0/58, upper 95 % limit 6.2 %, above the tolerable risk of 1 %" in f["reason"]


def test_optimal_information_size_counts_events():
    response = importance.Prespecified("pain_response", "Pain response", "pain_response", "critical")
    item = imprecision.Item(response, "proportion", "Overall response", 30, 40, 0.60, 0.86)

    def rules(ois: int) -> dict:
        return {"imprecision": {"outcomes": {"pain_response": {"threshold": 50, "ois_events": ois, "source": "t"}}}}

    few = imprecision.propose([item], 40, rules(100))
    assert few["judgement"] == -1 and "30 events, fewer than the optimal information size of 100" in few["reason"]
    enough = imprecision.propose([item], 40, rules(30))
    assert enough["judgement"] == 0 and "30 events, at least the optimal information size of 30" in enough["reason"]
    # A CI that crosses the threshold is serious whatever the events.
    crossing = imprecision.propose(
        [item], 40, {"imprecision": {"outcomes": {"pain_response": {"threshold": 70, "source": "t"}}}}
    )
    assert crossing["judgement"] == -1 and "crosses the threshold of 70 %" in crossing["reason"]


def test_continuous_outcomes_use_the_participant_ois_and_the_scales_mid():
    f = factor(build("i125", SETTINGS), "pain_score", "imprecision")
    rule = f["rule"]
    assert rule["judgement"] == -1
    assert "minimally important difference of 2 points" in rule["reason"]
    # Issue 30: Shao states 68 enrolled, not how many were assessed; never "68 participants".
    assert "the number assessed is not stated, and even the 68 enrolled are fewer than" in rule["reason"]
    assert "68 participants" not in rule["reason"]
    settings = copy.deepcopy(SETTINGS)
    settings["imprecision"]["continuous_ois"] = {"participants": 50, "source": "test"}
    rule = factor(build("i125", settings), "pain_score", "imprecision")["rule"]
    # 68 enrolled reach an OIS of 50, but how many were assessed is unknown: the rule cannot judge.
    assert rule["judgement"] is None and "the number of participants assessed is not stated" in rule["reason"]


# ----------------------------------------------------------------------------- proposals and curators
def test_proposals_and_curator_judgements_are_named_as_such():
    s = build("hfrt", SETTINGS)
    texts = [fn["text"] for fn in s["sof"]["footnotes"]]
    proposed = [t for t in texts if "proposed by the build's rule" in t]
    assert any(t.startswith("Toxicity, imprecision (serious (−1); proposed by the build's rule)") for t in proposed)
    assert any(t.startswith("Toxicity, inconsistency (not serious; proposed by the build's rule)") for t in proposed)
    assert all(("the curator's judgement" in t) != ("proposed by the build's rule" in t) for t in texts)
    template = (ROOT / "templates" / "briefing_modality.html.j2").read_text()  # each modality's section
    assert "(build's proposal)" in template and "(curator)" in template
    methods = methods_text(SETTINGS, evidence.read_tables(PACKAGE)["scales"])
    assert "it is the curator's" in methods and "names it as a proposal" in methods
    assert "judged by the curator" not in methods.replace("left to the curator", "")


def test_curator_judgement_wins_and_its_footnote_says_what_the_rule_proposes():
    s = build("i125", SETTINGS)
    f = factor(s, "pain_score", "imprecision")
    assert f["source"] == "curator" and f["judgement"] == 0 and f["rule"]["judgement"] == -1
    note = next(fn["text"] for fn in s["sof"]["footnotes"] if fn["text"].startswith("Pain score, imprecision"))
    assert "the curator's judgement" in note
    assert "The build's rule would propose serious (−1): " in note
    # Where the rule agrees, the footnote says nothing more.
    assert factor(s, "pain_score", "inconsistency")["rule"] is None


def test_methods_state_the_thresholds_the_config_declares():
    scales = evidence.read_tables(PACKAGE)["scales"]
    text = methods_text(SETTINGS, scales)
    assert "Radiation myelopathy or myelitis: tolerable risk 1 %" in text and "PMID 20171517" in text
    assert "Vertebral compression fracture: no threshold declared" in text
    assert "minimally important difference 2 points on the NRS 0-10 (Farrar" in text
    assert "Optimal information size for continuous outcomes: 400 participants" in text
    changed = methods_text(with_rule("myelopathy", tolerable_risk=5, ois_events=30), scales)
    assert (
        "Radiation myelopathy or myelitis: tolerable risk 5 %, optimal information size 30 events (source: test)"
        in (changed)
    )


# ----------------------------------------------------------------------------- certainty.csv checks
@pytest.fixture
def data(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path / "data"


def rewrite(data: Path, change) -> None:
    path = data / "certainty.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows = change(rows)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def problems(data: Path) -> list[validation.Problem]:
    return [p for p in validation.validate_package(data / "datapackage.yaml") if p.file.endswith("certainty.csv")]


def set_row(modality: str, domain: str, name: str, judgement: str, reason: str):
    def change(rows: list[dict]) -> list[dict]:
        for r in rows:
            if (r["modality_id"], r["outcome_domain"], r["factor"]) == (modality, domain, name):
                r |= {"judgement": judgement, "reason": reason}
                return rows
        return rows + [
            {
                "modality_id": modality,
                "outcome_domain": domain,
                "factor": name,
                "judgement": judgement,
                "reason": reason,
            }
        ]

    return change


def test_seed_judgements_pass_the_checks():
    assert validation.validate_package(PACKAGE) == []


def test_rating_up_without_comparative_evidence_is_refused(data):
    rewrite(data, set_row("i125", "pain_score", "large_effect", "1", "The mean score fell by more than half."))
    [p] = problems(data)
    assert (
        p.row == len((data / "certainty.csv").read_text(encoding="utf-8").splitlines())
        and p.column == "judgement"
        and "without comparative evidence" in p.message
    )
    assert "set 0 or delete the row" in p.message


def test_rating_down_a_single_arm_study_for_its_design_is_refused(data):
    rewrite(data, set_row("i125", "pain_score", "risk_of_bias", "-1", "Single-arm cohort with no comparison group."))
    [p] = problems(data)
    assert p.column == "reason" and "name the specific bias" in p.message
    rewrite(data, set_row("i125", "pain_score", "risk_of_bias", "-1", "Single-arm study."))
    assert [p.column for p in problems(data)] == ["reason"]
    # Naming a specific bias is what the rule asks for.
    reason = "Single-arm cohort; the number of patients assessed at each week is not reported."
    rewrite(data, set_row("i125", "pain_score", "risk_of_bias", "-1", reason))
    assert problems(data) == []


def test_one_concern_counted_in_two_domains_is_refused(data):
    rewrite(data, set_row("srs", "pain_response", "risk_of_bias", "-1", "The denominator is not stated."))
    rewrite(data, set_row("srs", "pain_response", "imprecision", "-1", "No denominator, so no CI can be computed."))
    [p] = problems(data)
    assert p.row == 5 and p.column == "reason"
    assert "denominator concern is counted under risk_of_bias and imprecision for srs's pain_response" in p.message


def test_publication_bias_minus_two_is_refused(data):
    rewrite(data, set_row("srs", "pain_response", "publication_bias", "-2", "Small studies missing."))
    [p] = problems(data)
    assert p.column == "judgement" and "undetected (0) or strongly suspected (-1)" in p.message


# ----------------------------------------------------------------------------- GRADE's words
def test_publication_bias_is_undetected_or_strongly_suspected():
    assert wording.judgement_text("publication_bias", 0) == "undetected"
    assert wording.judgement_text("publication_bias", -1) == "strongly suspected (−1)"
    for m in ("srs", "hfrt", "i125"):
        for fn in build(m, SETTINGS)["sof"]["footnotes"]:
            if ", publication bias (" in fn["text"]:
                assert "not serious" not in fn["text"] and "(undetected;" in fn["text"]


def test_certainty_levels_mean_what_grade_says():
    assert wording.MEANING == {
        "high": "we are very confident that the true effect lies close to the estimate",
        "moderate": (
            "the true effect is likely to be close to the estimate, but there is a possibility that it is "
            "substantially different"
        ),
        "low": "the true effect may be substantially different from the estimate",
        "very low": "the true effect is likely to be substantially different from the estimate",
    }
