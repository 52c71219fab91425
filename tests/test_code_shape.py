"""Every function of the package and of the benchmark (bench/) fits on a screen (CONTRIBUTING.md): at
most 60 lines, or a one-line reason on its def line or as the first line of its body ("# long: one
seeded pass ...")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

LIMIT = 60
REASON = re.compile(r"#\s*long\b", re.IGNORECASE)


def long_functions(path: Path) -> list[str]:
    """The functions of a module over LIMIT lines without a reason, as "file:line name (n lines)"."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = node.end_lineno - node.lineno + 1
        body = node.body[0].lineno - 1  # the first statement, after the signature
        head = lines[node.lineno - 1 : body + 1]
        if length > LIMIT and not any(REASON.search(line) for line in head):
            found.append(f"{path.name}:{node.lineno} {node.name} ({length} lines)")
    return found


@pytest.mark.parametrize("folder", ["workflow/briefing", "bench"])
def test_every_function_of_the_package_and_the_benchmark_fits_on_a_screen(folder):
    found = [f"{p.parent.name}/{f}" for p in sorted((ROOT / folder).rglob("*.py")) for f in long_functions(p)]
    assert found == [], f"functions over {LIMIT} lines without a '# long:' reason:\n" + "\n".join(found)


def test_the_scan_finds_a_long_function_and_takes_a_reason(tmp_path):
    """The test above can fail: a planted 61-line function is found, and not once it gives a reason."""
    body = "".join(f"    x{i} = {i}\n" for i in range(LIMIT - 1))
    module = tmp_path / "planted.py"
    module.write_text(f"def planted():\n{body}")
    assert long_functions(module) == []  # 60 lines: on the screen
    module.write_text(f"def planted():\n{body}    return x0\n")
    assert long_functions(module) == ["planted.py:1 planted (61 lines)"]
    module.write_text(f"def planted():  # long: a table of {LIMIT} rows\n{body}    return x0\n")
    assert long_functions(module) == []
