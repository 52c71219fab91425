"""GRADE summary-of-findings rows and evidence profiles, per modality and across modalities.

Columns follow ../shared/BRIEFING.md: outcome (measure, time point); participants (studies);
effect with 95 % CI; certainty; comments with footnotes. A conclusion in GRADE's standard
wording goes with each row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from string import ascii_lowercase
from typing import TYPE_CHECKING, Any, cast

from briefing.core.vocabulary import DOMAINS
from briefing.data import importance
from briefing.grade import bodies
from briefing.present import wording
from briefing.schema.models import Footnote, MarkedJudgement, ProfileLead, ProfileRow, Rating, Sof, SofRow
from briefing.stats import comparative

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import StatedComparison

if TYPE_CHECKING:
    from briefing.schema.models import Arm, DescribedOutcome, Outcome, Study

# A row with its place in the table (critical outcomes first: importance.sort_key).
Ranked = tuple[tuple[Any, ...], SofRow]


def _mark(index: int) -> str:
    """Footnote marks a, b, ..., z, aa, ab, ..."""
    return ascii_lowercase[index] if index < 26 else _mark(index // 26 - 1) + ascii_lowercase[index % 26]


def _patients_denominator(o: Outcome) -> int | None:
    """A figure's denominator when it counts patients: lesions or procedures are another unit."""
    return o.get("denominator") if (o.get("denominator_unit") or "patients") == "patients" else None


def _per_study(per_group: dict[tuple[str, str | None], int]) -> dict[str, int]:
    """Each study's patients once: its arms' sum, or its whole group's figure if that is larger, never
    the whole group added to its own arms."""
    result: dict[str, int] = {}
    for study in dict.fromkeys(s for s, _ in per_group):
        arms = sum(n for (s, arm), n in per_group.items() if s == study and arm is not None)
        result[study] = max(arms, per_group.get((study, None), 0))
    return result


def participants(
    outcomes: Sequence[Outcome], studies: dict[str, Study], arms: dict[str, Arm] | None = None
) -> tuple[int, int]:
    """Participants and studies behind a row: per study the largest stated denominator of patients,
    else the study's size; for a comparative study, per arm (else the arm's size), summed over its
    arms; each study's patients once (time points, subsets and the whole trial beside its arms)."""
    arms = arms or {}
    per_group: dict[tuple[str, str | None], int] = {}
    for o in outcomes:
        arm = arms.get(o.get("arm_id") or "")
        size = arm.get("patients") if arm else studies[o["study_id"]].get("patients")
        key = (o["study_id"], o.get("arm_id") if arm else None)
        per_group[key] = max(per_group.get(key, 0), _patients_denominator(o) or size or 0)
    per_study = _per_study(per_group)
    return sum(per_study.values()), len(per_study)


@dataclass(frozen=True)
class Analysed:
    """Who a row's figures are of (`analysed`)."""

    participants: int | None  # None: no study states a number of patients for the row's figures
    studies: int
    unstated: list[str]  # the studies that state none
    enrolled_unstated: int | None  # their enrolled patients, where every one states it
    other_units: list[str]  # "61 lesions": denominators in another unit, printed apart


def analysed(outcomes: Sequence[Outcome], studies: dict[str, Study], arms: dict[str, Arm] | None = None) -> Analysed:
    """Who a row's figures are of: per study (and per arm of a trial) the largest denominator of
    patients the source states for the row's figures, each study's patients once. A study that
    states none counts as "not stated", never as its enrolled number, which the source's percentages
    may not be of (Ryu 2008); a denominator in another unit (lesions) is printed apart, never added."""
    arms = arms or {}
    stated: dict[tuple[str, str | None], int] = {}
    other: dict[tuple[str, str], int] = {}
    for o in outcomes:
        key = (o["study_id"], o.get("arm_id") if o.get("arm_id") in arms else None)
        unit = o.get("denominator_unit")  # never empty below: a denominator without a unit counts patients
        if n := _patients_denominator(o):
            stated[key] = max(stated.get(key, 0), n)
        elif (denominator := o.get("denominator")) and unit:
            study_unit = (o["study_id"], unit)
            other[study_unit] = max(other.get(study_unit, 0), denominator)
    ids = sorted({o["study_id"] for o in outcomes})
    unstated = [sid for sid in ids if not any(k[0] == sid for k in stated)]
    enrolled = [studies[sid].get("patients") for sid in unstated]
    units: dict[str, int] = {}
    for (_, unit), n in other.items():
        units[unit] = units.get(unit, 0) + n
    return Analysed(
        participants=sum(_per_study(stated).values()) if stated else None,
        studies=len(ids),
        unstated=unstated,
        enrolled_unstated=sum(n for n in enrolled if n) if all(enrolled) else None,
        other_units=[f"{n} {unit}" for unit, n in sorted(units.items())],
    )


def participants_text(size: Analysed) -> str:
    """ "58", "not stated (49 enrolled)", "at least 101; not stated for 1 study", "58; figures of
    61 lesions apart" """
    n, unstated = size.participants, size.unstated
    apart = f"; figures of {', '.join(size.other_units)} apart" if size.other_units else ""
    if not unstated:
        return f"{n}{apart}"
    if n is None:
        enrolled = size.enrolled_unstated
        return "not stated" + (f" ({enrolled} enrolled)" if enrolled else "") + apart
    return f"at least {n}; not stated for {len(unstated)} {'study' if len(unstated) == 1 else 'studies'}{apart}"


def _arm_order(outcomes: list[DescribedOutcome], arms: dict[str, Arm]) -> list[DescribedOutcome]:
    """A trial's intervention arm before its comparator (stable otherwise)."""
    roles: dict[str | None, int] = {"intervention": 0, "comparator": 1}
    return sorted(outcomes, key=lambda o: roles.get(arms.get(o.get("arm_id") or "", cast("Arm", {})).get("role"), 0))


def _group_key(o: Outcome, summary: dict[str, Any]) -> tuple[int, str, str, str]:
    # A subgroup's figures make their own row: never read together with the whole group's; and a
    # trial's arms answer another question than a series of one group (their own body of evidence).
    question = bodies.question(o, summary.get("comparators", {}))
    return DOMAINS.order(o["domain"]), o.get("icpr_category") or o["measure"], o.get("subgroup") or "", question


def body_of(o: Outcome | StatedComparison, summary: dict[str, Any]) -> str:
    """The body of evidence a figure (or a stated comparison) belongs to (bodies.py)."""
    question = bodies.question(o, summary.get("comparators", {}))
    return bodies.key(summary["modality_id"], question, o["domain"])


def _footnotes(
    ratings: dict[str, dict[str, Any]], order: list[str]
) -> tuple[list[Footnote], dict[str, dict[str, str]]]:
    """One footnote per GRADE judgement, "not serious" ones too, lettered in `order` (the rated
    bodies of evidence as the table shows them); and the letter of each (body, factor). A body
    whose certainty is not assessed has no footnotes: nothing under it reads as a judgement."""
    footnotes: list[Footnote] = []
    marks: dict[str, dict[str, str]] = {}
    for body in order:
        rating = ratings[body]
        marks[body] = {}
        if not rating["level"]:
            continue
        for f in rating["factors"]:
            letter = _mark(len(footnotes))
            footnotes.append(Footnote(mark=letter, text=wording.footnote(rating["label"], f)))
            marks[body][f["factor"]] = letter
    return footnotes, marks


def rows_for_modality(summary: dict[str, Any], prespecified: AnalysisSettings | None = None) -> Sof:
    """The modality's SoF rows and their footnotes (letters), plus its evidence profile.
    `prespecified`: the analysis settings that list the outcomes and their importance."""
    studies = {s["study_id"]: s for s in summary["primary_studies"]}
    ratings = {r["key"]: r for r in summary["certainty"]}
    outcomes_list = importance.prespecified(prespecified)
    groups: dict[tuple[int, str, str, str], list[DescribedOutcome]] = {}
    for o in summary["outcomes"]:
        groups.setdefault(_group_key(o, summary), []).append(o)
    # Critical outcomes first, then important ones, each in the config's order; within one, the
    # order the curator recorded (complete before partial). Outcomes nobody prespecified come last.
    keyed = sorted(
        ((importance.classify(outcomes[0], outcomes_list), key, outcomes) for key, outcomes in groups.items()),
        key=lambda item: importance.sort_key(item[0], item[1][0]) + (item[1][0],),
    )
    # The bodies of evidence in the order their rows appear; a body without a row (a comparison
    # stated only as an effect) last, in the order of its domain.
    shown = list(dict.fromkeys(body_of(outcomes[0], summary) for _, _, outcomes in keyed))
    order = sorted(
        ratings, key=lambda b: (shown.index(b) if b in shown else len(shown), DOMAINS.order(ratings[b]["domain"]), b)
    )
    footnotes, marks = _footnotes(ratings, order)
    rows = [
        _row(outcomes, definition, summary, studies, ratings.get(body_of(outcomes[0], summary)), marks, p)
        for p, (_, definition, _, _), outcomes in keyed
    ]
    rows += _derived_overall_rows(summary, studies, ratings, marks, outcomes_list)
    reported = {p.id for p, _, _ in keyed if p}
    missing = [_not_reported(p, summary) for p in outcomes_list if p.critical and p.id not in reported]
    ranked = sorted(rows + missing, key=lambda r: r[0])
    profile = [
        ProfileRow(
            domain=r["domain"],
            key=r["key"],
            label=r["label"],
            designs=r["designs"],
            participants_text=r["participants_text"],
            factors={f["factor"]: MarkedJudgement(**f, mark=marks[r["key"]][f["factor"]]) for f in r["factors"]},
            rating=Rating.model_validate(r),
        )
        for r in (ratings[b] for b in order)
        if r["level"]
    ]
    not_assessed = [Rating.model_validate(ratings[b]) for b in order if not ratings[b]["level"]]
    return Sof(rows=[row for _, row in ranked], footnotes=footnotes, profile=profile, not_assessed=not_assessed)


def profile_outcomes(
    sof: Sof,
    comparative_rows: list[dict[str, Any]],
    summary: dict[str, Any],
    settings: AnalysisSettings | None,
) -> list[ProfileRow]:
    """The evidence profile's rows with GRADEpro's other columns: the outcomes the body's rows name
    (not its domain), the effect of its leading row (a between-arm effect before an arm's figures;
    the SoF's first row otherwise) and the highest importance among its outcomes."""
    prespecified = importance.prespecified(settings)
    between = [
        {
            "outcome": r["measure"] + (f", subgroup {r['subgroup']}" if r.get("subgroup") else ""),
            "effect": "; ".join(t for t in (r["relative"], r.get("difference_text") or r.get("difference")) if t),
            "studies": len(r["study_ids"]),
            "pooled": True,  # never collapsed: a between-arm effect is one line
            "importance": _importance(r, summary["outcomes"], prespecified),
            "body": (r.get("certainty") or {}).get("key"),
        }
        for r in comparative_rows
    ]
    within = [  # a stated effect is in `between`
        {"outcome": r.outcome, "effect": r.effect, "studies": r.studies, "pooled": r.pooled}
        | {"importance": r.importance, "body": r.body}
        for r in sof.rows
        if r.outcome_ids and r.body
    ]
    return [_profile_columns(row, between + within) for row in sof.profile]


def _importance(row: dict[str, Any], outcomes: list[Outcome], listed: list[importance.Prespecified]) -> str | None:
    """A between-arm row's importance: that of the prespecified outcome its measure reports."""
    o = importance.with_event(
        {"domain": row["domain"], "measure": row["measure"], "study_id": row["study_ids"][0]}, outcomes
    )
    p = importance.classify(o, listed)
    return p.importance if p else None


def _profile_columns(row: ProfileRow, rows: list[dict[str, Any]]) -> ProfileRow:
    """A profile row with the outcomes its body's rows name, its leading row's effect, and their
    highest importance."""
    mine = [r for r in rows if r["body"] == row.key]
    levels = [r["importance"] for r in mine if r.get("importance")]
    level = min(levels, key=importance.RANK.__getitem__) if levels else None
    lead = ProfileLead(**{k: mine[0][k] for k in ("outcome", "effect", "studies", "pooled")}) if mine else None
    outcomes = list(dict.fromkeys(r["outcome"] for r in mine))
    text = importance.LEVELS[level] if level else "not prespecified"
    return row.model_copy(update={"outcomes": outcomes, "lead": lead, "importance": level, "importance_text": text})


def _derived_overall_rows(
    summary: dict[str, Any],
    studies: dict[str, Study],
    ratings: dict[str, dict[str, Any]],
    marks: dict[str, dict[str, str]],
    outcomes_list: list[importance.Prespecified],
) -> list[Ranked]:
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
    rating = ratings.get(body_of(first, summary))
    treatment = wording.lower_first(summary["modality"]["name"])
    row = SofRow(
        domain=first["domain"],
        body=body_of(first, summary),
        domain_label=wording.domain_label(first["domain"]),
        outcome="Overall pain response (complete + partial, derived)",
        timepoints=wording.timepoints(parts),
        participants=size.participants,
        participants_text=participants_text(size),
        other_units=size.other_units,
        enrolled_unstated=size.enrolled_unstated,
        arms_summed=len({o.get("arm_id") for o in parts if o.get("arm_id") in arms}) > 1,
        studies=size.studies,
        study_ids=sorted({g["study_id"] for g, _ in derived}),
        outcome_ids=[o["outcome_id"] for o in parts],
        effect="; ".join(_derived_effect(g, group, studies, several) for g, group in derived),
        pooled=False,
        certainty=_rating(rating),
        marks=list(marks.get(body_of(first, summary), {}).values()),
        comments=["Derived by the build as complete + partial; the sources do not report the sum."],
        conclusion=wording.single_group_conclusion(rating, treatment, first["domain"], first["measure"]),
        definition=DEFINITION_OVERALL_DERIVED,
        subgroup=None,
        importance=p.importance if p else None,
        importance_text=p.importance_text if p else "not prespecified",
        not_reported=False,
    )
    # Before the categories it is made of.
    return [(importance.sort_key(p, DOMAINS.order(first["domain"])) + (0,), row)]


def _rating(rating: dict[str, Any] | Rating | None) -> Rating | None:
    """A body's rating as its model (certainty.rate_bodies gives it as a dict)."""
    return Rating.model_validate(rating) if rating is not None else None


def _derived_effect(g: dict[str, Any], group: list[Outcome], studies: dict[str, Study], several: bool) -> str:
    """A derived overall response with the categories it sums ("62 % (derived: complete 20 % + ...)")."""
    texts = " + ".join(f"{o['icpr_category']} {o['value_text']} %" for o in group)
    unstated = "" if group[0].get("denominator") else "; denominator not stated; no CI computable"
    who = (f"{studies[g['study_id']]['short_name']}: " if several else "") + wording.group_prefix(group[0])
    return f"{who}{g['derived_overall']['value_text']} % (derived: {texts}{unstated})"


DEFINITION_OVERALL = "ICPR overall response"
DEFINITION_OVERALL_DERIVED = "ICPR overall response (complete + partial, derived)"
OVERALL_DEFINITIONS = (DEFINITION_OVERALL, DEFINITION_OVERALL_DERIVED)


def definition_of(o: Outcome) -> str:
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


def _stated_elsewhere(p: importance.Prespecified, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The between-arm effects of a prespecified outcome that the modality's trials or systematic
    reviews state (summary comparisons, review results) although no primary study's row gives it."""
    stated = summary.get("comparisons", []) + [c for r in summary.get("review_results", []) for c in r["comparisons"]]
    return [c for c in stated if p.matches(importance.with_event(c, summary["outcomes"])) and not c.get("subgroup")]


def _not_reported(p: importance.Prespecified, summary: dict[str, Any]) -> Ranked:
    """A critical outcome no study of the modality reports: a row, so that the gap shows. Where a
    trial or a systematic review states its effect between arms (Saito 2019's pooled OR), the row
    gives that instead and is no gap."""
    stated = _stated_elsewhere(p, summary)
    treatment = wording.lower_first(summary["modality"]["name"])
    row = SofRow(
        domain=p.domain,
        domain_label=wording.domain_label(p.domain),
        outcome=p.label,
        timepoints="",
        participants=None,
        participants_text="–",
        enrolled_unstated=None,
        arms_summed=False,
        studies=0,
        study_ids=[],
        outcome_ids=[],
        effect="not reported",
        pooled=False,
        certainty=None,
        marks=[],
        comments=[],
        conclusion=f"No study in this briefing reports {wording.lower_first(p.label)} after {treatment}.",
        importance=p.importance,
        importance_text=p.importance_text,
        definition="",
        subgroup=None,
        not_reported=True,
    )
    rank = importance.sort_key(p, DOMAINS.order(p.domain)) + (0,)
    return rank, _stated_row(row, summary, stated, treatment, p) if stated else row


def _stated_row(
    row: SofRow, summary: dict[str, Any], stated: list[dict[str, Any]], treatment: str, p: importance.Prespecified
) -> SofRow:
    """A prespecified outcome's row (`row`, its gap) from the between-arm effects trials or reviews state."""
    studies = {s["study_id"]: s for s in summary["primary_studies"] + summary.get("reviews", [])}
    # The certainty of the stated effects' body of evidence, where they share one (bodies.py).
    ratings = [c.get("certainty") for c in stated]
    rating = ratings[0] if ratings[0] and all(r == ratings[0] for r in ratings) else None
    arms = {
        a["arm_id"]: a
        for a in summary.get("arms", []) + [a for r in summary.get("review_results", []) for a in r["arms"]]
    }
    first = stated[0]
    what = (
        wording.comparison_conclusion(
            rating,
            arms[first["arm_id"]]["label"],
            arms[first["comparator_arm_id"]]["label"],
            first["measure"],
            comparative.direction(first),
        )
        if rating and len(stated) == 1 and first["arm_id"] in arms and first["comparator_arm_id"] in arms
        else wording.sof_conclusion(rating, treatment, p.domain, p.label)
    )
    return row.model_copy(
        update={
            "body": rating["key"] if rating else "",
            "certainty": _rating(rating),
            "participants_text": "as the sources state",
            "studies": sum(c.get("studies") or 1 for c in stated),
            "study_ids": sorted({c["study_id"] for c in stated}),
            "effect": "; ".join(wording.stated_effect_row(c, studies[c["study_id"]]) for c in stated),
            "comments": ["No primary study's figures: the effect between arms as the trial or review states it."],
            "conclusion": what,
            "definition": "as the source defines it",
            "not_reported": False,
        }
    )


def _row(
    outcomes: list[DescribedOutcome],
    definition: str,
    summary: dict[str, Any],
    studies: dict[str, Study],
    rating: dict[str, Any] | None,
    marks: dict[str, dict[str, str]],
    prespecified: importance.Prespecified | None = None,
) -> Ranked:
    """One SoF row: the outcomes of one domain with one definition."""
    domain = outcomes[0]["domain"]
    arms: dict[str, Arm] = {a["arm_id"]: a for a in summary.get("arms", [])}
    outcomes = _arm_order(outcomes, arms)
    size = analysed(outcomes, studies, arms)
    k = size.studies
    pooled = [p for p in summary["pooled"] if p["result"] and p["domain"] == domain and p["definition"] == definition]
    subgroup = outcomes[0].get("subgroup")
    pooled = [] if subgroup else pooled  # a whole-group pooled result is not the subgroup's
    treatment = wording.lower_first(summary["modality"]["name"])
    row = SofRow(
        domain=domain,
        body=body_of(outcomes[0], summary),
        domain_label=wording.domain_label(domain),
        outcome=outcomes[0]["measure"] + (f", subgroup {subgroup}" if subgroup else ""),
        subgroup=subgroup,
        timepoints=wording.timepoints(outcomes),
        participants=size.participants,
        participants_text=participants_text(size),
        other_units=size.other_units,
        enrolled_unstated=size.enrolled_unstated,
        importance=prespecified.importance if prespecified else None,
        importance_text=prespecified.importance_text if prespecified else "not prespecified",
        not_reported=False,
        definition=definition_of(outcomes[0]),
        arms_summed=len({o.get("arm_id") for o in outcomes if o.get("arm_id") in arms}) > 1,
        studies=k,
        study_ids=sorted({o["study_id"] for o in outcomes}),
        outcome_ids=[o["outcome_id"] for o in outcomes],
        effect=wording.sof_effect(outcomes, pooled, studies, k),
        pooled=bool(pooled),
        certainty=_rating(rating),
        marks=list(marks.get(body_of(outcomes[0], summary), {}).values()),
        comments=sorted({note for o in outcomes if (note := o.get("note"))}),
        # One modality's figures: what happened after it (an arm read alone too), never its effect.
        conclusion=wording.single_group_conclusion(rating, treatment, domain, outcomes[0]["measure"]),
    )
    return importance.sort_key(prespecified, DOMAINS.order(domain)) + (1,), row


def across_modalities(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per modality with a result: its headline (headlines.choose, the one rule the bottom
    line and key message read). Each row says whether its definition differs from the others'."""
    table = [
        {"modality_id": s["modality_id"], "name": s["modality"]["short_name"], **s["main_pain"]}
        for s in summaries
        if s.get("main_pain")
    ]
    # Definitions are one kind when all rows are overall responses (stated or derived).
    kinds = {"overall" if r["definition"] in OVERALL_DEFINITIONS else r["definition"] for r in table}
    return [r | {"definition_differs": len(kinds) > 1 and r["definition"] not in OVERALL_DEFINITIONS} for r in table]
