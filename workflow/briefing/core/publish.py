"""Writing outputs so that a reader never sees a half-written file (canonical JSON among them), and
publishing the finished briefing into reports/ only once every part of it has been built."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO


@contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file that replaces `path` only when the block ends without an error: written to a
    temporary file beside it, then renamed over it (atomic on POSIX)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, content: str | bytes) -> None:
    with atomic_file(path) as fh:
        fh.write(content.encode("utf-8") if isinstance(content, str) else content)


class _Encoder(json.JSONEncoder):
    """JSON that also writes a model (schema/models.py) as its fields: the steps compute with models
    and turn them into JSON only where a file is written (the keys it was given, by their JSON names)."""

    def default(self, o: Any) -> Any:
        if hasattr(o, "model_dump"):  # a pydantic model; models.py imports this module, not back
            return o.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return super().default(o)


CANONICAL = _Encoder(sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)


def dumps(obj: Any) -> str:
    return CANONICAL.encode(obj) + "\n"


def plain(obj: Any) -> Any:
    """`obj` as the JSON values a file of it holds (its models as their fields), each mapping in
    its own order: a table shown without named columns keeps the order of its rows' keys."""
    return json.loads(_Encoder(ensure_ascii=False, allow_nan=False).encode(obj))


def write_json(path: str | Path, obj: Any) -> None:
    """`dumps(obj)` written atomically, streamed: at 5,000 studies the briefing's context is 195 MB of
    JSON, and building it as one string first took 1.1 GB more than the data themselves."""
    with atomic_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        text.writelines(CANONICAL.iterencode(obj))
        text.write("\n")
        text.flush()
        text.detach()  # the atomic file closes the handle itself


def publish(pairs: list[tuple[str | Path, str | Path]]) -> None:
    """Copy each built file to its published place. Every copy is staged first, so a failure
    while copying (disk full, say) leaves every published file as it was."""
    staged = []
    try:
        for source, target in pairs:
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            os.close(fd)
            shutil.copyfile(source, tmp)
            os.chmod(tmp, 0o644)
            staged.append((tmp, target))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
