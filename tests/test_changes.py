"""The what-changed section, from two editions built from two data versions."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import yaml

import conftest
from briefing import changes, combine, evidence, render, summary
from conftest import ROOT
from real_studies import add_studies

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
PROVENANCE = copy.deepcopy(conftest.PROVENANCE)
PROVENANCE["data"]["package"] = "a" * 64


def edition(package: Path, date: str = "2026-01-01", previous: dict | None = None) -> dict:
    summaries = [
        summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, CONFIG["analysis"]))))
        for m in CONFIG["modalities"]
    ]
    tables = evidence.read_tables(package)
    context = combine.build(
        CONFIG,
        summaries,
        tables,
        evidence.general_statements(tables),
        PROVENANCE | {"build_date": date},
        previous=previous,
    )
    return json.loads(evidence.dumps(context))


def test_first_edition_says_so():
    section = changes.compare(None, {})
    assert section["first_edition"] and "first edition" in section["summary"]


def test_the_context_is_compared_with_the_previous_edition_when_built():
    """No first-edition placeholder that the combine step overwrites: the context that combine.build
    returns carries its comparison with the previous edition it was given."""
    old = combine.public_json(edition(ROOT / "data" / "datapackage.yaml"))
    new = edition(ROOT / "data" / "datapackage.yaml", "2026-02-01", previous=old)
    assert new["changes"]["first_edition"] is False
    assert new["changes"] == json.loads(evidence.dumps(changes.compare(old, combine.public_json(new))))
    assert combine.public_json(new)["changes"] == new["changes"]


def test_missing_previous_file_is_a_first_edition_with_a_note(tmp_path):
    previous, note = changes.load_previous(str(tmp_path / "none.json"))
    assert previous is None and "No previous edition found" in note


def test_edit_shows_old_and_new_values(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    old = edition(data / "datapackage.yaml", "2026-01-01")
    outcomes = data / "outcomes.csv"
    outcomes.write_text(outcomes.read_text().replace(",mean,,62.4,17.5,", ",mean,,61.9,17.2,"), encoding="utf-8")
    certainty = data / "certainty.csv"
    certainty.write_text(
        certainty.read_text().replace("i125,opioid_dose,indirectness,-1,", "i125,opioid_dose,indirectness,0,"),
        encoding="utf-8",
    )
    new = edition(data / "datapackage.yaml", "2026-02-01")
    section = changes.compare(combine.public_json(old), combine.public_json(new))
    changed = {c["id"]: c for c in section["sections"]["figures"]["changed"]}
    assert "62.4; SD 17.5" in changed["shao_i125-ome-w8"]["old"]
    assert "61.9; SD 17.2" in changed["shao_i125-ome-w8"]["new"]
    assert "shao_i125-ome-w8:change" in changed  # the derived % change follows the edit
    assert section["counts"]["studies"] == {"added": 0, "removed": 0, "changed": 0}
    assert section["sections"]["certainty"]["changed"] == [] or all(
        "i125" in c["id"] for c in section["sections"]["certainty"]["changed"]
    )
    assert section["summary"].startswith("Since the edition of 2026-01-01")
    new["changes"] = section
    html = render.render_html(new, ROOT / "templates")
    assert "What changed" in html and "62.4; SD 17.5" in html and "61.9; SD 17.2" in html


def test_added_study_is_listed(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    old = combine.public_json(edition(data / "datapackage.yaml"))
    with open(data / "studies.csv", "a", encoding="utf-8") as fh:
        fh.write("new2026,New 2026,A new study,New A,2026,,,,,,prospective_cohort,,,30,,srs,,,,,,,,,test,test\n")
    new = combine.public_json(edition(data / "datapackage.yaml"))
    section = changes.compare(old, new)
    assert [a["id"] for a in section["sections"]["studies"]["added"]] == ["new2026"]
    assert "1 study added" in section["summary"]


def test_an_edition_built_by_older_code_compares_without_false_changes(tmp_path):
    """Editions published before this code have no short names, statements or headlines, and
    positional ids for summary-of-findings counts: nothing may look changed because of that."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    new = combine.public_json(edition(data / "datapackage.yaml"))
    old = copy.deepcopy(new)
    old.pop("statements")
    for ref in old["references"]:
        ref.pop("short_name")
    for m in old["modalities"]:
        m.pop("headline")
    counter: dict[str, int] = {}
    for f in old["figures"]:
        if ":sof:" in f["id"]:
            m, _, _, what = f["id"].split(":")
            counter[f"{m}{what}"] = counter.get(f"{m}{what}", 0) + 1
            f["id"] = f"{m}:sof:{counter[f'{m}{what}']}:{what}"
    section = changes.compare(old, new)
    sections = ("studies", "figures", "pooled", "certainty", "statements")
    assert section["counts"] == {name: {"added": 0, "removed": 0, "changed": 0} for name in sections}
    assert section["per_modality"] == []
    assert section["summary"].endswith("the evidence shown is unchanged.")


def test_what_changed_names_study_fields_and_arms_as_a_reader_would(tmp_path):
    """Patchell 2005 (PMID 16112300: arms of 50 and 51) and RTOG 0631 (PMID 37079324: 16 or 18 Gy
    in one fraction) removed between two editions: their figures under readers' labels."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    old = combine.public_json(edition(data / "datapackage.yaml"))
    add_studies(tmp_path, {"patchell2005", "rtog0631"})
    new = combine.public_json(edition(data / "datapackage.yaml"))
    added = {a["label"]: a["new"] for a in changes.compare(old, new)["sections"]["figures"]["added"]}
    assert added["Patchell 2005: Patients in the surgery and radiotherapy arm"] == "50"
    assert added["Patchell 2005: Patients in the radiotherapy alone arm"] == "51"
    assert added["Ryu 2023 (RTOG 0631): Highest dose per fraction (Gy)"] == "18"
    assert added["Ryu 2023 (RTOG 0631): Lowest dose per fraction (Gy)"] == "16"
    assert not [label for label in added if "[" in label or "_gy" in label or " gy" in label], added
    # An edition published before figures had these labels compares as unchanged.
    older = copy.deepcopy(new)
    for f in older["figures"]:
        if f.get("table") in ("studies", "arms"):
            f.pop("label", None)
    section = changes.compare(older, new)
    assert section["counts"]["figures"] == {"added": 0, "removed": 0, "changed": 0}


def test_a_rating_whose_reasons_changed_is_counted_as_changed(tmp_path):
    """Qian 2016 (surgery): its two certainty reasons reworded, its level the same."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    add_studies(tmp_path, {"qian2016_surgery"})
    old = combine.public_json(edition(data / "datapackage.yaml"))
    certainty = data / "certainty.csv"
    text = certainty.read_text(encoding="utf-8")
    text = text.replace("Retrospective series of 7 patients;", "Retrospective series of 7 patients at one centre;")
    text = text.replace("so the effect of stabilisation alone", "so the effect of fixation alone")
    certainty.write_text(text, encoding="utf-8")
    new = combine.public_json(edition(data / "datapackage.yaml"))
    section = changes.compare(old, new)
    (changed,) = section["sections"]["certainty"]["changed"]
    assert changed["old"] == "⊕◯◯◯ very low" and changed["new"].startswith("⊕◯◯◯ very low; reasons changed: ")
    assert "risk of bias" in changed["new"] and "indirectness" in changed["new"]
    assert section["summary"].endswith(": 0 certainty ratings added, 0 removed and 1 changed.")
    (surgery,) = [m for m in section["per_modality"] if m["modality_id"] == "surgery"]
    assert any(
        line.startswith("Certainty, Pain score: ⊕◯◯◯ very low → ⊕◯◯◯ very low; reasons changed")
        for line in surgery["lines"]
    ), surgery
