"""The combined briefing: every modality summary, the comparison across modalities, the clinical
considerations from the reviews, limitations, references and provenance, as one context that the
templates render and as `briefing.json`, which lists every figure the briefing shows with its
locator.
"""

from __future__ import annotations

import re
from typing import Any

from . import changes, effects, numbers, sof, wording
from .vocabulary import COMPARISON_COLUMNS, DESIGNS, DOMAINS, FACTORS
from .wording import design_counts

METHODS = {
    "ci_method": effects.CI_METHOD,
    "ci_level": "95 %",
    "derived_count_rule": "round(p × n), kept only when it reproduces the stated percentage at the stated precision",
    "pooling": (
        "random effects (REML) on logit-transformed proportions and inverse-variance pooling of means, "
        "DerSimonian–Laird as sensitivity analysis; only within a modality, for the same outcome definition "
        "in the same time window, and only with two or more studies"
    ),
    "certainty": (
        "GRADE: randomised trials start high, other designs low; each domain judged by the curator with a reason"
    ),
}


def references(
    summaries: list[dict[str, Any]], general: list[dict[str, Any]], studies: dict[str, dict[str, Any]]
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
            }
        )
    return refs


# ----------------------------------------------------------------------------- figure registry
def _entry(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def figure_registry(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every figure the briefing shows, stated or derived, each traced to its data row and locator."""
    entries = []
    for s in summaries:
        m = s["modality_id"]
        for study in s["primary_studies"]:
            for field in (
                "patients",
                "lesions",
                "dose_per_fraction_min_gy",
                "dose_per_fraction_max_gy",
                "fractions_min",
                "fractions_max",
            ):
                if study.get(field) is not None:
                    entries.append(
                        _entry(
                            id=f"{study['study_id']}:{field}",
                            modality_id=m,
                            study_id=study["study_id"],
                            table="studies",
                            field=field,
                            value_text=str(study.get(f"{field}_text", study[field])),
                            locator=study["source_locator"],
                            source_document=study["source_document"],
                            derived=False,
                        )
                    )
        for o in s["outcomes"]:
            entries.append(
                _entry(
                    id=o["outcome_id"],
                    modality_id=m,
                    study_id=o["study_id"],
                    table="outcomes",
                    label=o["label"],
                    statistic=o["statistic"],
                    value_text=o.get("value_text"),
                    sd_text=o.get("sd_text"),
                    events=o.get("events"),
                    denominator=o.get("denominator"),
                    unit=o.get("unit"),
                    timepoint=o.get("timepoint"),
                    p_value=o.get("p_value"),
                    locator=o["locator"],
                    derived=False,
                )
            )
            est = o.get("estimate")
            if est:
                entries.append(
                    _entry(
                        id=f"{o['outcome_id']}:ci",
                        modality_id=m,
                        study_id=o["study_id"],
                        table="outcomes",
                        label=f"{o['label']}: 95 % CI",
                        events=est["events"],
                        denominator=est["n"],
                        ci_low_text=numbers.percent(est["ci_low"]),
                        ci_high_text=numbers.percent(est["ci_high"]),
                        derived=True,
                        derivation=f"{est['ci_method']} 95 % CI of {est['events']}/{est['n']}"
                        + ("; count derived from the stated percentage" if est["count_derived"] else ""),
                        derived_from=[o["outcome_id"]],
                        locator=o["locator"],
                    )
                )
        for g in s["response_groups"]:
            if g["derived_overall"]:
                d = g["derived_overall"]
                entries.append(
                    _entry(
                        id=f"{g['study_id']}:overall-response",
                        modality_id=m,
                        study_id=g["study_id"],
                        table="outcomes",
                        label="Overall response (complete + partial)",
                        value_text=d["value_text"],
                        unit="%",
                        derived=True,
                        derivation="complete + partial as reported",
                        derived_from=d["from"],
                        locator=d["locator"],
                    )
                )
        for series_list in s["trajectories"].values():
            for series in series_list:
                for p in series["points"]:
                    if p["change_pct_text"] is not None:
                        entries.append(
                            _entry(
                                id=f"{p['outcome_id']}:change",
                                modality_id=m,
                                study_id=series["study_id"],
                                table="outcomes",
                                label=f"{series['measure']}, {p['timepoint']}: change from baseline",
                                value_text=p["change_pct_text"],
                                unit="%",
                                derived=True,
                                derivation="(value − baseline) / baseline × 100",
                                derived_from=[p["outcome_id"]],
                                locator=p["locator"],
                            )
                        )
        for pooled in s["pooled"]:
            if pooled["result"]:
                shown = [wording.pooled_effect(pooled)]
                parts = [f for f in s["figures"] if pooled.get("figure_id") and f.get("part_of") == pooled["figure_id"]]
                for forest in parts:  # a forest plot of many studies comes in parts
                    shown += [v for row in forest["table"] for v in row.values()] + [forest.get("heterogeneity", "")]
                entries.append(
                    _entry(
                        id=f"{m}:pooled:{pooled['domain']}:{pooled['definition']}:{pooled['window']}",
                        modality_id=m,
                        table="outcomes",
                        label=f"Pooled {pooled['definition']}",
                        derived=True,
                        derivation=pooled["note"],
                        derived_from=pooled["outcome_ids"],
                        result=pooled["result"],
                        shown=shown,
                        locator="pooled from the rows listed",
                    )
                )
        primary = [st["study_id"] for st in s["primary_studies"]]
        if len(primary) > 1:
            entries.append(
                _entry(
                    id=f"{m}:patients",
                    modality_id=m,
                    table="studies",
                    label="Patients in primary studies",
                    value_text=str(s["patients"]),
                    derived=True,
                    derivation="sum of the studies' patients",
                    derived_from=[f"{sid}:patients" for sid in primary],
                    locator="sum of study rows",
                )
            )
        rated = {r["domain"] for r in s["certainty"]}
        for domain, size in sorted(s.get("evidence_size", {}).items()):
            if domain in rated:  # the participants the build's imprecision proposal names
                entries.append(
                    _entry(
                        id=f"{m}:{domain}:participants",
                        modality_id=m,
                        table="outcomes",
                        label=f"Participants, {domain.replace('_', ' ')}",
                        value_text=str(size["participants"]),
                        derived=True,
                        derivation="sum over studies of the largest stated denominator, else the study's patients",
                        derived_from=[o["outcome_id"] for o in s["outcomes"] if o["domain"] == domain],
                        locator="sum of outcome and study rows",
                    )
                )
        seen: set[str] = set()
        for row in s["sof"]["rows"]:
            # Keyed by the row's outcome, not its position: a row added above must not make the
            # rows below look changed in the next edition's "What changed".
            key = f"{m}:sof:{slug(row['outcome'])}"
            key = key if key not in seen else f"{key}-{len(seen)}"
            seen.add(key)
            entries.append(
                _entry(
                    id=f"{key}:studies",
                    modality_id=m,
                    table="outcomes",
                    label=f"Studies, {row['outcome']}",
                    value_text=str(row["studies"]),
                    derived=True,
                    derivation="number of studies with an outcome in this row",
                    derived_from=row["outcome_ids"],
                    locator="count of outcome rows",
                )
            )
            if row["studies"] > 1:
                entries.append(
                    _entry(
                        id=f"{key}:participants",
                        modality_id=m,
                        table="outcomes",
                        label=f"Participants, {row['outcome']}",
                        value_text=str(row["participants"]),
                        derived=True,
                        derivation="sum over studies of the largest stated denominator",
                        derived_from=row["outcome_ids"],
                        locator="sum of outcome rows",
                    )
                )
        entries += _study_counts(m, s["primary_studies"], s["reviews"])
    primary_all = [st for s in summaries for st in s["primary_studies"]]
    entries += _study_counts("total", primary_all, [])
    entries.append(
        _entry(
            id="total:patients",
            table="studies",
            label="Patients in all primary studies",
            value_text=str(sum(s["patients"] for s in summaries)),
            derived=True,
            derivation="sum of the studies' patients",
            derived_from=[f"{st['study_id']}:patients" for st in primary_all],
            locator="sum of study rows",
        )
    )
    return entries


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _count(id: str, modality_id: str | None, label: str, study_ids: list[str], derivation: str) -> dict[str, Any]:
    return _entry(
        id=id,
        modality_id=modality_id,
        table="studies",
        label=label,
        value_text=str(len(study_ids)),
        derived=True,
        derivation=derivation,
        derived_from=study_ids,
        locator="count of study rows",
    )


def _study_counts(scope: str, primary: list[dict[str, Any]], reviews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The counts of studies the briefing prints ("45 case series", "one review"), each with the
    studies it counts: derived numbers, which the audit would otherwise pass only when some data
    cell happens to hold the same number."""
    m = None if scope == "total" else scope
    entries = []
    if primary:
        entries.append(
            _count(
                f"{scope}:studies",
                m,
                "Primary studies",
                [st["study_id"] for st in primary],
                "number of primary studies",
            )
        )
    if reviews:
        entries.append(
            _count(
                f"{scope}:reviews",
                m,
                "Narrative reviews",
                [st["study_id"] for st in reviews],
                "number of narrative reviews",
            )
        )
    for design in design_counts(primary):
        entries.append(
            _count(
                f"{scope}:design:{design}",
                m,
                f"Primary studies: {design.replace('_', ' ')}",
                [st["study_id"] for st in primary if st["design"] == design],
                "number of primary studies of this design",
            )
        )
    return entries


def comparison_counts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ "N more studies" in the comparison: the studies whose findings it leaves to the modality's section."""
    return [
        _count(
            f"{row['modality_id']}:comparison:{column.text}:more",
            row["modality_id"],
            f"Studies with {column.text} findings not listed in the comparison",
            row["columns"][column.id]["more"],
            f"studies beyond the {COMPARISON_STUDIES_MAX} largest with {column.text} findings",
        )
        for row in rows
        for column in COMPARISON_COLUMNS
        if row["columns"][column.id]["more"]
    ]


def bottom_line(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    quantitative = [s for s in summaries if s["kind"] == "quantitative"]
    primary = [st for s in summaries for st in s["primary_studies"]]
    in_quantitative = [st for s in quantitative for st in s["primary_studies"]]
    points = wording.bottom_line_points(
        primary,
        one_per_modality=len({st["modality_id"] for st in in_quantitative}) == len(in_quantitative),
        randomised=any(DESIGNS[st["design"]].randomised for st in primary),
        levels=sorted({r["level_text"] for s in summaries for r in s["certainty"]}),
        narrative=[s["modality"]["name"] for s in summaries if s["kind"] == "narrative"],
    )
    per_modality = [
        {
            "modality_id": s["modality_id"],
            "name": s["modality"]["name"],
            "text": s["main_pain"]["text"] if s["main_pain"] else None,
            "certainty": s["overall_certainty"],
        }
        for s in quantitative
    ]
    return {"points": points, "per_modality": per_modality}


def limitations(summaries: list[dict[str, Any]], studies: dict[str, dict[str, Any]]) -> list[str]:
    """What limits the evidence shown: the studies concerned, named; the words are wording's."""
    outcomes = [o for s in summaries for o in s["outcomes"]]

    def names(study_ids: set[str]) -> list[str]:
        return [studies[i]["short_name"] for i in sorted(study_ids)]

    return wording.limitations(
        no_denominator=names(
            {o["study_id"] for o in outcomes if o["statistic"] == "percent" and not o.get("denominator")}
        ),
        unspecified=names({o["study_id"] for o in outcomes if o["statistic"] == "summary_unspecified"}),
        unmapped=names(
            {o["study_id"] for o in outcomes if DOMAINS[o["domain"]].shape == "response" and not o.get("icpr_category")}
        ),
        unidentified=sorted(st["short_name"] for st in studies.values() if not (st.get("pmid") or st.get("doi"))),
        locators=sorted({st["source_locator"] for st in studies.values()}),
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
                "study_ids": [st["study_id"] for st in s["primary_studies"]],
                "review_ids": [st["study_id"] for st in s["reviews"]],
                "patients": s["patients"],
                "designs": s["designs"],
                "main_pain": s["main_pain"],
                "columns": columns,
                "certainty": s["overall_certainty"],
                "kind": s["kind"],
            }
        )
    return rows


def build(
    config: dict[str, Any],
    summaries: list[dict[str, Any]],
    tables: dict[str, list[dict[str, Any]]],
    general: list[dict[str, Any]],
    provenance: dict[str, Any],
) -> dict[str, Any]:
    """The context the templates render; `public_json` cuts briefing.json from it."""
    studies = {s["study_id"]: s for s in tables["studies"]}
    refs = references(summaries, general, studies)
    comparison = comparison_rows(summaries)
    return {
        "title": config["title"],
        "subtitle": config.get("subtitle", ""),
        "question": config["question"],
        "build_date": provenance["build_date"],
        "bottom_line": bottom_line(summaries),
        "comparison": comparison,
        "sof_across": sof.across_modalities(summaries),
        "modalities": summaries,
        "general_statements": general,
        "limitations": limitations(summaries, studies),
        "methods": METHODS,
        "references": refs,
        "ref_numbers": {r["study_id"]: r["number"] for r in refs},
        "provenance": provenance,
        "figures": figure_registry(summaries) + comparison_counts(comparison),
        "print_detail_max_studies": config.get("outputs", {}).get("print_detail_max_studies"),
        "changes": changes.compare(None, {}),  # replaced when a previous edition is given
        "vocabulary": vocabulary_context(),
    }


def vocabulary_context() -> dict[str, Any]:
    """The words of the vocabulary the template shows: design labels, GRADE factor columns."""
    return {
        "designs": {d.id: d.label for d in DESIGNS},
        "rate_down": [{"id": f.id, "label": f.label} for f in FACTORS.where(direction="down")],
        "rate_up": [{"id": f.id, "label": f.label} for f in FACTORS.where(direction="up")],
        "response_domains": [d.label for d in DOMAINS.where(shape="response")],
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
                "certainty": s["certainty"],
                "pooled": s["pooled"],
                "summary_of_findings": s["sof"]["rows"],
                "figures": [
                    {"id": f["id"], "title": f["title"], "alt": f["alt"], "table": f["table"]} for f in s["figures"]
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
        "changes": context.get("changes"),
    }
