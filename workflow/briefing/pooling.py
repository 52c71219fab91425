"""Which outcomes of one modality may be pooled, and the pooled results.

Pooling only within a modality, only for the same outcome definition, statistic and a comparable
time point (the windows come from the config). One study: reported, not pooled.
"""

from __future__ import annotations

from typing import Any

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
        if window is None:
            continue
        groups.setdefault((o["domain"], _definition(o), kind, window["label"]), []).append(o)

    results = []
    for (domain, definition, kind, window), rows in sorted(groups.items()):
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
            "result": None,
            "sensitivity": None,
        }
        if len(studies) < 2:
            entry["note"] = "one study: reported as it stands, nothing pooled"
        elif len(rows) != len(studies):
            entry["note"] = "a study reports this outcome more than once in the window; not pooled"
        elif kind == "proportion":
            from . import meta  # scipy and statsmodels: imported only when something is pooled

            events = [estimates[o["outcome_id"]]["events"] for o in rows]
            ns = [estimates[o["outcome_id"]]["n"] for o in rows]
            entry["result"] = meta.pool_proportions(events, ns, transform="logit", method="REML").to_dict()
            entry["sensitivity"] = meta.pool_proportions(events, ns, transform="logit", method="DL").to_dict()
            entry["note"] = "random effects (REML) on logit proportions; DerSimonian–Laird as sensitivity analysis"
        else:
            from . import meta

            means = [o["value"] for o in rows]
            sds = [o["sd"] for o in rows]
            ns = [o["denominator"] for o in rows]
            entry["result"] = meta.pool_means(means, sds, ns, method="REML").to_dict()
            entry["sensitivity"] = meta.pool_means(means, sds, ns, method="DL").to_dict()
            entry["note"] = "random effects (REML), inverse-variance weights; DerSimonian–Laird as sensitivity analysis"
        results.append(entry)
    return results
