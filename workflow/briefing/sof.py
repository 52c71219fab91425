"""GRADE summary-of-findings rows and evidence profiles, per modality and across modalities.

Columns follow ../shared/BRIEFING.md: outcome (measure, time point); participants (studies);
effect with 95 % CI; certainty; comments with footnotes. A conclusion in GRADE's standard
wording goes with each row.
"""

from __future__ import annotations

from string import ascii_lowercase
from typing import Any

from . import wording
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
            footnotes.append({"mark": letter, "text": wording.footnote(domain, f)})
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
            "label": wording.domain_label(r["domain"]),
            "designs": summary["designs"],
            "factors": {f["factor"]: f | {"mark": marks[r["domain"]][f["factor"]]} for f in r["factors"]},
            "rating": r,
        }
        for r in summary["certainty"]
    ]
    return {"rows": rows, "footnotes": footnotes, "profile": profile}


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
    treatment = wording.lower_first(summary["modality"]["name"])
    return {
        "domain": domain,
        "domain_label": wording.domain_label(domain),
        "outcome": outcomes[0]["measure"],
        "timepoints": wording.timepoints(outcomes),
        "participants": n_participants,
        "studies": k,
        "study_ids": sorted({o["study_id"] for o in outcomes}),
        "outcome_ids": [o["outcome_id"] for o in outcomes],
        "effect": wording.sof_effect(outcomes, pooled, studies, k),
        "pooled": bool(pooled),
        "certainty": rating,
        "marks": list(marks.get(domain, {}).values()),
        "comments": sorted({o["note"] for o in outcomes if o.get("note")}),
        "conclusion": wording.sof_conclusion(rating, treatment, domain, outcomes[0]["measure"]),
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
