"""One modality's evidence summary: studies, every stated outcome with its computed interval,
trajectories, response categories, pooled results where allowed, certainty, figures and sentences.

The notebook of each modality calls `build_summary` and shows its parts; the combining step reads
the JSON it writes. Nothing here formats HTML: templates do that.
"""

from __future__ import annotations

from typing import Any

from . import certainty, effects, figures, numbers, pooling, sof
from .text import (
    DESIGN_PHRASES,
    DOMAIN_LABELS,
    DOMAIN_ORDER,
    design_counts,
    design_phrase,
    lower_first,
    p_text,
    trajectory_phrase,
)

UNIT_TEXT = {"%": "%", "NRS 0-10": "points (NRS 0–10)", "VAS 0-10": "points (VAS 0–10)", "ratio": ""}


def ci_text(est: dict[str, Any]) -> str:
    return numbers.ci(est["ci_low"], est["ci_high"])


def display(o: dict[str, Any], est: dict[str, Any] | None) -> str:
    """The outcome as a reader sees it: the figure as the source states it, then what the build
    computed from it (marked as derived)."""
    statistic, unit = o["statistic"], o.get("unit") or ""
    value = o.get("value_text")
    if statistic == "percent":
        text = f"{value} %"
        if (
            est
            and o.get("as_printed")
            and not o.get("value_qualifier")
            and not effects.percent_reproduced(est["events"], est["n"], value)
        ):
            exact = numbers.events_percent(est["events"], est["n"])
            text += (
                f" as printed ({est['events']}/{est['n']} {o.get('denominator_unit') or ''} is {exact} %; "
                f"{ci_text(est)} from the stated count)"
            ).replace("  ", " ")
        elif est:
            mark = ", count derived" if est["count_derived"] else ""
            text += f" ({est['events']}/{est['n']} {o.get('denominator_unit') or ''}{mark}; {ci_text(est)})".replace(
                " ;", ";"
            )
        elif o.get("value_qualifier"):
            text += " (a bound as stated; no count or CI derived)"
        elif not o.get("denominator"):
            text += " (denominator not stated; no CI computable)"
        else:
            text += f" of {o['denominator']} (no whole count reproduces the percentage; no CI shown)"
    elif statistic == "count":
        text = f"{o['events']}/{o['denominator']} {o.get('denominator_unit') or ''}".strip()
        if est:
            text += f" ({ci_text(est)})"
    elif statistic == "mean":
        text = f"mean {value} {UNIT_TEXT.get(unit, unit)}".strip()
        if o.get("sd_text"):
            text += f" ({numbers.sd(o['sd_text'])})"
    elif statistic == "median":
        text = f"median {value} {UNIT_TEXT.get(unit, unit)}".strip()
    elif statistic == "minimum":
        text = f"earliest {value} {UNIT_TEXT.get(unit, unit)}".strip()
    elif statistic == "summary_unspecified":
        text = f"{value} {UNIT_TEXT.get(unit, unit)} (mean or median not stated)".replace("  ", " ")
    elif statistic == "hazard_ratio":
        text = f"hazard ratio {value}"
    elif statistic == "test_only":
        text = {
            "decrease": "decreased",
            "increase": "increased",
            "improvement": "improved",
            "worsening": "worsened",
            "no_change": "no change",
        }[o["direction"]]
        text += " (no figures reported)"
    else:  # validation only admits the statistics above
        raise ValueError(f"unknown statistic {statistic!r}")
    if statistic not in ("percent", "count") and o.get("denominator"):
        text += f"; n = {o['denominator']} {o.get('denominator_unit') or ''}".rstrip()
    p = p_text(o.get("p_value"))
    if p:
        text += f", {p}"
    return text


def outcome_label(o: dict[str, Any]) -> str:
    when = f", {o['timepoint']}" if o.get("timepoint") else ""
    return f"{o['measure']}{when}"


CATEGORY_ORDER = {"overall": 0, "complete": 1, "partial": 2, "progression": 3}


def _by_year(studies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Studies oldest first, so results never depend on the order of rows in the CSV."""
    return sorted(studies, key=lambda s: (s.get("year") or 9999, s["study_id"]))


def _primary(studies: list[dict[str, Any]], modality_id: str) -> list[dict[str, Any]]:
    return _by_year([s for s in studies if s.get("modality_id") == modality_id and s["design"] != "narrative_review"])


def design_summary(primary: list[dict[str, Any]]) -> str:
    parts = [design_phrase(d, n) for d, n in design_counts(primary).items()]
    return ", ".join(parts) if parts else "no primary study"


def _regimen(s: dict[str, Any]) -> str:
    return s.get("regimen") or ""


def study_sentence(s: dict[str, Any], outcomes: list[dict[str, Any]], estimates: dict[str, Any]) -> str:
    design = DESIGN_PHRASES[s["design"]][0]
    article = "an" if design[0] in "aeiou" else "a"
    size = f"{s['patients']} patients"
    if s.get("lesions"):
        size += f" with {s['lesions']} lesions"
    regimen = f" treated with {lower_first(s['regimen'])}" if s.get("regimen") else ""
    findings = []
    repeated = {
        o["measure"]
        for o in outcomes
        if sum(1 for x in outcomes if x["measure"] == o["measure"] and x.get("time_days") is not None) > 1
    }
    done: set[str] = set()
    for o in outcomes:
        if o["measure"] in repeated:
            if o["measure"] not in done:
                done.add(o["measure"])
                series = sorted(
                    (x for x in outcomes if x["measure"] == o["measure"] and x.get("time_days") is not None),
                    key=lambda x: x["time_days"],
                )
                findings.append(trajectory_phrase(series))
            continue
        findings.append(f"{lower_first(outcome_label(o))}: {display(o, estimates.get(o['outcome_id']))}")
    return (
        f"In {article} {design} ({s['short_name']}) of {size}{regimen}, the authors reported "
        + "; ".join(findings)
        + "."
    )


def _main_pain(
    primary: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    estimates: dict[str, Any],
    groups: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The headline pain outcome, by rule: among the pain outcomes (a response with its interval,
    or a pain-score trajectory), the one with the most participants; only when there is none, the
    reported response categories without an interval (again the largest study's). Never an outcome
    of another domain. Ties keep a response before a trajectory, and the older study first."""
    patients = {s["study_id"]: s.get("patients") or 0 for s in primary}
    order = {s["study_id"]: i for i, s in enumerate(primary)}
    computable, reported = [], []
    for o in outcomes:
        if o["study_id"] in patients and o["domain"] == "pain_response" and o["outcome_id"] in estimates:
            text = f"{outcome_label(o)}: {display(o, estimates[o['outcome_id']])}"
            computable.append((estimates[o["outcome_id"]]["n"], 0, order[o["study_id"]], o, text))
    for study, points in _score_series(outcomes, patients).items():
        n = max((p.get("denominator") or 0 for p in points), default=0) or patients[study]
        text = trajectory_phrase(points)[0].upper() + trajectory_phrase(points)[1:]
        computable.append((n, 1, order[study], points[-1], text))
    for g in groups:
        if g["study_id"] in patients:
            parts = [f"{c['label'].lower()} {c['value_text']} %" for c in g["categories"]]
            text = ", ".join(parts)
            if g["derived_overall"]:
                text += f"; overall (complete + partial, derived) {g['derived_overall']['value_text']} %"
            text = text[0].upper() + text[1:] + " (denominator not stated; no CI computable)"
            first = next(o for o in outcomes if o["outcome_id"] == g["categories"][0]["outcome_id"])
            reported.append((patients[g["study_id"]], 0, order[g["study_id"]], first, text))
    ranked = sorted(computable or reported, key=lambda c: (-c[0], c[1], c[2]))
    if not ranked:
        return None
    _, _, _, o, text = ranked[0]
    return {"outcome_id": o["outcome_id"], "study_id": o["study_id"], "text": text}


def _score_series(outcomes: list[dict[str, Any]], patients: dict[str, int]) -> dict[str, list[dict[str, Any]]]:
    """Each primary study's pain scores over time, in time order (two points or more)."""
    series: dict[str, list[dict[str, Any]]] = {}
    for o in outcomes:
        if o["study_id"] in patients and o["domain"] == "pain_score" and o.get("time_days") is not None:
            if not o.get("value_qualifier"):
                series.setdefault(o["study_id"], []).append(o)
    return {k: sorted(v, key=lambda o: o["time_days"]) for k, v in series.items() if len(v) >= 2}


def _domain_texts(
    primary_ids: set[str], outcomes: list[dict[str, Any]], estimates: dict[str, Any], domains: tuple[str, ...]
) -> list[dict[str, Any]]:
    return [
        {
            "outcome_id": o["outcome_id"],
            "study_id": o["study_id"],
            "text": f"{outcome_label(o)}: {display(o, estimates.get(o['outcome_id']))}",
        }
        for o in outcomes
        if o["study_id"] in primary_ids and o["domain"] in domains
    ]


def build_summary(evidence: dict[str, Any]) -> dict[str, Any]:
    """The whole summary of one modality from its evidence slice (see evidence.write_slice)."""
    modality = evidence["modality"]
    modality_id = evidence["modality_id"]
    settings = evidence.get("settings", {})
    studies = evidence["studies"]
    primary = _primary(studies, modality_id)
    primary_ids = {s["study_id"] for s in primary}
    reviews = _by_year([s for s in studies if s["design"] == "narrative_review"])
    outcomes = sorted(
        (o for o in evidence["outcomes"] if o["study_id"] in primary_ids),
        key=lambda o: (
            o["study_id"],
            DOMAIN_ORDER.index(o["domain"]),
            o.get("time_days") or 0,
            CATEGORY_ORDER.get(o.get("icpr_category"), 9),
            o["outcome_id"],
        ),
    )
    estimates = {o["outcome_id"]: est for o in outcomes if (est := effects.proportion_estimate(o))}
    for o in outcomes:
        o["display"] = display(o, estimates.get(o["outcome_id"]))
        o["label"] = outcome_label(o)
        o["domain_label"] = DOMAIN_LABELS[o["domain"]]
        o["estimate"] = estimates.get(o["outcome_id"])
    groups = effects.response_categories(outcomes)
    trajectories = {d: effects.trajectory(outcomes, d) for d in ("pain_score", "opioid_dose")}
    pooled = pooling.pool_outcomes(outcomes, estimates, settings.get("timepoint_windows", {}))
    size = evidence_size(outcomes, primary, pooled)
    ratings = certainty.rate_modality(studies, evidence["certainty"], size)
    study_names = {s["study_id"]: s for s in studies}

    figure_list = []
    if groups:
        figure_list += figures.response_figures(f"fig-{modality_id}-response", groups, study_names, estimates)
    if trajectories["pain_score"]:
        figure_list.append(
            figures.trajectory_figure(
                f"fig-{modality_id}-pain",
                trajectories["pain_score"],
                study_names,
                "Pain score over time",
                "Pain score (0–10)",
            )
        )
    if trajectories["opioid_dose"]:
        figure_list.append(
            figures.trajectory_figure(
                f"fig-{modality_id}-opioid",
                trajectories["opioid_dose"],
                study_names,
                "Opioid use over time",
                "Oral morphine equivalent (mg/day)",
            )
        )
    by_id = {o["outcome_id"]: o for o in outcomes}
    for number, entry in enumerate(p for p in pooled if p["result"]):
        entry["figure_id"] = f"fig-{modality_id}-forest-{number + 1}"
        figure_list += forest(entry, by_id, estimates, study_names)

    sentences = [
        {
            "text": study_sentence(s, [o for o in outcomes if o["study_id"] == s["study_id"]], estimates),
            "study_id": s["study_id"],
        }
        for s in primary
    ]
    for rating in ratings:
        label = DOMAIN_LABELS[rating["domain"]].lower()
        sentences.append(
            {
                "text": f"Certainty of the evidence on {label}: {rating['level_text']} ({rating['symbols']}). "
                + certainty.conclusion(rating["level_text"], lower_first(modality["name"]), label)[:-1]
                + ".",
                "study_id": None,
            }
        )
    patients = sum(s.get("patients") or 0 for s in primary)
    result = {
        "modality_id": modality_id,
        "modality": modality,
        "kind": "quantitative" if primary else "narrative",
        "primary_studies": primary,
        "reviews": reviews,
        "patients": patients,
        "designs": design_summary(primary),
        "outcomes": outcomes,
        "estimates": estimates,
        "response_groups": groups,
        "trajectories": trajectories,
        "pooled": pooled,
        "certainty": ratings,
        "evidence_size": size,
        "figures": figure_list,
        "sentences": sentences,
        "statements": evidence["statements"],
        "main_pain": _main_pain(primary, outcomes, estimates, groups),
        "unpooled": pooling.unpooled(outcomes, estimates, settings.get("timepoint_windows", {}), pooled),
        "durability": _domain_texts(primary_ids, outcomes, estimates, ("durability", "pain_control", "relapse")),
        "safety": _domain_texts(primary_ids, outcomes, estimates, ("toxicity", "neurological")),
        "overall_certainty": min(ratings, key=lambda r: r["level"]) if ratings else None,
    }
    result["sof"] = sof.rows_for_modality(result)
    return result


def evidence_size(
    outcomes: list[dict[str, Any]], primary: list[dict[str, Any]], pooled: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per outcome domain: participants (largest denominator per study, else its size), studies,
    and the largest I² of its pooled results; what the build's GRADE proposals rest on."""
    studies = {s["study_id"]: s for s in primary}
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for o in outcomes:
        by_domain.setdefault(o["domain"], []).append(o)
    result = {}
    for domain, rows in by_domain.items():
        n, k = sof.participants(rows, studies)
        i2s = [p["result"]["i2"] for p in pooled if p["domain"] == domain and p["result"]]
        result[domain] = {"participants": n, "studies": k, "i2": max(i2s) if i2s else None}
    return result


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
            half = 1.959963984540054 * o["sd"] / o["denominator"] ** 0.5
            row = {
                "estimate": o["value"],
                "ci_low": o["value"] - half,
                "ci_high": o["value"] + half,
                "n_text": str(o["denominator"]),
            }
        rows.append({"label": studies[o["study_id"]]["short_name"], "weight": weight, **row})
    title = f"{entry['label']}, {entry['window']}: random-effects meta-analysis"
    return figures.forest_figures(
        entry["figure_id"], title, rows, entry["result"], "proportion" if entry["kind"] == "proportion" else "mean"
    )


def write_summary(summary: dict[str, Any], summary_path: str, figures_dir: str) -> None:
    """The summary JSON and each figure as its own SVG file, written so that a crash leaves no
    half-written JSON behind."""
    from pathlib import Path

    from .evidence import write_json
    from .publish import write_atomic

    Path(figures_dir).mkdir(parents=True, exist_ok=True)
    for figure in summary["figures"]:
        write_atomic(Path(figures_dir) / f"{figure['id']}.svg", figure["svg"])
    write_json(summary_path, summary)
