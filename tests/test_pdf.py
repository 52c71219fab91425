"""The PDF as panels receive it: A4, tagged (PDF/UA) with title and language, fonts embedded, page
numbers and a running header on every page, bookmarks for every part and every modality, and a
table of contents whose page numbers are the pages the bookmarks lead to."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from conftest import ROOT

pytestmark = pytest.mark.slow

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
with open(ROOT / "data" / "modalities.csv", encoding="utf-8", newline="") as fh:
    MODALITY_NAMES = [row["name"] for row in csv.DictReader(fh) if row["modality_id"] in CONFIG["modalities"]]
PARTS = ["Scope and question", "Bottom line", "Evidence by modality", "Limitations", "Methods", "References"]


def pdf(built: Path) -> Path:
    return built / "reports" / "briefing.pdf"


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def page_texts(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def outline(reader: PdfReader) -> list[tuple[str, int]]:
    """Every bookmark, depth first, with the (1-based) page it leads to."""
    entries: list[tuple[str, int]] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                entries.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return entries


def test_pdf_is_a4_tagged_titled_and_in_english(built):
    info = pdfinfo(pdf(built))
    assert info["Tagged"] == "yes"
    assert "(A4)" in info["Page size"]
    assert info["Title"] == CONFIG["title"]
    assert int(info["Pages"]) > 5
    root = PdfReader(pdf(built)).trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])  # viewers show the title, not the file name


def test_every_font_is_embedded(built):
    out = subprocess.run(["pdffonts", str(pdf(built))], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        # name, type, encoding, emb, sub, uni, object id: "emb" is the fourth field from the end.
        assert row.split()[-4] == "yes", row


def test_every_page_has_its_number_and_running_header(built):
    pages = page_texts(pdf(built))
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text, f"page {number}"
        if number > 1:
            assert "Spinal metastases: pain relief evidence briefing" in text, f"page {number}"
            assert re.search(r"Edition of \d{4}-\d{2}-\d{2}", text), f"page {number}"


def test_bookmarks_for_every_part_and_every_modality(built):
    titles = [title for title, _ in outline(PdfReader(pdf(built)))]
    for name in PARTS + MODALITY_NAMES:
        assert name in titles, name


def test_contents_give_the_pages_the_bookmarks_lead_to(built):
    pages = page_texts(pdf(built))
    bookmarks: dict[str, int] = {}
    for title, page in outline(PdfReader(pdf(built))):
        bookmarks.setdefault(title, page)  # a modality's own section comes before its considerations
    contents = pages[0]  # the title page carries the table of contents
    for name in PARTS + MODALITY_NAMES:
        match = re.search(rf"{re.escape(name)}[ .]*?(\d+)\s*$", contents, flags=re.M)
        assert match, f"{name} is not in the contents with a page number"
        page = int(match.group(1))
        assert page == bookmarks[name], f"{name}: contents say page {page}, bookmark leads to {bookmarks[name]}"
        assert name in " ".join(pages[page - 1].split()), f"{name} is not on page {page}"


def test_a_modality_of_many_studies_prints_its_synthesis_and_points_to_the_html(built: Path, tmp_path: Path):
    """outputs.print_detail_max_studies: above it, the PDF leaves a modality's per-study sentences,
    tables and figures to the HTML (which keeps everything); at the default every seed modality
    prints in full."""
    import json

    from briefing import render

    context = json.loads((built / "results" / "briefing_context.json").read_text(encoding="utf-8"))
    assert context["print_detail_max_studies"] == CONFIG["outputs"]["print_detail_max_studies"]
    full = " ".join(page_texts(pdf(built)))
    assert "Outcomes as reported" in full and "Pain response categories as reported" in full
    assert "more studies than the printed edition lists" not in full

    context["print_detail_max_studies"] = 0  # every modality with a primary study is "large"
    # The seed's review statements are all on narrative modalities: give a large one a statement.
    large = next(m for m in context["modalities"] if m["primary_studies"])
    review = next(s for m in context["modalities"] for s in m["statements"])
    large["statements"] = [
        dict(review, statement_id="test-statement", statement="Placed on a large modality by this test.")
    ]
    html = render.render_html(context, ROOT / "templates")
    printed = render.render_html(context, ROOT / "templates", print_edition=True)
    (tmp_path / "b.print.html").write_text(printed, encoding="utf-8")
    render.render_pdf(tmp_path / "b.print.html", tmp_path / "b.pdf")
    short = " ".join(" ".join(page_texts(tmp_path / "b.pdf")).split())
    assert "Outcomes as reported" in html and "Pain response categories as reported" in html
    assert "Outcomes as reported" not in short and "Pain response categories as reported" not in short
    assert "What the data say" not in short
    assert short.count("more studies than the printed edition lists") == sum(
        1 for m in context["modalities"] if m["primary_studies"]
    )
    for kept in ("Summary of findings", "GRADE evidence profile", "Bottom line", "References"):
        assert kept in short
    # Its review statements print once: in its section on screen; in print, where its section is
    # cut short, under the clinical considerations, which its note links to.
    assert html.count("Placed on a large modality by this test.") == 1
    assert printed.count("Placed on a large modality by this test.") == 1
    assert short.count("Placed on a large modality by this test.") == 1
    link = f'<a href="#considerations-{large["modality_id"]}">Clinical considerations from the reviews</a>'
    assert link in printed and link not in html
    assert len(page_texts(tmp_path / "b.pdf")) < len(page_texts(pdf(built)))
    assert PdfReader(str(tmp_path / "b.pdf")).outline  # still bookmarked


def test_the_pdf_is_what_weasyprint_makes_of_the_whole_html(built: Path, tmp_path: Path):
    """The print edition leaves out what the print stylesheet hides, and render_pdf caches pydyf's
    page references; neither may change a byte of what WeasyPrint makes of the whole HTML."""
    import json

    import weasyprint

    from briefing import render, typesetting

    context = json.loads((built / "results" / "briefing_context.json").read_text(encoding="utf-8"))
    context["print_detail_max_studies"] = 0  # hide every modality's detail in print
    html = render.render_html(context, ROOT / "templates")
    printed = render.render_html(context, ROOT / "templates", print_edition=True)
    assert html.count("<figure") > 0 and printed.count("<figure") == 0
    assert len(printed) < len(html) and "What the data say" not in printed
    (tmp_path / "b.print.html").write_text(printed, encoding="utf-8")
    render.render_pdf(tmp_path / "b.print.html", tmp_path / "b.pdf")
    with typesetting.pinned_fonts():  # the same fonts and subsetter as the build's PDF
        whole = weasyprint.HTML(string=html, base_url=None).write_pdf(**render.PDF_OPTIONS)
    assert (tmp_path / "b.pdf").read_bytes() == whole


def elements(html: str, drop: str | None = None) -> list[tuple[str, str, str]]:
    """Every element of the body in document order (name, sorted attributes, its own text), less
    the elements of class `drop` and what they hold."""
    from bs4 import BeautifulSoup

    body = BeautifulSoup(html, "html.parser").body
    for tag in body.select(f".{drop}") if drop else []:
        tag.decompose()
    return [
        (tag.name, str(sorted(tag.attrs.items())), " ".join(tag.find_all(string=True, recursive=False)).strip())
        for tag in body.find_all(True)
    ]


def test_the_print_edition_is_the_html_less_what_print_hides(built: Path):
    """The flag leaves out exactly the elements of class screen-only, and nothing else changes; with
    no modality above print_detail_max_studies (the seeds) the two are the same bytes."""
    import json

    from briefing import render

    context = json.loads((built / "results" / "briefing_context.json").read_text(encoding="utf-8"))
    html = (built / "results" / "briefing.html").read_text(encoding="utf-8")
    assert (built / "results" / "briefing.print.html").read_text(encoding="utf-8") == html
    assert render.render_html(context, ROOT / "templates") == html

    context["print_detail_max_studies"] = 0
    html = render.render_html(context, ROOT / "templates")
    printed = render.render_html(context, ROOT / "templates", print_edition=True)
    assert len(elements(html, drop="screen-only")) < len(elements(html))  # there is detail to leave out
    assert elements(printed) == elements(html, drop="screen-only")
