"""GRADE summary-of-findings rows and evidence profiles, per modality and across modalities.

Columns follow ../shared/BRIEFING.md: outcome (measure, time point); participants (studies);
effect with 95 % CI; certainty; comments with footnotes. A conclusion in GRADE's standard
wording goes with each row.
"""

from __future__ import annotations

from string import ascii_lowercase
from typing import Any

from . import certainty, numbers
from .text import domain_label, lower_first, trajectory_phrase
from .vocabulary import DOMAINS


def _mark(index: int) -> str:
    """Footnote marks a, b, ..., z, aa, ab, ..."""
    return ascii_lowercase[index] if index < 26 else _mark(index // 26 - 1) + ascii_lowercase[index % 26]


def participants(outcomes: list[dict[str, Any]], studies: dict[str, dict[str, Any]]) -> tuple[int, int]:
    """Participants and studies behind a row: per study the largest stated denominator, else the
    study's size."""
    per_study: dict[str, int] = {}
    for o in outcomes:
        n = o.get("denominator") or studies[o["study_id"]].get("patients") or 0
        per_study[o["study_id"]] = max(per_study.get(o["study_id"], 0), n)
    return sum(per_study.values()), len(per_study)


def pooled_effect(entry: dict[str, Any]) -> str:
    r = entry["result"]
    if r.get("estimate_prop") is not None:
        text = f"Pooled {numbers.percent(r['estimate_prop'])} % ({numbers.ci(r['ci_low_prop'], r['ci_high_prop'])})"
        if r.get("pi_low_prop") is not None:
            text += f"; 95 % prediction interval {numbers.interval(r['pi_low_prop'], r['pi_high_prop'])} %"
    else:
        text = f"Pooled mean {numbers.mean(r['estimate'])} ({numbers.ci(r['ci_low'], r['ci_high'], scale='mean')})"
        if r.get("pi_low") is not None:
            text += f"; 95 % prediction interval {numbers.interval(r['pi_low'], r['pi_high'], scale='mean')}"
    return text + f"; I² = {numbers.i2(r['i2'])} %, τ² = {numbers.tau2(r['tau2'])}"


def _group_key(o: dict[str, Any]) -> tuple[int, str]:
    return DOMAINS.order(o["domain"]), o.get("icpr_category") or o["measure"]


def _footnotes(ratings: dict[str, dict[str, Any]]) -> tuple[list[dict[str, str]], dict[str, dict[str, str]]]:
    """One footnote per GRADE judgement, "not serious" ones too, lettered in order; and the letter
    of each (domain, factor)."""
    footnotes: list[dict[str, str]] = []
    marks: dict[str, dict[str, str]] = {}
    for domain, rating in ratings.items():
        marks[domain] = {}
        for f in rating["factors"]:
            letter = _mark(len(footnotes))
            text = f"{domain_label(domain)}, {f['label'].lower()} ({f['judgement_text']}): {f['reason']}"
            footnotes.append({"mark": letter, "text": text})
            marks[domain][f["factor"]] = letter
    return footnotes, marks


def rows_for_modality(summary: dict[str, Any]) -> dict[str, Any]:
    """The modality's SoF rows and their footnotes (letters), plus its evidence profile."""
    studies = {s["study_id"]: s for s in summary["primary_studies"]}
    ratings = {r["domain"]: r for r in summary["certainty"]}
    footnotes, marks = _footnotes(ratings)
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for o in summary["outcomes"]:
        groups.setdefault(_group_key(o), []).append(o)
    # Most important domain first; within it, the order the curator recorded (complete before partial).
    rows = [
        _row(outcomes, definition, summary, studies, ratings.get(outcomes[0]["domain"]), marks)
        for (_, definition), outcomes in sorted(groups.items(), key=lambda item: item[0][0])
    ]
    profile = [
        {
            "domain": r["domain"],
            "label": domain_label(r["domain"]),
            "designs": summary["designs"],
            "factors": {f["factor"]: f | {"mark": marks[r["domain"]][f["factor"]]} for f in r["factors"]},
            "rating": r,
        }
        for r in summary["certainty"]
    ]
    return {"rows": rows, "footnotes": footnotes, "profile": profile}


def _effect(
    outcomes: list[dict[str, Any]], pooled: list[dict[str, Any]], studies: dict[str, dict[str, Any]], k: int
) -> str:
    """The row's effect: its pooled results; else each study's series over time; else each figure."""
    repeated = len({o.get("time_days") for o in outcomes}) > 1 and all(o.get("time_days") is not None for o in outcomes)
    if pooled:
        return " | ".join(f"{p['window']}: {pooled_effect(p)}" for p in pooled)
    if repeated:
        by_study: dict[str, list[dict[str, Any]]] = {}
        for o in outcomes:
            by_study.setdefault(o["study_id"], []).append(o)
        return "; ".join(
            (f"{studies[sid]['short_name']}: " if len(by_study) > 1 else "")
            + trajectory_phrase(sorted(series, key=lambda x: x["time_days"]), with_measure=False)
            for sid, series in by_study.items()
        )
    return "; ".join((f"{studies[o['study_id']]['short_name']}: " if k > 1 else "") + o["display"] for o in outcomes)


def _timepoints(outcomes: list[dict[str, Any]]) -> str:
    timepoints = sorted(
        {o["timepoint"] for o in outcomes if o.get("timepoint")},
        key=lambda t: next(o.get("time_days") or 0 for o in outcomes if o.get("timepoint") == t),
    )
    if not timepoints:
        return "time point not stated"
    return timepoints[0] + (f" to {timepoints[-1]}" if len(timepoints) > 1 else "")


def _conclusion(rating: dict[str, Any] | None, treatment: str, domain: str, outcome_name: str) -> str:
    if not rating:
        return "Certainty not rated by the curator for this outcome; the figures are reported as stated."
    phrase = DOMAINS[domain].phrase
    if phrase:
        noun, verb, verb_s = phrase
        return certainty.conclusion(rating["level_text"], treatment, noun, verb, verb_s)
    return certainty.conclusion(rating["level_text"], treatment, lower_first(outcome_name), "result in", "results in")


def _row(
    outcomes: list[dict[str, Any]],
    definition: str,
    summary: dict[str, Any],
    studies: dict[str, dict[str, Any]],
    rating: dict[str, Any] | None,
    marks: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """One SoF row: the outcomes of one domain with one definition."""
    domain = outcomes[0]["domain"]
    n_participants, k = participants(outcomes, studies)
    pooled = [p for p in summary["pooled"] if p["result"] and p["domain"] == domain and p["definition"] == definition]
    treatment = lower_first(summary["modality"]["name"])
    return {
        "domain": domain,
        "domain_label": domain_label(domain),
        "outcome": outcomes[0]["measure"],
        "timepoints": _timepoints(outcomes),
        "participants": n_participants,
        "studies": k,
        "study_ids": sorted({o["study_id"] for o in outcomes}),
        "outcome_ids": [o["outcome_id"] for o in outcomes],
        "effect": _effect(outcomes, pooled, studies, k),
        "pooled": bool(pooled),
        "certainty": rating,
        "marks": list(marks.get(domain, {}).values()),
        "comments": sorted({o["note"] for o in outcomes if o.get("note")}),
        "conclusion": _conclusion(rating, treatment, domain, outcomes[0]["measure"]),
    }


def across_modalities(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per modality with quantitative evidence: its most important rated pain outcome
    (pain response, else pain score), else its first row."""
    table = []
    for s in summaries:
        rows = s.get("sof", {}).get("rows", [])
        if not rows:
            continue
        rated = [r for r in rows if r["certainty"]]
        pain = {d.id for d in DOMAINS.where(role="pain")}
        chosen = next((r for r in rated if r["domain"] in pain), rated[0] if rated else rows[0])
        table.append({"modality_id": s["modality_id"], "name": s["modality"]["short_name"], **chosen})
    return table
