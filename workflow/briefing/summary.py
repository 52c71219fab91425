"""One modality's evidence summary: studies, every stated outcome with its computed interval,
trajectories, response categories, pooled results where allowed, certainty, figures and sentences.

The notebook of each modality calls `build_summary` and shows its parts; the combining step reads
the JSON it writes. Nothing here formats HTML: templates do that.
"""

from __future__ import annotations

from typing import Any

from . import (
    certainty,
    comparative,
    effects,
    figure_tables,
    figures,
    imprecision,
    pooling,
    risk_of_bias,
    robustness,
    sof,
    wording,
)
from .vocabulary import CATEGORIES, COMPARISON_COLUMNS, DESIGNS, DOMAINS


def _by_year(studies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Studies oldest first, so results never depend on the order of rows in the CSV."""
    return sorted(studies, key=lambda s: (s.get("year") or 9999, s["study_id"]))


def _primary(studies: list[dict[str, Any]], modality_id: str) -> list[dict[str, Any]]:
    return _by_year([s for s in studies if s.get("modality_id") == modality_id and not DESIGNS[s["design"]].review])


def _main_pain(
    primary: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    estimates: dict[str, Any],
    groups: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The headline pain outcome, by rule: among the pain outcomes (a response with its interval,
    or a pain-score trajectory), the one with the most participants; only when there is none, the
    reported response categories without an interval (again the largest study's). Never an outcome
    of another domain. A whole group before a subgroup, which is labelled and set beside its trial's
    total; the arms of one trial together, never its best arm alone. Ties keep a response before a
    trajectory, and the older study first."""
    patients = {s["study_id"]: s.get("patients") or 0 for s in primary}
    names = {s["study_id"]: s["short_name"] for s in primary}
    order = {s["study_id"]: i for i, s in enumerate(primary)}
    responses = {d.id for d in DOMAINS.where(role="pain", shape="response")}
    computable: dict[tuple[Any, ...], list[tuple[int, dict[str, Any], str]]] = {}
    reported: dict[tuple[Any, ...], list[tuple[int, dict[str, Any], str]]] = {}
    for o in outcomes:
        if o["study_id"] in patients and o["domain"] in responses and o["outcome_id"] in estimates:
            key = (o["study_id"], 0, o["measure"], o.get("timepoint"), o.get("subgroup"))
            computable.setdefault(key, []).append(
                (estimates[o["outcome_id"]]["n"], o, wording.finding(o, estimates[o["outcome_id"]]))
            )
    for (study, arm, subgroup), points in _score_series(outcomes, patients).items():
        n = max((p.get("denominator") or 0 for p in points), default=0) or patients[study]
        label = wording.series_label(points[0]) if arm or subgroup else None
        text = wording.sentence_start(wording.trajectory_phrase(points, label=label))
        computable.setdefault((study, 1, points[0]["measure"], None, subgroup), []).append((n, points[-1], text))
    for g in groups:
        if g["study_id"] in patients:
            first = next(o for o in outcomes if o["outcome_id"] == g["categories"][0]["outcome_id"])
            key = (g["study_id"], 0, "categories", g["timepoint"], g.get("subgroup"))
            reported.setdefault(key, []).append((patients[g["study_id"]], first, wording.reported_categories(g)))
    candidates = computable or reported
    if not candidates:
        return None
    ranked = sorted(
        candidates.items(),
        key=lambda kv: (kv[0][4] is not None, -_candidate_size(kv[1], bool(computable)), kv[0][1], order[kv[0][0]]),
    )
    (study, _, _, _, subgroup), members = ranked[0]
    text = "; ".join(t for _, _, t in members)
    if subgroup:
        text = wording.subgroup_headline(text, names[study], patients[study])
    return {"outcome_id": members[0][1]["outcome_id"], "study_id": study, "text": text}


def _candidate_size(members: list[tuple[int, dict[str, Any], str]], denominators: bool) -> int:
    """A headline candidate's participants, each patient once: its arms' stated denominators summed,
    or its whole group's if larger; without denominators, the study's size (every member's n)."""
    if not denominators:
        return max(n for n, _, _ in members)
    arms = {o.get("arm_id"): n for n, o, _ in members if o.get("arm_id")}
    whole = max((n for n, o, _ in members if not o.get("arm_id")), default=0)
    return max(sum(arms.values()), whole)


def _score_series(
    outcomes: list[dict[str, Any]], patients: dict[str, int]
) -> dict[tuple[str, str | None, str | None], list[dict[str, Any]]]:
    """Each primary study's pain scores over time, per arm and subgroup, in time order (two points or more)."""
    scores = {d.id for d in DOMAINS.where(role="pain", shape="series")}
    series: dict[tuple[str, str | None, str | None], list[dict[str, Any]]] = {}
    for o in outcomes:
        if o["study_id"] in patients and o["domain"] in scores and o.get("time_days") is not None:
            if not o.get("value_qualifier"):
                series.setdefault((o["study_id"], o.get("arm_id"), o.get("subgroup")), []).append(o)
    return {k: sorted(v, key=lambda o: o["time_days"]) for k, v in series.items() if len(v) >= 2}


def _role_texts(
    primary_ids: set[str], outcomes: list[dict[str, Any]], estimates: dict[str, Any], role: str
) -> list[dict[str, Any]]:
    """The findings of the domains with this role (a column of the side-by-side table), in words."""
    domains = {d.id for d in DOMAINS.where(role=role)}
    return [
        {
            "outcome_id": o["outcome_id"],
            "study_id": o["study_id"],
            "text": wording.finding(o, estimates.get(o["outcome_id"])),
        }
        for o in outcomes
        if o["study_id"] in primary_ids and o["domain"] in domains
    ]


def build_summary(evidence: dict[str, Any]) -> dict[str, Any]:
    """The whole summary of one modality from its evidence slice (see evidence.write_slice)."""
    modality_id = evidence["modality_id"]
    windows = evidence.get("settings", {}).get("timepoint_windows", {})
    studies = evidence["studies"]
    primary = _primary(studies, modality_id)
    primary_ids = {s["study_id"] for s in primary}
    arms = {a["arm_id"]: a for a in evidence.get("arms", []) if a["study_id"] in primary_ids}
    outcomes, estimates = _outcomes(evidence["outcomes"], primary_ids, arms)
    # What this modality's treatment did: not the figures of a comparator arm of another treatment.
    own = [o for o in outcomes if o.get("arm_id") is None or arms[o["arm_id"]].get("modality_id") == modality_id]
    groups = effects.response_categories(own)
    trajectories = {d.id: effects.trajectory(own, d.id) for d in DOMAINS.where(shape="series")}
    computed, differences = comparative.computed(outcomes, arms), comparative.differences(outcomes, arms)
    stated_comparisons = _comparisons(evidence.get("comparisons", []), arms)
    # An outcome compared between a trial's arms is analysed as a comparison (its own summary of
    # findings), never pooled with single-arm figures as if the trial were a case series.
    paired = {i for c in computed + differences for i in c["outcome_ids"]}
    single = [o for o in own if o["outcome_id"] not in paired]
    settings = evidence.get("settings", {})
    by_id = {s["study_id"]: s for s in studies}
    pooled = _figure_ids(pooling.pool_outcomes(single, estimates, windows, by_id, settings, modality_id), modality_id)
    size = evidence_size(own, primary, pooled, arms, settings)
    ratings = certainty.rate_modality(studies, evidence["certainty"], size, settings, evidence.get("scales"))
    study_names = {s["study_id"]: s for s in studies}
    scales = {sc["scale_id"]: sc for sc in evidence.get("scales", [])}
    result = {
        "modality_id": modality_id,
        "modality": evidence["modality"],
        # Without a primary study, a systematic review's pooled results are still figures.
        "kind": "quantitative" if primary else ("review" if _review_figures(evidence) else "narrative"),
        "primary_studies": primary,
        "reviews": _by_year([s for s in studies if DESIGNS[s["design"]].review]),
        "review_results": _review_results(evidence),
        "patients": _patients(_with_figures(primary, outcomes, evidence), arms, modality_id),
        "patients_unstated": _arms_unstated(arms, modality_id),
        "patients_not_stated": [s["study_id"] for s in primary if s.get("patients_stated") is False],
        "comparator_in": _comparator_in(evidence, modality_id, primary_ids),
        "arms": list(arms.values()),
        "comparisons": stated_comparisons,
        "computed_comparisons": [
            c | {"text": wording.computed_comparison(c, arms), "scope": wording.comparison_scope(c, arms)}
            for c in computed
        ],
        "computed_differences": [
            c | {"text": wording.computed_difference(c), "scope": wording.comparison_scope(c, arms)}
            for c in differences
        ],
        "designs": wording.design_summary(_with_figures(primary, outcomes, evidence)),
        "outcomes": outcomes,
        "estimates": estimates,
        "response_groups": groups,
        "trajectories": trajectories,
        "pooled": pooled,
        "certainty": ratings,
        # The rule's inputs stay here; the summary keeps the counts the proposals name.
        "evidence_size": {d: {k: v for k, v in e.items() if k not in ("items", "egger")} for d, e in size.items()},
        "figures": _figures(modality_id, groups, trajectories, pooled, outcomes, estimates, study_names, scales),
        "sentences": _sentences(primary, outcomes, estimates, ratings, evidence["modality"], stated_comparisons),
        "statements": evidence["statements"],
        "main_pain": _main_pain(primary, own, estimates, groups),
        "unpooled": pooling.unpooled(single, estimates, windows, pooled) + pooling.compared(own, paired),
        "findings": {c.id: _role_texts(primary_ids, own, estimates, c.id) for c in COMPARISON_COLUMNS},
        "overall_certainty": min(ratings, key=lambda r: r["level"]) if ratings else None,
        "prespecified": _prespecified(settings, modality_id, pooled),
        "risk_of_bias": risk_of_bias.summarise(evidence.get("risk_of_bias", []), primary),
    }
    options = pooling.meta_options(evidence.get("settings"))
    baselines = evidence.get("baseline_risks", [])
    sof_comparisons = _comparative_sof(result["computed_comparisons"], arms, ratings, baselines, modality_id, options)
    by_id = {c["comparison_id"]: c for c in result["computed_comparisons"]}
    forests = [f for row in sof_comparisons if row["figure_id"] for f in comparison_forest(row, by_id, study_names)]
    sof_differences = _difference_sof(result["computed_differences"], arms, ratings, options)
    return result | {
        "pooled_ratios": _pooled_ratios(result["comparisons"], arms, options),
        "sof": sof.rows_for_modality(result, evidence.get("settings")),
        "sof_comparisons": sof_comparisons,
        "sof_differences": sof_differences,
        "comparison_figures": forests,
    }


def _pooled_ratios(
    comparisons: list[dict[str, Any]], arms: dict[str, dict[str, Any]], options: dict[str, str]
) -> list[dict[str, Any]]:
    """Ratios two or more trials state for one comparison, pooled, in words (issue 29, item 17)."""
    return [
        r | {"text": wording.pooled_ratio_text(r), "scope": wording.comparison_scope(r, arms)}
        for r in comparative.pool_stated_ratios(comparisons, arms, options)
    ]


def _comparative_sof(
    computed: list[dict[str, Any]],
    arms: dict[str, dict[str, Any]],
    ratings: list[dict[str, Any]],
    baselines: list[dict[str, Any]],
    modality_id: str,
    options: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The comparative summary-of-findings rows, worded, with the certainty of their domain; a row
    pooled over several trials names its forest plot, numbered in order."""
    by_domain = {r["domain"]: r for r in ratings}
    rows = []
    number = iter(range(1, len(computed) + 1))
    for c in comparative.sof_rows(computed, arms, baselines, options):
        rating = by_domain.get(c["domain"])
        what = wording.sof_conclusion(rating, arms[c["arm_id"]]["label"], c["domain"], c["measure"])
        figure_id = f"fig-{modality_id}-comparison-{next(number)}" if c["pooled"] else None
        texts = wording.comparative_sof_texts(c, arms)
        rows.append(c | texts | {"certainty": rating, "conclusion": what, "figure_id": figure_id})
    return rows


def _difference_sof(
    differences: list[dict[str, Any]],
    arms: dict[str, dict[str, Any]],
    ratings: list[dict[str, Any]],
    options: dict[str, str],
) -> list[dict[str, Any]]:
    """The summary-of-findings rows of mean differences, worded, with the certainty of their domain."""
    by_domain = {r["domain"]: r for r in ratings}
    rows = []
    for row in comparative.sof_difference_rows(differences, arms, options):
        rating = by_domain.get(row["domain"])
        what = wording.sof_conclusion(rating, arms[row["arm_id"]]["label"], row["domain"], row["measure"])
        rows.append(row | wording.difference_sof_texts(row, arms) | {"certainty": rating, "conclusion": what})
    return rows


def _comparator_in(evidence: dict[str, Any], modality_id: str, primary_ids: set[str]) -> list[dict[str, Any]]:
    """Trials of other modalities in which this modality was the comparator: named in this
    modality's section, their figures counted under the modality of their intervention."""
    studies = {s["study_id"]: s for s in evidence["studies"]}
    return [
        {"study_id": a["study_id"], "short_name": studies[a["study_id"]]["short_name"], "arm": a["label"]}
        for a in evidence.get("arms", [])
        if a.get("modality_id") == modality_id
        and a["study_id"] not in primary_ids
        and not DESIGNS[studies[a["study_id"]]["design"]].review
    ]


def _review_figures(evidence: dict[str, Any]) -> bool:
    """Whether a systematic review with meta-analysis states pooled figures for this modality."""
    pooled = {s["study_id"] for s in evidence["studies"] if DESIGNS[s["design"]].pooled}
    return any(r["study_id"] in pooled for r in evidence["outcomes"] + evidence.get("comparisons", []))


def _review_results(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """Each systematic review's pooled results, as that review's: its arms' totals and its stated
    effects, with the included studies that are also in the data named (their patients and figures
    count once, as their own). Never pooled with or added to the primary studies'."""
    results = []
    for review in _by_year([s for s in evidence["studies"] if DESIGNS[s["design"]].pooled]):
        rid = review["study_id"]
        arms = {a["arm_id"]: a for a in evidence.get("arms", []) if a["study_id"] == rid}
        described, _ = _outcomes(evidence["outcomes"], {rid}, arms)
        outcomes = [o | {"display": wording.review_arm(o), "estimate": None} for o in described]
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


def _beside(o: dict[str, Any], c: dict[str, Any]) -> bool:
    """Whether a review's arm figure is printed under the review's effect: an arm's figure of the
    same measure and subgroup (as briefing_modality.html.j2 lists them). The others get rows of their own."""
    return (
        bool(o.get("arm_id"))
        and o["measure"] == c["measure"]
        and (o.get("subgroup") or "") == (c.get("subgroup") or "")
    )


def comparison_forest(
    row: dict[str, Any], computed: dict[str, dict[str, Any]], studies: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
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
    comparison = {
        "title": figure_tables.comparison_title(row["measure"], row["intervention"], row["comparator"]),
        "rows": rows,
        "pooled": row["pooled"],
        "sensitivity": row["sensitivity"],
        "intervention": row["intervention"],
        "comparator": row["comparator"],
        "event_kind": row["event_kind"],
    }
    return figures.comparison_forest_figures(row["figure_id"], comparison)


def _with_figures(
    primary: list[dict[str, Any]], outcomes: list[dict[str, Any]], evidence: dict[str, Any]
) -> list[dict[str, Any]]:
    """The primary studies with figures in the data: a study kept without them for now
    (curation.studies_without_outcomes) adds no patients to the figures set beside its count."""
    stated = {o["study_id"] for o in outcomes} | {c["study_id"] for c in evidence.get("comparisons", [])}
    return [s for s in primary if s["study_id"] in stated]


def _patients(primary: list[dict[str, Any]], arms: dict[str, dict[str, Any]], modality_id: str) -> int:
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


def _arms_unstated(arms: dict[str, dict[str, Any]], modality_id: str) -> list[str]:
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


def _comparisons(rows: list[dict[str, Any]], arms: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The comparisons the primary studies state, each in words."""
    return [
        c | {"text": _comparison_text(c, arms), "scope": wording.comparison_scope(c, arms)}
        for c in rows
        if c["arm_id"] in arms
    ]


def _comparison_text(c: dict[str, Any], arms: dict[str, dict[str, Any]]) -> str:
    """A stated effect, or a finding the source states without one (issue 29)."""
    return wording.stated_comparison(c) if c.get("effect_measure") else wording.stated_finding(c, arms)


def _outcomes(
    rows: list[dict[str, Any]], primary_ids: set[str], arms: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The primary studies' outcomes in reading order (study, domain, time, ICPR category), each
    with its label, words and estimate; and the estimates by outcome id."""
    outcomes = sorted(
        (o for o in rows if o["study_id"] in primary_ids),
        key=lambda o: (
            o["study_id"],
            DOMAINS.order(o["domain"]),
            o.get("time_days") or 0,
            CATEGORIES.order(o.get("icpr_category")) if o.get("icpr_category") else 9,
            o["outcome_id"],
        ),
    )
    estimates = {o["outcome_id"]: est for o in outcomes if (est := effects.proportion_estimate(o))}
    described = [
        o
        | {
            "display": wording.display(o, estimates.get(o["outcome_id"])),
            "label": wording.outcome_label(o),
            "domain_label": wording.domain_label(o["domain"]),
            "estimate": estimates.get(o["outcome_id"]),
        }
        for o in (x | _group_of(x, arms) for x in outcomes)
    ]
    return described, estimates


def _group_of(o: dict[str, Any], arms: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Whose figure an outcome is: its arm's label, or, for a figure of a comparative study's whole
    group, that it is the whole trial's (never read as the figure of one arm)."""
    if o.get("arm_id") in arms:
        return {"arm_label": arms[o["arm_id"]]["label"]}
    study_arms = sum(a["study_id"] == o["study_id"] for a in arms.values())
    return {"whole_trial": wording.whole_trial(study_arms)} if study_arms > 1 else {}


def _figure_ids(pooled: list[dict[str, Any]], modality_id: str) -> list[dict[str, Any]]:
    """Each pooled result with the id of its forest plot, numbered in order, and of its funnel
    plot when it has one (the same number)."""
    number = iter(range(1, len(pooled) + 1))
    entries = []
    for p in pooled:
        if p["result"]:
            i = next(number)
            funnel = f"fig-{modality_id}-funnel-{i}" if p["robustness"]["funnel"] else None
            p = p | {"figure_id": f"fig-{modality_id}-forest-{i}", "funnel_id": funnel}
        entries.append(p)
    return entries


def _prespecified(settings: dict[str, Any], modality_id: str, pooled: list[dict[str, Any]]) -> list[str]:
    """Prespecified subgroup analyses of a modality with nothing pooled, in one line each."""
    if any(p["result"] for p in pooled):
        return []
    from . import subgroups

    return [wording.subgroups_nothing_pooled(spec) for spec in subgroups.specs(settings, modality_id)]


def _figures(
    modality_id: str,
    groups: list[dict[str, Any]],
    trajectories: dict[str, list[dict[str, Any]]],
    pooled: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    estimates: dict[str, Any],
    study_names: dict[str, dict[str, Any]],
    scales: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The response chart, one chart per measure over time (a score on its scale's full range),
    then a forest plot per pooled result."""
    figure_list = []
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
            figure_list += forest(entry, by_id, estimates, study_names)
        if entry.get("funnel_id"):
            title = f"{entry['label']}, {entry['window']}: funnel plot"
            egger = wording.egger_result(entry["robustness"]["egger"], robustness.EGGER_ALPHA, pointer=False)
            figure_list.append(figures.funnel_figure(entry["funnel_id"], title, entry, egger))
    return figure_list


def _sentences(
    primary: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    estimates: dict[str, Any],
    ratings: list[dict[str, Any]],
    modality: dict[str, Any],
    comparisons: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """What the data say: one sentence per primary study, then one per certainty rating."""
    sentences: list[dict[str, Any]] = [
        {
            "text": wording.study_sentence(
                s,
                [o for o in outcomes if o["study_id"] == s["study_id"]],
                estimates,
                [c for c in comparisons if c["study_id"] == s["study_id"]],
            ),
            "study_id": s["study_id"],
        }
        for s in primary
    ]
    sentences += [
        {
            "text": wording.certainty_sentence(
                r, modality["name"], [o["measure"] for o in outcomes if o["domain"] == r["domain"]]
            ),
            "study_id": None,
        }
        for r in sorted(ratings, key=lambda r: DOMAINS.order(r["domain"]))
    ]
    return sentences


def evidence_size(
    outcomes: list[dict[str, Any]],
    primary: list[dict[str, Any]],
    pooled: list[dict[str, Any]],
    arms: dict[str, dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per outcome domain: participants (largest denominator per study, else its size), studies,
    the largest I² of its pooled results, and the results the imprecision rule judges (with their
    events); what the build's GRADE proposals rest on."""
    judged = imprecision.items(outcomes, pooled, settings)
    studies = {s["study_id"]: s for s in primary}
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for o in outcomes:
        by_domain.setdefault(o["domain"], []).append(o)
    result = {}
    for domain, rows in by_domain.items():
        n, k = sof.participants(rows, studies, arms)
        i2s = [p["result"]["i2"] for p in pooled if p["domain"] == domain and p["result"]]
        items = judged.get(domain, [])
        events = imprecision.events_once([i for i in items if i.kind == "proportion"])
        result[domain] = {"participants": n, "studies": k, "i2": max(i2s) if i2s else None}
        result[domain] |= {"items": items, "events": events, "egger": _egger_tests(pooled, domain)}
    return result


def _egger_tests(pooled: list[dict[str, Any]], domain: str) -> list[dict[str, Any]]:
    """The Egger tests of a domain's pooled results, each named by its outcome and window."""
    return [
        p["robustness"]["egger"] | {"label": f"{p['label']}, {p['window']}"}
        for p in pooled
        if p["domain"] == domain and p["result"] and p["robustness"]["egger"]
    ]


def forest(
    entry: dict[str, Any],
    outcomes: dict[str, dict[str, Any]],
    estimates: dict[str, Any],
    studies: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Forest plot of one pooled result: per-study Wilson intervals (proportions) or mean ± 1.96
    SD/√n (means), with the REML weights."""
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
            half = effects.Z_95 * o["sd"] / o["denominator"] ** 0.5
            row = {
                "estimate": o["value"],
                "ci_low": o["value"] - half,
                "ci_high": o["value"] + half,
                "n_text": str(o["denominator"]),
            }
        rows.append({"label": studies[o["study_id"]]["short_name"], "weight": weight, **row})
    title = f"{entry['label']}, {entry['window']}: random-effects meta-analysis"
    return figures.forest_figures(
        entry["figure_id"],
        title,
        rows,
        entry["result"],
        "proportion" if entry["kind"] == "proportion" else "mean",
        entry["sensitivity"] if entry["kind"] == "proportion" else None,
    )


def write_summary(summary: dict[str, Any], summary_path: str) -> None:
    """The summary JSON, figures inline as SVG, checked against its model and written so that a
    crash leaves no half-written JSON behind."""
    from . import models

    models.write(summary_path, models.ModalitySummary, summary)
