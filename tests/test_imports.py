"""The code inputs of each rule: the modules a step imports, found from the source (briefing/build/imports.py)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from briefing.build import imports
from conftest import ROOT


def found(source: str) -> set[str]:
    return imports.imported_modules(ast.parse(source))


@pytest.mark.parametrize(
    "source, modules",
    [
        ("from . import a, b", {"a", "b"}),
        ("from .a import x", {"a", "a.x"}),  # x may be a function: closure drops what is no module
        ("from .a.b import x", {"a", "a.b", "a.b.x"}),
        ("from briefing import a", {"a"}),
        ("from briefing.a import x", {"a", "a.x"}),
        ("import briefing.a", {"a"}),
        # A module in a subpackage, and the subpackage, whose __init__ runs first.
        ("from briefing.stats import meta", {"stats", "stats.meta"}),
        ("import briefing.stats.meta", {"stats", "stats.meta"}),
        ("import briefing", set()),
        ("def f():\n    if True:\n        from . import a\n", {"a"}),  # inside functions too
        ("import json\nfrom collections import abc\nfrom .. import up\nfrom other import a", set()),
        # An import for annotations only runs nothing (wording's EvidenceBase from surveillance_flow).
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\nelse:\n    from . import b", {"b"}),
        ("import typing\nif typing.TYPE_CHECKING:\n    from .a import X", set()),
    ],
)
def test_every_form_of_import_is_found(source, modules):
    assert found(source) == modules


def write_package(folder: Path, modules: dict[str, str]) -> Path:
    folder.mkdir()
    for name, source in modules.items():
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
    return folder


def test_a_step_runs_its_commands_modules_and_what_they_import(tmp_path):
    package = write_package(
        tmp_path / "briefing",
        {
            "__init__": "",
            "__main__": "from .cli import main\n",
            "cli": (
                "import json\n\n"
                "def _helper():\n    from . import shared\n\n"
                "def cmd_one(args):\n    from . import one\n    return _helper()\n\n"
                "def cmd_two_words(args):\n    from .two import run\n"
            ),
            "one": "from .deep import x\n",
            "deep": "def x():\n    from . import deeper\n",
            "deeper": "",
            "shared": "",
            "two": "from . import helper_function_not_a_module\n",
            "unused": "",
        },
    )
    entry = ["__init__", "__main__", "cli"]
    assert imports.step_modules("one", package_dir=package) == sorted(entry + ["one", "deep", "deeper", "shared"])
    assert imports.step_modules("two-words", package_dir=package) == sorted(entry + ["two"])
    with pytest.raises(ValueError, match="cmd_three"):
        imports.step_modules("three", package_dir=package)


def test_a_notebooks_imports_count_for_the_notebook_step(tmp_path):
    notebook = tmp_path / "n.ipynb"
    cells = [
        {"cell_type": "markdown", "source": ["from briefing import not_code"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "!ls\n", "from briefing import summary as s\n"]},
    ]
    notebook.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert imports.notebook_imports(notebook) == {"summary"}


def test_source_that_does_not_parse_leaves_the_failing_to_the_step(tmp_path):
    package = write_package(
        tmp_path / "briefing",
        {"__init__": "", "__main__": "", "cli": "def cmd_one(args):\n    from . import one\n", "one": "def (:\n"},
    )
    assert imports.step_modules("one", package_dir=package) == ["__init__", "__main__", "cli", "one"]
    (package / "cli.py").write_text("def cmd_one(:\n", encoding="utf-8")
    assert imports.step_modules("one", package_dir=package) == ["__init__", "__main__", "cli"]
    notebook = tmp_path / "n.ipynb"
    cells = [{"cell_type": "code", "source": ["x = (\n"]}, {"cell_type": "code", "source": ["import briefing.one"]}]
    notebook.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert imports.notebook_imports(notebook) == {"one"}


def modules_of(step: str, notebook: Path | None = None) -> set[str]:
    """The step's modules by their own names (`meta` for `stats.meta`)."""
    return {name.rpartition(".")[2] for name in imports.step_modules(step, notebook)}


def test_the_real_steps():
    audit = modules_of("audit")
    assert "audit" in audit and not {"summary", "effects", "figures", "render"} & audit
    assert "audit" not in modules_of("combine") | modules_of("pdf")
    notebook = modules_of("notebook", ROOT / "notebooks" / "modality.ipynb")
    # summary (the notebook's import), meta (imported inside a pooling function), not render.
    assert {"summary", "effects", "figures", "pooling", "meta", "notebook"} <= notebook
    assert "render" not in notebook and "audit" not in notebook
    assert imports.step_modules("publish") == ["__init__", "__main__", "cli", "core", "core.publish"]
    for step in ("validate", "slice", "combine", "html", "pdf", "audit", "publish"):
        assert not {"site", "synthetic", "scaffold", "dictionary", "imports"} & modules_of(step)


def test_a_module_in_a_subpackage_brings_its_packages_init(tmp_path):
    package = write_package(
        tmp_path / "briefing",
        {"__init__": "", "__main__": "", "cli": "def cmd_go(args):\n    from briefing.stats import meta\n"},
    )
    write_package(package / "stats", {"__init__": "", "meta": "from briefing.core.numbers import f\n"})
    write_package(package / "core", {"__init__": "", "numbers": "def f():\n    pass\n"})
    assert imports.step_files("go", package_dir=package) == sorted(
        str(package / p)
        for p in (
            "__init__.py",
            "__main__.py",
            "cli.py",
            "stats/__init__.py",
            "stats/meta.py",
            "core/__init__.py",
            "core/numbers.py",
        )
    )


def test_the_code_inputs_are_kept_between_runs_until_a_module_changes(tmp_path, monkeypatch):
    """A no-op parsed the whole package on every start; the answers are kept, keyed on the sources."""
    package = write_package(
        tmp_path / "pkg", {"__init__": "", "__main__": "", "cli": "def cmd_go():\n    from . import a\n", "a": ""}
    )
    cache_file = tmp_path / ".snakemake" / "briefing-code-inputs.json"
    imports._sources_digest.cache_clear()
    first = imports.cached_step_files("go", package_dir=package, cache_file=cache_file)
    assert first == imports.step_files("go", package_dir=package) and cache_file.exists()

    def parse_again(*args, **kwargs):
        raise AssertionError("the package was parsed again")

    monkeypatch.setattr(imports, "step_files", parse_again)
    assert imports.cached_step_files("go", package_dir=package, cache_file=cache_file) == first
    monkeypatch.undo()
    (package / "a.py").write_text("from . import b\n", encoding="utf-8")
    (package / "b.py").write_text("", encoding="utf-8")
    imports._sources_digest.cache_clear()  # a new process, as the next Snakemake run is
    again = imports.cached_step_files("go", package_dir=package, cache_file=cache_file)
    assert again == sorted(first + [str(package / "b.py")])
    assert list(json.loads(cache_file.read_text())) == [imports._sources_digest(str(package))]


def test_the_steps_with_and_without_a_notebook_keep_each_others_answers(tmp_path, monkeypatch):
    """Keyed on the notebook too, each step's answer dropped the other's: every run parsed again."""
    package = write_package(
        tmp_path / "pkg", {"__init__": "", "__main__": "", "cli": "def cmd_go():\n    from . import a\n", "a": ""}
    )
    notebook = tmp_path / "step.ipynb"
    cell = {"cell_type": "code", "source": ["from pkg import a\n"], "metadata": {}, "outputs": []}
    notebook.write_text(json.dumps({"cells": [cell]}), encoding="utf-8")
    cache_file = tmp_path / ".snakemake" / "briefing-code-inputs.json"
    imports._sources_digest.cache_clear()
    imports._file_digest.cache_clear()
    first = imports.cached_step_files("go", package_dir=package, cache_file=cache_file)
    with_notebook = imports.cached_step_files("go", notebook, package_dir=package, cache_file=cache_file)

    def parse_again(*args, **kwargs):
        raise AssertionError("the package was parsed again")

    monkeypatch.setattr(imports, "step_files", parse_again)
    imports._sources_digest.cache_clear()  # the next run, a new process
    imports._file_digest.cache_clear()
    assert imports.cached_step_files("go", package_dir=package, cache_file=cache_file) == first
    assert imports.cached_step_files("go", notebook, package_dir=package, cache_file=cache_file) == with_notebook
    monkeypatch.undo()
    notebook.write_text(json.dumps({"cells": []}), encoding="utf-8")  # an edit of the notebook asks again
    imports._file_digest.cache_clear()
    monkeypatch.setattr(imports, "step_files", lambda *a, **k: ["asked again"])
    assert imports.cached_step_files("go", notebook, package_dir=package, cache_file=cache_file) == ["asked again"]


def test_a_build_leaves_the_answers_of_every_step_under_one_key(built):
    """The real build's Snakemake start: the notebook step's answer and the others' are all kept,
    so the next run (a no-op) parses nothing."""
    table = json.loads((built / ".snakemake" / "briefing-code-inputs.json").read_text(encoding="utf-8"))
    assert len(table) == 1
    entries = next(iter(table.values()))
    with_notebook = [e for e in entries if e.split(" ")[1]]
    assert with_notebook and len(entries) > len(with_notebook)
