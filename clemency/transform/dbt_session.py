"""One dbt process for every build of a backfill, instead of one process per day.

A `dbt build` in a process of its own pays for importing dbt and for parsing the project
(partial parse included) before its first node: about 3 s, a quarter of a steady day's
build. `transform_range` builds its days through one `DbtSession`: a child process that
imports dbt once, parses the project once (`dbt parse`, on `start` or the first command) and
runs each command with dbt's in-process runner over that manifest. The as-of date is a file
dbt reads at run time (`run_dbt`), so one manifest serves every day.

Still a child process, as `run_dbt`'s own: the child holds the warehouse file only while a
command runs (dbt-duckdb keeps its DuckDB database open in a class attribute until the
process exits, so the child closes it after each command: the parent reads the warehouse
between days), runs with umask 077 and dies with its parent, and whatever global state dbt
keeps lives and ends with it. A command's console output comes back with its exit code, so
the parent judges it exactly as it judges a `dbt` process.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from clemency.child_process import start_child, stop_child
from clemency.errors import PipelineError
from clemency.process_exit import exit_now


class SessionDied(PipelineError):
    """The session's dbt process exited while it ran a command."""


class DbtSession:
    """Run dbt commands in one long-lived child process (started on the first command).

    Every command of a session shares its environment and its common options (project,
    profiles, target and log folders, vars): they are what its one manifest was parsed
    with."""

    def __init__(self, preexec: Callable[[], None] | None = None) -> None:
        self._preexec = preexec
        self._process: subprocess.Popen | None = None
        self._connection: Connection | None = None
        self._started_with: tuple[dict[str, str], list[str], Path] | None = None
        self.commands = 0  # commands run (tests count processes against commands)

    def run(
        self, args: list[str], common: list[str], env: dict[str, str], cwd: Path
    ) -> tuple[int, str]:
        """`dbt <args> <common>` in folder `cwd`: its exit code (0 success, 1 a node failed,
        2 dbt raised) and its console output."""
        self._started(common, env, cwd)
        assert self._connection is not None and self._process is not None
        try:
            self._connection.send((args, common))
            code, output = self._connection.recv()
        except (EOFError, OSError):
            try:  # the pipe closes as the process ends: its exit code is a moment away
                code = self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            raise SessionDied(
                f"dbt's process exited (code {code}) during `dbt {' '.join(args[:1])}`"
            ) from None
        self.commands += 1
        return code, output

    def start(self, common: list[str], env: dict[str, str], cwd: Path) -> None:
        """Start the child now: it imports dbt and parses the project while the caller
        prepares its first command (a parse that fails answers that command). Refused,
        as `run` is, with other options than the session's."""
        starting = self._started_with is None
        self._started(common, env, cwd)
        if starting:
            assert self._connection is not None
            self._connection.send((None, common))

    def _started(self, common: list[str], env: dict[str, str], cwd: Path) -> None:
        """The child, started with these options on the first call; refused with others."""
        if self._connection is not None and self._connection.closed:
            raise ValueError("a released dbt session runs no more commands")
        if self._started_with is None:
            self._start(env, cwd)
            self._started_with = (env, common, cwd)
        elif self._started_with != (env, common, cwd):
            raise ValueError(
                "a dbt session runs every command in one folder, with one environment and vars"
            )

    @property
    def pid(self) -> int | None:
        """The child's process id (None before the first command)."""
        return self._process.pid if self._process is not None else None

    def _start(self, env: dict[str, str], cwd: Path) -> None:
        self._process, self._connection = start_child(
            "clemency.transform.dbt_session",
            env=env,
            cwd=cwd,
            umask=0o077,
            preexec_fn=self._preexec,
        )

    def release(self) -> None:
        """Let the child exit now, without waiting for it (`close` waits): no more commands.
        Its exit, about half a second of dbt's interpreter shutting down, then overlaps
        what the caller does next."""
        if self._connection is not None:
            self._connection.close()

    def close(self) -> None:
        if self._process is not None and self._connection is not None:
            stop_child(self._process, self._connection, timeout_s=30)

    def __enter__(self) -> DbtSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ----------------------------------------------------------------------- in the child


def _release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open between commands (until exit
    otherwise), so the file is free for the parent and the next command opens it again."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


def _invoke(runner: Any, argv: list[str]) -> tuple[int, str, Any]:
    """Run one command: its exit code, its console output and what dbt returned."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            result = runner.invoke(argv)
        except BaseException:  # reported back whole, as a dbt process would print it
            output.write(traceback.format_exc())
            return 2, output.getvalue(), None
        finally:
            _release_warehouse()
    if result.exception is not None:
        output.write(f"\n{type(result.exception).__name__}: {result.exception}\n")
        return 2, output.getvalue(), None
    return (0 if result.success else 1), output.getvalue(), result.result


def _serve(connection: Connection) -> None:
    """The child's loop: one command at a time, in the order sent; a closed pipe ends it.
    A command of None (`DbtSession.start`) only parses."""
    from dbt.cli.main import dbtRunner

    manifest = None
    while True:
        try:
            args, common = connection.recv()
        except (EOFError, OSError):
            return
        if manifest is None:
            # `dbt parse` writes dbt's partial-parse file once; every command after it runs
            # over its manifest instead of parsing again. Not manifest.json: the caller may
            # read the last build's while this parse runs, and every node command writes
            # its own (the docs run, after a build, reads that build's).
            code, output, parsed = _invoke(dbtRunner(), ["parse", "--no-write-json", *common])
            if code != 0:
                if args is not None:  # else the next command parses again, and says why
                    connection.send((code, output))
                continue
            manifest = parsed
        if args is None:
            continue
        code, output, _ = _invoke(dbtRunner(manifest=manifest), [*args, *common])
        try:
            connection.send((code, output))
        except OSError:
            return


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
    # Every file dbt writes is closed when its command returns; freeing dbt's objects at
    # exit took 0.5 s the caller waited for.
    exit_now(0)
