"""Run the dbt-duckdb project for one as-of date (`clemency transform --as-of DATE`).

A build publishes its marts as a set: each mart is copied into the snapshot of its as-of
date, and only then does the lake's latest pointer (`curated/LATEST.json`) move, and only
forward, to a newer as-of date. Readers see the previous complete set or the new one, never
a mix; a backfill of an earlier day writes its snapshots and leaves "latest" alone; a killed
build leaves the previous set intact. An as-of date after today or before the first event is
refused, and an empty result never replaces a published set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from clemency.contracts import topics
from clemency.errors import PipelineError, first_line
from clemency.lake import atomic, locks
from clemency.lake.audit import RunRecord, audited
from clemency.lake.layout import DbtArea, Lake, column_range
from clemency.lake.schemas import RAW_SCHEMA
from clemency.paths import TRANSFORMS_DIR
from clemency.settings import load_settings
from clemency.transform import docs, parse_cache
from clemency.transform.dbt_session import DbtSession, SessionDied
from clemency.transform.downstream import publish_downstream
from clemency.transform.lineage import import_lineage, write_dbt_lineage
from clemency.transform.person_level import (
    EvaluationBasis,
    record_basis,
    staged_raw_files,
    take_basis,
    write_run_basis,
)
from clemency.transform.warehouse_state import (
    STAGED_TABLES,
    VIEW_MODELS,
    WarehouseState,
    dbt_variables,
    lake_relative,
    person_level_fingerprint,
    record_views,
    seed_only_tests,
    seeds_fingerprint,
    staged_only_tests,
    staged_tests_passed,
    staged_tests_record,
    typed_events_fingerprint,
    views_fingerprint,
    warehouse_state,
)

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
    published: bool = False  # whether its marts were published (not a selected build)


# The mart of the raw sources' freshness at the as-of date (a model since it is computed in
# the build; the build's log warns about each source it does not judge `pass`).
FRESHNESS_MART = "source_freshness"

# dbt commands that run nodes and write run_results.json
NODE_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot", "compile"})


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def run_dbt(
    lake: Lake,
    as_of: dt.date,
    *args: str,
    project_dir: Path = TRANSFORMS_DIR,
    area: DbtArea | None = None,
    session: DbtSession | None = None,
    basis: EvaluationBasis | None = None,
) -> TransformResult:
    """`dbt <args>` over `lake` at `as_of`, in a child process (or in `session`'s, which
    runs the commands of a backfill one after the other: clemency/transform/dbt_session.py).

    `project_dir` and `area` (warehouse, target, logs, marts) are the checkout's project and
    the lake's restricted/ folder, except for a what-if scenario (clemency/transform/
    scenario.py), which builds its own copy of the project in its own area.

    A child process, not dbt's in-process runner in this one: dbt keeps global state
    between invocations, and the DuckDB file lock is released for certain when the child
    exits (a session's child closes the file after each command).

    Everything dbt writes holds personal data (the warehouse citizen IDs, compiled SQL and
    logs quoted values, marts a row per person), so it all goes under the lake's restricted/
    folder (mode 700) and the child runs with umask 077: its files are the owner's only.
    dbt's `lake` variable is that folder (a mart's location is `<lake>/curated/<mart>`),
    `raw` the raw zone its sources read.

    The as-of date is not a dbt var: it is written to `Lake.dbt_as_of_dates`, which dbt
    reads as source `run.as_of_dates`; so is the person-level tables' `basis`
    (`Lake.dbt_evaluation_basis`, source `run.evaluation_basis`; None: nothing is kept).
    dbt runs in the lake's root, and every path it is given (vars, warehouse) is relative
    to it. The vars and the environment dbt sees are then
    the same build after build, and lake after lake, so dbt keeps its partial parse
    (`partial_parse.msgpack` in the target folder) instead of re-parsing the whole project
    every day, and a lake's first build starts from the last lake's (parse_cache.py).
    """
    area = area or lake
    area.restrict()
    log_dir = area.dbt_logs
    # the as-of date as a file dbt reads (source run.as_of_dates), beside the warehouse
    atomic.write_json(
        area.restricted / lake.dbt_as_of_dates.name, [{"as_of_date": as_of.isoformat()}],
        mode=0o600,
    )  # fmt: skip
    write_run_basis(area.restricted / lake.dbt_evaluation_basis.name, basis)
    common, env = _invocation(lake, area, project_dir)
    command = [dbt_executable(), *args, *common]
    results = area.dbt_target / "run_results.json"
    # judge this run by its own results only; a command that writes none (docs generate, a
    # `dbt source freshness` run by hand: sources.json) leaves the build's, which lineage and
    # callers read
    writes_results = bool(args) and args[0] in NODE_COMMANDS
    if writes_results:
        results.unlink(missing_ok=True)
    command_name = args[0] if args else ""
    shares_parse = project_dir == TRANSFORMS_DIR and area is lake  # a scenario's is its own
    if shares_parse:
        parse_cache.restore(area.dbt_target)
    try:
        if session is not None:
            returncode, output = session.run(list(args), common, env, cwd=lake.root)
        else:
            completed = subprocess.run(
                command,
                cwd=lake.root,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                umask=0o077,
                preexec_fn=_die_with_parent,  # killing `clemency transform` kills dbt too
            )
            returncode, output = completed.returncode, completed.stdout + completed.stderr
    except SessionDied as error:
        raise TransformError(f"dbt {command_name} failed for as-of {as_of}: {error}") from None
    finally:
        area.restrict()  # the warehouse file dbt may have created: mode 600
    if returncode != 0:
        locked = _LOCK_MESSAGE.search(output)
        if locked:  # taken between our check and dbt's start
            raise WarehouseLocked(_locked_message(area, locked.group(0)))
        tail = "\n".join(output.strip().splitlines()[-25:])
        failed = writes_results and failed_node(results, area.warehouse, lake.root)
        why = failed or _last_error_line(output)
        raise TransformError(f"dbt {command_name} failed for as-of {as_of}: {why}\n{tail}")
    if shares_parse:
        parse_cache.keep(area.dbt_target)
    return TransformResult(as_of, command, log_dir / "dbt.log")


def _invocation(lake: Lake, area: DbtArea, project_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The options every dbt command over `lake` takes, and the environment it runs in."""
    common = [
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(TRANSFORMS_DIR),
        "--target-path",
        str(area.dbt_target),
        "--log-path",
        str(area.dbt_logs),
        "--vars",
        json.dumps(dbt_variables(lake, area)),
    ]
    env = {
        **os.environ,
        "CLEMENCY_LAKE": ".",  # dbt runs in the lake's root
        "CLEMENCY_DBT_WAREHOUSE": lake_relative(lake, area.warehouse),  # profiles.yml's
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # dbt's file log at info, not its default debug: the debug lines (every query, every
        # connection) were a tenth of a small build's time and 0.7 MB a build; set
        # DBT_LOG_LEVEL_FILE=debug to have them back
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
    }
    return common, env


def start_session(lake: Lake, session: DbtSession) -> None:
    """Let `session`'s dbt process import dbt and parse the lake's project now, from the
    kept parse, while the caller prepares the first build (about 3 s overlapped)."""
    lake.restrict()
    parse_cache.restore(lake.dbt_target)
    common, env = _invocation(lake, lake, TRANSFORMS_DIR)
    session.start(common, env, cwd=lake.root)


def failed_node(
    run_results: Path, warehouse: Path | None = None, root: Path | None = None
) -> str | None:
    """`<resource> <name>: <dbt's message>` of the first node that failed or errored, read
    from dbt's `run_results.json` (None when dbt wrote none, e.g. it failed to parse).

    A test's name starts with its generic test and the model it checks
    (`model_checks_person_status`); a failed test of a model's checks also says which
    failed, from its failing rows queried again in `warehouse` from `root`, the folder dbt
    ran in (column names and counts, never a value of the model; see `_CHECK_ROWS`):
    `null in person_key (3 rows)`,
    `duplicated round_id, person_key (2 keys)`, `unexpected values in status (3 rows)`, or
    several of them: `null in as_of_date (1 row); duplicated person_key (2 keys)`."""
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
    if kind == "test" and first.get("status") == "fail" and warehouse is not None:
        manifest = run_results.with_name("manifest.json")
        message += _failed_checks(manifest, first, warehouse, root)
    return f"{kind} {name}: {message}{more}"


# The generic test of a model's checks (transforms/tests/generic/model_checks.sql): one a
# model, whose failing rows are `check_kind, column_names, failures`.
_CHECKS_TEST = "model_checks"


@dataclass(frozen=True)
class _CheckRows:
    """What the failing rows of one kind of check of `_CHECKS_TEST` say: a column list and a
    count each, never a value."""

    says: str  # the words before their columns
    counted: str  # what the count counts
    joined_by: str = ", "


# by check_kind, in the order the test checks them
_CHECK_ROWS = {
    "null": _CheckRows("null in", "row"),
    # a key is a list of columns (`round_id, person_key`): keys are joined by a semicolon
    "duplicated": _CheckRows("duplicated", "key", "; "),
    "unexpected": _CheckRows("unexpected values in", "row"),
}


def _failed_checks(manifest: Path, result: dict, warehouse: Path, root: Path | None) -> str:
    """`: null in <column> (<n> rows), …; duplicated <key columns> (<n> keys); …; unexpected
    values in <column> (<n> rows), …` (the kinds that failed) for a failed `_CHECKS_TEST`
    (its failing rows, queried again read-only), "" for any other test or when that cannot
    be done."""
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
        node = nodes[result["unique_id"]]
        if (node.get("test_metadata") or {}).get("name") != _CHECKS_TEST:
            return ""
        # the compiled test names files relative to the folder dbt ran in
        search: dict[str, str | bool | int | float | list[str]] = (
            {"file_search_path": str(root)} if root is not None else {}
        )
        with duckdb.connect(str(warehouse), read_only=True, config=search) as connection:
            rows = connection.execute(
                "select check_kind, column_names, failures"
                f" from ({result['compiled_code']}) limit 10"
            ).fetchall()
    except (OSError, ValueError, KeyError, TypeError, duckdb.Error):
        return ""
    said = []
    for kind, check in _CHECK_ROWS.items():
        failed = [(what, count) for of_kind, what, count in rows if of_kind == kind]
        if failed:
            said.append(
                f"{check.says} "
                + check.joined_by.join(
                    f"{what} ({count} {check.counted}{'' if count == 1 else 's'})"
                    for what, count in failed
                )
            )
    return ": " + "; ".join(said) if said else ""


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


@dataclass(frozen=True)
class Selection:
    """What of the project a build runs: `clemency transform --select/--exclude` pass to
    dbt as they are; `--full-refresh` rebuilds the incremental models (the raw deliveries)
    from every raw file and reloads the seeds.

    A build with a selection or an exclusion is a working build: dbt refreshes the nodes it
    selected (and restricted/curated/), but nothing is published and "latest" stays where
    it is, since the marts it did not rebuild would be published as if they were fresh."""

    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    full_refresh: bool = False

    @property
    def partial(self) -> bool:
        return bool(self.select or self.exclude)


def transform(
    lake: Lake,
    as_of: dt.date,
    lock_timeout_s: float = 60.0,
    selection: Selection = Selection(),
) -> TransformResult:
    """Seed, build and data-test every model for `as_of`; dbt writes the marts under
    restricted/curated/ with a copy under restricted/curated/snapshots/as_of=<date>/ (a
    rerun of that date replaces it), and the aggregate marts are published, latest and
    snapshot, under curated/ (see `publish_snapshot`).

    dbt unit tests check the rules' SQL, not the data, so they run in the test suite
    (tests/test_dbt_unit.py), not in every production build.
    """
    return transform_range(lake, as_of, as_of, lock_timeout_s, selection)[0]


def transform_range(
    lake: Lake,
    first: dt.date,
    last: dt.date,
    lock_timeout_s: float = 60.0,
    selection: Selection = Selection(),
) -> list[TransformResult]:
    """Build and publish the snapshot of every day from `first` to `last` (a backfill) under
    one lock and one audit record, oldest first, so "latest" moves forward only; each day's
    snapshot is the one `transform(lake, day)` would publish.

    The days share what does not depend on the date: dbt's parse, the seeds (loaded once,
    if at all) and the raw deliveries (staged once: later days find no new file)."""
    if last < first:
        raise TransformError(f"--to {last} is before --from {first}: no day to build")
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    with (
        audited(lake, "transform", _arguments(first, last, lock_timeout_s, selection)) as record,
        # one build at a time per lake, whoever holds the warehouse file
        locks.hold(lake, "transform", lock_timeout_s, record.run_id),
        # one dbt process for every day, and for the docs page after them: dbt imported
        # and the project parsed once, while the checks below run
        DbtSession(preexec=_die_with_parent) as session,
        # the last build's lineage and docs run, while its day is published
        ThreadPoolExecutor(max_workers=2) as beside,
    ):
        start_session(lake, session)
        check_as_of(lake, first)
        check_as_of(lake, last)
        record.inputs = raw_offsets(lake)
        inputs = build_inputs(record.inputs)
        wait_for_warehouse(lake, lock_timeout_s)
        ensure_raw_topics(lake)
        built = []
        if not selection.partial:  # the last day's lineage is written after its build
            threading.Thread(target=import_lineage, daemon=True).start()
        docs_run: Callable[[], object] = _no_docs_run
        lineage: Future[list[Path]] | None = None
        for day in days:
            result = build_day(lake, day, selection, session)
            if day == days[-1]:
                docs_run, lineage = _start_beside(lake, last, record, session, selection, beside)
            if not selection.partial:
                result = publish_day(lake, day, result, record, inputs)
            built.append(result)
            selection = dataclasses.replace(selection, full_refresh=False)  # the first's
        record.arguments["became_latest"] = any(result.latest for result in built)
        if built and built[-1].published:
            # the analyst catalogs and the dbt docs page (clemency.transform.downstream)
            publish_downstream(lake, record, docs_run)
        if lineage is not None and (events := lineage.result()):
            record.lineage.append(str(events[0].parent.relative_to(lake.root)) + "/")
        return built


def _start_beside(
    lake: Lake,
    as_of: dt.date,
    record: RunRecord,
    session: DbtSession,
    selection: Selection,
    pool: ThreadPoolExecutor,
) -> tuple[Callable[[], object], Future[list[Path]] | None]:
    """Start in `pool`, from the last build's artifacts (no command writes them again), what
    runs while that day is published: its OpenLineage events (clemency.transform.lineage)
    and, when the docs page is not current, the docs run in the session's process, which
    writes in dbt's target only (the page is published after the day). Returns the wait for
    the docs run, and the lineage's files to come (None for a partial build)."""
    if selection.partial:
        session.release()
        return _no_docs_run, None
    lineage = pool.submit(write_dbt_lineage, lake, record.run_id)
    if docs.page_is_current(lake):
        session.release()  # no docs run: dbt's exit overlaps the publishing
        return _no_docs_run, lineage
    return pool.submit(_last_command(lake, as_of, session), *docs.GENERATE).result, lineage


def _arguments(first: dt.date, last: dt.date, lock_timeout_s: float, selection: Selection) -> dict:
    """What a build's audit record says it was asked."""
    demo_key = load_settings().uses_demo_key
    if demo_key:
        # The key itself never leaves the environment; which kind was used is on record,
        # so marts built with the public demo key are never mistaken for protected ones.
        log.warning("person_key pseudonyms use the public demo key: demo data only")
    arguments: dict = {
        "as_of": first.isoformat(),
        "lock_timeout_s": lock_timeout_s,
        "pseudonyms": "demo key (not for production)" if demo_key else "secret key",
    }
    if last != first:
        arguments["to"] = last.isoformat()
    if selection != Selection():
        arguments.update(
            select=list(selection.select),
            exclude=list(selection.exclude),
            full_refresh=selection.full_refresh,
        )
    return arguments


def _no_docs_run() -> None:
    raise PipelineError("no docs run was started for a page that is not current")


def _last_command(
    lake: Lake, as_of: dt.date, session: DbtSession
) -> Callable[..., TransformResult]:
    """`run_dbt` in `session` for the build's last dbt command (its docs run), which then
    lets the session's process exit."""

    def run(*args: str) -> TransformResult:
        try:
            return run_dbt(lake, as_of, *args, session=session)
        finally:
            session.release()

    return run


def publish_day(
    lake: Lake,
    day: dt.date,
    result: TransformResult,
    record: RunRecord,
    inputs: dict[str, str],
) -> TransformResult:
    """After the build of `day`: a warning per stale raw source, then its snapshot, the
    latest set (forward only) and its build stamp."""
    warn_stale_sources(lake, day)
    for written in publish_snapshot(lake, day):
        record.add_output(written, lake, rows=pq.ParquetFile(written).metadata.num_rows)
    latest = advance_latest(lake, day, record.run_id)
    atomic.write_json(lake.build_stamp(day), {**inputs, "run_id": record.run_id}, mode=0o600)
    return dataclasses.replace(result, latest=latest, published=True)


def _stages_everything(selection: Selection, state: WarehouseState, typed_events: str) -> bool:
    """Whether the build stages every raw file again (--full-refresh): when asked to, when a
    raw file it staged is gone or rewritten, or when the typed event models changed since
    their tables were built (an incremental model's new definition would apply to new
    deliveries only)."""
    if selection.full_refresh:
        return True
    if state.stale_files:
        log.info(
            "%d staged raw file(s) gone or rewritten (%s …): staging every raw file again",
            len(state.stale_files),
            state.stale_files[0],
        )
        return True
    if state.typed_events_changed(typed_events):
        log.info("the typed event models changed: staging every raw file again")
        return True
    return False


def _kept_staged_tables(lake: Lake, staged_tested: dict) -> list[str]:
    """What a build that stages no raw file excludes: the staged tables (they hold every row
    already), and their checks too when a whole build has passed them since the tables last
    changed (`staged_tests_record`); else the checks still run."""
    if staged_tests_passed(lake, staged_tested):
        return [STAGED_TABLES, *staged_only_tests(lake)]
    return [STAGED_TABLES]


def build_day(
    lake: Lake,
    as_of: dt.date,
    selection: Selection = Selection(),
    session: DbtSession | None = None,
) -> TransformResult:
    """One `dbt build` (no unit test) for `as_of`, publishing nothing (the caller holds the
    lock): the seeds are reloaded, and their data tests run, only when they changed since
    they were last loaded into this warehouse; the views are created again only when what
    defines them changed (clemency/transform/warehouse_state.py), their data tests run
    every build; the staged tables (raw deliveries, typed events) take only new raw files,
    are kept as they are when no file is new (and their checks skipped, when a whole build
    has passed them since), and are rebuilt from every file when a file they staged is gone
    or now holds other rows (a purge, a replay) or their definitions changed."""
    state = warehouse_state(lake)
    seeds, views = seeds_fingerprint(), views_fingerprint(lake)
    load_seeds = selection.full_refresh or state.seeds_fingerprint != seeds
    keep_views = not (selection.partial or selection.full_refresh) and (
        state.views_fingerprint == views
    )
    excluded = ["test_type:unit", *selection.exclude]
    arguments = ["build"]
    if selection.select:
        arguments += ["--select", *selection.select]
    else:
        # only what is named: excluding the seeds or the views must not take with them the
        # tests that read them (dbt's default would drop those too)
        arguments += ["--indirect-selection", "empty"]
        if not load_seeds:
            excluded += ["resource_type:seed", *seed_only_tests(lake)]
        if keep_views:
            excluded.append(VIEW_MODELS)
    typed_events = typed_events_fingerprint()
    stages_everything = _stages_everything(selection, state, typed_events)
    if stages_everything:
        arguments.append("--full-refresh")
    person_level, staged = person_level_fingerprint(), staged_raw_files(lake)
    staged_tested = staged_tests_record(staged)
    if not stages_everything and not selection.select and state.nothing_to_stage(typed_events):
        excluded += _kept_staged_tables(lake, staged_tested)
    arguments += ["--exclude", *excluded]
    lake.dbt_staged_tested.unlink(missing_ok=True)  # recorded again once this one passes
    if not keep_views:  # the views this build may change are recorded again once it is done
        lake.dbt_views_built.unlink(missing_ok=True)
    # the person-level tables keep the rows nothing new can change (clemency/transform/
    # person_level.py), from the last whole build's basis
    basis = take_basis(
        lake,
        as_of,
        person_level,
        keep=not (selection.partial or stages_everything),
        whole=not selection.partial,
    )
    result = run_dbt(lake, as_of, *arguments, session=session, basis=basis)
    if not selection.partial:
        record_basis(lake, as_of, person_level, staged)
        atomic.write_json(lake.dbt_staged_tested, staged_tested, mode=0o600)
        if load_seeds:
            atomic.write_json(lake.dbt_seeds_loaded, {"sha256": seeds}, mode=0o600)
        if not keep_views:
            record_views(lake, views)
        atomic.write_json(lake.dbt_typed_events_built, {"sha256": typed_events}, mode=0o600)
    return result


def warn_stale_sources(lake: Lake, as_of: dt.date) -> list[dict]:
    """Log a warning for each raw source the build's `source_freshness` mart (dbt source
    freshness, computed in the build: models/marts/source_freshness.sql) does not judge
    `pass`, and return those rows. A stale source never fails the build: the reports'
    data-quality annex shows it."""
    table = pq.ParquetFile(lake.restricted_curated / f"{FRESHNESS_MART}.parquet").read()
    # timestamps as text: pyarrow turns a time-zoned one into Python through pandas, an
    # import of over a second for one log line (and pq.read_table imports it too)
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            table = table.set_column(index, field.name, table.column(index).cast(pa.string()))
    stale = [row for row in table.to_pylist() if row["status"] != "pass"]
    for row in stale:
        log.warning(
            "source %s.%s: %s at %s (latest record %s, %.1f h old; warn after %s, error after %s)",
            row["source_name"], row["table_name"], row["status"], as_of,
            row["max_loaded_at"], row["age_hours"], row["warn_after"], row["error_after"],
        )  # fmt: skip
    return stale


def build_inputs(offsets: list[dict]) -> dict[str, str]:
    """Fingerprints of what a snapshot is computed from: the raw files (`raw_offsets`) and
    the seeds. Two builds of one day from equal inputs publish the same marts."""
    raw = hashlib.sha256(json.dumps(offsets, sort_keys=True, default=str).encode()).hexdigest()
    return {"raw": raw, "seeds": seeds_fingerprint()}


def snapshot_is_current(lake: Lake, as_of: dt.date) -> bool:
    """Whether the published snapshot of `as_of` was built from the raw files and seeds the
    lake holds now (then building it again would publish the same marts)."""
    try:
        stamp = json.loads(lake.build_stamp(as_of).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    fresh = build_inputs(raw_offsets(lake))
    return lake.snapshot(as_of).is_dir() and all(stamp.get(k) == v for k, v in fresh.items())


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
