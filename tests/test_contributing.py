"""CONTRIBUTING.md's map of the package is the tree: a newcomer finds the room for a change from
the folder names, and the map never lists a module that moved or leaves out one that was added."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT

PACKAGE = ROOT / "workflow" / "briefing"
ROW = re.compile(r"^\| (`(\w+)/`|\(the package itself\)) \|.*\| ((?:`\w+\.py`(?:, )?)+) \|$", re.M)


def the_map() -> dict[str, set[str]]:
    """Folder ('' for the package itself) -> the modules CONTRIBUTING.md lists in it, in its order."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    return {m[2] or "": set(re.findall(r"`(\w+\.py)`", m[3])) for m in ROW.finditer(text)}


def the_tree(package=PACKAGE) -> dict[str, set[str]]:
    tree = {"": {p.name for p in package.glob("*.py") if p.name != "__init__.py"}}
    for folder in sorted(p for p in package.iterdir() if (p / "__init__.py").is_file()):
        tree[folder.name] = {p.name for p in folder.glob("*.py") if p.name != "__init__.py"}
    return tree


def test_the_map_lists_every_module_in_its_folder():
    assert the_map() == the_tree()


def test_the_map_lists_the_folders_in_the_order_of_the_layers():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in contracts["contracts"] if c["type"] == "layers")["layers"]
    folders = [name.removeprefix("briefing.") for name in layers if name.removeprefix("briefing.") in the_tree()]
    assert [f for f in the_map() if f] == folders


def test_a_module_left_off_the_map_is_found(tmp_path):
    """The test above can fail: a module added to a folder and not to the map."""
    copy = tmp_path / "briefing"
    for path in PACKAGE.rglob("*.py"):
        target = copy / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    (copy / "stats" / "bayes.py").write_text("", encoding="utf-8")
    assert the_tree(copy) != the_map()
    assert the_tree(copy)["stats"] - the_map()["stats"] == {"bayes.py"}
