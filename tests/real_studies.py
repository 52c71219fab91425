"""The real-study fixture (tests/fixtures/real_studies/): rows of real published studies, appended
to a project copy's data as a curator would add them."""

from __future__ import annotations

import csv
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "real_studies"
TABLES = (
    "studies.csv",
    "arms.csv",
    "outcomes.csv",
    "comparisons.csv",
    "statements.csv",
    "certainty.csv",
    "scales.csv",
    "risk_of_bias.csv",
)


# Fixture studies that `make check` takes but the build cannot yet, or that validation refuses
# although the schema says how to enter them (issue 29): each with what fails, measured on this
# branch. They leave this list when the build takes them (test_real_studies.py's strict xfail
# test then fails, to say so).


def rows(name: str) -> list[dict[str, str]]:
    path = FIXTURE / name
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def add_studies(project: Path, study_ids: set[str] | None = None) -> list[str]:
    """Append the fixture's rows (of the given studies, or all) to the project's tables, in the
    tables' own column order. Returns the studies added."""
    studies = [r for r in rows("studies.csv") if study_ids is None or r["study_id"] in study_ids]
    added = [r["study_id"] for r in studies]
    modalities = {r["modality_id"] for r in studies}
    for name in TABLES:
        target = project / "data" / name
        with open(target, encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        # Certainty rows belong to a modality, but the curator wrote each with a study in view
        # (fixture_study): added with that study, so adding one study leaves other modalities'
        # ratings as they were. Scales are reference data: each added once, when the project lacks it.
        if name == "certainty.csv":
            new = [r for r in rows(name) if r["modality_id"] in modalities and r.get("fixture_study") in added]
        elif name == "scales.csv":
            known = {r["scale_id"] for r in csv.DictReader(open(target, encoding="utf-8", newline=""))}
            new = [r for r in rows(name) if r["scale_id"] not in known]
        else:
            new = [r for r in rows(name) if r["study_id"] in added]
        with open(target, "a", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, header, lineterminator="\n")
            for row in new:
                writer.writerow({column: row.get(column, "") for column in header})
    return added
