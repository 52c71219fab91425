"""What the briefing says of real studies that the seeds do not exercise (issue 29, items 10 and
11): a study kept in the data without its figures, a modality whose only figures are a systematic
review's pooled result, and a trial of two modalities whose abstract states each arm's figure but
no effect between them. Figures from the abstracts (tests/fixtures/real_studies/README.md):
Zhang 2016 (PMID 26719712), Saito 2019 (PMID 31673664), Sprave 2018 (PMID 30170568)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from briefing import combine, evidence, messages, render, summary, wording
from briefing.validation import validate_package
from conftest import PROVENANCE, ROOT
from real_studies import add_studies

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def project(tmp_path: Path, studies: set[str]) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    add_studies(tmp_path, studies)
    return tmp_path / "data" / "datapackage.yaml"


def modality(package: Path, modality_id: str) -> dict:
    piece = evidence.build_slice(package, modality_id, CONFIG["analysis"])
    return summary.build_summary(json.loads(evidence.dumps(piece)))


def drop_outcomes(package: Path, study_id: str) -> None:
    """The study's figures taken out, as a curator keeps a study 'without outcomes for now'."""
    path = package.parent / "outcomes.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(r for r in rows if r["study_id"] != study_id)


@pytest.fixture
def awaiting(tmp_path: Path) -> dict:
    """Zhang 2016 (20 patients) in the data without its figures, listed in
    curation.studies_without_outcomes: the iodine-125 section beside Shao's 68 patients."""
    package = project(tmp_path, {"zhang2016_i125"})
    drop_outcomes(package, "zhang2016_i125")
    rules = {"studies_without_outcomes": ["zhang2016_i125"]}
    assert validate_package(package, CONFIG["modalities"], rules) == []
    return modality(package, "i125")


def test_a_study_without_figures_adds_no_patients_to_the_figures_beside_it(awaiting):
    assert awaiting["patients"] == 68  # Shao's 68, not 68 + Zhang's 20
    text = messages.key_message(awaiting)
    assert text.startswith("One cohort study, 68 patients.")
    assert "Also in the data, without its figures yet: Zhang 2016 (20 patients)." in text
    assert "88" not in text


def test_a_study_without_figures_is_not_said_to_have_reported_nothing(awaiting):
    (sentence,) = [s["text"] for s in awaiting["sentences"] if s["study_id"] == "zhang2016_i125"]
    assert "reported ." not in sentence and "reported" not in sentence
    assert sentence.endswith(
        "of 20 patients with 24 lesions treated with CT-guided iodine-125 seed implantation, "
        "matched peripheral dose 90-130 Gy: its figures are not in this briefing's data yet."
    )


@pytest.fixture
def review_only(tmp_path: Path) -> tuple[dict, object]:
    """Conventional EBRT with Saito 2019's pooled result as its only figures (no SCORAD)."""
    package = project(tmp_path, {"saito2019"})
    return modality(package, "cebrt"), combine


def test_a_systematic_reviews_pooled_result_is_not_called_narrative_evidence(review_only):
    cebrt, _ = review_only
    assert cebrt["kind"] == "review"
    text = messages.key_message(cebrt)
    assert "narrative statements only" not in text
    assert text.startswith(
        "No primary study in the data; a systematic review with meta-analysis gives pooled results, as the review "
        "states them. Overall pain response, single fraction against multiple fractions: OR 0.85 (95 % CI 0.66 to "
        "1.08), 9 studies pooled (Saito 2019, systematic review with meta-analysis). No primary study reports: "
        "pain score"  # not pain response: the review's pooled OR is in the summary of findings (issue 30)
    )
    (row,) = [r for r in combine.comparison_rows([cebrt])]
    assert row["review_findings"] == [
        {
            "study_id": "saito2019",
            "text": "Overall pain response, single fraction against multiple fractions: OR 0.85 (95 % CI 0.66 to "
            "1.08), 9 studies pooled (Saito 2019, systematic review with meta-analysis)",
        }
    ]
    points = combine.bottom_line([cebrt])["points"]
    assert not any("narrative review statements only" in p for p in points)


def test_a_direct_comparison_without_a_stated_effect_shows_both_arms_figures(tmp_path):
    package = project(tmp_path, {"sprave2018"})
    summaries = [modality(package, m) for m in ("srs", "cebrt")]
    (row,) = combine.direct_comparisons(summaries)
    assert row["kind"] == "reported" and row["study_ids"] == ["sprave2018"]
    assert "SBRT 24 Gy in one fraction arm, 3 months: 8.7 %" in row["effect"]
    assert "3DCRT 30 Gy in 10 fractions arm, 3 months: 4.3 %" in row["effect"]
    assert row["participants"] == 55


def test_the_source_line_says_abstract_once():
    assert wording.source_text("PubMed 26719712 (abstract)", "Abstract") == "PubMed 26719712, abstract"
    assert (
        wording.source_text("PubMed 26719712 (abstract)", "Abstract (methods and results)")
        == "PubMed 26719712, abstract (methods and results)"
    )
    assert wording.source_text("PMC6119304 (abstract)", "Abstract (methods, results)") == (
        "PMC6119304, abstract (methods, results)"
    )
    assert wording.source_text("J Pain Res 2016;9:271-278 (abstract)", "Summary (findings)") == (
        "J Pain Res 2016;9:271-278 (abstract), summary (findings)"
    )


def briefing_html(package: Path) -> BeautifulSoup:
    summaries = [modality(package, m) for m in CONFIG["modalities"]]
    tables = evidence.read_tables(package)
    context = combine.build(CONFIG, summaries, tables, evidence.general_statements(tables), PROVENANCE)
    return BeautifulSoup(render.render_html(json.loads(evidence.dumps(context)), ROOT / "templates"), "html.parser")


def test_the_comparison_table_shows_a_reviews_pooled_result_and_the_references_name_their_part_once(tmp_path):
    page = briefing_html(project(tmp_path, {"saito2019", "zhang2016_i125"}))
    (row,) = [tr for tr in page.select("#table-comparison tbody tr") if "modality-cebrt" in str(tr.th)]
    text = re.sub(r"\s+", " ", row.get_text(" "))
    assert "narrative evidence only" not in text and "no quantitative evidence" not in text
    assert "OR 0.85 (95 % CI 0.66 to 1.08) (Saito 2019, systematic review with meta-analysis, 9 studies pooled)" in text
    references = re.sub(r"\s+", " ", page.select_one("#references").get_text(" "))
    assert "Source: PubMed 26719712, abstract (methods and results)." in references
    assert "(abstract) (" not in references


def test_the_comparison_table_names_a_study_without_figures_apart(tmp_path):
    package = project(tmp_path, {"zhang2016_i125"})
    drop_outcomes(package, "zhang2016_i125")
    page = briefing_html(package)
    (row,) = [tr for tr in page.select("#table-comparison tbody tr") if "modality-i125" in str(tr.th)]
    cells = [re.sub(r"\s+", " ", td.get_text(" ")).strip() for td in row.select("td")]
    assert cells[0] == "one cohort study [ 5 ] and a study without figures yet [ 4 ]"
    assert cells[1] == "68"


def test_a_seed_copys_file_name_is_not_shown_to_readers():
    """The reference list read 'Source: 000_126d6cb8bbb6aa5f.txt, PubMed record: citation line and
    abstract.': the seed's file name is the developers', its locator says what the copy is."""
    assert wording.source_text("000_126d6cb8bbb6aa5f.txt", "PubMed record: citation line and abstract") == (
        "PubMed record: citation line and abstract"
    )
    assert wording.source_text("PubMed 26719712 (abstract)", "Abstract") == "PubMed 26719712, abstract"
