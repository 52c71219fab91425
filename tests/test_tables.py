"""The notebook's tables without pandas: the same HTML as pandas' DataFrame gave them (so the
modality pages did not change), for the values the summaries hold."""

import json
from pathlib import Path

import pandas as pd
import pytest

from briefing.present.tables import MAX_WIDTH, Table, cell_text

ROOT = Path(__file__).resolve().parents[1]


def pandas_html(frame: pd.DataFrame) -> str:
    with pd.option_context("display.max_colwidth", MAX_WIDTH):
        return frame._repr_html_()


ROWS = [
    {"id": "a1", "name": "Sun 2026", "patients": 58, "note": "p < 0.001 & more", "flag": True},
    {"id": "b2", "name": "<img src=x onerror=alert(1)>", "patients": 7, "note": None, "flag": False},
    {"id": "c3", "name": "x" * 119, "patients": 0, "note": "y" * 120, "flag": True},
    {"id": "d4", "name": "z" * 115 + " word", "patients": 12, "note": "  padded  ", "flag": False},
    {"id": "e5", "name": "two\nlines\tand a tab", "patients": 1, "note": "'quoted' \"text\"", "flag": True},
]


def test_rows_show_as_pandas_showed_them():
    assert Table(ROWS)._repr_html_() == pandas_html(pd.DataFrame(ROWS))


def test_chosen_columns_in_their_order():
    columns = ["note", "id", "patients"]
    assert Table(ROWS, columns)._repr_html_() == pandas_html(pd.DataFrame(ROWS)[columns])


def test_rows_given_as_sequences_with_their_columns():
    rows = [["Random effects", "12.5 [8.1 to 19.0]", "0.04"], ["Common effect", "11.0 [9.0 to 13.2]", "0"]]
    columns = ["Model", "Estimate", "τ²"]
    assert Table(rows, columns)._repr_html_() == pandas_html(pd.DataFrame(rows, columns=columns))


def test_a_missing_value_shows_as_told():
    # As the notebook's study table did with pandas: .astype(object).where(notna, "not stated").
    rows = [{"study": "a", "lesions": None, "patients": 58}, {"study": "b", "lesions": None, "patients": 9}]
    frame = pd.DataFrame(rows)
    expected = pandas_html(frame.astype(object).where(frame.notna(), "not stated"))
    assert Table(rows, missing="not stated")._repr_html_() == expected


def test_every_key_once_in_order_of_first_appearance():
    table = Table([{"a": 1}, {"b": 2, "a": 3}])
    assert table.columns == ["a", "b"]
    assert table.rows == [["1", "NaN"], ["3", "2"]]


def test_an_integer_stays_an_integer_next_to_a_gap():
    # pandas made this column floats ("58.0"); the table shows the counts as written.
    assert Table([{"n": 58}, {"n": None}], missing="not stated").rows == [["58"], ["not stated"]]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("a" * 119, "a" * 119), ("a" * 120, "a" * 116 + "..."), ("a" * 115 + " bcdef", "a" * 115 + " ..."), (" a ", "a")],
)
def test_long_values_are_cut_as_pandas_cut_them(value, shown):
    assert cell_text(value) == shown


def test_plain_text_fallback_is_aligned():
    text = repr(Table([{"id": "a", "n": 5}, {"id": "bbb", "n": 12}]))
    assert text.splitlines() == ["    id   n", "0    a   5", "1  bbb  12"]


def test_the_notebook_does_not_import_pandas():
    # Its kernel would pay about 0.3 s for it (bench/PROFILE-21.md); the tables need only Table.
    notebook = json.loads((ROOT / "notebooks" / "modality.ipynb").read_text(encoding="utf-8"))
    source = "".join("".join(cell["source"]) for cell in notebook["cells"])
    assert "pandas" not in source and "pd." not in source
