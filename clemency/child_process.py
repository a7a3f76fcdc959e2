"""A Python child process of this checkout, and a pipe to it.

Two parts of the pipeline hand work to a child of their own: the ingest's worker
(`clemency.ingest.worker`) and a backfill's dbt process (`clemency.transform.dbt_session`).
Both start `python -m <module> <fd>` rather than multiprocessing (which would import the
caller's main script again in the child), talk over one socket pair, and end the child by
closing their end of the pipe: the child's loop stops on the closed pipe, and a parent
killed with SIGKILL leaves no child behind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from typing import Any

from clemency.paths import REPO_ROOT


def start_child(
    module: str, *args: str, env: dict[str, str] | None = None, **popen: Any
) -> tuple[subprocess.Popen, Connection]:
    """`python -m <module> <fd> <args>` with this checkout on its path; the parent's end of
    the pipe (the child's is the fd it is given)."""
    mine, theirs = socket.socketpair()
    environment = dict(os.environ if env is None else env)
    path = os.pathsep.join([str(REPO_ROOT), *filter(None, [environment.get("PYTHONPATH")])])
    process = subprocess.Popen(
        [sys.executable, "-m", module, str(theirs.fileno()), *args],
        pass_fds=[theirs.fileno()],
        stdin=subprocess.DEVNULL,
        env={**environment, "PYTHONPATH": path},
        **popen,
    )
    theirs.close()  # the child's end lives in the child only: its exit closes the pipe
    return process, Connection(mine.detach())


def stop_child(process: subprocess.Popen, connection: Connection, timeout_s: float) -> None:
    """Close the pipe (the child's loop ends on it) and wait for the child; kill it if it
    has not exited within `timeout_s`."""
    connection.close()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
