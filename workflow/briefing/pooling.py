"""Which outcomes of one modality may be pooled, and the pooled results.

Pooling only within a modality, only for the same outcome definition, statistic and a comparable
time point (the windows come from the config). One study: reported, not pooled.
"""

from __future__ import annotations

from typing import Any

from .vocabulary import DOMAINS

DEFAULT_WINDOW = {"label": "time point not stated", "min_days": None, "max_days": None}


def window_for(time_days: float | None, windows: list[dict[str, Any]]) -> dict[str, Any] | None:
    if time_days is None:
        return DEFAULT_WINDOW
    for w in windows:
        if w["min_days"] <= time_days <= w["max_days"]:
            return w
    return None


def _definition(o: dict[str, Any]) -> str:
    """Outcomes count as the same only when their definition matches: the ICPR category where the
    source's term plainly maps to one, otherwise the measure as named."""
    return o.get("icpr_category") or o["measure"]


def pool_outcomes(
    outcomes: list[dict[str, Any]], estimates: dict[str, Any], windows: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """One entry per group of comparable outcomes, pooled where two or more studies allow it."""
    results = []
    for (domain, definition, kind, window), rows in sorted(_comparable(outcomes, estimates, windows).items()):
        studies = sorted({o["study_id"] for o in rows})
        entry: dict[str, Any] = {
            "domain": domain,
            "definition": definition,
            "label": rows[0]["measure"],
            "kind": kind,
            "window": window,
            "outcome_ids": [o["outcome_id"] for o in rows],
            "studies": studies,
            "k": len(studies),
        }
        if len(studies) < 2:
            note = "one study: reported as it stands, nothing pooled"
        elif len(rows) != len(studies):
            note = "a study reports this outcome more than once in the window; not pooled"
        else:
            results.append(entry | _pooled(kind, rows, estimates))
            continue
        results.append(entry | {"result": None, "sensitivity": None, "note": note})
    return results


def _comparable(
    outcomes: list[dict[str, Any]], estimates: dict[str, Any], windows: dict[str, list[dict[str, Any]]]
) -> dict[tuple[str, str, str, str], list[dict[str, Any]]]:
    """Outcomes that may be pooled, by domain, definition, kind (proportion or mean) and window."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for o in outcomes:
        if o["outcome_id"] in estimates:
            kind = "proportion"
        elif (
            o["statistic"] == "mean"
            and o.get("sd") is not None
            and o.get("denominator")
            and not o.get("value_qualifier")  # a bound cannot be pooled
        ):
            kind = "mean"
        else:
            continue
        window = window_for(o.get("time_days"), windows.get(o["domain"], []))
        if window is not None and not o.get("subgroup"):  # a subgroup never pools with whole groups
            groups.setdefault((o["domain"], _definition(o), kind, window["label"]), []).append(o)
    return groups


def _pooled(kind: str, rows: list[dict[str, Any]], estimates: dict[str, Any]) -> dict[str, Any]:
    """The REML result, the DerSimonian–Laird sensitivity analysis and how they were made."""
    from . import meta  # scipy and statsmodels: imported only when something is pooled

    if kind == "proportion":
        events = [estimates[o["outcome_id"]]["events"] for o in rows]
        ns = [estimates[o["outcome_id"]]["n"] for o in rows]
        return {
            "result": meta.pool_proportions(events, ns, transform="logit", method="REML").to_dict(),
            "sensitivity": meta.pool_proportions(events, ns, transform="logit", method="DL").to_dict(),
            "note": "random effects (REML) on logit proportions; DerSimonian–Laird as sensitivity analysis",
        }
    means, sds, ns = [o["value"] for o in rows], [o["sd"] for o in rows], [o["denominator"] for o in rows]
    return {
        "result": meta.pool_means(means, sds, ns, method="REML").to_dict(),
        "sensitivity": meta.pool_means(means, sds, ns, method="DL").to_dict(),
        "note": "random effects (REML), inverse-variance weights; DerSimonian–Laird as sensitivity analysis",
    }


def unpooled(
    outcomes: list[dict[str, Any]],
    estimates: dict[str, Any],
    windows: dict[str, list[dict[str, Any]]],
    pooled: list[dict[str, Any]],
) -> list[dict[str, str]]:
    """Why each pain outcome was not pooled, in a reader's words: what "nothing pooled" rests on."""
    reasons = []
    for o in outcomes:
        if DOMAINS[o["domain"]].role != "pain":
            continue
        entry = next((p for p in pooled if o["outcome_id"] in p["outcome_ids"]), None)
        if entry is not None and entry["result"]:
            continue
        missing = []
        if o.get("value_qualifier"):
            missing.append("stated as a bound")
        elif DOMAINS[o["domain"]].shape == "response" and o["outcome_id"] not in estimates:
            missing.append(
                "no denominator stated" if not o.get("denominator") else "no count reproduces the percentage"
            )
        elif DOMAINS[o["domain"]].shape == "series":
            if o.get("sd") is None:
                missing.append("no SD stated")
            if not o.get("denominator"):
                missing.append("no number assessed stated")
        if o.get("time_days") is None:
            missing.append("no time point (time_days)")
        elif window_for(o["time_days"], windows.get(o["domain"], [])) is None:
            missing.append("time point outside the pooling windows")
        if not missing:
            missing.append("one study only" if entry is None or entry["k"] < 2 else entry["note"])
        why = " and ".join(missing)
        reasons.append(
            {"outcome_id": o["outcome_id"], "study_id": o["study_id"], "measure": o["measure"], "reason": why}
        )
    return reasons


def compared(outcomes: list[dict[str, Any]], paired: set[str]) -> list[dict[str, str]]:
    """The pain outcomes analysed as comparisons between a trial's arms, which single-arm pooling leaves out."""
    return [
        {
            "outcome_id": o["outcome_id"],
            "study_id": o["study_id"],
            "measure": o["measure"],
            "reason": "compared between the trial's arms (see the comparative summary of findings)",
        }
        for o in outcomes
        if o["outcome_id"] in paired and DOMAINS[o["domain"]].role == "pain"
    ]
