"""The executed notebook of a modality as one offline HTML page (nbconvert, JupyterLab look)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from .render import TEMPLATES


def notebook_to_html(notebook_path: str | Path) -> str:
    notebook = nbformat.read(str(notebook_path), as_version=4)
    # papermill records start/end times and durations; they are not part of the evidence and
    # would make every rebuild differ.
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES / "nbconvert")])
    exporter.exclude_anchor_links = True
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": Path(notebook_path).stem}})
    return body
