"""A catalogue of bad inputs for briefing.verify.validation: each case copies the curated data package,
makes one small edit and checks that validation names the right file, row and column with a
message that says what is expected.

Rows are counted as a spreadsheet shows them (header = row 1). The expected row of an edited
record is counted here with the csv module, independently of the code under test, so that the
cases survive rows being added to the seed data.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from briefing.verify.validation import Problem, format_problems, validate_package

DATA = Path(__file__).resolve().parents[1] / "data"

# The columns that identify a row of each table; certainty rows are named "modality/domain/factor".
KEYS = {
    "modalities": ["modality_id"],
    "studies": ["study_id"],
    "outcomes": ["outcome_id"],
    "statements": ["statement_id"],
    "certainty": ["modality_id", "outcome_domain", "factor"],
}

EDITED = "the edited row"
# Every modality of the seed data: the config must list each that has rows (config_agreement).
SEED_MODALITIES = tuple(
    r["modality_id"] for r in csv.DictReader(open(DATA / "modalities.csv", encoding="utf-8"))
)  # expected row: the one the edit touched


# --- editing a copy of the package ---------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of data/, with the working directory set so that files show as data/x.csv."""
    shutil.copytree(DATA, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def _path(data: Path, table: str) -> Path:
    return data / f"{table}.csv"


def _read(data: Path, table: str) -> list[list[str]]:
    with open(_path(data, table), newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(data: Path, table: str, rows: list[list[str]]) -> None:
    with open(_path(data, table), "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _index(rows: list[list[str]], table: str, row_id: str) -> int:
    """Index in `rows` (header = 0) of the record with this id; its row number is index + 1."""
    columns = [rows[0].index(k) for k in KEYS[table]]
    wanted = row_id.split("/")
    for i, row in enumerate(rows[1:], start=1):
        if [row[c] for c in columns] == wanted:
            return i
    raise LookupError(f"{table}.csv has no row {row_id!r}; has the seed data changed?")


def set_cell(data: Path, table: str, row_id: str, column: str, value: str) -> int:
    """Set one cell; returns the row number of the edited record."""
    rows = _read(data, table)
    i = _index(rows, table, row_id)
    rows[i][rows[0].index(column)] = value
    _write(data, table, rows)
    return i + 1


def edit_row(data: Path, table: str, row_id: str, change: Callable[[list[str]], None]) -> int:
    """Change the list of cells of one record (e.g. add or drop a cell)."""
    rows = _read(data, table)
    i = _index(rows, table, row_id)
    change(rows[i])
    _write(data, table, rows)
    return i + 1


def add_column(data: Path, table: str, name: str, value: str) -> int:
    rows = _read(data, table)
    _write(data, table, [rows[0] + [name]] + [r + [value] for r in rows[1:]])
    return 1


def append_row(data: Path, table: str, **values: str) -> int:
    rows = _read(data, table)
    rows.append([values.pop(name, "") for name in rows[0]])
    assert not values, f"unknown columns {values}"
    _write(data, table, rows)
    return len(rows)


def keep_rows(data: Path, table: str, keep: Callable[[dict[str, str]], bool]) -> None:
    rows = _read(data, table)
    _write(data, table, [rows[0]] + [r for r in rows[1:] if keep(dict(zip(rows[0], r, strict=False)))])


def replace_in_row(data: Path, table: str, row_id: str, old: str, new: str) -> int:
    """Replace raw text within the lines of one record, for damage the csv module cannot write.
    A character U+DC80..U+DCFF in `new` is written as the single byte 0x80..0xFF."""
    text = _path(data, table).read_text(encoding="utf-8")
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines)
    spans, start = [], 0
    for _ in reader:
        spans.append((start, reader.line_num))
        start = reader.line_num
    i = _index(_read(data, table), table, row_id)
    first, last = spans[i]
    record = "".join(lines[first:last])
    assert old in record, f"{old!r} not in {table} row {row_id}"
    lines[first:last] = [record.replace(old, new, 1)]
    _path(data, table).write_bytes("".join(lines).encode("utf-8", errors="surrogateescape"))
    return i + 1


def replace_in_header(data: Path, table: str, old: str, new: str) -> int:
    text = _path(data, table).read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    assert old in header
    _path(data, table).write_text(header.replace(old, new, 1) + "\n" + rest, encoding="utf-8")
    return 1


def rewrite_bytes(data: Path, table: str, change: Callable[[bytes], bytes]) -> None:
    path = _path(data, table)
    path.write_bytes(change(path.read_bytes()))


def semicolons(raw: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def header_only(raw: bytes) -> bytes:
    return raw.split(b"\n", 1)[0] + b"\n"


def validate(data: Path, modalities: tuple[str, ...] = ()) -> list[Problem]:
    return validate_package(data / "datapackage.yaml", modalities)


# --- the catalogue ----------------------------------------------------------------------------------


def case(
    id: str,
    edit: Callable[[Path], int | None],
    file: str,
    row: int | str | None,
    column: str | None,
    phrase: str,
    count: int | None = 1,
):
    """One bad input: `edit` damages the copy; a problem in `file`, `row`, `column` whose message
    contains `phrase` must be reported, and (unless count is None) nothing else."""
    return pytest.param(edit, file, row, column, phrase, count, id=id)


CASES = [
    # wrong types
    case(
        "studies-patients-text",
        lambda d: set_cell(d, "studies", "ryu2008", "patients", "forty-nine"),
        "studies.csv",
        EDITED,
        "patients",
        "'forty-nine' must be a whole number",
    ),
    case(
        "studies-year-decimal",
        lambda d: set_cell(d, "studies", "ryu2008", "year", "2008.5"),
        "studies.csv",
        EDITED,
        "year",
        "must be a whole number",
    ),
    case(
        "outcomes-value-decimal-comma",
        lambda d: set_cell(d, "outcomes", "shao_i125-nrs-w1", "value", "3,3"),
        "outcomes.csv",
        EDITED,
        "value",
        "'.' as the decimal point",
    ),
    case(
        "outcomes-value-with-unit",
        lambda d: set_cell(d, "outcomes", "ryu2008-relapse", "value", "6.9%"),
        "outcomes.csv",
        EDITED,
        "value",
        "must be a number",
    ),
    case(
        "outcomes-value-nan",
        lambda d: set_cell(d, "outcomes", "shao_i125-nrs-w1", "value", "NaN"),
        "outcomes.csv",
        EDITED,
        "value",
        "'NaN' must be a finite number",
    ),
    case(
        "certainty-judgement-text",
        lambda d: set_cell(d, "certainty", "srs/pain_response/imprecision", "judgement", "serious"),
        "certainty.csv",
        EDITED,
        "judgement",
        "'serious' must be a whole number",
    ),
    # empty required cells
    case(
        "studies-title-empty",
        lambda d: set_cell(d, "studies", "sun2026", "title", ""),
        "studies.csv",
        EDITED,
        "title",
        "is required but empty",
    ),
    case(
        "outcomes-locator-empty",
        lambda d: set_cell(d, "outcomes", "sun2026-nrs-0", "locator", ""),
        "outcomes.csv",
        EDITED,
        "locator",
        "is required but empty",
    ),
    case(
        "statements-statement-empty",
        lambda d: set_cell(d, "statements", "lin2006-hbi", "statement", ""),
        "statements.csv",
        EDITED,
        "statement",
        "is required but empty",
    ),
    case(
        "modalities-name-empty",
        lambda d: set_cell(d, "modalities", "i125", "name", ""),
        "modalities.csv",
        EDITED,
        "name",
        "is required but empty",
    ),
    case(
        "certainty-reason-empty",
        lambda d: set_cell(d, "certainty", "hfrt/pain_response/inconsistency", "reason", ""),
        "certainty.csv",
        EDITED,
        "reason",
        "is required but empty",
    ),
    case(
        "studies-primary-without-patients",
        lambda d: set_cell(d, "studies", "sun2026", "patients", ""),
        "studies.csv",
        EDITED,
        "patients",
        "a primary study needs its number of patients",
    ),
    # out of range
    case(
        "studies-patients-negative",
        lambda d: set_cell(d, "studies", "ryu2008", "patients", "-5"),
        "studies.csv",
        EDITED,
        "patients",
        "'-5' must be at least 1",
    ),
    case(
        "studies-year-1800",
        lambda d: set_cell(d, "studies", "ryu2008", "year", "1800"),
        "studies.csv",
        EDITED,
        "year",
        "'1800' must be at least 1900",
    ),
    case(
        "outcomes-percent-over-100",
        lambda d: set_cell(d, "outcomes", "ryu2008-relapse", "value", "140"),
        "outcomes.csv",
        EDITED,
        "value",
        "value 140 is outside 0-100, the range of unit '%'",
    ),
    case(
        "outcomes-pain-score-over-10",
        lambda d: set_cell(d, "outcomes", "shao_i125-nrs-w1", "value", "11"),
        "outcomes.csv",
        EDITED,
        "value",
        "value 11 is outside 0-10, the range of unit 'NRS 0-10'",
    ),
    case(
        "outcomes-sd-negative",
        lambda d: set_cell(d, "outcomes", "shao_i125-nrs-w1", "sd", "-0.9"),
        "outcomes.csv",
        EDITED,
        "sd",
        "'-0.9' must be at least 0",
    ),
    case(
        "outcomes-events-above-denominator",
        lambda d: set_cell(d, "outcomes", "sun2026-myelitis", "events", "9999"),
        "outcomes.csv",
        EDITED,
        "events",
        "events (9999) exceed the denominator",
        count=None,
    ),
    case(
        "outcomes-opioid-dose-negative",
        lambda d: set_cell(d, "outcomes", "shao_i125-ome-w1", "value", "-45.3"),
        "outcomes.csv",
        EDITED,
        "value",
        "value -45.3 is negative",
    ),
    case(
        "certainty-judgement-over-2",
        lambda d: set_cell(d, "certainty", "i125/pain_score/indirectness", "judgement", "3"),
        "certainty.csv",
        EDITED,
        "judgement",
        "'3' must be at most 2",
    ),
    # a series over time whose time points fold onto each other
    case(
        "outcomes-time-days-shared-by-two-timepoints",
        lambda d: set_cell(d, "outcomes", "shao_i125-nrs-w2", "time_days", "7"),
        "outcomes.csv",
        EDITED,
        "time_days",
        "time_days 7 is also given to timepoint 'week 1'",
    ),
    case(
        "outcomes-timepoint-with-two-time-days",
        lambda d: set_cell(d, "outcomes", "shao_i125-ome-w2", "timepoint", "week 1"),
        "outcomes.csv",
        EDITED,
        "time_days",
        "timepoint 'week 1' of shao_i125 'Daily oral morphine equivalent' has time_days 7",
    ),
    # rules across cells of a study
    case(
        "studies-dose-min-above-max",
        lambda d: set_cell(d, "studies", "sun2026", "dose_per_fraction_min_gy", "50"),
        "studies.csv",
        EDITED,
        "dose_per_fraction_min_gy",
        "is larger than dose_per_fraction_max_gy (10)",
    ),
    case(
        "studies-fractions-min-above-max",
        lambda d: set_cell(d, "studies", "sun2026", "fractions_min", "8"),
        "studies.csv",
        EDITED,
        "fractions_min",
        "fractions_min (8) is larger than fractions_max (7)",
    ),
    case(
        "studies-fewer-lesions-than-patients",
        lambda d: set_cell(d, "studies", "ryu2008", "lesions", "12"),
        "studies.csv",
        EDITED,
        "lesions",
        "fewer lesions (12) than patients (49)",
    ),
    # ids and links
    case(
        "studies-duplicate-id",
        lambda d: set_cell(d, "studies", "sun2026", "study_id", "ryu2008"),
        "studies.csv",
        EDITED,
        "study_id",
        "duplicate study_id 'ryu2008': row 2 has the same value",
        count=None,
    ),
    case(
        "outcomes-duplicate-id",
        lambda d: set_cell(d, "outcomes", "ryu2008-duration", "outcome_id", "ryu2008-relapse"),
        "outcomes.csv",
        EDITED,
        "outcome_id",
        "duplicate outcome_id 'ryu2008-relapse'",
    ),
    case(
        "statements-duplicate-id",
        lambda d: set_cell(d, "statements", "lin2006-hbi-replaced", "statement_id", "lin2006-hbi"),
        "statements.csv",
        EDITED,
        "statement_id",
        "duplicate statement_id 'lin2006-hbi'",
    ),
    case(
        "modalities-duplicate-id",
        lambda d: set_cell(d, "modalities", "hfrt", "modality_id", "srs"),
        "modalities.csv",
        EDITED,
        "modality_id",
        "duplicate modality_id 'srs': row 2 has the same value",
        count=None,  # and the rows that name hfrt no longer find it
    ),
    case(
        "certainty-duplicate-judgement",
        lambda d: set_cell(d, "certainty", "srs/pain_response/inconsistency", "factor", "risk_of_bias"),
        "certainty.csv",
        EDITED,
        "modality_id, comparator_id, outcome_domain, factor",
        "the combination ('srs', '', 'pain_response', 'risk_of_bias') appears twice",
    ),
    case(
        "outcomes-dangling-study",
        lambda d: set_cell(d, "outcomes", "sun2026-myelitis", "study_id", "sun2025"),
        "outcomes.csv",
        EDITED,
        "study_id",
        "'sun2025' is not a study_id in data/studies.csv",
    ),
    case(
        "statements-dangling-study",
        lambda d: set_cell(d, "statements", "lin2006-team", "study_id", "lin2007"),
        "statements.csv",
        EDITED,
        "study_id",
        "'lin2007' is not a study_id in data/studies.csv",
    ),
    case(
        "studies-unknown-modality",
        lambda d: set_cell(d, "studies", "ryu2008", "modality_id", "sbrt"),
        "studies.csv",
        EDITED,
        "modality_id",
        "'sbrt' is not a modality_id in data/modalities.csv",
    ),
    case(
        "statements-unknown-modality",
        lambda d: set_cell(d, "statements", "lin2006-hbi", "modality_id", "hemibody"),
        "statements.csv",
        EDITED,
        "modality_id",
        "'hemibody' is not a modality_id in data/modalities.csv",
    ),
    case(
        "certainty-unknown-modality",
        lambda d: set_cell(d, "certainty", "i125/pain_score/imprecision", "modality_id", "i-125"),
        "certainty.csv",
        EDITED,
        "modality_id",
        "'i-125' is not a modality_id in data/modalities.csv",
    ),
    # unknown enum values
    case(
        "studies-unknown-design",
        lambda d: set_cell(d, "studies", "ryu2008", "design", "RCT"),
        "studies.csv",
        EDITED,
        "design",
        "'RCT' must be one of: randomised_trial, clinical_trial",
    ),
    case(
        "outcomes-unknown-domain",
        lambda d: set_cell(d, "outcomes", "ryu2008-relapse", "domain", "pain relapse"),
        "outcomes.csv",
        EDITED,
        "domain",
        "must be one of: pain_response",
    ),
    case(
        "outcomes-unknown-statistic",
        lambda d: set_cell(d, "outcomes", "shao_i125-nrs-w4", "statistic", "average"),
        "outcomes.csv",
        EDITED,
        "statistic",
        "'average' must be one of: percent, count, mean",
    ),
    case(
        "outcomes-unknown-unit",
        lambda d: set_cell(d, "outcomes", "shao_i125-nrs-w4", "unit", "NRS"),
        "outcomes.csv",
        EDITED,
        "unit",
        "'NRS' is neither a unit (%, patients, days, hours, weeks, months, mg/day, ratio) nor a scale of "
        "scales.csv (NRS 0-10, VAS 0-10); declare a new scale",
    ),
    case(
        "certainty-unknown-factor",
        lambda d: set_cell(d, "certainty", "srs/pain_response/imprecision", "factor", "precision"),
        "certainty.csv",
        EDITED,
        "factor",
        "'precision' must be one of: risk_of_bias",
    ),
    # patterns
    case(
        "studies-pmid-leading-zero",
        lambda d: set_cell(d, "studies", "hosono1995", "pmid", "07634599"),
        "studies.csv",
        EDITED,
        "pmid",
        "must be a PubMed id",
    ),
    case(
        "studies-doi-with-prefix",
        lambda d: set_cell(d, "studies", "ryu2008", "doi", "https://doi.org/10.1016/j.jpainsymman.2007.04.020"),
        "studies.csv",
        EDITED,
        "doi",
        "must be a bare DOI",
    ),
    case(
        "studies-pmcid-without-prefix",
        lambda d: set_cell(d, "studies", "sun2026", "pmcid", "12853395"),
        "studies.csv",
        EDITED,
        "pmcid",
        "'PMC' followed by digits",
    ),
    case(
        "outcomes-p-value-text",
        lambda d: set_cell(d, "outcomes", "sun2026-nrs-1m", "p_value", "p<0.001"),
        "outcomes.csv",
        EDITED,
        "p_value",
        "must be a p-value between 0 and 1",
    ),
    # outcome rules
    case(
        "outcomes-response-categories-over-100",
        lambda d: set_cell(d, "outcomes", "ryu2008-relief-stable", "value", "60"),
        "outcomes.csv",
        EDITED,
        "value",
        "response categories of ryu2008 add up to 124.9 %, more than 100 %",
    ),
    case(
        "outcomes-test-only-with-value",
        lambda d: set_cell(d, "outcomes", "shao_i125-hads", "value", "12"),
        "outcomes.csv",
        EDITED,
        "value",
        "statistic 'test_only' carries no value",
    ),
    case(
        "outcomes-count-without-events",
        lambda d: set_cell(d, "outcomes", "sun2026-myelitis", "events", ""),
        "outcomes.csv",
        EDITED,
        "events",
        "a count needs its number of events",
    ),
    case(
        "outcomes-percent-with-wrong-unit",
        lambda d: set_cell(d, "outcomes", "ryu2008-relapse", "unit", "patients"),
        "outcomes.csv",
        EDITED,
        "unit",
        "a percent statistic must have unit '%'",
    ),
    case(
        "outcomes-hazard-ratio-zero",
        lambda d: set_cell(d, "outcomes", "sun2026-reirradiation-hr", "value", "0"),
        "outcomes.csv",
        EDITED,
        "value",
        "a hazard ratio must be above 0, not 0",
    ),
    case(
        "outcomes-hazard-ratio-negative",
        lambda d: set_cell(d, "outcomes", "sun2026-reirradiation-hr", "value", "-0.43"),
        "outcomes.csv",
        EDITED,
        "value",
        "a hazard ratio must be above 0, not -0.43",
    ),
    case(
        "outcomes-of-a-narrative-review",
        lambda d: set_cell(d, "outcomes", "sun2026-myelitis", "study_id", "hosono1995"),
        "outcomes.csv",
        EDITED,
        "study_id",
        "a narrative review gives statements, not effect estimates",
    ),
    # malformed CSV
    case(
        "csv-ragged-row-extra-cell",
        lambda d: edit_row(d, "modalities", "hfrt", lambda r: r.insert(3, "HFRT")),
        "modalities.csv",
        EDITED,
        None,
        "row has 5 cells but the header has 4 columns",
    ),
    case(
        "csv-row-missing-cell",
        lambda d: edit_row(d, "certainty", "hfrt/pain_response/indirectness", lambda r: r.pop()),
        "certainty.csv",
        EDITED,
        None,
        "row has 5 cells but the header has 6 columns",
    ),
    case(
        "csv-unbalanced-quote",
        lambda d: replace_in_row(d, "statements", "lin2006-hbi", 'substantial toxicity."', "substantial toxicity."),
        "statements.csv",
        EDITED,
        "statement",
        "a double quote is not balanced",
    ),
    case(
        "csv-text-after-closing-quote",
        lambda d: replace_in_row(d, "modalities", "srs", 'one session."', 'one session." (SRS)'),
        "modalities.csv",
        EDITED,
        "description",
        "a double quote is not balanced",
    ),
    case(
        "csv-semicolon-delimiter",
        lambda d: rewrite_bytes(d, "certainty", semicolons),
        "certainty.csv",
        1,
        None,
        "cells are separated by semicolons, not commas",
    ),
    case(
        "csv-byte-order-mark",
        lambda d: rewrite_bytes(d, "studies", lambda b: b"\xef\xbb\xbf" + b),
        "studies.csv",
        1,
        None,
        "byte-order mark (BOM)",
    ),
    case(
        "csv-windows-1252-byte",
        lambda d: replace_in_row(d, "studies", "sun2026", "4.5–10 Gy", "4.5\udc9610 Gy"),  # en dash in Windows-1252
        "studies.csv",
        EDITED,
        "regimen",
        "byte 0x96 is not valid UTF-8",
    ),
    case(
        "csv-utf16",
        lambda d: rewrite_bytes(d, "modalities", lambda b: b.decode("utf-8").encode("utf-16")),
        "modalities.csv",
        None,
        None,
        "saved as UTF-16",
    ),
    case(
        "csv-nul-byte",
        lambda d: replace_in_row(d, "statements", "lin2006-team", "work together", "work\x00together"),
        "statements.csv",
        EDITED,
        "statement",
        "NUL byte",
    ),
    case(
        "csv-blank-row",
        lambda d: edit_row(d, "outcomes", "ryu2008-relapse", lambda r: r.__setitem__(slice(None), [""] * len(r))),
        "outcomes.csv",
        EDITED,
        None,
        "row is blank",
    ),
    case(
        "csv-missing-column",
        lambda d: replace_in_header(d, "outcomes", ",sd,", ",standard_deviation,"),
        "outcomes.csv",
        1,
        "sd",
        "the header lacks the column 'sd'",
        count=2,
    ),
    case(
        "csv-extra-column",
        lambda d: add_column(d, "modalities", "colour", "#336699"),
        "modalities.csv",
        1,
        "colour",
        "the header has a column 'colour' that datapackage.yaml does not declare",
    ),
    case(
        "csv-columns-swapped",
        lambda d: replace_in_header(d, "statements", "topic,statement", "statement,topic"),
        "statements.csv",
        1,
        None,
        "columns are not in the order declared in datapackage.yaml",
    ),
    case(
        "csv-empty-file",
        lambda d: rewrite_bytes(d, "studies", lambda b: b""),
        "studies.csv",
        None,
        None,
        "file is empty; it needs at least the header row",
    ),
    case(
        "csv-missing-file", lambda d: _path(d, "statements").unlink(), "statements.csv", None, None, "file is missing"
    ),
    case(
        "modalities-header-only",
        lambda d: rewrite_bytes(d, "modalities", header_only),
        "modalities.csv",
        None,
        None,
        "the briefing needs at least one modality",
        count=2,
    ),
    # found by trying mistakes a new user would make
    case(
        "outcomes-events-contradict-percent",
        lambda d: set_cell(d, "outcomes", "sun2026-improved-1m", "events", "40"),
        "outcomes.csv",
        EDITED,
        "events",
        "does not round to the stated 84.5 %",
    ),
    case(
        "outcomes-study-id-trailing-space",
        lambda d: set_cell(d, "outcomes", "sun2026-myelitis", "study_id", "sun2026 "),
        "outcomes.csv",
        EDITED,
        "study_id",
        "leading or trailing space",
    ),
]


@pytest.mark.parametrize("edit, file, row, column, phrase, count", CASES)
def test_bad_input_is_reported(data_dir, edit, file, row, column, phrase, count):
    edited = edit(data_dir)
    problems = validate(data_dir)
    expected_row = edited if row == EDITED else row
    assert expected_row != EDITED and not (row == EDITED and edited is None)
    wanted = [
        p
        for p in problems
        if p.file == f"data/{file}" and p.row == expected_row and p.column == column and phrase in p.message
    ]
    assert wanted, f"expected data/{file}, row {expected_row}, column {column!r}: ...{phrase}...\n" + format_problems(
        problems
    )
    if count is not None:
        assert len(problems) == count, format_problems(problems)


def test_catalogue_is_large_enough():
    assert len(CASES) >= 35


# --- legal input ---------------------------------------------------------------------------------


def test_seed_data_are_valid():
    assert validate_package(DATA / "datapackage.yaml") == []
    modality_ids = [r[0] for r in _read(DATA, "modalities")[1:]]
    assert validate_package(DATA / "datapackage.yaml", modality_ids) == []


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda d: rewrite_bytes(d, "outcomes", lambda b: b.replace(b"\n", b"\r\n")), id="windows-crlf-line-endings"
        ),
        pytest.param(
            lambda d: [rewrite_bytes(d, t, lambda b: b.replace(b"\n", b"\r\n")) for t in KEYS], id="crlf-in-every-file"
        ),
        pytest.param(
            lambda d: set_cell(d, "studies", "ryu2008", "authors", "Müller J, Øberg K, 李 华, Ryu S"),
            id="unicode-authors",
        ),
        pytest.param(
            # With its judgements of the outcomes it no longer reports (bodies without data are refused).
            lambda d: [
                keep_rows(d, "outcomes", lambda o: o["study_id"] != "sun2026" or o["outcome_id"] == "sun2026-myelitis"),
                keep_rows(d, "certainty", lambda c: c["modality_id"] != "hfrt" or c["outcome_domain"] == "toxicity"),
            ],
            id="study-with-a-single-outcome",
        ),
        pytest.param(
            lambda d: append_row(
                d,
                "modalities",
                modality_id="vertebroplasty",
                name="Percutaneous vertebroplasty",
                short_name="Vertebroplasty",
                description="Bone cement injected into the vertebral body.",
            ),
            id="modality-without-studies",
        ),
        pytest.param(
            lambda d: set_cell(d, "outcomes", "ryu2008-relapse", "note", "First line.\nSecond line, with a comma."),
            id="line-break-inside-a-quoted-cell",
        ),
        pytest.param(
            lambda d: set_cell(d, "statements", "lin2006-team", "statement", 'The authors call it "team work".'),
            id="escaped-quotes-inside-a-cell",
        ),
        pytest.param(lambda d: rewrite_bytes(d, "modalities", lambda b: b + b"\n\n"), id="trailing-empty-lines"),
        pytest.param(lambda d: rewrite_bytes(d, "certainty", lambda b: b.rstrip(b"\n")), id="no-newline-at-end"),
    ],
)
def test_legal_but_unusual_input_is_accepted(data_dir, edit):
    edit(data_dir)
    assert validate(data_dir) == []


def test_rows_after_a_multiline_cell_keep_their_spreadsheet_number(data_dir):
    set_cell(data_dir, "outcomes", "ryu2008-relief-partial", "note", "one\ntwo\nthree")
    row = set_cell(data_dir, "outcomes", "ryu2008-duration", "value", "long")
    assert [(p.row, p.column) for p in validate(data_dir)] == [(row, "value")]


def test_new_modality_can_be_configured(data_dir):
    append_row(
        data_dir,
        "modalities",
        modality_id="vertebroplasty",
        name="Percutaneous vertebroplasty",
        short_name="Vertebroplasty",
        description="Bone cement injected into the vertebral body.",
    )
    assert validate(data_dir, (*SEED_MODALITIES, "vertebroplasty")) == []


# --- configuration, reporting --------------------------------------------------------------------


def test_unknown_modality_in_the_config(data_dir):
    problems = validate(data_dir, (*SEED_MODALITIES, "xyz"))
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.row, problem.column) == ("config", None, "modalities")
    assert "modality 'xyz' is not in the modalities table" in problem.message
    assert "srs" in problem.message  # the known ones are listed


def test_problem_reads_as_file_row_column_message(data_dir):
    row = set_cell(data_dir, "outcomes", "shao_i125-nrs-w1", "value", "11")
    (problem,) = validate(data_dir)
    expected = "value 11 is outside 0-10, the range of unit 'NRS 0-10'"
    assert str(problem) == f"data/outcomes.csv, row {row}, column 'value': {expected}"


def test_problems_in_several_files_are_reported_in_one_run(data_dir):
    study_row = set_cell(data_dir, "studies", "ryu2008", "year", "1800")
    outcome_row = set_cell(data_dir, "outcomes", "shao_i125-nrs-w2", "unit", "points")
    certainty_row = set_cell(data_dir, "certainty", "hfrt/pain_response/inconsistency", "judgement", "-3")
    rewrite_bytes(data_dir, "statements", semicolons)  # a whole file unreadable does not hide the others
    rewrite_bytes(data_dir, "modalities", lambda b: b"\xef\xbb\xbf" + b)
    problems = validate(data_dir, (*SEED_MODALITIES, "xyz"))
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("config", None, "modalities"),
        ("data/certainty.csv", certainty_row, "judgement"),
        ("data/modalities.csv", 1, None),
        ("data/outcomes.csv", outcome_row, "unit"),
        ("data/statements.csv", 1, None),
        ("data/studies.csv", study_row, "year"),
    ]


def test_every_problem_is_reported_in_one_text(data_dir):
    set_cell(data_dir, "studies", "ryu2008", "year", "1800")
    set_cell(data_dir, "outcomes", "sun2026-myelitis", "study_id", "nobody")
    problems = validate(data_dir)
    assert len(problems) == 2
    text = format_problems(problems)
    assert text.startswith("The data package has 2 problem(s)")
    for problem in problems:
        assert f"  - {problem}" in text


def test_missing_descriptor(tmp_path):
    (problem,) = validate_package(tmp_path / "datapackage.yaml")
    assert "descriptor is missing" in problem.message


def test_unknown_type_in_the_descriptor_is_reported_not_raised(data_dir):
    descriptor = data_dir / "datapackage.yaml"
    descriptor.write_text(
        descriptor.read_text(encoding="utf-8").replace("name: year, type: integer", "name: year, type: int"),
        encoding="utf-8",
    )
    (problem,) = validate(data_dir)
    assert (problem.file, problem.row) == ("data/datapackage.yaml", None)
    assert 'field type "int" is not supported' in problem.message


# --- the config and the data agree (issue 29, item 5) --------------------------------------------
# A real trial (Patchell 2005, PMID 16112300, tests/fixtures/real_studies/) whose surgery arm a
# curator puts in a modality declared in modalities.csv but left out of the config's `modalities:`:
# `make check` said "the data are valid (7 modalities)" and the build died in briefing_html with
# KeyError: 'patchell2005' (its radiotherapy arm cites it in cebrt's section, and only the config's
# modalities number their studies as references).

DECOMPRESSION = {
    "modality_id": "decompression",
    "name": "Direct decompressive surgery",
    "short_name": "Decompressive surgery",
    "description": "Surgical decompression of the spinal cord, followed by radiotherapy.",
}


def in_a_modality_the_config_omits(data: Path) -> None:
    """Patchell 2005 in the new modality 'decompression', declared but not in the config."""
    from conftest import edit_rows
    from real_studies import add_studies

    append_row(data, "modalities", **DECOMPRESSION)
    add_studies(data.parent, {"patchell2005"})
    edit_rows(data / "studies.csv", "patchell2005", modality_id="decompression")
    edit_rows(data / "arms.csv", "patchell2005-surgery", modality_id="decompression")
    # Its judgements rate the body of evidence the trial now belongs to: decompression against cebrt.
    rows = _read(data, "certainty")
    for r in rows[1:]:
        if r[rows[0].index("modality_id")] == "surgery" and r[rows[0].index("comparator_id")] == "cebrt":
            r[rows[0].index("modality_id")] = "decompression"
    _write(data, "certainty", rows)


def row_of(data: Path, table: str, column: str, value: str) -> list[int]:
    rows = list(csv.DictReader(open(data / f"{table}.csv", encoding="utf-8", newline="")))
    return [n for n, r in enumerate(rows, start=2) if r[column] == value]


def test_a_study_of_a_modality_the_config_omits_is_refused_where_it_is_entered(data_dir):
    in_a_modality_the_config_omits(data_dir)
    problems = validate(data_dir, SEED_MODALITIES)
    where = {(p.file, p.row, p.column) for p in problems}
    assert where == {
        ("data/studies.csv", *row_of(data_dir, "studies", "study_id", "patchell2005"), "modality_id"),
        ("data/arms.csv", *row_of(data_dir, "arms", "arm_id", "patchell2005-surgery"), "modality_id"),
    } | {
        ("data/certainty.csv", n, "modality_id") for n in row_of(data_dir, "certainty", "modality_id", "decompression")
    }, format_problems(problems)
    for problem in problems:  # the way out: the config, or the rows
        assert "modality 'decompression' is not in the config's `modalities:` (config/config.yaml)" in problem.message
        assert "add 'decompression' to `modalities:`" in problem.message
    assert validate(data_dir, (*SEED_MODALITIES, "decompression")) == []


@pytest.mark.parametrize(
    "table, key, value",
    [
        ("studies", "study_id", "ryu2008"),
        ("certainty", "modality_id", "srs"),
        ("statements", "statement_id", "lin2006-hbi"),
    ],
)
def test_every_row_of_a_modality_the_config_omits_is_named(data_dir, table, key, value):
    modality = next(
        r["modality_id"] for r in csv.DictReader(open(data_dir / f"{table}.csv", encoding="utf-8")) if r[key] == value
    )
    config = tuple(m for m in SEED_MODALITIES if m != modality)
    problems = [p for p in validate(data_dir, config) if p.file == f"data/{table}.csv"]
    assert problems and {p.column for p in problems} == {"modality_id"}
    assert {p.row for p in problems} == set(row_of(data_dir, table, "modality_id", modality))
    assert f"add '{modality}' to `modalities:`" in problems[0].message


def test_an_arm_of_a_modality_the_config_omits_is_refused(data_dir):
    from real_studies import add_studies

    add_studies(data_dir.parent, {"patchell2005"})  # its radiotherapy arm is cebrt
    problems = validate(data_dir, tuple(m for m in SEED_MODALITIES if m != "cebrt"))
    arms = [p for p in problems if p.file == "data/arms.csv"]
    assert [(p.row, p.column) for p in arms] == [
        (*row_of(data_dir, "arms", "arm_id", "patchell2005-rt"), "modality_id")
    ]
    assert "leave modality_id empty if the arm's treatment is outside the briefing's modalities" in arms[0].message


def test_a_review_the_briefing_would_show_nowhere_is_refused(data_dir):
    keep_rows(data_dir, "statements", lambda s: s["study_id"] != "hosono1995")  # its only link to a section
    (problem,) = validate(data_dir, SEED_MODALITIES)
    assert (problem.file, problem.row, problem.column) == (
        "data/studies.csv",
        *row_of(data_dir, "studies", "study_id", "hosono1995"),
        "modality_id",
    )
    assert "would show it nowhere" in problem.message and "give it the modality it is about" in problem.message


def test_a_modality_declared_without_rows_need_not_be_configured(data_dir):
    append_row(data_dir, "modalities", **DECOMPRESSION)
    assert validate(data_dir, SEED_MODALITIES) == []


# Data that validation lets through render: the combine step and both editions of briefing_html,
# in-process, on the seeds with the real studies, as a build of the config's modalities.
REAL = {"patchell2005", "scorad2019", "saito2019", "rtog0631", "cafe2011", "zhang2016_i125", "li2023_i125"}


@pytest.mark.parametrize("omitted", [None, "surgery", "srs", "decompression"])
def test_what_validation_lets_through_renders(data_dir, omitted):
    from conftest import edit_rows
    from real_studies import add_studies

    add_studies(data_dir.parent, REAL | {"qian2016_surgery"})
    if omitted == "decompression":
        append_row(data_dir, "modalities", **DECOMPRESSION)
        edit_rows(data_dir / "studies.csv", "patchell2005", modality_id="decompression")
        edit_rows(data_dir / "arms.csv", "patchell2005-surgery", modality_id="decompression")
    modalities = [m for m in SEED_MODALITIES if m != omitted]
    problems = validate(data_dir, tuple(modalities))
    # Every modality listed: valid; one left out: its rows refused (each modality here has some).
    assert bool(problems) == (omitted is not None), format_problems(problems)
    if not problems:  # refused, nothing runs; else it renders
        render_briefing(data_dir, modalities)


def test_a_figure_label_that_reads_like_a_link_renders(data_dir):
    """A figure's labels are text: words such as 'javascript:' in a measure made briefing_html
    refuse the chart as active content (ValueError) after validation had passed."""
    set_cell(data_dir, "outcomes", "ryu2008-relief-complete", "measure", "Complete relief (javascript: see note)")
    assert validate(data_dir, SEED_MODALITIES) == []
    assert "javascript: see note" in render_briefing(data_dir, list(SEED_MODALITIES))


def render_briefing(data_dir: Path, modalities: list[str]) -> str:
    """The combine step and both editions of briefing_html, in-process, as a build of these
    modalities; the HTML edition."""
    import json

    import yaml

    from briefing.assemble import combine, summary
    from briefing.data import evidence
    from briefing.present import render
    from conftest import PROVENANCE, ROOT

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8")) | {"modalities": modalities}
    package = data_dir / "datapackage.yaml"
    summaries = [
        summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, config["analysis"]))))
        for m in modalities
    ]
    tables = evidence.read_tables(package)
    context = combine.build(config, summaries, tables, evidence.general_statements(tables), PROVENANCE)
    context = json.loads(evidence.dumps(context))  # as the briefing_html step reads it
    printed = render.render_html(context, ROOT / "templates", print_edition=True)
    assert "</html>" in printed
    return render.render_html(context, ROOT / "templates")


# --- make check checks the config as the build does ------------------------------------------------


def make_check(tmp_path: Path, **changes) -> tuple[int, str, str]:
    """`python -m briefing check` (make check) in-process, with a config changed as given."""
    import contextlib

    import yaml

    from briefing import cli
    from conftest import ROOT

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8")) | changes
    config = {k: v for k, v in config.items() if v is not ...}
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["check", "--config", str(tmp_path / "config" / "config.yaml")])
    return code, out.getvalue(), err.getvalue()


def test_make_check_refuses_a_study_of_a_modality_the_config_omits(data_dir):
    in_a_modality_the_config_omits(data_dir)
    code, out, err = make_check(data_dir.parent)
    assert code == 1 and "the data are valid" not in out
    row = row_of(data_dir, "studies", "study_id", "patchell2005")[0]
    assert f"data/studies.csv, row {row}, column 'modality_id': modality 'decompression' is not in the config" in err


@pytest.mark.parametrize(
    "changes, column, phrase",
    [
        ({"titel": "A typo"}, None, "'titel' was unexpected"),
        ({"modalities": []}, "modalities", "should be non-empty"),
        ({"outputs": {"dir": "reports", "print_cites_max": "six"}}, "outputs.print_cites_max", "'six' is not of type"),
        ({"title": ...}, None, "'title' is a required property"),
        ({"previous_edition": "previous.json"}, "previous_edition", "is not a briefing.json"),
    ],
    ids=["unknown-key", "no-modalities", "wrong-type", "missing-key", "previous-edition-not-json"],
)
def test_make_check_refuses_a_config_the_build_would_refuse(data_dir, changes, column, phrase):
    (data_dir.parent / "previous.json").write_text("<html>not the briefing.json</html>", encoding="utf-8")
    code, out, err = make_check(data_dir.parent, **changes)
    where = "config" + (f", column '{column}'" if column else "")
    assert code == 1 and f"  - {where}: " in err and phrase in err, err


def test_make_check_passes_the_config_as_it_is(data_dir):
    code, out, err = make_check(data_dir.parent)
    assert code == 0 and "the data are valid (7 modalities)" in out, err


# --- the cell checks are Frictionless' own --------------------------------------------------------
# validation._cell_errors and _link_errors loop over the rows themselves (Frictionless' package
# validation re-validated the descriptor's metadata per table and per link: 75 % of the time).
# Frictionless' package validation of the same inline rows is the reference they must match.
ORACLE_CASES = [
    "studies-patients-text",  # a type error
    "outcomes-value-decimal-comma",  # a number's type
    "studies-title-empty",  # required
    "studies-year-1800",  # minimum
    "outcomes-unknown-domain",  # enum
    "studies-pmid-leading-zero",  # pattern
    "studies-duplicate-id",  # unique
    "certainty-duplicate-judgement",  # primary key of three columns
    "outcomes-dangling-study",  # a link
    "outcomes-study-id-trailing-space",
    "csv-row-missing-cell",  # a row padded for Frictionless, then skipped
    "modalities-header-only",  # links into an empty table
]


def frictionless_errors(descriptor: dict, tables: dict) -> set[tuple]:
    import frictionless

    resources = [
        {
            "name": r["name"],
            "type": "table",
            "schema": r["schema"],
            "data": [tables[r["name"]].names] + tables[r["name"]].records,
        }
        for r in descriptor["resources"]
    ]
    report = frictionless.Package.from_descriptor({"name": "package", "resources": resources}).validate()
    return {_error_key(task.name, e.to_dict()) for task in report.tasks for e in task.errors}


def _error_key(table: str, e: dict) -> tuple:
    """What validation reads of an error (a row's cells only for a key: they name its values; a
    link's note not at all)."""
    names = ("type", "rowNumber", "fieldName", "cell", "fieldNames", "fieldCells", "referenceName")
    note = "" if e["type"] == "foreign-key" else e.get("note")
    return (
        (table, note)
        + tuple(str(e.get(k)) for k in names)
        + (str(e.get("cells")) if e["type"] == "primary-key" else "",)
    )


@pytest.mark.parametrize("case_id", ORACLE_CASES + ["real-studies"])
def test_the_cell_and_link_checks_report_what_frictionless_package_validation_reports(data_dir, case_id):
    from briefing.data.evidence import read_package_descriptor
    from briefing.verify import validation
    from real_studies import add_studies

    if case_id == "real-studies":
        add_studies(data_dir.parent)
        set_cell(data_dir, "outcomes", _read(data_dir, "outcomes")[-1][0], "study_id", "nosuch")
    else:
        (case_,) = [c for c in CASES if c.id == case_id]
        case_.values[0](data_dir)
    descriptor = read_package_descriptor(data_dir / "datapackage.yaml")
    tables = {
        r["name"]: validation._read_table(r["name"], data_dir / r["path"], r["schema"])[0]
        for r in descriptor["resources"]
    }
    ours = {
        name: validation._cell_errors(tables[name], r["schema"])
        for name, r in ((r["name"], r) for r in descriptor["resources"])
    }
    links, _ = validation._link_errors(
        descriptor, "datapackage.yaml", tables, {n: typed for n, (typed, _) in ours.items()}
    )
    found = {_error_key(n, e) for n, (_, errors) in ours.items() for e in errors}
    found |= {_error_key(n, e) for n, errors in links.items() for e in errors}
    expected = frictionless_errors(descriptor, tables)
    assert found, "every case has an error of the schema"
    assert found == expected
