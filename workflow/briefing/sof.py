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


def participants(
    outcomes: list[dict[str, Any]], studies: dict[str, dict[str, Any]], arms: dict[str, dict[str, Any]] | None = None
) -> tuple[int, int]:
    """Participants and studies behind a row: per study the largest stated denominator, else the
    study's size; for a comparative study, per arm (else the arm's size), summed over its arms."""
    arms = arms or {}
    per_group: dict[tuple[str, str | None], int] = {}
    for o in outcomes:
        arm = arms.get(o.get("arm_id") or "")
        size = arm.get("patients") if arm else studies[o["study_id"]].get("patients")
        key = (o["study_id"], o.get("arm_id") if arm else None)
        per_group[key] = max(per_group.get(key, 0), o.get("denominator") or size or 0)
    per_study: dict[str, int] = {}
    for (study, _), n in per_group.items():
        per_study[study] = per_study.get(study, 0) + n
    return sum(per_study.values()), len(per_study)


def _arm_order(outcomes: list[dict[str, Any]], arms: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A trial's intervention arm before its comparator (stable otherwise)."""
    roles = {"intervention": 0, "comparator": 1}
    return sorted(outcomes, key=lambda o: roles.get(arms.get(o.get("arm_id") or "", {}).get("role"), 0))


def _group_key(o: dict[str, Any]) -> tuple[int, str, str]:
    # A subgroup's figures make their own row: never read together with the whole group's.
    return DOMAINS.order(o["domain"]), o.get("icpr_category") or o["measure"], o.get("subgroup") or ""


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
        for (_, definition, _), outcomes in sorted(groups.items(), key=lambda item: item[0][0])
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
    arms = {a["arm_id"]: a for a in summary.get("arms", [])}
    outcomes = _arm_order(outcomes, arms)
    n_participants, k = participants(outcomes, studies, arms)
    pooled = [p for p in summary["pooled"] if p["result"] and p["domain"] == domain and p["definition"] == definition]
    subgroup = outcomes[0].get("subgroup")
    pooled = [] if subgroup else pooled  # a whole-group pooled result is not the subgroup's
    treatment = wording.lower_first(summary["modality"]["name"])
    return {
        "domain": domain,
        "domain_label": wording.domain_label(domain),
        "outcome": outcomes[0]["measure"] + (f", subgroup {subgroup}" if subgroup else ""),
        "timepoints": wording.timepoints(outcomes),
        "participants": n_participants,
        "arms_summed": len({o.get("arm_id") for o in outcomes if o.get("arm_id") in arms}) > 1,
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
