"""One writer at a time per lake: an advisory lock per kind of run (ingest, transform, report).

The lock is `fcntl.flock` on `<lake>/locks/<name>.lock`, held for the whole run. The kernel
releases it when the process dies, however it dies (SIGKILL included), so a crashed run never
leaves a stale lock behind. The file records who holds it, for the message a waiting run
prints; its content is informative only, the kernel lock is the truth.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clemency.errors import PipelineError
from clemency.lake.layout import Lake

POLL_S = 0.2


class LakeBusy(PipelineError):
    """Another process holds the lake's lock for this kind of run; nothing was done."""


def lock_path(lake: Lake, name: str) -> Path:
    return lake.root / "locks" / f"{name}.lock"


@contextmanager
def hold(
    lake: Lake, name: str, timeout_s: float = 0.0, run_id: str | None = None
) -> Iterator[None]:
    """Hold lock `name` of `lake` for the block; wait up to `timeout_s` for it, then raise
    `LakeBusy` naming the holder."""
    path = lock_path(lake, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LakeBusy(_busy_message(path, name, timeout_s)) from None
                time.sleep(POLL_S)
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "run_id": run_id,
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _busy_message(path: Path, name: str, waited_s: float) -> str:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    who = (
        f"process {holder.get('pid')} on {holder.get('host')} (run {holder.get('run_id')}, "
        f"since {holder.get('since')})"
        if holder
        else "another process"
    )
    waited = f" after waiting {waited_s:g} s" if waited_s else ""
    return (
        f"another {name} is running on this lake: {who} holds {path}{waited}; "
        f"nothing was done. Let it finish, then run again."
    )
