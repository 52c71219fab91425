"""Test evidence for pooling: twelve radiosurgery studies reporting an overall pain response at one
month, with maximum doses per fraction of 12 to 24 Gy (enough for a subgroup analysis, a
meta-regression, a funnel plot and Egger's test), and one hypofractionated study that pools with
Sun 2026 (two studies). Appended to a copy of the seed data: `python tests/pooling_fixture.py DIR`
extends DIR/data of a copied project, which then builds with Snakemake."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import append_rows

# (study, year, patients, responders at 1 month, maximum dose per fraction in Gy)
SRS = [
    ("adams2010", 2010, 42, 30, 12),
    ("baker2011", 2011, 65, 41, 14),
    ("clark2012", 2012, 38, 29, 15),
    ("davis2012", 2012, 120, 88, 16),
    ("evans2013", 2013, 29, 18, 12),
    ("foster2014", 2014, 77, 63, 18),
    ("garcia2015", 2015, 54, 47, 20),
    ("hughes2016", 2016, 33, 31, 24),
    ("irwin2017", 2017, 96, 70, 16),
    ("jones2018", 2018, 47, 42, 22),
    ("king2019", 2019, 25, 16, 13),
    ("lewis2020", 2020, 61, 50, 19),
]
HFRT = ("moore2021", 2021, 44, 35, 8)


def _study(sid: str, year: int, n: int, dose: float, modality: str) -> dict[str, object]:
    return {
        "study_id": sid,
        "short_name": f"{sid[:-4].capitalize()} {year}",
        "title": f"Test study {sid}",
        "authors": "Test A",
        "year": year,
        "design": "retrospective_cohort",
        "patients": n,
        "modality_id": modality,
        "regimen": f"up to {dose} Gy per fraction",
        "dose_per_fraction_min_gy": dose,
        "dose_per_fraction_max_gy": dose,
        "fractions_min": 1,
        "fractions_max": 1 if modality == "srs" else 5,
        "source_document": "test",
        "source_locator": "test data",
    }


def _response(sid: str, n: int, events: int, measure: str, category: str) -> dict[str, object]:
    return {
        "outcome_id": f"{sid}-response-1m",
        "study_id": sid,
        "domain": "pain_response",
        "measure": measure,
        "source_term": measure.lower(),
        "icpr_category": category,
        "statistic": "count",
        "value": events,
        "events": events,
        "denominator": n,
        "denominator_unit": "patients",
        "unit": "patients",
        "timepoint": "1 month",
        "time_days": 30,
        "locator": "test",
    }


def extend(data: Path) -> None:
    """Append the test studies and their outcomes to the CSVs under `data`."""
    studies = [_study(sid, year, n, dose, "srs") for sid, year, n, _, dose in SRS]
    outcomes = [_response(sid, n, x, "Overall response", "overall") for sid, _, n, x, _ in SRS]
    sid, year, n, x, dose = HFRT
    studies.append(_study(sid, year, n, dose, "hfrt"))
    outcomes.append(_response(sid, n, x, "Improved pain relief", ""))
    append_rows(data / "studies.csv", studies)
    append_rows(data / "outcomes.csv", outcomes)


if __name__ == "__main__":
    extend(Path(sys.argv[1]) / "data")
