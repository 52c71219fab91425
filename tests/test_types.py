"""The package type-checks (mypy, basic mode, configured in pyproject.toml [tool.mypy]): clean
modules stay clean, and the list of modules not yet clean only shrinks."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT

MYPY = Path(sys.executable).parent / "mypy"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
NOT_YET_CLEAN = {m for o in CONFIG.get("overrides", []) if o.get("ignore_errors") for m in o["module"]}


def mypy(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(MYPY), *args], cwd=root, capture_output=True, text=True, timeout=600)


def copy(tmp_path: Path, listed: set[str]) -> Path:
    """The package, the benchmark and a pyproject.toml whose list of modules not yet clean is `listed`."""
    for folder in ("workflow/briefing", "bench"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    names = "".join(f'    "{m}",\n' for m in sorted(listed))
    text = re.sub(
        r"(\[\[tool\.mypy\.overrides\]\]\nmodule = \[\n).*?(\])", lambda m: m[1] + names + m[2], text, flags=re.S
    )
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_package_type_checks():
    result = mypy(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.e2e  # mypy over a copy of the package, without a cache: 30 s, too slow for test-fast
def test_a_planted_type_error_in_a_clean_module_fails_the_check(tmp_path):
    root = copy(tmp_path, NOT_YET_CLEAN)
    numbers = root / "workflow" / "briefing" / "core" / "numbers.py"
    numbers.write_text(numbers.read_text(encoding="utf-8") + '\n\nPLANTED: int = "not a number"\n', encoding="utf-8")
    result = mypy(root)
    assert result.returncode == 1
    assert "numbers.py" in result.stdout and "PLANTED" not in result.stderr


def test_every_module_listed_as_not_yet_clean_still_fails():
    """Take a module off the list once it passes: the list is what is left to do, never more."""
    result = mypy(
        ROOT, "--config-file", "/dev/null", "--ignore-missing-imports", "--python-version", "3.11", "workflow/briefing"
    )
    failing = {
        "briefing." + name.replace("/", ".")
        for name in re.findall(r"^workflow/briefing/([\w/]+)\.py:\d+: error", result.stdout, flags=re.M)
    }
    assert NOT_YET_CLEAN == failing, (sorted(NOT_YET_CLEAN - failing), sorted(failing - NOT_YET_CLEAN))
