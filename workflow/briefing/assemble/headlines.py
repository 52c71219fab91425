"""A modality's headline: its best evidence for its most important outcome, by one rule that the
bottom line, the key message, the side-by-side tables and What changed all read (issue 30, item 5).

Candidates are every figure the summary shows as a result: the single-modality summary-of-findings
rows, the comparisons the build computes between a trial's arms (risk ratios, mean differences),
the comparisons the sources state (a trial's finding, a systematic review's pooled effect). The
rule, in order (../shared/BRIEFING.md, "Headlines come from the best evidence"):
1. a pain outcome before any other; then the outcome's importance (critical, important, limited,
   not prespecified);
2. a whole group before a subgroup (a subgroup leads only with its label and the trial's total);
3. the design: randomised comparisons and systematic reviews with meta-analysis, then
   non-randomised comparisons, then single-group results (a trial's arms read apart, a cohort,
   a case series);
4. the most participants; an ICPR overall response before another definition; a pooled figure
   before one study's; the config's order of outcomes; a computed effect before a stated one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.core.vocabulary import DESIGNS, DOMAINS
from briefing.data import importance
from briefing.present import wording
from briefing.schema.models import ModalityHeadline, Sof, SofRow
from briefing.stats import comparative

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import Arm, Study

OVERALL = ("ICPR overall response", "ICPR overall response (complete + partial, derived)")
KINDS = ("computed", "difference", "stated", "review", "row")


def choose(summary: dict[str, Any], settings: AnalysisSettings | None = None) -> ModalityHeadline | None:
    """The modality's headline, or None when it reports no result."""
    ranked = sorted(candidates(summary, settings), key=_rank)
    return _public(ranked[0]) if ranked else None


def candidates(summary: dict[str, Any], settings: AnalysisSettings | None = None) -> list[dict[str, Any]]:
    """Every result the modality shows, in one shape (see `_candidate`), with what the rule ranks."""
    outcomes = importance.prespecified(settings)
    studies = {s["study_id"]: s for s in summary["primary_studies"] + summary.get("reviews", [])}
    arms = {a["arm_id"]: a for a in summary.get("arms", [])}
    for r in summary.get("review_results", []):
        arms |= {a["arm_id"]: a for a in r["arms"]}
    # A row of effects stated between arms (sof._not_reported) is a candidate below, as stated.
    rows = [r for r in Sof.model_validate(summary["sof"]).rows if not r.not_reported and r.outcome_ids]
    found = [_from_row(r, summary, studies, outcomes) for r in rows]
    for row in summary.get("sof_comparisons", []):
        effect = f"{row['relative']}; {row['difference']}"
        found.append(_from_computed(row, studies, outcomes, "computed", effect))
    for row in summary.get("sof_differences", []):
        found.append(_from_computed(row, studies, outcomes, "difference", row.get("difference_text", "")))
    for c in summary.get("comparisons", []):
        found.append(_from_stated(importance.with_event(c, summary["outcomes"]), arms, studies, outcomes, "stated"))
    for r in summary.get("review_results", []):
        found += [_from_stated(c, arms, studies, outcomes, "review") for c in r["comparisons"]]
    return found


def _rank(c: dict[str, Any]) -> tuple[Any, ...]:
    p = c["prespecified"]
    level = importance.RANK[p.importance] if p else len(importance.RANK)
    return (
        DOMAINS[c["domain"]].role != "pain",
        level,
        bool(c["subgroup"]),
        c["tier"],
        -(c["participants"] or 0),
        c["definition"] not in OVERALL,
        c["definition"] != OVERALL[0],
        not c["pooled"],
        p.order if p else len(importance.RANK) + DOMAINS.order(c["domain"]),
        KINDS.index(c["kind"]),
    )


def _tier(study_ids: list[str], studies: dict[str, Study], comparison: bool) -> int:
    """0: a randomised comparison or a systematic review's pooled effect; 1: a non-randomised
    comparison; 2: a single group's result (an arm of a trial read alone, a cohort, a series)."""
    designs = [DESIGNS[studies[s]["design"]] for s in study_ids if s in studies]
    if comparison and designs and all(d.randomised or d.pooled for d in designs):
        return 0
    return 1 if comparison else 2


def _candidate(**fields: Any) -> dict[str, Any]:
    """One shape for every kind: what the tables print (outcome, time points, participants, effect,
    certainty, conclusion, definition) and the headline's sentence."""
    when = fields["timepoints"]
    dated = when and when != "time point not stated" and not fields["pooled"] and when not in fields["outcome"]
    text = f"{fields['outcome']}{', ' + fields['timepoints'] if dated else ''}: {fields['effect']}"
    if fields.get("trial_total"):  # a subgroup: labelled, beside its trial's total
        text = wording.subgroup_headline(text, *fields.pop("trial_total"))
    fields.pop("trial_total", None)
    return fields | {"text": text, "study_id": fields["study_ids"][0]}


def _from_row(
    r: SofRow,
    summary: dict[str, Any],
    studies: dict[str, Study],
    outcomes: list[importance.Prespecified],
) -> dict[str, Any]:
    by_id = {o["outcome_id"]: o for o in summary["outcomes"]}
    total = None
    if r.subgroup:
        study = studies[r.study_ids[0]]
        total = (study["short_name"], study["patients"])
    return _candidate(
        kind="row",
        outcome=r.outcome,
        outcome_id=r.outcome_ids[0],
        domain=r.domain,
        timepoints=r.timepoints,
        participants=r.participants or r.enrolled_unstated,
        participants_text=r.participants_text,
        studies=r.studies,
        study_ids=r.study_ids,
        # One study's effect reads on from the outcome; several start with a study's name.
        effect=wording.lower_first(r.effect) if r.studies == 1 else r.effect,
        certainty=r.certainty,
        conclusion=r.conclusion,
        definition=r.definition,
        subgroup=r.subgroup,
        pooled=r.pooled,
        tier=_tier(r.study_ids, studies, False),
        prespecified=importance.classify(by_id[r.outcome_ids[0]], outcomes) if r.outcome_ids else None,
        trial_total=total,
    )


def _review_size(c: dict[str, Any], arms: dict[str, Arm]) -> int | None:
    """A review's pooled arms' patients, for the rule's order only (never printed as one sample)."""
    sizes = [arms[a].get("patients") for a in (c["arm_id"], c["comparator_arm_id"])]
    known = [s for s in sizes if s is not None]
    return sum(known) if len(known) == len(sizes) else None


def _from_computed(
    row: dict[str, Any],
    studies: dict[str, Study],
    outcomes: list[importance.Prespecified],
    kind: str,
    effect: str,
) -> dict[str, Any]:
    """A comparison the build computed between a trial's arms (GRADEpro's comparative row)."""
    return _candidate(
        kind=kind,
        outcome=f"{row['measure']}, {row['intervention']} against {row['comparator']}",
        outcome_id=(row.get("comparison_ids") or [row.get("comparison_id") or row["measure"]])[0],
        domain=row["domain"],
        timepoints=row.get("timepoint") or "",
        participants=row.get("participants"),
        participants_text=_randomised(row.get("participants"), row["study_ids"], studies),
        studies=len(row["study_ids"]),
        study_ids=row["study_ids"],
        effect=f"{effect} ({_who(row['study_ids'], studies, row.get('participants'))})",
        certainty=row.get("certainty"),
        conclusion=row.get("conclusion") or wording.sof_conclusion(None, "", row["domain"], row["measure"]),
        definition=wording.domain_label(row["domain"]),
        subgroup=row.get("subgroup"),
        pooled=bool(row.get("pooled")),
        tier=_tier(row["study_ids"], studies, True),
        prespecified=importance.classify(row | {"event": row.get("event_kind")}, outcomes),
    )


def _from_stated(
    c: dict[str, Any],
    arms: dict[str, Arm],
    studies: dict[str, Study],
    outcomes: list[importance.Prespecified],
    kind: str,
) -> dict[str, Any]:
    """A comparison the source states: a trial's finding, or a systematic review's pooled effect."""
    study = studies[c["study_id"]]
    n = None if kind == "review" else comparative.randomised(c, arms, study)
    who = _who([c["study_id"]], studies, n)
    if kind == "review" and c.get("studies"):
        who += f", {c['studies']} studies pooled"
    named = c.get("finding")  # a finding without an effect measure names the arms itself
    against = f"{arms[c['arm_id']]['label']} against {arms[c['comparator_arm_id']]['label']}"
    outcome = c["measure"] if named else f"{c['measure']}, {against}"
    total = (study["short_name"], study["patients"]) if c.get("subgroup") else None
    return _candidate(
        kind=kind,
        outcome=outcome,
        outcome_id=c["comparison_id"],
        domain=c["domain"],
        timepoints=c.get("timepoint") or "",
        participants=n if n is not None else _review_size(c, arms) if kind == "review" else None,
        participants_text=_randomised(n, [c["study_id"]], studies) if n else _review_arms(c, arms, kind),
        studies=c.get("studies") or 1,
        study_ids=[c["study_id"]],
        effect=f"{c['text']} ({who})",
        certainty=c.get("certainty"),
        conclusion=wording.comparison_conclusion(
            c.get("certainty"),
            arms[c["arm_id"]]["label"],
            arms[c["comparator_arm_id"]]["label"],
            c["measure"],
            comparative.direction(c),
        ),
        definition=_stated_definition(c),
        subgroup=c.get("subgroup"),
        pooled=kind == "review",
        tier=_tier([c["study_id"]], studies, True),
        prespecified=importance.classify(c, outcomes),
        trial_total=total,
    )


def _stated_definition(c: dict[str, Any]) -> str:
    if DOMAINS[c["domain"]].shape == "response":
        return f"not an ICPR category: '{c.get('source_term') or c['measure']}' as the source defines it"
    return wording.domain_label(c["domain"])


def _who(study_ids: list[str], studies: dict[str, Study], n: int | None) -> str:
    """ "Patchell 2005, randomised trial, 101 randomised": whose result, of what design."""
    names = wording.join_and([studies[s]["short_name"] for s in study_ids])
    designs = {DESIGNS[studies[s]["design"]] for s in study_ids}
    kind = next(iter(designs)).singular if len(designs) == 1 and len(study_ids) == 1 else "trials"
    return f"{names}, {kind}" + (f", {_randomised(n, study_ids, studies)}" if n else "")


def _review_arms(c: dict[str, Any], arms: dict[str, Arm], kind: str) -> str:
    """A review's arms as it states them (context, never one sample), or "not stated"."""
    sizes = [arms[a].get("patients") for a in (c["arm_id"], c["comparator_arm_id"])]
    if kind != "review" or None in sizes:
        return "not stated"
    return f"{sizes[0]} and {sizes[1]} in the review's pooled arms"


def _randomised(n: int | None, study_ids: list[str], studies: dict[str, Study]) -> str:
    """ "101 randomised" for randomised trials (GRADEpro counts all randomised), else the number."""
    if n is None:
        return "not stated"
    randomised = all(DESIGNS[studies[s]["design"]].randomised for s in study_ids if s in studies)
    return f"{n} randomised" if randomised else str(n)


def _public(c: dict[str, Any]) -> ModalityHeadline:
    """The headline as the summary keeps it: the rule's inputs left out."""
    p = c["prespecified"]
    rest = {k: v for k, v in c.items() if k not in ("prespecified", "participants")}
    return ModalityHeadline(**rest, importance_text=p.importance_text if p else "not prespecified")
