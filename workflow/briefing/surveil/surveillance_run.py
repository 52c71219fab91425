"""A surveillance run (`make surveil`): the saved searches run against their sources, each run
written as its record, the queue updated and its page written. Apart from surveillance.py, which
reads the records, so that the edition (combine, through surveillance_flow.py) depends neither on
the sources' HTTP code nor on the page's templates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from briefing.surveil.surveillance import (
    COMPLETE,
    CUT_OFF,
    DECISIONS,
    FAILED,
    Group,
    Outcome,
    QueueRow,
    Run,
    Search,
    Searches,
    Surveyed,
    group_records,
    load_searches,
    read_queue,
    read_runs,
    update_queue,
    write_queue,
)

if TYPE_CHECKING:
    from briefing.schema.models import Study


def run_searches(
    searches: Searches,
    http: Any,
    runs_dir: str | Path,
    now: Callable[[], dt.datetime],
    only: Iterable[str] = (),
) -> list[Path]:
    """Run each saved search (or those in `only`) and write one run record per search."""
    from briefing.surveil.sources import SEARCHERS, SourceError

    written = []
    for search in searches["searches"]:
        if only and search["id"] not in only:
            continue
        started = now()
        limit = search.get("max_records", searches.get("max_records", 500))
        outcome: Outcome = {"status": FAILED, "count": None, "records": [], "error": ""}
        try:
            count, records = SEARCHERS[search["source"]](http, search["query"], limit)
        except (SourceError, ValueError, KeyError) as exc:
            outcome["error"] = f"{type(exc).__name__}: {exc}"
        else:
            status = COMPLETE if len(records) >= count else CUT_OFF
            outcome = {"status": status, "count": count, "records": records, "error": ""}
            if status == CUT_OFF:
                outcome["error"] = f"{count} records match; only {len(records)} were retrieved (max_records {limit})"
        written.append(write_run(runs_dir, search, started, now(), outcome))
    return written


def write_run(
    runs_dir: str | Path, search: Search, started: dt.datetime, finished: dt.datetime, outcome: Outcome
) -> Path:
    """One run's record; an existing file is never replaced (open mode 'x')."""
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = runs_dir / f"{stamp}-{search['id']}.json"
    run: Run = {
        "search_id": search["id"],
        "source": search["source"],
        "query": search["query"],
        "question": search.get("question", ""),
        "started": started.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "finished": finished.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "date": started.astimezone(dt.UTC).date().isoformat(),
        "status": outcome["status"],
        "error": outcome["error"],
        "count": outcome["count"],
        "retrieved": len(outcome["records"]),
        "records": outcome["records"],
    }
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(json.dumps(run, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def surveil(
    searches_path: str | Path,
    folder: str | Path,
    package: str | Path,
    http: Any,
    now: Callable[[], dt.datetime],
    templates: str | Path = "templates",
    only: Iterable[str] = (),
) -> Surveyed:
    """Run the searches, record each run, queue the new records and write the queue's page."""
    from briefing.data.evidence import read_tables

    folder = Path(folder)
    searches = load_searches(searches_path)
    written = run_searches(searches, http, folder / "runs", now, only)
    runs = read_runs(folder / "runs")
    groups = group_records(runs)
    # The data as they are (not validated here): the queue matches records only by their text
    # identifiers (study_keys), whatever else a row holds.
    studies = cast("list[Study]", read_tables(package)["studies"])
    queue, new = update_queue(read_queue(folder / "queue.csv"), groups, studies)
    write_queue(folder / "queue.csv", queue)
    write_page(folder / "queue.html", queue, groups, searches, templates)
    statuses = [json.loads(p.read_text(encoding="utf-8"))["status"] for p in written]
    return {"runs": [p.name for p in written], "statuses": statuses, "new": [r["record_id"] for r in new]}


def write_page(
    path: str | Path,
    queue: list[QueueRow],
    groups: list[Group],
    searches: Searches,
    templates: str | Path,
) -> None:
    from briefing.core.publish import write_atomic
    from briefing.present.render import environment

    rows = [
        _page_row(row, next((g for g in groups if set(g["keys"]) & set(row["ids"].split())), None)) for row in queue
    ]
    counts = {d: sum(1 for r in queue if r["decision"] == d) for d in DECISIONS}
    html = (
        environment(templates)
        .get_template("surveillance_queue.html.j2")
        .render(rows=rows, decisions=DECISIONS, counts=counts, reasons=searches["exclusion_reasons"])
    )
    write_atomic(path, html)


def _page_row(row: QueueRow, group: Group | None) -> dict[str, object]:
    """A queue row with its record's authors, journal, abstract and trial status, for the page."""
    found: Mapping[str, object] = group or {}
    trial: Mapping[str, object] = (group.get("trial") if group else None) or {}
    return (
        dict(row)
        | {k: found.get(k, "") for k in ("authors", "journal", "abstract")}
        | {"trial_status": trial.get("status", "")}
    )
