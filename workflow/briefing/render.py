"""HTML from the Jinja templates, and the PDF from that same HTML with WeasyPrint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)


def environment(templates: str | Path = TEMPLATES) -> jinja2.Environment:
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
    env.filters["sentence_start"] = lambda text: text[:1].upper() + text[1:]
    return env


def trusted_svg(svg: str) -> Markup:
    """SVG written by matplotlib from our figures module: text inside is XML-escaped by
    matplotlib, and anything that could run is refused."""
    lowered = svg.lower()
    if "<script" in lowered or "javascript:" in lowered or "foreignobject" in lowered:
        raise ValueError("figure SVG contains active content")
    # Matplotlib's RDF <metadata> (creator, format) is not allowed in HTML's inline SVG.
    return Markup(SVG_METADATA.sub("", svg))


def render_html(context: dict[str, Any], template: str = "briefing.html.j2", templates: str | Path = TEMPLATES) -> str:
    env = environment(templates)
    css = (Path(templates) / "briefing.css").read_text(encoding="utf-8")
    return env.get_template(template).render(css=Markup(css), **context)


def render_pdf(html_path: str | Path, pdf_path: str | Path) -> None:
    """The PDF of the very HTML file reviewers read, so the two cannot drift apart."""
    import weasyprint

    from .publish import write_atomic

    # No base URL: the HTML is self-contained, and resolving its relative links (the notebook
    # pages) would write this machine's absolute paths into the PDF.
    document = weasyprint.HTML(string=Path(html_path).read_text(encoding="utf-8"), base_url=None)
    write_atomic(pdf_path, document.write_pdf(pdf_variant="pdf/ua-1", custom_metadata=True))
