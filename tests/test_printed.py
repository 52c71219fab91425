"""The briefing's PDF typeset in parts and merged (briefing/present/printed.py), on a small print
edition with the real stylesheet: where it is cut, what the merge makes whole (pages, contents,
margins, links, tags, bookmarks), and that a store of parts changes which parts are typeset, never
a byte of the PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from briefing.present import printed, render, typesetting
from conftest import ROOT

CSS = (ROOT / "templates" / "briefing.css").read_text(encoding="utf-8")
SECTIONS = [
    ("scope", "Scope and question"),
    ("bottom-line", "Bottom line"),
    ("comparison", "Modalities side by side"),
    ("modalities", "Evidence by modality"),
    ("considerations", "Clinical considerations"),
    ("references", "References"),
    ("provenance", "Build provenance"),
]


def words(n: int, seed: str) -> str:
    return " ".join(f"{seed}{i}" for i in range(n))


def modality(m: str, kind: str, paragraphs: int, extra: str = "") -> str:
    body = "".join(f"<p>{words(60, m)}</p>" for _ in range(paragraphs))
    return (
        f'<section class="modality {kind}" id="modality-{m}" aria-labelledby="modality-{m}-heading">'
        f'<h3 id="modality-{m}-heading">Modality {m}</h3>{body}<p>As reported <a href="#ref-one">[1]</a>'
        f' and <a href="#modality-{m}-heading">here</a>.</p>{extra}</section>'
    )


def print_edition(gamma: str = "gamma") -> str:
    wide = '<div class="profile-wrap"><table><tr><td>' + words(40, "wide") + "</td></tr></table></div>"
    toc = "".join(f'<li><a href="#{s}-heading">{title}</a></li>' for s, title in SECTIONS)
    toc += "".join(f'<li><a href="#modality-{m}-heading">Modality {m}</a></li>' for m in ("alpha", "beta", gamma))
    sections = {
        "scope": f"<p>{words(30, 'scope')}</p>",
        "bottom-line": f'<p>{words(30, "bottom")} <a href="#modality-alpha-heading">alpha</a></p>',
        "comparison": f"<p>{words(40, 'compare')}</p>",
        "modalities": modality("alpha", "quantitative", 14)
        + modality("beta", "narrative", 2)
        + modality(gamma, "quantitative", 3, wide),
        "considerations": f"<p>{words(30, 'consider')}</p>",
        "references": '<ol class="references"><li id="ref-one">One 2020</li></ol>',
        "provenance": f"<p>{words(20, 'digest')}</p>",
    }
    main = "".join(
        f'<section id="{s}" aria-labelledby="{s}-heading"><h2 id="{s}-heading">{title}</h2>{sections[s]}</section>'
        for s, title in SECTIONS
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A small briefing</title>'
        f'<style>{CSS}</style><style>@page {{ @top-right {{ content: "Edition of 2026-01-02"; }} }}</style></head>'
        '<body><header class="title-block" id="top"><h1>A small briefing</h1></header>'
        f'<nav class="toc" aria-labelledby="toc-heading"><h2 id="toc-heading">Contents</h2><ol>{toc}</ol></nav>'
        f"<main>{main}</main><footer><p>The end.</p></footer></body></html>"
    )


def leaders(text: str) -> str:
    """A contents line's leader as one mark, however many dots and figure spaces (printed.py pads
    the numbers to one width, where WeasyPrint's whole document runs the dots up to them)."""
    return re.sub(r"[.\u2007 ]*\.[.\u2007 ]*(?=\d+\s*$)", " … ", text, flags=re.M)


def texts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "read.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


@pytest.fixture(scope="module")
def cold() -> bytes:
    return printed.render_briefing_pdf(print_edition(), printed.PartStore(None))


def test_the_edition_is_cut_where_a_page_turns_anyway():
    parts = printed.split(print_edition())
    firsts = [re.search(r'<(?:section|header)[^>]*id="([^"]+)"', part.split("<body>", 1)[1]).group(1) for part in parts]
    # The first modality stays with the heading above it; a narrative one follows on its page.
    assert firsts == ["top", "comparison", "modalities", "modality-gamma", "considerations", "provenance"]
    for part in parts:
        assert part.startswith("<!DOCTYPE html>") and part.endswith("</html>")
        assert printed.PART_STYLE in part
    gamma = parts[3]
    # Inside the sections it continues, without their ids (each anchor is in one part only).
    assert "<main><section>" in gamma and 'id="modalities"' not in gamma
    assert gamma.count("</section>") == gamma.count("<section")
    assert 'id="modality-beta"' in parts[2]


def test_a_link_to_another_part_names_its_anchor_for_the_merge():
    parts = [printed._across(part) for part in printed.split(print_edition())]
    gamma = parts[3]
    assert f'href="{printed.ACROSS}ref-one"' in gamma  # the references are a part of their own
    assert 'href="#modality-gamma-heading"' in gamma  # a link within the part stays as it was


def test_each_page_reads_as_in_the_whole_document_with_contents_margins_and_numbers(cold: bytes, tmp_path: Path):
    import weasyprint

    with typesetting.pinned_fonts():
        whole = weasyprint.HTML(string=print_edition(), base_url=None).write_pdf(**render.PDF_OPTIONS)
    ours, theirs = texts(cold, tmp_path), texts(whole, tmp_path)
    assert len(ours) == len(theirs) >= 6
    for number, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        assert leaders(a).split() == leaders(b).split(), f"page {number}"
        assert f"Page {number} of {len(ours)}" in a
        assert ("Edition of 2026-01-02" in a) == (number > 1)
    assert re.search(r"Modality gamma[ .]+\d+", ours[0])  # the contents' numbers are filled in
    # And each page looks the same: the margins drawn over it hide nothing (pixel by pixel, but for
    # the contents, whose leaders stop where the numbers' fixed width starts).
    for number, (a, b) in enumerate(zip(pixels(cold, tmp_path), pixels(whole, tmp_path), strict=True), start=1):
        differ = sum(x != y for x, y in zip(a.tobytes(), b.tobytes(), strict=False))
        assert a.size == b.size and (differ == 0 or number == 1), f"page {number}: {differ} pixels"
    landscape = [float(p.mediabox.width) > float(p.mediabox.height) for p in PdfReader(_file(cold, tmp_path)).pages]
    assert any(landscape) and not all(landscape)


def pixels(pdf: bytes, tmp_path: Path) -> list:
    from PIL import Image

    folder = tmp_path / f"png-{len(list(tmp_path.glob('png-*')))}"
    folder.mkdir()
    (folder / "in.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(folder / "in.pdf"), str(folder / "p")], check=True)
    return [Image.open(path) for path in sorted(folder.glob("p-*.pgm"))]


def _file(pdf: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "merged.pdf"
    path.write_bytes(pdf)
    return path


def test_links_bookmarks_and_tags_are_one_documents(cold: bytes, tmp_path: Path):
    with pikepdf.open(_file(cold, tmp_path)) as pdf:
        names = pdf.Root.Names.Dests.Names
        destinations = {str(names[i]): names[i + 1][0].objgen for i in range(0, len(names), 2)}
        assert {"ref-one", "modality-gamma-heading", "scope-heading"} <= set(destinations)
        tree = pdf.Root.StructTreeRoot
        nums = tree.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert sorted(parents) == list(range(len(parents)))
        links = 0
        for number, page in enumerate(pdf.pages):
            assert int(page.obj.StructParents) == number
            for annotation in page.obj.get("/Annots", []):
                assert str(annotation.Dest) in destinations  # every link here is internal
                element = parents[int(annotation.StructParent)]
                assert element.S == pikepdf.Name.Link
                assert any(getattr(kid, "Obj", None) == annotation for kid in element.K)
                links += 1
        assert links >= 12  # contents, citations across parts, links within a part
        document = tree.K[0]
        assert document.S == pikepdf.Name.Document
        assert all(element.P == document for element in document.K)
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "en"
    reader = PdfReader(_file(cold, tmp_path))
    outline = reader.outline
    titles = [item.title for item in outline if not isinstance(item, list)]
    assert titles[:2] == ["A small briefing", "Contents"] or "Evidence by modality" in str(outline)
    # The modalities nest under their part's heading, whichever part typeset them.
    flat: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                flat.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(outline, 0)
    depth = {title: d for d, title, _ in flat}
    assert depth["Modality gamma"] == depth["Modality alpha"] == depth["Evidence by modality"] + 1
    page = {title: p for _, title, p in flat}
    assert page["Modality gamma"] > page["Modality beta"] >= page["Modality alpha"]
    contents = texts(cold, tmp_path)[0]
    for title in ("Modality gamma", "References", "Build provenance"):
        assert re.search(rf"{title}[ .]+{page[title] + 1}\s*$", contents, flags=re.M), title


def test_a_store_changes_which_parts_are_typeset_never_the_bytes(cold: bytes, tmp_path: Path):
    store = printed.PartStore(tmp_path / "parts")
    assert printed.render_briefing_pdf(print_edition(), store) == cold
    assert store.typeset == len(store.used) == 7  # six parts, the first twice (without, then with its numbers)
    again = printed.PartStore(tmp_path / "parts")
    assert printed.render_briefing_pdf(print_edition(), again) == cold
    assert again.typeset == 0

    edited = print_edition().replace(words(60, "gamma"), words(61, "gamma"), 1)
    assert edited != print_edition()
    after = printed.PartStore(tmp_path / "parts")
    pdf = after.get  # the parts typeset again, by their first words
    made: list[str] = []
    after.get = lambda html, make=printed.typeset: pdf(html, lambda h: made.append(h) or make(h))  # type: ignore[method-assign]
    assert printed.render_briefing_pdf(edited, after) == printed.render_briefing_pdf(edited, printed.PartStore(None))
    assert len(made) == 1 and 'id="modality-gamma"' in made[0]
    after.prune()
    assert len(list((tmp_path / "parts").glob("*.pdf"))) == len(after.used)


def test_the_first_part_lays_out_the_same_whatever_its_page_numbers():
    """What makes the PDF independent of the store's note of the first part (_front_pages): with
    the numbers padded to one width, the part's length and its anchors' pages are the same for any
    numbers, so every start comes to the same numbers."""
    front = printed._across(printed.split(print_edition())[0])
    names = re.findall(r'<a href="(?:#|briefing-part:)([^"]+)"', front)
    low = printed.typeset(printed._with_pages(front, dict.fromkeys(names, 1), 3)).info
    high = printed.typeset(printed._with_pages(front, dict.fromkeys(names, 999), 3)).info
    blank = printed.typeset(printed._with_pages(front, {}, 3)).info
    assert low == high  # pages, anchors and bookmarks' places
    assert (blank["pages"], blank["anchors"]) == (low["pages"], low["anchors"])


def test_an_edit_of_the_first_part_typesets_it_once(cold: bytes, tmp_path: Path):
    printed.render_briefing_pdf(print_edition(), printed.PartStore(tmp_path / "parts"))
    edited = print_edition().replace(words(30, "bottom"), words(31, "bottom"), 1)
    store = printed.PartStore(tmp_path / "parts")
    assert printed.render_briefing_pdf(edited, store) == printed.render_briefing_pdf(edited, printed.PartStore(None))
    assert store.typeset == 1  # with the numbers from the store's note: no typesetting without them first
