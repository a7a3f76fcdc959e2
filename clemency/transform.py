"""Run the dbt-duckdb project for one as-of date (`clemency transform --as-of DATE`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from clemency.contracts import topics
from clemency.ingest import RAW_SCHEMA
from clemency.lake import Lake, copy_atomically, write_parquet_atomically
from clemency.paths import TRANSFORMS_DIR


class TransformError(RuntimeError):
    """dbt failed; the message carries the tail of its log."""


@dataclass(frozen=True)
class TransformResult:
    as_of: dt.date
    command: list[str]
    log_path: Path


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def run_dbt(lake: Lake, as_of: dt.date, *args: str) -> TransformResult:
    """`dbt <args>` over `lake` at `as_of`, in a child process.

    A child process, not dbt's in-process runner: dbt keeps global state between
    invocations, and the DuckDB file lock is released for certain when the child exits.
    """
    lake.root.mkdir(parents=True, exist_ok=True)
    lake.curated.mkdir(parents=True, exist_ok=True)
    log_dir = lake.root / "logs" / "dbt"
    variables = json.dumps({"lake": str(lake.root), "as_of": as_of.isoformat()})
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(TRANSFORMS_DIR),
        "--profiles-dir",
        str(TRANSFORMS_DIR),
        "--target-path",
        str(lake.root / "dbt-target"),
        "--log-path",
        str(log_dir),
        "--vars",
        variables,
    ]
    env = {**os.environ, "CLEMENCY_LAKE": str(lake.root), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-25:])
        raise TransformError(f"dbt {' '.join(args)} failed for as-of {as_of}:\n{tail}")
    return TransformResult(as_of, command, log_dir / "dbt.log")


def ensure_raw_topics(lake: Lake) -> None:
    """Give every raw topic with nothing landed yet an empty file with the raw schema.

    Staging views read `raw/<topic>/*/*.parquet`, and DuckDB refuses a glob that matches
    nothing; an empty file says "no events yet" instead of failing the whole build.
    """
    for topic in topics():
        folder = lake.raw / topic
        if not any(folder.glob("*/*.parquet")):
            empty = pa.Table.from_pylist([], RAW_SCHEMA)
            write_parquet_atomically(empty, folder / "partition=none" / "empty.parquet")


def transform(lake: Lake, as_of: dt.date) -> TransformResult:
    """Seed, build and data-test every model for `as_of`; the marts land under curated/,
    and a copy under curated/snapshots/as_of=<date>/ (a rerun of that date replaces it).

    dbt unit tests check the rules' SQL, not the data, so they run in the test suite
    (tests/test_dbt_unit.py), not in every production build.
    """
    ensure_raw_topics(lake)
    result = run_dbt(lake, as_of, "build", "--exclude", "test_type:unit")
    for mart in sorted(lake.curated.glob("*.parquet")):
        copy_atomically(mart, lake.snapshot(as_of) / mart.name)
    return result
