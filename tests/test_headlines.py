"""Headlines by evidence (issue 30, item 5): a modality's headline is its best evidence for its most
important pain outcome, randomised comparisons and systematic reviews with meta-analysis before
non-randomised studies before single-group results, a whole trial before its subgroup; one rule
(headlines.choose) for the bottom line, the key message, both side-by-side tables and What changed.
On the real comparative studies (Patchell 2005, SCORAD, Saito 2019, RTOG 0631, CAFE)."""

from __future__ import annotations

import re

from test_comparative_evidence import CONFIG, modality, project  # noqa: F401 (the fixture)

from briefing.assemble import combine, sof
from briefing.present import messages


def summaries(project):  # noqa: F811
    return {m: modality(project, m) for m in CONFIG["modalities"]}


def test_radiosurgery_leads_with_the_randomised_trial_not_a_single_arm_series(project):  # noqa: F811
    srs = modality(project, "srs")
    assert srs["main_pain"]["study_id"] == "rtog0631" and srs["main_pain"]["tier"] == 0
    key = messages.key_message(srs)
    assert "RTOG 0631" in key and "64.9 %" not in key


def test_conventional_ebrt_leads_with_the_reviews_pooled_pain_response_not_walking(project):  # noqa: F811
    cebrt = modality(project, "cebrt")
    assert cebrt["main_pain"]["study_id"] == "saito2019" and cebrt["main_pain"]["domain"] == "pain_response"
    key = messages.key_message(cebrt)
    assert "OR 0.85 (95 % CI 0.66 to 1.08)" in key and "Ambulatory" not in key


def test_surgery_leads_with_the_whole_trial_of_101_randomised_not_its_subgroup(project):  # noqa: F811
    surgery = modality(project, "surgery")
    key = messages.key_message(surgery)
    assert "RR 1.48 (1.13 to 1.93)" in key and "101 randomised" in key and "Patchell 2005" in key
    assert "subgroup" not in key and "10/16" not in key


def test_one_rule_for_the_bottom_line_key_message_side_by_side_tables_and_what_changed(project):  # noqa: F811
    by_id = summaries(project)
    listed = list(by_id.values())
    heads = {m: s["main_pain"] for m, s in by_id.items() if s["main_pain"]}
    assert set(heads) == {"srs", "hfrt", "cebrt", "i125", "surgery"}
    bottom = {r["modality_id"]: r for r in combine.bottom_line(listed)["per_modality"]}
    across = {r["modality_id"]: r for r in sof.across_modalities(listed)}
    side = {r["modality_id"]: r["main_pain"] for r in combine.comparison_rows(listed)}
    context = {"modalities": listed, "title": "", "build_date": "", "provenance": {}, "methods": {}}
    context |= {"general_statements": [], "figures": [], "references": []}
    published = {m["modality_id"]: m for m in combine.public_json(context)["modalities"]}
    for m, head in heads.items():
        assert bottom[m]["text"] == head["text"] and bottom[m]["certainty"] == head["certainty"]
        assert across[m]["outcome_id"] == head["outcome_id"] and across[m]["effect"] == head["effect"]
        assert side[m] == head
        assert published[m]["headline_outcome_id"] == head["outcome_id"]
        assert head["text"] in messages.key_message(by_id[m])


def test_the_safety_column_holds_harms_only(project):  # noqa: F811
    safety = [f["text"] for s in summaries(project).values() for f in s["findings"]["safety"]]
    assert safety and not [t for t in safety if "walk" in t.lower() or "ambulatory" in t.lower()]


def test_a_reviews_pooled_headline_is_printed_in_the_briefings_pdf_and_no_gap(project):  # noqa: F811
    """Saito 2019's OR was only in the HTML and the modality's PDF while the briefing's PDF, the cebrt
    summary of findings and the research gaps said its pain response was "not reported"."""
    from bs4 import BeautifulSoup
    from test_audit import _briefing_audit, _edition

    context, briefing = _edition(project)
    printed = BeautifulSoup((project / "briefing.print.html").read_text(encoding="utf-8"), "html.parser")
    assert "OR 0.85 (95 % CI 0.66 to 1.08)" in re.sub(r"\s+", " ", printed.get_text(" "))
    entry = {f["id"]: f for f in briefing["figures"]}["saito2019-response-or"]
    assert "briefing_pdf" in entry["printed_in"]
    assert _briefing_audit(project, briefing) == []
    cebrt = next(m for m in context["modalities"] if m["modality_id"] == "cebrt")
    (row,) = [r for r in cebrt["sof"]["rows"] if r["domain"] == "pain_response"]
    assert not row["not_reported"] and "OR 0.85 (95 % CI 0.66 to 1.08)" in row["effect"]
    gaps = [g for g in context["research_gaps"] if g.startswith("Pain response (critical)")]
    assert not [g for g in gaps if "conventional external-beam" in g or "any modality" in g], gaps
    assert "Not reported: pain response" not in messages.key_message(cebrt)
