"""Which modules of this package a build step runs, read from the source: the rules take exactly
these as code inputs (workflow/rules/common.smk), so that a change to a module re-runs only the
steps that import it, and a new import is followed without a list to keep by hand.

A step is `python -m briefing <command>`: `__main__`, `cli` and the modules its `cmd_<command>`
function imports (and the functions of cli.py it calls), then whatever those import, also inside
functions. The notebook step adds what the notebook's code cells import.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # briefing/, this module being in briefing/build/
NAME = PACKAGE.name
# What `python -m briefing <command>` loads before the command's own imports. cli.py imports each
# command's modules inside that command's function, so its imports are followed per command.
ENTRY = ("__init__", "__main__", "cli")


def imported_modules(tree: ast.AST, package: str = NAME) -> set[str]:
    """Dotted names, below the package, of what `tree` imports from it anywhere in it: for
    `from briefing.stats import meta`, `stats` and `stats.meta`; for `from briefing.stats.meta
    import f`, `stats`, `stats.meta` and `stats.meta.f`; `from . import x` and `import
    briefing.x.y` alike. Names that are not modules are kept: `closure` drops them."""
    found: set[str] = set()
    for node in _walk_run_time(tree):
        if isinstance(node, ast.ImportFrom):
            relative = node.level == 1
            if not relative and (node.level or not node.module or node.module.split(".")[0] != package):
                continue
            parts = (node.module or "").split(".")[0 if relative else 1 :]
            parts = [p for p in parts if p]
            found.update(_with_parents(parts))
            found.update(".".join([*parts, alias.name]) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package:
                    found.update(_with_parents(parts[1:]))
    return found


def _with_parents(parts: list[str]) -> list[str]:
    """`stats.meta` and the package it is in, `stats`: importing a module runs its package's
    `__init__` first."""
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def _walk_run_time(tree: ast.AST) -> Iterator[ast.AST]:
    """ast.walk, without the bodies of `if TYPE_CHECKING:`: an import for annotations only runs
    nothing, so a step does not depend on it (wording's EvidenceBase made every step that words
    depend on the surveillance code)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _parse(source: str) -> ast.Module:
    """The source's syntax tree; an empty one for source that does not parse, so that the workflow
    still parses and the step that runs the broken file is the one that fails, saying why."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _tree(path: Path) -> ast.Module:
    """A source file's syntax tree, parsed once per version of the file: Snakemake asks for the
    files of nine steps as it parses the workflow, and each step starts from cli.py."""
    stat = path.stat()
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parsed(path: Path, mtime_ns: int, size: int) -> ast.Module:
    return _parse(path.read_text(encoding="utf-8"))


def _module_imports(path: Path) -> frozenset[str]:
    return _imports_of(_tree(path))


@cache
def _imports_of(tree: ast.AST) -> frozenset[str]:
    return frozenset(imported_modules(tree))


def closure(modules: Iterable[str], package_dir: Path = PACKAGE, entry: Iterable[str] = ENTRY) -> set[str]:
    """`modules` and every module of the package they import, directly or not; the `entry` modules
    are included as they are, their imports not followed."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        path = module_path(name, package_dir)
        if name in seen or path is None:
            continue
        seen.add(name)
        if name not in entry:
            todo.extend(_module_imports(path))
    return seen


def module_path(name: str, package_dir: Path = PACKAGE) -> Path | None:
    """The file of a dotted module name below the package (`stats.meta` or the package `stats`),
    or None when the name is no module of it (a function's name, say)."""
    base = package_dir.joinpath(*name.split("."))
    for path in (base.with_name(f"{base.name}.py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def command_imports(command: str, package_dir: Path = PACKAGE) -> set[str]:
    """What the CLI's `cmd_<command>` imports, with the cli.py functions it calls (`_findings`)."""
    tree = _tree(package_dir / "cli.py")
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    start = f"cmd_{command.replace('-', '_')}"
    if start not in functions and tree.body:
        raise ValueError(f"cli.py has no {start}() for the command {command!r}")
    found: set[str] = set()
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        found |= imported_modules(functions[name])
        todo += [n.id for n in ast.walk(functions[name]) if isinstance(n, ast.Name) and n.id in functions]
    return found


def notebook_imports(notebook: str | Path) -> set[str]:
    """What the code cells of a notebook import from the package (IPython's % and ! lines aside)."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    found: set[str] = set()
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
            found |= imported_modules(_parse(code))
    return found


def step_modules(command: str, notebook: str | Path | None = None, package_dir: Path = PACKAGE) -> list[str]:
    """The package's modules that `python -m briefing <command>` runs (and the notebook it runs)."""
    start = set(ENTRY) | command_imports(command, package_dir)
    if notebook is not None:
        start |= notebook_imports(notebook)
    return sorted(closure(start, package_dir))


def step_files(command: str, notebook: str | Path | None = None, package_dir: str | Path = PACKAGE) -> list[str]:
    """step_modules as paths under `package_dir` (as given: relative paths stay relative)."""
    files = (module_path(m, Path(package_dir)) for m in step_modules(command, notebook, Path(package_dir)))
    return sorted(str(f) for f in files if f is not None)


# The answers of step_files, kept between runs in Snakemake's own folder: parsing the package on
# every start made most of a no-op's cost over `snakemake --version` (issue 35). Keyed on the
# digest of every module, and each answer on its notebook's digest, so any edit of either asks the
# source again.
CACHE = Path(".snakemake") / "briefing-code-inputs.json"


def cached_step_files(
    command: str, notebook: str | Path | None = None, package_dir: str | Path = PACKAGE, cache_file: Path = CACHE
) -> list[str]:
    """step_files, answered from `cache_file` while no module of `package_dir` nor the notebook
    changed (their digests are taken once per process: Snakemake parses the workflow once)."""
    key = _sources_digest(str(package_dir))
    entry = f"{command} {notebook or ''} {_file_digest(str(notebook)) if notebook else ''}"
    table = _read_cache(cache_file)
    if entry in table.get(key, {}):
        return table[key][entry]
    files = step_files(command, notebook, package_dir)
    # Only the current package's answers are kept, so the file does not grow with its edits. (Keyed
    # on the notebook as well, the steps with and without it took turns to drop the others'
    # answers, and every run parsed the package again.)
    _write_cache(cache_file, {key: {**table.get(key, {}), entry: files}})
    return files


@cache
def _sources_digest(package_dir: str) -> str:
    h = hashlib.sha256()
    for path in sorted(Path(package_dir).rglob("*.py")):
        h.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_cache(path: Path) -> dict[str, dict[str, list[str]]]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: asked again, then rewritten
        return {}


def _write_cache(path: Path, table: dict[str, dict[str, list[str]]]) -> None:
    """Written whole and renamed into place: parallel starts (cluster jobs) never read half a file.
    A folder that cannot be written to only means no cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(table, sort_keys=True), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass
