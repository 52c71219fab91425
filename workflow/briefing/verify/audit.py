"""Numeric audit, both ways. Every number printed in the briefing (HTML text and PDF text) must
trace to briefing.json's figure registry (stated figures with their locators, derived figures with
what they were derived from), to a curated data cell, to the previous edition (the old values of
What changed), or be a date, id, version, checksum, page or list number. And every figure of the
registry must be printed in each edition it says prints it (`printed_in`: the HTML, the briefing's
PDF, a modality's PDF). A number with no provenance, or a figure not found, fails the build.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bs4.element import CData as _CDATA

from briefing.data import evidence
from briefing.present import wording

if TYPE_CHECKING:
    from briefing.schema.models import RegisteredFigure

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

# A number standing alone: not part of a word, a hex checksum or a longer dotted version.
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
HASH = re.compile(r"[0-9a-f]{40,64}")
# Numbers the code itself prints as part of fixed wording: the 95 % level, the 0-10 scales,
# the percent axis, GRADE's -1/-2/+1/+2, ICPR thresholds. The GRADE thresholds and optimal
# information sizes are the config's, printed in the Methods (allowed below).
CONSTANTS = {"0", "1", "2", "4", "10", "25", "50", "75", "95", "100"}


def numbers(text: str) -> list[str]:
    return NUMBER.findall(DATE.sub(" ", text))


def _all_numbers(texts: Iterable[str]) -> list[str]:
    """numbers() of every text, in one pass over them joined by newlines: a newline is no part of
    a number or a date, and matches around it as the start or end of a text does (the lookbehind,
    the lookahead and \\b all accept both), so the numbers are those of each text."""
    return numbers("\n".join(texts))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def allowed_numbers(briefing: dict[str, Any], package_path: str | Path, templates: Iterable[Path] = ()) -> set[str]:
    """Every number with provenance in the briefing: the registry, the curated cells, the
    provenance appendix, and the fixed wording of the templates."""
    tables = evidence.read_tables(package_path).values()
    return allowed_from(briefing, (text for table in tables for row in table for text in _strings(row)), templates)


def allowed_from(briefing: dict[str, Any], cells: Iterable[str], templates: Iterable[Path] = ()) -> set[str]:
    """The numbers of a briefing record (figure registry, provenance, methods, what changed,
    reference numbers), of the curated `cells` it was built from, and of the templates' wording."""
    allowed = set(CONSTANTS)
    allowed.update(_all_numbers(_strings(briefing["figures"])))
    allowed.update(_all_numbers(cells))
    allowed.update(_all_numbers(_strings(briefing["provenance"])))
    # The methods are fixed wording of the code, as the templates' is ("per 1,000").
    allowed.update(_all_numbers(_strings(briefing.get("methods") or {})))
    # The page prints the first 12 characters of the data checksum and of the commit: they read as a
    # number whenever those 12 happen to be digits (about one build in 280).
    allowed.update(n for text in _strings(briefing["provenance"]) if HASH.fullmatch(text) for n in numbers(text[:12]))
    # What changed: old values come from the previous edition's briefing.json, which the section
    # names (date, data checksum, location); counts of changes are counts of the items it lists.
    allowed.update(_all_numbers(_strings(briefing.get("changes") or {})))
    for ref in briefing["references"]:
        allowed.add(str(ref["number"]))
    for template in templates:
        allowed.update(numbers(Path(template).read_text(encoding="utf-8")))
    return allowed


def strings(value: Any) -> list[str]:
    """Every string inside a JSON value (a modality's evidence slice: its curated cells)."""
    return list(_strings(value))


class _Strings:
    """What the audit reads of a BeautifulSoup tree, without building it: it stands in for the
    BeautifulSoup object that bs4's own html.parser front end (BeautifulSoupHTMLParser) feeds, and
    keeps only the open tags (bs4's rules: an end tag closes the most recent open tag of its name
    and every tag opened after it, a stray end tag is ignored, void elements close at once) and
    the strings `get_text` would yield, in order. The tree of a large briefing took most of the
    audit's time. The same tokenizer, entities and string types as BeautifulSoup(html, "html.parser");
    tests/test_audit.py checks that both read the same text."""

    HIDDEN = frozenset({"svg", "style", "head", "script"})

    def __init__(self) -> None:
        from bs4.builder._htmlparser import HTMLParserTreeBuilder  # bs4.builder re-exports it at run time

        self.builder = HTMLParserTreeBuilder()
        self.builder.store_line_numbers = False
        self.empty = self.builder.empty_element_tags
        self.containers = self.builder.string_containers  # their strings are not get_text's
        self.stack: list[tuple[str, bool, list[str] | None]] = []  # name, hides its text, svg <text>
        self.open: dict[str, int] = {}
        self.hidden = 0  # open tags that html_text removes
        self.contained = 0  # open tags whose strings get_text leaves out
        self.svgs = 0
        self.current: list[str] = []
        self.strings: list[str] = []  # what html_text reads
        self.labels: list[list[str]] = []  # the strings of each <text> in an <svg>
        self.collecting: list[list[str]] = []
        self.contains_replacement_characters = False

    def endData(self, container: type | None = None) -> None:  # noqa: N802 (bs4's name)
        if not self.current:
            return
        text = "".join(self.current)
        self.current = []
        if container is None:
            if self.contained:
                return
        elif container is not _CDATA:
            return  # comments, doctype, declarations, processing instructions
        if not self.hidden:
            self.strings.append(text)
        for parts in self.collecting:
            parts.append(text)

    def handle_data(self, data: str) -> None:
        self.current.append(data)

    def handle_starttag(self, name, namespace, nsprefix, attrs, **_):  # noqa: ANN001, ANN003
        self.endData()
        hides = name in self.HIDDEN or (name == "details" and "config" in (attrs.get("class") or "").split())
        text = [] if name == "text" and self.svgs else None
        self.stack.append((name, hides, text))
        self.open[name] = self.open.get(name, 0) + 1
        self.hidden += hides
        self.contained += name in self.containers
        self.svgs += name == "svg"
        if text is not None:
            self.labels.append(text)
            self.collecting.append(text)
        return _Opened(name in self.empty)

    def _pop(self) -> None:
        name, hides, text = self.stack.pop()
        self.open[name] -= 1
        self.hidden -= hides
        self.contained -= name in self.containers
        self.svgs -= name == "svg"
        if text is not None:
            self.collecting.remove(text)

    def handle_endtag(self, name: str, nsprefix: str | None = None) -> None:
        self.endData()
        while self.stack and self.open.get(name):
            if self.stack[-1][0] == name:
                self._pop()
                break
            self._pop()

    @classmethod
    def read(cls, html: str) -> _Strings:
        from bs4.builder._htmlparser import BeautifulSoupHTMLParser

        sink = cls()
        # Duck-typed: the sink has the BeautifulSoup methods the parser calls (handle_starttag, ...).
        parser = BeautifulSoupHTMLParser(cast("BeautifulSoup", sink), convert_charrefs=False)
        # bs4 lists every void element opened without "/>" (<br>, <col>, <img>) and searches that
        # list at every end tag, in case one is closed explicitly later: time quadratic in the page.
        # The same multiset, counted.
        parser.already_closed_empty_element = cast("list[str]", _Closed())  # the list methods bs4 calls
        parser.feed(html)
        parser.close()
        sink.endData()
        return sink


class _Closed(dict):
    """A list's append, remove and `in`, for a multiset of tag names, in constant time."""

    def append(self, name: str) -> None:
        self[name] = self.get(name, 0) + 1

    def remove(self, name: str) -> None:
        if self[name] == 1:
            del self[name]
        else:
            self[name] -= 1


class _Opened:
    __slots__ = ("is_empty_element",)

    def __init__(self, empty: bool) -> None:
        self.is_empty_element = empty


def _text(read: _Strings) -> str:
    return " ".join(" ".join(read.strings).split())


def html_text(html: str) -> str:
    """What a reader sees, minus the SVG drawings (their numbers are in the table beside each)
    and the provenance config dump (its numbers are the config's own)."""
    return _text(_Strings.read(html))


# A DOI that the PDF breaks across two lines ("doi: 10.1186/syn.⏎1998.18017") would read as a
# stray number at the start of the next line: join it again, and only it.
BROKEN_DOI = re.compile(r"(doi: \S*[./-])[ \t]*\n\s*(?=\S)")


def pdf_pages(pdf_path: str | Path) -> list[str]:
    return _pages(_PdfText(pdf_path))


class _PdfText:
    """pdftotext, started: it runs in its own process beside the reading of the HTML. Its text goes
    to a temporary file, not a pipe, which it would fill and then wait on."""

    def __init__(self, pdf_path: str | Path) -> None:
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        self.args = ["pdftotext", "-layout", str(pdf_path), "-"]
        self.process = subprocess.Popen(self.args, stdout=self.out, stderr=self.err)

    def text(self) -> str:
        with self.out, self.err:
            if self.process.wait():
                self.err.seek(0)
                raise subprocess.CalledProcessError(self.process.returncode, self.args, stderr=self.err.read())
            self.out.seek(0)
            return self.out.read().decode()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.out.close()
        self.err.close()


def _pages(pdf: _PdfText) -> list[str]:
    return [BROKEN_DOI.sub(r"\1", page) for page in pdf.text().split("\f")]


def unsourced(text: str, allowed: set[str], extra: AbstractSet[str] = frozenset()) -> list[str]:
    """Numbers in `text` without provenance, each with the words around it."""
    found = []
    clean = DATE.sub(" ", text)
    for match in NUMBER.finditer(clean):
        token = match.group(0)
        if token in allowed or token in extra:
            continue
        found.append(f"{token!r} in “…{clean[max(0, match.start() - 50) : match.end() + 30]}…”")
    return found


def _labels(read: _Strings) -> set[str]:
    return {n for parts in read.labels for n in numbers(" ".join(parts))}


def axis_labels(html: str) -> set[str]:
    """Numbers drawn inside the figures (axis ticks, bar labels). The PDF keeps them as text, so
    they are accepted there; the same values are audited in the data table beside each figure."""
    return _labels(_Strings.read(html))


def audit(
    html_path: str | Path,
    pdf_path: str | Path | None,
    briefing: dict[str, Any],
    package_path: str | Path,
    templates: Iterable[Path] = (),
    print_html_path: str | Path | None = None,
    documents: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """Numbers without provenance in the HTML, in its print edition (the PDF's source), in the
    PDF's text and in each (label, text) of `documents` (the Word edition's, "DOCX": made from the
    print edition, it prints the figures the PDF prints); and the registry's figures missing from
    an edition said to print them. Figures' axis labels count as sourced in the PDF: they are drawn
    from the print edition's figures (the HTML's when no print edition is given)."""
    pages = [("HTML", html_path)] + ([("print HTML", print_html_path)] if print_html_path is not None else [])
    editions = {"HTML": "html", "print HTML": "briefing_pdf", "PDF": "briefing_pdf", "DOCX": "briefing_pdf"}
    allowed = lambda: allowed_numbers(briefing, package_path, templates)  # noqa: E731
    return check(pages, pdf_path, allowed, briefing["figures"], editions, documents)


def check(
    pages: list[tuple[str, str | Path]],
    pdf_path: str | Path | None,
    allowed_numbers: Callable[[], set[str]],
    figures: Iterable[RegisteredFigure] = (),
    editions: dict[str, str] | None = None,
    documents: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """Numbers outside `allowed_numbers()` in each (label, HTML file), in each (label, text) of
    `documents` (the Word edition's) and in the PDF, which was made from the last of the HTML files
    (its figures' axis labels count as sourced there). And the registry's `figures` not found in a
    page, document (or the PDF, labelled "PDF") that `editions` names as the edition (html,
    briefing_pdf, modality_pdf) that prints them."""
    editions = editions or {}
    pdf = _PdfText(pdf_path) if pdf_path is not None else None
    try:
        allowed = allowed_numbers()
        problems: list[str] = []
        for label, path in pages:
            read = _Strings.read(Path(path).read_text(encoding="utf-8"))
            text = _text(read)
            problems += [f"{label}: {p}" for p in unsourced(text, allowed)]
            if label in editions:
                problems += not_found(figures, editions[label], text, label, ordered=True)
        for label, text in documents:
            problems += [f"{label}: {p}" for p in unsourced(text, allowed)]
            if label in editions:
                problems += not_found(figures, editions[label], text, label, ordered=True)
    except BaseException:
        if pdf is not None:
            pdf.stop()
        raise
    if pdf is not None:
        pdf_pages_text = _pages(pdf)
        page_numbers = {str(i) for i in range(1, len(pdf_pages_text) + 1)} | _labels(read)
        for number, page in enumerate(pdf_pages_text, start=1):
            problems += [f"PDF page {number}: {p}" for p in unsourced(page, allowed, page_numbers)]
        if "PDF" in editions:
            # pdftotext -layout sets a table's cells side by side: the PDF keeps the print HTML's
            # numbers, not their order, which the print HTML's check has already held.
            problems += not_found(figures, editions["PDF"], "\n".join(pdf_pages_text), "PDF", ordered=False)
    return problems


class _Printed:
    """A page's text as the second direction reads it: its numbers, and (for an HTML page, read in
    order) the runs of two and three consecutive numbers that the figures print, so that "884/1321"
    or "0.66 to 1.08" is found as printed together, not as two numbers anywhere. One pass over the
    page; only the runs `wanted` are kept (a large briefing has millions of numbers)."""

    def __init__(self, text: str, ordered: bool, wanted: AbstractSet[tuple[str, ...]] = frozenset()) -> None:
        sequence = _all_numbers([text])
        self.text = " ".join(text.split()).lower()
        self.numbers = set(sequence)
        self.ordered = ordered
        runs = zip(sequence, sequence[1:], strict=False), zip(sequence, sequence[1:], sequence[2:], strict=False)
        self.runs = {run for part in runs for run in part if run in wanted} if ordered else set()

    @staticmethod
    def runs_of(form: str) -> list[tuple[str, ...]]:
        """The runs of numbers a form is found by: the whole of a short form, each three in a row of a long one."""
        found = numbers(form)
        return [tuple(found[i : i + 3]) for i in range(max(1, len(found) - 2))] if len(found) > 1 else []

    def has(self, form: str) -> bool:
        found = numbers(form)
        if not found:  # words only ("two"): the words, case and spacing aside, where read in order
            return (
                not self.ordered
                or re.search(rf"(?<!\w){re.escape(' '.join(form.split()).lower())}(?!\w)", self.text) is not None
            )
        if not self.ordered or len(found) == 1:
            return all(n in self.numbers for n in found)
        return all(run in self.runs for run in self.runs_of(form))


def forms(figure: RegisteredFigure, edition: str) -> list[tuple[str, ...]]:
    """What a reader sees of a registry entry, as numbers.py and wording.py print it: each form with
    its alternatives (a count of 1 to 9 may be printed as a word: "two case series"). The forest
    plots and tables of `detail` are printed where the per-study detail is, not in the briefing's PDF."""
    found: list[tuple[str, ...]] = []
    for key in ("value_text", "sd_text", "studies"):
        if figure.get(key) is not None:
            text = str(figure[key])
            word = wording.count_words(int(text)) if text.isdigit() else text
            found.append((text, word) if word != text else (text,))
    if figure.get("ci_low_text") and figure.get("ci_high_text"):
        found.append((f"{figure['ci_low_text']} to {figure['ci_high_text']}",))
    if figure.get("events") is not None and figure.get("denominator") is not None:
        found.append((f"{figure['events']}/{figure['denominator']}",))
    elif figure.get("denominator") is not None:
        found.append((str(figure["denominator"]),))
    texts = (figure.get("shown") or []) + ((figure.get("detail") or []) if edition != "briefing_pdf" else [])
    return found + [(t,) for t in texts if t and t.strip()]


def not_found(figures: Iterable[RegisteredFigure], edition: str, text: str, label: str, ordered: bool) -> list[str]:
    """The registry's figures said to be printed in `edition` whose forms the page's `text` lacks,
    each named; `ordered`: the text is in reading order (an HTML page, not a PDF's layout)."""
    listed = [(f, forms(f, edition)) for f in figures if edition in f.get("printed_in", ())]
    wanted = {run for _, found in listed for form in found for t in form for run in _Printed.runs_of(t)}
    page = _Printed(text, ordered, wanted)
    problems = []
    for figure, found in listed:
        for form in found:
            if not any(page.has(alternative) for alternative in form):
                name = figure.get("label") or figure.get("field") or figure["table"]
                where = EDITION_NAMES[edition]
                problems.append(
                    f"{label}: figure {figure['id']} ({name}) is registered as printed in the {where}, "
                    f"but {form[0]!r} is not found there"
                )
                break
    return problems


EDITION_NAMES = {"html": "HTML", "briefing_pdf": "briefing's PDF", "modality_pdf": "modality's PDF"}
