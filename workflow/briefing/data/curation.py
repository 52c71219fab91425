"""Rules that keep a curator's edit from changing the briefing by accident: the same study entered
twice, a table emptied, a primary study without any figure, and (against the previous edition) a
change that would make many published figures vanish at once. Each is an error with the rows
involved and the way out; `curation:` in the config says which removals are intended.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from briefing.core import numbers
from briefing.core.vocabulary import DESIGNS

DEFAULTS: dict[str, Any] = {
    "allow_empty_tables": [],
    "studies_without_outcomes": [],
    "max_removed_share": 0.2,
    "confirm_removal": False,
}
# Tables whose rows carry the evidence: emptying one would publish a briefing without it.
EVIDENCE_TABLES = ("studies", "outcomes", "statements", "certainty")
IDENTIFIERS = ("pmid", "doi", "pmcid")

Add = Callable[[str, int | None, str | None, str], None]


def settings(config: dict[str, Any] | None) -> dict[str, Any]:
    return DEFAULTS | ((config or {}).get("curation") or {})


def _title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def _distinct(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether the curator has marked the two rows as distinct reports (either way round)."""

    def marks(s: dict[str, Any]) -> set[str]:
        return {x.strip() for x in (s.get("distinct_from") or "").split(";") if x.strip()}

    return b["study_id"] in marks(a) or a["study_id"] in marks(b)


def duplicate_studies(studies: list[tuple[int, dict[str, Any]]], outcomes: list[tuple[int, dict[str, Any]]], add: Add):
    """The same study entered twice: the same PMID, DOI or PMCID, the same title and year, or the
    same number of patients with three or more identical figures (at least half of either's)."""
    seen: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    figures: dict[str | None, set[tuple[Any, ...]]] = defaultdict(set)
    for _, o in outcomes:
        figures[o.get("study_id")].add((o.get("domain"), o.get("statistic"), str(o.get("value")), o.get("denominator")))
    reported: set[tuple[str, str]] = set()

    def report(n: int, s: dict[str, Any], column: str, first: tuple[int, dict[str, Any]], why: str) -> None:
        pair = tuple(sorted((s["study_id"], first[1]["study_id"])))
        if pair in reported or _distinct(s, first[1]):
            return
        reported.add(pair)
        add(
            "studies",
            n,
            column,
            f"{s['study_id']} looks like a second entry of {first[1]['study_id']} (row {first[0]}): {why}. "
            f"Keep one row and move its figures to it; if they really are distinct reports (another cohort, "
            f"another follow-up), write {first[1]['study_id']} in this row's 'distinct_from' column",
        )

    for n, s in studies:
        keys = [(field, str(s[field]).lower()) for field in IDENTIFIERS if s.get(field)]
        if s.get("title") and s.get("year"):
            keys.append(("title", f"{_title_key(s['title'])} {s['year']}"))
        for field, value in keys:
            if (field, value) in seen:
                why = "the same title and year" if field == "title" else f"the same {field.upper()} {s[field]}"
                report(n, s, field, seen[(field, value)], why)
            else:
                seen[(field, value)] = (n, s)
    # Near-identical figures: compared only among studies of the same size (fast at any scale).
    by_size: dict[Any, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for n, s in studies:
        if s.get("patients"):
            by_size[s["patients"]].append((n, s))
    for group in by_size.values():
        for i, (n, s) in enumerate(group):
            for m, t in group[:i]:
                a, b = figures[s["study_id"]], figures[t["study_id"]]
                shared = a & b
                if len(shared) >= 3 and len(shared) * 2 >= min(len(a), len(b)):
                    why = f"{s['patients']} patients and {len(shared)} identical figures"
                    report(n, s, "patients", (m, t), why)


def emptied_tables(tables: dict[str, Any], rules: dict[str, Any], add: Add) -> None:
    for name in EVIDENCE_TABLES:
        table = tables.get(name)
        if table is None or table.broken or table.records or name in rules["allow_empty_tables"]:
            continue
        add(
            name,
            None,
            None,
            "the table has its header but no rows, so the briefing would lose all of it. Restore its rows "
            f"(git checkout data/{table.file.rsplit('/', 1)[-1]}); if the removal is intended, add '{name}' "
            "to curation.allow_empty_tables in config/config.yaml",
        )


def studies_without_outcomes(
    studies: list[tuple[int, dict[str, Any]]],
    outcomes: list[tuple[int, dict[str, Any]]],
    rules: dict[str, Any],
    add: Add,
    comparisons: Sequence[tuple[int, dict[str, Any]]] = (),
) -> None:
    if "outcomes" in rules["allow_empty_tables"] and not outcomes:
        return  # every figure removed on purpose: said once, for the table
    # A trial whose abstract states only between-arm results (Elhawwari 2012) has figures too.
    with_figures = {o.get("study_id") for _, o in [*outcomes, *comparisons]}
    for n, s in studies:
        if DESIGNS[s["design"]].review or s["study_id"] in with_figures:
            continue
        if s["study_id"] in rules["studies_without_outcomes"]:
            continue
        add(
            "studies",
            n,
            "study_id",
            f"primary study {s['study_id']} has no row in outcomes.csv, so the briefing would count it without "
            "showing any of its results. Add its figures to outcomes.csv (one row per stated figure); if it is "
            "meant to stay without figures for now, list it in curation.studies_without_outcomes in the config",
        )


def removed_figures(previous: dict[str, Any] | None, current: dict[str, Any], config: dict[str, Any]) -> str | None:
    """An error message when this edition would drop more than the configured share of the previous
    edition's stated figures, listing what would vanish; None when it does not."""
    rules = settings(config)
    if previous is None or rules["confirm_removal"]:
        return None

    def stated(edition: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {f["id"]: f for f in edition.get("figures", []) if not f.get("derived")}

    before, after = stated(previous), stated(current)
    gone = sorted(before.keys() - after.keys())
    if not before or len(gone) / len(before) <= rules["max_removed_share"]:
        return None
    lines = [f"  - {f_id}: {before[f_id].get('label') or before[f_id].get('field', '')}" for f_id in gone]
    share, limit = numbers.events_percent(len(gone), len(before), 0), numbers.percent(rules["max_removed_share"], 0)
    return (
        f"This edition would remove {len(gone)} of the previous edition's {len(before)} stated figures "
        f"({share}%, more than curation.max_removed_share = {limit}%):\n"
        + "\n".join(lines)
        + "\nIf the rows were deleted by mistake, restore them. If the removal is intended, run once with "
        "--config curation='{confirm_removal: true}' (or set it in config/config.yaml and unset it afterwards)."
    )
