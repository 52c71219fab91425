"""One modality's evidence summary: studies, every stated outcome with its computed interval,
trajectories, response categories, pooled results where allowed, certainty, figures and sentences.

The notebook of each modality calls `build_summary` and shows its parts; the combining step reads
the JSON it writes. Nothing here formats HTML: templates do that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

from briefing.assemble import headlines, sof
from briefing.core.vocabulary import (
    CATEGORIES,
    COMPARISON_COLUMN_EVENTS,
    COMPARISON_COLUMNS,
    DESIGNS,
    DOMAINS,
    event_kind,
)
from briefing.grade import bodies, certainty, imprecision, risk_of_bias
from briefing.present import figure_tables, figures, wording
from briefing.present import presenting as present
from briefing.schema.models import Finding, ModalitySummary, Sentence
from briefing.stats import comparative, effects, pooling, robustness

if TYPE_CHECKING:
    from briefing.schema.models import ResponseGroup

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import DescribedComparison, StatedComparison

if TYPE_CHECKING:
    from briefing.schema.models import Estimate, Slice

if TYPE_CHECKING:
    from briefing.schema.models import (
        Arm,
        BaselineRisk,
        DescribedOutcome,
        Modality,
        Outcome,
        RobJudgement,
        Scale,
        Series,
        Study,
    )

if TYPE_CHECKING:
    from briefing.grade.bodies import Body
    from briefing.grade.imprecision import Item
    from briefing.schema.models import Figure, ModalityHeadline, ReviewResult, Size, StatedSofRow, Window
    from briefing.stats.pooling import MetaOptions


def _by_year(studies: list[Study]) -> list[Study]:
    """Studies oldest first, so results never depend on the order of rows in the CSV."""
    return sorted(studies, key=lambda s: (s.get("year") or 9999, s["study_id"]))


def _primary(studies: list[Study], modality_id: str) -> list[Study]:
    return _by_year([s for s in studies if s.get("modality_id") == modality_id and not DESIGNS[s["design"]].review])


def _main_pain(summary: dict[str, Any], settings: AnalysisSettings) -> ModalityHeadline | None:
    """The headline, by the one rule the bottom line, key message, side-by-side tables and What
    changed share (headlines.choose): the best evidence for the most important pain outcome."""
    return headlines.choose(summary, settings)


def _role_texts(
    primary_ids: set[str], outcomes: list[Outcome], estimates: dict[str, Estimate], role: str
) -> list[Finding]:
    """The findings of the domains with this role (a column of the side-by-side table), in words;
    a column of one event kind (the Safety column: harms) lists only that kind's."""
    domains = {d.id for d in DOMAINS.where(role=role)}
    kind = COMPARISON_COLUMN_EVENTS.get(role)
    return [
        Finding(
            outcome_id=o["outcome_id"],
            study_id=o["study_id"],
            text=wording.finding(o, estimates.get(o["outcome_id"])),
        )
        for o in outcomes
        if o["study_id"] in primary_ids and o["domain"] in domains and kind in (None, event_kind(o))
    ]


def build_summary(evidence: Slice) -> dict[str, Any]:
    """The summary as its file holds it: what the modality notebook shows and writes. (The notebook's
    code is printed on the modality's page: it reads the summary as JSON so that the page stays
    as it was; `summarise` is the model.)"""
    return as_written(summarise(evidence))


def summarise(evidence: Slice) -> ModalitySummary:
    """The whole summary of one modality from its evidence slice (see evidence.write_slice)."""
    p = _parts(evidence)
    result = _studies_part(evidence, p) | _findings_part(evidence, p)
    result = _with_comparisons(evidence, p, result)
    return ModalitySummary.model_validate(result | {"main_pain": _main_pain(result, p.settings)})


@dataclass(frozen=True)
class _Parts:
    """What build_summary computes once and its parts share."""

    modality_id: str
    settings: AnalysisSettings
    windows: dict[str, list[Window]]
    studies: list[Study]
    primary: list[Study]
    primary_ids: set[str]
    arms: dict[str, Arm]
    outcomes: list[DescribedOutcome]
    estimates: dict[str, Estimate]
    own: list[Outcome]
    groups: list[ResponseGroup]
    trajectories: dict[str, list[Series]]
    computed: list[dict[str, Any]]
    differences: list[dict[str, Any]]
    stated_comparisons: list[DescribedComparison]
    paired: set[str]
    single: list[Outcome]
    pooled: list[dict[str, Any]]
    body_list: list[Body]
    ratings: list[dict[str, Any]]


def _parts(evidence: Slice) -> _Parts:
    modality_id = evidence["modality_id"]
    windows = evidence.get("settings", {}).get("timepoint_windows", {})
    studies: list[Study] = evidence["studies"]
    primary = _primary(studies, modality_id)
    primary_ids = {s["study_id"] for s in primary}
    arms: dict[str, Arm] = {a["arm_id"]: a for a in evidence.get("arms", []) if a["study_id"] in primary_ids}
    outcomes, estimates = _outcomes(evidence["outcomes"], primary_ids, arms)
    # What this modality's treatment did: not the figures of a comparator arm of another treatment.
    own: list[Outcome] = [
        o for o in outcomes if (arm_id := o.get("arm_id")) is None or arms[arm_id].get("modality_id") == modality_id
    ]
    groups = effects.response_categories(own)
    trajectories = {d.id: effects.trajectory(own, d.id) for d in DOMAINS.where(shape="series")}
    computed, differences = comparative.computed(outcomes, arms), comparative.differences(outcomes, arms)
    stated_comparisons = [_with_crude(c, computed) for c in _comparisons(evidence.get("comparisons", []), arms)]
    # An outcome compared between a trial's arms is analysed as a comparison (its own summary of
    # findings), never pooled with single-arm figures as if the trial were a case series.
    paired = {i for c in computed + differences for i in c["outcome_ids"]}
    single: list[Outcome] = [o for o in own if o["outcome_id"] not in paired]
    settings = evidence.get("settings", {})
    by_id = {s["study_id"]: s for s in studies}
    pooled = present.present(pooling.pool_outcomes(single, estimates, windows, by_id, settings, modality_id))
    pooled = _figure_ids(pooled, modality_id)
    body_list = _bodies(evidence, outcomes, pooled, arms, settings)
    ratings = present.present(certainty.rate_bodies(body_list, evidence["certainty"], settings, evidence.get("scales")))
    return _Parts(
        modality_id, settings, windows, studies, primary, primary_ids, arms, outcomes, estimates, own, groups,
        trajectories, computed, differences, stated_comparisons, paired, single, pooled, body_list, ratings,
    )  # fmt: skip


def _studies_part(evidence: Slice, p: _Parts) -> dict[str, Any]:
    """The studies, their patients and arms, and the comparisons they state or the build computes."""
    primary, arms, outcomes = p.primary, p.arms, p.outcomes
    return {
        "modality_id": p.modality_id,
        "modality": evidence["modality"],
        # Without a primary study, a systematic review's pooled results are still figures.
        "kind": "quantitative" if primary else ("review" if _review_figures(evidence) else "narrative"),
        "primary_studies": primary,
        "reviews": _by_year([s for s in p.studies if DESIGNS[s["design"]].review]),
        "review_results": _review_results(evidence),
        "patients": _patients(_with_figures(primary, outcomes, evidence), arms, p.modality_id),
        "patients_unstated": _arms_unstated(arms, p.modality_id),
        "patients_not_stated": [s["study_id"] for s in primary if s.get("patients_stated") is False],
        "comparator_in": _comparator_in(evidence, p.modality_id, p.primary_ids),
        "arms": list(arms.values()),
        "comparisons": p.stated_comparisons,
        "computed_comparisons": [
            c | {"text": wording.computed_comparison(c, arms), "scope": wording.comparison_scope(c, arms)}
            for c in p.computed
        ],
        "computed_differences": [
            c | {"text": wording.computed_difference(c), "scope": wording.comparison_scope(c, arms)}
            for c in p.differences
        ],
        "designs": wording.design_summary(_with_figures(primary, outcomes, evidence)),
    }


def _findings_part(evidence: Slice, p: _Parts) -> dict[str, Any]:
    """The outcomes, what was pooled and rated, and the figures and sentences that show them."""
    outcomes, estimates, ratings, primary = p.outcomes, p.estimates, p.ratings, p.primary
    study_names = {s["study_id"]: s for s in p.studies}
    scales: dict[str, Scale] = {sc["scale_id"]: sc for sc in evidence.get("scales", [])}
    return {
        "outcomes": outcomes,
        "estimates": estimates,
        "response_groups": p.groups,
        "trajectories": p.trajectories,
        "pooled": p.pooled,
        "certainty": ratings,
        # The rule's inputs stay here; the summary keeps the counts the proposals name.
        "evidence_size": {b["key"]: _size(b) for b in p.body_list},
        "figures": _figures(
            p.modality_id, p.groups, p.trajectories, p.pooled, outcomes, estimates, study_names, scales, evidence
        ),
        "sentences": _sentences(
            {"modality_id": p.modality_id, "comparators": bodies.comparators(evidence.get("arms", []))},
            primary,
            outcomes,
            estimates,
            ratings,
            evidence["modality"],
            p.stated_comparisons,
        ),
        "statements": evidence["statements"],
        "unpooled": present.present(
            [*pooling.unpooled(p.single, estimates, p.windows, p.pooled), *pooling.compared(p.own, p.paired)]
        ),
        "findings": {c.id: _role_texts(p.primary_ids, p.own, estimates, c.id) for c in COMPARISON_COLUMNS},
        "overall_certainty": min(certainty.assessed(ratings), key=lambda r: r["level"], default=None),
        "comparators": bodies.comparators(evidence.get("arms", [])),
        "prespecified": _prespecified(p.settings, p.modality_id, p.pooled),
        "risk_of_bias": present.present(risk_of_bias.summarise(evidence.get("risk_of_bias", []), primary)),
    }


def _size(body: Body) -> Size:
    """What a body's proposals rest on, as the summary keeps it: the counts the proposals name."""
    return {
        "domain": body["domain"],
        "participants": body["participants"],
        "enrolled": body.get("enrolled"),
        "studies": body["studies"],
        "i2": body["i2"],
        "events": body["events"],
        "printed": body["printed"],
    }


def _with_comparisons(evidence: Slice, p: _Parts, result: dict[str, Any]) -> dict[str, Any]:
    """The summaries of findings between arms (computed, stated, pooled), their forest plots and
    the modality's SoF and profile, which read the rest of the summary."""
    arms, ratings, modality_id = p.arms, p.ratings, p.modality_id
    options = pooling.meta_options(evidence.get("settings"))
    baselines = evidence.get("baseline_risks", [])
    sof_comparisons = _comparative_sof(result["computed_comparisons"], arms, ratings, baselines, modality_id, options)
    by_id = {c["comparison_id"]: c for c in result["computed_comparisons"]}
    rob = evidence.get("risk_of_bias", [])
    study_names = {s["study_id"]: s for s in p.studies}
    forests = [
        f for row in sof_comparisons if row["figure_id"] for f in comparison_forest(row, by_id, study_names, rob)
    ]
    sof_differences = _difference_sof(result["computed_differences"], arms, ratings, options, modality_id)
    result["comparisons"] = _rated_comparisons(result["comparisons"], arms, ratings, modality_id)
    every_arm: dict[str, Arm] = {a["arm_id"]: a for a in evidence.get("arms", [])}
    for review in result["review_results"]:
        review["comparisons"] = _rated_comparisons(review["comparisons"], every_arm, ratings, modality_id)
    stated = result["comparisons"] + [c for r in result["review_results"] for c in r["comparisons"]]
    result |= {
        "pooled_ratios": _pooled_ratios(result["comparisons"], arms, options),
        "sof": sof.rows_for_modality(result, evidence.get("settings")),
        "sof_comparisons": sof_comparisons,
        "sof_differences": sof_differences,
        "sof_stated": _stated_sof(stated, every_arm, {st["study_id"]: st for st in p.primary}),
        "comparison_figures": forests,
    }
    between = sof_comparisons + sof_differences + result["sof_stated"]
    result["sof"].profile = sof.profile_outcomes(result["sof"], between, result, evidence.get("settings"))
    return result


def _pooled_ratios(
    comparisons: list[dict[str, Any]], arms: dict[str, Arm], options: MetaOptions
) -> list[dict[str, Any]]:
    """Ratios two or more trials state for one comparison, pooled, in words (issue 29, item 17)."""
    return [
        r | {"text": wording.pooled_ratio_text(r), "scope": wording.comparison_scope(r, arms)}
        for r in comparative.pool_stated_ratios(comparisons, arms, options)
    ]


def _comparative_sof(
    computed: list[dict[str, Any]],
    arms: dict[str, Arm],
    ratings: list[dict[str, Any]],
    baselines: list[BaselineRisk],
    modality_id: str,
    options: MetaOptions | None = None,
) -> list[dict[str, Any]]:
    """The comparative summary-of-findings rows, worded, with the certainty of their body of
    evidence; a row pooled over several trials names its forest plot, numbered in order."""
    rows = []
    number = iter(range(1, len(computed) + 1))
    for c in comparative.sof_rows(computed, arms, baselines, options):
        rating = body_rating(ratings, modality_id, arms[c["comparator_arm_id"]], c["domain"])
        what = wording.comparison_conclusion(
            rating,
            arms[c["arm_id"]]["label"],
            arms[c["comparator_arm_id"]]["label"],
            c["measure"],
            comparative.direction(c),
        )
        figure_id = f"fig-{modality_id}-comparison-{next(number)}" if c["pooled"] else None
        texts = wording.comparative_sof_texts(c, arms)
        rows.append(c | texts | {"certainty": rating, "conclusion": what, "figure_id": figure_id})
    return rows


def body_rating(
    ratings: list[dict[str, Any]], modality_id: str, comparator_arm: Arm | None, domain: str
) -> dict[str, Any] | None:
    """The rating of the body of evidence a comparison belongs to: this modality against the
    comparator arm's modality, in this outcome domain (bodies.py); None where there is none."""
    comparator = (comparator_arm.get("modality_id") if comparator_arm else None) or bodies.ALONE
    wanted = bodies.key(modality_id, comparator, domain)
    return next((r for r in ratings if r["key"] == wanted), None)


def _difference_sof(
    differences: list[dict[str, Any]],
    arms: dict[str, Arm],
    ratings: list[dict[str, Any]],
    options: MetaOptions,
    modality_id: str,
) -> list[dict[str, Any]]:
    """The summary-of-findings rows of mean differences, worded, with their body's certainty."""
    rows = []
    for row in comparative.sof_difference_rows(differences, arms, options):
        rating = body_rating(ratings, modality_id, arms[row["comparator_arm_id"]], row["domain"])
        what = wording.comparison_conclusion(
            rating,
            arms[row["arm_id"]]["label"],
            arms[row["comparator_arm_id"]]["label"],
            row["measure"],
            comparative.direction(row, null=0.0),
        )
        rows.append(row | wording.difference_sof_texts(row, arms) | {"certainty": rating, "conclusion": what})
    return rows


def _stated_sof(stated: list[dict[str, Any]], arms: dict[str, Arm], studies: dict[str, Study]) -> list[StatedSofRow]:
    """Summary-of-findings rows of the comparisons the sources state (a trial's between-arm
    finding, a review's pooled effect): the stated effect as printed, with its body's certainty,
    the same rating the comparisons table and Direct comparisons print, and a trial's participants
    as GRADEpro counts them (everyone randomised); a review's pooled arms are its own."""
    return [
        {
            **_stated_participants(c, arms, studies.get(c["study_id"])),
            "comparison_id": c["comparison_id"],
            "domain": c["domain"],
            "measure": c["measure"],
            "timepoint": c.get("timepoint"),
            "subgroup": c.get("subgroup"),
            "intervention": arms[c["arm_id"]]["label"],
            "comparator": arms[c["comparator_arm_id"]]["label"],
            "study_ids": [c["study_id"]],
            "relative": c["text"],
            "comment": c.get("crude_comment"),
            "certainty": c["certainty"],
            "conclusion": wording.comparison_conclusion(
                c["certainty"],
                arms[c["arm_id"]]["label"],
                arms[c["comparator_arm_id"]]["label"],
                c["measure"],
                comparative.direction(c),
            ),
        }
        for c in stated
        if c.get("comparator_arm_id") in arms
    ]


class _StatedParticipants(TypedDict):
    """A stated row's participants (_stated_participants): a part of a models.StatedSofRow."""

    participants: int | None
    participants_text: str
    studies: int | None


def _stated_participants(c: dict[str, Any], arms: dict[str, Arm], study: Study | None) -> _StatedParticipants:
    """A stated row's participants: a trial's everyone randomised (comparative.randomised), "not
    stated" where neither its arms nor the trial say; a review's are its pooled arms, as it states them."""
    if study is None:  # a systematic review's comparison (its studies are not primary studies)
        return {"participants": None, "participants_text": "as the review states them", "studies": None}
    if c.get("subgroup"):  # its own patients, which the data need not give
        return {"participants": None, "participants_text": "the subgroup's: not stated", "studies": 1}
    n = comparative.randomised(c, arms, study)
    return {"participants": n, "participants_text": "not stated" if n is None else str(n), "studies": 1}


def _rated_comparisons(
    comparisons: list[dict[str, Any]], arms: dict[str, Arm], ratings: list[dict[str, Any]], modality_id: str
) -> list[dict[str, Any]]:
    """Stated comparisons (a trial's between-arm finding, a review's pooled effect), each with the
    certainty of its body of evidence: the same rating its summary-of-findings row carries."""
    return [
        c | {"certainty": body_rating(ratings, modality_id, arms.get(c.get("comparator_arm_id") or ""), c["domain"])}
        for c in comparisons
    ]


def _comparator_in(evidence: Slice, modality_id: str, primary_ids: set[str]) -> list[dict[str, str]]:
    """Trials of other modalities in which this modality was the comparator: named in this
    modality's section, their figures counted under the modality of their intervention."""
    studies: dict[str, Study] = {s["study_id"]: s for s in evidence["studies"]}
    return [
        {"study_id": a["study_id"], "short_name": studies[a["study_id"]]["short_name"], "arm": a["label"]}
        for a in evidence.get("arms", [])
        if a.get("modality_id") == modality_id
        and a["study_id"] not in primary_ids
        and not DESIGNS[studies[a["study_id"]]["design"]].review
    ]


def _review_figures(evidence: Slice) -> bool:
    """Whether a systematic review with meta-analysis states pooled figures for this modality."""
    pooled = {s["study_id"] for s in evidence["studies"] if DESIGNS[s["design"]].pooled}
    return any(r["study_id"] in pooled for r in evidence["outcomes"] + evidence.get("comparisons", []))


def _review_results(evidence: Slice) -> list[ReviewResult]:
    """Each systematic review's pooled results, as that review's: its arms' totals and its stated
    effects, with the included studies that are also in the data named (their patients and figures
    count once, as their own). Never pooled with or added to the primary studies'."""
    results: list[ReviewResult] = []
    for review in _by_year([s for s in evidence["studies"] if DESIGNS[s["design"]].pooled]):
        rid = review["study_id"]
        arms: dict[str, Arm] = {a["arm_id"]: a for a in evidence.get("arms", []) if a["study_id"] == rid}
        described, _ = _outcomes(evidence["outcomes"], {rid}, arms)
        outcomes: list[DescribedOutcome] = [
            {**o, "display": wording.review_arm(o), "estimate": None} for o in described
        ]
        comparisons = _comparisons([c for c in evidence.get("comparisons", []) if c["study_id"] == rid], arms)
        results.append(
            {
                "study_id": rid,
                "short_name": review["short_name"],
                "arms": list(arms.values()),
                "outcomes": outcomes,
                "comparisons": comparisons,
                "other_outcomes": [o for o in outcomes if not any(_beside(o, c) for c in comparisons)],
                "includes": [r for r in evidence.get("review_includes", []) if r["review_id"] == rid],
            }
        )
    return results


def _beside(o: Outcome, c: DescribedComparison) -> bool:
    """Whether a review's arm figure is printed under the review's effect: an arm's figure of the
    same measure and subgroup (as briefing_modality.html.j2 lists them). The others get rows of their own."""
    return (
        bool(o.get("arm_id"))
        and o["measure"] == c["measure"]
        and (o.get("subgroup") or "") == (c.get("subgroup") or "")
    )


def comparison_forest(
    row: dict[str, Any],
    computed: dict[str, dict[str, Any]],
    studies: dict[str, Study],
    rob_rows: list[RobJudgement] | None = None,
) -> list[Figure]:
    """Forest plot of one comparison pooled over several trials: each trial's arms' counts and
    risk ratio (escalc RR) with its REML weight, the pooled results of the row."""
    trials = [computed[i] for i in row["comparison_ids"]]
    repeated = {s for s in row["study_ids"] if sum(c["study_id"] == s for c in trials) > 1}
    rows = [
        {
            "label": studies[c["study_id"]]["short_name"]
            + (f" ({c['timepoint']})" if c["study_id"] in repeated and c.get("timepoint") else ""),
            "counts": c["counts"],
            "ratio": c["ratio"],
            "ci_low": c["ci_low"],
            "ci_high": c["ci_high"],
            "weight": weight,
        }
        for c, weight in zip(trials, row["pooled"]["weights"], strict=True)
    ]
    rows, rob = _with_rob(rows, [c["study_id"] for c in trials], rob_rows, row["domain"])
    comparison = {
        "title": figure_tables.comparison_title(row["measure"], row["intervention"], row["comparator"]),
        "rows": rows,
        "pooled": row["pooled"],
        "sensitivity": row["sensitivity"],
        "intervention": row["intervention"],
        "comparator": row["comparator"],
        "event_kind": row["event_kind"],
        "rob": rob,
    }
    return figures.comparison_forest_figures(row["figure_id"], comparison)


def _with_figures(primary: list[Study], outcomes: Sequence[Outcome], evidence: Slice) -> list[Study]:
    """The primary studies with figures in the data: a study kept without them for now
    (curation.studies_without_outcomes) adds no patients to the figures set beside its count."""
    stated = {o["study_id"] for o in outcomes} | {c["study_id"] for c in evidence.get("comparisons", [])}
    return [s for s in primary if s["study_id"] in stated]


def _patients(primary: list[Study], arms: dict[str, Arm], modality_id: str) -> int:
    """Patients treated with this modality: a comparative study counts its arms of it only (all its
    patients when every arm is of this modality; an arm whose size the source omits counts 0)."""
    total = 0
    for s in primary:
        study_arms = [a for a in arms.values() if a["study_id"] == s["study_id"]]
        if study_arms and any(a.get("modality_id") != modality_id for a in study_arms):
            total += sum(a.get("patients") or 0 for a in study_arms if a.get("modality_id") == modality_id)
        else:
            total += s.get("patients") or 0
    return total


def _arms_unstated(arms: dict[str, Arm], modality_id: str) -> list[str]:
    """Studies counted by their arms of this modality (as _patients: a study with an arm of another
    modality) where such an arm's size is not stated; a study of one modality counts its own total."""
    mixed = {a["study_id"] for a in arms.values() if a.get("modality_id") != modality_id}
    return sorted(
        {
            a["study_id"]
            for a in arms.values()
            if a["study_id"] in mixed and a.get("modality_id") == modality_id and a.get("patients") is None
        }
    )


def _comparisons(rows: list[StatedComparison], arms: dict[str, Arm]) -> list[DescribedComparison]:
    """The comparisons the primary studies state, each in words."""
    return [
        {**c, "text": _comparison_text(c, arms), "scope": wording.comparison_scope(c, arms)}
        for c in rows
        if c["arm_id"] in arms
    ]


def _with_crude(c: DescribedComparison, computed: list[dict[str, Any]]) -> DescribedComparison:
    """A stated OR or RR that differs from the crude one of the same arms' counts, with that crude
    ratio and a comment saying so (issue 30, item 7); a primary study's only: a review's pooled
    ratio is not one sample's."""
    crude = comparative.crude_ratio(c, computed)
    return {**c, "crude": crude, "crude_comment": wording.crude_ratio_comment(c, crude)} if crude else c


def _comparison_text(c: StatedComparison, arms: dict[str, Arm]) -> str:
    """A stated effect, or a finding the source states without one (issue 29)."""
    return wording.stated_comparison(c) if c.get("effect_measure") else wording.stated_finding(c, arms)


def _outcomes(
    rows: list[Outcome], primary_ids: set[str], arms: dict[str, Arm]
) -> tuple[list[DescribedOutcome], dict[str, Estimate]]:
    """The primary studies' outcomes in reading order (study, domain, time, ICPR category), each
    with its label, words and estimate; and the estimates by outcome id."""
    # A trial's arms side by side, its intervention arm first (not in the order of their ids).
    role: dict[str | None, int] = {"intervention": 0, "comparator": 1}
    outcomes = sorted(
        (o for o in rows if o["study_id"] in primary_ids),
        key=lambda o: (
            o["study_id"],
            DOMAINS.order(o["domain"]),
            o.get("time_days") or 0,
            CATEGORIES.order(category) if (category := o.get("icpr_category")) else 9,
            o["measure"] if o.get("arm_id") else "",
            role.get(arms.get(o.get("arm_id") or "", cast("Arm", {})).get("role"), 2),
            o["outcome_id"],
        ),
    )
    estimates = {o["outcome_id"]: est for o in outcomes if (est := effects.proportion_estimate(o))}
    # Casts: arm_label and whole_trial are keys the outcome gains here (read by wording), and its
    # estimate is effects.proportion_estimate's dict, which DescribedOutcome declares as an Estimate.
    described = [
        cast(
            "DescribedOutcome",
            o
            | {
                "display": wording.display(o, estimates.get(o["outcome_id"])),
                "label": wording.outcome_label(o),
                "domain_label": wording.domain_label(o["domain"]),
                "estimate": estimates.get(o["outcome_id"]),
            },
        )
        for o in (cast("Outcome", x | _group_of(x, arms)) for x in outcomes)
    ]
    return described, estimates


def _group_of(o: Outcome, arms: dict[str, Arm]) -> dict[str, str]:
    """Whose figure an outcome is: its arm's label, or, for a figure of a comparative study's whole
    group, that it is the whole trial's (never read as the figure of one arm)."""
    if (arm_id := o.get("arm_id")) in arms:
        return {"arm_label": arms[arm_id]["label"]}
    study_arms = sum(a["study_id"] == o["study_id"] for a in arms.values())
    return {"whole_trial": wording.whole_trial(study_arms)} if study_arms > 1 else {}


def _figure_ids(pooled: list[dict[str, Any]], modality_id: str) -> list[dict[str, Any]]:
    """Each pooled result with the id of its forest plot, numbered in order, of its funnel plot when
    it has one (the same number), and its estimate in words: the pooled results list every one
    (a summary of findings prints only the windows its rows take)."""
    number = iter(range(1, len(pooled) + 1))
    entries = []
    for p in pooled:
        if p["result"]:
            i = next(number)
            funnel = f"fig-{modality_id}-funnel-{i}" if p["robustness"]["funnel"] else None
            effect = wording.pooled_effect(p)
            p = p | {"figure_id": f"fig-{modality_id}-forest-{i}", "funnel_id": funnel, "effect": effect}
        entries.append(p)
    return entries


def _prespecified(settings: AnalysisSettings, modality_id: str, pooled: list[dict[str, Any]]) -> list[str]:
    """Prespecified subgroup analyses of a modality with nothing pooled, in one line each."""
    if any(p["result"] for p in pooled):
        return []
    from briefing.stats import subgroups

    return [wording.subgroups_nothing_pooled(spec) for spec in subgroups.specs(settings, modality_id)]


def _figures(
    modality_id: str,
    groups: list[ResponseGroup],
    trajectories: dict[str, list[Series]],
    pooled: list[dict[str, Any]],
    outcomes: Sequence[Outcome],
    estimates: dict[str, Estimate],
    study_names: dict[str, Study],
    scales: dict[str, Scale],
    evidence: Slice | None = None,
) -> list[Figure]:
    """The response chart, one chart per measure over time (a score on its scale's full range),
    then a forest plot per pooled result, its studies' risk of bias beside its rows."""
    figure_list: list[Figure] = []
    if groups:
        # Response categories of every response domain in one chart (the vocabulary declares one).
        response = DOMAINS.where(shape="response")[0]
        figure_id = f"fig-{modality_id}-{response.figure_id}"
        figure_list += figures.response_figures(figure_id, groups, study_names, estimates, response.figure_title)
    for domain in DOMAINS.where(shape="series"):
        if trajectories[domain.id]:
            figure_id = f"fig-{modality_id}-{domain.figure_id}"
            figure_list.append(
                figures.trajectory_figure(
                    figure_id, trajectories[domain.id], study_names, domain.figure_title, domain.axis_label, scales
                )
            )
    by_id = {o["outcome_id"]: o for o in outcomes}
    for entry in pooled:
        if entry["result"]:
            figure_list += forest(
                entry, by_id, estimates, study_names, evidence.get("risk_of_bias") if evidence else None
            )
        if entry.get("funnel_id"):
            title = f"{entry['label']}, {entry['window']}: funnel plot"
            egger = wording.egger_result(entry["robustness"]["egger"], robustness.EGGER_ALPHA, pointer=False)
            figure_list.append(figures.funnel_figure(entry["funnel_id"], title, entry, egger))
    return figure_list


def _sentences(
    summary: dict[str, Any],
    primary: list[Study],
    outcomes: Sequence[Outcome],
    estimates: dict[str, Estimate],
    ratings: list[dict[str, Any]],
    modality: Modality,
    comparisons: list[DescribedComparison],
) -> list[Sentence]:
    """What the data say: one sentence per primary study, then one per certainty rating, worded as
    an effect only where its body of evidence is a comparison between arms."""
    sentences = [
        Sentence(
            text=wording.study_sentence(
                s,
                [o for o in outcomes if o["study_id"] == s["study_id"]],
                estimates,
                [c for c in comparisons if c["study_id"] == s["study_id"]],
            ),
            study_id=s["study_id"],
        )
        for s in primary
    ]
    sentences += [
        Sentence(
            # Scoped to the measures of the rating's own body of evidence, never its domain's others.
            text=wording.certainty_sentence(
                r,
                modality["name"],
                [o["measure"] for o in outcomes if sof.body_of(o, summary) == r["key"]]
                + [c["measure"] for c in comparisons if sof.body_of(c, summary) == r["key"]],
                single_group=not r["comparator_id"],
            ),
            study_id=None,
        )
        for r in sorted(ratings, key=lambda r: (DOMAINS.order(r["domain"]), r["key"]))
    ]
    return sentences


def _bodies(
    evidence: Slice,
    outcomes: list[DescribedOutcome],
    pooled: list[dict[str, Any]],
    arms: dict[str, Arm],
    settings: AnalysisSettings,
) -> list[Body]:
    """The modality's bodies of evidence (bodies.py), each with what its rating rests on: its
    studies and their designs, its starting level, its participants as GRADEpro counts them, and
    the inputs of the build's proposals (the figures, pooled results and risk-of-bias rows of its
    own studies only)."""
    modality_id = evidence["modality_id"]
    studies: dict[str, Study] = {s["study_id"]: s for s in evidence["studies"]}
    all_arms: list[Arm] = evidence.get("arms", [])
    compared = bodies.comparators(all_arms)
    found = bodies.keys_with_data(
        modality_id, evidence["studies"], all_arms, evidence["outcomes"], evidence.get("comparisons", [])
    )
    rob_rows = evidence.get("risk_of_bias", [])
    robins = {r["study_id"] for r in rob_rows if r["tool"] == "robins_i" and r["rob_domain"] == "overall"}
    result: list[Body] = []
    for body_key, study_ids in found.items():
        question_key, domain = body_key.rsplit(":", 1)
        comparator = question_key.partition("-vs-")[2]
        own = [
            o
            for o in outcomes
            if o["domain"] == domain and bodies.question(o, compared) == comparator and o["study_id"] in study_ids
        ]
        in_body = {o["outcome_id"] for o in own}
        body_pooled = [p for p in pooled if p["domain"] == domain and set(p["outcome_ids"]) <= in_body]
        members = [studies[sid] for sid in study_ids]
        size, by_study = _body_size(own, members, body_pooled, arms, settings, domain, comparator, all_arms)
        facts = _body_facts(evidence, body_key, comparator, members, own, robins, by_study)
        result.append({**size, **facts, "domain": domain, "pooled": body_pooled, "participants_by_study": by_study})
    return result


def _body_size(
    own: list[DescribedOutcome],
    members: list[Study],
    body_pooled: list[dict[str, Any]],
    arms: dict[str, Arm],
    settings: AnalysisSettings,
    domain: str,
    comparator: str,
    all_arms: list[Arm],
) -> tuple[DomainSize, dict[str, int | None]]:
    """A body's size as the proposals read it, and its participants by study."""
    size: DomainSize = evidence_size(own, members, body_pooled, arms, settings).get(domain) or {
        "participants": None,
        "studies": len(members),
        "i2": None,
        "items": [],
        "events": None,
        "egger": [],
    }
    by_study = _participants_by_study(members, own, all_arms, comparator)
    # The proposals count only participants the sources state (never enrolled for assessed).
    stated = [n for n in by_study.values() if n is not None]
    size["participants"] = sum(stated) if len(stated) == len(by_study) else None
    size["enrolled"] = sum(s.get("patients") or 0 for s in members) or None
    return size, by_study


def _body_facts(
    evidence: Slice,
    body_key: str,
    comparator: str,
    members: list[Study],
    own: list[DescribedOutcome],
    robins: set[str],
    by_study: dict[str, int | None],
) -> _Facts:
    """What a body's rating rests on beside its size: its studies, designs, start, and words."""
    study_ids = [s["study_id"] for s in members]
    comparators = [
        a["label"] for a in evidence.get("arms", []) if a["study_id"] in study_ids and a.get("role") == "comparator"
    ]
    return {
        "key": body_key,
        "comparator_id": comparator,
        "question": comparator,
        "study_ids": study_ids,
        "studies": len(study_ids),
        "designs": wording.design_summary(members),
        "design_ids": {s["study_id"]: s["design"] for s in members},
        "start": bodies.start(members, robins, alone=comparator == bodies.ALONE),
        "outcome_study": {o["outcome_id"]: o["study_id"] for o in own},
        "risk_of_bias": [r for r in evidence.get("risk_of_bias", []) if r["study_id"] in study_ids],
        "study_rows": {s["study_id"]: s for s in members},
        # The search record judges publication bias where Egger's test cannot run.
        "search": next(iter(evidence.get("identification") or []), None),
        "participants_text": wording.body_participants(by_study, members),
        "printed": wording.body_participant_counts(by_study, members),
        "label": wording.body_label(body_key.rsplit(":", 1)[1], comparators if comparator else []),
    }


class _Facts(TypedDict):
    """What a body's rating rests on beside its size (_body_facts): the rest of a bodies.Body."""

    key: str
    comparator_id: str
    question: str
    study_ids: list[str]
    studies: int
    designs: str
    design_ids: dict[str, str]
    start: tuple[int, str]
    outcome_study: dict[str, str]
    risk_of_bias: list[RobJudgement]
    study_rows: dict[str, Study]
    search: dict[str, Any] | None
    participants_text: str
    printed: dict[str, int]
    label: str


def _participants_by_study(
    members: list[Study], own: list[DescribedOutcome], arms: list[Arm], comparator: str
) -> dict[str, int | None]:
    """Each study's participants in a body, counted one way (GRADEpro): a comparison's, every
    patient randomised or allocated (its arms' stated sizes, else the study's); a single group's,
    the largest number of patients its figures state, else None (not stated)."""
    result: dict[str, int | None] = {}
    for s in members:
        sid = s["study_id"]
        if comparator:
            sizes = [a.get("patients") for a in arms if a["study_id"] == sid]
            stated = [n for n in sizes if n]
            result[sid] = sum(stated) if sizes and len(stated) == len(sizes) else s.get("patients")
        else:
            stated = [
                n
                for o in own
                if o["study_id"] == sid
                and (n := o.get("denominator"))
                and (o.get("denominator_unit") or "patients") == "patients"
            ]
            result[sid] = max(stated) if stated else None
    return result


def evidence_size(
    outcomes: list[DescribedOutcome],
    primary: list[Study],
    pooled: list[dict[str, Any]],
    arms: dict[str, Arm] | None = None,
    settings: AnalysisSettings | None = None,
) -> dict[str, DomainSize]:
    """Per outcome domain: participants (largest denominator per study, else its size), studies,
    the largest I² of its pooled results, and the results the imprecision rule judges (with their
    events); what the build's GRADE proposals rest on."""
    judged = imprecision.items(outcomes, pooled, settings)
    studies = {s["study_id"]: s for s in primary}
    by_domain: dict[str, list[DescribedOutcome]] = {}
    for o in outcomes:
        by_domain.setdefault(o["domain"], []).append(o)
    result: dict[str, DomainSize] = {}
    for domain, rows in by_domain.items():
        n, k = sof.participants(rows, studies, arms)
        i2s = [p["result"]["i2"] for p in pooled if p["domain"] == domain and p["result"]]
        items = judged.get(domain, [])
        events = imprecision.events_once([i for i in items if i.kind == "proportion"])
        result[domain] = {
            "participants": n,
            "studies": k,
            "i2": max(i2s) if i2s else None,
            "items": items,
            "events": events,
            "egger": _egger_tests(pooled, domain),
        }
    return result


class DomainSize(TypedDict):
    """What evidence_size gives per outcome domain: what the build's proposals rest on."""

    participants: int | None
    studies: int
    i2: float | None
    items: list[Item]
    events: int | None
    egger: list[dict[str, Any]]
    enrolled: NotRequired[int | None]  # a body's (_body_size)


def _egger_tests(pooled: list[dict[str, Any]], domain: str) -> list[dict[str, Any]]:
    """The Egger tests of a domain's pooled results, each named by its outcome and window."""
    return [
        p["robustness"]["egger"] | {"label": f"{p['label']}, {p['window']}"}
        for p in pooled
        if p["domain"] == domain and p["result"] and p["robustness"]["egger"]
    ]


def forest(
    entry: dict[str, Any],
    outcomes: dict[str, Outcome],
    estimates: dict[str, Estimate],
    studies: dict[str, Study],
    rob_rows: list[RobJudgement] | None = None,
) -> list[Figure]:
    """Forest plot of one pooled result: per-study Wilson intervals (proportions) or mean ± 1.96
    SD/√n (means), with the REML weights, and each study's risk-of-bias judgements beside its row."""
    rows = []
    for oid, weight in zip(entry["outcome_ids"], entry["result"]["weights"], strict=False):
        o = outcomes[oid]
        if entry["kind"] == "proportion":
            est = estimates[oid]
            row = {
                "estimate": est["proportion"],
                "ci_low": est["ci_low"],
                "ci_high": est["ci_high"],
                "n_text": f"{est['events']}/{est['n']}",
            }
        else:
            value, sd, n = o["value"], o["sd"], o["denominator"]
            # A pooled mean has all three (pooling._comparable); the figure would not compute otherwise.
            assert value is not None and sd is not None and n is not None
            half = effects.Z_95 * sd / n**0.5
            row = {
                "estimate": value,
                "ci_low": value - half,
                "ci_high": value + half,
                "n_text": str(n),
            }
        rows.append({"label": studies[o["study_id"]]["short_name"], "weight": weight, **row})
    ids = [outcomes[oid]["study_id"] for oid in entry["outcome_ids"]][: len(rows)]
    rows, rob = _with_rob(rows, ids, rob_rows, entry["domain"])
    title = f"{entry['label']}, {entry['window']}: random-effects meta-analysis"
    return figures.forest_figures(
        entry["figure_id"],
        title,
        rows,
        entry["result"],
        "proportion" if entry["kind"] == "proportion" else "mean",
        entry["sensitivity"] if entry["kind"] == "proportion" else None,
        rob=rob,
    )


def _with_rob(
    rows: list[dict[str, Any]], study_ids: list[str], rob_rows: list[RobJudgement] | None, domain: str
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A forest plot's rows with their studies' risk-of-bias cells, and its columns and legend."""
    found = present.present(risk_of_bias.forest_columns(study_ids, rob_rows or [], domain))
    if found is None:
        return rows, None
    rows = [r | {"rob": cells} for r, cells in zip(rows, found["cells"], strict=True)]
    return rows, {"columns": found["columns"], "legend": found["legend"]}


def as_written(summary: ModalitySummary | dict[str, Any]) -> dict[str, Any]:
    """The summary as its JSON file holds it (what the combining step reads): its models as JSON,
    each mapping in the order it was built (the notebook shows a figure's table by its rows' keys)."""
    from briefing.data.evidence import plain

    return plain(summary)


def write_summary(summary: ModalitySummary | dict[str, Any], summary_path: str) -> None:
    """The summary JSON, figures inline as SVG, checked against its model and written so that a
    crash leaves no half-written JSON behind."""
    from briefing.schema import models

    models.write(summary_path, models.ModalitySummary, summary)
