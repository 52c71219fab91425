"""Rows shown as a table in the modality notebook, without pandas: importing pandas was about
0.3 s of every notebook job's kernel (bench/PROFILE-21.md), for display only.

The HTML is the markup pandas' DataFrame gave these tables in a notebook, so the tables on the
pages did not change: an index column, `<`, `>` and `&` escaped, and a value longer than 119
characters cut to 116 and "..." (the notebook's `display.max_colwidth` of 120 counted the space
pandas put before each value). Unlike pandas, every row is shown (pandas showed 10 rows of a
table longer than 60), a number is shown as it is (pandas showed the integers of a column with a
gap as floats, "58.0"), and a missing value as "NaN" also in a column with no value at all
(pandas: "None")."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

MAX_WIDTH = 120

# pandas' notebook style; the page's template drops it (not valid inside a <div>) and restates it.
_STYLE = """<style scoped>
    .dataframe tbody tr th:only-of-type {
        vertical-align: middle;
    }

    .dataframe tbody tr th {
        vertical-align: top;
    }

    .dataframe thead th {
        text-align: right;
    }
</style>
"""


def cell_text(value: Any, missing: str = "NaN") -> str:
    """A value as the table shows it: None as `missing`, tabs and line breaks as `\\t` and `\\n`
    (a row stays one line), cut to fit MAX_WIDTH with a space before it."""
    text = missing if value is None else str(value)
    text = text.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return (text if len(text) < MAX_WIDTH else text[: MAX_WIDTH - 4] + "...").strip()


class Table:
    """`rows` (mappings, or sequences in the order of `columns`) as a table of `columns` (by
    default every key of the rows, in order of first appearance)."""

    def __init__(
        self,
        rows: Sequence[Mapping[str, Any] | Sequence[Any]],
        columns: Sequence[str] | None = None,
        missing: str = "NaN",
    ):
        if columns is None:
            columns = list(dict.fromkeys(key for row in rows for key in row))
        self.columns = list(columns)
        self.rows = [
            [cell_text(row.get(c) if isinstance(row, Mapping) else row[i], missing) for i, c in enumerate(self.columns)]
            for row in rows
        ]

    def _repr_html_(self) -> str:
        def line(depth: int, text: str) -> str:
            return "  " * depth + text + "\n"

        out = ["<div>\n", _STYLE, '<table border="1" class="dataframe">\n', line(1, "<thead>")]
        out.append(line(2, '<tr style="text-align: right;">'))
        out += [line(3, "<th></th>")] + [
            line(3, f"<th>{html.escape(cell_text(c), quote=False)}</th>") for c in self.columns
        ]
        out += [line(2, "</tr>"), line(1, "</thead>"), line(1, "<tbody>")]
        for index, row in enumerate(self.rows):
            out += [line(2, "<tr>"), line(3, f"<th>{index}</th>")]
            out += [line(3, f"<td>{html.escape(text, quote=False)}</td>") for text in row]
            out.append(line(2, "</tr>"))
        out += [line(1, "</tbody>"), "</table>\n", "</div>"]
        return "".join(out)

    def __repr__(self) -> str:
        """Plain text (the executed notebook's fallback): columns padded to their widest value."""
        lines = [[""] + [str(c) for c in self.columns]] + [[str(i)] + row for i, row in enumerate(self.rows)]
        widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
        return "\n".join(
            "  ".join(text.rjust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in lines
        )
