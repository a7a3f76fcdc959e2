"""Run the dbt-duckdb project for one as-of date (`clemency transform --as-of DATE`).

A build publishes its marts as a set: each mart is copied into the snapshot of its as-of
date, and only then does the lake's latest pointer (`curated/LATEST.json`) move, and only
forward, to a newer as-of date. Readers see the previous complete set or the new one, never
a mix; a backfill of an earlier day writes its snapshots and leaves "latest" alone; a killed
build leaves the previous set intact. An as-of date after today or before the first event is
refused, and an empty result never replaces a published set.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from clemency.contracts import topics
from clemency.errors import PipelineError, first_line
from clemency.lake import atomic, locks
from clemency.lake.audit import audited
from clemency.lake.layout import DbtArea, Lake, column_range
from clemency.lake.schemas import RAW_SCHEMA
from clemency.paths import TRANSFORMS_DIR
from clemency.settings import load_settings
from clemency.transform.downstream import publish_downstream
from clemency.transform.freshness import source_freshness
from clemency.transform.lineage import write_dbt_lineage

log = logging.getLogger(__name__)

VIETNAM = dt.timezone(dt.timedelta(hours=7))


class TransformError(PipelineError):
    """A build failed; the first line names the dbt node (or the check) and why."""


class WarehouseLocked(TransformError):
    """Another process holds the DuckDB warehouse file (another build, or someone's session)."""


# DuckDB's own wording when another process holds the file lock.
_LOCK_MESSAGE = re.compile(r"Could not set lock on file[^\n]*")


@dataclass(frozen=True)
class TransformResult:
    as_of: dt.date
    command: list[str]
    log_path: Path
    latest: bool = False  # whether this build's set became the latest one


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def run_dbt(
    lake: Lake,
    as_of: dt.date,
    *args: str,
    project_dir: Path = TRANSFORMS_DIR,
    area: DbtArea | None = None,
) -> TransformResult:
    """`dbt <args>` over `lake` at `as_of`, in a child process.

    `project_dir` and `area` (warehouse, target, logs, marts) are the checkout's project and
    the lake's restricted/ folder, except for a what-if scenario (clemency/transform/
    scenario.py), which builds its own copy of the project in its own area.

    A child process, not dbt's in-process runner: dbt keeps global state between
    invocations, and the DuckDB file lock is released for certain when the child exits.

    Everything dbt writes holds personal data (the warehouse citizen IDs, compiled SQL and
    logs quoted values, marts a row per person), so it all goes under the lake's restricted/
    folder (mode 700) and the child runs with umask 077: its files are the owner's only.
    dbt's `lake` variable is that folder (a mart's location is `<lake>/curated/<mart>`),
    `raw` the raw zone its sources read.
    """
    area = area or lake
    area.restrict()
    log_dir = area.dbt_logs
    variables = json.dumps(
        {"lake": str(area.restricted), "raw": str(lake.raw), "as_of": as_of.isoformat()}
    )
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(TRANSFORMS_DIR),
        "--target-path",
        str(area.dbt_target),
        "--log-path",
        str(log_dir),
        "--vars",
        variables,
    ]
    env = {
        **os.environ,
        "CLEMENCY_LAKE": str(lake.root),
        "CLEMENCY_DBT_WAREHOUSE": str(area.warehouse),  # profiles.yml's database path
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    results = area.dbt_target / "run_results.json"
    results.unlink(missing_ok=True)  # judge this run by its own results only
    try:
        completed = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            umask=0o077,
            preexec_fn=_die_with_parent,  # killing `clemency transform` kills dbt too
        )
    finally:
        area.restrict()  # the warehouse file dbt may have created: mode 600
    if completed.returncode != 0:
        output = completed.stdout + completed.stderr
        locked = _LOCK_MESSAGE.search(output)
        if locked:  # taken between our check and dbt's start
            raise WarehouseLocked(_locked_message(area, locked.group(0)))
        tail = "\n".join(output.strip().splitlines()[-25:])
        raise TransformError(
            f"dbt {args[0] if args else ''} failed for as-of {as_of}: "
            f"{failed_node(results) or _last_error_line(output)}\n{tail}"
        )
    return TransformResult(as_of, command, log_dir / "dbt.log")


def failed_node(run_results: Path) -> str | None:
    """`<resource> <name>: <dbt's message>` of the first node that failed or errored, read
    from dbt's `run_results.json` (None when dbt wrote none, e.g. it failed to parse)."""
    try:
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return None
    failed = [r for r in results if r.get("status") in {"error", "fail", "runtime error"}]
    if not failed:
        return None
    first = failed[0]
    kind, _, name = str(first.get("unique_id", "?")).partition(".")
    name = name.split(".", 1)[-1]
    message = first_line(first.get("message") or first.get("status"))
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return f"{kind} {name}: {message}{more}"


def _last_error_line(output: str) -> str:
    """The last line of dbt's output that reads like an error (never an empty tail)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["dbt printed nothing"])[-1][:500]


def _die_with_parent() -> None:
    """In the child: the kernel sends it SIGKILL when the parent dies (Linux), so a killed
    `clemency transform` never leaves dbt writing the warehouse on its own."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the parent's own handlers are all there is
        pass


def wait_for_warehouse(lake: Lake, timeout_s: float) -> None:
    """Return once the warehouse file can be opened for writing; raise `WarehouseLocked`
    naming the process that holds it if that takes longer than `timeout_s`."""
    lake.restrict()
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            duckdb.connect(str(lake.warehouse)).close()
            lake.restrict()  # a warehouse this call created: mode 600 like dbt's
            return
        except duckdb.IOException as error:
            locked = _LOCK_MESSAGE.search(str(error))
            if not locked:
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(_locked_message(lake, locked.group(0), timeout_s)) from None
            time.sleep(min(1.0, timeout_s / 10 or 0.1))


def _locked_message(lake: DbtArea, duckdb_text: str, waited_s: float | None = None) -> str:
    waited = f" after waiting {waited_s:g} s" if waited_s else ""
    return (
        f"the warehouse {lake.warehouse} is locked by another process{waited} "
        f"({duckdb_text.strip()}); another transform may be running, or someone has the file "
        "open in DuckDB: let it finish or close it, then run again. Nothing was built."
    )


def ensure_raw_topics(lake: Lake) -> None:
    """Give every raw topic with nothing landed yet an empty file with the raw schema.

    Staging views read `raw/<topic>/*/*.parquet`, and DuckDB refuses a glob that matches
    nothing; an empty file says "no events yet" instead of failing the whole build.
    """
    for topic in topics():
        folder = lake.raw / topic
        if not any(folder.glob("*/*.parquet")):
            empty = pa.Table.from_pylist([], RAW_SCHEMA)
            atomic.write_parquet(folder / "partition=none" / "empty.parquet", empty)


def transform(lake: Lake, as_of: dt.date, lock_timeout_s: float = 60.0) -> TransformResult:
    """Seed, build and data-test every model for `as_of`; dbt writes the marts under
    restricted/curated/ with a copy under restricted/curated/snapshots/as_of=<date>/ (a
    rerun of that date replaces it), and the aggregate marts are published, latest and
    snapshot, under curated/ (see `publish_marts`).

    dbt unit tests check the rules' SQL, not the data, so they run in the test suite
    (tests/test_dbt_unit.py), not in every production build.
    """
    # The key itself never leaves the environment; which kind was used is on record, so
    # marts built with the public demo key are never mistaken for protected ones.
    demo_key = load_settings().uses_demo_key
    if demo_key:
        log.warning("person_key pseudonyms use the public demo key: demo data only")
    arguments = {
        "as_of": as_of.isoformat(),
        "lock_timeout_s": lock_timeout_s,
        "pseudonyms": "demo key (not for production)" if demo_key else "secret key",
    }
    with (
        audited(lake, "transform", arguments) as record,
        # one build at a time per lake, whoever holds the warehouse file
        locks.hold(lake, "transform", lock_timeout_s, record.run_id),
    ):
        check_as_of(lake, as_of)
        record.inputs = raw_offsets(lake)
        wait_for_warehouse(lake, lock_timeout_s)
        ensure_raw_topics(lake)
        result = run_dbt(lake, as_of, "build", "--exclude", "test_type:unit")
        source_freshness(lake, as_of)  # published with the marts (source_freshness)
        for written in publish_snapshot(lake, as_of):
            record.add_output(written, lake, rows=pq.ParquetFile(written).metadata.num_rows)
        latest = advance_latest(lake, as_of, record.run_id)
        record.arguments["became_latest"] = latest
        # OpenLineage events per dbt node, after publishing (clemency.transform.lineage)
        lineage = write_dbt_lineage(lake, record.run_id)
        if lineage:
            record.lineage.append(str(lineage[0].parent.relative_to(lake.root)) + "/")
        publish_downstream(lake, record, lambda *args: run_dbt(lake, as_of, *args))
        return TransformResult(result.as_of, result.command, result.log_path, latest)


def check_as_of(lake: Lake, as_of: dt.date) -> None:
    """Refuse an as-of date after today (Vietnam) or before the first landed event: its
    marts would be empty or guessed, and replace nothing worth having."""
    today = dt.datetime.now(VIETNAM).date()
    if as_of > today:
        raise TransformError(f"--as-of {as_of} is after today ({today}): nothing is known yet")
    first = first_recorded(lake)
    if first is not None and as_of < first:
        raise TransformError(
            f"--as-of {as_of} is before the first landed event (recorded {first}): "
            "there is nothing to decide on"
        )


def first_recorded(lake: Lake) -> dt.date | None:
    """The day (Vietnam) the earliest landed event was recorded, from the raw footers."""
    earliest = None
    for path in lake.raw.glob("*/partition=*/*.parquet"):
        bounds = column_range(pq.ParquetFile(path).metadata, "recorded_at")
        if bounds is not None and (earliest is None or bounds[0] < earliest):
            earliest = bounds[0]
    return None if earliest is None else earliest.astimezone(VIETNAM).date()


def publish_snapshot(lake: Lake, as_of: dt.date) -> list[Path]:
    """Copy every mart dbt built into the snapshot of `as_of`: a person-level mart in the
    restricted zone (mode 600), an aggregate one (counts only, `AGGREGATE_MARTS`) under
    curated/, readable by analysts."""
    written = []
    for built in sorted(lake.restricted_curated.glob("*.parquet")):
        mode = 0o644 if lake.is_aggregate(built.stem) else 0o600
        written.append(atomic.copy(built, lake.mart(built.stem, as_of), mode=mode))
    return written


def advance_latest(lake: Lake, as_of: dt.date, run_id: str) -> bool:
    """Make the snapshot of `as_of` the latest set when it is newer than the current one (or
    the same day rebuilt); return whether it is now the latest. An empty build never
    replaces a published set."""
    current = lake.latest_as_of()
    if current is not None and as_of < current:
        log.info("as-of %s is older than the latest set (%s): latest unchanged", as_of, current)
        return False
    people = lake.mart("person_status", as_of)
    if current is not None and people.exists() and pq.ParquetFile(people).metadata.num_rows == 0:
        published = lake.mart("person_status", current)
        if published.exists() and pq.ParquetFile(published).metadata.num_rows > 0:
            raise TransformError(
                f"the build for as-of {as_of} has no person at all while the published set "
                f"({current}) has people: it is kept as a snapshot but not published"
            )
    pointer = {"as_of": as_of.isoformat(), "run_id": run_id}
    atomic.write_json(lake.latest_pointer, pointer, mode=0o644)
    for link, person_level in zip(lake.latest_links(), (False, True), strict=True):
        atomic.symlink(link, lake.snapshot(as_of, person_level))
    # and the analysts' familiar copies, curated/<aggregate mart>.parquet, of the same set
    for snapshot in sorted(lake.snapshot(as_of).glob("*.parquet")):
        atomic.copy(snapshot, lake.curated / snapshot.name, mode=0o644)
    return True


def raw_offsets(lake: Lake) -> list[dict]:
    """What a build reads: per raw partition, its files, rows and highest Kafka offset
    (from the Parquet footers, so this costs no data reads)."""
    found = []
    for folder in sorted(lake.raw.glob("*/partition=*")):
        files = sorted(folder.glob("*.parquet"))
        rows, highest = 0, None
        for path in files:
            metadata = pq.ParquetFile(path).metadata
            rows += metadata.num_rows
            bounds = column_range(metadata, "kafka_offset")
            if bounds is not None:
                highest = bounds[1] if highest is None else max(highest, bounds[1])
        if rows:
            found.append(
                {
                    "topic": folder.parent.name,
                    "partition": folder.name.removeprefix("partition="),
                    "files": len(files),
                    "rows": rows,
                    "max_offset": highest,
                }
            )
    return found
