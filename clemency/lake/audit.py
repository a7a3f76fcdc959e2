"""Audit trail: one JSON record per pipeline run, under `<lake>/audit/runs/<date>/<run id>.json`.

A record says who or what triggered the run (an Airflow task with its DAG run, or a person
at the command line), its arguments, the offsets or files it read, the SHA-256 of every
file it wrote and where its OpenLineage events are (`lineage`, see `clemency.lake.lineage`).
It names people only by pseudonym (`person_key:<hex>`): `audited` replaces
every citizen ID and person id in the command line, the arguments and the error. It is
written when the run starts (status `running`) and replaced, atomically, when it ends
(`succeeded` or `failed` with the error), so a run killed half-way still shows.
`clemency runs` lists and shows them; `clemency doctor` checks files against them.
"""

from __future__ import annotations

import datetime as dt
import getpass
import glob
import hashlib
import json
import os
import re
import socket
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clemency.errors import describe
from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.lake.lineage import airflow_task_lineage
from clemency.lake.pseudonym import person_key

# Argument names whose values never reach the record (they would sit in a world-readable
# folder next to the lake otherwise).
_SECRET_WORDS = ("password", "secret", "token", "key", "credential")

# A citizen ID (CCCD): twelve digits standing alone (not inside a longer number or a hex
# digest). Wherever one appears in a command line, an argument or an error, the record
# holds its pseudonym instead; so do the person ids a command declares (`person_ids`).
_CITIZEN_ID = r"(?<![0-9A-Za-z])[0-9]{12}(?![0-9A-Za-z])"


_RUN_ID_TIME = "%Y%m%dT%H%M%SZ"


def new_run_id(now: dt.datetime | None = None) -> str:
    """The one run id of the project; sorts by start time: `20261123T101500Z-1a2b3c4d`."""
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime(_RUN_ID_TIME + "-") + uuid.uuid4().hex[:8]


def run_started_at(run_id: str) -> dt.datetime | None:
    """When a run started, read back from its id (None when it is not a run id)."""
    try:
        return dt.datetime.strptime(run_id[:16], _RUN_ID_TIME).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


@dataclass
class RunRecord:
    run_id: str
    command: str
    arguments: dict[str, Any]
    trigger: dict[str, Any]
    started_at: str
    status: str = "running"
    finished_at: str | None = None
    duration_s: float | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    # Lake-relative paths (or patterns) of the run's OpenLineage events (clemency.lake.lineage)
    lineage: list[str] = field(default_factory=list)

    def add_output(self, path: Path, lake: Lake, **details: Any) -> None:
        self.outputs.append(file_entry(path, lake, **details))


def file_entry(path: Path, lake: Lake, **details: Any) -> dict[str, Any]:
    """A file as the record names it: lake-relative path, size and SHA-256."""
    path = Path(path)
    try:
        name = str(path.relative_to(lake.root))
    except ValueError:
        name = str(path)
    return {"path": name, "bytes": path.stat().st_size, "sha256": sha256_of(path), **details}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def redact(arguments: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: "***" if any(word in name.lower() for word in _SECRET_WORDS) else _plain(value)
        for name, value in arguments.items()
    }


def pseudonym(key: str | None, person_id: str) -> str:
    """A person as the audit trail names them: `person_key:<hex>` (`person_key:***` when no
    key is at hand, e.g. a `Lake` built by hand); `clemency runs --person` searches for it."""
    return f"person_key:{person_key(key, person_id)}" if key else "person_key:***"


class Pseudonymiser:
    """Replaces every citizen ID and every declared person id in text by its pseudonym, in
    one pass (a pseudonym is never scanned again, so its hex cannot be taken for an ID)."""

    def __init__(self, key: str | None, person_ids: Iterable[str] = ()) -> None:
        self.key = key
        declared = sorted({str(p) for p in person_ids if str(p).strip()}, key=len, reverse=True)
        alone = [rf"(?<![0-9A-Za-z]){re.escape(p)}(?![0-9A-Za-z])" for p in declared]
        self._pattern = re.compile("|".join([*alone, _CITIZEN_ID]))

    def text(self, value: str) -> str:
        return self._pattern.sub(lambda found: pseudonym(self.key, found.group(0)), value)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {name: self.value(item) for name, item in value.items()}
        return value


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


def current_trigger() -> dict[str, Any]:
    """Who or what started this process's run: the Airflow task when inside one, else the
    operating-system user and the command line."""
    trigger: dict[str, Any] = {
        "kind": "cli",
        "user": _os_user(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    airflow = _airflow_context()
    if airflow:
        trigger.update(kind="airflow", **airflow)
    else:
        trigger["argv"] = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv else []
    return trigger


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"uid:{os.getuid()}"


def _airflow_context() -> dict[str, Any] | None:
    if "airflow.sdk" not in sys.modules:  # never import Airflow from the CLI
        return None
    from airflow.sdk import get_current_context

    try:
        context = get_current_context()
    except RuntimeError:  # Airflow is loaded but this is not a task
        return None
    ti = context.get("ti")
    dag_run = context.get("dag_run")
    return {
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "dag_run_id": context.get("run_id"),
        "try_number": getattr(ti, "try_number", None),
        "run_type": str(getattr(dag_run, "run_type", "") or "") or None,
        "triggered_by_user": getattr(dag_run, "triggering_user_name", None),
        "logical_date": _iso(context.get("logical_date")),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def runs_folder(lake: Lake) -> Path:
    return lake.root / "audit" / "runs"


def record_path(lake: Lake, record: RunRecord) -> Path:
    return runs_folder(lake) / record.started_at[:10] / f"{record.run_id}.json"


def write_record(lake: Lake, record: RunRecord) -> Path:
    return atomic.write_json(record_path(lake, record), asdict(record))


@contextmanager
def audited(
    lake: Lake,
    command: str,
    arguments: Mapping[str, Any],
    run_id: str | None = None,
    *,
    person_ids: Iterable[str] = (),
    pseudonym_key: str | None = None,
) -> Iterator[RunRecord]:
    """Record one run: yield its record for the caller to fill with inputs and outputs.

    No citizen ID or person id reaches the record: in the command line, the arguments and
    the error, every twelve-digit CCCD and every value of `person_ids` (the person a command
    was asked about, whatever its form) is written as its pseudonym, keyed with
    `pseudonym_key` or else the settings' key the lake carries."""
    started = _now()
    private = Pseudonymiser(pseudonym_key or lake.pseudonym_key, person_ids)
    trigger = current_trigger()
    if "argv" in trigger:  # the command line as typed; user, host and pid stay as they are
        trigger["argv"] = private.value(trigger["argv"])
    record = RunRecord(
        run_id=run_id or new_run_id(started),
        command=command,
        arguments=private.value(redact(arguments)),
        trigger=trigger,
        started_at=started.isoformat(timespec="microseconds"),
    )
    if trigger["kind"] == "airflow" and trigger.get("dag_run_id"):
        # The OpenLineage events Airflow writes for this task try (clemency.task_lineage)
        record.lineage.append(
            airflow_task_lineage(
                lake,
                trigger["dag_id"],
                trigger["dag_run_id"],
                trigger["task_id"],
                trigger.get("try_number"),
            )
        )
    write_record(lake, record)
    try:
        yield record
    except BaseException as error:
        record.status = "failed"
        record.error = private.text(describe(error))
        raise
    else:
        record.status = "succeeded"
    finally:
        finished = _now()
        record.finished_at = finished.isoformat(timespec="microseconds")
        record.duration_s = round((finished - started).total_seconds(), 3)
        try:
            write_record(lake, record)
        except OSError:
            if record.status == "succeeded":
                raise
            # The run already failed (often for the same reason: a full disk); keep its
            # error, not this one. The `running` record on disk still shows the run.


def load_runs(
    lake: Lake,
    command: str | None = None,
    status: str | None = None,
    since: dt.date | None = None,
    person: str | None = None,
) -> list[RunRecord]:
    """Records, newest first, optionally filtered (`person`: a `pseudonym()`, found in the
    arguments or the command line)."""
    folder = runs_folder(lake)
    if not folder.is_dir():
        return []
    records = []
    for day in sorted(folder.iterdir(), reverse=True):
        if since is not None and day.name < since.isoformat():
            continue
        for path in day.glob("*.json"):
            record = RunRecord(**json.loads(path.read_text()))
            if command and record.command != command:
                continue
            if status and record.status != status:
                continue
            if person and not _mentions(record, person):
                continue
            records.append(record)
    return sorted(records, key=lambda r: (r.started_at, r.run_id), reverse=True)


def _mentions(record: RunRecord, text: str) -> bool:
    named = [record.arguments, record.trigger.get("argv") or []]
    return any(text in json.dumps(part, ensure_ascii=False) for part in named)


def find_runs(lake: Lake, run_id_prefix: str) -> list[RunRecord]:
    """Runs whose id starts with `run_id_prefix` (one, when the prefix is unique)."""
    if not run_id_prefix or "/" in run_id_prefix:
        return []
    paths = sorted(runs_folder(lake).glob(f"*/{glob.escape(run_id_prefix)}*.json"))
    return [RunRecord(**json.loads(path.read_text())) for path in paths]
