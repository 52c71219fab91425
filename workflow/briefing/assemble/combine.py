"""The combined briefing: every modality summary, the comparison across modalities, the clinical
considerations from the reviews, limitations, references and provenance, as one context that the
templates render and as `briefing.json`, which lists every figure the briefing shows with its
locator.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from briefing.assemble import changes, registry, sof
from briefing.core.vocabulary import COMPARISON_COLUMNS, DESIGNS, DOMAINS, FACTORS, statistic_of
from briefing.data import importance
from briefing.grade import certainty
from briefing.present import messages, methods, wording
from briefing.stats import comparative, effects, pooling, robustness, subgroups

if TYPE_CHECKING:
    from briefing.schema.models import RegisteredFigure

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import Arm, Statement, Study, Tables
    from briefing.surveil.surveillance_flow import EvidenceBase, Identification

# The printed briefing lists a citation's studies up to this many (config outputs.print_cites_max).
PRINT_CITES_MAX = 6

METHODS = {
    "ci_method": effects.CI_METHOD,
    "ci_level": "95 %",
    "derived_count_rule": "round(p × n), kept only when it reproduces the stated percentage at the stated precision",
    "participants": (
        "a summary of findings counts, per study (and per arm of a trial), the number the source states its "
        'figures are of; where the source states none, it says "not stated" and gives the enrolled number '
        "beside it, never in its place. Validation reports to the curator the denominators that stated "
        "percentages are consistent with when the enrolled and stated counts are not"
    ),
    "comparisons": (
        "a trial's arms are kept apart: each arm's figures are counted under the modality of its treatment, and "
        "a modality's patients are those of its own arms. Where both arms give counts, the build computes the "
        "risk ratio with its 95 % CI on the log scale (as metafor's escalc) and shows it beside the effect the "
        "source states; trials of the same treatment against the same comparator and outcome are pooled by REML "
        "on log risk ratios. The risks with the comparator and with the intervention and their difference per "
        "1,000 are computed at the assumed comparator risk, the median of the comparator arms' risks (one "
        "trial: its comparator arm's), as Cochrane's summary-of-findings tables assume it, and, where the data "
        "state one, at a stated baseline risk (Cochrane Handbook formulas, a bound capped at 1,000). Where a "
        "source's odds or risk ratio differs from the crude one of the same arms' counts, both are shown. "
        "A subgroup's figures are shown and analysed apart from the whole group's. Ratios (hazard, odds or risk "
        "ratios) that two or more trials state with their 95 % CI for the same outcome, treatment and comparator "
        "are pooled by generic inverse variance: the log ratio with its standard error from the CI's width "
        "((log upper − log lower) / (2 × 1.96), as metafor's conv.wald), REML random effects on the log scale, "
        "DerSimonian–Laird as sensitivity; they are never pooled with the risk ratios the build computes"
    ),
    "reviews": (
        "a review is never counted as a study: a systematic review's pooled results are shown as that review's, "
        "never pooled with or added to the studies', and its included studies that are also in the data are "
        "named, so that no patient is counted twice"
    ),
}


# What each of the config's random-effects switches does, in Methods' words, with its reference.
CI_WORDS = {
    "hksj": "the Hartung–Knapp–Sidik–Jonkman (HKSJ) 95 % CI of the summary effect (t distribution on k − 1 df; "
    "Hartung & Knapp, Stat Med 2001;20:3875-89; Sidik & Jonkman, Stat Med 2002;21:3153-9)",
    "hksj_adhoc": "the Hartung–Knapp–Sidik–Jonkman (HKSJ) 95 % CI of the summary effect (t distribution on k − 1 "
    "df), never narrower than the Wald CI (the ad hoc variance correction; Röver, Knapp & Friede, BMC Med Res "
    "Methodol 2015;15:99)",
    "wald": "a Wald (normal) 95 % CI of the summary effect",
}
PI_WORDS = {
    "t": "a 95 % prediction interval from the t distribution on k − 2 df with the unadjusted standard error of "
    "the summary effect (Higgins, Thompson & Spiegelhalter, J R Stat Soc A 2009;172:137-59), none with fewer "
    "than three studies, for which the t distribution has no degrees of freedom",
    "z": "a 95 % prediction interval from the normal distribution (estimate ± 1.96 √(se² + τ²))",
}
I2_WORDS = {
    "tau2": "I² computed from τ² (τ² / (τ² + s²), s² the typical within-study variance; Higgins & Thompson, Stat "
    "Med 2002;21:1539-58)",
    "q": "I² computed from Cochran's Q ((Q − df) / Q)",
}


def random_effects_method(settings: AnalysisSettings | None) -> str:
    """The random-effects methods the config chose (pooling.meta_options), in Methods' words: what
    Cochrane's defaults are and which of them were switched back."""
    options = pooling.meta_options(settings)
    defaults = options == {"ci": "hksj", "pi": "t", "i2": "tau2"}
    source = (
        "Cochrane's random-effects methods, endorsed in 2022 and in RevMan since January 2025 (Cochrane Methods, "
        "Random-effects meta-analysis methods for Intervention Reviews)"
        if defaults
        else "Cochrane's random-effects methods as configured (analysis.ci, analysis.prediction_interval, analysis.i2)"
    )
    return (
        f"{source}: REML τ² with its Q-profile 95 % CI (Viechtbauer, Stat Med 2007;26:37-52), "
        f"{CI_WORDS[options['ci']]}, {PI_WORDS[options['pi']]}, and {I2_WORDS[options['i2']]}. The one-step GLMM "
        "has no inverse-variance weights for the HKSJ rescaling: its CI uses the t quantile on k − 1 df when an HKSJ "
        'CI is chosen (metafor\'s rma.glmm with test = "t"), and its τ² has no Q-profile CI'
    )


def pooling_method(settings: AnalysisSettings | None) -> str:
    """The Methods entry on pooling: the models, the fallback and the thresholds actually used
    (pooling.py, robustness.py, subgroups.py and the config's prespecified subgroups)."""
    minimum = subgroups.min_studies(settings)
    planned = [
        f"{modality_id}: {spec.get('label') or spec['covariate'].replace('_', ' ')}"
        + (
            f" ({subgroups.label(spec, True)} versus {subgroups.label(spec, False)})"
            if spec.get("cutpoint") is not None
            else ""
        )
        for modality_id, specs in ((settings or {}).get("subgroups") or {}).items()
        for spec in specs
    ]
    return (
        "only within a modality, for the same outcome definition in the same time window, and only with two or "
        f"more studies. Random effects throughout by {random_effects_method(settings)}. "
        "Proportions: the one-step binomial–normal model (random-intercept logistic regression, as "
        "metafor's rma.glmm: maximum likelihood, 7-point adaptive Gauss–Hermite quadrature; prediction interval "
        "from se² + τ²), back-transformed to proportions; inverse-variance random effects on "
        "logits (REML τ²) beside it as sensitivity analysis, with a note where the two differ materially (the "
        f"estimates, or a bound of their 95 % CIs, more than {pooling.MATERIAL_PP} percentage points apart). A GLMM "
        "that does not converge, whose estimate runs to a boundary or whose maximum likelihood estimate does not "
        "exist falls back to the REML result, and the briefing says so. Means: inverse-variance random effects "
        "(REML), DerSimonian–Laird as sensitivity analysis. Heterogeneity is reported first as the 95 % prediction "
        "interval, with I² and τ². Each pooled result is checked with the estimators side by side (GLMM, REML, "
        "DerSimonian–Laird, Paule–Mandel) and, with three studies or more, leave-one-out refits by its own model "
        f"(by inverse-variance REML beyond {robustness.LOO_GLMM_MAX} studies; each study listed up to "
        f"{robustness.LOO_ALL_MAX}, else the {robustness.LOO_SHOWN} most influential). "
        "Small-study effects: a funnel plot and Egger's regression test (weighted regression on the standard "
        f"error, t test) only with at least {robustness.SMALL_STUDY_MIN} studies (Cochrane Handbook), asymmetry "
        f"taken at p < {robustness.EGGER_ALPHA}; the result is the build's proposal on publication bias. "
        "Prespecified subgroups: "
        + ("; ".join(planned) if planned else "none")
        + ". Subgroups are pooled by the primary model, compared by the test for subgroup differences (Q between, "
        "χ² on the number of subgroups − 1 df), and the covariate enters a one-covariate mixed-effects "
        "meta-regression (REML residual τ², "
        + ("z tests" if pooling.meta_options(settings)["ci"] == "wald" else "Knapp–Hartung t and F tests")
        + f"), only when every subgroup has at least {minimum} studies; "
        "studies that do not state the covariate are left out"
    )


def importance_method(settings: AnalysisSettings | None) -> str:
    """The outcomes' GRADE importance as the config declares it, for the Methods section."""
    outcomes = importance.prespecified(settings)
    if not outcomes:
        return "no outcome importance is declared in the config (analysis.outcomes)"
    named = [(p.importance, wording.lower_first(p.label) + p.scope_text) for p in outcomes]
    levels = [
        f"{level_text}: {', '.join(name for at, name in named if at == level)}"
        for level, level_text in importance.LEVELS.items()
        if any(at == level for at, _ in named)
    ]
    return wording.importance_method(levels, (settings or {}).get("importance_record"))


def references(
    summaries: list[dict[str, Any]], general: list[Statement], studies: dict[str, Study]
) -> list[dict[str, Any]]:
    """Numbered in order of first citation: modality by modality, primary studies before reviews."""
    first_cited: dict[str, None] = {}  # an ordered set
    for s in summaries:
        for study in s["primary_studies"] + s["reviews"]:
            first_cited.setdefault(study["study_id"])
    for statement in general:
        first_cited.setdefault(statement["study_id"])
    order = list(first_cited)
    refs = []
    for number, study_id in enumerate(order, start=1):
        study = studies[study_id]
        refs.append(
            {
                "number": number,
                "study_id": study_id,
                "short_name": study["short_name"],
                "anchor": f"ref-{study_id}",
                "text": wording.vancouver(study),
                "pmid": study.get("pmid"),
                "pmcid": study.get("pmcid"),
                "doi": study.get("doi"),
                "source_document": study["source_document"],
                "source_locator": study["source_locator"],
                "source": wording.source_text(study["source_document"], study["source_locator"]),
            }
        )
    return refs


def direct_comparisons(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Trials that compared two of the briefing's modalities, apart from the indirect side-by-side:
    each comparison once, under the modality of its intervention arm (the comparator's section
    shows the same trial from its side). Computed effects (summary of findings) first, then the
    effects the sources state."""
    names = {s["modality_id"]: s["modality"]["short_name"] for s in summaries}
    rows = []
    for s in summaries:
        arms = {a["arm_id"]: a for a in s.get("arms", [])}
        studies = {st["study_id"]: st for st in s["primary_studies"]}
        pair = partial(_modality_pair, arms=arms, modality_id=s["modality_id"], names=names)
        # Computed effects: risk ratios, then mean differences (GRADEpro's continuous form).
        for row in s.get("sof_comparisons", []) + s.get("sof_differences", []):
            if modalities := pair(row):
                rows.append(
                    {
                        "intervention": modalities[0],
                        "comparator": modalities[1],
                        "measure": row["measure"],
                        "arms": f"{row['intervention']} against {row['comparator']}",
                        "participants": row["participants"],
                        "study_ids": row["study_ids"],
                        "effect": _direct_effect(row),
                        "certainty": row["certainty"],
                        "kind": "computed",
                    }
                )
        for c in s.get("comparisons", []):
            if not c.get("subgroup") and (modalities := pair(c)):
                rows.append(
                    {
                        "intervention": modalities[0],
                        "comparator": modalities[1],
                        "measure": c["measure"],
                        "arms": f"{arms[c['arm_id']]['label']} against {arms[c['comparator_arm_id']]['label']}",
                        "participants": comparative.randomised(c, arms, studies.get(c["study_id"], {})),
                        "study_ids": [c["study_id"]],
                        "effect": c["text"] + " (as the source states it)",
                        "comment": c.get("crude_comment"),
                        "certainty": c.get("certainty"),
                        "kind": "stated",
                    }
                )
        rows += _pooled_ratio_rows(s, arms, pair)
        rows += _uncompared(s, arms, names, {st for row in rows for st in row["study_ids"]})
    return rows


def _pooled_ratio_rows(s: dict[str, Any], arms: dict[str, Arm], pair: Any) -> list[dict[str, Any]]:
    """Stated ratios of two modalities' trials that the build pools (issue 29, item 17), beside
    each trial's own stated ratio."""
    rows = []
    for r in s.get("pooled_ratios", []):
        if modalities := pair(r):
            sizes = [arms[c].get("patients") for c in arms if arms[c]["study_id"] in r["study_ids"]]
            stated = [n for n in sizes if n is not None]
            rows.append(
                {
                    "intervention": modalities[0],
                    "comparator": modalities[1],
                    "measure": r["measure"],
                    "arms": f"{arms[r['arm_id']]['label']} against {arms[r['comparator_arm_id']]['label']}",
                    "participants": sum(stated) if len(stated) == len(sizes) else None,
                    "study_ids": r["study_ids"],
                    "effect": r["text"],
                    "certainty": None,
                    "kind": "pooled",
                }
            )
    return rows


def _direct_effect(row: dict[str, Any]) -> str:
    """A computed effect's words in the direct comparisons: relative and absolute for a risk ratio,
    the mean difference for a continuous outcome, each with what the comparator had."""
    if "difference_text" in row:
        return f"{row['difference_text']} (comparator {row['comparator_risk']})"
    comparator = f"{row['comparator_risk']}, {row['comparator_basis']}"
    return f"{row['relative']}; {row['difference']} (risk with the comparator {comparator})"


def _modality_pair(
    c: dict[str, Any], arms: dict[str, Arm], modality_id: str, names: dict[str, str]
) -> tuple[str, str] | None:
    """The names of the two modalities a comparison sets against each other, when its intervention
    arm is of this modality and its comparator of another the briefing covers."""
    mine, other = arms[c["arm_id"]].get("modality_id"), arms[c["comparator_arm_id"]].get("modality_id")
    if mine == modality_id and other is not None and other in names and other != mine:
        return (names[modality_id], names[other])
    return None


def _uncompared(
    s: dict[str, Any], arms: dict[str, Arm], names: dict[str, str], listed: set[str]
) -> list[dict[str, Any]]:
    """A trial of this modality against another whose sources state no effect between the arms:
    listed all the same, with what it reports of each arm (the intervention's, then the
    comparator's), so no direct evidence is left out of the direct comparisons."""
    rows = []
    for study in s["primary_studies"]:
        own = [a for a in arms.values() if a["study_id"] == study["study_id"]]
        mine = [a for a in own if a.get("role") == "intervention" and a.get("modality_id") == s["modality_id"]]
        others = [a for a in own if a.get("modality_id") in names and a.get("modality_id") != s["modality_id"]]
        if study["study_id"] in listed or not mine or not others:
            continue
        shown = [mine[0]["arm_id"]] + [a["arm_id"] for a in others]
        findings = [o["label"] + ": " + o["display"] for arm in shown for o in s["outcomes"] if o.get("arm_id") == arm]
        comparator = others[0]["modality_id"]
        assert comparator is not None  # `others` are arms of a modality in `names`
        rows.append(
            {
                "intervention": names[s["modality_id"]],
                "comparator": names[comparator],
                "measure": "no effect between the arms stated",
                "arms": f"{mine[0]['label']} against {others[0]['label']}",
                "participants": study.get("patients"),
                "study_ids": [study["study_id"]],
                "effect": "; ".join(findings) or "no figures reported",
                "certainty": None,
                "kind": "reported",
            }
        )
    return rows


def direct_studies(rows: list[dict[str, Any]]) -> list[str]:
    """The studies behind the direct comparisons' rows."""
    return sorted({st for row in rows for st in row["study_ids"]})


def bottom_line(
    summaries: list[dict[str, Any]],
    identification: dict[str, Any] | None = None,
    direct: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The bottom line's points and each modality's headline; `direct`: the direct comparisons'
    rows when the caller has them already."""
    direct = direct_comparisons(summaries) if direct is None else direct
    quantitative = [s for s in summaries if s["kind"] == "quantitative"]
    primary = [st for s in summaries for st in s["primary_studies"]]
    in_quantitative = [st for s in quantitative for st in s["primary_studies"]]
    points = wording.bottom_line_points(
        primary,
        one_per_modality=len({st["modality_id"] for st in in_quantitative}) == len(in_quantitative),
        randomised=any(DESIGNS[st["design"]].randomised for st in primary),
        direct=len(direct_studies(direct)),
        levels=certainty.levels_present(r for s in summaries for r in s["certainty"]),
        narrative=[s["modality"]["name"] for s in summaries if s["kind"] == "narrative"],
        searched=bool(identification and identification["method"] == "systematic_search"),
    )
    if identification:
        points.insert(0, wording.identification(identification, short=True))
    per_modality = [
        {
            "modality_id": s["modality_id"],
            "name": s["modality"]["name"],
            "text": s["main_pain"]["text"] if s["main_pain"] else None,
            # The certainty of the result the headline quotes, not the lowest of the modality's.
            "certainty": s["main_pain"]["certainty"] if s["main_pain"] else None,
        }
        for s in quantitative
    ]
    return {"points": points, "per_modality": per_modality}


def limitations(
    summaries: list[dict[str, Any]],
    studies: dict[str, Study],
    identification: dict[str, Any] | None = None,
    direct: list[dict[str, Any]] | None = None,
) -> list[str]:
    """What limits the evidence shown: the studies concerned, named; the words are wording's."""
    direct = direct_comparisons(summaries) if direct is None else direct
    outcomes = [o for s in summaries for o in s["outcomes"]]

    def names(study_ids: set[str]) -> list[str]:
        return [studies[i]["short_name"] for i in sorted(study_ids)]

    return wording.limitations(
        no_denominator=names(
            {o["study_id"] for o in outcomes if statistic_of(o).of_denominator and not o.get("denominator")}
        ),
        unspecified=names({o["study_id"] for o in outcomes if statistic_of(o).unspecified}),
        unmapped=names(
            {o["study_id"] for o in outcomes if DOMAINS[o["domain"]].shape == "response" and not o.get("icpr_category")}
        ),
        unidentified=sorted(st["short_name"] for st in studies.values() if not (st.get("pmid") or st.get("doi"))),
        locators=sorted({st["source_locator"] for st in studies.values()}),
        direct=names(set(direct_studies(direct))),
        selected=bool(identification and identification["method"] == "curated_selection"),
    )


# A comparison cell lists the findings (durability, safety) of at most this many studies, the
# largest first; beyond, it counts the others and points to the modality's section (at 500
# studies a row listed some 60 findings, taller than an A4 page).
COMPARISON_STUDIES_MAX = 3


def _largest_studies_first(
    items: list[dict[str, Any]], patients: dict[str, int]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The items of the COMPARISON_STUDIES_MAX largest studies (in the summary's order within a
    study), and the further studies that have items."""
    ids = list(dict.fromkeys(item["study_id"] for item in items))
    shown = set(
        sorted(ids, key=lambda i: -patients.get(i, 0))[:COMPARISON_STUDIES_MAX]
    )  # stable: ties keep their order
    return [item for item in items if item["study_id"] in shown], [i for i in ids if i not in shown]


def comparison_rows(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for s in summaries:
        patients = {st["study_id"]: st.get("patients") or 0 for st in s["primary_studies"]}
        awaiting = [st["study_id"] for st in messages.without_figures(s)]  # named apart, not counted
        columns = {}
        for column in COMPARISON_COLUMNS:
            shown, more = _largest_studies_first(s["findings"][column.id], patients)
            columns[column.id] = {"shown": shown, "more": more}
        rows.append(
            {
                "modality_id": s["modality_id"],
                "name": s["modality"]["short_name"],
                "studies": len(s["primary_studies"]),
                "reviews": len(s["reviews"]),
                "study_ids": [st["study_id"] for st in s["primary_studies"] if st["study_id"] not in awaiting],
                "without_figures": awaiting,
                "review_ids": [st["study_id"] for st in s["reviews"]],
                "patients": s["patients"],
                "patients_unstated": s.get("patients_unstated", []),
                "patients_not_stated": s.get("patients_not_stated", []),
                "designs": s["designs"],
                "main_pain": s["main_pain"],
                # A modality whose only figures are a systematic review's: those, as the review's.
                "review_findings": messages.review_findings(s) if s["kind"] == "review" else [],
                "columns": columns,
                "certainty": s["overall_certainty"],
                # Each rated outcome's certainty: never one level for a modality's every outcome.
                "ratings": sorted(s.get("certainty", []), key=lambda r: (DOMAINS.order(r["domain"]), r["key"])),
                "kind": s["kind"],
            }
        )
    return rows


def build(
    config: dict[str, Any],
    summaries: list[dict[str, Any]],
    tables: Tables,
    general: list[Statement],
    provenance: dict[str, Any],
    surveillance: EvidenceBase | None = None,
    *,
    previous: dict[str, Any] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The context the templates render, with what changed since the `previous` edition (its
    briefing.json; None for a first edition, `note` saying why); `public_json` cuts briefing.json
    from it. `surveillance`: the evidence base from the saved searches' records
    (surveillance_flow.load), which then takes data/identification.csv's place; None where no
    search has completed. Of valid data only (the combine step waits for the validate step)."""
    studies = {s["study_id"]: s for s in tables["studies"]}
    identification = _identification(tables, surveillance)
    refs = references(summaries, general, studies)
    comparison = comparison_rows(summaries)
    direct = direct_comparisons(summaries)  # once: the bottom line, limitations and register use it
    base = {"surveillance": surveillance} if surveillance else {}
    context = base | {
        "title": config["title"],
        "subtitle": config.get("subtitle", ""),
        "question": config["question"],
        "build_date": provenance["build_date"],
        "bottom_line": bottom_line(summaries, identification, direct),
        "identification": identification,
        "identification_text": wording.identification(identification) if identification else "",
        "comparison": comparison,
        "direct_comparisons": direct,
        "sof_across": sof.across_modalities(summaries),
        "modalities": summaries,
        "general_statements": general,
        "limitations": limitations(summaries, studies, identification, direct),
        "key_messages": {s["modality_id"]: messages.key_message(s) for s in summaries},
        "research_gaps": _research_gaps(summaries, direct, config.get("analysis")),
        # The certainty and importance entries are generated from the config: they state the
        # thresholds and the importance actually used.
        "methods": METHODS
        | {
            **methods.methods_parts(config.get("analysis"), tables.get("scales")),
            "importance": importance_method(config.get("analysis")),
            "pooling": pooling_method(config.get("analysis")),
        },
        "references": refs,
        "ref_numbers": {r["study_id"]: r["number"] for r in refs},
        "provenance": provenance,
        "figures": _figures(summaries, comparison, direct, surveillance),
        "print_cites_max": config.get("outputs", {}).get("print_cites_max", PRINT_CITES_MAX),
        "vocabulary": vocabulary_context(),
    }
    public = public_json(context)
    what_changed = changes.compare(previous, public, note, config.get("previous_edition"))
    if surveillance:
        what_changed = _with_searches(what_changed, changes.surveillance_changes(previous, public))
    return context | {"changes": what_changed}


def _identification(tables: Tables, surveillance: EvidenceBase | None) -> Any:
    """How the studies were identified: the searches' record where a search has completed, else the
    one record of identification.csv (validation lets a build through only with one)."""
    if surveillance:
        return _searched(surveillance)
    return next(iter(tables.get("identification", [])), None)


def _searched(base: EvidenceBase) -> Identification:
    """data/identification.csv's record, derived from the surveillance records."""
    f = base["flow"]
    return {
        "method": "systematic_search",
        "description": wording.surveillance_description(base),
        "databases": "; ".join(s["label"] for s in base["sources"]),
        "last_search_date": max(s["last_searched"] for s in base["sources"]),
        "strategy": "surveillance/searches.yaml",
        "records_screened": len(f["screened"]),
        "studies_included": len(f["studies"]),
    }


def _figures(
    summaries: list[dict[str, Any]],
    comparison: list[dict[str, Any]],
    direct: list[dict[str, Any]],
    surveillance: EvidenceBase | None,
) -> list[RegisteredFigure]:
    """Every figure the briefing prints, with its provenance (registry.py)."""
    figures = (
        registry.figure_registry(summaries)
        + registry.comparison_counts(comparison, COMPARISON_STUDIES_MAX)
        + registry.direct_counts(direct_studies(direct))
    )
    return figures + (registry.surveillance_figures(surveillance) if surveillance else [])


def _research_gaps(
    summaries: list[dict[str, Any]], direct: list[dict[str, Any]], analysis: AnalysisSettings | None
) -> list[str]:
    prespecified = importance.prespecified(analysis)
    return messages.research_gaps(
        summaries,
        len(direct_studies(direct)),
        [p.label for p in prespecified],
        {p.label: list(p.modalities) for p in prespecified if p.modalities},
    )


def _with_searches(what_changed: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    """What changed with the searches' part, said in its summary too when there is a previous edition."""
    if what_changed["first_edition"]:
        return what_changed | {"surveillance": found}
    said = wording.surveillance_changes(found)
    return what_changed | {
        "surveillance": found,
        "summary": f"{what_changed['summary']} {said}",
        "short": f"{what_changed['short']} {said}",
    }


def vocabulary_context() -> dict[str, Any]:
    """The words of the vocabulary the template shows: design labels, GRADE factor columns."""
    return {
        "designs": {d.id: d.label for d in DESIGNS},
        "rate_down": [{"id": f.id, "label": f.label} for f in FACTORS.where(direction="down")],
        "rate_up": [{"id": f.id, "label": f.label} for f in FACTORS.where(direction="up")],
        "response_domains": [d.label for d in DOMAINS.where(shape="response")],
        "domain_labels": {d.id: d.label for d in DOMAINS},
        # GRADE's levels, highest first, with what each means: the legend under every SoF.
        "certainty_levels": [
            {"level": level, "symbols": certainty.symbols(level), "text": text, "meaning": wording.MEANING[text]}
            for level, text in sorted(certainty.LEVELS.items(), reverse=True)
        ],
    }


def public_json(context: dict[str, Any]) -> dict[str, Any]:
    """briefing.json: what a machine needs to check or compare the briefing (no SVG markup)."""
    modalities = []
    for s in context["modalities"]:
        modalities.append(
            {
                "modality_id": s["modality_id"],
                "name": s["modality"]["name"],
                "kind": s["kind"],
                "studies": [st["study_id"] for st in s["primary_studies"]],
                "reviews": [st["study_id"] for st in s["reviews"]],
                "patients": s["patients"],
                "headline": s["main_pain"]["text"] if s["main_pain"] else None,
                "headline_outcome_id": s["main_pain"]["outcome_id"] if s["main_pain"] else None,
                "certainty": s["certainty"],
                "pooled": s["pooled"],
                "summary_of_findings": s["sof"]["rows"],
                "figures": [
                    {"id": f["id"], "title": f["title"], "alt": f["alt"], "table": f["table"]}
                    for f in s["figures"] + s.get("comparison_figures", [])
                ],
                "sentences": s["sentences"],
            }
        )
    return {
        "title": context["title"],
        "build_date": context["build_date"],
        "provenance": context["provenance"],
        "methods": context["methods"],
        "modalities": modalities,
        "figures": context["figures"],
        "references": context["references"],
        "statements": [st for s in context["modalities"] for st in s["statements"]] + context["general_statements"],
        "changes": context.get("changes"),  # None while `build` compares this edition with the previous
    } | ({"surveillance": context["surveillance"]} if context.get("surveillance") else {})
