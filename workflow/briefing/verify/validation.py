"""Validation of the curated data package: the files as CSV first, then the Frictionless schema,
then the rules that span several cells or rows. Every problem names file, row and column; all
are reported at once.

Rows are counted as a spreadsheet shows them: the header is row 1, the first record row 2.

The CSV files are parsed here (strictly, with Python's csv module, as `evidence.py` reads them),
and each cell is read by Frictionless' reader of its Table Schema field. Frictionless reading the
files would guess the delimiter and accept a semicolon file that the rest of the workflow cannot
read, and a broken file would bury its one real fault under dozens of follow-on errors.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

import frictionless
import yaml

from briefing.core import numbers
from briefing.core.vocabulary import DESIGNS, DOMAINS, EFFECT_MEASURES, STATISTICS, UNITS, statistic_of
from briefing.data import curation
from briefing.data.evidence import read_package_descriptor
from briefing.grade import bodies, certainty, risk_of_bias
from briefing.schema.models import Problem
from briefing.stats.effects import percent_reproduced

if TYPE_CHECKING:
    pass

if TYPE_CHECKING:
    from briefing.schema.models import StatedComparison

if TYPE_CHECKING:
    from briefing.schema.models import Arm, CertaintyRow, Outcome, Study


def format_problems(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    lines = [f"The data package has {len(problems)} problem(s) (rows counted with the header as row 1):"]
    lines += [f"  - {p}" for p in problems]
    return "\n".join(lines)


def _display(path: Path) -> str:
    """Path as the author would type it: relative to the working directory where possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# Reading the files


@dataclass
class _Table:
    name: str
    file: str
    fields: list[dict[str, Any]]
    key: list[str]
    broken: bool = False  # unreadable, or a header that does not match: no row can be trusted
    records: list[list[str]] = field(default_factory=list)  # cells of rows 2, 3, ...
    skip: set[int] = field(default_factory=set)  # rows already reported as malformed

    @property
    def names(self) -> list[str]:
        return [f["name"] for f in self.fields]


class _Unreadable(Exception):
    """A file no row of which can be trusted: where, and what to do."""

    def __init__(self, row: int | None, column: str | None, message: str) -> None:
        super().__init__(message)
        self.row, self.column, self.message = row, column, message


def _read_table(name: str, path: Path, schema: dict[str, Any]) -> tuple[_Table, list[Problem]]:
    key = schema.get("primaryKey", [])
    table = _Table(name, _display(path), schema["fields"], [key] if isinstance(key, str) else list(key))
    problems: list[Problem] = []
    try:
        rows = _csv_rows(_text(path, table, problems), table)
    except _Unreadable as exc:
        table.broken = True
        table.records = []
        return table, problems + [Problem(table.file, exc.row, exc.column, exc.message)]
    header_problems = _header_problems(table, rows[0])
    if header_problems:
        table.broken = True
        return table, problems + header_problems
    return table, problems + _records(table, rows)


def _text(path: Path, table: _Table, problems: list[Problem]) -> str:
    """The file as text, or _Unreadable saying why it is not UTF-8 CSV text."""
    if not path.is_file():
        raise _Unreadable(None, None, "file is missing")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Unreadable(None, None, "file is saved as UTF-16 (Excel's 'Unicode text'); save it as UTF-8 CSV")
    if raw.startswith(b"\xef\xbb\xbf"):
        # Excel's "CSV UTF-8" adds it; strict readers then see a mangled first column name.
        problems.append(
            Problem(table.file, 1, None, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")
        )
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unreadable(*_locate_bad_byte(raw, exc.start)) from None
    if "\x00" in text:  # valid UTF-8 and accepted by csv, but a sign of UTF-16 or a binary file
        raise _Unreadable(*_locate_bad_byte(raw, raw.index(b"\x00")))
    if not text.strip():
        raise _Unreadable(None, None, "file is empty; it needs at least the header row: " + ",".join(table.names))
    return text


def _csv_rows(text: str, table: _Table) -> list[list[str]]:
    """The cells of every record, or _Unreadable naming the record whose quotes do not balance or
    a file separated by something other than commas."""
    rows: list[list[str]] = []
    lines_read = 0
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for cells in reader:
            rows.append(cells)
            lines_read = reader.line_num  # a record spans several lines if a cell holds line breaks
    except csv.Error:
        # The faulty record starts on the line after the last complete one.
        first_line = io.StringIO(text, newline="").readlines()[lines_read].rstrip("\r\n")
        index = _unclosed_quote_cell(first_line)
        header = rows[0] if rows else []
        column = header[index] if index is not None and index < len(header) else None
        message = (
            'a double quote is not balanced: a cell that starts with " must end with " just before '
            'the next comma or the end of the row (write "" for a quote inside a cell)'
        )
        raise _Unreadable(len(rows) + 1, column, message) from None
    header = rows[0]
    if len(header) == 1 and len(table.fields) > 1:
        for sep, sep_name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if sep in header[0]:
                message = f"cells are separated by {sep_name}, not commas; save the file as comma-separated CSV"
                raise _Unreadable(1, None, message)
    return rows


def _records(table: _Table, rows: list[list[str]]) -> list[Problem]:
    """The table's records, each as wide as the header; blank and ragged rows are reported and
    skipped by the later checks."""
    problems = []
    # Empty lines at the very end are what many editors leave behind; they carry no record.
    while len(rows) > 1 and not rows[-1]:
        rows.pop()
    width = len(rows[0])
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            problems.append(Problem(table.file, number, None, "row is blank; delete it"))
            table.skip.add(number)
        elif len(cells) != width:
            hint = (
                "a cell containing a comma must be put in double quotes"
                if len(cells) > width
                else "every row needs a cell, possibly empty, for each column"
            )
            message = f"row has {len(cells)} cells but the header has {width} columns; {hint}"
            problems.append(Problem(table.file, number, None, message))
            table.skip.add(number)
        # Padded or cut to the header's width so that Frictionless still sees the row's id,
        # but its cell errors are dropped (see `skip`): they would only follow from the shift.
        table.records.append((cells + [""] * width)[:width])
    return problems


def _unclosed_quote_cell(line: str) -> int | None:
    """Index of the cell on this line whose opening quote is not properly closed."""
    index, i = 0, 0
    while i <= len(line):
        if line[i : i + 1] == '"':
            j = i + 1
            while True:
                j = line.find('"', j)
                if j == -1:
                    return index  # still open at the end of the line
                if line[j + 1 : j + 2] == '"':
                    j += 2  # an escaped quote inside the cell
                    continue
                break
            if line[j + 1 : j + 2] not in ("", ","):
                return index  # text after the closing quote
            i = j + 2
        else:
            comma = line.find(",", i)
            if comma == -1:
                return None
            i = comma + 1
        index += 1
    return None


def _locate_bad_byte(raw: bytes, offset: int) -> tuple[int | None, str | None, str]:
    """Row and column of a byte that is not UTF-8 text (or a NUL), and a message naming it."""
    bad = raw[offset]
    if bad == 0:
        message = "contains a NUL byte (0x00); the file is not plain text (UTF-16 perhaps); save it as UTF-8"
    else:
        try:
            guess = f" (in Windows-1252 it would be {bytes([bad]).decode('cp1252')!r})"
        except UnicodeDecodeError:
            guess = ""
        message = f"byte 0x{bad:02x} is not valid UTF-8{guess}; save the file as UTF-8"
    text = raw.decode("utf-8", errors="surrogateescape")  # undecodable bytes become U+DC80..U+DCFF
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for number, cells in enumerate(rows, start=1):
        for index, cell in enumerate(cells):
            if any("\udc80" <= ch <= "\udcff" or ch == "\x00" for ch in cell):
                header = rows[0]
                return number, header[index] if number > 1 and index < len(header) else None, message
    return raw[:offset].count(b"\n") + 1, None, message


def _header_problems(table: _Table, header: list[str]) -> list[Problem]:
    declared = table.names
    problems = []

    def add(column: str | None, message: str) -> None:
        problems.append(Problem(table.file, 1, column, message))

    for number, label in enumerate(header, start=1):
        if not label.strip():
            add(None, f"column {number} of the header has no name")
        elif label not in declared:
            near = f" (did you mean '{label.strip()}'? remove the spaces)" if label.strip() in declared else ""
            add(label, f"the header has a column {label!r} that datapackage.yaml does not declare{near}")
        elif header.count(label) > 1 and header.index(label) == number - 1:
            add(label, f"the header repeats the column {label!r}")
    for name in declared:
        if name not in header:
            add(name, f"the header lacks the column '{name}' declared in datapackage.yaml")
    if not problems and header != declared:
        add(None, "columns are not in the order declared in datapackage.yaml: " + ",".join(declared))
    return problems


# --------------------------------------------------------------------------------------------
# The Frictionless schema: types, required cells, ranges, enums, patterns, ids and links


_CONSTRAINT_TEXT = {
    "required": "is required but empty",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "enum": "must be one of: {}",
    "pattern": "must match the pattern {}",
    "unique": "must be unique, but the value appears more than once",
    "minLength": "must have at least {} characters",
    "maxLength": "must have at most {} characters",
}

# What the regular expressions of datapackage.yaml ask for, in words.
_PATTERN_TEXT = {
    "[a-z][a-z0-9_]*": "must be an id of lower-case letters, digits and '_', starting with a letter",
    "[a-z][a-z0-9_-]*": "must be an id of lower-case letters, digits, '_' and '-', starting with a letter",
    "[1-9][0-9]{0,8}": "must be a PubMed id: 1 to 9 digits, not starting with 0",
    "PMC[0-9]+": "must be a PubMed Central id: 'PMC' followed by digits",
    "10\\.[0-9]{4,9}/\\S+": (
        "must be a bare DOI such as 10.1016/j.jpainsymman.2007.04.020 (no 'doi:' or https://doi.org/ prefix, no spaces)"
    ),
    "(<|<=|>|=)?(0(\\.[0-9]+)?|1(\\.0+)?)": (
        "must be a p-value between 0 and 1, optionally after <, <=, > or =, e.g. 0.03 or <0.001"
    ),
}

_TYPE_TEXT = {
    "integer": "must be a whole number",
    "number": "must be a number, written with '.' as the decimal point and no unit (e.g. 4.5)",
}


def _constraint_message(note: str, cell: Any, spec: dict[str, Any]) -> str:
    match = re.match(r'constraint "(\w+)" is "(.*)"', note or "")
    if not match:
        return f"value {cell!r} breaks a constraint ({note})"
    name = match.group(1)
    expected = spec.get("constraints", {}).get(name)
    if name == "required":
        return _CONSTRAINT_TEXT["required"]
    if name == "pattern" and expected in _PATTERN_TEXT:
        return f"value {cell!r} {_PATTERN_TEXT[expected]}"
    if isinstance(expected, list):
        expected = ", ".join(map(str, expected))
    text = _CONSTRAINT_TEXT.get(name, "breaks the constraint " + name + " {}").format(expected)
    return f"value {cell!r} {text}"


Rows = list[tuple[int, dict[str, Any]]]  # (row number, typed cells by column)


class CellError(TypedDict, total=False):
    """A row's error against the Table Schema, in Frictionless' words and keys (its error dicts)."""

    type: Literal["type-error", "constraint-error", "unique-error", "primary-key", "foreign-key"]
    rowNumber: int
    fieldName: str
    cell: str
    note: str
    cells: list[str]  # the row's cells: a key's values are named from them
    fieldNames: list[str]  # a link's columns, the values in them, and what they point at
    fieldCells: list[Any]
    referenceName: str
    referenceFieldNames: list[str]


def _schema_problems(
    descriptor: dict[str, Any], descriptor_file: str, tables: dict[str, _Table]
) -> tuple[list[Problem], dict[str, set[int]], dict[str, Rows]]:
    """Problems against the Table Schema (types, constraints, unique ids, keys and links), per
    table the rows that have any, and every record of every table typed.

    Frictionless reads each cell (its types, missing values and constraints, and their notes);
    the loops over rows are ours. Its package validation re-validated and copied the descriptor's
    metadata for every table and again for every link (17), and typed each linked table once per
    link: 75 % of validating the seeds. Its rules are kept: unique values and keys compared typed,
    a key or link whose cells are all empty not checked, every row of a linked table counted."""
    typed: dict[str, Rows] = {}
    found: dict[str, list[CellError]] = {}
    for r in descriptor["resources"]:
        typed[r["name"]], found[r["name"]] = _cell_errors(tables[r["name"]], r["schema"])
    links, problems = _link_errors(descriptor, descriptor_file, tables, typed)
    bad_rows: dict[str, set[int]] = defaultdict(set)
    # Links into a table without rows are summed up in one problem, not one per linking row.
    into_empty: dict[str, set[str]] = defaultdict(set)
    for name, table in tables.items():
        for data in found.get(name, []) + links.get(name, []):
            row: int = data["rowNumber"]  # every error here is a row's
            target = tables.get(data.get("referenceName", ""))
            if row in table.skip or (target and target.broken):
                continue
            if target and not target.records:
                into_empty[target.name].add(table.file)
                bad_rows[name].add(row)
                continue
            bad_rows[name].add(row)
            problem = _translate(data, table, tables)
            if problem is not None:
                problems.append(problem)
    for name, files in into_empty.items():
        problems.append(
            Problem(
                tables[name].file,
                None,
                None,
                f"the table has no rows, but rows of {', '.join(sorted(files))} refer to it",
            )
        )
    return problems, bad_rows, typed


def _cell_errors(table: _Table, schema: dict[str, Any]) -> tuple[Rows, list[CellError]]:
    """The table's records typed, and its cells' errors as Frictionless reports them (type,
    constraint, unique and primary key), from Frictionless' own readers of the schema's fields."""
    fields = frictionless.Schema.from_descriptor(schema).fields
    readers = [(f.name, f.create_cell_reader()) for f in fields]
    unique: dict[str, dict[Any, int]] = {f.name: {} for f in fields if f.constraints.get("unique")}
    key, keys_seen = table.key, dict[tuple[Any, ...], int]()
    typed: Rows = []
    errors: list[CellError] = []
    for number, cells in enumerate(table.records, start=2):
        row: dict[str, Any] = {}
        for (name, reader), source in zip(readers, cells, strict=False):
            value, notes = reader(source)
            for kind, note in (notes or {}).items():
                error: CellError = {"rowNumber": number, "fieldName": name, "cell": str(source), "note": note}
                error["type"] = "type-error" if kind == "type" else "constraint-error"
                errors.append(error)
            row[name] = value
        typed.append((number, row))
        for name, seen in unique.items():
            if row[name] is not None:
                if row[name] in seen:
                    note = f"the same as in the row at position {seen[row[name]]}"
                    errors.append(
                        {
                            "type": "unique-error",
                            "rowNumber": number,
                            "fieldName": name,
                            "cell": str(row[name]),
                            "note": note,
                        }
                    )
                seen[row[name]] = number
        if key:
            values = tuple(row.get(k) for k in key)
            clash = 'cells composing the primary keys are all "None"' if set(values) == {None} else None
            if clash is None and values in keys_seen:
                clash = f"the same as in the row at position {keys_seen[values]}"
            if clash is not None:
                errors.append({"type": "primary-key", "rowNumber": number, "note": clash, "cells": list(cells)})
            if set(values) != {None}:
                keys_seen[values] = number
    return typed, errors


def _link_errors(
    descriptor: dict[str, Any], descriptor_file: str, tables: dict[str, _Table], typed: dict[str, Rows]
) -> tuple[dict[str, list[CellError]], list[Problem]]:
    """Per table, the rows whose links (foreignKeys) find no row, as Frictionless reports them."""
    found: dict[str, list[CellError]] = defaultdict(list)
    problems: list[Problem] = []
    for r in descriptor["resources"]:
        for link in r["schema"].get("foreignKeys", []):
            own, target, keys = (
                tuple(link["fields"]),
                link["reference"]["resource"] or r["name"],
                link["reference"]["fields"],
            )
            if target not in tables:
                message = f"a foreign key refers to resource {target!r}, which the data package does not have"
                problems.append(Problem(descriptor_file, None, None, f"resource {r['name']}: {message}"))
                continue
            known = {tuple(row.get(k) for k in keys) for _, row in typed[target]} - {(None,) * len(keys)}
            for number, row in typed[r["name"]]:
                cells = tuple(row.get(k) for k in own)
                if set(cells) != {None} and cells not in known:
                    found[r["name"]].append(
                        {
                            "type": "foreign-key",
                            "rowNumber": number,
                            "fieldNames": list(own),
                            "fieldCells": list(cells),
                            "referenceName": target,
                            "referenceFieldNames": list(keys),
                        }
                    )
    return found, problems


def _translate(data: CellError, table: _Table, tables: dict[str, _Table]) -> Problem | None:
    kind = data["type"]
    row = data.get("rowNumber")
    column = data.get("fieldName")
    cell = data.get("cell")
    spec = {f["name"]: f for f in table.fields}.get(column, {})
    if kind == "type-error":
        wanted = spec.get("type", "?")
        message = f"value {cell!r} " + _TYPE_TEXT.get(wanted, f"is not a valid {wanted}")
    elif kind == "constraint-error":
        message = _constraint_message(data.get("note", ""), cell, spec)
    elif kind == "unique-error":
        first = re.search(r"position (\d+)", data.get("note", ""))
        message = f"duplicate {column} {cell!r}" + (f": row {first.group(1)} has the same value" if first else "")
    elif kind == "primary-key":
        key = table.key
        single = len(key) == 1 and {f["name"]: f for f in table.fields}[key[0]].get("constraints", {}).get("unique")
        if single or 'all "None"' in data.get("note", ""):
            return None  # said by the unique or required constraint of the id column
        first = re.search(r"position (\d+)", data.get("note", ""))
        cells = data.get("cells", [])
        values = ", ".join(
            repr(cells[table.names.index(k)]) for k in key if k in table.names and table.names.index(k) < len(cells)
        )
        column = ", ".join(key)
        message = f"the combination ({values}) appears twice" + (f": row {first.group(1)} has it too" if first else "")
    else:  # a link (foreign-key): the five kinds are all _cell_errors and _link_errors report
        column = ", ".join(data.get("fieldNames", []))
        values = ", ".join(repr(v) for v in data.get("fieldCells", []))
        target = tables.get(data.get("referenceName", ""))
        where = target.file if target else data.get("referenceName")
        message = f"{values} is not a {', '.join(data.get('referenceFieldNames', []))} in {where}"
        if any(isinstance(v, str) and v != v.strip() for v in data.get("fieldCells", [])):
            message += " (it has a leading or trailing space)"
    return Problem(table.file, row, column, message)


# --------------------------------------------------------------------------------------------
# Rules across cells and rows that Table Schema cannot state


def _typed_rows(table: _Table, typed: Rows, bad_rows: set[int], problems: list[Problem]) -> Rows:
    """Rows with Frictionless' types, leaving out rows that already have a problem."""
    rows = []
    for number, row in typed:
        if number in bad_rows or number in table.skip:
            continue
        # Frictionless accepts NaN and Infinity as numbers; the briefing cannot show or sum them.
        odd = [k for k, v in row.items() if isinstance(v, Decimal) and not v.is_finite()]
        for name in odd:
            cells = table.records[number - 2]
            problems.append(
                Problem(table.file, number, name, f"value {cells[table.names.index(name)]!r} must be a finite number")
            )
        if not odd:
            rows.append((number, row))
    return rows


# add(table, row, column, message): records one problem.
Add = Callable[[str, int | None, str | None, str], None]


def _rule_problems(tables: dict[str, _Table], rows: dict[str, Rows]) -> list[Problem]:
    problems: list[Problem] = []

    def add(table: str, row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(tables[table].file, row, column, message))

    if "modalities" in tables and not tables["modalities"].broken and not tables["modalities"].records:
        add("modalities", None, None, "the table has no rows; the briefing needs at least one modality")
    for n, s in rows.get("studies", []):
        _study_rules(n, s, add)
    designs = {s["study_id"]: DESIGNS[s["design"]] for _, s in rows.get("studies", []) if s.get("design") in DESIGNS}
    scales = {sc["scale_id"]: sc for _, sc in rows.get("scales", [])}
    for n, sc in rows.get("scales", []):
        _scale_rules(n, sc, add)
    outcomes = rows.get("outcomes", [])
    for n, o in outcomes:
        _review_figure_rules("outcomes", n, o, designs, add)
        _value_rules(n, o, add, scales)
        _events_rules(n, o, add)
        _stated_form_rules(n, o, add, scales)
        _subgroup_rules("outcomes", n, o, add)
    _response_totals(outcomes, add)
    _series(outcomes, add)
    _arm_rules(rows, add)
    _unstated_rules(rows, add)
    for n, c in rows.get("comparisons", []):
        _review_figure_rules("comparisons", n, c, designs, add)
        _effect_rules(n, c, add)
        _finding_rules(n, c, add)
        _subgroup_rules("comparisons", n, c, add)
        design = designs.get(c.get("study_id"))
        if c.get("studies") is not None and not (design and design.pooled):
            add("comparisons", n, "studies", "only a systematic review's pooled result says how many studies it pools")
    _include_rules(rows.get("review_includes", []), designs, add)
    _identification_rules(tables, rows.get("identification", []), add)
    _certainty_rules(rows, designs, add)
    design_ids = {s["study_id"]: s["design"] for _, s in rows.get("studies", []) if s.get("design") in DESIGNS}
    risk_of_bias.rules(rows.get("risk_of_bias", []), design_ids, add)
    return problems


def _certainty_rules(rows: dict[str, Rows], designs: dict[str, Any], add: Add) -> None:
    """What a rule can check of the GRADE judgements (../shared/BRIEFING.md): rating up only with
    comparative evidence; no rating down for the design alone; one concern counted once;
    publication bias only undetected (0) or strongly suspected (-1)."""
    # The rows passed the Table Schema (_typed_rows: required columns filled, cells of their types,
    # numbers as Decimal); comparative_domains reads only their ids, modalities and domains.
    comparative = certainty.comparative_domains(
        cast("list[Arm]", [a for _, a in rows.get("arms", [])]),
        cast("list[Outcome]", [o for _, o in rows.get("outcomes", [])]),
        [c for _, c in rows.get("comparisons", [])],
    )
    randomised: dict[str, bool] = {}
    for _, st in rows.get("studies", []):
        design = designs.get(st["study_id"])
        if design is not None and not design.review:
            randomised[st["modality_id"]] = randomised.get(st["modality_id"], True) and design.randomised
    named: dict[tuple[str, str, str], list[tuple[int, str]]] = defaultdict(list)
    for n, c in rows.get("certainty", []):
        # Rows rows passed the schema, which requires these three columns.
        factor, judgement, reason = c["factor"], c.get("judgement") or 0, c.get("reason") or ""
        key = (c["modality_id"], c["outcome_domain"])
        if factor in certainty.UPGRADE and judgement > 0 and key not in comparative:
            message = (
                f"rates {key[0]}'s {key[1]} up without comparative evidence (no comparison or arm of a comparative "
                "study in that domain); a before-after change in one arm is not a large effect: set 0 or delete the row"
            )
            add("certainty", n, "judgement", message)
        if factor == "risk_of_bias" and judgement < 0 and not randomised.get(key[0], False):
            if certainty.design_only(reason):
                message = (
                    "the starting level already reflects a non-randomised design: do not rate down for lacking a "
                    "comparison group; name the specific bias (selection, missing outcome data, outcome measurement...)"
                )
                add("certainty", n, "reason", message)
        if factor == "publication_bias" and judgement < -1:
            message = "publication bias is undetected (0) or strongly suspected (-1); -2 is not a GRADE judgement"
            add("certainty", n, "judgement", message)
        if judgement < 0:
            for concern in certainty.concerns(reason):
                named[(*key, concern)].append((n, factor))
    for (modality, domain, concern), where in sorted(named.items()):
        if len({f for _, f in where}) > 1:
            factors = " and ".join(f for _, f in where)
            message = (
                f"the {concern} concern is counted under {factors} for {modality}'s {domain}: count it once, in the "
                "domain where it belongs, and say so in the other's reason without rating down for it"
            )
            add("certainty", where[-1][0], "reason", message)


def _body_problems(tables: dict[str, _Table], rows: dict[str, Rows], found: list[Problem]) -> list[Problem]:
    """The certainty rows' bodies of evidence, checked only when the rows they come from are all
    valid: a refused figure would make its body look empty, a second message for one mistake."""
    sources = [tables[t] for t in ("studies", "arms", "outcomes", "comparisons", "certainty") if t in tables]
    if any(t.broken for t in sources) or any(p.file in {t.file for t in sources} for p in found):
        return []
    problems: list[Problem] = []

    def add(table: str, row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(tables[table].file, row, column, message))

    designs = {s["study_id"]: DESIGNS[s["design"]] for _, s in rows.get("studies", []) if s.get("design") in DESIGNS}
    _certainty_bodies(rows, designs, add)
    return problems


def _certainty_bodies(rows: dict[str, Rows], designs: dict[str, Any], add: Add) -> None:
    """A certainty row rates one body of evidence (bodies.py): refused where that question and
    outcome have no data, so no rating stands for an outcome nobody reports or another question's."""
    # Checked only when these tables have no problem (_body_problems): valid rows, their numbers
    # Decimal (bodies reads only ids, designs, roles, modalities and domains).
    studies = cast("list[Study]", [s for _, s in rows.get("studies", []) if s.get("study_id") in designs])
    arms = cast("list[Arm]", [a for _, a in rows.get("arms", [])])
    outcomes = cast("list[Outcome]", [o for _, o in rows.get("outcomes", [])])
    comparisons = cast("list[StatedComparison]", [c for _, c in rows.get("comparisons", [])])
    found: dict[str, list[str]] = {}
    for modality in sorted({m for s in studies if (m := s.get("modality_id"))}):
        found |= bodies.keys_with_data(modality, studies, arms, outcomes, comparisons)
    for n, c in rows.get("certainty", []):
        if not (c.get("modality_id") and c.get("outcome_domain")):
            continue
        body = certainty.row_key(cast("CertaintyRow", c))  # a valid row (above)
        if body in found:
            continue
        domain, question = c["outcome_domain"], body.rsplit(":", 1)[0]
        near = [k for k in found if k.endswith(f":{domain}") and k.split("-vs-")[0].split(":")[0] == c["modality_id"]]
        hint = f" ({domain} has data as {', '.join(near)}: set comparator_id to match)" if near else ""
        what = (
            f"no comparison of {question.replace('-vs-', ' against ')}"
            if "-vs-" in question
            else f"no figure of {question} alone (a single group, or a trial's arms together)"
        )
        message = (
            f"{what} reports {domain}, so there is no body of evidence to rate{hint}; correct modality_id, "
            "comparator_id or outcome_domain, or delete the row"
        )
        add("certainty", n, "comparator_id" if near else "outcome_domain", message)


# A developer's path or file name ("../shared/seeds/", "000_126d.txt") in text readers see.
PATH = re.compile(r"\.{0,2}/?(?:[\w.-]+/){2,}|\.\./[\w./-]*|\b[\w-]+\.(?:txt|csv|pdf|json|ya?ml|md)\b")


def _identification_rules(tables: dict[str, _Table], rows: Rows, add: Add) -> None:
    """One record of how the studies were identified; a systematic search with its date and databases."""
    if "identification" in tables and not tables["identification"].broken and len(rows) != 1:
        add("identification", None, None, f"needs exactly one row (how the studies were identified), not {len(rows)}")
    for n, r in rows:
        if path := PATH.search(re.sub(r"https?://\S+", "", r.get("description") or "")):  # a link is no path
            add(
                "identification",
                n,
                "description",
                f"'{path.group(0)}' is a file path, which readers would see in the briefing's scope; name the "
                "documents by their citations (the studies' short names) instead",
            )
        if r.get("method") == "systematic_search":
            for column in ("databases", "last_search_date"):
                if not r.get(column):
                    add("identification", n, column, f"a systematic search needs its {column.replace('_', ' ')}")


def _review_figure_rules(table: str, n: int, row: dict[str, Any], designs: dict[str, Any], add: Add) -> None:
    """A review is never a primary study: only a systematic review with meta-analysis gives figures
    (its pooled results, shown as that review's); other reviews give statements."""
    study_id = row.get("study_id")
    design = designs.get(study_id) if study_id is not None else None
    if design and design.review and not design.pooled:
        add(
            table,
            n,
            "study_id",
            f"a {design.singular} gives statements, not effect estimates; record it in statements.csv "
            "(only a systematic review with meta-analysis gives pooled figures)",
        )


def _subgroup_rules(table: str, n: int, row: dict[str, Any], add: Add) -> None:
    if row.get("subgroup_by") and not row.get("subgroup"):
        add(table, n, "subgroup", "subgroup_by names the covariate of a subgroup: give the subgroup's label too")


def _scale_rules(n: int, sc: dict[str, Any], add: Add) -> None:
    low, high = sc.get("minimum"), sc.get("maximum")
    if low is not None and high is not None and not low < high:
        add("scales", n, "maximum", f"the maximum ({high}) must be above the minimum ({low})")
    if sc.get("mid") is not None and not sc.get("mid_source"):
        add("scales", n, "mid_source", "a minimal important difference needs its source (citation with PMID or DOI)")


def _include_rules(rows: Rows, designs: dict[str, Any], add: Add) -> None:
    """A review's included study is a primary study of the data, named under a systematic review."""
    for n, r in rows:
        review_id, study_id = r.get("review_id"), r.get("study_id")
        review = designs.get(review_id) if review_id is not None else None
        study = designs.get(study_id) if study_id is not None else None
        if review is not None and not review.systematic:
            add("review_includes", n, "review_id", f"{r['review_id']!r} is not a systematic review ({review.singular})")
        if r.get("review_id") == r.get("study_id"):
            add("review_includes", n, "study_id", "a review cannot include itself")
        elif study is not None and study.review:
            add(
                "review_includes", n, "study_id", f"{r['study_id']!r} is a review; list the primary studies it includes"
            )


def _arm_rules(rows: dict[str, Rows], add: Add) -> None:
    """Arms belong to their study and add up to at most its patients; an outcome or a comparison
    names arms of its own study, and compares two different arms."""
    arms = {a["arm_id"]: a for _, a in rows.get("arms", [])}
    patients = {s["study_id"]: s.get("patients") for _, s in rows.get("studies", [])}
    totals: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for n, a in rows.get("arms", []):
        if a.get("patients") is not None:
            totals[a["study_id"]].append((n, a["patients"]))
    for study, sizes in totals.items():
        total = sum(size for _, size in sizes)
        if (stated := patients.get(study)) is not None and total > stated:
            message = f"the arms of {study} add up to {total} patients, more than its {stated} in studies.csv"
            add("arms", sizes[-1][0], "patients", message + "; give each arm the patients the source allocated to it")

    def belongs(table: str, n: int, column: str, row: dict[str, Any]) -> None:
        arm = arms.get(row.get(column))
        if arm is not None and arm["study_id"] != row["study_id"]:
            add(table, n, column, f"{row[column]!r} is an arm of {arm['study_id']}, not of {row['study_id']}")

    for n, o in rows.get("outcomes", []):
        belongs("outcomes", n, "arm_id", o)
    for n, c in rows.get("comparisons", []):
        belongs("comparisons", n, "arm_id", c)
        belongs("comparisons", n, "comparator_arm_id", c)
        if c.get("arm_id") == c.get("comparator_arm_id"):
            add("comparisons", n, "comparator_arm_id", "an arm cannot be compared with itself")


def _effect_rules(n: int, c: dict[str, Any], add: Add) -> None:
    """A stated effect lies within its CI; a ratio is above 0 (as printed, not its logarithm)."""
    value, low, high = c.get("value"), c.get("ci_low"), c.get("ci_high")
    measure = EFFECT_MEASURES[c["effect_measure"]] if c.get("effect_measure") in EFFECT_MEASURES else None
    if measure and measure.ratio and any(v is not None and v <= 0 for v in (value, low, high)):
        add("comparisons", n, "value", f"a {measure.label} is above 0: enter it as printed, not its logarithm")
    if (low is None) != (high is None):
        add("comparisons", n, "ci_low" if low is None else "ci_high", "a 95 % CI needs both bounds")
    elif low is not None and value is not None and not low <= value <= high:
        add("comparisons", n, "value", f"{value} is not within its CI {low} to {high}; check the bounds' order")


def _study_rules(n: int, s: dict[str, Any], add: Add) -> None:
    review = s.get("design") in DESIGNS and DESIGNS[s["design"]].review
    if not review and not s.get("modality_id"):
        add("studies", n, "modality_id", "a primary study needs the modality it evaluates")
    if not review and not s.get("patients") and s.get("patients_stated") is not False:
        add("studies", n, "patients", _PATIENTS_NEEDED)
    for low, high in (("dose_per_fraction_min_gy", "dose_per_fraction_max_gy"), ("fractions_min", "fractions_max")):
        if s.get(low) is not None and s.get(high) is not None and s[low] > s[high]:
            add("studies", n, low, f"{low} ({s[low]}) is larger than {high} ({s[high]})")
    if s.get("lesions") is not None and s.get("patients") is not None and s["lesions"] < s["patients"]:
        add("studies", n, "lesions", f"fewer lesions ({s['lesions']}) than patients ({s['patients']})")


def _value_rules(n: int, o: dict[str, Any], add: Add, scales: dict[str, dict[str, Any]]) -> None:
    """What the statistic asks of the value and unit, and the ranges a value may take: a unit's,
    or a scale's (a level within the scale; a mean change within its width either way)."""
    statistic, value, unit = statistic_of(o), o.get("value"), o.get("unit")
    if not statistic.figures:
        if value is not None:
            message = f"statistic '{statistic.id}' carries no value; use another statistic or clear the value"
            add("outcomes", n, "value", message)
        if not o.get("direction"):
            add("outcomes", n, "direction", f"a '{statistic.id}' outcome needs the direction of the change")
    elif value is None:
        add("outcomes", n, "value", f"statistic '{o.get('statistic')}' needs a value")
    if statistic.ratio and not o.get("comparison"):
        # A ratio without its groups reads as the treatment's effect (Sun 2026's HR 0.43).
        message = (
            f"a {statistic.name} needs the groups it compares, as the source names them "
            "('first group versus second group')"
        )
        add("outcomes", n, "comparison", message)
    if statistic.unit and unit and unit != statistic.unit:
        add("outcomes", n, "unit", f"a {statistic.name} statistic must have unit {statistic.unit!r}, not {unit!r}")
    if statistic.figures and not unit:
        add("outcomes", n, "unit", "a unit is required")
    if unit and unit not in UNITS and unit not in scales:
        add(
            "outcomes",
            n,
            "unit",
            f"{unit!r} is neither a unit ({', '.join(UNITS.ids)}) nor a scale of scales.csv"
            + (f" ({', '.join(scales)})" if scales else "")
            + "; declare a new scale in scales.csv",
        )
    if value is None:
        return
    low, high = _bounds(unit, scales)
    if statistic.change and low is not None and high is not None:
        low, high = -(high - low), high - low
    if low is not None and high is not None and not low <= value <= high:
        add("outcomes", n, "value", f"value {value} is outside {low}-{high}, the range of unit {unit!r}")
    if statistic.ratio and value <= 0:
        add("outcomes", n, "value", f"a {statistic.name} must be above 0, not {value}")
    if value < 0 and not statistic.ratio and not statistic.change:
        changes = ", ".join(f"'{s.id}'" for s in STATISTICS.where(change=True))
        message = (
            f"value {value} is negative; the briefing records levels (a score, a dose, a share): enter the "
            f"level at each time point, or a change with statistic {changes}"
        )
        add("outcomes", n, "value", message)


def _bounds(unit: str | None, scales: dict[str, dict[str, Any]]) -> tuple[float | None, float | None]:
    if unit in scales:
        return scales[unit].get("minimum"), scales[unit].get("maximum")
    if unit is not None and unit in UNITS:
        return UNITS[unit].minimum, UNITS[unit].maximum
    return None, None


def _events_rules(n: int, o: dict[str, Any], add: Add) -> None:
    """Counts: events need a denominator they do not exceed, and reproduce a stated percentage."""
    statistic, value, events = statistic_of(o), o.get("value"), o.get("events")
    if statistic.counts:
        if events is None:
            add("outcomes", n, "events", f"a {statistic.name} needs its number of events")
        elif value is not None and value != events:
            add("outcomes", n, "value", f"value {value} differs from events {events}")
    denominator = o.get("denominator")
    # Events without a denominator ("23 patients (36 %)", "none observed") are shown as stated.
    if events is None or denominator is None:
        return
    if events > denominator:
        add("outcomes", n, "events", f"events ({events}) exceed the denominator ({denominator})")
    elif (
        statistic.of_denominator
        and value is not None
        and not o.get("as_printed")
        and not percent_reproduced(events, denominator, str(value))
    ):
        add(
            "outcomes",
            n,
            "events",
            f"{events}/{denominator} is {numbers.events_percent(events, denominator, 2)} %, "
            f"which does not round to the stated {value} %. Check both against the source; if the "
            "source prints them so, set as_printed to true: the briefing then shows the figures as "
            "printed and says that they disagree",
        )


def _response_totals(outcomes: Rows, add: Add) -> None:
    """Response categories of one group at one time point cannot add up to more than 100 %."""
    totals: dict[tuple[Any, ...], list[tuple[int, Any]]] = defaultdict(list)
    responses = {d.id for d in DOMAINS.where(shape="response")}
    for n, o in outcomes:
        value = o.get("value")
        if o.get("domain") in responses and o.get("unit") == "%" and value is not None:
            if o.get("icpr_category") != "overall":
                # Shares of patients and of lesions, of each arm and of a subgroup, are different totals.
                group = (o.get("denominator_unit"), o.get("arm_id"), o.get("subgroup"))
                totals[(o["study_id"], o.get("timepoint"), group)].append((n, value))
    for (study, timepoint, _), entries in totals.items():
        total = sum(v for _, v in entries)
        # A single category over 100 % is reported by the 0-100 % rule already. The sources round
        # each category, so allow the rounding of a few of them.
        if len(entries) > 1 and total > Decimal("100.05"):
            when = f" at {timepoint}" if timepoint else ""
            listed = ", ".join(f"row {row} ({v} %)" for row, v in entries)  # as the source printed them
            add(
                "outcomes",
                entries[-1][0],
                "value",
                f"response categories of {study}{when} add up to {total} %, more than 100 %: {listed}. "
                "Categories of one group of patients cannot add up to more than all of them; if some rows "
                "are of a subgroup, an arm or another time point, say so in 'subgroup', 'arm_id' or "
                "'timepoint'",
            )


def _series(outcomes: Rows, add: Add) -> None:
    """A series over time (one study, one measure) is plotted and compared by time_days: every
    time point label needs one day count, and two labels cannot share one day count, or the
    series would run backwards or fold onto itself."""
    series: dict[tuple[Any, Any], list[tuple[int, Any, Any]]] = defaultdict(list)
    for n, o in outcomes:
        if o.get("time_days") is not None:
            series[(o["study_id"], o["measure"])].append((n, o.get("timepoint"), o["time_days"]))
    for (study, measure), points in series.items():
        days_of: dict[Any, tuple[int, Any]] = {}
        label_of: dict[Any, tuple[int, Any]] = {}
        for n, label, days in points:
            if label in days_of and days_of[label][1] != days:
                first, first_days = days_of[label]
                add(
                    "outcomes",
                    n,
                    "time_days",
                    f"timepoint {label!r} of {study} '{measure}' has time_days "
                    f"{first_days} in row {first} but {days} here",
                )
            elif days in label_of and label_of[days][1] != label:
                first, first_label = label_of[days]
                add(
                    "outcomes",
                    n,
                    "time_days",
                    f"time_days {days} is also given to timepoint {first_label!r} in row "
                    f"{first}; each time point of {study} '{measure}' needs its own time_days",
                )
            days_of.setdefault(label, (n, days))
            label_of.setdefault(days, (n, label))


# --------------------------------------------------------------------------------------------


def _curation_problems(
    tables: dict[str, _Table], rows: dict[str, list[tuple[int, dict[str, Any]]]], rules: dict[str, Any]
) -> list[Problem]:
    problems: list[Problem] = []

    def add(table: str, row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(tables[table].file, row, column, message))

    curation.emptied_tables(tables, rules, add)
    if "studies" in rows and "outcomes" in rows:
        curation.duplicate_studies(rows["studies"], rows["outcomes"], add)
        curation.studies_without_outcomes(rows["studies"], rows["outcomes"], rules, add, rows.get("comparisons", []))
    return problems


def validate_package(
    package_path: str | Path,
    modalities: Iterable[str] = (),
    rules: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,  # the config's, checked here (settings_problems)
) -> list[Problem]:
    """Every problem in the package, sorted by file and row; empty when the data are valid.
    `rules` is the config's `curation:` (which removals are intended), `settings` its `analysis:`."""
    package_path = Path(package_path)
    if not package_path.is_file():
        return [Problem(_display(package_path), None, None, "data package descriptor is missing")]
    try:
        descriptor = read_package_descriptor(package_path)
        # As evidence.resource_paths, without parsing the YAML a second time.
        paths = {r["name"]: package_path.parent / r["path"] for r in descriptor["resources"]}
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        return [Problem(_display(package_path), None, None, f"cannot read the data package descriptor: {exc}")]

    problems: list[Problem] = []
    tables: dict[str, _Table] = {}
    for resource in descriptor["resources"]:
        table, found = _read_table(resource["name"], paths[resource["name"]], resource["schema"])
        tables[table.name] = table
        problems += found

    try:
        schema_problems, bad_rows, typed = _schema_problems(descriptor, _display(package_path), tables)
        problems += schema_problems
        rows = {
            r["name"]: _typed_rows(tables[r["name"]], typed[r["name"]], bad_rows[r["name"]], problems)
            for r in descriptor["resources"]
            if not tables[r["name"]].broken
        }
    except frictionless.FrictionlessException as exc:  # e.g. a field type Table Schema does not know
        return [Problem(_display(package_path), None, None, f"the schema in the descriptor is not valid: {exc}")]
    problems += _rule_problems(tables, rows)
    problems += _curation_problems(tables, rows, curation.settings({"curation": rules}))

    problems += config_agreement(tables, rows, list(modalities))
    problems += settings_problems(settings or {})
    problems += _body_problems(tables, rows, problems)
    return sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))


# --------------------------------------------------------------------------------------------
# The config and the data agree: what the data hold is what the briefing shows


# The tables whose rows belong to a modality, and the way out of a row whose modality is declared
# but not shown (after "add it to `modalities:`").
_MODALITY_ROWS = {
    "studies": "or delete the study's rows (in studies.csv, outcomes.csv, arms.csv, comparisons.csv)",
    "arms": "or leave modality_id empty if the arm's treatment is outside the briefing's modalities",
    "statements": "or leave modality_id empty for a statement on care in general, or delete the row",
    "certainty": "or delete the row",
}


def config_agreement(tables: dict[str, _Table], rows: dict[str, Rows], modalities: list[str]) -> list[Problem]:
    """Every modality of the config is declared in modalities.csv, and every row of the data is
    shown: a row of a modality the config does not list would be shown nowhere (a study of it that
    also has an arm in a listed modality would be cited there without a reference, and the build
    would fail in briefing_html), and a review with neither a modality nor a statement is cited by
    no section. Without a config (`modalities` empty) the data are checked alone."""
    problems: list[Problem] = []
    if "modalities" not in tables or tables["modalities"].broken or not modalities:
        return problems
    column = tables["modalities"].names.index("modality_id")
    known = [m[column] for m in tables["modalities"].records]
    for modality in modalities:
        if modality not in known:
            message = f"modality {modality!r} is not in the modalities table (known: {', '.join(known)})"
            problems.append(Problem("config", None, "modalities", message))
    shown = set(modalities)
    for name, way_out in _MODALITY_ROWS.items():
        for n, row in rows.get(name, []):
            row_modality = row.get("modality_id")
            if row_modality and row_modality in known and row_modality not in shown:
                problems.append(Problem(tables[name].file, n, "modality_id", _not_shown(row_modality, way_out)))
    return problems + _unshown_reviews(tables, rows, shown)


def _not_shown(modality: str, way_out: str) -> str:
    return (
        f"modality {modality!r} is not in the config's `modalities:` (config/config.yaml), so the briefing would "
        f"show this row nowhere: add {modality!r} to `modalities:`, {way_out}"
    )


def _unshown_reviews(tables: dict[str, _Table], rows: dict[str, Rows], shown: set[str]) -> list[Problem]:
    """A review without a modality is shown through its statements: one that makes none (or only
    about modalities not shown, reported above) is cited by no section of the briefing."""
    statements = tables.get("statements")
    if statements is None or statements.broken:
        return []  # its rows unknown: the problem is the table's
    # Every record, also one with a problem of its own: a review is not reported for that.
    study, modality = (statements.names.index(c) for c in ("study_id", "modality_id"))
    spoken = {r[study].strip() for r in statements.records if r[modality].strip() in shown | {""}}
    problems = []
    for n, s in rows.get("studies", []):
        design = DESIGNS[s["design"]] if s.get("design") in DESIGNS else None
        if design and design.review and not s.get("modality_id") and s["study_id"] not in spoken:
            message = (
                f"the review {s['study_id']!r} has no modality_id and no statement (statements.csv) on care in general "
                "or on a modality of the config's `modalities:`, so the briefing would show it nowhere: give it the "
                "modality it is about, or its statements, or delete its rows"
            )
            problems.append(Problem(tables["studies"].file, n, "modality_id", message))
    return problems


# The schema the workflow checks its config against before it plans a job (Snakefile).
CONFIG_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def config_problems(config: Any) -> list[Problem]:
    """The config as the build checks it when it starts (config.schema.yaml), and a previous
    edition given as a local file that the combine step could not read. `make check` runs these
    before validating the data, so that a config the build would refuse never passes."""
    import jsonschema

    schema = yaml.safe_load(CONFIG_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = [
        Problem("config", None, ".".join(map(str, error.absolute_path)) or None, error.message)
        for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if isinstance(config, dict):
        problems += _previous_edition_problems(config.get("previous_edition"))
        problems += _outcome_modality_problems(config) if not problems else []
    return problems


def _outcome_modality_problems(config: dict[str, Any]) -> list[Problem]:
    """A prespecified outcome is for modalities the config builds (analysis.outcomes[i].modalities)."""
    known = config.get("modalities") or []
    return [
        Problem("config", None, f"analysis.outcomes.{i}.modalities", f"{m!r} is not one of modalities: {known}")
        for i, e in enumerate((config.get("analysis") or {}).get("outcomes") or [])
        for m in e.get("modalities") or []
        if m not in known
    ]


def _previous_edition_problems(location: Any) -> list[Problem]:
    """A local previous edition must be a briefing.json; a URL is fetched by the combine step only."""
    if not isinstance(location, str) or location.startswith(("http://", "https://", "file://")):
        return []
    path = Path(location)
    if not path.is_file():
        return []  # a first edition: the combine step says so in What changed
    try:
        edition = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        message = f"{location} is not a briefing.json ({exc}): give the previous edition's briefing.json, or null"
        return [Problem("config", None, "previous_edition", message)]
    if not isinstance(edition, dict) or not isinstance(edition.get("modalities"), list):
        message = f"{location} is not a briefing.json (no list of modalities): give the previous edition's, or null"
        return [Problem("config", None, "previous_edition", message)]
    return []


def settings_problems(settings: dict[str, Any]) -> list[Problem]:  # the config, not yet checked
    """The config's analysis settings name outcome domains the vocabulary declares."""
    if not isinstance(settings.get("knapp_hartung", False), bool):
        message = f"must be true or false, not {settings['knapp_hartung']!r}"
        return [Problem("config", None, "analysis.knapp_hartung", message)]
    for key, allowed in (
        ("ci", ("hksj", "hksj_adhoc", "wald")),
        ("prediction_interval", ("t", "z")),
        ("i2", ("tau2", "q")),
    ):
        if settings.get(key, allowed[0]) not in allowed:
            message = f"must be one of {', '.join(allowed)}, not {settings[key]!r}"
            return [Problem("config", None, f"analysis.{key}", message)]
    unknown = "is not an outcome domain; use one declared in workflow/briefing/core/vocabulary.py: " + ", ".join(
        DOMAINS.ids
    )
    problems = [
        Problem("config", None, f"analysis.timepoint_windows.{domain}", f"{domain!r} {unknown}")
        for domain in settings.get("timepoint_windows") or {}
        if domain not in DOMAINS
    ]
    seen: set[str] = set()
    for i, entry in enumerate(settings.get("outcomes") or []):
        if entry.get("domain") not in DOMAINS:
            problems.append(
                Problem("config", None, f"analysis.outcomes[{i}].domain", f"{entry.get('domain')!r} {unknown}")
            )
        if entry.get("id") in seen:
            message = f"{entry.get('id')!r} is listed twice; give each prespecified outcome one entry"
            problems.append(Problem("config", None, f"analysis.outcomes[{i}].id", message))
        seen.add(entry.get("id"))
    return problems + _subgroup_problems(settings)


def _subgroup_problems(settings: dict[str, Any]) -> list[Problem]:
    """Prespecified subgroups name a study-level covariate; a cutpoint needs a numeric one."""
    from briefing.stats.subgroups import COVARIATES, NUMERIC

    problems = []
    minimum = settings.get("subgroup_min_studies", 2)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 2:
        message = f"must be a whole number of studies, 2 or more (a subgroup of one pools nothing), not {minimum!r}"
        problems.append(Problem("config", None, "analysis.subgroup_min_studies", message))
    for modality, specs in (settings.get("subgroups") or {}).items():
        for i, spec in enumerate(specs or []):
            where = f"analysis.subgroups.{modality}[{i}]"
            covariate = spec.get("covariate")
            if covariate not in COVARIATES:
                message = f"covariate {covariate!r} is not a study-level covariate; use one of: {', '.join(COVARIATES)}"
                problems.append(Problem("config", None, where, message))
            elif spec.get("cutpoint") is not None and covariate not in NUMERIC:
                message = f"a cutpoint needs a numeric covariate; {covariate!r} is not one"
                problems.append(Problem("config", None, where, message))
    return problems


# --------------------------------------------------------------------------------------------
# What real abstracts state beyond a plain figure (issue 29): an unstated number of patients,
# analysed beside randomised counts, ranges, printed CIs, cumulative incidences, and between-arm
# findings without an effect measure.

_PATIENTS_NEEDED = (
    "a primary study needs its number of patients; if the source states none, leave patients empty and set "
    "patients_stated to false (the study is then counted as none, and the briefing says so)"
)


def _unstated_rules(rows: dict[str, Rows], add: Add) -> None:
    """patients_stated false goes with an empty patients; an arm's analysed count is at most its size."""
    for n, s in rows.get("studies", []):
        if s.get("patients_stated") is False and s.get("patients") is not None:
            message = (
                f"patients_stated is false but patients is {s['patients']}: clear patients_stated when the source "
                "states the number, or clear patients when it does not"
            )
            add("studies", n, "patients_stated", message)
    for n, a in rows.get("arms", []):
        analysed, size = a.get("analysed"), a.get("patients")
        if analysed is not None and size is not None and analysed > size:
            message = (
                f"{analysed} analysed is more than the arm's {size} patients; patients is the number randomised or "
                "allocated, analysed those the source analysed: check both against the source"
            )
            add("arms", n, "analysed", message)


def _stated_form_rules(n: int, o: dict[str, Any], add: Add, scales: dict[str, dict[str, Any]]) -> None:
    """A range has both ends; a printed CI has both bounds around its value, for a statistic whose CI the
    build does not compute; a cumulative incidence is in percent."""
    statistic, value, high = statistic_of(o), o.get("value"), o.get("value_high")
    if statistic.range:
        if high is None:
            message = f"a {statistic.name} needs its highest value in value_high (value is the lowest)"
            add("outcomes", n, "value_high", message)
        elif value is not None and high < value:
            add("outcomes", n, "value_high", f"value_high ({high}) is below value ({value}); value is the lowest")
        else:
            _within_unit(n, "value_high", high, o.get("unit"), add, scales)
    elif high is not None:
        ranges = ", ".join(f"'{s.id}'" for s in STATISTICS.where(range=True))
        message = (
            f"value_high is only for statistic {ranges} (lowest in value, highest in value_high), "
            f"not {o.get('statistic')}"
        )
        add("outcomes", n, "value_high", message)
    _stated_ci_rules(n, o, add)


def _stated_ci_rules(n: int, o: dict[str, Any], add: Add) -> None:
    low, high, value, statistic = o.get("ci_low"), o.get("ci_high"), o.get("value"), o.get("statistic")
    if low is None and high is None:
        return
    if not statistic_of(o).stated_ci:
        stated = ", ".join(s.id for s in STATISTICS.where(stated_ci=True))
        message = (
            f"a printed CI is kept only for {stated}; a {statistic}'s CI is computed by the build "
            "from events and denominator: clear ci_low and ci_high"
        )
        add("outcomes", n, "ci_low" if low is not None else "ci_high", message)
    elif (low is None) != (high is None):
        add("outcomes", n, "ci_low" if low is None else "ci_high", "a 95 % CI needs both bounds, as printed")
    elif value is not None and not low <= value <= high:
        add("outcomes", n, "ci_low", f"{value} is not within its CI {low} to {high}; check the bounds' order")


def _within_unit(n: int, column: str, value: Any, unit: Any, add: Add, scales: dict[str, dict[str, Any]]) -> None:
    low, high = _bounds(unit, scales)
    if low is not None and high is not None and not low <= value <= high:
        add("outcomes", n, column, f"value {value} is outside {low}-{high}, the range of unit {unit!r}")


def _finding_rules(n: int, c: dict[str, Any], add: Add) -> None:
    """A stated effect has its measure and value; a finding without one (`finding`) has neither, so
    that 'no difference between arms' is never read as an effect of 0 or 1."""
    measure, value, finding = c.get("effect_measure"), c.get("value"), c.get("finding")
    if measure and value is None:
        add("comparisons", n, "value", f"effect measure {measure!r} needs its value, as printed")
    if measure and finding:
        message = (
            "finding is only for a comparison the source states without an effect measure; with "
            f"{measure!r} and its value, clear finding (and put the source's words in note)"
        )
        add("comparisons", n, "finding", message)
    if not measure and not finding:
        message = (
            "give the effect measure and value the source states, or, when it states none ('no difference between "
            "the arms', 'twice as common'), leave effect_measure empty and give finding (no_difference, higher or "
            "lower) with the source's words in finding_words"
        )
        add("comparisons", n, "effect_measure", message)
    if c.get("finding_words") and not finding:
        message = "finding_words quotes a finding: give finding (no_difference, higher or lower)"
        add("comparisons", n, "finding", message)
    if not measure:
        for column in ("value", "ci_low", "ci_high"):
            if c.get(column) is not None:
                message = f"{column} needs an effect measure: give effect_measure, or clear {column}"
                add("comparisons", n, column, message)
