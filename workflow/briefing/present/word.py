"""The Word edition. briefing.docx is made by pandoc from the print edition of the HTML, which the
same templates render from the same context as the HTML (so its wording and numbers are the
audited ones; the PDF is never read back). Pandoc writes real footnotes, heading styles (Word's
navigation pane), native tables whose header rows repeat (w:tblHeader) and tracked changes from
`insertion`/`deletion` spans. What pandoc 2.17 lacks is added to its XML here, deterministically:
numbered caption fields (SEQ Table), revision ids that are unique (it numbers a deletion as the
insertion before it), and a package with fixed timestamps and order, so two builds of the same
inputs are byte-identical. python-docx, the other route, writes neither footnotes nor fields.
what-changed.docx is word_changes.py's."""

from __future__ import annotations

import copy
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

PANDOC = "pandoc"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
# The footnote marks of the SoF and profile tables: <sup><a href="#fn-<modality>-<mark>">.
NOTE_ID = re.compile(r"^fn-[A-Za-z0-9_-]+$")
ZIP_EPOCH_MIN = 315532800  # 1980-01-01, the earliest time a zip entry can hold


# --- pandoc ------------------------------------------------------------------------------------


def pandoc(
    args: list[str], stdin: bytes = b"", epoch: int | None = None, env_extra: dict[str, str] | None = None
) -> bytes:
    env = dict(os.environ) | (env_extra or {})
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)  # docProps' dates and the zip entries' times
    done = subprocess.run([PANDOC, *args], input=stdin, capture_output=True, env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"pandoc {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def read_html(html_path: str | Path) -> dict[str, Any]:
    return json.loads(pandoc(["--from", "html", "--to", "json", str(html_path)]))


def read_docx(docx_path: str | Path, images: Path | None = None) -> dict[str, Any]:
    """The document's AST; with `images`, its pictures' files in that folder, each named by its
    content (the same picture in two editions is the same image to what-changed's comparison) and
    written back from there by write_docx(images=...)."""
    with tempfile.TemporaryDirectory() as extracted:
        marked = Path(extracted) / "marked.docx"
        marked.write_bytes(cross_reference_tokens(Path(docx_path).read_bytes()))
        media = ["--extract-media", extracted] if images is not None else []
        ast = json.loads(pandoc(["--from", "docx", "--to", "json", *media, str(marked)]))
        if images is None:
            return ast
        for node in _walk(ast["blocks"]):
            if isinstance(node, dict) and node.get("t") == "Image":
                source = Path(node["c"][2][0])
                data = source.read_bytes()
                name = hashlib.sha256(data).hexdigest()[:16] + source.suffix
                (images / name).write_bytes(data)
                node["c"][2][0] = name
    return ast


def write_docx(
    ast: dict[str, Any],
    reference: str | Path,
    epoch: int,
    images: str | Path | None = None,
    fallbacks: str | Path | None = None,
) -> bytes:
    """The document, its title in its properties only: pandoc would also print the metadata title
    above the briefing's own first heading, which says the same. `images`: the folder its images'
    files are in (an image's path is its name there, so the package does not hold the folder's).
    `fallbacks`: where the figures' PNG fallbacks are kept between builds (png_fallbacks)."""
    meta = dict(ast.get("meta") or {})
    title = plain_text(meta.pop("title", None))
    args = ["--from", "json", "--to", "docx", "--reference-doc", str(reference), "--output", "-"]
    stdin = json.dumps(ast | {"meta": meta}).encode("utf-8")
    if images is None:
        return finish(pandoc(args, stdin, epoch), epoch, title)
    args += ["--resource-path", str(images), "--dpi", str(FALLBACK_DPI)]
    with png_fallbacks(Path(images), fallbacks) as env:
        return finish(pandoc(args, stdin, epoch, env), epoch, title)


# rsvg-convert's resolution for each figure's PNG, which Word before 2016 shows instead of the SVG,
# and how pandoc 2.17 calls it for that PNG, the SVG on its input.
FALLBACK_DPI = 150
RSVG = "rsvg-convert"
RSVG_ARGS = ("-f", "png", "-a", "--dpi-x", str(FALLBACK_DPI), "--dpi-y", str(FALLBACK_DPI))
# Put first on pandoc's PATH as `rsvg-convert`: the PNG rendered beforehand for that SVG, found by
# the SVG's digest; any other call goes to the real program.
RSVG_SHIM = """#!/bin/sh
input=$(mktemp) || exit 1
cat > "$input"
png="$BRIEFING_FALLBACKS/$(sha256sum < "$input" | cut -c1-64).png"
if [ "$*" = "$BRIEFING_RSVG_ARGS" ] && [ -f "$png" ]; then cat "$png"; else "$BRIEFING_RSVG" "$@" < "$input"; fi
status=$?
rm -f "$input"
exit $status
"""


@contextmanager
def png_fallbacks(images: Path, kept: str | Path | None) -> Iterator[dict[str, str]]:
    """The environment in which pandoc takes each SVG figure's PNG fallback from `kept` (or from a
    folder of its own) instead of running rsvg-convert once per figure itself: 674 runs, 80 of a
    30 x 1,000 Word edition's 98 s of pandoc. A PNG is rendered here, by the same program with the
    same arguments, only for an SVG not rendered before, so an edit renders only the figures it
    changed; the bytes are rsvg-convert's either way. PNGs no figure used are removed after."""
    real = shutil.which(RSVG)
    if real is None:
        raise RuntimeError(
            f"{RSVG} (Debian's librsvg2-bin) is needed: pandoc renders each figure's PNG fallback with it"
        )
    version = subprocess.run([real, "--version"], capture_output=True, text=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="briefing-rsvg-") as scratch:
        root = Path(kept) if kept is not None else Path(scratch) / "kept"
        # One folder per program version and arguments: a new librsvg renders every figure again.
        folder = root / hashlib.sha256(f"{version}{RSVG_ARGS}".encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        used = set()
        for svg in sorted(images.glob("*.svg")):
            data = svg.read_bytes()
            key = hashlib.sha256(data).hexdigest()
            used.add(f"{key}.png")
            if not (folder / f"{key}.png").exists():
                png = subprocess.run([real, *RSVG_ARGS], input=data, capture_output=True, check=True).stdout
                _write_atomic(folder / f"{key}.png", png)
        shim = Path(scratch) / "bin" / RSVG
        shim.parent.mkdir()
        shim.write_text(RSVG_SHIM, encoding="utf-8")
        shim.chmod(0o755)
        yield {
            "PATH": f"{shim.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "BRIEFING_FALLBACKS": str(folder),
            "BRIEFING_RSVG": real,
            "BRIEFING_RSVG_ARGS": " ".join(RSVG_ARGS),
        }
        for old in root.iterdir():
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
        for kept_png in folder.iterdir():
            if kept_png.name not in used:
                kept_png.unlink()


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


def plain_text(value: Any) -> str:
    """The words of a metadata value or inlines (Str and Space; nothing else carries text here)."""
    words = [
        n["c"] if n.get("t") == "Str" else " "
        for n in _walk(value)
        if isinstance(n, dict) and n.get("t") in ("Str", "Space", "SoftBreak")
    ]
    return " ".join("".join(words).split())


# --- the AST: footnotes --------------------------------------------------------------------------


def _walk(node: Any) -> Iterator[Any]:
    """Every node of a pandoc AST, in document order (pre-order), each yielded before its children
    are read. With a stack, not nested generators: those cost each node the depth it sits at (28 s
    of a 30 x 1,000 Word edition's 167, profiled)."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def _footnote_list(block: Any) -> dict[str, list[Any]] | None:
    """A list of GRADE footnotes (<ol class="footnotes">, each item a span "fn-…" that opens with
    its mark) as {id: the note's inlines}, or None for any other block."""
    if not isinstance(block, dict) or block.get("t") != "OrderedList":
        return None
    found = {}
    for item in block["c"][1]:
        if len(item) != 1 or item[0]["t"] not in ("Plain", "Para"):
            return None
        inlines = item[0]["c"]
        if not inlines or inlines[0]["t"] != "Span" or not NOTE_ID.match(inlines[0]["c"][0][0]):
            return None
        content = inlines[0]["c"][1]
        if content and content[0]["t"] == "Span" and "mark" in content[0]["c"][0][1]:
            content = content[1:]  # the mark itself: Word numbers its footnotes
        while content and content[0]["t"] == "Space":
            content = content[1:]
        found[inlines[0]["c"][0][0]] = content
    return found


def _mark_targets(inline: Any) -> list[str]:
    """The footnotes a `<sup><a href="#fn-…">a</a></sup>` points to (pandoc merges the marks of
    one cell, printed side by side, into one superscript), or [] for any other inline."""
    if not isinstance(inline, dict) or inline.get("t") != "Superscript" or not inline["c"]:
        return []
    targets = []
    for link in inline["c"]:
        if link.get("t") != "Link" or not link["c"][2][0].startswith("#"):
            return []
        targets.append(link["c"][2][0][1:])
    return targets if all(NOTE_ID.match(t) for t in targets) else []


def footnotes(ast: dict[str, Any]) -> dict[str, Any]:
    """Each footnote mark of the tables as a Word footnote holding its text, and the printed lists
    of those notes dropped: Word numbers and places them. A mark printed again (a judgement shared
    by several rows of a summary of findings) is a cross-reference to its footnote (a NOTEREF
    field, as Word's Insert Cross-reference makes it), not a second copy of the note. A list whose
    notes are not all referenced stays as printed."""
    notes: dict[str, list[Any]] = {}
    for node in _walk(ast["blocks"]):
        found = _footnote_list(node)
        if found:
            notes.update(found)
    placed: dict[str, int] = {}  # a note's id: its footnote's number, in the order Word numbers them

    def mark(target: str) -> dict[str, Any]:
        bookmark = "note_" + re.sub(r"\W", "_", target)  # a Word bookmark name: a letter first, no hyphen
        if target in placed:
            return {"t": "RawInline", "c": ["openxml", _noteref(bookmark, placed[target])]}
        placed[target] = len(placed) + 1
        return {"t": "Span", "c": [[bookmark, [], []], [{"t": "Note", "c": [{"t": "Para", "c": notes[target]}]}]]}

    def replace(node: Any) -> Any:
        if isinstance(node, list):
            out = []
            for item in node:
                found = _footnote_list(item)
                if found is not None and set(found) <= used_anywhere:
                    continue
                targets = _mark_targets(item)
                if targets and set(targets) <= set(notes):
                    out += [mark(t) for t in targets]
                else:
                    out.append(replace(item))
            return out
        if isinstance(node, dict):
            return {k: replace(v) for k, v in node.items()}
        return node

    used_anywhere = {t for node in _walk(ast["blocks"]) for t in _mark_targets(node)}
    return ast | {"blocks": replace(ast["blocks"])}


def _noteref(bookmark: str, number: int) -> str:
    """A cross-reference to the footnote at `bookmark`, in the footnote mark's style; its result is
    the footnote's number, which Word recomputes when fields are updated."""
    return (
        f'<w:fldSimple w:instr=" NOTEREF {bookmark} \\f \\h "><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/>'
        f"</w:rPr><w:t>{number}</w:t></w:r></w:fldSimple>"
    )


def column_widths(ast: dict[str, Any]) -> dict[str, Any]:
    """Each table's columns as wide as their words need (_weights): pandoc gives the columns of an
    HTML table equal widths, which broke "Inconsistency" across lines in an evidence profile's twelve."""

    def replace(node: Any) -> Any:
        if isinstance(node, list):
            return [replace(n) for n in node]
        if not isinstance(node, dict):
            return node
        if node.get("t") == "Table":
            attr, caption, specs, head, bodies, foot = node["c"]
            weights = _weights(len(specs), head[1] + [r for b in bodies for r in b[2] + b[3]])
            total = sum(weights)
            specs = [
                # A share of the page's width, a layout value no reader sees: pandoc turns it into twips.
                [spec[0], {"t": "ColWidth", "c": w / total}]
                for spec, w in zip(specs, weights, strict=True)
            ]
            return {"t": "Table", "c": [attr, caption, specs, head, replace(bodies), foot]}
        return {k: replace(v) for k, v in node.items()}

    return ast | {"blocks": replace(ast["blocks"])}


# A table's columns in points: the page's text width (templates/reference.docx: A4 landscape, 1.5 cm
# side margins), a cell's side margins (CELL_MARGIN twips each side) and a character of 9 pt text in
# the reference document's Cambria (LibreOffice's Caladea). Layout estimates no reader sees.
CELL_MARGIN = 57
PAGE_WIDTH, SIDE_MARGIN = 16838, 850
TEXT_WIDTH = (PAGE_WIDTH - 2 * SIDE_MARGIN) / 20
CHARACTER = 5.2  # 9 pt text; a header's 8 pt bold is about as wide (at 5.0 "Importance" broke)


def _weights(columns: int, rows: list[Any]) -> list[float]:
    """Each column at least as wide as its longest word (a word breaks only at its hyphens), the
    width left over shared by the columns' mean text: with equal shares the evidence profile's
    twelve broke "Inconsistency" and "Importance" inside the word."""
    longest = [4] * columns
    lengths: list[list[int]] = [[] for _ in range(columns)]
    for row in rows:
        at = 0
        for cell in row[1]:
            span = cell[3]
            if span == 1 and at < columns:
                words = plain_text(_without_notes(cell[4])).split()
                longest[at] = max([longest[at]] + [len(part) for w in words for part in re.split(r"(?<=[-–])", w)])
                lengths[at].append(sum(len(w) + 1 for w in words))
            at += span
    least = [n * CHARACTER + 2 * CELL_MARGIN / 20 for n in longest]
    text = [sum(n) / len(n) if n else 0.0 for n in lengths]
    spare = max(0.0, TEXT_WIDTH - sum(least))
    return [w + (spare * t / sum(text) if sum(text) else 0.0) for w, t in zip(least, text, strict=True)]


def _without_notes(node: Any) -> Any:
    """The text a cell prints in the table: a footnote's text is at the foot of the page."""
    if isinstance(node, list):
        return [_without_notes(n) for n in node if not (isinstance(n, dict) and n.get("t") == "Note")]
    if isinstance(node, dict):
        return {k: _without_notes(v) for k, v in node.items()}
    return node


def edition(
    print_html: str | Path,
    reference: str | Path,
    epoch: int,
    screen_html: str | Path | None = None,
    fallbacks: str | Path | None = None,
) -> bytes:
    """briefing.docx from the print edition of the HTML, with the figures of the HTML edition
    (`screen_html`; the print edition leaves them to each modality's PDF) where that shows them;
    `fallbacks`: where their PNG fallbacks are kept between builds (png_fallbacks)."""
    ast = column_widths(footnotes(read_html(print_html)))
    if screen_html is None:
        return write_docx(ast, reference, epoch)
    with tempfile.TemporaryDirectory() as folder:
        found = screen_figures(Path(screen_html).read_text(encoding="utf-8"), block_ids(ast["blocks"]))
        return write_docx(with_figures(ast, found, Path(folder)), reference, epoch, folder, fallbacks)


# --- the figures: the HTML edition's SVG, each with its text alternative and caption -------------

# As templates/briefing_macros.html.j2's figure() prints one: the caption (title and text
# alternative), then the SVG in a role="img" box labelled with the text alternative.
FIGURE = re.compile(
    r'<figure id="(?P<id>[^"]+)"[^>]*>\s*<figcaption[^>]*>(?P<caption>.*?)</figcaption>\s*'
    r'<div class="figure-image" role="img" aria-label="(?P<alt>[^"]*)"[^>]*>\s*(?P<svg><svg\b.*?</svg>)',
    re.S,
)
HTML_ID = re.compile(r'\bid="([^"]+)"')
SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"')
# The largest a figure is printed, in inches: the landscape page's text width, and its height less
# a caption of a few lines (a forest plot of many studies is tall). Layout values no reader sees.
MAX_WIDTH, MAX_HEIGHT = 10.0, 5.2


@dataclass(frozen=True)
class Figure:
    id: str
    title: str  # the caption's strong part, then the text alternative, as the HTML edition prints them
    alt: str
    svg: str
    before: str | None  # the first block after it, in the HTML edition, that the print edition has


def screen_figures(screen_html: str, ids: set[str]) -> list[Figure]:
    """The HTML edition's figures, each with the id of the first element after it that is a block
    of the print edition (`ids`), before which the Word edition places it."""
    found = []
    for match in FIGURE.finditer(screen_html):
        end = screen_html.index("</figure>", match.end())
        after = (m.group(1) for m in HTML_ID.finditer(screen_html, end))
        strong = re.search(r"<strong>(.*?)</strong>", match["caption"], re.S)
        title = " ".join(html.unescape(re.sub(r"<[^>]+>", "", strong[1] if strong else "")).split())
        alt = " ".join(html.unescape(match["alt"]).split())
        found.append(Figure(match["id"], title, alt, match["svg"], next((i for i in after if i in ids), None)))
    return found


def _attr(block: Any) -> list[Any] | None:
    """A block's [id, classes, attributes], for the blocks that have them."""
    kind = block.get("t") if isinstance(block, dict) else None
    if kind in ("Div", "Table", "CodeBlock"):
        return block["c"][0]
    return block["c"][1] if kind == "Header" else None


def block_ids(blocks: list[Any]) -> set[str]:
    return {a[0] for node in _walk(blocks) if (a := _attr(node)) is not None and a[0]}


def _words(text: str) -> list[Any]:
    out: list[Any] = []
    for word in text.split():
        out += [{"t": "Space"}, {"t": "Str", "c": word}] if out else [{"t": "Str", "c": word}]
    return out


def _styled(style: str, inlines: list[Any]) -> dict[str, Any]:
    return {"t": "Div", "c": [["", [], [["custom-style", style]]], [{"t": "Para", "c": inlines}]]}


def figure_blocks(figure: Figure, folder: Path) -> list[Any]:
    """The image (the SVG, which pandoc gives a PNG fallback; its text alternative is the drawing's
    description, Word's alt text) above its caption, which caption_fields() numbers."""
    name = re.sub(r"[^\w-]", "_", figure.id) + ".svg"
    (folder / name).write_text(figure.svg, encoding="utf-8")
    image = {"t": "Image", "c": [["", [], [["width", _width(figure.svg)]]], _words(figure.alt), [name, ""]]}
    caption = [{"t": "Strong", "c": _words(figure.title)}, {"t": "Space"}] if figure.title else []
    return [_styled("Captioned Figure", [image]), _styled("Image Caption", caption + _words(figure.alt))]


def _width(svg: str) -> str:
    """The figure's printed width: as drawn (matplotlib sizes it in points), smaller if the page needs."""
    size = SVG_SIZE.search(svg)
    if size is None:
        return f"{MAX_WIDTH}in"
    width, height = float(size[1]) / 72, float(size[2]) / 72
    # Whole millimetres: a layout size, not a printed number (numbers.py rounds those).
    millimetres = round(width * min(1.0, MAX_WIDTH / width, MAX_HEIGHT / height) * 25.4)
    return f"{millimetres}mm"


def with_figures(ast: dict[str, Any], figures: list[Figure], folder: Path) -> dict[str, Any]:
    """`figures` placed before their blocks (at the end, a figure with none after it)."""
    if figures and shutil.which(RSVG) is None:
        raise RuntimeError(
            f"{RSVG} (Debian's librsvg2-bin) is needed: pandoc renders each figure's PNG fallback with it"
        )
    placed: dict[str, list[Any]] = {}
    for figure in figures:
        placed.setdefault(figure.before or "", []).extend(figure_blocks(figure, folder))

    def insert(node: Any) -> Any:
        if isinstance(node, list):
            out = []
            for item in node:
                attr = _attr(item)
                if attr is not None and attr[0] in placed:
                    out += placed.pop(attr[0])
                out.append(insert(item))
            return out
        if isinstance(node, dict):
            return {k: insert(v) for k, v in node.items()}
        return node

    blocks = insert(ast["blocks"])
    return ast | {"blocks": blocks + [b for rest in placed.values() for b in rest]}


# --- cross-references read back: what pandoc's docx reader drops ----------------------------------

# A footnote's bookmark and a NOTEREF field to it, as text pandoc's reader keeps (it drops both) and
# finish() turns back into them: what-changed.docx had lost every mark printed again.
TOKEN = re.compile(r"\u27e6(BOOKMARK|NOTEREF):(\w+)(?::(\d+))?\u27e7")


def _token(*parts: str) -> etree._Element:
    return _run("\u27e6" + ":".join(parts) + "\u27e7")


def cross_reference_tokens(docx: bytes) -> bytes:
    """The package with each footnote's bookmark (note_…) and each NOTEREF field to one as a token."""
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    document = etree.fromstring(parts["word/document.xml"])
    ends = {e.get(_w("id")): e for e in document.iter(_w("bookmarkEnd"))}
    for start in list(document.iter(_w("bookmarkStart"))):
        if start.get(_w("name"), "").startswith("note_"):
            start.getparent().replace(start, _token("BOOKMARK", start.get(_w("name"))))
            end = ends.get(start.get(_w("id")))
            if end is not None:
                end.getparent().remove(end)
    for field in list(document.iter(_w("fldSimple"))):
        instruction = field.get(_w("instr"), "").split()
        if instruction[:1] == ["NOTEREF"]:
            field.getparent().replace(field, _token("NOTEREF", instruction[1], "".join(field.itertext())))
    parts["word/document.xml"] = _xml(document)
    return package(parts, ZIP_EPOCH_MIN)


def cross_references(document: etree._Element) -> None:
    """Each token of cross_reference_tokens() made a bookmark around the footnote reference after it,
    or a NOTEREF field: a simple field in the text, a complex one (runs, which a revision can hold)
    inside a tracked insertion or deletion."""
    numbers = [int(b.get(_w("id"))) for b in document.iter(_w("bookmarkStart"))]
    ids = iter(range(max(numbers, default=0) + 1, 1 << 30))
    for t in list(document.iter(_w("t"), _w("delText"))):
        if t.text and TOKEN.search(t.text):
            _split(t.getparent(), t, ids)


def _split(run: etree._Element, t: etree._Element, ids: Iterator[int]) -> None:
    """`run` as its text between tokens and the elements each token stands for."""
    holder = run.getparent()
    deleted = holder.tag == _w("del")
    out: list[etree._Element] = []
    pieces = TOKEN.split(t.text or "")
    for at in range(0, len(pieces), 4):
        if pieces[at]:
            piece = copy.deepcopy(run)
            piece.find(t.tag, NS).text = pieces[at]
            out.append(piece)
        if at + 1 < len(pieces):
            kind, name, number = pieces[at + 1 : at + 4]
            if kind == "BOOKMARK":
                out.append(_bookmark(name, next(ids)))
            else:
                out += _noteref_field(name, number or "", holder.tag in (_w("ins"), _w("del")), deleted)
    at = holder.index(run)
    holder.remove(run)
    for offset, element in enumerate(out):
        holder.insert(at + offset, element)


def _bookmark(name: str, number: int) -> etree._Element:
    start = etree.Element(_w("bookmarkStart"))
    start.set(_w("id"), str(number))
    start.set(_w("name"), name)
    return start


def _noteref_field(bookmark: str, number: str, revised: bool, deleted: bool) -> list[etree._Element]:
    """A NOTEREF field: simple, as the Word edition writes it, or complex inside a tracked revision
    (which holds runs, not a w:fldSimple), its instruction and result deleted text in a w:del."""
    if not revised:
        xml = _noteref(bookmark, int(number or 0))
    else:
        text, instruction = ("delText", "delInstrText") if deleted else ("t", "instrText")
        xml = (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:{instruction} xml:space="preserve"> NOTEREF {bookmark} \\f \\h </w:{instruction}></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:{text}>{number}</w:{text}></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )
    return list(etree.fromstring(f'<x xmlns:w="{W}">{xml}</x>'))


def bookmark_ends(document: etree._Element) -> None:
    """Each footnote bookmark closed after the footnote reference it was made before (NOTEREF finds
    the footnote its bookmark holds)."""
    ended = {e.get(_w("id")) for e in document.iter(_w("bookmarkEnd"))}
    for start in document.iter(_w("bookmarkStart")):
        if start.get(_w("id")) in ended or not start.get(_w("name"), "").startswith("note_"):
            continue
        reference = next(start.itersiblings(_w("r")), None)
        while reference is not None and reference.find("w:footnoteReference", NS) is None:
            reference = reference.getnext()
        end = etree.Element(_w("bookmarkEnd"))
        end.set(_w("id"), start.get(_w("id")))
        (reference if reference is not None else start).addnext(end)


# --- the package: captions, revision ids, fixed bytes ------------------------------------------


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _run(text: str, properties: etree._Element | None = None) -> etree._Element:
    run = etree.Element(_w("r"))
    if properties is not None:
        run.append(copy.deepcopy(properties))
    t = etree.SubElement(run, _w("t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


# The caption styles pandoc writes and the label and SEQ field of each, as Word's Insert Caption names them.
CAPTIONS = {"TableCaption": "Table", "ImageCaption": "Figure"}


def caption_fields(document: etree._Element) -> int:
    """Each table and figure caption numbered by a SEQ field, as Word's Insert Caption makes it
    ("Table 3. …", "Figure 2. …"): Word's lists of tables and figures and its cross-references find
    them. Returns how many."""
    count: dict[str, int] = {}
    for para in document.iter(_w("p")):
        style = para.find("w:pPr/w:pStyle", NS)
        label = CAPTIONS.get(style.get(_w("val"), "")) if style is not None else None
        if label is None:
            continue
        at = list(para).index(para.find("w:pPr", NS)) + 1
        revision = _revision(para)
        if revision is not None:
            # A caption only one edition has: its label goes with the revision, unnumbered (a field
            # cannot be inside one), and Word's counter skips it.
            unnumbered = copy.deepcopy(revision)
            unnumbered.extend([_run(label + " "), _run(". ")])
            if unnumbered.tag == _w("del"):
                for t in unnumbered.iter(_w("t")):
                    t.tag = _w("delText")
            para.insert(at, unnumbered)
            continue
        count[label] = count.get(label, 0) + 1
        # The label as the caption's first words are set (a figure's title is bold, its text alternative not).
        first = para.find("w:r/w:rPr", NS)
        field = etree.Element(_w("fldSimple"))
        field.set(_w("instr"), f" SEQ {label} \\* ARABIC ")
        field.append(_run(str(count[label]), first))
        for offset, element in enumerate([_run(label + " ", first), field, _run(". ", first)]):
            para.insert(at + offset, element)
    return sum(count.values())


def _revision(para: etree._Element) -> etree._Element | None:
    """An empty copy of the w:ins or w:del that holds every run of the paragraph, if one does."""
    runs = para.findall(".//w:r", NS)
    kinds = {r.getparent().tag for r in runs}
    if not runs or len(kinds) != 1 or kinds.isdisjoint({_w("ins"), _w("del")}):
        return None
    holder = runs[0].getparent()
    return etree.Element(holder.tag, dict(holder.attrib))


def whole_rows(document: etree._Element) -> None:
    """No table row broken across pages: a summary of findings' row is read whole."""
    for row in document.iter(_w("tr")):
        properties = row.find("w:trPr", NS)
        if properties is None:
            properties = etree.Element(_w("trPr"))
            row.insert(1 if row.find("w:tblPrEx", NS) is not None else 0, properties)
        if properties.find("w:cantSplit", NS) is None:
            properties.insert(0, etree.Element(_w("cantSplit")))


def revision_ids(document: etree._Element) -> None:
    """Every w:ins and w:del its own id, in document order (pandoc gives a deletion the id of the
    insertion before it; Word expects each revision's id to be unique)."""
    for number, element in enumerate(document.iter(_w("ins"), _w("del")), start=1):
        element.set(_w("id"), str(number))


def _zip_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    return datetime.fromtimestamp(max(epoch, ZIP_EPOCH_MIN), UTC).timetuple()[:6]


def finish(docx: bytes, epoch: int, title: str = "") -> bytes:
    """pandoc's package with caption fields and unique revision ids, its parts in a fixed order
    ([Content_Types].xml first, as Office writes it) with one fixed time and mode."""
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    document = etree.fromstring(parts["word/document.xml"])
    cross_references(document)
    bookmark_ends(document)
    caption_fields(document)
    revision_ids(document)
    whole_rows(document)
    parts["word/document.xml"] = _xml(document)
    if title:
        core = etree.fromstring(parts["docProps/core.xml"])
        core.find("{http://purl.org/dc/elements/1.1/}title").text = title
        parts["docProps/core.xml"] = _xml(core)
    return package(parts, epoch)


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def package(parts: dict[str, bytes], epoch: int) -> bytes:
    out = io.BytesIO()
    names = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, _zip_time(epoch))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            target.writestr(info, parts[name], compresslevel=6)
    return out.getvalue()


# --- the text, as the audit and the tests read it ------------------------------------------------


def _parts(docx: str | Path | bytes) -> dict[str, etree._Element]:
    data = Path(docx).read_bytes() if not isinstance(docx, bytes) else docx
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        return {n: etree.fromstring(z.read(n)) for n in ("word/document.xml", "word/footnotes.xml") if n in names}


def paragraphs(
    docx: str | Path | bytes,
    document: etree._Element | None = None,
    fields: bool = True,
    footnotes: etree._Element | None = None,
) -> list[str]:
    """The text of each paragraph in reading order, each footnote's text at its reference (so a
    note is read where its mark is, and goes with it when a revision removes the mark). Deleted
    text (w:delText) is left out, and so are field results (caption numbers) unless `fields`.
    `document`, `footnotes`: those parts as given (revisions applied) instead of the package's."""
    parts = _parts(docx)
    document = document if document is not None else parts["word/document.xml"]
    footnotes = footnotes if footnotes is not None else parts.get("word/footnotes.xml")
    notes = {}
    if footnotes is not None:
        for note in footnotes.iterfind("w:footnote", NS):
            notes[note.get(_w("id"))] = " ".join(_paragraph_text(p, {}, fields) for p in note.iter(_w("p")))
    return [_paragraph_text(p, notes, fields) for p in document.iter(_w("p"))]


def _paragraph_text(para: etree._Element, notes: dict[str, str], fields: bool) -> str:
    out = []
    result = False  # inside a complex field's result (between its separate and end marks)
    for element in para.iter(_w("t"), _w("tab"), _w("br"), _w("footnoteReference"), _w("fldChar")):
        if element.tag == _w("fldChar"):
            result = element.get(_w("fldCharType")) == "separate" or (
                result and element.get(_w("fldCharType")) != "end"
            )
            continue
        if not fields and (result or any(a.tag == _w("fldSimple") for a in element.iterancestors())):
            continue
        if element.tag == _w("t"):
            out.append(element.text or "")
        elif element.tag == _w("footnoteReference"):
            out.append(" " + notes.get(element.get(_w("id")), "") + " ")
        else:
            out.append(" ")
    return "".join(out)


def text(docx: str | Path | bytes, fields: bool = True) -> str:
    """The document's text, whitespace normalised, paragraphs apart."""
    return "\n".join(" ".join(p.split()) for p in paragraphs(docx, fields=fields) if p.strip())


# --- the reference document: the styles a committee can restyle -------------------------------

# Changes to pandoc's default reference.docx: A4 landscape (a GRADE evidence profile has twelve
# columns; 1.5 cm side margins), 10 pt text, 9 pt tables (their header rows 8 pt: "Inconsistency"
# and "Importance" fit the evidence profile's columns whole) in the table style, not the paragraph
# style (pandoc's Compact, also a tight list's), narrow cell margins, 8 pt footnotes set close, ruled
# tables with a shaded header row, bold captions (a figure's: its title).
PAGE = (
    f'<w:sectPr xmlns:w="{W}"><w:pgSz w:w="{PAGE_WIDTH}" w:h="11906" w:orient="landscape"/>'
    f'<w:pgMar w:top="1134" w:right="{SIDE_MARGIN}" w:bottom="1134" w:left="{SIDE_MARGIN}"'
    ' w:header="567" w:footer="567" w:gutter="0"/>'
    "</w:sectPr>"
)
RULES = (
    f'<w:tblBorders xmlns:w="{W}">'
    + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="8C959F"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    + "</w:tblBorders>"
)
HEADER_SHADE = f'<w:shd xmlns:w="{W}" w:val="clear" w:color="auto" w:fill="DDE5EE"/>'


def _style(styles: etree._Element, style_id: str) -> etree._Element:
    found = styles.find(f"w:style[@w:styleId='{style_id}']", NS)
    if found is None:
        raise ValueError(f"pandoc's reference.docx has no style {style_id}")
    return found


def _child(parent: etree._Element, tag: str, before: tuple[str, ...] = ()) -> etree._Element:
    """parent's w:tag, made if missing (before the first of `before` present, to keep the schema's order)."""
    found = parent.find(f"w:{tag}", NS)
    if found is not None:
        return found
    element = etree.Element(_w(tag))
    for name in before:
        anchor = parent.find(f"w:{name}", NS)
        if anchor is not None:
            anchor.addprevious(element)
            return element
    parent.append(element)
    return element


def _size(rpr: etree._Element, half_points: int) -> None:
    for tag in ("sz", "szCs"):
        _child(rpr, tag).set(_w("val"), str(half_points))


def restyle(styles: etree._Element) -> None:
    default = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    _size(default, 20)
    note = _style(styles, "FootnoteText")
    spacing = _child(_child(note, "pPr", ("rPr",)), "spacing")
    spacing.set(_w("before"), "0")
    spacing.set(_w("after"), "40")
    _size(_child(note, "rPr"), 16)
    caption = _child(_style(styles, "Caption"), "rPr")
    for element in caption.findall("w:i", NS):
        caption.remove(element)
    _child(caption, "b")
    # A figure's caption: its title bold (as the HTML edition's), its long text alternative not.
    _child(_child(_style(styles, "ImageCaption"), "rPr"), "b").set(_w("val"), "0")
    table = _style(styles, "Table")
    table.find("w:tblPr", NS).append(etree.fromstring(RULES))
    for side in ("left", "right"):  # narrow cell margins: twelve columns share the page
        table.find(f"w:tblPr/w:tblCellMar/w:{side}", NS).set(_w("w"), str(CELL_MARGIN))
    _size(_child(table, "rPr", ("tblPr",)), 18)
    first = table.find("w:tblStylePr[@w:type='firstRow']", NS)
    first.find("w:tcPr", NS).append(etree.fromstring(HEADER_SHADE))
    header = _child(first, "rPr", ("tblPr",))
    _child(header, "b")
    _size(header, 16)


def reference(default: bytes, epoch: int = ZIP_EPOCH_MIN) -> bytes:
    """templates/reference.docx from pandoc's default (`pandoc --print-default-data-file
    reference.docx`), with the changes above, as a fixed package."""
    with zipfile.ZipFile(io.BytesIO(default)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    styles = etree.fromstring(parts["word/styles.xml"])
    restyle(styles)
    parts["word/styles.xml"] = _xml(styles)
    document = etree.fromstring(parts["word/document.xml"])
    body = document.find("w:body", NS)
    body.replace(body.find("w:sectPr", NS), etree.fromstring(PAGE))
    parts["word/document.xml"] = _xml(document)
    return package(parts, epoch)


def default_reference() -> bytes:
    return pandoc(["--print-default-data-file", "reference.docx"])
