"""The Word edition (briefing/present/word.py): real footnotes for the GRADE marks, heading styles, native
tables whose header rows repeat, numbered caption fields, no known breakage (a paragraph with two
w:pPr), the same bytes from the same inputs, a numeric audit that reads it, and what-changed.docx,
whose revisions accepted give the new edition's text and rejected the previous one's. The first
tests run pandoc on small pages cut to the templates' shapes; the last read the session's build."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx as python_docx
import pytest
from bs4 import BeautifulSoup
from lxml import etree

from briefing.present import word, word_changes
from briefing.verify import audit
from conftest import ROOT

REFERENCE = ROOT / "templates" / "reference.docx"
W = word.W
NS = word.NS
EPOCH = 1767225600  # 2026-01-01

# Shaped as templates/briefing_modality.html.j2 prints a summary of findings: a judgement's marks
# side by side (pandoc reads them as one superscript), the notes listed under the table. The
# figures are Ryu 2015's (tests/fixtures/real_studies): 64.9 % overall response of 49 patients.
SOF = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Briefing</title></head><body>
<h1>Briefing</h1>
<section id="srs"><h2>Single-fraction spinal radiosurgery</h2>
<table id="table-srs-sof" class="sof">
<caption>Summary of findings: Radiosurgery (single fraction)</caption>
<thead><tr><th scope="col">Outcome</th><th scope="col">Participants (studies)</th><th scope="col">Effect (95 % CI)</th>
<th scope="col">Certainty</th><th scope="col">Comments</th></tr></thead>
<tbody>
<tr id="sof-srs-1"><th scope="row">Overall pain response<br><span class="small">time point not stated</span></th>
<td>not stated (49 enrolled) (1 study)</td><td>{effect}</td>
<td><span class="certainty level-1">very low</span><sup><a href="#fn-srs-a">a</a></sup><sup><a
href="#fn-srs-b">b</a></sup></td>
<td>The evidence is very uncertain.</td></tr>
{row}
</tbody></table>
<ol class="footnotes" aria-label="Footnotes">
<li id="fn-srs-a"><span class="mark">a</span> Risk of bias: serious (−1).</li>
<li id="fn-srs-b"><span class="mark">b</span> Imprecision: very serious (−2); 49 patients.</li>
</ol>
<p>{closing}</p>
</section></body></html>
"""
SECOND_ROW = """<tr id="sof-srs-2"><th scope="row">Complete pain relief</th><td>not stated (49 enrolled) (1 study)</td>
<td>46 %</td><td>very low<sup><a href="#fn-srs-a">a</a></sup></td><td>Denominator not stated.</td></tr>"""


def page(
    tmp_path: Path,
    name: str = "briefing.print.html",
    effect: str = "64.9 %",
    row: str = SECOND_ROW,
    closing: str = "Read with care.",
) -> Path:
    path = tmp_path / name
    path.write_text(SOF.format(effect=effect, row=row, closing=closing), encoding="utf-8")
    return path


def part(docx: bytes, name: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return etree.fromstring(z.read(name))


def tables(document: etree._Element) -> list[tuple[str, etree._Element]]:
    """Each table with the text of the caption paragraph above it."""
    found = []
    for table in document.iter(f"{{{W}}}tbl"):
        above = table.getprevious()
        found.append(("".join(above.itertext()) if above is not None else "", table))
    return found


# --- pandoc on pages of the templates' shape -----------------------------------------------------


@pytest.fixture(scope="module")
def sof_docx(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return word.edition(page(tmp_path_factory.mktemp("word")), REFERENCE, EPOCH)


def marks(element: etree._Element) -> list[str]:
    """The footnote marks in `element`, in order: a footnote's id, or the bookmark a cross-reference
    (NOTEREF, a simple field or a complex one's instruction, as in a tracked revision) names."""
    found = []
    kinds = ("footnoteReference", "fldSimple", "instrText", "delInstrText")
    for e in element.iter(*(f"{{{W}}}{kind}" for kind in kinds)):
        instruction = (e.get(f"{{{W}}}instr") if e.tag == f"{{{W}}}fldSimple" else e.text) or ""
        if e.tag == f"{{{W}}}footnoteReference":
            found.append(e.get(f"{{{W}}}id"))
        elif instruction.split()[:1] == ["NOTEREF"]:
            found.append(instruction.split()[1])
    return found


def noted(docx: bytes, document: etree._Element | None = None) -> list[str]:
    """The text of the footnote each mark of the document stands for, a cross-reference's through
    its bookmark, which holds the footnote's reference."""
    document = document if document is not None else part(docx)
    notes = {n.get(f"{{{W}}}id"): "".join(n.itertext()) for n in part(docx, "word/footnotes.xml")}
    ends = {e.get(f"{{{W}}}id"): e for e in document.iter(f"{{{W}}}bookmarkEnd")}
    bookmarks = {}
    for start in document.iter(f"{{{W}}}bookmarkStart"):
        if start.get(f"{{{W}}}name").startswith("note_"):
            reference = next(e for e in start.itersiblings() if e.find("w:footnoteReference", NS) is not None)
            assert start.getparent().index(reference) < start.getparent().index(ends[start.get(f"{{{W}}}id")])
            bookmarks[start.get(f"{{{W}}}name")] = reference.find("w:footnoteReference", NS).get(f"{{{W}}}id")
    return [notes[bookmarks.get(m, m)].strip() for m in marks(document)]


def test_each_footnote_mark_is_a_word_footnote_or_a_cross_reference_to_it(sof_docx: bytes):
    """Pandoc merges a cell's marks into one superscript: all three marks were missed, 30 of the
    seed briefing's 75, before the merged ones were read. A mark printed again refers to its note."""
    document = part(sof_docx)
    assert noted(sof_docx) == [
        "Risk of bias: serious (−1).",
        "Imprecision: very serious (−2); 49 patients.",
        "Risk of bias: serious (−1).",
    ]
    assert len(document.findall(".//w:footnoteReference", NS)) == 2  # each note once
    assert "Imprecision" not in "".join(document.itertext())  # the printed list is gone: Word numbers the notes


def test_the_table_has_a_repeated_header_row_and_a_numbered_caption_field(sof_docx: bytes):
    [(caption, table)] = tables(part(sof_docx))
    assert caption == "Table 1. Summary of findings: Radiosurgery (single fraction)"
    field = table.getprevious().find("w:fldSimple", NS)
    assert field.get(f"{{{W}}}instr").split()[:2] == ["SEQ", "Table"]
    rows = table.findall("w:tr", NS)
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
    assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows[1:])


def test_headings_are_word_heading_styles_and_no_paragraph_has_two_properties(sof_docx: bytes):
    document = python_docx.Document(io.BytesIO(sof_docx))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", "Briefing"), ("Heading 2", "Single-fraction spinal radiosurgery")]
    assert document.core_properties.title == "Briefing"
    assert not [p for p in part(sof_docx).iter(f"{{{W}}}p") if len(p.findall("w:pPr", NS)) > 1]


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path, sof_docx: bytes):
    again = word.edition(page(tmp_path), REFERENCE, EPOCH)
    assert again == sof_docx
    with zipfile.ZipFile(io.BytesIO(again)) as z:
        infos = z.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
    assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
    core = etree.tostring(part(again, "docProps/core.xml")).decode()
    assert "2026-01-01T00:00:00Z" in core


def test_the_reference_document_is_what_the_script_makes_of_pandocs_default():
    assert word.reference(word.default_reference()) == REFERENCE.read_bytes()


def test_the_audit_finds_a_number_of_the_docx_that_has_no_source(tmp_path: Path, sof_docx: bytes):
    allowed = set(audit.CONSTANTS) | {"49", "64.9", "46", "1", "2"}
    path = tmp_path / "briefing.docx"
    path.write_bytes(sof_docx)
    html = page(tmp_path)
    assert (
        audit.check([("print HTML", html)], None, lambda: allowed, documents=[("DOCX", word.text(path, fields=False))])
        == []
    )
    path.write_bytes(word.edition(page(tmp_path, "changed.html", effect="61.2 %"), REFERENCE, EPOCH))
    problems = audit.check(
        [("print HTML", html)], None, lambda: allowed, documents=[("DOCX", word.text(path, fields=False))]
    )
    assert len(problems) == 1 and problems[0].startswith("DOCX: '61.2'")


def revised(docx: bytes, accept: bool) -> str:
    """The text once every revision is accepted (deletions dropped, insertions kept) or rejected,
    in the text and in the footnotes."""
    parts = [copy.deepcopy(part(docx)), copy.deepcopy(part(docx, "word/footnotes.xml"))]
    drop, keep = ("del", "ins") if accept else ("ins", "del")
    for root in parts:
        for element in list(root.iter(f"{{{W}}}{drop}")):
            element.getparent().remove(element)
        for element in list(root.iter(f"{{{W}}}{keep}")):
            parent, at = element.getparent(), element.getparent().index(element)
            for child in reversed(list(element)):
                parent.insert(at, child)
            parent.remove(element)
        for element in root.iter(f"{{{W}}}delText"):
            element.tag = f"{{{W}}}t"
    return " ".join(" ".join(word.paragraphs(docx, parts[0], fields=False, footnotes=parts[1])).split())


def plain(docx: bytes) -> str:
    return " ".join(" ".join(word.paragraphs(docx, fields=False)).split())


def what_changed(tmp_path: Path, old: bytes, new: bytes) -> bytes:
    (tmp_path / "old.docx").write_bytes(old)
    (tmp_path / "new.docx").write_bytes(new)
    images = tmp_path / "images"
    images.mkdir(exist_ok=True)
    ast = word_changes.what_changed(
        word.read_docx(tmp_path / "old.docx", images),
        word.read_docx(tmp_path / "new.docx", images),
        word_changes.revision_date(EPOCH),
    )
    return word.write_docx(ast, REFERENCE, EPOCH, images)


def test_what_changed_accepted_is_the_new_edition_and_rejected_the_previous(tmp_path: Path, sof_docx: bytes):
    """A figure corrected, a row gone, a sentence changed: each a tracked revision."""
    new = word.edition(page(tmp_path, effect="61.2 %", row="", closing="Read with great care."), REFERENCE, EPOCH)
    changed = what_changed(tmp_path, sof_docx, new)
    assert revised(changed, accept=True) == plain(new)
    assert revised(changed, accept=False) == plain(sof_docx)
    document = part(changed)
    deleted = ["".join(d.itertext()) for d in document.iter(f"{{{W}}}del")]
    inserted = ["".join(i.itertext()) for i in document.iter(f"{{{W}}}ins")]
    assert "64.9" in deleted and "61.2" in inserted and "great" in " ".join(inserted)
    ids = [e.get(f"{{{W}}}id") for e in document.iter(f"{{{W}}}ins", f"{{{W}}}del")]
    assert len(ids) == len(set(ids))  # pandoc gives a deletion its insertion's id
    assert {e.get(f"{{{W}}}author") for e in document.iter(f"{{{W}}}ins", f"{{{W}}}del")} == {word_changes.AUTHOR}


def test_what_changed_without_a_previous_word_edition_inserts_everything(tmp_path: Path, sof_docx: bytes):
    (tmp_path / "new.docx").write_bytes(sof_docx)
    previous, note = word_changes.previous_docx(str(tmp_path / "previous" / "briefing.json"))
    assert previous is None and "every paragraph is an insertion" in note
    changed = word.write_docx(
        word_changes.what_changed(None, word.read_docx(tmp_path / "new.docx"), "2026-01-01T00:00:00Z"), REFERENCE, EPOCH
    )
    assert revised(changed, accept=False) == ""
    assert revised(changed, accept=True) == plain(sof_docx)


# --- the session's build -------------------------------------------------------------------------


def built_docx(built: Path) -> Path:
    return built / "reports" / "briefing.docx"


def test_the_built_docx_opens_in_libreoffice_and_python_docx(built: Path, tmp_path: Path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: make test-deps installs libreoffice-writer-nogui")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}  # its profile in tmp_path, not the home
    done = subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(built_docx(built))],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "briefing.pdf").stat().st_size > 10_000
    document = python_docx.Document(str(built_docx(built)))
    assert document.core_properties.title.startswith("Relieving pain from spinal metastases")
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == [
        "Relieving pain from spinal metastases: a living evidence briefing"
    ]


def test_each_built_sof_table_has_its_footnote_marks_a_header_row_and_a_caption_field(built: Path):
    soup = BeautifulSoup((built / "results" / "briefing.print.html").read_text(encoding="utf-8"), "html.parser")
    printed = {
        " ".join(t.caption.get_text(" ").split()): len(t.select('a[href^="#fn-"]')) for t in soup.select("table.sof")
    }
    document = part(built_docx(built).read_bytes())
    found = {}
    for caption, table in tables(document):
        match = re.fullmatch(r"Table \d+\. (.*)", " ".join(caption.split()))
        if match and match.group(1) in printed:
            found[match.group(1)] = len(marks(table))
            assert table.find("w:tr/w:trPr/w:tblHeader", NS) is not None, caption
            assert table.getprevious().find("w:fldSimple", NS) is not None, caption
    assert found == printed
    assert sum(printed.values()) > 0
    assert not [p for p in document.iter(f"{{{W}}}p") if len(p.findall("w:pPr", NS)) > 1]


def test_the_built_docx_is_what_the_same_inputs_make_again_and_passed_the_audit(built: Path):
    html, screen = built / "results" / "briefing.print.html", built / "results" / "briefing.html"
    epoch = json.loads((built / "results" / "briefing.json").read_text())["provenance"]["build_epoch"]
    assert word.edition(html, built / "templates" / "reference.docx", epoch, screen) == built_docx(built).read_bytes()
    assert "docx" in json.loads((built / "results" / "audit.json").read_text())["checked"]


def test_the_built_docx_has_each_figure_of_the_html_edition_with_alt_text_and_a_caption_field(built: Path):
    screen = BeautifulSoup((built / "results" / "briefing.html").read_text(encoding="utf-8"), "html.parser")
    shown = [" ".join(f.select_one("div.figure-image")["aria-label"].split()) for f in screen.select("figure")]
    found = drawings(part(built_docx(built).read_bytes()))
    assert [alt for alt, _, _ in found] == shown and shown
    assert all(field.split()[:2] == ["SEQ", "Figure"] for _, field, _ in found)


def test_the_previous_word_edition_is_read_from_beside_its_briefing_json(tmp_path: Path, sof_docx: bytes):
    """From a path and a file URL, as the build's previous_edition names it (the name was once
    replaced twice: previous/briefing.docxbriefing.docx, and every paragraph marked inserted)."""
    (tmp_path / "previous").mkdir()
    (tmp_path / "previous" / "briefing.docx").write_bytes(sof_docx)
    for location in (str(tmp_path / "previous" / "briefing.json"), (tmp_path / "previous" / "briefing.json").as_uri()):
        previous, note = word_changes.previous_docx(location)
        assert note is None and previous is not None, location
        assert "Summary" in json.dumps(previous)


def test_columns_are_as_wide_as_their_words_need(sof_docx: bytes):
    """Pandoc gave an HTML table's columns equal widths ("Inconsistency" broke in two in the
    evidence profile's twelve); a footnote's text, printed at the foot of the page, adds no width."""
    [(_, table)] = tables(part(sof_docx))
    widths = [int(c.get(f"{{{W}}}w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
    outcome, participants, effect, certainty, comments = widths
    assert len(set(widths)) > 1
    assert certainty < participants and certainty < comments


# Shaped as templates/briefing_modality.html.j2 prints an evidence profile's header and a row
# (Sun 2026's 58 patients, tests/fixtures/real_studies).
PROFILE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Briefing</title></head><body>
<h1>Briefing</h1><table id="table-hfrt-profile" class="profile">
<caption>GRADE evidence profile: Hypofractionated RT</caption>
<thead><tr><th scope="col">Outcome</th><th scope="col">Studies (design)</th><th scope="col">Risk of bias</th>
<th scope="col">Inconsistency</th><th scope="col">Indirectness</th><th scope="col">Imprecision</th>
<th scope="col">Publication bias</th><th scope="col">Other</th><th scope="col">№ of patients</th>
<th scope="col">Effect (95 % CI)</th><th scope="col">Certainty</th><th scope="col">Importance</th></tr></thead>
<tbody><tr><th scope="row">Improved pain relief<br><span class="small">Pain response</span></th>
<td>one retrospective cohort study; starts low</td><td>serious (−1) <span class="small">(curator)</span></td>
<td>not serious <span class="small">(curator)</span></td><td>serious (−1) <span class="small">(curator)</span></td>
<td>serious (−1) <span class="small">(curator)</span></td><td>undetected <span class="small">(curator)</span></td>
<td>none</td><td>58</td><td>84.5 % (49/58 patients, count derived; 95 % CI 73.1 to 91.6 %)</td>
<td>very low</td><td>Critical</td></tr></tbody></table></body></html>
"""


def test_an_evidence_profiles_header_words_fit_their_columns(tmp_path: Path):
    """Pandoc gave the twelve columns equal shares, and the first share by words broke
    "Inconsiste|ncy" in LibreOffice (/work/notes/docx-profile.png): each column is now at least its
    longest word wide, at the header's 8 pt, in the landscape page's text width."""
    (tmp_path / "profile.html").write_text(PROFILE, encoding="utf-8")
    [(_, table)] = tables(part(word.edition(tmp_path / "profile.html", REFERENCE, EPOCH)))
    grid = [int(c.get(f"{{{W}}}w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
    points = [g / sum(grid) * word.TEXT_WIDTH for g in grid]  # the table spans the text width
    header = ["Outcome", "(design)", "bias", "Inconsistency", "Indirectness", "Imprecision", "Publication"]
    header += ["Other", "patients", "(95", "Certainty", "Importance"]
    for width, longest in zip(points, header, strict=True):
        assert width >= len(longest) * word.CHARACTER + 2 * word.CELL_MARGIN / 20, longest
    styles = part(REFERENCE.read_bytes(), "word/styles.xml")
    first = styles.find("w:style[@w:styleId='Table']/w:tblStylePr[@w:type='firstRow']", NS)
    assert first.find("w:rPr/w:sz", NS).get(f"{{{W}}}val") == "16"


# A heading after the figures, in both editions (pandoc keeps a heading's id, not a paragraph's).
POOLED = 'Read with care.</p><h3 id="pooled-srs">Pooled results</h3><p>None.'


def screen_page(tmp_path: Path) -> Path:
    """The HTML edition of page(): the SoF page with Ryu 2008's response chart (46 %, 18.9 %, 16.2 %
    of 49 patients: tests/fixtures/real_studies) as templates/briefing_macros.html.j2 prints a figure,
    the SVG as figures.py draws it and render.py inlines it."""
    from briefing.present import figures, render

    categories = [("Complete pain relief", 46), ("Partial pain relief", 18.9), ("Stable symptoms", 16.2)]
    group = {
        "study_id": "ryu2008",
        "timepoint": "time point not stated",
        "categories": [
            {"outcome_id": f"ryu-{i}", "label": label, "source_term": label, "value": v, "value_text": f"{v:g}"}
            for i, (label, v) in enumerate(categories)
        ],
    }
    drawn = figures.response_figure("fig-srs-response", [group], {"ryu2008": {"short_name": "Ryu 2008"}}, {})
    alt = "Bar chart of pain response categories. Ryu 2008, Complete pain relief: 46 %."
    shown = (
        f'<figure id="fig-srs-response" aria-labelledby="fig-srs-response-caption">'
        '<figcaption id="fig-srs-response-caption">'
        f"<strong>Pain response categories as reported.</strong> {alt}</figcaption>"
        f'<div class="figure-image" role="img" aria-label="{alt}" tabindex="0">{render.trusted_svg(drawn.svg)}</div>'
        '<details class="figure-data"><summary>Numbers behind the figure</summary>'
        '<table id="fig-srs-response-data"><caption>data</caption><tbody><tr><td>46 %</td></tr></tbody></table>'
        "</details></figure>"
    )
    path = tmp_path / "briefing.html"
    printed = page(tmp_path, "screen.html", closing=POOLED).read_text(encoding="utf-8")
    path.write_text(printed.replace('<h3 id="pooled-srs">', shown + '<h3 id="pooled-srs">'), encoding="utf-8")
    return path


def drawings(document: etree._Element) -> list[tuple[str, str]]:
    """Each picture's alt text (wp:docPr/@descr) and the caption paragraph under it."""
    wp = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    found = []
    for doc_pr in document.iter(f"{{{wp}}}docPr"):
        para = next(doc_pr.iterancestors(f"{{{W}}}p"))
        caption = para.getnext()
        field = caption.find("w:fldSimple", NS)
        found.append(
            (doc_pr.get("descr"), field.get(f"{{{W}}}instr") if field is not None else "", "".join(caption.itertext()))
        )
    return found


def test_the_html_editions_figures_are_images_with_alt_text_and_caption_fields(tmp_path: Path):
    """The print edition has no figures (each modality's PDF prints them): the Word edition had
    none. Each figure of the HTML edition is now an image (the SVG, with a PNG for Word before 2016)
    where the HTML edition shows it, its text alternative Word's alt text, under it a numbered caption."""
    screen = screen_page(tmp_path)
    docx = word.edition(page(tmp_path, closing=POOLED), REFERENCE, EPOCH, screen)
    document = part(docx)
    [(alt, field, caption)] = drawings(document)
    assert alt == "Bar chart of pain response categories. Ryu 2008, Complete pain relief: 46 %."
    assert field.split()[:2] == ["SEQ", "Figure"]
    assert caption == "Figure 1. Pain response categories as reported. " + alt
    # Set as the HTML edition sets it: the label and title bold, the long text alternative not.
    para = next(p for p in document.iter(f"{{{W}}}p") if "".join(p.itertext()) == caption)
    bold = ["".join(r.itertext()) for r in para.iter(f"{{{W}}}r") if r.find("w:rPr/w:b", NS) is not None]
    assert "".join(bold) == "Figure 1. Pain response categories as reported."
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        media = sorted(n.rsplit(".", 1)[1] for n in z.namelist() if n.startswith("word/media/"))
    assert media == ["png", "svg"]
    body = [p for p in document.iter(f"{{{W}}}p") if "".join(p.itertext()).strip()]
    texts = ["".join(p.itertext()) for p in body]
    assert texts.index(caption) == texts.index("Pooled results") - 1  # where the HTML edition shows it
    assert word.edition(page(tmp_path, closing=POOLED), REFERENCE, EPOCH, screen) == docx


def test_what_changed_shows_a_new_figure_as_an_insertion(tmp_path: Path):
    """Read back without its pictures' files, a figure was lost from what-changed.docx."""
    old = word.edition(page(tmp_path, closing=POOLED), REFERENCE, EPOCH)
    new = word.edition(page(tmp_path, closing=POOLED), REFERENCE, EPOCH, screen_page(tmp_path))
    changed = what_changed(tmp_path, old, new)
    [(alt, _, caption)] = drawings(part(changed))
    assert alt.startswith("Bar chart of pain response categories. Ryu 2008")
    assert next(iter(part(changed).iter(f"{{{W}}}drawing"))).getparent().getparent().tag == f"{{{W}}}ins"
    assert revised(changed, accept=True) == plain(new)
    assert revised(changed, accept=False) == plain(old)


def test_what_changed_keeps_the_marks_printed_again(tmp_path: Path, sof_docx: bytes):
    """Pandoc's docx reader drops bookmarks and NOTEREF fields: what-changed.docx had lost every
    mark printed again (the second row's "a"). Kept, it is a field in the text; in a deleted row,
    a complex field (runs, which a revision holds)."""
    same = what_changed(tmp_path, sof_docx, sof_docx)
    assert (
        noted(same)
        == noted(sof_docx)
        == [
            "Risk of bias: serious (−1).",
            "Imprecision: very serious (−2); 49 patients.",
            "Risk of bias: serious (−1).",
        ]
    )
    new = word.edition(page(tmp_path, row=""), REFERENCE, EPOCH)
    gone = what_changed(tmp_path, sof_docx, new)
    deleted = [e.text for e in part(gone).iter(f"{{{W}}}delInstrText")]
    assert deleted == [" NOTEREF note_fn_srs_a \\f \\h "]
    assert noted(gone) == noted(sof_docx)
    assert revised(gone, accept=True) == plain(new)
    assert revised(gone, accept=False) == plain(sof_docx)


def test_what_changed_changes_a_block_in_place_after_a_new_figure(tmp_path: Path):
    """A figure inserted before a block that also changed: difflib's replaced run paired the block
    with the figure, so the block was deleted and inserted whole (the seed's three evidence
    profiles, each after a new figure, every cell a revision). Paired by kind, only the changed word is."""
    old = word.edition(page(tmp_path, closing=POOLED), REFERENCE, EPOCH)
    changed_heading = POOLED.replace("Pooled results", "Pooled results, revised")
    screen = screen_page(tmp_path)
    screen.write_text(screen.read_text(encoding="utf-8").replace("Pooled results", "Pooled results, revised"))
    new = word.edition(page(tmp_path, closing=changed_heading), REFERENCE, EPOCH, screen)
    changed = what_changed(tmp_path, old, new)
    document = part(changed)
    assert ["".join(d.itertext()) for d in document.iter(f"{{{W}}}del")] == ["results"]  # one word
    inserted = ["".join(i.itertext()) for i in document.iter(f"{{{W}}}ins")]
    assert "results, revised" in inserted and "Pooled results, revised" not in inserted
    assert revised(changed, accept=True) == plain(new)
    assert revised(changed, accept=False) == plain(old)


def _svg(colour: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40pt" height="20pt" viewBox="0 0 40 20">'
        f'<rect width="40" height="20" fill="{colour}"/></svg>'
    ).encode()


def test_a_figures_png_fallback_is_rsvg_converts_and_kept_for_the_next_build(tmp_path):
    """pandoc runs `rsvg-convert` once per SVG figure for its PNG fallback (674 runs, 80 s, at 30
    modalities x 1,000 studies). word.png_fallbacks renders each PNG beforehand, keeps it by the
    SVG's digest, and puts a stand-in first on pandoc's PATH that answers pandoc's call with it:
    the same bytes as rsvg-convert's, and an edit renders only the figures it changed."""
    from briefing.present import word

    images, kept = tmp_path / "images", tmp_path / "kept"
    images.mkdir()
    (images / "a.svg").write_bytes(_svg("red"))
    (images / "b.svg").write_bytes(_svg("blue"))
    real = shutil.which(word.RSVG)
    assert real is not None

    def answered(env: dict[str, str], svg: bytes, *args: str) -> bytes:
        path = env["PATH"].split(":", 1)[0]  # the stand-in, as pandoc finds it
        return subprocess.run(
            [f"{path}/{word.RSVG}", *args], input=svg, env=env, capture_output=True, check=True
        ).stdout

    with word.png_fallbacks(images, kept) as env:
        for svg in (_svg("red"), _svg("blue"), _svg("green")):  # green: not a figure, passed through
            assert (
                answered(env, svg, *word.RSVG_ARGS)
                == subprocess.run([real, *word.RSVG_ARGS], input=svg, capture_output=True, check=True).stdout
            )
        png = next(
            p
            for p in Path(env["BRIEFING_FALLBACKS"]).iterdir()
            if p.read_bytes() == answered(env, _svg("red"), *word.RSVG_ARGS)
        )
        # Other arguments than pandoc's go to rsvg-convert itself.
        assert answered(env, _svg("red"), "-f", "png", "--dpi-x", "72", "--dpi-y", "72") != png.read_bytes()
    rendered = png.stat().st_mtime_ns
    (images / "b.svg").write_bytes(_svg("green"))  # an edit changes one figure
    with word.png_fallbacks(images, kept) as env:
        assert png.stat().st_mtime_ns == rendered  # the unchanged figure's PNG is not rendered again
        png.write_bytes(b"kept")
        assert answered(env, _svg("red"), *word.RSVG_ARGS) == b"kept"  # pandoc's call answered from the store
    assert len(list(png.parent.iterdir())) == 2  # the blue figure's PNG is gone, the green one's kept
