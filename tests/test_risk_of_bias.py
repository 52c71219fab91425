"""Study-level risk of bias (data/risk_of_bias.csv, issue 30 item 2): the tools' vocabularies in the
registry, the rules validation holds the rows to, and the tables each modality shows, from the
real-study fixture's judgements (Patchell 2005, PMID 16112300: RoB 2; Salazar's half-body
irradiation series: ROBINS-I; the vertebroplasty series of Radiology 2006, PMID 16373777: JBI)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from test_comparative_evidence import CONFIG, modality, problems

from briefing.core.vocabulary import ROB_TOOLS
from briefing.data import evidence
from conftest import ROOT
from real_studies import add_studies

STUDIES = {"patchell2005", "salazar1996_hbi", "radiology2006_pv", "rtog0631"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    add_studies(tmp_path, STUDIES)
    return tmp_path


def rob_rows(project: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((project / "data" / "risk_of_bias.csv").open(encoding="utf-8", newline="")))


def rewrite(project: Path, rows: list[dict[str, str]]) -> None:
    with (project / "data" / "risk_of_bias.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def row_of(rows: list[dict[str, str]], study: str, domain: str) -> int:
    """The file's row number (the header is row 1) of a study's judgement of a domain."""
    return next(i for i, r in enumerate(rows, start=2) if r["study_id"] == study and r["rob_domain"] == domain)


def test_the_judgements_of_the_seeds_and_the_fixture_are_valid(project):
    assert problems(project) == []


def test_an_unknown_judgement_is_refused_naming_its_cell_and_the_allowed_words(project):
    rows = rob_rows(project)
    n = row_of(rows, "patchell2005", "D1")
    rows[n - 2]["judgement"] = "moderate"  # a ROBINS-I word, not RoB 2's
    rewrite(project, rows)
    found = [p for p in problems(project) if p[0] == "risk_of_bias.csv"]
    assert found == [
        (
            "risk_of_bias.csv",
            n,
            "judgement",
            "'moderate' is not a RoB 2 (randomised trials) judgement for D1: use one of low, some_concerns, high",
        )
    ]


def test_an_unknown_tool_or_domain_is_refused(project):
    rows = rob_rows(project)
    rows[row_of(rows, "patchell2005", "D1") - 2]["rob_domain"] = "D6"
    rows[row_of(rows, "radiology2006_pv", "Q1") - 2]["tool"] = "nos"
    rewrite(project, rows)
    found = {(p[1], p[2]): p[3] for p in problems(project) if p[0] == "risk_of_bias.csv"}
    assert (
        "'D6' is not a domain of RoB 2 (randomised trials): use one of D1, D2, D3, D4, D5, overall"
        in found[(row_of(rows, "patchell2005", "D6"), "rob_domain")]
    )
    assert "'nos'" in found[(row_of(rows, "radiology2006_pv", "Q1"), "tool")]


def test_a_tool_that_does_not_fit_the_design_is_refused_with_the_one_that_does(project):
    rows = rob_rows(project)
    trial = [dict(r) for r in rows if r["study_id"] == "patchell2005"]
    for r in trial:  # Patchell 2005 is randomised: the JBI case-series checklist does not fit
        r.update(
            tool="jbi_case_series", outcome_domain="", rob_domain="Q1" if r["rob_domain"] == "D1" else r["rob_domain"]
        )
    rows = [r for r in rows if r["study_id"] != "patchell2005"] + [
        r for r in trial if r["rob_domain"] in ("Q1", "overall")
    ]
    for r in rows[-2:]:
        r["judgement"] = "yes" if r["rob_domain"] == "Q1" else "include"
    rewrite(project, rows)
    found = [p for p in problems(project) if p[0] == "risk_of_bias.csv"]
    assert (len(rows), "tool", "jbi_case_series does not fit 'patchell2005', a randomised trial: use rob2") in [
        p[1:] for p in found
    ]


def test_a_study_with_domains_but_no_overall_judgement_is_refused(project):
    rows = [r for r in rob_rows(project) if not (r["study_id"] == "radiology2006_pv" and r["rob_domain"] == "overall")]
    rewrite(project, rows)
    last = max(i for i, r in enumerate(rows, start=2) if r["study_id"] == "radiology2006_pv")
    found = [p for p in problems(project) if p[0] == "risk_of_bias.csv"]
    assert found == [
        (
            "risk_of_bias.csv",
            last,
            "rob_domain",
            "'radiology2006_pv' (jbi_case_series) has domain judgements but no overall one: "
            "add a row with rob_domain 'overall'",
        )
    ]


def test_a_trials_table_shows_each_rob2_domain_with_a_symbol_and_a_word(project):
    surgery = modality(project, "surgery")["risk_of_bias"]
    rob2 = next(t for t in surgery["tables"] if t["tool"] == "rob2")
    assert [d["short"] for d in rob2["domains"]] == ["D1", "D2", "D3", "D4", "D5", "Overall"]
    patchell = next(r for r in rob2["rows"] if r["study_id"] == "patchell2005")
    assert patchell["outcome"] == "Neurological outcome"
    assert [c["text"] for c in patchell["cells"]] == ["! Some concerns"] * 2 + ["+ Low"] + ["! Some concerns"] * 3
    support = next(s for s in rob2["supports"] if s["study"] == "Patchell 2005" and s["domain"] == "D5")
    assert support["text"].startswith("Stopped early at an interim analysis")


def test_a_non_randomised_comparison_is_judged_with_robins_i(project):
    hbi = modality(project, "hbi")["risk_of_bias"]
    robins = next(t for t in hbi["tables"] if t["tool"] == "robins_i")
    salazar = next(r for r in robins["rows"] if r["study_id"] == "salazar1996_hbi")
    assert salazar["cells"][0]["text"] == "− Serious"  # confounding: techniques of different periods
    assert salazar["cells"][-1]["text"] == "− Serious"
    assert "? No information" in [c["text"] for c in salazar["cells"]]


def test_a_case_series_is_judged_with_the_jbi_checklist_once(project):
    surgery = modality(project, "surgery")["risk_of_bias"]
    jbi = next(t for t in surgery["tables"] if t["tool"] == "jbi_case_series")
    assert [d["short"] for d in jbi["domains"]] == [f"Q{i}" for i in range(1, 11)] + ["Overall"]
    series = next(r for r in jbi["rows"] if r["study_id"] == "radiology2006_pv")
    assert series["outcome"] == ""
    assert series["cells"][0]["text"] == "+ Yes" and series["cells"][-1]["text"] == "? Seek further info"


def test_every_cell_of_every_table_has_a_symbol_and_a_word(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    add_studies(tmp_path)
    symbols = {a.symbol for t in ROB_TOOLS for a in t.judgements + t.overall_judgements}
    for m in CONFIG["modalities"]:
        for table in modality(tmp_path, m)["risk_of_bias"]["tables"]:
            for row in table["rows"]:
                for cell in row["cells"]:
                    symbol, _, word = cell["text"].partition(" ")
                    assert symbol in symbols and word[:1].isupper(), (m, row["study"], cell)


def test_a_study_without_judgements_is_listed_as_not_assessed(project):
    rewrite(project, [r for r in rob_rows(project) if r["study_id"] != "radiology2006_pv"])
    surgery = modality(project, "surgery")["risk_of_bias"]
    assert surgery["not_assessed"] == ["Vertebroplasty series 2006"]
    assert surgery["not_assessed_text"] == "Risk of bias not assessed: Vertebroplasty series 2006."


def test_editing_one_judgement_changes_only_the_slices_of_the_studys_modalities(project):
    package = project / "data" / "datapackage.yaml"
    modalities = CONFIG["modalities"]
    before = evidence.slice_digests(package, modalities, CONFIG["analysis"])
    rows = rob_rows(project)
    rows[row_of(rows, "patchell2005", "D4") - 2]["judgement"] = "high"
    rewrite(project, rows)
    after = evidence.slice_digests(package, modalities, CONFIG["analysis"])
    # Patchell's arms are surgery and its conventional-radiotherapy comparator.
    assert sorted(m for m in modalities if before[m] != after[m]) == ["cebrt", "surgery"]
