"""Surveillance: the saved searches (surveillance/searches.yaml) are run and each run kept as a record
(surveillance/runs/<timestamp>-<search id>.json, never overwritten); the records of the completed
runs, deduplicated against each other and data/studies.csv, feed the screening queue
(surveillance/queue.csv), whose decisions are data, validated by `make check`. A failed or cut-off
run is recorded as such and neither feeds the queue nor moves a source's "last searched" date.
The flow of records (surveillance_flow.py) and the edition's evidence base come from these records."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

import yaml

if TYPE_CHECKING:
    from briefing.schema.models import Study

if TYPE_CHECKING:
    from briefing.schema.models import Problem
    from briefing.surveil.sources import Record

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "searches.schema.yaml"
DECISIONS = ("include", "exclude", "awaiting")
QUEUE_COLUMNS = [
    "record_id",
    "ids",
    "title",
    "year",
    "sources",
    "first_seen",
    "decision",
    "reason",
    "reviewer",
    "decision_date",
    "study_id",
]
# Where a queued record matches a study already in data/: included by the data themselves.
FROM_DATA = "data/studies.csv"
COMPLETE, CUT_OFF, FAILED = "complete", "cut_off", "failed"
# The field of a record taken first from the source that describes it best.
SOURCE_ORDER = {"pubmed": 0, "europepmc": 1, "clinicaltrials": 2}


class Reason(TypedDict):
    """An exclusion reason of searches.yaml."""

    code: str
    label: str


class Search(TypedDict):
    """A saved search of searches.yaml (its schema: workflow/schemas/searches.schema.yaml)."""

    id: str
    source: str
    query: str
    question: str
    schedule: str
    max_records: NotRequired[int]


class Searches(TypedDict):
    """searches.yaml."""

    searches: list[Search]
    exclusion_reasons: list[Reason]
    max_records: NotRequired[int]
    grace_days: NotRequired[int]


class Outcome(TypedDict):
    """What a search returned, before it is written as a run."""

    status: str
    count: int | None
    records: list[Record]
    error: str


class Run(TypedDict):
    """A run's record (surveillance/runs/<timestamp>-<search id>.json); `file` added on reading."""

    search_id: str
    source: str
    query: str
    question: str
    started: str
    finished: str
    date: str
    status: str
    error: str
    count: int | None
    retrieved: int
    records: list[Record]
    file: NotRequired[str]


class Trial(TypedDict):
    """A trial's status and completion, from its ClinicalTrials.gov record (None: not recorded)."""

    status: str | None
    completion_date: str | None
    completion_type: str | None
    has_results: bool | None


class Bibliographic(TypedDict):
    """What identifies and describes a work, as a record and a merged group of records hold it."""

    pmid: str
    pmcid: str
    doi: str
    nct_id: str
    title: str
    authors: str
    year: str
    journal: str
    abstract: str


class Group(Bibliographic):
    """A distinct record: its duplicates across runs and sources merged (group_records)."""

    record_id: str
    ids: list[str]
    sources: list[str]
    source_records: list[str]
    preprints: list[str]
    first_seen: str
    keys: list[str]
    trial: NotRequired[Trial]


class QueueRow(TypedDict):
    """A row of surveillance/queue.csv (QUEUE_COLUMNS)."""

    record_id: str
    ids: str
    title: str
    year: str
    sources: str
    first_seen: str
    decision: str
    reason: str
    reviewer: str
    decision_date: str
    study_id: str


class Surveyed(TypedDict):
    """What `make surveil` did: the run files written, their statuses, the records newly queued."""

    runs: list[str]
    statuses: list[str]
    new: list[str]


# ------------------------------------------------------------------------------ the searches
def load_searches(path: str | Path) -> Searches:
    """searches.yaml, checked against its schema (workflow/schemas/searches.schema.yaml)."""
    problems = search_problems(path)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return cast(Searches, yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def search_problems(path: str | Path) -> list[str]:
    import jsonschema

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    found = [
        f"{'.'.join(map(str, e.absolute_path)) or 'searches'}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    ids = [s.get("id") for s in (data or {}).get("searches", []) if isinstance(s, dict)]
    found += [f"searches: the id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1}, key=str)]
    return found


def reason_codes(searches: Searches) -> list[str]:
    return [r["code"] for r in searches["exclusion_reasons"]]


# ------------------------------------------------------------------------------------ runs
def read_runs(runs_dir: str | Path) -> list[Run]:
    """Every run record, oldest first, those started together in the order of SOURCE_ORDER."""
    folder = Path(runs_dir)
    if not folder.is_dir():
        return []
    runs: list[Run] = []
    for path in sorted(folder.glob("*.json")):
        run = json.loads(path.read_text(encoding="utf-8"))
        runs.append(run | {"file": path.name})
    return sorted(runs, key=lambda r: (r["started"], SOURCE_ORDER.get(r["source"], 9), r.get("file", "")))


def completed(runs: list[Run]) -> list[Run]:
    return [r for r in runs if r["status"] == COMPLETE]


def last_searched(runs: list[Run]) -> dict[str, str]:
    """Per source, the date of its last complete run: failed and cut-off runs do not count."""
    found: dict[str, str] = {}
    for run in completed(runs):
        found[run["source"]] = max(found.get(run["source"], ""), run["date"])
    return found


# ------------------------------------------------------------------------------ deduplication
def normal_title(title: str) -> str:
    text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def normal_doi(doi: str) -> str:
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", (doi or "").strip().lower())


def _field(rec: Mapping[str, object], name: str) -> str:
    return str(rec.get(name) or "")


def keys(rec: Mapping[str, object]) -> list[str]:
    """The identifiers a record (a run's, a merged one, a study's) is matched by: PMID, DOI, PMCID,
    NCT id, normalised title + year."""
    found = []
    if _field(rec, "pmid").strip():
        found.append(f"pmid:{_field(rec, 'pmid').strip()}")
    if normal_doi(_field(rec, "doi")):
        found.append(f"doi:{normal_doi(_field(rec, 'doi'))}")
    if _field(rec, "pmcid").strip():
        found.append(f"pmcid:{_field(rec, 'pmcid').strip().upper()}")
    if _field(rec, "nct_id").strip():
        found.append(f"nct:{_field(rec, 'nct_id').strip().upper()}")
    title, year = normal_title(_field(rec, "title")), _field(rec, "year").strip()
    if title and year:  # no spaces in a key: queue.csv lists them separated by spaces
        found.append(f"title:{title.replace(' ', '_')}|{year}")
    return found


# A merged record's fields, each from the best source that gives it (_merged).
MERGED_FIELDS = ("pmid", "pmcid", "doi", "nct_id", "title", "authors", "year", "journal", "abstract")


class _Groups:
    """Union-find over records: records sharing a key are one record."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, i: int) -> int:
        while self.parent.setdefault(i, i) != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)  # the earliest record names the group


def group_records(runs: list[Run]) -> list[Group]:
    """The distinct records of the complete runs, in the order first seen: duplicates across runs and
    sources merged by any shared key, and a preprint grouped with its article by their title."""
    members = [(run, rec) for run in completed(runs) for rec in run["records"]]
    groups, owner, titles = _Groups(), dict[str, int](), dict[str, list[int]]()
    for i, (_, rec) in enumerate(members):
        groups.find(i)
        for key in keys(rec):
            if key in owner:
                groups.union(owner[key], i)
            owner.setdefault(key, i)
        titles.setdefault(normal_title(rec.get("title", "")), []).append(i)
    for i, (_, rec) in enumerate(members):  # a preprint and its article: same title, any year
        if rec.get("preprint") and normal_title(rec.get("title", "")):
            for j in titles[normal_title(rec["title"])]:
                groups.union(i, j)
    found: dict[int, list[int]] = {}
    for i in range(len(members)):
        found.setdefault(groups.find(i), []).append(i)
    return [_merged([members[i] for i in found[root]]) for root in sorted(found)]


def _merged(members: list[tuple[Run, Record]]) -> Group:
    """One record from its duplicates: each field from the best source that gives it, an article
    before its preprint."""
    ranked: list[Mapping[str, object]] = [
        m[1] for m in sorted(members, key=lambda m: (bool(m[1].get("preprint")), SOURCE_ORDER.get(m[1]["source"], 9)))
    ]
    best = {f: cast(str, next((rec[f] for rec in ranked if rec.get(f)), "")) for f in MERGED_FIELDS}
    merged = Group(
        pmid=best["pmid"],
        pmcid=best["pmcid"],
        doi=best["doi"],
        nct_id=best["nct_id"],
        title=best["title"],
        authors=best["authors"],
        year=best["year"],
        journal=best["journal"],
        abstract=best["abstract"],
        record_id=record_id(best),
        ids=sorted({k for _, rec in members for k in keys(rec) if not k.startswith("title:")}),
        sources=sorted({rec["source"] for _, rec in members}, key=lambda s: SOURCE_ORDER.get(s, 9)),
        source_records=sorted({f"{rec['source']}:{rec['source_id']}" for _, rec in members}),
        preprints=sorted({rec["source_id"] for _, rec in members if rec.get("preprint")}),
        first_seen=min(run["date"] for run, _ in members),
        keys=sorted({k for _, rec in members for k in keys(rec)}),
    )
    trial: list[Mapping[str, Any]] = [rec for _, rec in members if rec["source"] == "clinicaltrials"]
    if trial:  # a record written before a field was recorded lacks it: None
        last = trial[-1]
        merged["trial"] = Trial(
            status=last.get("status"),
            completion_date=last.get("completion_date"),
            completion_type=last.get("completion_type"),
            has_results=last.get("has_results"),
        )
    return merged


def record_id(rec: Mapping[str, object]) -> str:
    """The record's name in the queue: its PMID, else NCT id, DOI, PMCID, else its title and year."""
    for key in keys(rec):
        if not key.startswith("title:"):
            return key
    return keys(rec)[0] if keys(rec) else "untitled"


# ---------------------------------------------------------------------------------- the queue
def study_keys(studies: list[Study]) -> dict[str, str]:
    """data/studies.csv's identifiers: key -> study_id."""
    found: dict[str, str] = {}
    for st in studies:
        for key in keys({k: st.get(k) or "" for k in ("pmid", "pmcid", "doi", "title", "year")}):
            found.setdefault(key, st["study_id"])
    return found


def read_queue(path: str | Path) -> list[QueueRow]:
    if not Path(path).is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return cast(list[QueueRow], list(csv.DictReader(fh)))


def write_queue(path: str | Path, rows: list[QueueRow]) -> None:
    import io

    from briefing.core.publish import write_atomic

    out = io.StringIO()
    writer = csv.DictWriter(out, QUEUE_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, out.getvalue())


def update_queue(
    queue: list[QueueRow], groups: list[Group], studies: list[Study]
) -> tuple[list[QueueRow], list[QueueRow]]:
    """The queue with a row for each record not already in it (matched by any identifier); a record
    already in data/studies.csv enters as included, by the data. Returns (queue, new rows); the
    existing rows keep their decisions, and gain identifiers a later run adds (an article's PMID)."""
    rows = [r.copy() for r in queue]
    known = {key: i for i, r in enumerate(rows) for key in r["ids"].split()}
    in_data = study_keys(studies)
    new = []
    for group in groups:
        hit = next((known[k] for k in group["keys"] if k in known), None)
        if hit is not None:
            rows[hit]["ids"] = " ".join(sorted(set(rows[hit]["ids"].split()) | set(group["keys"])))
            continue
        study = next((in_data[k] for k in group["keys"] if k in in_data), "")
        row: QueueRow = {
            "record_id": group["record_id"],
            "ids": " ".join(group["keys"]),
            "title": group["title"],
            "year": group["year"],
            "sources": " ".join(group["sources"]),
            "first_seen": group["first_seen"],
            "decision": "include" if study else "awaiting",
            "reason": "",
            "reviewer": FROM_DATA if study else "",
            "decision_date": group["first_seen"] if study else "",
            "study_id": study,
        }
        rows.append(row)
        new.append(row)
        known.update({k: len(rows) - 1 for k in group["keys"]})
    return rows, new


def row_of(group: Group, queue: list[QueueRow]) -> QueueRow | None:
    """The queue's row of a record: the first that shares an identifier with it."""
    keys = set(group["keys"])
    return next((r for r in queue if keys & set(r["ids"].split())), None)


# ------------------------------------------------------------------------ decisions as data
def decision_problems(
    queue: list[QueueRow],
    searches: Searches,
    studies: list[Study],
    today: str,
    where: str = "surveillance/queue.csv",
) -> tuple[list[Problem], list[str]]:
    """(errors, warnings) of the decisions, each naming its record: an unknown decision or reason
    code, a decision without reviewer or date, an included record whose study is not in data/
    after the grace period (a warning within it), a study in data/ a queued record matches that is
    not included (an error), and a study in data/ that no search found (a warning)."""
    from briefing.schema.models import Problem

    codes = reason_codes(searches)
    grace = int(searches.get("grace_days", 90))
    ids = {st["study_id"] for st in studies}
    in_data = study_keys(studies)
    errors: list[Problem] = []
    warnings: list[str] = []

    def error(n: int, column: str, message: str) -> None:
        errors.append(Problem(where, n, column, message))

    for n, row in enumerate(queue, start=2):
        name, decision = row["record_id"], row["decision"]
        if decision not in DECISIONS:
            error(n, "decision", f"{name}: decision {decision!r} must be one of: {', '.join(DECISIONS)}")
            continue
        if decision == "exclude" and row["reason"] not in codes:
            error(
                n,
                "reason",
                f"{name}: reason {row['reason']!r} is not one of the codes in searches.yaml: {', '.join(codes)}",
            )
        if decision != "exclude" and row["reason"]:
            error(n, "reason", f"{name}: a reason code is given only with an exclusion, not with {decision!r}")
        if decision != "awaiting" and not (row["reviewer"] and _is_date(row["decision_date"])):
            error(n, "reviewer", f"{name}: a decision needs its reviewer and its date (YYYY-MM-DD)")
        matched = next((in_data[k] for k in row["ids"].split() if k in in_data), "")
        if matched and decision != "include":
            error(n, "decision", f"{name}: study {matched} in data/ is this record, but the record is not included")
        if decision == "include" and (row["study_id"] or matched) not in ids:
            study = row["study_id"] or matched
            late = _is_date(row["decision_date"]) and _days(row["decision_date"], today) > grace
            missing = f"study {study!r} is not in data/studies.csv" if study else "no study in data/ is this record"
            message = f"{name}: included on {row['decision_date']} but {missing}"
            if late:
                error(n, "study_id", f"{message} after the {grace} days' grace")
            else:
                warnings.append(f"{where}, row {n}: {message} yet (grace: {grace} days)")
    if queue:
        linked = {r["study_id"] for r in queue if r["study_id"]}
        linked |= {in_data[k] for r in queue for k in r["ids"].split() if k in in_data}
        warnings += [
            f"data/studies.csv: study {s} has no decision in {where}: no search found it (counted as other sources)"
            for s in sorted(ids - linked)
        ]
    return errors, warnings


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True


def _days(start: str, end: str) -> int:
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def find_record(record: str, runs: list[Run]) -> Group:
    """The merged record a key names ("pmid:12345"), for `make new-study RECORD=...`."""
    for group in group_records(runs):
        if record in group["keys"] or record == group["record_id"]:
            return group
    raise ValueError(f"no record {record!r} in the surveillance runs")


# ------------------------------------------------------------------------- `make surveil`
