"""An edition's evidence base, from the surveillance records (surveillance.py): the sources searched
and when last, the PRISMA-LSR flow of records (identified per source, duplicates removed, screened,
excluded with reasons, awaiting classification, included, and the studies in data/), the records
screened and the ongoing trials. Every count is computed here, with the records it counts, so that
the register (registry.surveillance_figures) traces each printed number to them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict, cast

from briefing.surveil import surveillance as sv

if TYPE_CHECKING:
    from briefing.schema.models import Study

if TYPE_CHECKING:
    pass

SOURCE_LABELS = {"pubmed": "PubMed", "europepmc": "Europe PMC", "clinicaltrials": "ClinicalTrials.gov"}
# ClinicalTrials.gov's statuses of a trial still to report (completed: only without results).
ONGOING = ("NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING", "COMPLETED")
STATUS_LABELS = {
    "NOT_YET_RECRUITING": "not yet recruiting",
    "RECRUITING": "recruiting",
    "ENROLLING_BY_INVITATION": "enrolling by invitation",
    "ACTIVE_NOT_RECRUITING": "active, not recruiting",
    "COMPLETED": "completed, no results posted",
}


class SourceSearched(TypedDict):
    """A source searched: the date of its last complete run, its complete runs, the files of the others."""

    source: str
    label: str
    last_searched: str
    runs: int
    incomplete: list[str]


class Screened(TypedDict):
    """A screened record with its decision (from the queue) and its study."""

    record_id: str
    title: str
    year: str
    sources: list[str]
    source_records: list[str]
    first_seen: str
    decision: str
    reason: str
    decision_date: str
    study_id: str


class Identified(TypedDict):
    """The flow's box of the records identified in one source ("<source>:<its id>")."""

    source: str
    label: str
    records: list[str]


class Excluded(TypedDict):
    """The records excluded for one reason."""

    code: str
    label: str
    records: list[str]


class Flow(TypedDict):
    """The PRISMA-LSR flow: each box the records (or studies) it counts; `duplicates` a count."""

    identified: list[Identified]
    identified_total: list[str]
    duplicates: int
    screened: list[str]
    excluded: list[str]
    reasons: list[Excluded]
    awaiting: list[str]
    included: list[str]
    included_in_data: list[str]
    included_pending: list[str]
    studies_from_searches: list[str]
    studies_other: list[str]
    studies: list[str]


class OngoingTrial(TypedDict):
    """A registered trial still to report."""

    nct_id: str
    title: str
    sponsor: str
    status: str
    status_label: str
    completion_date: str
    completion_type: str
    url: str


class EvidenceBase(TypedDict):
    """The edition's evidence base; `new_since_previous` added where there is a previous edition (cli)."""

    sources: list[SourceSearched]
    flow: Flow
    records: list[Screened]
    trials: list[OngoingTrial]
    new_since_previous: NotRequired[list[str]]


class Identification(TypedDict):
    """data/identification.csv's record (its columns: data/datapackage.yaml), from the searches."""

    method: str
    description: str
    databases: str
    last_search_date: str
    strategy: str
    records_screened: int
    studies_included: int


def load(folder: str | Path, studies: list[Study]) -> EvidenceBase | None:
    """The evidence base from a surveillance folder (searches.yaml, runs/, queue.csv); None where no
    search has completed: the edition is then a curated selection, as data/identification.csv says."""
    folder = Path(folder)
    runs = sv.read_runs(folder / "runs")
    if not sv.completed(runs):
        return None
    searches = sv.load_searches(folder / "searches.yaml")
    return evidence_base(runs, sv.read_queue(folder / "queue.csv"), studies, searches)


def evidence_base(
    runs: list[sv.Run], queue: list[sv.QueueRow], studies: list[Study], searches: sv.Searches
) -> EvidenceBase:
    groups = sv.group_records(runs)
    in_data = sv.study_keys(studies)
    records = [_screened(g, sv.row_of(g, queue), in_data) for g in groups]
    return {
        "sources": sources(runs),
        "flow": flow(runs, records, studies, searches),
        "records": records,
        "trials": trials(groups),
    }


def sources(runs: list[sv.Run]) -> list[SourceSearched]:
    """Each source searched: the date of its last complete run, and its runs that failed or were cut off."""
    last = sv.last_searched(runs)
    return [
        {
            "source": s,
            "label": SOURCE_LABELS[s],
            "last_searched": last[s],
            "runs": sum(1 for r in sv.completed(runs) if r["source"] == s),
            "incomplete": [r.get("file", "") for r in runs if r["source"] == s and r["status"] != sv.COMPLETE],
        }
        for s in SOURCE_LABELS
        if s in last
    ]


def _screened(group: sv.Group, row: sv.QueueRow | None, in_data: dict[str, str]) -> Screened:
    """A screened record with its decision; its study: the one the queue names, else the one in data/
    it is (by any identifier)."""
    row = row or cast(sv.QueueRow, {})  # not queued yet: each field its default
    matched = next((in_data[k] for k in group["keys"] if k in in_data), "")
    return {
        "record_id": row.get("record_id") or group["record_id"],  # the queue's name: stable across runs
        "title": group["title"],
        "year": group["year"],
        "sources": group["sources"],
        "source_records": group["source_records"],
        "first_seen": group["first_seen"],
        "decision": row.get("decision") or "awaiting",
        "reason": row.get("reason", ""),
        "decision_date": row.get("decision_date", ""),
        "study_id": row.get("study_id") or matched,
    }


def flow(runs: list[sv.Run], records: list[Screened], studies: list[Study], searches: sv.Searches) -> Flow:
    """The flow diagram's boxes, each a count and the records it counts. By construction:
    identified - duplicates = screened; screened - excluded = included + awaiting; the studies the
    included records are, and the studies no search found (other sources), are the studies in data/."""
    identified = {
        s: sorted(
            {f"{s}:{rec['source_id']}" for run in sv.completed(runs) if run["source"] == s for rec in run["records"]}
        )
        for s in SOURCE_LABELS
    }
    found = [sid for ids in identified.values() for sid in ids]
    screened = [r["record_id"] for r in records]
    by = lambda d: [r["record_id"] for r in records if r["decision"] == d]  # noqa: E731
    ids = {st["study_id"] for st in studies}
    linked = {r["record_id"]: r["study_id"] for r in records if r["decision"] == "include" and r["study_id"] in ids}
    labels = {x["code"]: x["label"] for x in searches["exclusion_reasons"]}
    reasons: list[Excluded] = [
        {
            "code": code,
            "label": label,
            "records": [r["record_id"] for r in records if r["decision"] == "exclude" and r["reason"] == code],
        }
        for code, label in labels.items()
    ]
    from_searches = sorted(set(linked.values()))
    return {
        # A list, not an object: the sources in their order (a JSON object's keys are written sorted).
        "identified": [
            {"source": s, "label": SOURCE_LABELS[s], "records": ids} for s, ids in identified.items() if ids
        ],
        "identified_total": found,
        "duplicates": len(found) - len(screened),
        "screened": screened,
        "excluded": by("exclude"),
        "reasons": [r for r in reasons if r["records"]],
        "awaiting": by("awaiting"),
        "included": by("include"),
        "included_in_data": sorted(linked),
        "included_pending": [i for i in by("include") if i not in linked],
        "studies_from_searches": from_searches,
        "studies_other": sorted(st["study_id"] for st in studies if st["study_id"] not in from_searches),
        "studies": sorted(st["study_id"] for st in studies),
    }


def reconciles(f: Flow) -> list[str]:
    """The flow's arithmetic, each failure said in words (the tests and the combine step check it)."""
    problems = []
    if len(f["identified_total"]) - f["duplicates"] != len(f["screened"]):
        problems.append("identified - duplicates != screened")
    if len(f["screened"]) - len(f["excluded"]) != len(f["included"]) + len(f["awaiting"]):
        problems.append("screened - excluded != included + awaiting")
    if sum(len(r["records"]) for r in f["reasons"]) != len(f["excluded"]):
        problems.append("the reasons do not add up to the excluded")
    if len(f["included_in_data"]) + len(f["included_pending"]) != len(f["included"]):
        problems.append("included in data/ + awaiting extraction != included")
    if len(f["studies_from_searches"]) + len(f["studies_other"]) != len(f["studies"]):
        problems.append("studies from the searches + other sources != studies in data/")
    return problems


def trials(groups: list[sv.Group]) -> list[OngoingTrial]:
    """ClinicalTrials.gov records still to report: recruiting, active, or completed without results."""
    found: list[OngoingTrial] = []
    for g in groups:
        trial = g.get("trial")
        if not trial or trial["status"] not in ONGOING or (trial["status"] == "COMPLETED" and trial["has_results"]):
            continue
        found.append(
            {
                "nct_id": g["nct_id"],
                "title": g["title"],
                "sponsor": g["authors"],
                "status": trial["status"],
                "status_label": STATUS_LABELS[trial["status"]],
                "completion_date": trial["completion_date"] or "",
                "completion_type": (trial["completion_type"] or "").lower(),
                "url": f"https://clinicaltrials.gov/study/{g['nct_id']}",
            }
        )
    return found
