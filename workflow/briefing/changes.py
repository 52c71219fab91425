"""What changed since the previous edition: studies, figures, pooled estimates and certainty
ratings added, removed or changed, old and new values side by side, and a one-paragraph summary.

Both editions are compared through their `briefing.json`, so any published edition can serve as
the previous one, whichever code built it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

# The fields of a figure entry that carry its value; a change in any of them is a changed figure.
VALUE_FIELDS = (
    "value_text",
    "sd_text",
    "events",
    "denominator",
    "ci_low_text",
    "ci_high_text",
    "p_value",
    "unit",
    "timepoint",
)


def load_previous(location: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """The previous edition's briefing.json from a path or URL, and a note when none was found
    (a first edition has none; that is not an error)."""
    if not location:
        return None, None
    try:
        if location.startswith(("http://", "https://", "file://")):
            with urllib.request.urlopen(location, timeout=30) as response:  # noqa: S310 - configured by the author
                return json.loads(response.read().decode("utf-8")), None
        path = Path(location)
        if not path.is_file():
            return None, f"No previous edition found at {location}; this is treated as a first edition."
        return json.loads(path.read_text(encoding="utf-8")), None
    except (urllib.error.URLError, TimeoutError) as exc:
        return (
            None,
            f"The previous edition could not be fetched from {location} ({exc}); this is treated as a first edition.",
        )


def _studies(edition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["study_id"]: r for r in edition.get("references", [])}


def _figures(edition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in edition.get("figures", []) if "result" not in f}


def _value(entry: dict[str, Any]) -> str:
    parts = []
    if entry.get("value_text") is not None:
        parts.append(str(entry["value_text"]) + (f" {entry['unit']}" if entry.get("unit") in ("%",) else ""))
    if entry.get("sd_text"):
        parts.append(f"SD {entry['sd_text']}")
    if entry.get("events") is not None and entry.get("denominator") is not None:
        parts.append(f"{entry['events']}/{entry['denominator']}")
    elif entry.get("denominator") is not None:
        parts.append(f"n = {entry['denominator']}")
    if entry.get("ci_low_text") is not None:
        parts.append(f"95 % CI {entry['ci_low_text']} to {entry['ci_high_text']} %")
    if entry.get("p_value"):
        parts.append(f"p {entry['p_value']}")
    return "; ".join(parts) or "—"


def _pooled(edition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for m in edition.get("modalities", []):
        for p in m.get("pooled", []):
            if p.get("result"):
                found[f"{m['modality_id']}: {p.get('label', p['definition'])}, {p['window']}"] = p["result"]
    return found


def _pooled_text(result: dict[str, Any]) -> str:
    if result.get("estimate_prop") is not None:
        return (
            f"{result['estimate_prop'] * 100:.1f} % (95 % CI {result['ci_low_prop'] * 100:.1f} to "
            f"{result['ci_high_prop'] * 100:.1f} %), k = {result['k']}"
        )
    return f"{result['estimate']:.2f} (95 % CI {result['ci_low']:.2f} to {result['ci_high']:.2f}), k = {result['k']}"


def _ratings(edition: dict[str, Any]) -> dict[str, str]:
    return {
        f"{m['modality_id']}: {r['domain'].replace('_', ' ')}": f"{r['symbols']} {r['level_text']}"
        for m in edition.get("modalities", [])
        for r in m.get("certainty", [])
    }


def _diff(old: dict[str, Any], new: dict[str, Any], show) -> dict[str, list[dict[str, Any]]]:
    return {
        "added": [{"id": k, "new": show(new[k])} for k in sorted(new.keys() - old.keys())],
        "removed": [{"id": k, "old": show(old[k])} for k in sorted(old.keys() - new.keys())],
        "changed": [
            {"id": k, "old": show(old[k]), "new": show(new[k])}
            for k in sorted(old.keys() & new.keys())
            if show(old[k]) != show(new[k])
        ],
    }


def compare(previous: dict[str, Any] | None, current: dict[str, Any], note: str | None = None) -> dict[str, Any]:
    """The what-changed section; `first_edition` when there is nothing to compare with."""
    if previous is None:
        return {
            "first_edition": True,
            "note": note,
            "summary": note or "This is the first edition: there is no earlier edition to compare with.",
        }
    studies = _diff(_studies(previous), _studies(current), lambda r: r["text"])
    figures = _diff(
        {k: v for k, v in _figures(previous).items()},
        _figures(current),
        lambda f: f"{f.get('label') or f.get('field', '')}: {_value(f)}",
    )
    pooled = _diff(_pooled(previous), _pooled(current), _pooled_text)
    certainty = _diff(_ratings(previous), _ratings(current), lambda r: r)
    sections = {"studies": studies, "figures": figures, "pooled": pooled, "certainty": certainty}
    counts = {name: {kind: len(items) for kind, items in diff.items()} for name, diff in sections.items()}
    return {
        "first_edition": False,
        "previous_date": previous.get("build_date"),
        "previous_checksum": previous.get("provenance", {}).get("data", {}).get("package"),
        "sections": sections,
        "counts": counts,
        "summary": summary(previous, counts),
        "note": note,
    }


def _phrase(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def summary(previous: dict[str, Any], counts: dict[str, dict[str, int]]) -> str:
    date = previous.get("build_date", "an unknown date")
    checksum = (previous.get("provenance", {}).get("data", {}).get("package") or "")[:12]
    parts = []
    s, f, p, c = counts["studies"], counts["figures"], counts["pooled"], counts["certainty"]
    if s["added"] or s["removed"]:
        parts.append(f"{_phrase(s['added'], 'study', 'studies')} added and {s['removed']} removed")
    if s["changed"]:
        parts.append(f"{_phrase(s['changed'], 'reference', 'references')} corrected")
    if f["added"] or f["removed"] or f["changed"]:
        parts.append(
            f"{_phrase(f['added'], 'figure', 'figures')} added, {f['removed']} removed and {f['changed']} changed"
        )
    if p["added"] or p["removed"] or p["changed"]:
        parts.append(
            _phrase(p["added"] + p["removed"] + p["changed"], "pooled estimate", "pooled estimates")
            + " new, dropped or changed"
        )
    if c["added"] or c["removed"] or c["changed"]:
        parts.append(
            _phrase(c["added"] + c["removed"] + c["changed"], "certainty rating", "certainty ratings")
            + " new, dropped or changed"
        )
    since = f"Since the edition of {date} (data {checksum})"
    if not parts:
        return f"{since}, the evidence shown is unchanged."
    return f"{since}: " + "; ".join(parts) + ". The details, with old and new values, are in the section What changed."
