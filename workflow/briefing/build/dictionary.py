"""The data dictionary (data/README.md), generated from the descriptor so that it cannot drift from
the columns validation checks: `python -m briefing dictionary` writes it, and a test fails when the
committed file is not what the descriptor gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from briefing.core.vocabulary import COLUMNS, labels
from briefing.data.evidence import read_package_descriptor
from briefing.present.render import environment

TEMPLATE = "data_dictionary.md.j2"


def _allowed(field: dict[str, Any], words: dict[str, str]) -> str:
    c = field.get("constraints", {})
    parts = []
    if "enum" in c:
        parts.append("one of " + ", ".join(f"`{v}`" + (f" ({words[v]})" if words.get(v) else "") for v in c["enum"]))
    if "minimum" in c or "maximum" in c:
        parts.append(f"{c.get('minimum', '')}–{c.get('maximum', '')}".strip("–"))
    if c.get("unique"):
        parts.append("unique")
    return "; ".join(parts)


def columns(resource: dict[str, Any]) -> list[dict[str, str]]:
    schema = resource["schema"]
    vocabulary = {name: labels(registry) for (table, name), registry in COLUMNS.items() if table == resource["name"]}
    links = {
        fk["fields"][0]: f"{fk['reference']['resource']}.{fk['reference']['fields'][0]}"
        for fk in schema.get("foreignKeys", [])
    }
    return [
        {
            "name": f["name"],
            "type": f.get("type", "string"),
            "required": "yes" if f.get("constraints", {}).get("required") else "",
            "allowed": "; ".join(
                filter(
                    None,
                    [
                        _allowed(f, vocabulary.get(f["name"], {})),
                        links.get(f["name"]) and f"an id in {links[f['name']]}",
                    ],
                )
            ),
            "description": f.get("description", ""),
        }
        for f in schema["fields"]
    ]


def render(package_path: str | Path, templates: str | Path) -> str:
    descriptor = read_package_descriptor(Path(package_path))
    env = environment(templates)
    env.autoescape = False  # Markdown, not HTML
    tables = [{"name": r["name"], "path": r["path"], "columns": columns(r)} for r in descriptor["resources"]]
    return env.get_template(TEMPLATE).render(tables=tables).rstrip() + "\n"


def write(package_path: str | Path, out: str | Path, templates: str | Path) -> None:
    from briefing.core.publish import write_atomic

    write_atomic(out, render(package_path, templates))
