"""The PDF as panels receive it: A4, tagged (PDF/UA) with title and language, fonts embedded, page
numbers and a running header on every page, bookmarks for every part and every modality, and a
table of contents whose page numbers are the pages the bookmarks lead to."""

from __future__ import annotations

import csv
import json
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


def test_the_briefing_pdf_prints_the_synthesis_and_each_modality_pdf_its_detail(built: Path):
    """briefing.pdf: scope, bottom line, the tables across modalities, and per modality its key
    message, summary of findings and evidence profile, with a link to its own PDF; the per-study
    tables, figures, sentences and statements print in reports/modalities/<m>.pdf. The HTML keeps
    everything."""
    briefing = " ".join(" ".join(page_texts(pdf(built))).split())
    html = (built / "reports" / "briefing.html").read_text(encoding="utf-8")
    printed = (built / "results" / "briefing.print.html").read_text(encoding="utf-8")
    for detail in ("Outcomes as reported", "Pain response categories as reported", "What the data say", "Studies of"):
        assert detail in html and detail not in briefing, detail
    for kept in ("Bottom line", "Summary of findings", "GRADE evidence profile", "Key message", "References"):
        assert kept in briefing, kept
    for m in CONFIG["modalities"]:
        assert f'href="modalities/{m}.pdf"' in printed, m
        assert f'href="modalities/{m}.pdf"' not in html, m  # on screen the detail is right there
    statements = [line.split(",")[0] for line in (ROOT / "data" / "statements.csv").read_text().splitlines()[1:]]
    assert statements and not any(f'id="statement-{s}"' in printed for s in statements)

    own = {
        m: " ".join(" ".join(page_texts(built / "reports" / "modalities" / f"{m}.pdf")).split())
        for m in CONFIG["modalities"]
    }
    srs = own["srs"]
    for detail in ("per-study detail", "Studies of", "Outcomes as reported", "What the data say", "References"):
        assert detail in srs, detail
    assert "Pain response categories as reported" in srs
    # Every review statement prints once across the modality PDFs, none in the briefing.
    context = json.loads((built / "results" / "briefing_context.json").read_text(encoding="utf-8"))
    for m in context["modalities"]:
        for s in m["statements"]:
            words = " ".join(s["statement"].split())[:60]
            assert words in own[m["modality_id"]], (m["modality_id"], words)


def test_a_modality_pdf_is_tagged_bookmarked_and_numbers_its_own_references(built: Path):
    path = built / "reports" / "modalities" / "hfrt.pdf"
    info = pdfinfo(path)
    assert info["Tagged"] == "yes" and "(A4)" in info["Page size"]
    assert info["Title"].endswith("per-study detail")
    reader = PdfReader(str(path))
    assert any("Hypofractionated" in title for title, _ in outline(reader))
    pages = page_texts(path)
    assert all(f"Page {n} of {len(pages)}" in " ".join(page.split()) for n, page in enumerate(pages, start=1))
    text = " ".join(" ".join(pages).split())
    assert "1. Sun L" in text  # its one study is its reference 1 (the briefing numbers it 2)


def test_a_modality_pdf_lists_its_parts_with_the_pages_they_start_on(built: Path):
    """Its contents name every part its print HTML has, each with the page its bookmark leads to."""
    from briefing.assemble import modality_print

    for m in ("srs", "hfrt"):
        printed = (built / "results" / "modalities" / m / "print.html").read_text(encoding="utf-8")
        summary = json.loads((built / "results" / "modalities" / m / "summary.json").read_text(encoding="utf-8"))
        contents = modality_print.contents(summary)
        anchors = [anchor for anchor, _ in contents]
        assert all(f'id="{a}"' in printed for a in anchors), m
        # Every table of the modality's section, and every heading of a part, is listed.
        parts = re.findall(rf'<table id="(table-{m}-[^"]+)"', printed) + re.findall(r'<h2 id="([^"]+)"', printed)
        assert set(parts) - {"toc-heading", "references-heading"} <= set(anchors), m
        path = built / "reports" / "modalities" / f"{m}.pdf"
        pages = page_texts(path)
        marks = outline(PdfReader(str(path)))
        for _, label in contents:
            listed = re.search(rf"^\s*(?:\d+\.\s*)?{re.escape(label)}[ .]*?(\d+)\s*$", pages[0], flags=re.M)
            assert listed, f"{m}: {label} is not in the contents with a page number"
            if label == "Figures":  # a figure is no bookmark: its page shows the figure's title
                first = summary["figures"][0]["title"]
                assert first[:40] in " ".join(pages[int(listed.group(1)) - 1].split()), (m, first)
                continue
            page = next(p for title, p in marks if title.startswith(label))
            assert int(listed.group(1)) == page, f"{m}: contents give {label} page {listed.group(1)}, bookmark {page}"


def test_the_briefing_pdf_grows_with_the_modalities_not_the_studies(built: Path, tmp_path: Path):
    """Forty more studies behind one modality's summary of findings: the HTML lists them, the print
    edition names their number and lists none of them; its reference list holds what it cites."""
    from briefing.present import render

    context = json.loads((built / "results" / "briefing_context.json").read_text(encoding="utf-8"))
    m = next(m for m in context["modalities"] if m["sof"]["rows"] and not m["sof"]["rows"][0].get("not_reported"))
    model = m["primary_studies"][0]
    extra = [dict(model, study_id=f"extra{i:02d}", short_name=f"Extra {i} 2020") for i in range(40)]
    m["primary_studies"] += extra
    start = len(context["references"]) + 1
    for i, s in enumerate(extra):
        ref = dict(context["references"][0], number=start + i, study_id=s["study_id"], anchor=f"ref-{s['study_id']}")
        context["references"].append(ref)
        context["ref_numbers"][s["study_id"]] = start + i
    row = m["sof"]["rows"][0]
    row["study_ids"] = [model["study_id"]] + [s["study_id"] for s in extra]
    # Not pooled: the row's effect and notes name each study's figure.
    row.update(studies=41, pooled=False, comments=[f"Note on Extra {i} 2020" for i in range(40)])
    row["effect"] = "; ".join(f"Extra {i} 2020: {i} of 50 patients" for i in range(40))
    before = render.render_html(
        json.loads((built / "results" / "briefing_context.json").read_text()), ROOT / "templates", print_edition=True
    )
    html = render.render_html(context, ROOT / "templates")
    printed = render.render_html(context, ROOT / "templates", print_edition=True)
    assert all(f'id="ref-{s["study_id"]}"' in html for s in extra)
    assert not any(f'ref-{s["study_id"]}"' in printed for s in extra)
    # A modality of more than print_cites_max works is cited by number only, wherever the briefing
    # cites it (its one real study too); the other modalities' works are still listed.
    assert f'href="#ref-{model["study_id"]}"' in html and f'ref-{model["study_id"]}"' not in printed
    others = [s["study_id"] for o in context["modalities"] if o is not m for s in o["primary_studies"]]
    assert any(f'<li id="ref-{s}"' in printed for s in others)
    assert "[41 studies, listed in the modality's PDF]" in printed
    assert row["effect"] in html and "Note on Extra 39 2020" in html
    assert "Extra 39 2020" not in printed
    assert "Not pooled: 41 studies' figures, listed in the modality's PDF" in printed
    assert "The sources' notes on these figures are in the modality's PDF." in printed
    assert len(printed) - len(before) < 200  # the note replaces the citation: nothing per study
    # Works cited only in the per-study detail are not in the briefing's reference list.
    cited = set(re.findall(r'href="#ref-([^"]+)"', printed))
    listed = set(re.findall(r'<li id="ref-([^"]+)"', printed))
    assert listed == cited


def test_the_pdf_is_its_parts_merged_and_reads_page_by_page_as_the_whole_print_edition(built: Path, tmp_path: Path):
    """The build's PDF is what the parts make when every one is typeset afresh (the build took some
    from its store of parts), and each of its pages reads as the same page of WeasyPrint's layout of
    the whole print edition: the cuts fall where a page turns anyway, and the contents, the running
    header and the page numbers are what the whole document gives them."""
    import weasyprint
    from test_printed import leaders

    from briefing.present import printed, render, typesetting

    html = (built / "results" / "briefing.print.html").read_text(encoding="utf-8")
    assert printed.render_briefing_pdf(html, printed.PartStore(None)) == pdf(built).read_bytes()
    with typesetting.pinned_fonts():
        whole = weasyprint.HTML(string=html, base_url=None).write_pdf(**render.PDF_OPTIONS)
    (tmp_path / "whole.pdf").write_bytes(whole)
    merged, alone = page_texts(pdf(built)), page_texts(tmp_path / "whole.pdf")
    assert len(merged) == len(alone)
    for number, (ours, theirs) in enumerate(zip(merged, alone, strict=True), start=1):
        assert leaders(ours).split() == leaders(theirs).split(), f"page {number}"


def test_every_link_leads_to_a_destination_of_the_pdf(built: Path):
    """Links within a part and across parts (the contents, a modality's citations of the reference
    list) all name a destination the merged PDF has; none is left as the merge's own URI."""
    import pikepdf

    from briefing.present import printed

    with pikepdf.open(pdf(built)) as document:
        names = document.Root.Names.Dests.Names
        destinations = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        pages = {page.objgen for page in document.pages}
        assert all(dest[0].objgen in pages for dest in destinations.values())
        internal = 0
        for page in document.pages:
            for annotation in page.obj.get("/Annots", []):
                if "/Dest" in annotation:
                    internal += 1
                    assert str(annotation.Dest) in destinations, str(annotation.Dest)
                else:
                    assert not str(annotation.A.URI).startswith(printed.ACROSS)
        assert internal > 20
