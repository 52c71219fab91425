"""The import contract (pyproject.toml [tool.importlinter], import-linter): no cycle among the
package's modules, each module in its layer (issue 32's), and the statistics and GRADE modules
never word, lay out or draw (they return findings.py values that present.py words). No import is
exempt."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    # Run from workflow/, where the package `briefing` is importable by its name.
    return subprocess.run(
        [str(LINT_IMPORTS), str(root / "pyproject.toml"), "--no-cache"],
        cwd=root / "workflow",
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def planted(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess:
    shutil.copytree(ROOT / "workflow" / "briefing", tmp_path / "workflow" / "briefing")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / "workflow" / "briefing" / f"{module}.py"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return lint_imports(tmp_path)


def test_a_statistics_module_that_words_its_result_breaks_the_contract(tmp_path):
    result = planted(tmp_path, "meta", "from . import wording  # noqa")
    assert result.returncode == 1
    assert "briefing.meta is not allowed to import briefing.wording" in result.stdout


def test_a_new_cycle_breaks_the_contract(tmp_path):
    result = planted(tmp_path, "numbers", "from . import wording  # noqa")  # wording imports numbers
    assert result.returncode == 1
    assert "No cycles are allowed" in result.stdout and "removing 1 dependency" in result.stdout


def layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    [contract] = [c for c in config["contracts"] if c["type"] == "layers"]
    return [[m.strip() for m in layer.split(":")] for layer in contract["layers"]]


def test_every_module_has_its_layer():
    """A module left out of the layers would be free to import anything."""
    placed = [m for layer in layers() for m in layer]
    modules = sorted(p.stem for p in (ROOT / "workflow" / "briefing").glob("*.py") if p.stem != "__init__")
    assert sorted(placed) == modules


def test_a_lower_layer_that_imports_a_higher_one_breaks_the_contract(tmp_path):
    result = planted(tmp_path, "evidence", "from . import summary  # noqa")
    assert result.returncode == 1
    assert "briefing.evidence is not allowed to import briefing.summary" in result.stdout
