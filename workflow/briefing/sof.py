"""GRADE summary-of-findings rows and evidence profiles, per modality and across modalities.

Columns follow ../shared/BRIEFING.md: outcome (measure, time point); participants (studies);
effect with 95 % CI; certainty; comments with footnotes. A conclusion in GRADE's standard
wording goes with each row.
"""

from __future__ import annotations

from string import ascii_lowercase
from typing import Any

from . import certainty, numbers
from .text import DOMAIN_LABELS, DOMAIN_ORDER, lower_first, trajectory_phrase

# How each outcome is named in a conclusion, and the verb for it ("may reduce pain scores").
DOMAIN_PHRASES = {
    "pain_response": ("pain", "relieve", "relieves"),
    "pain_score": ("pain scores", "reduce", "reduces"),
    "opioid_dose": ("opioid use", "reduce", "reduces"),
    "breakthrough_pain": ("breakthrough pain", "reduce", "reduces"),
}


DOMAIN_LABELS_SHORT = {
    "pain_response": "Pain response",
    "pain_score": "Pain score",
    "opioid_dose": "Opioid use",
    "toxicity": "Toxicity",
}


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
    return DOMAIN_ORDER.index(o["domain"]), o.get("icpr_category") or o["measure"]


def rows_for_modality(summary: dict[str, Any]) -> dict[str, Any]:
    """The modality's SoF rows and their footnotes (letters), plus its evidence profile."""
    studies = {s["study_id"]: s for s in summary["primary_studies"]}
    ratings = {r["domain"]: r for r in summary["certainty"]}
    treatment = lower_first(summary["modality"]["name"])
    footnotes: list[dict[str, str]] = []
    rating_marks: dict[str, list[str]] = {}
    for domain, rating in ratings.items():
        marks = []
        for f in rating["factors"]:  # every judgement gets its footnote, "not serious" ones too
            letter = _mark(len(footnotes))
            footnotes.append(
                {
                    "mark": letter,
                    "text": f"{DOMAIN_LABELS_SHORT.get(domain, domain)}, {f['label'].lower()} "
                    f"({f['judgement_text']}): {f['reason']}",
                }
            )
            f["mark"] = letter
            marks.append(letter)
        rating_marks[domain] = marks

    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for o in summary["outcomes"]:
        groups.setdefault(_group_key(o), []).append(o)

    rows = []
    # Most important domain first; within it, the order the curator recorded (complete before partial).
    for (_, definition), outcomes in sorted(groups.items(), key=lambda item: item[0][0]):
        domain = outcomes[0]["domain"]
        n_participants, k = participants(outcomes, studies)
        pooled = [
            p for p in summary["pooled"] if p["result"] and p["domain"] == domain and p["definition"] == definition
        ]
        repeated = len({o.get("time_days") for o in outcomes}) > 1 and all(
            o.get("time_days") is not None for o in outcomes
        )
        if pooled:
            effect = " | ".join(f"{p['window']}: {pooled_effect(p)}" for p in pooled)
        elif repeated:
            by_study: dict[str, list[dict[str, Any]]] = {}
            for o in outcomes:
                by_study.setdefault(o["study_id"], []).append(o)
            effect = "; ".join(
                (f"{studies[sid]['short_name']}: " if len(by_study) > 1 else "")
                + trajectory_phrase(sorted(series, key=lambda x: x["time_days"]), with_measure=False)
                for sid, series in by_study.items()
            )
        else:
            effect = "; ".join(
                (f"{studies[o['study_id']]['short_name']}: " if k > 1 else "") + o["display"] for o in outcomes
            )
        timepoints = sorted(
            {o["timepoint"] for o in outcomes if o.get("timepoint")},
            key=lambda t: next(o.get("time_days") or 0 for o in outcomes if o.get("timepoint") == t),
        )
        when = (
            timepoints[0] + (f" to {timepoints[-1]}" if len(timepoints) > 1 else "")
            if timepoints
            else "time point not stated"
        )
        rating = ratings.get(domain)
        outcome_name = outcomes[0]["measure"]
        if rating:
            noun, verb, verb_s = DOMAIN_PHRASES.get(domain, (lower_first(outcome_name), "result in", "results in"))
            conclusion = certainty.conclusion(
                rating["level_text"],
                treatment,
                noun if domain in DOMAIN_PHRASES else lower_first(outcome_name),
                verb,
                verb_s,
            )
        else:
            conclusion = "Certainty not rated by the curator for this outcome; the figures are reported as stated."
        comments = [o["note"] for o in outcomes if o.get("note")]
        rows.append(
            {
                "domain": domain,
                "domain_label": DOMAIN_LABELS[domain],
                "outcome": outcome_name,
                "timepoints": when,
                "participants": n_participants,
                "studies": k,
                "study_ids": sorted({o["study_id"] for o in outcomes}),
                "outcome_ids": [o["outcome_id"] for o in outcomes],
                "effect": effect,
                "pooled": bool(pooled),
                "certainty": rating,
                "marks": rating_marks.get(domain, []),
                "comments": sorted(set(comments)),
                "conclusion": conclusion,
            }
        )
    profile = [
        {
            "domain": r["domain"],
            "label": DOMAIN_LABELS[r["domain"]],
            "designs": summary["designs"],
            "factors": {f["factor"]: f for f in r["factors"]},
            "rating": r,
        }
        for r in summary["certainty"]
    ]
    return {"rows": rows, "footnotes": footnotes, "profile": profile}


def across_modalities(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per modality with quantitative evidence: its most important rated pain outcome
    (pain response, else pain score), else its first row."""
    table = []
    for s in summaries:
        rows = s.get("sof", {}).get("rows", [])
        if not rows:
            continue
        rated = [r for r in rows if r["certainty"]]
        chosen = next(
            (r for r in rated if r["domain"] in ("pain_response", "pain_score")), rated[0] if rated else rows[0]
        )
        table.append({"modality_id": s["modality_id"], "name": s["modality"]["short_name"], **chosen})
    return table
