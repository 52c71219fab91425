"""Writing outputs so that a reader never sees a half-written file, and publishing the finished
briefing into reports/ only once every part of it has been built."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


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
