"""The import contract (pyproject.toml [tool.importlinter], import-linter): the subpackages are
layers, each importing only from those below it (so statistics and GRADE never word, lay out or
draw), and no module imports itself through others. The imports that still break a contract are
listed there; the list only shrinks."""

from __future__ import annotations

import shutil
import subprocess
import sys
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
    path = tmp_path / "workflow" / "briefing" / f"{module.replace('.', '/')}.py"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return lint_imports(tmp_path)


def test_a_statistics_module_that_words_its_result_breaks_the_contract(tmp_path):
    result = planted(tmp_path, "stats.meta", "from briefing.present import wording  # noqa")
    assert result.returncode == 1
    assert "briefing.stats is not allowed to import briefing.present" in result.stdout
    assert "briefing.stats.meta -> briefing.present.wording" in result.stdout


def test_a_new_cycle_breaks_the_contract(tmp_path):
    # wording imports numbers: numbers importing wording closes a cycle (and breaks the layers).
    result = planted(tmp_path, "core.numbers", "from briefing.present import wording  # noqa")
    assert result.returncode == 1
    assert "No cycles are allowed" in result.stdout and "removing 1 dependency" in result.stdout


def test_a_lower_layer_that_imports_a_higher_one_breaks_the_contract(tmp_path):
    result = planted(tmp_path, "data.evidence", "from briefing.assemble import summary  # noqa")
    assert result.returncode == 1
    assert "briefing.data is not allowed to import briefing.assemble" in result.stdout
