"""Study-level risk of bias (data/risk_of_bias.csv): the rules its rows obey, and the tables the
briefing shows, one per tool, each cell a symbol and a word (never colour alone)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from briefing.core.vocabulary import DESIGNS, DOMAINS, OVERALL, ROB_TOOLS, Appraisal, RobTool
from briefing.schema import findings

if TYPE_CHECKING:
    from briefing.grade.bodies import Body
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import RobCell, RobJudgement, RobSupport, RobTable, RobTableRow, Study

# Rows as validation reads them (validation.Rows): not yet validated, so untyped.
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
    study_id = r.get("study_id")
    design = designs.get(study_id) if study_id is not None else None
    if design is not None and design not in tool.designs:
        fits = fitting(design)
        way = f"use {' or '.join(fits)}" if fits else "a review is not judged with a study-level tool: delete the row"
        add(TABLE, n, "tool", f"{tool.id} does not fit {r['study_id']!r}, a {DESIGNS[design].singular}: {way}")
    if tool.per_outcome and not r.get("outcome_domain"):
        add(TABLE, n, "outcome_domain", f"{tool.label} judges each outcome apart: name the outcome domain")
    if not tool.per_outcome and r.get("outcome_domain"):
        add(TABLE, n, "outcome_domain", f"{tool.label} judges the study once: leave outcome_domain empty")


def _cell(tool: RobTool, domain: str, judgement: str) -> RobCell:
    words = {a.id: a for a in allowed(tool, domain)}
    a = words.get(judgement)
    return {"domain": domain, "judgement": judgement, "text": f"{a.symbol} {a.text}" if a else judgement}


class Summarised(TypedDict):
    """models.RiskOfBias before its finding is worded (present.present)."""

    tables: list[RobTable]
    not_assessed: list[str]
    not_assessed_text: findings.RobNotAssessed


def summarise(rows: list[RobJudgement], studies: list[Study]) -> Summarised:
    """One table per tool used (rows: a study, or a study's outcome; columns: the tool's domains and
    overall), the supports listed below it, and the primary studies with no judgement."""
    names = {s["study_id"]: s.get("short_name") or s["study_id"] for s in studies}
    order = {s["study_id"]: i for i, s in enumerate(studies)}
    mine = [r for r in rows if r.get("study_id") in names and r.get("tool") in ROB_TOOLS]
    result: list[RobTable] = []
    for tool in ROB_TOOLS:
        used = [r for r in mine if r["tool"] == tool.id]
        if used:
            result.append(_table(tool, used, names, order))
    judged = {r["study_id"] for r in mine}
    missing = [names[s["study_id"]] for s in studies if s["study_id"] not in judged]
    return {"tables": result, "not_assessed": missing, "not_assessed_text": findings.RobNotAssessed(missing)}


def _table(tool: RobTool, rows: list[RobJudgement], names: dict[str, str], order: dict[str, int]) -> RobTable:
    keys = sorted({(r["study_id"], r.get("outcome_domain") or "") for r in rows}, key=lambda k: (order[k[0]], k[1]))
    by_key = {(r["study_id"], r.get("outcome_domain") or "", r["rob_domain"]): r for r in rows}
    labels = {d.id: d.text for d in tool.domains}
    table_rows: list[RobTableRow] = []
    supports: list[RobSupport] = []
    for study, outcome in keys:
        outcome_label = DOMAINS[outcome].label if outcome in DOMAINS else outcome
        cells: list[RobCell] = []
        for d in tool.domains:
            r = by_key.get((study, outcome, d.id))
            cells.append(
                _cell(tool, d.id, r["judgement"]) if r else {"domain": d.id, "judgement": "", "text": "not judged"}
            )
            if r:
                supports.append(
                    {
                        "study": names[study],
                        "outcome": outcome_label,
                        "domain": d.id,
                        "domain_label": labels[d.id],
                        "text": r["support"],
                        "locator": r["locator"],
                    }
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


# ----------------------------------------------------------------------------- GRADE's risk-of-bias domain
# How an overall judgement ranks, worst last: a study judged twice (two tools) counts its worst.
CONCERN_RANK = {"low": 0, "some": 1, "high": 2}


def policy(settings: AnalysisSettings | None) -> dict[str, Any]:
    """The config's risk-of-bias shares (percent), with the values GRADE guidelines 4 reads as
    "most" and "enough" where the config declares none."""
    block: Mapping[str, Any] = (settings or {}).get("risk_of_bias") or {}
    return {
        "serious_share": block.get("serious_share", 50),
        "intermediate_share": block.get("intermediate_share", 25),
        "source": block.get("source", "GRADE guidelines 4 (Guyatt GH et al., J Clin Epidemiol 2011;64(4):407-15)"),
    }


def overall(rows: list[RobJudgement], domain: str | None) -> dict[str, tuple[RobTool, Appraisal]]:
    """Each study's overall judgement for one outcome domain (a tool that judges the study once:
    that judgement), the worst where two apply; a study judged for other outcomes only is absent."""
    found: dict[str, tuple[RobTool, Appraisal]] = {}
    for r in rows:
        if r.get("rob_domain") != OVERALL or r.get("tool") not in ROB_TOOLS:
            continue
        tool = ROB_TOOLS[r["tool"]]
        if tool.per_outcome and domain is not None and r.get("outcome_domain") != domain:
            continue
        appraisal = next((a for a in tool.overall_judgements if a.id == r.get("judgement")), None)
        if appraisal is None:
            continue
        before = found.get(r["study_id"])
        if before is None or CONCERN_RANK[appraisal.concern] > CONCERN_RANK[before[1].concern]:
            found[r["study_id"]] = (tool, appraisal)
    return found


def _studies_of(entry: dict[str, Any], outcome_study: dict[str, str]) -> list[str | None]:
    """The study of each outcome of a pooled entry, in its outcome_ids (and weights') order."""
    return [outcome_study.get(o) for o in entry["outcome_ids"]]


class Share(TypedDict):
    """The share of a body from studies at high risk (or flagged as indirect), and of what."""

    basis: str  # "weight" (of a pooled result) or "participants"
    label: str  # the pooled result's, or "" for participants
    share: float | None  # a fraction; None when nothing is known to share
    unknown: list[str]  # studies whose participants are not known


def shares(body: Body, high: set[str]) -> list[Share]:
    """The share of the body from studies at high risk: per pooled result, of its weight; where
    nothing is pooled, of the participants whose number is known (the others named)."""
    outcome_study = body.get("outcome_study") or {}
    # A pooled result counts only where each of its rows names its study (outcome_study).
    pooled = [p for p in body.get("pooled") or [] if (p.get("result") or {}).get("weights")]
    pooled = [p for p in pooled if None not in _studies_of(p, outcome_study)]
    if pooled:
        found: list[Share] = []
        for p in pooled:
            weights = dict.fromkeys(_studies_of(p, outcome_study), 0.0)
            for study, w in zip(_studies_of(p, outcome_study), p["result"]["weights"], strict=True):
                weights[study] += w
            total = sum(weights.values())
            share = sum(w for s, w in weights.items() if s in high) / total if total else None
            found.append({"basis": "weight", "label": _label(p), "share": share, "unknown": []})
        return found
    by_study = body.get("participants_by_study") or {}
    studies = body.get("study_ids") or sorted(by_study)
    known = {s: n for s in studies if (n := by_study.get(s))}
    total = sum(known.values())
    share = sum(n for s, n in known.items() if s in high) / total if total else None
    unknown = [s for s in studies if s not in known]
    return [{"basis": "participants", "label": "", "share": share, "unknown": unknown}]


def _label(p: dict[str, Any]) -> str:
    return f"{p['label'].lower()}, {p['window']}" if p.get("window") else p["label"].lower()


def judge(share: float | None, high: list[str], studies: list[str], rules: dict[str, Any]) -> int | None:
    """Serious (−1) when the studies at high risk carry the declared share or more; none, 0; a share
    that cannot be weighed proposes nothing unless every study or none is at high risk."""
    if share is None:
        return (-1 if len(high) == len(studies) else 0 if not high else None) if studies else None
    return -1 if share * 100 >= rules["intermediate_share"] else 0


def propose(body: Body, settings: AnalysisSettings | None) -> dict[str, Any]:
    """The build's proposal on risk of bias for one body of evidence (GRADE guidelines 4): the
    share from studies at high risk, the judgement it gives, and each pooled result refitted
    without those studies."""
    rules = policy(settings)
    domain = body.get("domain") or next((p.get("domain") for p in body.get("pooled") or []), None)
    judged = overall(body.get("risk_of_bias") or [], domain)
    studies = list(body.get("study_ids") or sorted(judged))
    names = _names(body)
    if not any(s in judged for s in studies):
        return {"judgement": None, "reason": findings.RobProposalUnjudged(domain), "sensitivity": []}
    high = [s for s in studies if s in judged and judged[s][1].concern == "high"]
    some = [s for s in studies if s in judged and judged[s][1].concern == "some"]
    found = shares(body, set(high))
    worst = max(found, key=lambda f: -1 if f["share"] is None else f["share"])
    judgement = judge(worst["share"], high, [s for s in studies if s in judged], rules)
    reason: findings.Finding = findings.RobProposal(
        [(names[s], judged[s][0].label.split(" (")[0], judged[s][1].text) for s in high],
        worst,
        judgement,
        rules,
        [names[s] for s in some],
        [names[s] for s in studies if s not in judged],
        [names[s] for s in worst["unknown"]],
    )
    refits = sensitivity(body, set(high), names, settings)
    if refits:  # printed with the reason: what the result would be without the studies at high risk
        reason = findings.WithSensitivity(reason, tuple(r["text"] for r in refits))
    return {"judgement": judgement, "reason": reason, "sensitivity": refits}


def _names(body: Body) -> dict[str, str]:
    """Each study's short name where the body gives its row, else its id."""
    rows = body.get("study_rows") or {}
    ids = set(body.get("study_ids") or []) | {r["study_id"] for r in body.get("risk_of_bias") or []}
    ids |= set(body.get("participants_by_study") or {})
    return {s: (row.get("short_name") if (row := rows.get(s)) else None) or s for s in ids}


def sensitivity(
    body: Body, high: set[str], names: dict[str, str], settings: AnalysisSettings | None = None
) -> list[dict[str, Any]]:
    """Each pooled result with a study at high risk, refitted without those studies by
    inverse-variance REML (metafor's rma(yi, vi, subset = ...)) with the config's random-effects
    methods (pooling.meta_options): logit proportions or means."""
    pooled = [p for p in body.get("pooled") or [] if p.get("result") and p.get("data")]
    if not pooled:
        return []  # without importing meta: scipy and statsmodels cost a notebook job 1.5 s
    from briefing.stats import meta, pooling

    options = pooling.meta_options(settings)
    outcome_study = body.get("outcome_study") or {}
    found = []
    for p in pooled:
        studies = _studies_of(p, outcome_study)
        keep = [i for i, s in enumerate(studies) if s not in high]
        if len(keep) == len(studies):
            continue
        excluded = sorted({names.get(s, s) for s in studies if s in high})
        d = p["data"]
        if p["kind"] == "proportion":
            full = meta.pool_proportions(d["events"], d["n"], transform="logit", method="REML", **options).to_dict()
            fit = (
                meta.pool_proportions([d["events"][i] for i in keep], [d["n"][i] for i in keep], **options).to_dict()
                if len(keep) >= 2
                else None
            )
        else:
            full = meta.pool_means(d["means"], d["sds"], d["ns"], **options).to_dict()
            means, sds, ns = ([d[k][i] for i in keep] for k in ("means", "sds", "ns"))
            fit = meta.pool_means(means, sds, ns, **options).to_dict() if len(keep) >= 2 else None
        scale = "proportion" if p["kind"] == "proportion" else "mean"
        entry = {"label": _label(p), "excluded": excluded, "k": len(keep), "scale": scale, "result": fit}
        # Which of the pooled result's rows were refitted, for the export of what was pooled.
        entry |= {"outcome_ids": [p["outcome_ids"][i] for i in keep]}
        found.append(entry | {"full": full, "text": findings.RobSensitivity(entry | {"full": full})})
    return found


# ----------------------------------------------------------------------------- beside a forest plot's rows
class ForestColumns(TypedDict):
    """A forest plot's risk-of-bias columns (forest_columns), before its legend is worded."""

    columns: list[str]
    cells: list[list[dict[str, str]]]
    legend: findings.RobForestLegend


def forest_columns(study_ids: list[str], rows: list[RobJudgement], domain: str | None) -> ForestColumns | None:
    """The risk-of-bias columns beside a forest plot's rows, as RevMan draws them: one column per
    domain of the tool every judged study was assessed with (the studies' own tools, overall only,
    where they differ), each cell a symbol under the domain's short name, with its word in the
    plot's table; a legend says what each short name and symbol means. None: no study is judged."""
    mine = [r for r in rows if r.get("study_id") in set(study_ids) and r.get("tool") in ROB_TOOLS]
    mine = [r for r in mine if not ROB_TOOLS[r["tool"]].per_outcome or r.get("outcome_domain") == domain]
    tools = [t for t in ROB_TOOLS if any(r["tool"] == t.id for r in mine)]
    if not tools:
        return None
    one = tools[0] if len(tools) == 1 else None
    domains = [d.id for d in one.domains] if one else [OVERALL]
    judged = {(r["study_id"], r["rob_domain"]): r for r in mine}
    cells = []
    for study in study_ids:
        cells.append([_forest_cell(judged.get((study, d)), d) for d in domains])
    shorts = ["Overall" if d == OVERALL else d for d in domains]
    return {"columns": shorts, "cells": cells, "legend": findings.RobForestLegend(tools, one)}


def _forest_cell(r: RobJudgement | None, domain: str) -> dict[str, str]:
    a = next((x for x in allowed(ROB_TOOLS[r["tool"]], domain) if x.id == r["judgement"]), None) if r else None
    return {"symbol": a.symbol, "text": f"{a.symbol} {a.text}"} if a else {"symbol": "", "text": "not judged"}
