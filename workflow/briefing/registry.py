"""The register of every figure the briefing shows: each number a reader sees, stated or derived,
with the data rows it comes from and its locator. briefing.json publishes it; the numeric audit
accepts a printed number only when it is here or in the data; What changed compares it between
editions.
"""

from __future__ import annotations

import re
from typing import Any

from . import numbers, wording
from .vocabulary import COMPARISON_COLUMNS
from .wording import design_counts


def _entry(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def figure_registry(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every figure the briefing shows, stated or derived, each traced to its data row and locator."""
    entries = []
    for s in summaries:
        for part in MODALITY_PARTS:
            entries += part(s)
        entries += _study_counts(s["modality_id"], s["primary_studies"], s["reviews"])

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


def _stated_study_figures(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The study fields as stated (patients, lesions, doses, fractions)."""
    m = s["modality_id"]
    entries: list[dict[str, Any]] = []
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
    return entries


def _outcome_figures(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The each stated outcome, and the 95 % CI the build derives from it."""
    m = s["modality_id"]
    entries: list[dict[str, Any]] = []
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
    return entries


def _overall_responses(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The overall responses derived as complete + partial."""
    m = s["modality_id"]
    entries: list[dict[str, Any]] = []
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
    return entries


def _changes_from_baseline(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The changes from baseline of the measures over time."""
    m = s["modality_id"]
    entries: list[dict[str, Any]] = []
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
    return entries


def _pooled_results(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The pooled results, with every number their forest plots print."""
    m = s["modality_id"]
    entries: list[dict[str, Any]] = []
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
    return entries


def _patients_total(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The the modality's patients, summed over its primary studies."""
    m = s["modality_id"]
    entries: list[dict[str, Any]] = []
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
    return entries


def _participants(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The the participants each rated domain's GRADE proposal names."""
    m = s["modality_id"]
    entries: list[dict[str, Any]] = []
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
    return entries


def _sof_counts(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The studies and participants of each summary-of-findings row."""
    m = s["modality_id"]
    entries: list[dict[str, Any]] = []
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
    return entries


# The figures of one modality, in the order briefing.json lists them.
MODALITY_PARTS = (
    _stated_study_figures,
    _outcome_figures,
    _overall_responses,
    _changes_from_baseline,
    _pooled_results,
    _patients_total,
    _participants,
    _sof_counts,
)


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


def comparison_counts(rows: list[dict[str, Any]], shown_max: int) -> list[dict[str, Any]]:
    """ "N more studies" in the comparison: the studies whose findings it leaves to the modality's section."""
    return [
        _count(
            f"{row['modality_id']}:comparison:{column.text}:more",
            row["modality_id"],
            f"Studies with {column.text} findings not listed in the comparison",
            row["columns"][column.id]["more"],
            f"studies beyond the {shown_max} largest with {column.text} findings",
        )
        for row in rows
        for column in COMPARISON_COLUMNS
        if row["columns"][column.id]["more"]
    ]
