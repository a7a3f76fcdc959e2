"""The one way a file reaches the lake, the reports or the audit trail: atomically.

Every writer goes through `atomic_target`: the content is written under a hidden temporary
name unique to this writer (`.<name>.<pid>-<random>.tmp`), flushed to disk, renamed over the
target and the folder fsynced. Readers glob the visible names, so they see the previous file
or the new one, never half of one; after a crash the target exists whole or not at all, and
two writers never share a temporary file.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# Glob for the temporary files a killed writer may leave behind (never visible to readers).
TEMPORARY_GLOB = ".*.tmp"


class LakeWriteError(OSError):
    """A file could not be written (disk full, quota, permissions). Its temporary file is
    gone, so readers see the previous state; the caller has not committed anything."""


def temporary_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def write_error(target: Path, error: OSError) -> LakeWriteError:
    """`error` (a full disk, a quota) as the `LakeWriteError` naming `target`."""
    if isinstance(error, LakeWriteError):
        return error
    return LakeWriteError(
        error.errno,
        f"could not write {target} ({error.strerror or error}); no part of it is visible",
    )


@contextmanager
def atomic_target(target: Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path to write `target`'s content to; on success it replaces `target`
    (with permission bits `mode`, when given), on any failure it is deleted.

    An OS error (a full disk, a quota) becomes `LakeWriteError` naming the target."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(target)
    try:
        yield temporary
        _fsync(temporary)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, LakeWriteError):  # already names its file
            raise
        raise write_error(target, error) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync(target.parent)


@contextmanager
def atomic_targets(targets: Sequence[Path], mode: int | None = None) -> Iterator[list[Path]]:
    """`atomic_target` for several files that belong together (a report's HTML, XLSX and
    PDF): yield one temporary path per target; only once every one is written are they
    renamed over their targets, one after the other. A failure while writing any of them
    deletes all the temporaries and replaces none of the targets (the writer names the file
    it was writing with `write_error`; otherwise the error names the last target)."""
    with ExitStack() as stack:
        yield [stack.enter_context(atomic_target(target, mode)) for target in targets]


def write_bytes(target: Path, data: bytes, mode: int | None = None) -> Path:
    with atomic_target(target, mode) as temporary, open(temporary, "wb") as sink:
        sink.write(data)
    return target


def write_text(target: Path, text: str, mode: int | None = None) -> Path:
    return write_bytes(target, text.encode("utf-8"), mode)


def write_json(target: Path, value: Any, mode: int | None = None) -> Path:
    """Pretty JSON (UTF-8, not ASCII-escaped: Vietnamese names stay readable)."""
    return write_text(target, json.dumps(value, ensure_ascii=False, indent=1) + "\n", mode)


def write_parquet(target: Path, table: pa.Table, mode: int | None = None) -> Path:
    with atomic_target(target, mode) as temporary, open(temporary, "wb") as sink:
        pq.write_table(table, sink, compression="zstd")
    return target


def copy(source: Path, target: Path, mode: int | None = None) -> Path:
    with atomic_target(target, mode) as temporary:
        shutil.copyfile(source, temporary)
    return target


def symlink(link: Path, target: Path) -> Path:
    """Point `link` at `target` (a relative link), replacing any old link in one step."""
    link.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(link)
    os.symlink(os.path.relpath(target, link.parent), temporary)
    try:
        os.replace(temporary, link)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync(link.parent)
    return link


def _fsync(path: Path) -> None:
    """Flush a file's content, or a folder's entries (the rename), to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
