"""what-changed.docx: the previous edition's Word text with every change to the new one as a
tracked insertion or deletion (Word's Review pane lists them; Accept All gives the new edition's
text, Reject All the previous one's). Both documents are read back by pandoc, so both went the same
way, and their blocks, table rows and cells, and words are aligned with difflib; pandoc writes the
`insertion`/`deletion` spans as w:ins and w:del (word.py numbers them apart)."""

from __future__ import annotations

import difflib
import json
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefing.present.word import plain_text, read_docx

AUTHOR = "Living evidence briefing build"


def what_changed(previous: dict[str, Any] | None, new: dict[str, Any], date: str) -> dict[str, Any]:
    """The AST of what-changed.docx: the blocks of both editions (read back from their DOCX by
    pandoc, so that both went the same way), aligned; what only the previous one has is a tracked
    deletion, what only the new one has an insertion. Accepting every revision gives the new
    edition's text, rejecting every one the previous edition's. `previous` None: no Word edition
    was published before, so every block is an insertion."""
    marks = Revisions(date)
    old_blocks = _flat(previous["blocks"]) if previous else []
    return new | {"blocks": marks.blocks(old_blocks, _flat(new["blocks"]))}


def revision_date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def previous_docx(location: str, images: Path | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """The previous edition's Word text (its briefing.docx, published beside its briefing.json),
    read by pandoc (its pictures into `images`: read_docx); None and a note when that edition had
    no Word edition."""
    source = re.sub(r"[^/]*$", "briefing.docx", location, count=1)
    try:
        if source.startswith(("http://", "https://", "file://")):
            with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - the configured edition
                data = response.read()
        else:
            data = Path(source).read_bytes()
    except (OSError, urllib.error.URLError) as exc:
        return None, f"No Word edition of the previous edition at {source} ({exc}): every paragraph is an insertion."
    with tempfile.NamedTemporaryFile(suffix=".docx") as fh:
        fh.write(data)
        fh.flush()
        return read_docx(fh.name, images), None


def _flat(blocks: list[Any]) -> list[Any]:
    """Divs opened (they print nothing; their blocks are aligned one by one), and each table's
    caption paragraph left out: pandoc reads it as a paragraph ("Table . …", the number being a
    field) and again as the table's caption (w:tblCaption), which it writes with the table."""
    out: list[Any] = []
    for block in blocks:
        if block["t"] == "Div":
            out += _flat(block["c"][1])
            continue
        if block["t"] == "Table" and out and out[-1]["t"] in ("Para", "Plain"):
            caption, above = plain_text(block["c"][1][1]), plain_text(out[-1]["c"])
            if caption and above.startswith("Table") and above.endswith(caption):
                out.pop()
        out.append(block)
    return out


def _kind(node: Any) -> str:
    """What a block or row is, as far as block() and row() can change one into another in place:
    text, a heading of a level, a table of so many columns, a row of so many cells, a list."""
    if not isinstance(node, dict):
        return f"row of {len(node[1])}"
    kind = node["t"]
    if kind in ("Para", "Plain"):
        return "text"
    if kind == "Header":
        return f"heading {node['c'][0]}"
    return f"table of {len(node['c'][2])}" if kind == "Table" else kind


def _key(node: Any) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


class Revisions:
    """The tracked revisions of one comparison, all with the same author and date."""

    def __init__(self, date: str) -> None:
        self.attributes = [["author", AUTHOR], ["date", date]]

    def span(self, kind: str, inlines: list[Any]) -> list[Any]:
        return [{"t": "Span", "c": [["", [kind], self.attributes], inlines]}] if inlines else []

    def blocks(self, old: list[Any], new: list[Any]) -> list[Any]:
        return self.aligned(old, new, self.block)

    def aligned(self, old: list[Any], new: list[Any], changed: Callable[[Any, Any], list[Any]]) -> list[Any]:
        """Blocks or table rows aligned as difflib matches them: the equal kept, a replaced one
        paired with its new one (`changed` says how it changed), the rest deleted or inserted."""
        out: list[Any] = []
        matcher = difflib.SequenceMatcher(None, [_key(b) for b in old], [_key(b) for b in new], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                out += new[j1:j2]
                continue
            out += self.paired(old[i1:i2], new[j1:j2], changed)
        return out

    def paired(self, gone: list[Any], came: list[Any], changed: Callable[[Any, Any], list[Any]]) -> list[Any]:
        """Blocks or rows that differ, paired by kind as difflib aligns their kinds: a figure
        inserted before a changed table no longer pairs with the table (which was then deleted and
        inserted whole, not changed cell by cell); the unpaired deleted or inserted."""
        out: list[Any] = []
        kinds = difflib.SequenceMatcher(None, [_kind(b) for b in gone], [_kind(b) for b in came], autojunk=False)
        for op, i1, i2, j1, j2 in kinds.get_opcodes():
            if op == "equal":
                for before, after in zip(gone[i1:i2], came[j1:j2], strict=True):
                    out += changed(before, after)
                continue
            out += [self.mark("deletion", b) for b in gone[i1:i2]]
            out += [self.mark("insertion", b) for b in came[j1:j2]]
        return out

    def block(self, old: Any, new: Any) -> list[Any]:
        """One block changed into another: word by word where both hold text alike (paragraphs,
        headings of one level, tables of as many columns), else the old one out and the new one in."""
        kinds = old["t"], new["t"]
        if kinds[0] in ("Para", "Plain") and kinds[1] in ("Para", "Plain"):
            return [{"t": new["t"], "c": self.inlines(old["c"], new["c"])}]
        if kinds == ("Header", "Header") and old["c"][0] == new["c"][0]:
            return [{"t": "Header", "c": [new["c"][0], new["c"][1], self.inlines(old["c"][2], new["c"][2])]}]
        if kinds == ("Table", "Table") and len(old["c"][2]) == len(new["c"][2]):
            return [self.table(old, new)]
        if kinds[0] == kinds[1] and kinds[0] in ("BulletList", "OrderedList"):
            return [self.items(old, new)]
        return [self.mark("deletion", old), self.mark("insertion", new)]

    def inlines(self, old: list[Any], new: list[Any]) -> list[Any]:
        out: list[Any] = []
        matcher = difflib.SequenceMatcher(None, [_key(i) for i in old], [_key(i) for i in new], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                out += new[j1:j2]
            else:
                out += self.span("deletion", old[i1:i2]) + self.span("insertion", new[j1:j2])
        return out

    def items(self, old: Any, new: Any) -> Any:
        """A list's items aligned as blocks are, each item's blocks word by word."""
        ordered = new["t"] == "OrderedList"
        old_items, new_items = (old["c"][1], new["c"][1]) if ordered else (old["c"], new["c"])
        out = []
        matcher = difflib.SequenceMatcher(
            None, [_key(i) for i in old_items], [_key(i) for i in new_items], autojunk=False
        )
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                out += new_items[j1:j2]
                continue
            gone, came = old_items[i1:i2], new_items[j1:j2]
            paired = min(len(gone), len(came)) if op == "replace" else 0
            out += [self.blocks(a, b) for a, b in zip(gone[:paired], came[:paired], strict=True)]
            out += [[self.mark("deletion", b) for b in item] for item in gone[paired:]]
            out += [[self.mark("insertion", b) for b in item] for item in came[paired:]]
        return {"t": new["t"], "c": [new["c"][0], out] if ordered else out}

    def table(self, old: Any, new: Any) -> Any:
        """Rows aligned (head, then every body's rows as one run), each kept row's cells word by word."""
        attr, caption, specs, head, bodies, foot = new["c"]
        old_caption, old_head, old_bodies = old["c"][1], old["c"][3], old["c"][4]
        caption = [caption[0], self.blocks(old_caption[1], caption[1])]
        head = [head[0], self.rows(old_head[1], head[1])]
        old_rows = [r for b in old_bodies for r in b[2] + b[3]]
        new_rows = [r for b in bodies for r in b[2] + b[3]]
        body = [["", [], []], 0, [], self.rows(old_rows, new_rows)]
        return {"t": "Table", "c": [attr, caption, specs, head, [body], foot]}

    def rows(self, old: list[Any], new: list[Any]) -> list[Any]:
        return self.aligned(old, new, self.row)

    def row(self, old: Any, new: Any) -> list[Any]:
        """A row changed cell by cell when it has as many cells, else the old one out, the new in."""
        if len(old[1]) == len(new[1]):
            return [[new[0], [self.cell(a, b) for a, b in zip(old[1], new[1], strict=True)]]]
        return [self.mark("deletion", old), self.mark("insertion", new)]

    def cell(self, old: Any, new: Any) -> Any:
        return new[:4] + [self.blocks(old[4], new[4])]

    def mark(self, kind: str, node: Any) -> Any:
        """`node` with every run of its text inside a `kind` span: each inline list, wherever it is
        (a paragraph, a heading, a table's cells, a list's items)."""
        if isinstance(node, list):
            return [self.mark(kind, n) for n in node]
        if not isinstance(node, dict) or "t" not in node:
            return node
        kind_of = node["t"]
        if kind_of in ("Para", "Plain"):
            return {"t": kind_of, "c": self.span(kind, node["c"])}
        if kind_of == "Header":
            return {"t": "Header", "c": [node["c"][0], node["c"][1], self.span(kind, node["c"][2])]}
        if kind_of == "CodeBlock":  # the build's settings: a revision holds inlines only
            return {"t": "Para", "c": self.span(kind, [{"t": "Code", "c": node["c"]}])}
        return {k: self.mark(kind, v) for k, v in node.items()}
