"""HTML from the Jinja templates, and the PDF from that same HTML with WeasyPrint."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from briefing.present import wording

SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
# Characters a CSS string in a <style> element cannot hold as themselves: its quotes, backslash and
# line breaks, and what the HTML around it reads (`</style>`; entities are not decoded there, so an
# autoescaped `&amp;` printed as such in a PDF's running header).
CSS_UNSAFE = frozenset("\\\"'<>&")
# The page's own inline elements, which its Content-Security-Policy allows by their SHA-256.
INLINE = re.compile(r"<(style|script)>(.*?)</\1>", re.S)
# Where the template puts the policy, filled in once the page is rendered (its hashes are of it).
CSP_SLOT = "content-security-policy-of-this-page"
# Matplotlib's SVG styles, written as presentation attributes (a strict CSP blocks style=""): every
# property its SVG backend writes has one.
SVG_TAG = re.compile(r"<[a-zA-Z][^>]*>")  # a start tag: a label's text is left as it is
SVG_STYLE = re.compile(r'\sstyle="([^"]*)"')
SVG_STYLE_ELEMENT = re.compile(r'\s*<style type="text/css">\*\{([^}<]*)\}</style>')
SVG_PRESENTATION = frozenset(
    "fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin stroke-miterlimit"
    " stroke-dasharray stroke-dashoffset stroke-opacity opacity font-family font-size font-style"
    " font-weight font-variant font-stretch text-anchor dominant-baseline clip-path clip-rule color display"
    " visibility stop-color stop-opacity".split()
)


def environment(templates: str | Path) -> jinja2.Environment:
    """Jinja for the templates in the folder `templates` (the caller says where: the workflow passes
    the project's templates/, so that the package need not be installed in place)."""
    # Autoescape everything: every string in the context comes from curated data.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["svg"] = trusted_svg
    # Jinja's `capitalize` lower-cases the rest ("REML" -> "reml"); only the first letter changes.
    # How a name or phrase is cased inside a sentence: the wording module decides, the template applies.
    env.filters["sentence_start"] = wording.sentence_start
    env.filters["in_sentence"] = wording.name_in_sentence
    env.filters["citation_runs"] = citation_runs
    # A running header's text, as a CSS string: autoescaping is HTML's, and a <style> is not HTML.
    env.filters["css_string"] = lambda text: Markup(css_string(str(text)))
    env.filters["arm_size"] = wording.arm_size_text
    return env


def citation_runs(study_ids: list[str], numbers: dict[str, int]) -> list[tuple[str, ...]]:
    """The studies in reference-number order, as Vancouver groups them: a run of three or more
    consecutive numbers as (first, last), anything else one by one as (study,)."""
    runs: list[list[str]] = []
    for study in sorted(dict.fromkeys(study_ids), key=numbers.__getitem__):
        if runs and numbers[study] == numbers[runs[-1][-1]] + 1:
            runs[-1].append(study)
        else:
            runs.append([study])
    grouped: list[tuple[str, ...]] = []
    for run in runs:
        grouped += [(run[0], run[-1])] if len(run) >= 3 else [(study,) for study in run]
    return grouped


def css_string(text: str) -> str:
    """`text` as a quoted CSS string (a running header's `content:`): each unsafe or control
    character written as a CSS escape, so the PDF prints the text exactly as the data hold it."""
    body = "".join(f"\\{ord(c):x} " if c in CSS_UNSAFE or ord(c) < 32 else c for c in text)
    return f'"{body}"'


def trusted_svg(svg: str) -> Markup:
    """SVG written by matplotlib from our figures module: text inside is XML-escaped by
    matplotlib, and anything that could run is refused."""
    # Only tags and their attributes can run: a label's words ("javascript: none") are text.
    lowered = re.sub(r">[^<]*<", "><", svg.lower())
    if "<script" in lowered or "javascript:" in lowered or "foreignobject" in lowered:
        raise ValueError("figure SVG contains active content")
    # Matplotlib's RDF <metadata> (creator, format) is not allowed in HTML's inline SVG.
    return Markup(svg_without_css(SVG_METADATA.sub("", svg)))


def _presentation(declarations: str) -> str:
    """CSS declarations ("fill: none; stroke: #ccc") as SVG presentation attributes."""
    attributes = []
    for declaration in filter(str.strip, declarations.split(";")):
        name, _, value = (part.strip() for part in declaration.partition(":"))
        if name not in SVG_PRESENTATION:
            raise ValueError(f"figure SVG style {name!r} has no presentation attribute")
        attributes.append(f' {name}="{value}"')
    return "".join(attributes)


def svg_without_css(svg: str) -> str:
    """The same drawing without CSS, so that the page's CSP needs no 'unsafe-inline': each style=""
    as presentation attributes, and the <style> default for every element (`*{...}`, which an
    element's own style overrides) as inherited attributes of the root <svg>, which an element's
    own attributes override in the same way."""
    defaults = SVG_STYLE_ELEMENT.search(svg)
    svg = SVG_STYLE_ELEMENT.sub("", svg)
    if defaults:
        svg = svg.replace("<svg", "<svg" + _presentation(defaults.group(1)), 1)
    svg = SVG_TAG.sub(lambda tag: SVG_STYLE.sub(lambda m: _presentation(m.group(1)), tag.group(0)), svg)
    if "<style" in svg:
        raise ValueError("figure SVG has a <style> element other than matplotlib's defaults")
    return svg


def content_security_policy(html: str) -> str:
    """Nothing fetched, nothing inline but the page's own <style> and <script> elements, each
    allowed by its SHA-256 (no 'unsafe-inline'), and images only as data: URLs."""
    sources: dict[str, list[str]] = {"style": [], "script": []}
    for tag, body in INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        if f"'sha256-{digest}'" not in sources[tag]:
            sources[tag].append(f"'sha256-{digest}'")
    allowed = [f"{tag}-src {' '.join(found)}" for tag, found in sources.items() if found]
    return "; ".join(["default-src 'none'", *allowed, "img-src data:"])


def render_html(
    context: dict[str, Any], templates: str | Path, template: str = "briefing.html.j2", print_edition: bool = False
) -> str:
    """The briefing as reviewers read it, or (print_edition) as briefing.pdf prints it: the synthesis,
    without the per-study detail, which each modality's own PDF prints (modality_print.py). So the
    briefing's PDF grows with the modalities and their outcomes rather than the studies: WeasyPrint
    holds every page until it writes (Kozea/WeasyPrint#1824)."""
    env = environment(templates)
    css = (Path(templates) / "briefing.css").read_text(encoding="utf-8")
    # `cited`: the works the page cites, filled as it renders (the print edition's reference list).
    # `listed_apart`: in print, the works of a modality of more than print_cites_max studies are
    # cited by number only, their list left to its PDF, so that the briefing's references grow
    # with the modalities, not the studies.
    apart = set()
    if print_edition:
        for m in context.get("modalities", []):
            works = [s["study_id"] for s in m["primary_studies"] + m["reviews"]]
            if len(works) > context["print_cites_max"]:
                apart.update(works)
    search = (Path(templates) / "briefing_search.js").read_text(encoding="utf-8")
    html = env.get_template(template).render(
        css=Markup(css),
        search_script=Markup(search),
        content_security_policy=CSP_SLOT,
        print_edition=print_edition,
        cited=set(),
        listed_apart=apart,
        **context,
    )
    return html.replace(CSP_SLOT, content_security_policy(html), 1)


def _cached_page_references(pdf: Any) -> tuple[bytes, ...]:
    """pydyf's PDF.page_references, built once per page count instead of on every call."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_page_references"] = cached
    return cached[1]


@contextmanager
def _fast_page_references() -> Iterator[None]:
    """WeasyPrint's PDF/UA tagging and its links look up one page's reference at a time through
    pydyf's `page_references`, which builds the tuple of every page's reference on each call:
    time grows as text boxes x pages (at 5,000 studies, minutes after the layout had finished).
    Pages are only ever appended to "Kids", so a tuple cached by page count is the same tuple;
    tests/test_pdf.py checks that the PDF is byte-identical with and without this."""
    import pydyf

    original = pydyf.PDF.__dict__.get("page_references")
    if not isinstance(original, property):  # another pydyf: leave it as it is
        yield
        return
    pydyf.PDF.page_references = property(_cached_page_references)
    try:
        yield
    finally:
        pydyf.PDF.page_references = original


# PDF/UA-1: tagged, so that a screen reader follows the structure of the HTML.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "custom_metadata": True}


def print_layout(html: str, epoch: int | None = None) -> Any:
    """WeasyPrint's laid-out pages (a `weasyprint.Document`) of the briefing's print edition."""
    import weasyprint

    from briefing.present.typesetting import pinned_fonts

    # No base URL: the HTML is self-contained, and resolving its relative links (the notebook
    # pages) would write this machine's absolute paths into the PDF.
    with pinned_fonts(epoch):
        return weasyprint.HTML(string=html, base_url=None).render()


def pdf_bytes(document: Any, epoch: int | None = None) -> bytes:
    """The PDF of laid-out pages; `epoch` dates its fonts (typesetting.pinned_fonts)."""
    from briefing.present.typesetting import pinned_fonts

    with pinned_fonts(epoch), _fast_page_references():
        return document.write_pdf(**PDF_OPTIONS)


def pdf_memory_mb(html_bytes: int) -> int:
    """The memory (MB) to declare for printing an HTML file of `html_bytes` to PDF. WeasyPrint holds
    every laid-out page until it writes (Kozea/WeasyPrint#1824), so the peak follows the HTML's
    size: measured 113 MiB for the seeds' 0.10 MB, 729 MiB for 1.52 MB (30 x 1,000) and 2,270 MiB
    for 4.95 MB (100 x 5,000), about 460 MiB per MB (bench/RESULTS.md). Declared with a fifth to
    spare, and never under 1,000 MB."""
    return max(1000, round(1.2 * (100 + 460 * html_bytes / 1e6) * 1.048576))


def render_pdf(html_path: str | Path, pdf_path: str | Path) -> None:
    """The PDF of the print edition (render_html(..., print_edition=True)): the same context and
    template as the HTML reviewers read, so the two cannot drift apart."""
    from briefing.core.publish import write_atomic

    write_atomic(pdf_path, pdf_bytes(print_layout(Path(html_path).read_text(encoding="utf-8"))))
