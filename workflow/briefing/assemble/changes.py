"""What changed since the previous edition. It leads with a short summary per modality (studies
added or removed, the headline and the certainty ratings that moved, old -> new), then lists every
study, figure, pooled estimate, certainty rating and review statement added, removed or changed,
under the labels a reader knows (never an internal id), old and new values side by side.

Both editions are compared through their `briefing.json`, read through one model
(`models.Edition`: what an older edition lacks takes a default), so any published edition can
serve as the previous one, whichever code built it. Every old value comes from the previous edition's
`briefing.json`, which is named (date, data checksum, where it was read): that is the provenance
the numeric audit accepts for it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from briefing.assemble.registry import STUDY_FIELD_LABELS
from briefing.core import numbers
from briefing.schema.models import Edition, EditionFigure, EditionModality, EditionRating


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


# ----------------------------------------------------------------------------- labels
class Names:
    """Human names for the ids of one edition: studies by their short name, modalities by name."""

    def __init__(self, *editions: Edition) -> None:
        self.studies: dict[str, str] = {}
        self.modalities: dict[str, str] = {}
        # A figure's label by its id, the newer edition's first: an older edition that published
        # none (a study's field, an arm's patients) reads as the newer one, so nothing looks changed.
        self.labels: dict[str, str] = {}
        for edition in editions:
            for ref in edition.references:
                self.studies.setdefault(ref.study_id, ref.short_name or _authors(ref.text))
            for m in edition.modalities:
                self.modalities.setdefault(m.modality_id, m.name or m.modality_id)
            for f in edition.figures:
                if f.label:
                    self.labels.setdefault(f.id, f.label)

    def study(self, study_id: str | None) -> str:
        return self.studies.get(study_id or "", study_id or "")

    def modality(self, modality_id: str | None) -> str:
        return self.modalities.get(modality_id or "", "All modalities") if modality_id else "All modalities"

    def figure(self, f: EditionFigure) -> str:
        field = STUDY_FIELD_LABELS.get(f.field or "") or (f.field or "").replace("_", " ")
        what = f.label or self.labels.get(f.id) or field
        if f.timepoint and not what.endswith(f.timepoint):  # outcome labels carry it already
            what = f"{what}, {f.timepoint}"
        scope = self.study(f.study_id) if f.study_id else self.modality(f.modality_id)
        return f"{scope}: {what}"


def _authors(vancouver: str) -> str:
    """An old edition's reference has no short name: its first author, from the citation."""
    first = vancouver.split(",")[0].split(".")[0].strip()
    return first.rsplit(" ", 1)[0] if " " in first else first


# ----------------------------------------------------------------------------- what is compared
def _figures_by_label(edition: Edition, names: Names) -> dict[str, EditionFigure]:
    """Stated and derived figures (not pooled results) under their readers' labels: the same
    figure has the same label in editions built by different code, where internal ids may differ.
    A label shared by two figures keeps its id."""
    figures = [f for f in edition.figures if f.result is None]
    labels = [names.figure(f) for f in figures]
    return {
        label if labels.count(label) == 1 else f"{label} [{f.id}]": f for label, f in zip(labels, figures, strict=True)
    }


def _value(entry: EditionFigure) -> str:
    parts = []
    if entry.value_text is not None:
        unit = f" {entry.unit}" if entry.unit == "%" else ""
        parts.append(f"{entry.value_qualifier or ''} {entry.value_text}{unit}".strip())
    if entry.sd_text:
        parts.append(numbers.sd(entry.sd_text))
    if entry.events is not None and entry.denominator is not None:
        parts.append(f"{entry.events}/{entry.denominator}")
    elif entry.denominator is not None:
        parts.append(f"n = {entry.denominator}")
    if entry.ci_low_text is not None:  # as the edition printed them: never re-rounded
        assert entry.ci_high_text is not None, "the register writes a CI's two bounds together"
        parts.append(numbers.ci_text(entry.ci_low_text, entry.ci_high_text))
    if entry.p_value:
        parts.append(numbers.p_value(entry.p_value))
    return "; ".join(parts) or "—"


def _pooled(edition: Edition) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (m.modality_id, f"{p.label or p.definition}, {p.window}"): p.result
        for m in edition.modalities
        for p in m.pooled
        if p.result
    }


def _pooled_text(result: dict[str, Any]) -> str:
    """A pooled result of either edition, printed by today's rule, so that only a changed
    estimate shows as a change."""
    if result.get("estimate_prop") is not None:
        estimate = f"{numbers.percent(result['estimate_prop'])} %"
        ci = numbers.ci(result["ci_low_prop"], result["ci_high_prop"])
    else:
        estimate = numbers.mean(result["estimate"])
        ci = numbers.ci(result["ci_low"], result["ci_high"], scale="mean")
    return f"{estimate} ({ci}), k = {result['k']}"


def _ratings(edition: Edition) -> dict[tuple[str, str], EditionRating]:
    """Each body of evidence's rating, by modality and body (an older edition's, by its domain)."""
    return {(m.modality_id, _body(r)): r for m in edition.modalities for r in m.certainty}


def _body(r: EditionRating) -> str:
    # A modality's evidence alone keeps its domain as id, as editions before bodies of evidence.
    question = r.key.rpartition(":")[0]
    return f"{r.domain}-vs-{question.partition('-vs-')[2]}" if "-vs-" in question else r.domain


def _level(rating: EditionRating) -> str:
    return f"{rating.symbols} {rating.level_text}"


def _reasons(rating: EditionRating) -> dict[str, tuple[int | None, str]]:
    return {f.label or f.factor: (f.judgement, f.reason) for f in rating.factors}


def _rating_changes(old: Edition, new: Edition, label: Callable[[Any, Any], str]) -> dict[str, list[dict[str, Any]]]:
    """Certainty ratings added, removed and changed: a rating changed when its level did or when
    any of its reasons (a factor's judgement or its words) did; the reasons that changed are named."""
    before, after = _ratings(old), _ratings(new)
    diff = _diff(before, after, _level, label)
    for key in sorted(before.keys() & after.keys()):
        was, now = _reasons(before[key]), _reasons(after[key])
        moved = [factor for factor in dict.fromkeys([*now, *was]) if was.get(factor) != now.get(factor)]
        if moved and _level(before[key]) == _level(after[key]):
            reasons = f"{_level(after[key])}; reasons changed: {', '.join(f.lower() for f in moved)}"
            diff["changed"].append({"id": ":".join(key), "label": label(key, after[key]), "old": _level(before[key])})
            diff["changed"][-1]["new"] = reasons
    diff["changed"].sort(key=lambda c: c["id"])
    return diff


def _diff(
    old: dict[Any, Any], new: dict[Any, Any], show: Callable[[Any], str], label: Callable[[Any, Any], str]
) -> dict[str, list[dict[str, Any]]]:
    """Added, removed and changed items, each with its id, a human label and its shown values;
    an item whose shown value is the same in both editions is not a change."""

    def item(key: Any, entry: Any, **values: str) -> dict[str, Any]:
        found = entry.id if isinstance(entry, EditionFigure) else None
        key_text = key if isinstance(key, str) else ":".join(key)
        return {"id": found or key_text, "label": label(key, entry), **values}

    return {
        "added": [item(k, new[k], new=show(new[k])) for k in sorted(new.keys() - old.keys())],
        "removed": [item(k, old[k], old=show(old[k])) for k in sorted(old.keys() - new.keys())],
        "changed": [
            item(k, new[k], old=show(old[k]), new=show(new[k]))
            for k in sorted(old.keys() & new.keys())
            if show(old[k]) != show(new[k])
        ],
    }


def _domain_labels(*editions: Edition) -> dict[str, str]:
    """The label each edition's summary of findings gives a domain, the newer edition's first."""
    labels: dict[str, str] = {}
    for edition in editions:
        for m in edition.modalities:
            for r in m.summary_of_findings:
                labels.setdefault(r.domain, r.domain_label or r.domain.replace("_", " "))
    return labels


def _sections(
    previous: Edition, current: Edition, names: Names, figures: tuple[dict[str, Any], dict[str, Any]]
) -> dict[str, Any]:
    domain_label = _domain_labels(current, previous)
    studies_before, studies_now = ({r.study_id: r for r in e.references} for e in (previous, current))
    # An edition from before statements were published is compared as if it had this edition's.
    before = previous.statements if previous.statements is not None else current.statements
    statements_before, statements_now = (
        {s.statement_id: s for s in edition or []} for edition in (before, current.statements)
    )
    return {
        "studies": _diff(studies_before, studies_now, lambda r: r.text, lambda k, r: names.study(k)),
        "figures": _diff(*figures, _value, lambda k, f: k),
        "pooled": _diff(
            _pooled(previous), _pooled(current), _pooled_text, lambda k, r: f"{names.modality(k[0])}: {k[1]}"
        ),
        "certainty": _rating_changes(
            previous,
            current,
            lambda k, r: f"{names.modality(k[0])}: {r.label or domain_label.get(k[1], k[1].replace('_', ' '))}",
        ),
        "statements": _diff(
            statements_before,
            statements_now,
            lambda s: s.statement,
            lambda k, s: f"{names.study(s.study_id)}, {s.topic or 'statement'}",
        ),
    }


# ----------------------------------------------------------------------------- per modality
def per_modality(
    previous: Edition,
    current: Edition,
    sections: dict[str, Any],
    names: Names,
    figures: dict[str, EditionFigure],
) -> list[dict[str, Any]]:
    """For each modality that changed: studies added or removed, its headline and certainty
    ratings old -> new, and how many of its figures changed."""
    before = {m.modality_id: m for m in previous.modalities}
    after = {m.modality_id: m for m in current.modalities}
    out = []
    for modality_id in list(after) + [m for m in before if m not in after]:
        old, new = before.get(modality_id), after.get(modality_id)
        lines = _study_lines(old, new, names) + _certainty_lines(modality_id, sections)
        moved = sum(
            1
            for kind in ("added", "removed", "changed")
            for f in sections["figures"][kind]
            if figures[f["label"]].modality_id == modality_id
        )
        if moved and lines:
            lines.append(f"Figures added, removed or changed: {moved} (listed below).")
        elif moved:
            lines.append(f"Figures changed: {moved} (listed below); no study added or removed.")
        if lines:
            out.append({"modality_id": modality_id, "name": names.modality(modality_id), "lines": lines})
    return out


def _study_lines(old: EditionModality | None, new: EditionModality | None, names: Names) -> list[str]:
    """Studies added and removed, patients and the headline, old -> new."""
    lines = []
    added = [s for s in _all_studies(new) if s not in _all_studies(old)]
    removed = [s for s in _all_studies(old) if s not in _all_studies(new)]
    if added:
        lines.append("Studies added: " + ", ".join(names.study(s) for s in added) + ".")
    if removed:
        lines.append("Studies removed: " + ", ".join(names.study(s) for s in removed) + ".")
    if old and new and old.patients != new.patients:
        lines.append(f"Patients in its primary studies: {old.patients} → {new.patients}.")
    if old and new and old.has_headline and old.headline != new.headline:
        lines.append(_headline_line(old, new))
    return lines


def _headline_line(old: EditionModality, new: EditionModality) -> str:
    """Old -> new only for one figure: a headline that now quotes another figure (another study,
    arm, subgroup or measure) says so, and is no change of the modality's effect."""
    ids = old.headline_outcome_id, new.headline_outcome_id
    if (ids[0] is not None and ids[0] == ids[1]) or not (old.headline and new.headline):
        return f"Headline result: {old.headline or 'none'} → {new.headline or 'none'}."
    text = f"Headline result: now {new.headline}; previously {old.headline}."
    # An edition from before headlines were identified cannot tell; two known ids can.
    return text + (" These are different figures, not one figure that changed." if None not in ids else "")


def _certainty_lines(modality_id: str, sections: dict[str, Any]) -> list[str]:
    lines = []
    for kind in ("changed", "added", "removed"):
        for c in sections["certainty"][kind]:
            if c["id"].startswith(f"{modality_id}:"):
                old_new = f"{c.get('old') or 'not rated'} → {c.get('new') or 'not rated'}"
                lines.append(f"Certainty, {c['label'].split(': ', 1)[1]}: {old_new}.")
    return lines


def _all_studies(modality: EditionModality | None) -> list[str]:
    return modality.studies + modality.reviews if modality else []


# ----------------------------------------------------------------------------- the section
def compare(
    previous: dict[str, Any] | None,
    current: dict[str, Any],
    note: str | None = None,
    location: str | None = None,
) -> dict[str, Any]:
    """The what-changed section; `first_edition` when there is nothing to compare with. Both
    editions are briefing.json as published."""
    if previous is None:
        return {
            "first_edition": True,
            "note": note,
            "summary": note or "This is the first edition: there is no earlier edition to compare with.",
            "short": "this is the first edition.",
        }
    old, new = Edition.model_validate(previous), Edition.model_validate(current)
    names = Names(new, old)
    figures = (_figures_by_label(old, names), _figures_by_label(new, names))
    sections = _sections(old, new, names, figures)
    counts = {name: {kind: len(items) for kind, items in diff.items()} for name, diff in sections.items()}
    source = {"build_date": old.build_date, "package": old.package, "location": location}
    return {
        "first_edition": False,
        "previous": source,
        "previous_date": source["build_date"],
        "previous_checksum": source["package"],
        "sections": sections,
        "counts": counts,
        "per_modality": per_modality(old, new, sections, names, {**figures[0], **figures[1]}),
        "summary": summary(old, counts),
        "short": short_summary(old, counts),
        "note": note,
    }


def _phrase(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def summary(previous: Edition, counts: dict[str, dict[str, int]]) -> str:
    parts = []
    s = counts["studies"]
    if s["added"] or s["removed"]:
        parts.append(f"{_phrase(s['added'], 'study', 'studies')} added and {s['removed']} removed")
    if s["changed"]:
        parts.append(f"{_phrase(s['changed'], 'reference', 'references')} corrected")
    for name, singular, plural in (
        ("figures", "figure", "figures"),
        ("pooled", "pooled estimate", "pooled estimates"),
        ("certainty", "certainty rating", "certainty ratings"),
        ("statements", "review statement", "review statements"),
    ):
        c = counts.get(name, {"added": 0, "removed": 0, "changed": 0})
        if c["added"] or c["removed"] or c["changed"]:
            parts.append(
                f"{_phrase(c['added'], singular, plural)} added, {c['removed']} removed and {c['changed']} changed"
            )
    since = f"Since the edition of {previous.build_date or 'an unknown date'} (data {(previous.package or '')[:12]})"
    if not parts:
        return f"{since}, the evidence shown is unchanged."
    return f"{since}: " + "; ".join(parts) + "."


def short_summary(previous: Edition, counts: dict[str, dict[str, int]]) -> str:
    """The one line the bottom line carries: studies added or removed, else what else moved."""
    s = counts["studies"]
    if s["added"] or s["removed"]:
        moved = f"{_phrase(s['added'], 'study', 'studies')} added, {s['removed']} removed"
    elif any(sum(c.values()) for c in counts.values()):
        moved = "figures or ratings changed, no study added or removed"
    else:
        moved = "nothing changed in the evidence shown"
    return f"since the edition of {previous.build_date or 'an unknown date'}, {moved}."


def surveillance_changes(previous: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any]:
    """What changed in the evidence base: the records screened since the previous edition (every
    record, in a first edition) with their decisions, and the trials whose registry status changed."""
    before = (previous or {}).get("surveillance") or {}
    seen = {r["record_id"] for r in before.get("records", [])}
    status = {t["nct_id"]: t["status_label"] for t in before.get("trials", [])}
    now = current["surveillance"]
    return {
        "screened": [r for r in now["records"] if r["record_id"] not in seen],
        "status_changes": [
            {"nct_id": t["nct_id"], "title": t["title"], "before": status[t["nct_id"]], "after": t["status_label"]}
            for t in now["trials"]
            if t["nct_id"] in status and status[t["nct_id"]] != t["status_label"]
        ],
    }
