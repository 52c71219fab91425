"""What a curator's edit may not do by accident (workflow/briefing/curation.py), figures kept as
printed, and validation messages that say the way out. Each case edits a fresh copy of data/."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from briefing import combine, curation, evidence, summary
from briefing.validation import validate_package
from conftest import PROVENANCE, ROOT
from test_validation import DATA, append_row, header_only, rewrite_bytes, set_cell

STUDY = {
    "study_id": "again2008",
    "short_name": "Again 2008",
    "title": "A study",
    "authors": "Again A",
    "year": "2008",
    "design": "case_series",
    "patients": "30",
    "modality_id": "srs",
    "source_document": "test",
    "source_locator": "Abstract",
}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of data/, with the working directory set so that files show as data/x.csv."""
    shutil.copytree(DATA, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def validate(data: Path, **rules) -> list[str]:
    return [str(p) for p in validate_package(data / "datapackage.yaml", rules=rules)]


def outcome(study_id: str, n: int, **values: str) -> dict[str, str]:
    base = {
        "outcome_id": f"{study_id}-{n}",
        "study_id": study_id,
        "domain": "pain_response",
        "measure": "Overall response",
        "source_term": "response",
        "statistic": "percent",
        "value": str(50 + n),
        "unit": "%",
        "icpr_category": "overall",
        "timepoint": f"{n + 1} months",
        "locator": "Abstract",
    }
    return base | values


# --- emptied tables and studies without figures --------------------------------------------------


@pytest.mark.parametrize("table", ["outcomes", "statements", "certainty"])
def test_an_emptied_table_is_refused_unless_the_config_intends_it(data_dir, table):
    rewrite_bytes(data_dir, table, header_only)
    problems = validate(data_dir)
    assert any(
        p.startswith(f"data/{table}.csv: the table has its header but no rows") and "allow_empty_tables" in p
        for p in problems
    ), problems
    allowed = validate(data_dir, allow_empty_tables=[table])
    assert not any("header but no rows" in p for p in allowed)
    assert not any("has no row in outcomes.csv" in p for p in allowed)


def test_a_primary_study_without_figures_is_refused_unless_listed(data_dir):
    row = append_row(data_dir, "studies", **STUDY)
    problems = validate(data_dir)
    assert problems == [
        f"data/studies.csv, row {row}, column 'study_id': primary study again2008 has no row in outcomes.csv, "
        "so the briefing would count it without showing any of its results. Add its figures to outcomes.csv "
        "(one row per stated figure); if it is meant to stay without figures for now, list it in "
        "curation.studies_without_outcomes in the config"
    ]
    assert validate(data_dir, studies_without_outcomes=["again2008"]) == []


# --- the same study twice ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "same, column",
    [
        ({"pmid": "18957346"}, "pmid"),
        ({"title": "Pain control by image-guided radiosurgery for solitary spinal metastasis"}, "title"),
    ],
    ids=["same-pmid", "same-title-and-year"],
)
def test_a_study_entered_twice_is_an_error_naming_both_rows(data_dir, same, column):
    ryu = {"pmid": "18957346", "title": "Pain control by image-guided radiosurgery for solitary spinal metastasis"}
    set_cell(data_dir, "studies", "ryu2008", "pmid", ryu["pmid"])
    row = append_row(data_dir, "studies", **(STUDY | same))
    append_row(data_dir, "outcomes", **outcome("again2008", 1))
    problems = validate(data_dir)
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        f"data/studies.csv, row {row}, column '{column}': again2008 looks like a second entry of ryu2008 (row 2)"
    )
    assert "'distinct_from'" in problems[0]
    set_cell(data_dir, "studies", "again2008", "distinct_from", "ryu2008")  # the curator's word
    assert validate(data_dir) == []


def test_the_same_figures_under_two_ids_are_a_duplicate(data_dir):
    """The duplicate the curator's trial found: one series entered again from a second source."""
    append_row(data_dir, "studies", **STUDY)
    append_row(data_dir, "studies", **(STUDY | {"study_id": "copy2009", "title": "Another title", "year": "2009"}))
    for study in ("again2008", "copy2009"):
        for n in range(3):
            append_row(data_dir, "outcomes", **outcome(study, n, outcome_id=f"{study}-{n}"))
    (problem,) = validate(data_dir)
    assert "copy2009 looks like a second entry of again2008" in problem
    assert "30 patients and 3 identical figures" in problem


# --- figures as printed -----------------------------------------------------------------------------


def test_a_percentage_the_count_does_not_reproduce_says_the_way_out(data_dir):
    set_cell(data_dir, "outcomes", "ryu2008-relief-complete", "events", "10")
    set_cell(data_dir, "outcomes", "ryu2008-relief-complete", "denominator", "22")
    set_cell(data_dir, "outcomes", "ryu2008-relief-complete", "denominator_unit", "patients")
    (problem,) = validate(data_dir)
    assert "10/22 is 45.45 %, which does not round to the stated 46 %" in problem
    assert "set as_printed to true" in problem
    set_cell(data_dir, "outcomes", "ryu2008-relief-complete", "as_printed", "true")
    assert validate(data_dir) == []
    (o,) = [o for o in _summary(data_dir, "srs")["outcomes"] if o["outcome_id"] == "ryu2008-relief-complete"]
    assert o["display"].startswith("46 % as printed (10/22 patients is 45.5 %; 95 % CI ")


def test_a_qualified_figure_keeps_its_qualifier_and_nothing_is_derived_from_it(data_dir):
    set_cell(data_dir, "outcomes", "ryu2008-relief-complete", "value_qualifier", ">")
    set_cell(data_dir, "outcomes", "ryu2008-relief-complete", "denominator", "49")
    set_cell(data_dir, "outcomes", "ryu2008-relief-complete", "denominator_unit", "patients")
    assert validate(data_dir) == []
    s = _summary(data_dir, "srs")
    (o,) = [o for o in s["outcomes"] if o["outcome_id"] == "ryu2008-relief-complete"]
    assert o["value_text"] == "> 46"
    assert o["display"] == "> 46 % (a bound as stated; no count or CI derived)"
    assert o["outcome_id"] not in s["estimates"]
    assert all(g["derived_overall"] is None for g in s["response_groups"])  # no sum with a bound
    context = _context(data_dir)
    registered = {f["id"]: f for f in context["figures"]}["ryu2008-relief-complete"]
    assert registered["value_text"] == "> 46"  # briefing.json keeps it too


def test_earliest_relief_keeps_its_qualifier_once(data_dir):
    (o,) = [o for o in _summary(data_dir, "srs")["outcomes"] if o["outcome_id"] == "ryu2008-earliest-relief"]
    assert o["display"].startswith("≤ 24 hours")  # the measure says "earliest" already


# --- an edition that would lose many figures ------------------------------------------------------


def test_an_edition_that_removes_many_figures_is_refused_with_the_list(data_dir):
    previous = combine.public_json(_context(data_dir))
    keep = [o for o in evidence.read_tables(data_dir / "datapackage.yaml")["outcomes"] if o["study_id"] != "shao_i125"]
    (data_dir / "outcomes.csv").write_text(
        (data_dir / "outcomes.csv").read_text().splitlines()[0]
        + "\n"
        + "\n".join(
            line
            for line in (data_dir / "outcomes.csv").read_text().splitlines()[1:]
            if not line.startswith("shao_i125")
        )
        + "\n",
        encoding="utf-8",
    )
    assert len(keep) == len(evidence.read_tables(data_dir / "datapackage.yaml")["outcomes"])
    current = combine.public_json(_context(data_dir))
    message = curation.removed_figures(previous, current, {})
    assert message and "shao_i125-nrs-w8: Pain score (NRS 0-10)" in message
    assert "curation.max_removed_share = 20%" in message
    assert curation.removed_figures(previous, current, {"curation": {"confirm_removal": True}}) is None
    assert curation.removed_figures(previous, current, {"curation": {"max_removed_share": 0.9}}) is None
    assert curation.removed_figures(previous, previous, {}) is None


# --- helpers --------------------------------------------------------------------------------------


CONFIG = {"analysis": {"timepoint_windows": {}}, "title": "t", "question": {}, "modalities": ["srs", "hfrt", "i125"]}


def _summary(data: Path, modality: str) -> dict:
    return summary.build_summary(
        json.loads(evidence.dumps(evidence.build_slice(data / "datapackage.yaml", modality, CONFIG["analysis"])))
    )


def _context(data: Path) -> dict:
    import yaml

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    summaries = [_summary(data, m) for m in config["modalities"]]
    tables = evidence.read_tables(data / "datapackage.yaml")
    return json.loads(
        evidence.dumps(
            combine.build(config, summaries, tables, evidence.general_statements(tables), copy.deepcopy(PROVENANCE))
        )
    )


# --- the curator's tools: data dictionary, make check, make new-study --------------------------------


def test_the_data_dictionary_is_generated_from_the_descriptor():
    from briefing import dictionary

    committed = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert committed == dictionary.render(ROOT / "data" / "datapackage.yaml", ROOT / "templates"), (
        "data/README.md is not what data/datapackage.yaml gives: run `make dictionary`"
    )
    descriptor = evidence.read_package_descriptor(ROOT / "data" / "datapackage.yaml")
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            assert field.get("description"), f"{resource['name']}.{field['name']} has no description"
            assert f"| `{field['name']}` |" in committed


def test_new_study_scaffold_then_check_guides_to_valid_data(tmp_path, monkeypatch):
    """The curator's path without reading code: template rows, `check` lists what is missing with
    file, row and column, and once filled the data are valid."""
    import subprocess
    import sys

    for name in ("data", "config"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "briefing", *args], capture_output=True, text=True)

    made = run("new-study", "--study", "zhang2016_i125", "--modality", "i125", "--figures", "1")
    assert made.returncode == 0, made.stderr
    assert "zhang2016_i125-1" in made.stdout and "Certainty rows of i125" in made.stdout
    assert run("new-study", "--study", "zhang2016_i125", "--modality", "i125").returncode == 1  # id taken
    check = run("check")
    assert check.returncode == 1
    for column in ("short_name", "title", "authors", "design", "source_document", "source_locator"):
        assert f"data/studies.csv, row 7, column '{column}': is required but empty" in check.stderr
    for column in ("domain", "measure", "source_term", "statistic", "locator"):
        assert f"data/outcomes.csv, row 30, column '{column}': is required but empty" in check.stderr

    from real_studies import rows

    def fill(table: str, key: str) -> None:
        path = tmp_path / "data" / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        import csv
        import io

        header = lines[0].split(",")
        (real,) = [r for r in rows(f"{table}.csv") if r[key].startswith("zhang2016_i125")]
        if table == "outcomes":
            real = real | {"outcome_id": "zhang2016_i125-1"}
        out = io.StringIO()
        csv.DictWriter(out, header, lineterminator="").writerow({c: real.get(c, "") for c in header})
        path.write_text("\n".join(lines[:-1] + [out.getvalue()]) + "\n", encoding="utf-8")

    fill("studies", "study_id")
    fill("outcomes", "outcome_id")
    check = run("check")
    assert check.returncode == 0, check.stderr
    assert "the data are valid" in check.stdout
