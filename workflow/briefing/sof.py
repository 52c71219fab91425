"""GRADE summary-of-findings rows and evidence profiles, per modality and across modalities.

Columns follow ../shared/BRIEFING.md: outcome (measure, time point); participants (studies);
effect with 95 % CI; certainty; comments with footnotes. A conclusion in GRADE's standard
wording goes with each row.
"""

from __future__ import annotations

from string import ascii_lowercase
from typing import Any

from . import importance, wording
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
        per_group[key] = max(per_group.get(key, 0), _patients_of(o) or size or 0)
    per_study: dict[str, int] = {}
    for (study, _), n in per_group.items():
        per_study[study] = per_study.get(study, 0) + n
    return sum(per_study.values()), len(per_study)


def _patients_of(o: dict[str, Any]) -> int | None:
    """A figure's denominator when it counts patients: lesions and procedures are never summed with
    patients as participants (issue 29); their study's size counts instead."""
    return o.get("denominator") if o.get("denominator_unit") in (None, "", "patients") else None


def analysed(
    outcomes: list[dict[str, Any]], studies: dict[str, dict[str, Any]], arms: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Who a row's figures are of: per study (and per arm of a trial) the largest denominator the
    source states for the row's figures. A study that states none counts as "not stated", never
    as its enrolled number, which the source's percentages may not be of (Ryu 2008)."""
    arms = arms or {}
    stated: dict[tuple[str, str | None], int] = {}
    for o in outcomes:
        key = (o["study_id"], o.get("arm_id") if o.get("arm_id") in arms else None)
        if _patients_of(o):
            stated[key] = max(stated.get(key, 0), o["denominator"])
    ids = sorted({o["study_id"] for o in outcomes})
    unstated = [sid for sid in ids if not any(k[0] == sid for k in stated)]
    enrolled = [studies[sid].get("patients") for sid in unstated]
    return {
        "participants": sum(stated.values()) if stated else None,
        "studies": len(ids),
        "unstated": unstated,
        "enrolled_unstated": sum(n for n in enrolled if n) if all(enrolled) else None,
    }


def participants_text(size: dict[str, Any]) -> str:
    """ "58", "not stated (49 enrolled)", "at least 101; not stated for 1 study" """
    n, unstated = size["participants"], size["unstated"]
    if not unstated:
        return str(n)
    if n is None:
        enrolled = size["enrolled_unstated"]
        return "not stated" + (f" ({enrolled} enrolled)" if enrolled else "")
    return f"at least {n}; not stated for {len(unstated)} {'study' if len(unstated) == 1 else 'studies'}"


def _arm_order(outcomes: list[dict[str, Any]], arms: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A trial's intervention arm before its comparator (stable otherwise)."""
    roles = {"intervention": 0, "comparator": 1}
    return sorted(outcomes, key=lambda o: roles.get(arms.get(o.get("arm_id") or "", {}).get("role"), 0))


def _group_key(o: dict[str, Any]) -> tuple[int, str, str]:
    # A subgroup's figures make their own row: never read together with the whole group's.
    return DOMAINS.order(o["domain"]), o.get("icpr_category") or o["measure"], o.get("subgroup") or ""


def _footnotes(
    ratings: dict[str, dict[str, Any]], order: list[str]
) -> tuple[list[dict[str, str]], dict[str, dict[str, str]]]:
    """One footnote per GRADE judgement, "not serious" ones too, lettered in `order` (the rated
    domains as the table shows them); and the letter of each (domain, factor)."""
    footnotes: list[dict[str, str]] = []
    marks: dict[str, dict[str, str]] = {}
    for domain in order:
        rating = ratings[domain]
        marks[domain] = {}
        for f in rating["factors"]:
            letter = _mark(len(footnotes))
            footnotes.append({"mark": letter, "text": wording.footnote(domain, f)})
            marks[domain][f["factor"]] = letter
    return footnotes, marks


def rows_for_modality(summary: dict[str, Any], prespecified: dict[str, Any] | None = None) -> dict[str, Any]:
    """The modality's SoF rows and their footnotes (letters), plus its evidence profile.
    `prespecified`: the analysis settings that list the outcomes and their importance."""
    studies = {s["study_id"]: s for s in summary["primary_studies"]}
    ratings = {r["domain"]: r for r in summary["certainty"]}
    outcomes_list = importance.prespecified(prespecified)
    groups: dict[tuple[int, str, str], list[dict[str, Any]]] = {}
    for o in summary["outcomes"]:
        groups.setdefault(_group_key(o), []).append(o)
    # Critical outcomes first, then important ones, each in the config's order; within one, the
    # order the curator recorded (complete before partial). Outcomes nobody prespecified come last.
    keyed = sorted(
        ((importance.classify(outcomes[0], outcomes_list), key, outcomes) for key, outcomes in groups.items()),
        key=lambda item: importance.sort_key(item[0], item[1][0]) + (item[1][0],),
    )
    # The rated domains in the order their rows appear; a rating without a row last.
    shown = list(dict.fromkeys(outcomes[0]["domain"] for _, _, outcomes in keyed))
    order = sorted(ratings, key=lambda d: (shown.index(d) if d in shown else len(shown), DOMAINS.order(d)))
    footnotes, marks = _footnotes(ratings, order)
    rows = [
        _row(outcomes, definition, summary, studies, ratings.get(outcomes[0]["domain"]), marks, p)
        for p, (_, definition, _), outcomes in keyed
    ]
    rows += _derived_overall_rows(summary, studies, ratings, marks, outcomes_list)
    reported = {p.id for p, _, _ in keyed if p}
    missing = [_not_reported(p, summary) for p in outcomes_list if p.critical and p.id not in reported]
    rows = [{k: v for k, v in r.items() if k != "rank"} for r in sorted(rows + missing, key=lambda r: r["rank"])]
    profile = [
        {
            "domain": r["domain"],
            "label": wording.domain_label(r["domain"]),
            "designs": summary["designs"],
            "factors": {f["factor"]: f | {"mark": marks[r["domain"]][f["factor"]]} for f in r["factors"]},
            "rating": r,
        }
        for r in (ratings[d] for d in order)
    ]
    return {"rows": rows, "footnotes": footnotes, "profile": profile}


def _derived_overall_rows(
    summary: dict[str, Any],
    studies: dict[str, dict[str, Any]],
    ratings: dict[str, dict[str, Any]],
    marks: dict[str, dict[str, str]],
    outcomes_list: list[importance.Prespecified],
) -> list[dict[str, Any]]:
    """One row for the ICPR overall responses (complete + partial) the build derived where studies
    report the two but not their sum: the figure that compares like with like across modalities.
    A subgroup's categories are left to its own rows."""
    by_id = {o["outcome_id"]: o for o in summary["outcomes"]}
    arms = {a["arm_id"]: a for a in summary.get("arms", [])}
    derived = [
        (g, [by_id[i] for i in g["derived_overall"]["from"]])
        for g in summary["response_groups"]
        if g["derived_overall"] and not by_id[g["derived_overall"]["from"][0]].get("subgroup")
    ]
    if not derived:
        return []
    parts = [o for _, group in derived for o in group]
    first = parts[0]
    p = importance.classify(first, outcomes_list)
    size = analysed(parts, studies, arms)
    several = len({g["study_id"] for g, _ in derived}) > 1

    def effect(g: dict[str, Any], group: list[dict[str, Any]]) -> str:
        texts = " + ".join(f"{o['icpr_category']} {o['value_text']} %" for o in group)
        unstated = "" if group[0].get("denominator") else "; denominator not stated; no CI computable"
        who = (f"{studies[g['study_id']]['short_name']}: " if several else "") + (
            f"{group[0]['arm_label']}: " if group[0].get("arm_label") else ""
        )
        return f"{who}{g['derived_overall']['value_text']} % (derived: {texts}{unstated})"

    rating = ratings.get(first["domain"])
    treatment = wording.lower_first(summary["modality"]["name"])
    return [
        {
            "domain": first["domain"],
            "domain_label": wording.domain_label(first["domain"]),
            "outcome": "Overall pain response (complete + partial, derived)",
            "timepoints": wording.timepoints(parts),
            "participants": size["participants"],
            "participants_text": participants_text(size),
            "enrolled_unstated": size["enrolled_unstated"],
            "arms_summed": len({o.get("arm_id") for o in parts if o.get("arm_id") in arms}) > 1,
            "studies": size["studies"],
            "study_ids": sorted({g["study_id"] for g, _ in derived}),
            "outcome_ids": [o["outcome_id"] for o in parts],
            "effect": "; ".join(effect(g, group) for g, group in derived),
            "pooled": False,
            "certainty": rating,
            "marks": list(marks.get(first["domain"], {}).values()),
            "comments": ["Derived by the build as complete + partial; the sources do not report the sum."],
            "conclusion": wording.sof_conclusion(rating, treatment, first["domain"], first["measure"]),
            "definition": DEFINITION_OVERALL_DERIVED,
            "importance": p.importance if p else None,
            "importance_text": p.importance_text if p else "not prespecified",
            "not_reported": False,
            # Before the categories it is made of.
            "rank": importance.sort_key(p, DOMAINS.order(first["domain"])) + (0,),
        }
    ]


DEFINITION_OVERALL = "ICPR overall response"
DEFINITION_OVERALL_DERIVED = "ICPR overall response (complete + partial, derived)"
OVERALL_DEFINITIONS = (DEFINITION_OVERALL, DEFINITION_OVERALL_DERIVED)


def definition_of(o: dict[str, Any]) -> str:
    """What a row's figure measures, so that rows of different definitions are never read as one
    (a complete response beside an overall response)."""
    if DOMAINS[o["domain"]].shape == "response":
        category = o.get("icpr_category")
        if category == "overall":
            return DEFINITION_OVERALL
        if category:
            return f"ICPR {category} response (mapped from '{o['source_term']}')"
        return f"not an ICPR category: '{o['source_term']}' as the source defines it"
    return wording.domain_label(o["domain"]) + (f" ({o['unit']})" if o.get("unit") else "")


def _not_reported(p: importance.Prespecified, summary: dict[str, Any]) -> dict[str, Any]:
    """A critical outcome no study of the modality reports: a row, so that the gap shows."""
    return {
        "domain": p.domain,
        "domain_label": wording.domain_label(p.domain),
        "outcome": p.label,
        "timepoints": "",
        "participants": None,
        "participants_text": "–",
        "enrolled_unstated": None,
        "arms_summed": False,
        "studies": 0,
        "study_ids": [],
        "outcome_ids": [],
        "effect": "not reported",
        "pooled": False,
        "certainty": None,
        "marks": [],
        "comments": [],
        "conclusion": f"No study in this briefing reports {wording.lower_first(p.label)} after "
        f"{wording.lower_first(summary['modality']['name'])}.",
        "importance": p.importance,
        "importance_text": p.importance_text,
        "definition": "",
        "not_reported": True,
        "rank": importance.sort_key(p, DOMAINS.order(p.domain)) + (0,),
    }


def _row(
    outcomes: list[dict[str, Any]],
    definition: str,
    summary: dict[str, Any],
    studies: dict[str, dict[str, Any]],
    rating: dict[str, Any] | None,
    marks: dict[str, dict[str, str]],
    prespecified: importance.Prespecified | None = None,
) -> dict[str, Any]:
    """One SoF row: the outcomes of one domain with one definition."""
    domain = outcomes[0]["domain"]
    arms = {a["arm_id"]: a for a in summary.get("arms", [])}
    outcomes = _arm_order(outcomes, arms)
    size = analysed(outcomes, studies, arms)
    k = size["studies"]
    pooled = [p for p in summary["pooled"] if p["result"] and p["domain"] == domain and p["definition"] == definition]
    subgroup = outcomes[0].get("subgroup")
    pooled = [] if subgroup else pooled  # a whole-group pooled result is not the subgroup's
    treatment = wording.lower_first(summary["modality"]["name"])
    return {
        "domain": domain,
        "domain_label": wording.domain_label(domain),
        "outcome": outcomes[0]["measure"] + (f", subgroup {subgroup}" if subgroup else ""),
        "timepoints": wording.timepoints(outcomes),
        "participants": size["participants"],
        "participants_text": participants_text(size),
        "enrolled_unstated": size["enrolled_unstated"],
        "importance": prespecified.importance if prespecified else None,
        "importance_text": prespecified.importance_text if prespecified else "not prespecified",
        "not_reported": False,
        "definition": definition_of(outcomes[0]),
        "rank": importance.sort_key(prespecified, DOMAINS.order(domain)) + (1,),
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


def headline_row(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A modality's headline row: a rated pain outcome, the ICPR overall response first (stated,
    pooled if it is, before derived), then any rated pain row; else any rated row; else the first."""
    rows = [r for r in rows if not r["not_reported"]]
    if not rows:
        return None
    pain = {d.id for d in DOMAINS.where(role="pain")}
    rated = [r for r in rows if r["certainty"] and r["domain"] in pain]
    ranked = sorted(
        (r for r in rated if r["definition"] in OVERALL_DEFINITIONS),
        key=lambda r: (r["definition"] != DEFINITION_OVERALL, not r["pooled"]),
    )
    return next(iter(ranked), None) or (rated[0] if rated else next((r for r in rows if r["certainty"]), rows[0]))


def across_modalities(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per modality with quantitative evidence: its most important rated pain outcome,
    an ICPR overall response where one is reported or derivable (like with like across
    modalities), else pain response, else pain score; else its first reported row. Each row says
    whether its definition differs from the others'."""
    table = []
    for s in summaries:
        chosen = headline_row(s.get("sof", {}).get("rows", []))
        if chosen:
            table.append({"modality_id": s["modality_id"], "name": s["modality"]["short_name"], **chosen})
    # Definitions are one kind when all rows are overall responses (stated or derived).
    kinds = {"overall" if r["definition"] in OVERALL_DEFINITIONS else r["definition"] for r in table}
    return [r | {"definition_differs": len(kinds) > 1 and r["definition"] not in OVERALL_DEFINITIONS} for r in table]
