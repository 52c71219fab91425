"""Names and free text that hold `& < > " '` reach every output exactly as the data hold them: the
HTML's text, the print edition, the PDFs' running headers and their bookmarks; the numeric audits
pass (a quotation mark once printed as `&#34;` in a modality PDF's header, whose audit then refused
'34'; an ampersand printed as `&amp;`).

One build, of the seeds plus two real surgery studies (Patchell 2005, a trial with arms; Qian
2016, a pain-score series), with the characters written into every kind of text column."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader

from briefing import audit, evidence, modality_print, render, summary
from conftest import ROOT, copy_project, edit_csv, keep_modalities, snakemake
from real_studies import add_studies

MODALITIES = ["srs", "surgery", "cebrt"]
# The five characters, as tags and quotes that HTML, CSS and PDF strings each read in their own
# way; no digit, so that nothing here is a number the audits must trace.
MARKS = "& <b>it</b> \"quoted\" 'single'"
MODALITY_NAME = f"Surgical stabilisation {MARKS}"
MODALITY_SHORT = f"Surgery {MARKS}"
STUDY = f"Qian {MARKS}"
ARM = f"surgery and radiotherapy {MARKS}"
MEASURE = f"Pain score (VAS) {MARKS}"
TITLE = f"Effect of pedicle fixation {MARKS}"
AUTHORS = f"Qian J, Bao Z {MARKS}"
STATEMENT = f"The review attributes most spinal pain to instability {MARKS}."
NOTE = f"All were followed up {MARKS}."
DESCRIPTION = f"Vertebral replacement {MARKS}."
POPULATION = f"Metastatic thoracolumbar tumours {MARKS}."
REGIMEN = f"Pedicle screw fixation {MARKS}"
DESIGN_NOTE = f"Retrospective analysis {MARKS}."
REASON = f"Surgery was combined with seed implantation {MARKS}."
ARM_REGIMEN = f"Decompressive surgery then radiotherapy {MARKS}"
COMPARISON_NOTE = f"As the abstract states it {MARKS}."

# Qian 2016's indirectness, as the real-study fixture words it (certainty rows have no id).
INDIRECT = (
    "Surgery was combined with iodine-125 seed implantation, so the effect of stabilisation alone cannot be separated."
)
# (file, key column, key, column, new value)
EDITS = [
    ("modalities.csv", "modality_id", "surgery", "name", MODALITY_NAME),
    ("modalities.csv", "modality_id", "surgery", "short_name", MODALITY_SHORT),
    ("modalities.csv", "modality_id", "surgery", "description", DESCRIPTION),
    ("studies.csv", "study_id", "qian2016_surgery", "population", POPULATION),
    ("studies.csv", "study_id", "qian2016_surgery", "regimen", REGIMEN),
    ("studies.csv", "study_id", "qian2016_surgery", "design_note", DESIGN_NOTE),
    ("certainty.csv", "reason", INDIRECT, "reason", REASON),
    ("arms.csv", "arm_id", "patchell2005-surgery", "regimen", ARM_REGIMEN),
    ("comparisons.csv", "comparison_id", "patchell2005-walk-or", "note", COMPARISON_NOTE),
    ("studies.csv", "study_id", "qian2016_surgery", "short_name", STUDY),
    ("studies.csv", "study_id", "qian2016_surgery", "title", TITLE),
    ("studies.csv", "study_id", "qian2016_surgery", "authors", AUTHORS),
    ("arms.csv", "arm_id", "patchell2005-surgery", "label", ARM),
    ("statements.csv", "statement_id", "hosono1995-mechanism", "statement", STATEMENT),
    *[
        ("outcomes.csv", "outcome_id", f"qian2016_surgery-vas-{t}", column, value)
        for t in ("0", "m1", "m6", "m12")
        for column, value in (("measure", MEASURE), ("note", NOTE))
    ],
]
SHOWN = [
    *(MODALITY_NAME, MODALITY_SHORT, DESCRIPTION, STUDY, TITLE, AUTHORS, POPULATION, REGIMEN, DESIGN_NOTE),
    *(ARM, ARM_REGIMEN, MEASURE, NOTE, COMPARISON_NOTE, REASON, STATEMENT),
]
# What a text escaped twice, or escaped for the wrong language, prints.
MANGLED = ("&amp;", "&lt;", "&gt;", "&#34;", "&#39;", "&quot;", "\\26", "\\22")


def test_a_modality_pdf_prints_its_name_as_written_and_passes_its_audit(tmp_path):
    """In-process, the modality-PDF step alone: the short name in the running header (a CSS string,
    where HTML's escaping printed `&amp;` and `&#34;`), the name in the bookmarks."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    add_studies(tmp_path, {"qian2016_surgery"})
    for edit in EDITS[:2]:
        edit_csv(tmp_path / "data" / edit[0], *edit[1:])
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    piece = json.loads(
        evidence.dumps(evidence.build_slice(tmp_path / "data" / "datapackage.yaml", "surgery", config["analysis"]))
    )
    context = modality_print.context(summary.build_summary(piece), config["title"], "2026-01-01", "0" * 64)
    html, pdf = tmp_path / "surgery.print.html", tmp_path / "surgery.pdf"
    html.write_text(modality_print.render(context, ROOT / "templates"), encoding="utf-8")
    render.render_pdf(html, pdf)
    texts = pdf_pages(pdf)
    assert all(f"{MODALITY_SHORT} · edition of 2026-01-01" in page for page in texts[1:]), texts[1][:200]
    assert any(MODALITY_NAME in title for title in bookmarks(pdf))
    templates = [ROOT / "templates" / name for name in modality_print.TEMPLATES]
    assert (
        audit.check([("print HTML", html)], pdf, lambda: modality_print.allowed_numbers(context, piece, templates))
        == []
    )


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> Path:
    workdir = copy_project(tmp_path_factory.mktemp("marks") / "project")
    add_studies(workdir, {"patchell2005", "qian2016_surgery"})
    for name, key_column, key, column, value in EDITS:
        edit_csv(workdir / "data" / name, key_column, key, column, value)
    keep_modalities(workdir / "data", MODALITIES)  # validation refuses rows of a modality not built
    snakemake(workdir, "--config", f"modalities=[{','.join(MODALITIES)}]")  # the audits pass
    return workdir


def squeeze(text: str) -> str:
    return " ".join(text.split())


def html_text(path: Path) -> str:
    return squeeze(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" "))


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [squeeze(page) for page in text.split("\f")[:-1]]


def pdf_text(path: Path) -> str:
    """The PDF's text three times over: page by page as laid out; with no white space at all, in
    reading order (a table cell's text wraps across lines that the layout interleaves); and in the
    order the PDF draws it (each table cell's text together, where the reading order interleaves
    the wrapped lines of neighbouring cells)."""
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    drawn = "".join(page.extract_text() for page in PdfReader(str(path)).pages)
    return " ".join(pdf_pages(path)) + " " + re.sub(r"\s+", "", raw) + " " + re.sub(r"\s+", "", drawn)


def bookmarks(path: Path) -> list[str]:
    titles: list[str] = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(squeeze(item.title))

    walk(PdfReader(path).outline)
    return titles


def pages(workdir: Path) -> list[Path]:
    reports = workdir / "reports"
    return [reports / "briefing.html", *sorted((reports / "modalities").glob("*.html"))]


# Where each text must show: the briefing carries them all; the modality's notebook page its
# studies' and arms' names, its measures and its reviews' statements; its print edition and its
# PDF everything; the briefing's print edition and PDF all but the per-study detail.
EVERYWHERE = SHOWN
NOTEBOOK = [MODALITY_NAME, STUDY, POPULATION, REGIMEN, ARM, MEASURE, REASON, STATEMENT]
BRIEFING_PRINT = [MODALITY_NAME, MODALITY_SHORT, DESCRIPTION, TITLE, AUTHORS, ARM, MEASURE, NOTE, REASON]


def missing(text: str, values: list[str]) -> list[str]:
    return [v for v in values if squeeze(v) not in text and re.sub(r"\s+", "", v) not in text]


def mangled(text: str) -> list[str]:
    return [m for m in MANGLED if m in text]


@pytest.mark.slow
def test_the_html_shows_every_text_as_written(marked):
    reports = marked / "reports"
    assert missing(html_text(reports / "briefing.html"), EVERYWHERE) == []
    assert missing(html_text(reports / "modalities" / "surgery.html"), NOTEBOOK) == []
    assert [(page.name, mangled(html_text(page))) for page in pages(marked) if mangled(html_text(page))] == []


@pytest.mark.slow
def test_the_print_edition_shows_every_text_as_written(marked):
    briefing, surgery = (
        html_text(marked / "results" / p) for p in ("briefing.print.html", "modalities/surgery/print.html")
    )
    assert missing(briefing, BRIEFING_PRINT) == [] and missing(surgery, EVERYWHERE) == []
    assert mangled(briefing) == mangled(surgery) == []


@pytest.mark.slow
def test_the_modality_pdfs_running_header_holds_its_short_name(marked):
    header = f"{MODALITY_SHORT} · edition of"
    texts = pdf_pages(marked / "reports" / "modalities" / "surgery.pdf")
    assert texts and all(header in page for page in texts[1:]), texts[1][:200]
    assert not [m for m in MANGLED if m in " ".join(texts)]


@pytest.mark.slow
def test_the_pdfs_print_the_texts_as_written(marked):
    briefing = pdf_text(marked / "reports" / "briefing.pdf")
    surgery = pdf_text(marked / "reports" / "modalities" / "surgery.pdf")
    assert missing(briefing, BRIEFING_PRINT) == [] and missing(surgery, EVERYWHERE) == []
    assert mangled(briefing) == mangled(surgery) == []


@pytest.mark.slow
def test_the_bookmarks_hold_the_names_as_written(marked):
    briefing = bookmarks(marked / "reports" / "briefing.pdf")
    assert any(MODALITY_NAME in title for title in briefing), briefing
    own = bookmarks(marked / "reports" / "modalities" / "surgery.pdf")
    assert any(MODALITY_NAME in title for title in own), own
    assert not [t for t in briefing + own if any(m in t for m in MANGLED)]
    assert not [t for t in briefing + own if re.search(r"&#?\w+;", t)]
