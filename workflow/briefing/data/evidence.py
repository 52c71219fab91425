"""Reading the curated data package and cutting it into one evidence slice per modality.

The slice is what a modality's notebook reads. It is also hashed when Snakemake builds the DAG
(`slice_digests`), so that editing one study re-runs only the notebook of that study's modality.
Reading here is deliberately forgiving (no validation): `validation.py` is what judges the data.
"""

from __future__ import annotations

import csv
import hashlib
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from briefing.core.publish import dumps, plain  # noqa: F401 (plain: read here too)
from briefing.core.publish import write_json as write_json  # the canonical JSON lives in publish.py; read here too
from briefing.core.vocabulary import QUALIFIERS, UNITS, complete_descriptor
from briefing.data import importance

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import Evidence, Slice, Statement, Tables

# A row as read: typed cells, not yet validated (validation.py judges them), so not a row model.
Row = dict[str, Any]
Table = list[Row]


# libyaml's parser where PyYAML has it (the same safe constructor): the descriptor is read each
# time Snakemake starts, and the pure-Python parser took a third of a no-op's own time.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# The descriptor's text -> its parse, pickled: YAML's constructor takes 17 ms for our descriptor and
# a pickle 0.2 ms, and a process may read it many times (validation, every slice, the tests' 800).
_parsed: dict[str, bytes] = {}


def read_package_descriptor(package_path: str | Path) -> dict[str, Any]:
    """The descriptor, with the enums of the vocabulary's columns filled in (vocabulary.py)."""
    with open(package_path, encoding="utf-8") as fh:
        text = fh.read()
    if text not in _parsed:
        if len(_parsed) >= 8:
            _parsed.clear()
        _parsed[text] = pickle.dumps(yaml.load(text, Loader=SAFE_LOADER))  # noqa: S506 - a safe loader
    descriptor = pickle.loads(_parsed[text])  # noqa: S301 - our own parse, in this process
    return complete_descriptor(descriptor) if isinstance(descriptor, dict) else descriptor


def resource_paths(package_path: str | Path, descriptor: dict[str, Any] | None = None) -> dict[str, Path]:
    """The CSV file behind each resource, resolved relative to the descriptor (read unless given)."""
    package_path = Path(package_path)
    if descriptor is None:
        descriptor = read_package_descriptor(package_path)
    return {r["name"]: package_path.parent / r["path"] for r in descriptor["resources"]}


def _field_types(descriptor: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        r["name"]: {f["name"]: f.get("type", "string") for f in r["schema"]["fields"]} for r in descriptor["resources"]
    }


def _convert(value: str, kind: str) -> Any:
    """Typed value for one cell; blanks become None, unparsable text is kept as it is."""
    value = value.strip()
    if value == "":
        return None
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() and "." not in value else number
        if kind == "boolean":  # Table Schema's default true and false values
            return {"true": True, "True": True, "TRUE": True, "1": True}.get(value, False)
    except ValueError:
        return value
    return value


def _typed_row(row: dict[str | None, str | None], types: dict[str, str]) -> dict[str, Any]:
    """Typed cells, plus `<field>_text` for each number as written, so that a figure is always
    shown with the precision its source stated (28.0 stays 28.0, 2.50 stays 2.50)."""
    typed: dict[str, Any] = {}
    for key, raw in row.items():
        if key is None:  # surplus cells of a ragged row: validation reports them
            continue
        kind = types.get(key, "string")
        typed[key] = _convert(raw or "", kind)
        if kind == "number" and typed[key] is not None:
            typed[f"{key}_text"] = (raw or "").strip()
    return typed


def read_tables(package_path: str | Path) -> dict[str, Table]:
    """Every table of the package as a list of typed rows (dicts), in file order."""
    package_path = Path(package_path)
    descriptor = read_package_descriptor(package_path)
    types = _field_types(descriptor)
    tables: dict[str, Table] = {}
    for name, path in resource_paths(package_path, descriptor).items():
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            rows = list(csv.DictReader(fh))
        tables[name] = [_typed_row(row, types[name]) for row in rows]
    for outcome in tables.get("outcomes", []):
        _as_printed(outcome)
    _unit_words(tables)
    return tables


def _unit_words(tables: dict[str, Table]) -> None:
    """Each outcome's unit in the words printed after its value: a scale's own (scales.csv), else
    the vocabulary's."""
    scales = {sc.get("scale_id"): sc.get("text") for sc in tables.get("scales", [])}
    unranged = {sc.get("scale_id") for sc in tables.get("scales", []) if None in (sc.get("minimum"), sc.get("maximum"))}
    for outcome in tables.get("outcomes", []):
        unit = outcome.get("unit")
        words = scales.get(unit) or (UNITS[unit].text if unit is not None and unit in UNITS else unit)
        if words is not None:
            outcome["unit_text"] = words
        if unit in unranged:  # a scale whose range its source does not print (QLQ-BM22): said where shown
            outcome["scale_range_unstated"] = True


def _as_printed(outcome: Row) -> None:
    """A figure the source states as a bound ("> 80 %") keeps its qualifier wherever it is shown:
    it is part of the figure's text. Its number is a bound, not an estimate, so nothing is derived
    from it (no count, interval, change from baseline or pooled estimate: see effects, pooling)."""
    qualifier = outcome.get("value_qualifier")
    if qualifier and outcome.get("value_text"):
        shown = QUALIFIERS[qualifier].text if qualifier in QUALIFIERS else qualifier
        outcome["value_text"] = f"{shown} {outcome['value_text']}"


def read_valid(package_path: str | Path) -> Tables:
    """`read_tables` of a package the validate step has passed, typed as the row models say (a step
    that runs after validation: the slices, combine, references, surveillance)."""
    return cast("Tables", read_tables(package_path))


def slice_for_modality(tables: Tables, modality_id: str) -> Evidence:
    """The evidence one modality's summary is built from.

    Primary studies belong to the modality named in their row; a review belongs to every modality
    it makes a statement about.
    """
    modality = [m for m in tables["modalities"] if m.get("modality_id") == modality_id]
    if not modality:
        raise ValueError(f"modality {modality_id!r} is not in the modalities table")
    statements = [s for s in tables["statements"] if s.get("modality_id") == modality_id]
    cited = {s.get("study_id") for s in statements}
    # A comparative study belongs to every modality one of its arms is of.
    armed = {a.get("study_id") for a in tables.get("arms", []) if a.get("modality_id") == modality_id}
    studies = [
        s for s in tables["studies"] if s.get("modality_id") == modality_id or s.get("study_id") in cited | armed
    ]
    study_ids = {s.get("study_id") for s in studies}
    names = {s.get("study_id"): s.get("short_name") for s in tables["studies"]}
    return {
        "modality_id": modality_id,
        "modality": modality[0],
        "studies": studies,
        "arms": [a for a in tables.get("arms", []) if a.get("study_id") in study_ids],
        "outcomes": [o for o in tables["outcomes"] if o.get("study_id") in study_ids],
        "comparisons": [c for c in tables.get("comparisons", []) if c.get("study_id") in study_ids],
        # Named by the short name of the included study, which may be of another modality.
        "review_includes": [
            r | {"short_name": names.get(r.get("study_id"), r.get("study_id"))}
            for r in tables.get("review_includes", [])
            if r.get("review_id") in study_ids
        ],
        "scales": tables.get("scales", []),
        "baseline_risks": tables.get("baseline_risks", []),
        "statements": statements,
        "certainty": [c for c in tables["certainty"] if c.get("modality_id") == modality_id],
        # A study's judgements go with every modality it belongs to: editing one rebuilds those only.
        "risk_of_bias": [r for r in tables.get("risk_of_bias", []) if r.get("study_id") in study_ids],
        # How the studies were found: what a proposal on publication bias rests on without Egger's test.
        "identification": tables.get("identification", []),
    }


def general_statements(tables: Tables) -> list[Statement]:
    """Statements that concern no single modality (care pathway, team work)."""
    return [s for s in tables["statements"] if not s.get("modality_id")]


def slice_digests(
    package_path: str | Path, modality_ids: list[str], settings: AnalysisSettings | None = None
) -> dict[str, str]:
    """Checksum of each modality's slice, reading the tables once; any reading failure gives every
    modality a digest of the raw files, so a broken package always counts as changed and
    validation gets to report it."""
    try:
        # Read before validation: the rows are digested as they are, whatever their types.
        tables = cast("Tables", read_tables(package_path))
        slices = {m: slice_with_settings(tables, m, settings) for m in modality_ids}
    except Exception:  # noqa: BLE001 - any failure here must only force a rebuild
        digest = hashlib.sha256()
        package_path = Path(package_path)
        for path in sorted(package_path.parent.glob("*")):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return dict.fromkeys(modality_ids, "raw-" + digest.hexdigest())
    return {m: hashlib.sha256(dumps(data).encode("utf-8")).hexdigest() for m, data in slices.items()}


def build_slice(package_path: str | Path, modality_id: str, settings: AnalysisSettings | None = None) -> Slice:
    """The slice plus the analysis settings that shape the summary, so a settings change in the
    config re-runs the notebooks just as a data change does."""
    return slice_with_settings(read_valid(package_path), modality_id, settings)


def slice_with_settings(tables: Tables, modality_id: str, settings: AnalysisSettings | None = None) -> Slice:
    """One modality's slice of read tables with its settings (its own prespecified outcomes): what
    build_slice writes, for callers that read the tables once for every modality (bench/run)."""
    return {**slice_for_modality(tables, modality_id), "settings": importance.for_modality(settings, modality_id)}


def write_slice(
    package_path: str | Path, modality_id: str, out_path: str | Path, settings: AnalysisSettings | None = None
) -> None:
    data = build_slice(package_path, modality_id, settings)  # a ValueError names a modality not in the data
    from briefing.schema import models

    models.write(out_path, models.Slice, data)
