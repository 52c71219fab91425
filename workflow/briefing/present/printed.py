"""The briefing's PDF, typeset in parts and merged: an edit re-typesets only the parts whose HTML
changed (issue 35), and the PDF is the same bytes whichever parts were typeset again.

The print edition is cut where it turns to a new page anyway (a part heading that starts a page, a
modality with figures), so each part lays out as it does in the whole document. Each part is
typeset on its own, without running header, page numbers or the contents' page references, and
kept under the digest of its HTML and of everything its bytes depend on. The merge makes the
document whole: the pages in order, one tag tree, one outline, the named destinations and the links
across parts, the contents (the first part, typeset last with its page numbers written in), and the
margins (running header and "Page n of N", typeset once for every page and drawn as artifacts).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    import pikepdf

# Where a part starts: sections whose heading starts a new page in print (templates/briefing.css:
# `h2 { break-before: page }` but for the headings it lists); a cut anywhere else would change the
# layout, which tests/test_pdf.py checks page by page against WeasyPrint's layout of the whole
# document. Not at every such section: each part costs a typesetting's fixed cost (about 0.3 s),
# so the sections an edit of a study seldom changes (considerations to references) are one part.
# The build provenance changes with every edit of the data: a part (and a page) of its own.
PAGE_STARTS = frozenset({"comparison", "modalities", "considerations", "provenance"})
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# A link to an anchor in another part: WeasyPrint drops an internal link whose anchor it cannot
# find, so it is written as a URI of this scheme and turned back into the named destination after
# the merge.
ACROSS = "briefing-part:"
# What a part leaves to the merge: the margins (drawn once over every page) and the contents' page
# numbers (written into the first part as `data-page`).
PART_STYLE = (
    "<style>@page { @top-left { content: none; } @top-right { content: none; }"
    ' @bottom-center { content: none; } } .toc a::after { content: leader(".") " " attr(data-page); }'
    "</style>"
)
# The margins' document: the print edition's own styles over empty pages, one per page of the
# briefing (`wide` for a landscape one, as templates/briefing.css names it).
MARGIN_PAGE = '<div style="break-before: page{}"></div>'
# ... and nothing else: the page's background (the stylesheet paints the root white) would cover
# what is under the margins.
MARGIN_STYLE = "<style>html, body { background: none; }</style>"
MARGIN_FORM = "/BriefingMargins"
# The date the parts' fonts are stamped with (fontTools writes one into every subset): fixed, not
# the build's, which moves with every commit of the data and would make every part new.
FONT_EPOCH = 0
# U+2007, as wide as a figure: the contents' page numbers are padded with it to one width.
FIGURE_SPACE = "\u2007"
# The store's note of the first part's length and anchors (_front_pages), beside the parts.
FRONT_NOTE = "front"
HREF = re.compile(r'href="#([^"]+)"')
ID = re.compile(r'\sid="([^"]+)"')
TOC = re.compile(r'<nav class="toc".*?</nav>', re.S)
TOC_LINK = re.compile(r'<a href="(?:#|' + ACROSS + r')([^"]+)"')
STRIPPED = re.compile(r'\s(?:id|aria-labelledby)="[^"]*"')


class PartInfo(TypedDict):
    """What the merge needs of a typeset part, kept beside its PDF."""

    pages: int
    anchors: dict[str, int]  # anchor -> 0-based page of the part
    bookmarks: list[list[list[Any]]]  # per page: [level, label, x, y, state], in PDF points


@dataclass(frozen=True)
class Typeset:
    pdf: bytes
    info: PartInfo


class _Cuts(HTMLParser):
    """Where the print edition turns to a new page, with the elements open there."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[tuple[str, str]] = []  # (tag, start tag as written)
        self.last_child: list[str] = [""]  # per open element: its last child's class
        self.cuts: list[tuple[tuple[int, int], list[tuple[str, str]]]] = []
        self.body: tuple[int, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        modality_after_modality = "quantitative" in classes and "modality" in self.last_child[-1].split()
        if tag == "section" and (values.get("id") in PAGE_STARTS or modality_after_modality):
            self.cuts.append((self.getpos(), list(self.stack)))
        self.stack.append((tag, self.get_starttag_text() or f"<{tag}>"))
        self.last_child.append("")
        if tag == "body":
            self.body = self.getpos()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not self.stack:
            return
        while self.stack:
            open_tag, text = self.stack.pop()
            self.last_child.pop()
            if open_tag == tag:
                self.last_child[-1] = dict(_attributes(text)).get("class", "") if tag == "section" else tag
                return


def _attributes(start_tag: str) -> list[tuple[str, str]]:
    return re.findall(r'\s([\w-]+)="([^"]*)"', start_tag)


def split(html: str) -> list[str]:
    """The print edition as parts, each a whole HTML document, in reading order."""
    parser = _Cuts()
    parser.feed(html)
    parser.close()
    lines = [0]
    for line in html.splitlines(keepends=True):
        lines.append(lines[-1] + len(line))

    def offset(position: tuple[int, int]) -> int:
        return lines[position[0] - 1] + position[1]

    if parser.body is None:
        raise ValueError("the print edition has no <body>")
    head = html[: html.index(">", offset(parser.body)) + 1]
    inner = [(offset(at), stack[2:]) for at, stack in parser.cuts]  # below <html> and <body>
    bounds: list[tuple[int, list[tuple[str, str]]]] = [(0, []), *inner, (len(html), [])]
    parts = []
    for (start, opened), (end, still_open) in zip(bounds, bounds[1:], strict=False):
        before = head + "".join(STRIPPED.sub("", text) for _, text in opened) if start else ""
        after = "".join(f"</{tag}>" for tag, _ in reversed(still_open))
        after += "</body></html>" if end < len(html) else ""
        parts.append(before + html[start:end] + after)
    return [part.replace("</head>", PART_STYLE + "</head>", 1) for part in parts]


def _across(part: str) -> str:
    """The part with its links to other parts' anchors written as ACROSS URIs."""
    own = set(ID.findall(part))
    return HREF.sub(lambda m: m.group(0) if m.group(1) in own else f'href="{ACROSS}{m.group(1)}"', part)


def _with_pages(front: str, pages: dict[str, int], width: int) -> str:
    """The first part with the contents' page numbers written in, each `width` figures wide (padded
    with figure spaces, as wide as a figure in DejaVu Sans): the part lays out the same whatever
    the numbers, so its length and where its headings fall never depend on them."""

    def number(name: str) -> str:
        return str(pages.get(name, "")).rjust(width, FIGURE_SPACE)

    def numbered(toc: re.Match[str]) -> str:
        return TOC_LINK.sub(lambda m: f'{m.group(0)} data-page="{number(m.group(1))}"', toc.group(0))

    return TOC.sub(numbered, front, count=1)


def typeset(html: str) -> Typeset:
    """One part's PDF, and where its anchors and bookmarks fall."""
    from weasyprint.matrix import Matrix

    from briefing.present.render import pdf_bytes, print_layout

    document = print_layout(html, FONT_EPOCH)
    anchors: dict[str, int] = {}
    bookmarks: list[list[list[Any]]] = []
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)
        # As WeasyPrint places a bookmark in PDF points (pdf/__init__.py: zoom 1, scale 0.75).
        matrix = Matrix(0.75, 0, 0, -0.75, 0, page.height * 0.75)
        marks = []
        for level, label, (x, y), state in page.bookmarks:
            x, y = matrix.transform_point(x, y)
            marks.append([level, label, x, y, state])
        bookmarks.append(marks)
    info = PartInfo(pages=len(document.pages), anchors=anchors, bookmarks=bookmarks)
    return Typeset(pdf_bytes(document, FONT_EPOCH), info)


class PartStore:
    """Typeset parts kept under the digest of their HTML and of what their bytes depend on, so an
    unchanged part is never typeset again; what a build did not use is removed after it."""

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = Path(folder) if folder else None
        self.used: set[str] = set()
        self.typeset = 0
        self.timings: list[str] = []  # what was typeset, for the job's log
        self._salt = _salt()

    def get(self, html: str, make: Callable[[str], Typeset] = typeset) -> Typeset:
        key = hashlib.sha256(self._salt + html.encode("utf-8")).hexdigest()
        self.used.add(key)
        if self.folder is not None:
            pdf, info = self.folder / f"{key}.pdf", self.folder / f"{key}.json"
            if pdf.exists() and info.exists():
                return Typeset(pdf.read_bytes(), json.loads(info.read_text(encoding="utf-8")))
        start = time.perf_counter()
        part = make(html)
        self.typeset += 1
        first = ID.search(html.split("<body", 1)[-1])
        took = int(1000 * (time.perf_counter() - start))
        self.timings.append(f"{first.group(1) if first else '?'}: {part.info['pages']} pages in {took} ms")
        if self.folder is not None:
            from briefing.core.publish import write_atomic

            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{key}.pdf", part.pdf)
            write_atomic(self.folder / f"{key}.json", json.dumps(part.info, sort_keys=True))
        return part

    def front(self) -> tuple[int, dict[str, int]] | None:
        """The first part's length and its anchors' pages when it was last typeset, if noted."""
        note = self.folder / f"{FRONT_NOTE}.json" if self.folder else None
        if note is None or not note.exists():
            return None
        layout = json.loads(note.read_text(encoding="utf-8"))
        return layout["pages"], layout["anchors"]

    def remember_front(self, layout: tuple[int, dict[str, int]]) -> None:
        if self.folder is not None:
            from briefing.core.publish import write_atomic

            self.folder.mkdir(parents=True, exist_ok=True)
            note = {"pages": layout[0], "anchors": layout[1]}
            write_atomic(self.folder / f"{FRONT_NOTE}.json", json.dumps(note, sort_keys=True))

    def prune(self) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.stem not in self.used and path.stem != FRONT_NOTE:
                path.unlink()


def _salt() -> bytes:
    """Everything a part's bytes depend on besides its HTML: the typesetting libraries and fonts, and
    this module's and the renderer's code."""
    from briefing.present import render, typesetting

    code = b"".join(Path(module.__file__ or "").read_bytes() for module in (render, typesetting))
    code += Path(__file__).read_bytes()
    return json.dumps(typesetting.dependencies(), sort_keys=True).encode() + hashlib.sha256(code).digest()


def _front_pages(front: str, rest: list[Typeset], store: PartStore) -> Typeset:
    """The first part with the contents' page numbers, which depend on its own length and on where
    its own headings fall. Since the numbers are of fixed width (_with_pages), those are the same
    whatever numbers are written in, so the numbers are computed from what the part came to last
    time (the store's note) or, without one, from a typesetting without numbers, and checked
    against what it comes to: once they agree, the part is what a clean build makes."""
    width = len(str(sum(part.info["pages"] for part in rest) + 99))  # the first part is under 100 pages
    layout = store.front()
    if layout is None:
        blank = store.get(_with_pages(front, {}, width)).info
        layout = (blank["pages"], blank["anchors"])
    for _ in range(3):
        length, own = layout
        pages = {name: page + 1 for name, page in own.items()}
        offset = length
        for part in rest:
            for name, page in part.info["anchors"].items():
                pages.setdefault(name, offset + page + 1)
            offset += part.info["pages"]
        numbered = store.get(_with_pages(front, pages, width))
        if (numbered.info["pages"], numbered.info["anchors"]) == layout:
            store.remember_front(layout)
            return numbered
        layout = (numbered.info["pages"], numbered.info["anchors"])
    raise RuntimeError("the contents' page numbers do not settle")


def margins_html(html: str, landscape: list[bool]) -> str:
    """The running header and page numbers of every page, as the print edition styles them."""
    head = html[: html.index("</head>")]
    pages = "".join(MARGIN_PAGE.format("; page: wide" if wide else "") for wide in landscape)
    return f"{head}{MARGIN_STYLE}</head><body>{pages}</body></html>"


def render_briefing_pdf(html: str, store: PartStore) -> bytes:
    """The briefing's PDF from its print edition, typeset part by part through `store`."""
    parts = [_across(part) for part in split(html)]
    rest = [store.get(part) for part in parts[1:]]
    front = _front_pages(parts[0], rest, store)
    typeset_parts = [front, *rest]
    return merge(typeset_parts, html)


def merge(parts: list[Typeset], html: str) -> bytes:
    """One PDF of the parts' pages, with the document made whole (see the module's docstring)."""
    import io

    import pikepdf

    merged = pikepdf.new()
    sources = [pikepdf.open(io.BytesIO(part.pdf)) for part in parts]
    with warnings.catch_warnings():  # it warns that named destinations are lost: _destinations keeps them
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        for source in sources:
            merged.pages.extend(source.pages)
    _catalog(merged, sources[0])
    _tags(merged, sources)
    _destinations(merged, sources)
    _outline(merged, parts)
    landscape = [float(page.mediabox[2]) > float(page.mediabox[3]) for page in merged.pages]
    _margins(merged, margins_html(html, landscape))
    out = io.BytesIO()
    # Object streams, as WeasyPrint writes them: a quarter of the file's size.
    merged.save(
        out,
        deterministic_id=True,
        min_version=sources[0].pdf_version,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return out.getvalue()


def _catalog(merged: Any, first: Any) -> None:
    """The document's title, language and metadata, as WeasyPrint wrote them for the first part."""
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata", "/OutputIntents"):
        if key in first.Root:
            merged.Root[key] = _copy(merged, first, first.Root[key])
    for key, value in first.docinfo.items():
        merged.docinfo[key] = value


def _copy(merged: Any, source: Any, value: Any) -> Any:
    """`value` of `source` copied into `merged`, with whatever it refers to."""
    return merged.copy_foreign(value if value.is_indirect else source.make_indirect(value))


def _tags(merged: Any, sources: list[Any]) -> None:
    """One tag tree: every part's elements under one Document element, and one parent tree in which
    pages come first (a page's key is its number, as WeasyPrint numbers them) and then the links."""
    import pikepdf

    root = merged.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    document = merged.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, K=pikepdf.Array(), P=root)
    )
    root.K = pikepdf.Array([document])
    page_entries: list[Any] = []
    link_entries: list[Any] = []
    start = 0
    total = len(merged.pages)
    for source in sources:
        tree = source.Root.StructTreeRoot
        count = len(source.pages)
        for element in tree.K[0].K:
            copied = _copy(merged, source, element)
            copied.P = document
            document.K.append(copied)
        nums = tree.ParentTree.Nums
        keyed = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for number in range(count):
            merged.pages[start + number].obj.StructParents = start + number
            page_entries.append(_copy(merged, source, keyed[number]))
        for page in merged.pages[start : start + count]:
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    key = int(annotation.StructParent)
                    annotation.StructParent = total + len(link_entries)
                    link_entries.append(_copy(merged, source, keyed[key]))
        start += count
    nums = pikepdf.Array()
    for key, entry in enumerate(page_entries + link_entries):
        nums.append(key)
        nums.append(entry)
    root.ParentTree = merged.make_indirect(pikepdf.Dictionary(Nums=nums))
    root.ParentTreeNextKey = len(page_entries) + len(link_entries)
    merged.Root.StructTreeRoot = root


def _destinations(merged: Any, sources: list[Any]) -> None:
    """Every part's named destinations in one sorted name tree, and the links across parts turned
    back into links to them."""
    import pikepdf

    named: dict[str, pikepdf.Object] = {}
    for source in sources:
        if "/Names" in source.Root and "/Dests" in source.Root.Names:
            names = source.Root.Names.Dests.Names
            for i in range(0, len(names), 2):
                named.setdefault(str(names[i]), _copy(merged, source, names[i + 1]))
    flat = pikepdf.Array()
    for name in sorted(named):
        flat.append(pikepdf.String(name))
        flat.append(named[name])
    merged.Root.Names = pikepdf.Dictionary(Dests=merged.make_indirect(pikepdf.Dictionary(Names=flat)))
    for page in merged.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            if action is None or action.get("/S") != pikepdf.Name.URI:
                continue
            uri = str(action.URI)
            if uri.startswith(ACROSS):
                name = uri[len(ACROSS) :]
                if name not in named:
                    raise ValueError(f"the print edition links to #{name}, which no part has")
                del annotation["/A"]
                annotation.Dest = pikepdf.String(name)
                annotation.Contents = pikepdf.String(name)


def _outline(merged: Any, parts: list[Typeset]) -> None:
    """The bookmarks of all parts as WeasyPrint nests those of one document."""
    import pikepdf
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    @dataclass
    class _Page:  # what make_page_bookmark_tree reads of a page
        bookmarks: list[tuple[int, str, tuple[float, float], str]]

    tree: list[Any] = []
    skipped: list[int] = []
    last_by_depth: list[list[Any]] = [tree]
    previous = 0
    number = 0
    for part in parts:
        for marks in part.info["bookmarks"]:
            page = _Page([(level, label, (x, y), state) for level, label, x, y, state in marks])
            previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, number, Matrix())
            number += 1
    if not tree:
        return
    pages = [page.obj for page in merged.pages]

    def items(subtrees: Iterable[Any], parent: Any) -> tuple[list[Any], int]:
        made: list[Any] = []
        count = len(subtrees) if isinstance(subtrees, list) else 0
        for label, (page, x, y), children, state in subtrees:
            item = merged.make_indirect(
                pikepdf.Dictionary(
                    Title=pikepdf.String(label),
                    Dest=pikepdf.Array([pages[page], pikepdf.Name.XYZ, x, y, 0]),
                )
            )
            kids, kid_count = items(children, item)
            item.Count = -kid_count if state == "closed" else kid_count
            if state != "closed":
                count += kid_count
            if made:
                item.Prev = made[-1]
                made[-1].Next = item
            if kids:
                item.First, item.Last = kids[0], kids[-1]
            item.Parent = parent
            made.append(item)
        return made, count

    outlines = merged.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    top, count = items(tree, outlines)
    outlines.Count = count
    outlines.First, outlines.Last = top[0], top[-1]
    merged.Root.Outlines = outlines


def _margins(merged: Any, html: str) -> None:
    """The running header and "Page n of N" on every page, drawn over it as an artifact (not
    content a screen reader reads), from one typesetting of empty pages in the print edition's
    own page styles."""
    import io

    import pikepdf
    import weasyprint

    from briefing.present.typesetting import pinned_fonts

    with pinned_fonts(FONT_EPOCH):
        overlay = pikepdf.open(io.BytesIO(weasyprint.HTML(string=html, base_url=None).write_pdf()))
    if len(overlay.pages) != len(merged.pages):
        raise RuntimeError(f"{len(overlay.pages)} margin pages for {len(merged.pages)} pages")
    for page, margin in zip(merged.pages, overlay.pages, strict=True):
        # Each page its own resources (WeasyPrint shares one dictionary between a part's pages),
        # naming the margins' form the same on every page, so the bytes never depend on chance.
        shared = page.obj.Resources
        resources = pikepdf.Dictionary({key: shared[key] for key in shared.keys()})
        xobjects = pikepdf.Dictionary({key: value for key, value in shared.get("/XObject", {}).items()})
        xobjects[MARGIN_FORM] = merged.copy_foreign(margin.as_form_xobject())
        resources.XObject = xobjects
        page.obj.Resources = resources
        page.contents_add(pikepdf.Stream(merged, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(merged, b"Q\n/Artifact BMC q " + MARGIN_FORM.encode() + b" Do Q EMC\n"))
