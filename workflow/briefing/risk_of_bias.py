"""Study-level risk of bias (data/risk_of_bias.csv): the rules its rows obey, and the tables the
briefing shows, one per tool, each cell a symbol and a word (never colour alone)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import wording
from .vocabulary import DESIGNS, DOMAINS, OVERALL, ROB_TOOLS, Appraisal, RobTool

Rows = list[tuple[int, dict[str, Any]]]
Add = Callable[[str, int | None, str | None, str], None]
TABLE = "risk_of_bias"


def allowed(tool: RobTool, domain: str) -> tuple[Appraisal, ...]:
    return tool.overall_judgements if domain == OVERALL else tool.judgements


def fitting(design: str) -> list[str]:
    return [t.id for t in ROB_TOOLS if design in t.designs]


def rules(rows: Rows, designs: dict[str, str], add: Add) -> None:
    """Each row's domain and judgement belong to its tool; the tool fits the study's design; each
    judged study (and outcome, where the tool asks) has an overall judgement."""
    groups: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
    for n, r in rows:
        if r.get("tool") not in ROB_TOOLS:
            continue  # said by the column's enum
        tool = ROB_TOOLS[r["tool"]]
        _row_rules(n, r, tool, designs, add)
        key = (r["study_id"], tool.id, r.get("outcome_domain") or "")
        groups.setdefault(key, []).append((n, r.get("rob_domain") or ""))
    for (study, tool_id, outcome), found in groups.items():
        if OVERALL not in {d for _, d in found}:
            what = f"{study!r} ({tool_id}" + (f", {outcome}" if outcome else "") + ")"
            add(
                TABLE,
                found[-1][0],
                "rob_domain",
                f"{what} has domain judgements but no overall one: add a row with rob_domain 'overall'",
            )


def _row_rules(n: int, r: dict[str, Any], tool: RobTool, designs: dict[str, str], add: Add) -> None:
    domains = [d.id for d in tool.domains]
    domain = r.get("rob_domain")
    if domain not in domains:
        add(
            TABLE,
            n,
            "rob_domain",
            f"{domain!r} is not a domain of {tool.label}: use one of {', '.join(domains)} (vocabulary.py)",
        )
    else:
        words = [a.id for a in allowed(tool, domain)]
        if r.get("judgement") not in words:
            add(
                TABLE,
                n,
                "judgement",
                f"{r.get('judgement')!r} is not a {tool.label} judgement for {domain}: use one of {', '.join(words)}",
            )
    design = designs.get(r.get("study_id"))
    if design is not None and design not in tool.designs:
        fits = fitting(design)
        way = f"use {' or '.join(fits)}" if fits else "a review is not judged with a study-level tool: delete the row"
        add(TABLE, n, "tool", f"{tool.id} does not fit {r['study_id']!r}, a {DESIGNS[design].singular}: {way}")
    if tool.per_outcome and not r.get("outcome_domain"):
        add(TABLE, n, "outcome_domain", f"{tool.label} judges each outcome apart: name the outcome domain")
    if not tool.per_outcome and r.get("outcome_domain"):
        add(TABLE, n, "outcome_domain", f"{tool.label} judges the study once: leave outcome_domain empty")


def _cell(tool: RobTool, domain: str, judgement: str) -> dict[str, str]:
    words = {a.id: a for a in allowed(tool, domain)}
    a = words.get(judgement)
    return {"domain": domain, "judgement": judgement, "text": f"{a.symbol} {a.text}" if a else judgement}


def summarise(rows: list[dict[str, Any]], studies: list[dict[str, Any]]) -> dict[str, Any]:
    """One table per tool used (rows: a study, or a study's outcome; columns: the tool's domains and
    overall), the supports listed below it, and the primary studies with no judgement."""
    names = {s["study_id"]: s.get("short_name") or s["study_id"] for s in studies}
    order = {s["study_id"]: i for i, s in enumerate(studies)}
    mine = [r for r in rows if r.get("study_id") in names and r.get("tool") in ROB_TOOLS]
    result = []
    for tool in ROB_TOOLS:
        used = [r for r in mine if r["tool"] == tool.id]
        if used:
            result.append(_table(tool, used, names, order))
    judged = {r["study_id"] for r in mine}
    missing = [names[s["study_id"]] for s in studies if s["study_id"] not in judged]
    return {"tables": result, "not_assessed": missing, "not_assessed_text": wording.rob_not_assessed(missing)}


def _table(tool: RobTool, rows: list[dict[str, Any]], names: dict[str, str], order: dict[str, int]) -> dict[str, Any]:
    keys = sorted({(r["study_id"], r.get("outcome_domain") or "") for r in rows}, key=lambda k: (order[k[0]], k[1]))
    by_key = {(r["study_id"], r.get("outcome_domain") or "", r["rob_domain"]): r for r in rows}
    labels = {d.id: d.text for d in tool.domains}
    table_rows, supports = [], []
    for study, outcome in keys:
        outcome_label = DOMAINS[outcome].label if outcome in DOMAINS else outcome
        cells = []
        for d in tool.domains:
            r = by_key.get((study, outcome, d.id))
            cells.append(
                _cell(tool, d.id, r["judgement"]) if r else {"domain": d.id, "judgement": "", "text": "not judged"}
            )
            if r:
                supports.append(
                    {"study": names[study], "outcome": outcome_label, "domain": d.id, "domain_label": labels[d.id]}
                    | {"text": r["support"], "locator": r["locator"]}
                )
        table_rows.append({"study_id": study, "study": names[study], "outcome": outcome_label, "cells": cells})
    return {
        "tool": tool.id,
        "label": tool.label,
        "per_outcome": tool.per_outcome,
        "domains": [
            {"id": d.id, "short": "Overall" if d.id == OVERALL else d.id, "label": d.text} for d in tool.domains
        ],
        "rows": table_rows,
        "supports": supports,
    }
