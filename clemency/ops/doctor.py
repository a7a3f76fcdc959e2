"""`clemency doctor`: check the lake and explain every problem with what to do about it.

Read-only. It opens every Parquet file (a torn or overwritten file fails here, not in the
middle of a dbt build), checks that raw and quarantine files sit where their Kafka
coordinates say and do not overlap, compares each file with the SHA-256 its run recorded
on the audit trail, and looks at the warehouse file, the restricted folders' permissions
(and personal data left outside them) and runs that never finished.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from clemency.errors import first_line
from clemency.lake.atomic import TEMPORARY_GLOB
from clemency.lake.audit import load_runs, sha256_of
from clemency.lake.layout import OFFSET_FILE, Lake, column_range
from clemency.lake.positions import Position, read_positions

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    path: str
    problem: str
    remedy: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


def examine(lake: Lake) -> list[Finding]:
    """Every problem found, errors first."""
    findings = [
        *_restricted_permissions(lake),
        *_personal_data_outside(lake),
        *_temporary_files(lake),
        *_parquet_files(lake),
        *_checksums(lake),
        *_warehouse(lake),
        *_unfinished_runs(lake),
        *_landed_data_missing(lake),
        *_gate_rows_in_raw(lake),
        *_published_set_missing(lake),
    ]
    return sorted(findings, key=lambda f: (f.severity != ERROR, f.code, f.path))


def _relative(lake: Lake, path: Path) -> str:
    try:
        return str(path.relative_to(lake.root))
    except ValueError:
        return str(path)


# -- restricted zones -----------------------------------------------------------------------


def _restricted_permissions(lake: Lake) -> Iterator[Finding]:
    for zone in lake.restricted_zones:
        if zone.is_dir() and stat.S_IMODE(zone.stat().st_mode) & 0o077:
            yield Finding(
                ERROR,
                "restricted_zone_open",
                _relative(lake, zone),
                f"holds {_what_it_holds(lake, zone)} but its mode is "
                f"{stat.S_IMODE(zone.stat().st_mode):o}: other users can read it",
                f"chmod -R go-rwx {zone} (the next ingest or transform also restores mode 700)",
            )
    warehouse = lake.warehouse
    if warehouse.is_file() and stat.S_IMODE(warehouse.stat().st_mode) & 0o077:
        yield Finding(
            ERROR,
            "restricted_zone_open",
            _relative(lake, warehouse),
            f"holds citizen IDs but its mode is {stat.S_IMODE(warehouse.stat().st_mode):o}: "
            "other users can read it wherever its folder is opened to them",
            f"chmod 600 {warehouse} (the next transform also restores mode 600)",
        )


def _what_it_holds(lake: Lake, zone: Path) -> str:
    if zone.is_relative_to(lake.restricted):
        return (
            "dbt's warehouse, target and logs (citizen IDs) and the person-level marts "
            "(a row per person)"
        )
    return "original records (names, citizen IDs)"


def _personal_data_outside(lake: Lake) -> Iterator[Finding]:
    """dbt's files where builds before restricted/ left them, and person-level marts under
    curated/ (the folder analysts read): personal data every user can read."""
    for path in lake.legacy_unrestricted:
        if path.exists():
            yield Finding(
                ERROR,
                "personal_data_unrestricted",
                _relative(lake, path),
                "dbt's warehouse, target or logs from an older build, outside the restricted "
                "zone: it holds citizen IDs and other users can read it",
                f"delete it (rm -r {path}): dbt now works under {lake.restricted} and "
                "rebuilds all of it on the next transform",
            )
    folders = [lake.curated, *sorted(lake.curated.glob("snapshots/as_of=*"))]
    for folder in folders:
        for path in sorted(folder.glob("*.parquet")):
            if not lake.is_aggregate(path.stem):
                yield Finding(
                    ERROR,
                    "personal_data_unrestricted",
                    _relative(lake, path),
                    "a person-level mart under curated/, which every user may read (only "
                    "aggregate marts are published there)",
                    f"delete it: person-level marts and their snapshots live under "
                    f"{lake.restricted_curated}, where `clemency transform` rebuilds them",
                )


# -- files ----------------------------------------------------------------------------------


def _temporary_files(lake: Lake) -> Iterator[Finding]:
    for path in sorted(lake.root.rglob(TEMPORARY_GLOB)):
        yield Finding(
            WARNING,
            "temporary_file",
            _relative(lake, path),
            "half-written file left by a process killed while writing; readers never see it",
            "nothing: the next ingest of that partition removes it (or delete it by hand)",
        )


def _parquet_files(lake: Lake) -> Iterator[Finding]:
    ranges: dict[tuple[Path, bool], list[tuple[int, int, int, Path]]] = defaultdict(list)
    for path in _visible_parquet(lake):
        try:
            parquet = _read_whole(path)
        except Exception as error:  # noqa: BLE001 - any read failure is the finding
            yield _corrupt(lake, path, error)
            continue
        if lake.is_offset_zone(path):
            found = _check_offset_file(lake, path, parquet)
            if isinstance(found, Finding):
                yield found
            elif found is not None:
                ranges[(path.parent, path.name.endswith("+gate.parquet"))].append(found)
    yield from _offset_overlaps(lake, ranges)


def _visible_parquet(lake: Lake) -> Iterator[Path]:
    """Every Parquet file in the lake, in path order, except under a hidden folder."""
    for path in sorted(lake.root.rglob("*.parquet")):
        if not any(part.startswith(".") for part in path.relative_to(lake.root).parts):
            yield path


def _read_whole(path: Path) -> pq.ParquetFile:
    """Open `path` and read every row group, pages too, not only the footer."""
    parquet = pq.ParquetFile(path)
    for group in range(parquet.metadata.num_row_groups):
        parquet.read_row_group(group)
    return parquet


def _offset_overlaps(
    lake: Lake, ranges: dict[tuple[Path, bool], list[tuple[int, int, int, Path]]]
) -> Iterator[Finding]:
    """Files of one folder whose offset ranges overlap: their records would be read twice."""
    for (folder, _), files in ranges.items():
        files.sort()
        for (first, _low, high, path), (next_first, _, _, next_path) in zip(
            files, files[1:], strict=False
        ):
            if high >= next_first:
                yield Finding(
                    ERROR,
                    "offset_overlap",
                    _relative(lake, next_path),
                    f"holds offsets from {next_first}, but {path.name} already holds offsets "
                    f"up to {high}: those records would be read twice",
                    f"land both again: {_replay_command(folder, first)}",
                )


def _check_offset_file(lake: Lake, path: Path, parquet: pq.ParquetFile):
    match = OFFSET_FILE.match(path.name)
    if match is None:
        if path.name == "empty.parquet" and path.parent.name == "partition=none":
            return None  # the placeholder transform writes for a topic with no events yet
        return Finding(
            ERROR,
            "unexpected_file",
            _relative(lake, path),
            "not named <topic>+<partition>+<offset>.parquet, yet staging reads every "
            "Parquet file in this folder as landed records",
            "move it out of the lake",
        )
    first = int(match["offset"])
    where = f"partition={match['partition']}"
    if match["topic"] != path.parent.parent.name or where != path.parent.name:
        return Finding(
            ERROR,
            "misplaced_file",
            _relative(lake, path),
            f"its name says {match['topic']}/{where} but it sits in "
            f"{path.parent.parent.name}/{path.parent.name}",
            "move it back to the folder its name gives",
        )
    bounds = column_range(parquet.metadata, "kafka_offset")
    if bounds is None:
        return None  # no rows: every record of that chunk went elsewhere
    low, high = bounds
    if low < first:
        return Finding(
            ERROR,
            "offset_mismatch",
            _relative(lake, path),
            f"holds offset {low}, before the first offset {first} its name gives",
            f"land it again: {_replay_command(path.parent, low)}",
        )
    return (first, low, high, path)


def _replay_command(folder: Path, offset: int) -> str:
    topic, partition = folder.parent.name, folder.name.removeprefix("partition=")
    return (
        f"`clemency replay --topic {topic} --partition {partition} --from-offset {offset}` "
        "then `clemency ingest`, which replaces this partition's files from that offset on "
        "(Kafka must still hold those offsets)"
    )


_SNAPSHOT = re.compile(r"as_of=(\d{4}-\d{2}-\d{2})")


# -- what the lake should hold --------------------------------------------------------------


def _landed_data_missing(lake: Lake) -> Iterator[Finding]:
    """Records the lake landed (its position and ledger say so) that no file holds now: a
    wiped or shrunken raw or quarantine zone. Each chunk's raw and quarantine files hold
    every offset from its first to the next chunk's first (to the position, for the last)."""
    purged = {
        output["path"]
        for record in load_runs(lake, command="purge")
        for output in record.outputs
        if output.get("deleted")
    }
    earliest = _earliest_ledger_offsets(lake)
    for position in read_positions(lake):
        chunks: dict[int, list[Path]] = defaultdict(list)
        for zone in (lake.raw, lake.quarantine):
            for path in lake.files_from_offset(zone, position.topic, position.partition, 0):
                chunks[lake.first_offset(path)].append(path)
        key = (position.topic, position.partition)
        for start, end, missing in _holes(lake, chunks, earliest.get(key), position, purged):
            count = f"{missing:,} of the {end - start:,} records" if missing >= 0 else "all"
            folder = lake.partition_dir(lake.raw, position.topic, position.partition)
            yield Finding(
                ERROR,
                "landed_data_missing",
                f"raw/{position.topic}/partition={position.partition}",
                f"offsets {start}–{end - 1} were landed (the lake's position is "
                f"{position.next_offset}) but {count} are in no raw or quarantine file",
                f"land them again: {_replay_command(folder, start)}",
            )


def _earliest_ledger_offsets(lake: Lake) -> dict[tuple[str, int], int]:
    """Per partition, the first offset any ingest run read (where the lake begins)."""
    earliest: dict[tuple[str, int], int] = {}
    for path in sorted(lake.ingest_ledger.glob("*.parquet")):
        for row in pq.read_table(path, columns=["topic", "partition", "offset_from"]).to_pylist():
            key = (row["topic"], int(row["partition"]))
            earliest[key] = min(earliest.get(key, row["offset_from"]), row["offset_from"])
    return earliest


def _holes(
    lake: Lake,
    chunks: dict[int, list[Path]],
    expected_from: int | None,
    position: Position,
    purged: set[str],
) -> list[tuple[int, int, int]]:
    """(from, to exclusive, records missing or -1 for all) for each range no file covers."""
    starts = sorted(chunks)
    begin = expected_from if expected_from is not None else (starts or [position.next_offset])[0]
    holes = []
    first_file = starts[0] if starts else position.next_offset
    if first_file > begin:
        holes.append((begin, first_file, -1))
    ends = [*starts[1:], position.next_offset] if starts else []
    for start, end in zip(starts, ends, strict=True):
        files = chunks[start]
        if any(_relative(lake, path) in purged for path in files):
            continue  # retention removed part of it, on purpose and on record
        held = sum(_rows(path) for path in files)
        if held < end - start:
            holes.append((start, end, end - start - held))
    return holes


def _rows(path: Path) -> int:
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # noqa: BLE001 - a corrupt file is reported by its own check
        return 0


def _gate_rows_in_raw(lake: Lake) -> Iterator[Finding]:
    """Rows a validation run refused that still sit in raw (a lake landed before the gate
    ran ahead of landing, or a file restored by hand): downstream would read them."""
    for (topic, partition), offsets in sorted(_refused_rows(lake).items()):
        for path in lake.files_from_offset(lake.raw, topic, partition, 0):
            table = pq.read_table(path, columns=["kafka_offset"])
            still = sorted(offsets & set(table["kafka_offset"].to_pylist()))
            if still:
                yield Finding(
                    ERROR,
                    "gate_rows_in_raw",
                    _relative(lake, path),
                    f"holds {len(still)} row(s) the validation gate refused (offsets "
                    f"{', '.join(map(str, still[:5]))}{'…' if len(still) > 5 else ''})",
                    "land the file again, validated before it lands: "
                    + _replay_command(path.parent, lake.first_offset(path)),
                )


def _refused_rows(lake: Lake) -> dict[tuple[str, int], set[int]]:
    """The offsets each validation result names as failing a row-level expectation."""
    refused: dict[tuple[str, int], set[int]] = defaultdict(set)
    for path in sorted(lake.validation.glob("*.json")):
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        failures = [f for suite in run.get("suites", []) for f in suite.get("failures", [])]
        for failure in failures:
            if failure.get("severity") == "critical":
                continue  # the batch as a whole, not rows
            for row in failure.get("rows", []):
                if None not in (row.get("topic"), row.get("partition"), row.get("offset")):
                    refused[(row["topic"], int(row["partition"]))].add(int(row["offset"]))
    return refused


def _published_set_missing(lake: Lake) -> Iterator[Finding]:
    """The latest published set must be whole: every mart its build wrote is still there."""
    latest = lake.latest_as_of()
    if latest is None:
        return
    expected = {
        output["path"]
        for record in load_runs(lake, command="transform", status="succeeded")
        if record.arguments.get("as_of") == latest.isoformat()
        for output in record.outputs
        if not output.get("deleted")
    }
    for name in sorted(expected):
        if not (lake.root / name).exists():
            yield Finding(
                ERROR,
                "published_mart_missing",
                name,
                f"a mart of the latest published set (as-of {latest}) is gone: readers of the "
                "latest marts fail or see an incomplete set",
                f"build that day again: `clemency transform --as-of {latest}`",
            )


def _corrupt(lake: Lake, path: Path, error: Exception) -> Finding:
    name = _relative(lake, path)
    reason = first_line(error) or type(error).__name__
    match = OFFSET_FILE.match(path.name)
    if lake.is_offset_zone(path) and match:
        remedy = (
            f"its records start at offset {match['offset']}: land them again with "
            f"{_replay_command(path.parent, int(match['offset']))}"
        )
    elif (snapshot := _SNAPSHOT.search(name)) is not None:
        remedy = f"delete it and rebuild: `clemency transform --as-of {snapshot[1]}`"
    elif path.parent in (lake.curated, lake.restricted_curated):
        remedy = "delete it and rebuild: `clemency transform --as-of <the date you need>`"
    elif path.parent == lake.ingest_ledger:
        remedy = (
            "the ingest run's offsets are also on the audit trail "
            f"(`clemency runs {path.stem}`); delete the file"
        )
    else:
        remedy = "restore it from a backup or delete it"
    return Finding(ERROR, "corrupt_parquet", name, f"cannot be read as Parquet: {reason}", remedy)


# -- audit trail ----------------------------------------------------------------------------


def _checksums(lake: Lake) -> Iterator[Finding]:
    """Each file against the checksum of the last run that wrote it."""
    latest: dict[str, tuple[str, str]] = {}
    purged: set[str] = set()
    for record in reversed(load_runs(lake)):  # oldest first, so later runs win
        for output in record.outputs:
            if output.get("deleted"):
                purged.add(output["path"])
                latest.pop(output["path"], None)
            elif "sha256" in output:
                latest[output["path"]] = (output["sha256"], record.run_id)
                purged.discard(output["path"])
    for name, (expected, run_id) in sorted(latest.items()):
        path = lake.root / name
        if not path.exists():
            yield Finding(
                WARNING,
                "missing_file",
                name,
                f"written by run {run_id}, gone since, and no purge removed it",
                "if it was removed on purpose, nothing; otherwise replay or rebuild it "
                "(`clemency runs " + run_id + "` shows what the run read)",
            )
            continue
        actual = sha256_of(path)
        if actual != expected:
            yield Finding(
                ERROR,
                "checksum_mismatch",
                name,
                f"changed since run {run_id} wrote it (SHA-256 {expected[:12]}…, "
                f"now {actual[:12]}…): written outside the pipeline, or the disk corrupted it",
                "treat its content as untrusted: delete it and replay or rebuild it "
                "(`clemency runs " + run_id + "` shows the run's inputs)",
            )


def _unfinished_runs(lake: Lake) -> Iterator[Finding]:
    """Runs whose process died unfinished, until a later run of the same command succeeds
    (an ingest resumes from the lake's position; a transform or report is simply rerun)."""
    host = os.uname().nodename
    runs = load_runs(lake)
    for record in (r for r in runs if r.status == "running"):
        pid = record.trigger.get("pid")
        if record.trigger.get("host") != host or not isinstance(pid, int) or _alive(pid):
            continue
        if any(
            later.command == record.command
            and later.status == "succeeded"
            and later.started_at > record.started_at
            for later in runs
        ):
            continue  # resolved
        yield Finding(
            WARNING,
            "interrupted_run",
            f"audit/runs/{record.started_at[:10]}/{record.run_id}.json",
            f"{record.command} run {record.run_id} started {record.started_at} and its "
            f"process ({pid}) is gone without finishing",
            "nothing for ingest (the next run resumes from the committed offsets); for a "
            "transform or report, run it again",
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- warehouse ------------------------------------------------------------------------------


def _warehouse(lake: Lake) -> Iterator[Finding]:
    if not lake.warehouse.exists():
        return
    try:
        duckdb.connect(str(lake.warehouse), read_only=True).close()
    except duckdb.IOException as error:
        text = first_line(error)
        if "Could not set lock" in text:
            yield Finding(
                WARNING,
                "warehouse_locked",
                _relative(lake, lake.warehouse),
                f"held by another process: {text}",
                "a transform waits for it (then fails clearly); close the other session",
            )
        else:
            yield _broken_warehouse(lake, text)
    except duckdb.Error as error:
        yield _broken_warehouse(lake, first_line(error))


def _broken_warehouse(lake: Lake, text: str) -> Finding:
    return Finding(
        ERROR,
        "warehouse_unreadable",
        _relative(lake, lake.warehouse),
        f"DuckDB cannot open it: {text}",
        "delete it: it holds only what dbt rebuilds from the raw lake on the next transform",
    )
