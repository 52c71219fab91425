"""BeautifulSoup's own reading of a page: the reference the audit's streaming reader (audit._Strings)
is held to in tests/test_audit.py. Here, not in the package: only the tests build the tree."""

from __future__ import annotations

from bs4 import BeautifulSoup

from briefing.verify.audit import numbers


def html_text(html: str) -> str:
    """audit.html_text as BeautifulSoup reads it."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["svg", "style", "head", "script"]):
        tag.decompose()
    for tag in soup.select("details.config"):
        tag.decompose()
    return " ".join(soup.get_text(" ").split())


def axis_labels(html: str) -> set[str]:
    """audit.axis_labels as BeautifulSoup reads it."""
    soup = BeautifulSoup(html, "html.parser")
    return {n for svg in soup.find_all("svg") for text in svg.find_all("text") for n in numbers(text.get_text(" "))}
