"""`make new-study`: template rows for a new study, so that a curator starts from the right columns
and ids and lets validation (`make check`) say what is still missing. Nothing is invented: every
cell the source must give is left empty."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from briefing.data.evidence import read_tables, resource_paths


def _append(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    text = path.read_text(encoding="utf-8")
    with open(path, "a", encoding="utf-8", newline="") as fh:
        if text and not text.endswith("\n"):
            fh.write("\n")
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in header})


# A screened record's metadata that a study row takes as it is (surveillance.py's record shape).
FROM_RECORD = ("title", "authors", "year", "journal", "pmid", "pmcid", "doi")


def new_study(
    package_path: str | Path,
    study_id: str,
    modality_id: str,
    figures: int = 1,
    record: Mapping[str, object] | None = None,
) -> str:
    """Append one study row and `figures` outcome rows; returns what to do next. `record`: a screened
    record (make new-study RECORD=pmid:12345) whose bibliographic cells pre-fill the study row."""
    package_path = Path(package_path)
    tables = read_tables(package_path)
    paths = resource_paths(package_path)
    if any(s["study_id"] == study_id for s in tables["studies"]):
        raise ValueError(f"{study_id!r} is already in {paths['studies'].name}; choose another study_id")
    if not any(m["modality_id"] == modality_id for m in tables["modalities"]):
        known = ", ".join(m["modality_id"] for m in tables["modalities"])
        raise ValueError(f"modality {modality_id!r} is not in {paths['modalities'].name} (known: {known})")
    filled = {k: str(record[k]) for k in FROM_RECORD if record and record.get(k)}
    _append(paths["studies"], [{"study_id": study_id, "modality_id": modality_id} | filled])
    taken = {o["outcome_id"] for o in tables["outcomes"]}
    ids = [i for i in (f"{study_id}-{n}" for n in range(1, figures + 50)) if i not in taken][:figures]
    _append(paths["outcomes"], [{"outcome_id": i, "study_id": study_id} for i in ids])
    rated = sorted({(c["outcome_domain"], c["factor"]) for c in tables["certainty"] if c["modality_id"] == modality_id})
    domains = sorted({d for d, _ in rated})
    return "\n".join(
        [
            f"Added a row for {study_id} to {paths['studies'].name} and {len(ids)} to {paths['outcomes'].name}"
            f" ({', '.join(ids)})." + (f" From {record['record_id']}: {', '.join(filled)}." if record else ""),
            "Fill them from the source (data/README.md says what each column holds), then run `make check`.",
            f"Certainty rows of {modality_id} in {paths['certainty'].name}: "
            + (", ".join(domains) if domains else "none yet")
            + ". Add rows for every outcome domain the study reports that is not among them.",
        ]
    )
