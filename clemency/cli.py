"""`clemency` command line: one command per pipeline stage, settings from `CLEMENCY_*`.

Commands are thin: they parse options, call the same functions the DAGs and tests call,
and turn known failures into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import datetime as dt
import functools
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clemency.errors import PipelineError, describe, first_line
from clemency.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    help="Amnesty and work-release eligibility pipeline (settings: CLEMENCY_* variables).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


class CommandError(Exception):
    """A failure the user can act on: printed as one line, exit code 1."""


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def command(function):
    """Register a command whose known failures become a one-line reason."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from kafka.errors import KafkaError

        from clemency.kafka.broker import BrokerError
        from clemency.transform.dbt import TransformError

        try:
            return function(*args, **kwargs)
        except SettingsError as error:
            _fail(str(error), 2)
        except (
            CommandError,
            PipelineError,
            BrokerError,
            TransformError,
            KafkaError,
            OSError,
        ) as error:
            _fail(first_line(error) if isinstance(error, CommandError) else describe(error))
        except Exception as error:
            # A file the libraries cannot read (a garbage mart, a zeroed warehouse): its
            # error names the file; a traceback would say no more to the person.
            if type(error).__module__.split(".")[0] in {"pyarrow", "duckdb", "_duckdb"}:
                _fail(describe(error))
            raise

    return app.command()(wrapper)


def settings() -> Settings:
    return load_settings()


def _parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )


@command
def broker(
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Loopback port to listen on.")
    ] = 19092,
) -> None:
    """Run the embedded Kafka-compatible broker (in memory) until interrupted."""
    from clemency.kafka.broker import EmbeddedBroker
    from clemency.kafka.clients import ensure_pipeline_topics

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with EmbeddedBroker(port=port) as running:
        ensure_pipeline_topics(settings(), running.bootstrap_servers)
        out.print(f"broker ready: CLEMENCY_BOOTSTRAP_SERVERS={running.bootstrap_servers}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    out.print("broker stopped")


@command
def simulate(
    inmates: Annotated[int, typer.Option(min=1, max=500_000, help="People to simulate.")] = 1000,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same events.")
    ] = 7,
    as_of: Annotated[str, typer.Option(help="Simulate history up to this date.")] = "2025-11-30",
    output: Annotated[
        Path | None, typer.Option("--out", help="Write JSONL here instead of publishing.")
    ] = None,
    duplicate_rate: Annotated[float, typer.Option(min=0, max=0.5)] = 0.0,
    late_rate: Annotated[float, typer.Option(min=0, max=0.5)] = 0.0,
    out_of_order_rate: Annotated[float, typer.Option(min=0, max=0.5)] = 0.0,
) -> None:
    """Simulate facility, court and reference systems; write JSONL or publish to Kafka."""
    from producers.simulator import SimulationConfig, write_jsonl
    from producers.simulator import simulate as run_simulation

    config = SimulationConfig(
        inmates=inmates,
        seed=seed,
        as_of=_parse_date(as_of, "--as-of"),
        duplicate_rate=duplicate_rate,
        late_rate=late_rate,
        out_of_order_rate=out_of_order_rate,
    )
    with _progress() as progress:
        task = progress.add_task("simulating", total=None)
        events = _counted(run_simulation(config), lambda: progress.advance(task))
        if output is not None:
            count = write_jsonl(events, output)
            out.print(f"wrote {count:,} events for {inmates:,} inmates to {output}")
            return
        report = _publish_events(settings(), events)
    _print_publish(report)


def _counted(events, tick):
    for event in events:
        tick()
        yield event


def _publish_events(current: Settings, events):
    from clemency.ingest.publish import publish_events
    from clemency.kafka.clients import ensure_pipeline_topics

    ensure_pipeline_topics(current)
    return publish_events(current.bootstrap_servers, events, security=current.kafka)


def _print_publish(report) -> None:
    for topic, count in sorted(report.by_topic.items()):
        out.print(f"sent {count:,} to {topic}")
    for rejected in report.rejected:
        err.print(f"line {rejected.line}: {'; '.join(rejected.reasons)}", highlight=False)
    if not report.ok:
        raise CommandError(f"{len(report.rejected)} record(s) not sent, {report.sent:,} sent")
    out.print(f"sent {report.sent:,} events")


@command
def publish(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, one event a line.")
    ],
    skip_bad_lines: Annotated[
        bool,
        typer.Option(help="Send the valid lines even when others are bad (default: send none)."),
    ] = False,
) -> None:
    """Check FILE whole, then send each line to its topic; report each bad line by number.

    One bad line sends nothing, so re-sending the fixed file never doubles the good lines."""
    from clemency.ingest.publish import publish_file
    from clemency.kafka.clients import ensure_pipeline_topics

    current = settings()
    ensure_pipeline_topics(current)
    _print_publish(
        publish_file(
            current.bootstrap_servers, file, security=current.kafka, skip_bad_lines=skip_bad_lines
        )
    )


@command
def ingest(
    max_records: Annotated[
        int | None, typer.Option(min=1, help="Stop after about this many records.")
    ] = None,
    wait: Annotated[
        float,
        typer.Option(min=0, help="Seconds to wait for another ingest of this lake to finish."),
    ] = 0,
) -> None:
    """Land new records from Kafka into the raw lake (and quarantine); print the ledger."""
    from clemency.ingest.run import ingest as run_ingest

    current = settings()
    result = run_ingest(
        current.bootstrap_servers,
        current.lake,
        max_records=max_records,
        security=current.kafka,
        lock_timeout_s=wait,
    )
    table = Table("topic", "part.", "from", "to", "consumed", "landed", "quarantined", "dupes")
    for p in result.partitions:
        table.add_row(
            p.topic,
            str(p.partition),
            str(p.offset_from),
            str(p.offset_to),
            f"{p.consumed:,}",
            f"{p.landed:,}",
            f"{p.quarantined:,}",
            f"{p.duplicates_seen:,}",
        )
    out.print(table)
    out.print(
        f"run {result.run_id}: consumed {result.total('consumed'):,}, "
        f"landed {result.total('landed'):,}, quarantined {result.total('quarantined'):,} "
        f"(of which {result.total('gate_quarantined'):,} by the Great Expectations gate)"
    )
    if result.gate is not None:
        out.print(f"validation results: {result.gate.path}")


@command
def validate() -> None:
    """Run the Great Expectations suites over the whole raw lake; exit 1 on a critical failure."""
    from clemency.validation.gate import ValidationGateError, validate_lake

    gate = validate_lake(settings().lake)
    table = Table("suite", "topic", "rows", "expectations", "failed", "unexpected rows")
    for suite in gate.suites:
        table.add_row(
            suite.suite,
            suite.topic or "(all)",
            f"{suite.rows:,}",
            str(suite.evaluated_expectations),
            str(suite.evaluated_expectations - suite.successful_expectations),
            f"{suite.unexpected_rows:,}",
        )
    out.print(table)
    out.print(f"{gate.rows:,} rows in {gate.files:,} files; results: {gate.path}")
    try:
        gate.raise_for_critical()
    except ValidationGateError as error:
        raise CommandError(str(error)) from None


@command
def transform(
    as_of: Annotated[
        str | None,
        typer.Option(help="Point in time: events recorded up to this date (YYYY-MM-DD)."),
    ] = None,
    from_date: Annotated[
        str | None,
        typer.Option("--from", help="Backfill: the first as-of date of a range, with --to."),
    ] = None,
    to_date: Annotated[
        str | None,
        typer.Option("--to", help="Backfill: the last as-of date of the range (included)."),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(help="Passed to dbt; a selected build publishes nothing.", metavar="NODES"),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            help="Passed to dbt; a build with exclusions publishes nothing.", metavar="NODES"
        ),
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh", help="Stage every raw file again and reload the seeds (dbt's own)."
        ),
    ] = False,
) -> None:
    """Run the dbt build for one as-of date, or for each day of a range (a backfill);
    curated marts land under the lake."""
    from clemency.transform.dbt import Selection, transform_range

    if as_of is not None and (from_date or to_date):
        raise CommandError("give either --as-of DATE or --from DATE --to DATE, not both")
    if as_of is None and not (from_date and to_date):
        raise CommandError("give --as-of DATE, or --from DATE --to DATE for a range of days")
    first = _parse_date(as_of or from_date or "", "--as-of" if as_of else "--from")
    last = first if as_of else _parse_date(to_date or "", "--to")
    if last < first:
        raise CommandError(f"--to {last} is before --from {first}: no day to build")
    selection = Selection(tuple(select or ()), tuple(exclude or ()), full_refresh)
    current = settings()
    lake = current.lake
    built = transform_range(lake, first, last, selection=selection)
    days = f"{first}" if first == last else f"{first} to {last} ({len(built)} days)"
    if selection.partial:
        out.print(
            f"built the selected nodes for {days} under {lake.restricted} (restricted); a "
            "selected build publishes no mart and leaves the latest set alone"
        )
        return
    out.print(
        f"built marts for {days}: aggregate ones under {lake.curated}, person-level ones "
        f"under {lake.restricted_curated} (restricted)"
    )


@command
def explain(
    person_id: Annotated[str, typer.Argument(help="Citizen ID or inmate number.")],
    round_id: Annotated[
        str | None, typer.Option("--round", help="Amnesty round, e.g. 2025-2.")
    ] = None,
    program: Annotated[
        str, typer.Option(help="amnesty or work_release.", case_sensitive=False)
    ] = "amnesty",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Why a person is (not) eligible: each criterion met or unmet, with the figures."""
    import json

    from clemency.ops.explain import NotFound
    from clemency.ops.explain import explain as run_explain

    if program not in {"amnesty", "work_release"}:
        raise CommandError(f"--program: {program!r} is not amnesty or work_release")
    current = settings()
    try:
        found = run_explain(current.lake, current.pseudonym_key, person_id, program, round_id)
    except NotFound as error:
        raise CommandError(str(error)) from None
    if as_json:
        out.print_json(json.dumps(found.as_json(), ensure_ascii=False, default=str))
        return
    title = f"{found.program} {found.scope_id}: {found.status.upper()}"
    out.print(
        f"[bold]{title}[/] (judged at {found.evaluation_date}, as of {found.as_of_date}, "
        f"rules {found.rule_version})"
    )
    for code in found.met_criteria + found.unmet_criteria:
        mark = "[green]met  [/]" if code in found.met_criteria else "[red]unmet[/]"
        if code in found.unjudgeable_criteria:
            mark = "[yellow]unjudgeable[/]"  # its figures are missing: unmet, conservatively
        text = found.details.get(code, {}).get("text", "")
        out.print(f"  {mark} {code:<26} {text}", highlight=False, soft_wrap=True)


@command
def report(
    round_id: Annotated[
        str | None, typer.Option("--round", help="Amnesty round, e.g. 2025-2.")
    ] = None,
    program: Annotated[str, typer.Option(help="amnesty or work_release.")] = "amnesty",
    year: Annotated[int | None, typer.Option(help="Year of the work-release report.")] = None,
    lang: Annotated[str, typer.Option(help="vi (default) or en.")] = "vi",
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Reports folder (default: $CLEMENCY_LAKE/reports); the files go to "
            "<round or work-release>/<as-of date>/ under it.",
        ),
    ] = None,
    threshold: Annotated[int, typer.Option(min=1, help="Hide facility counts below this.")] = 5,
    restricted_person_export: Annotated[
        bool,
        typer.Option(
            "--restricted-person-export",
            help="Also write the round's person-level list (pseudonyms; restricted, mode 600).",
        ),
    ] = False,
) -> None:
    """Monitoring report (HTML, XLSX, PDF): an amnesty round, or the work-release year."""
    from clemency.reports.pdf import FontMissing

    if lang not in {"vi", "en"}:
        raise CommandError(f"--lang: {lang!r} is not vi or en")
    lake = settings().lake
    folder = out_dir or lake.reports
    try:
        if program == "amnesty":
            if not round_id:
                raise CommandError("--round is required for the amnesty report")
            from clemency.reports.round_report import build_round_report

            files = build_round_report(lake, round_id, folder, lang=lang, threshold=threshold)
            if restricted_person_export:
                from clemency.reports.restricted import export_person_level

                files["restricted"] = export_person_level(lake, round_id, folder)
        elif program == "work_release":
            if year is None:
                raise CommandError("--year is required with --program work_release")
            from clemency.reports.work_release_report import build_work_release_report

            files = build_work_release_report(lake, year, folder, lang=lang, threshold=threshold)
        else:
            raise CommandError(f"--program: {program!r} is not amnesty or work_release")
    except (ValueError, FontMissing) as error:
        raise CommandError(str(error)) from None
    for kind, path in files.items():
        out.print(f"{kind:>4}: {path}", highlight=False)
    out.print(f"portal: {lake.portal_page()}", highlight=False)


@command
def whatif(
    round_id: Annotated[str, typer.Option("--round", help="Amnesty round, e.g. 2025-2.")],
    settings_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="A changed rule parameter, name=value (e.g. time_served=1/4); repeatable.",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="As-of date of the published set to compare with.")
    ] = None,
    lang: Annotated[str, typer.Option(help="vi (default) or en.")] = "vi",
    threshold: Annotated[int, typer.Option(min=1, help="Hide counts below this.")] = 5,
    list_parameters: Annotated[
        bool, typer.Option("--list", help="List the round's parameters and values; build nothing.")
    ] = False,
) -> None:
    """Policy what-if: a round's decisions under changed rules, compared with the published."""
    from clemency.reports.whatif_report import build_whatif_report, changed_status
    from clemency.transform.rule_parameters import parameters
    from clemency.transform.scenario import build_scenario

    if list_parameters:
        for parameter in parameters(round_id):
            out.print(f"{parameter.name}={parameter.value}  ({parameter.kind})", highlight=False)
        return
    if lang not in {"vi", "en"}:
        raise CommandError(f"--lang: {lang!r} is not vi or en")
    lake = settings().lake
    date = _parse_date(as_of, "--as-of") if as_of else None
    scenario = build_scenario(lake, round_id, settings_ or [], date)
    built: list = []
    try:
        files = build_whatif_report(
            lake, scenario.scenario_id, lang=lang, threshold=threshold, reports=built
        )
    except ValueError as error:  # DisclosureError, a scenario that changed the candidates
        raise CommandError(f"scenario {scenario.scenario_id}: {first_line(error)}") from None
    out.print(
        f"scenario: {scenario.scenario_id} ({scenario.area.root}, restricted)", soft_wrap=True
    )
    # the national count the report prints (counted, never listed)
    out.print(f"people who change status: {changed_status(built[0])}", highlight=False)
    for kind, path in files.items():
        out.print(f"{kind:>4}: {path}", highlight=False, soft_wrap=True)


@command
def demo(
    inmates: Annotated[int, typer.Option(min=10, max=200_000, help="People to simulate.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    as_of: Annotated[str, typer.Option(help="As-of date of the run.")] = "2025-11-30",
) -> None:
    """Embedded broker → simulate → publish → ingest → dbt → HTML summary, then stop."""
    from clemency.demo import run_demo

    current = settings()
    outputs = run_demo(current, inmates=inmates, seed=seed, as_of=_parse_date(as_of, "--as-of"))
    for label, value in outputs.items():
        out.print(f"{label:>18}: {value}", highlight=False)


@command
def runs(
    run_id: Annotated[
        str | None, typer.Argument(help="Show this run in full (a unique prefix is enough).")
    ] = None,
    command_name: Annotated[
        str | None, typer.Option("--command", help="ingest, transform, report, purge, replay.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="running, succeeded or failed.")] = None,
    since: Annotated[str | None, typer.Option(help="Runs started on or after this date.")] = None,
    person: Annotated[
        str | None,
        typer.Option(
            help="Runs about this person (citizen ID, inmate number or person_key:<hex>), "
            "e.g. who explained their decision."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest runs to list.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """The audit trail: who or what ran each pipeline step, with what, reading and writing what."""
    import json
    from dataclasses import asdict

    from clemency.lake.audit import find_runs, load_runs, pseudonym

    current = settings()
    lake = current.lake
    if run_id:
        found = find_runs(lake, run_id)
        if len(found) != 1:
            problem = "no run" if not found else f"{len(found)} runs"
            raise CommandError(f"{problem} with an id starting {run_id!r} in {lake.root}")
        out.print_json(json.dumps(asdict(found[0]), ensure_ascii=False))
        return
    day = _parse_date(since, "--since") if since else None
    about = person  # the trail names people by pseudonym only: search for that
    if person and not person.startswith("person_key:"):
        about = pseudonym(current.pseudonym_key, person)
    records = load_runs(lake, command=command_name, status=status, since=day, person=about)
    records = records[:limit]
    if as_json:
        out.print_json(json.dumps([asdict(r) for r in records], ensure_ascii=False))
        return
    # The run id starts with the UTC start time, so it is also the "when" column.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("run (starts with UTC time)", no_wrap=True)
    for name in ("command", "status", "by"):
        table.add_column(name)
    table.add_column("s", justify="right")
    table.add_column("files", justify="right")
    for r in records:
        who = r.trigger.get("user") or "?"
        if r.trigger.get("kind") == "airflow":
            who = f"{r.trigger.get('dag_id')}.{r.trigger.get('task_id')}"
        table.add_row(
            r.run_id,
            r.command,
            r.status,
            who,
            "" if r.duration_s is None else f"{r.duration_s:.1f}",
            str(len(r.outputs)),
        )
    out.print(table)
    for r in records:
        if r.error:
            out.print(f"{r.run_id} {r.status}: {r.error}", highlight=False, soft_wrap=True)


@command
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
) -> None:
    """Check the lake: unreadable Parquet, misplaced or overlapping files, checksums against
    the audit trail, the warehouse, permissions; explain each problem. Exit 1 on errors."""
    import json

    from clemency.ops.doctor import ERROR, examine

    lake = settings().lake
    findings = examine(lake)
    if as_json:
        out.print_json(json.dumps([f.as_json() for f in findings], ensure_ascii=False))
    else:
        for f in findings:
            colour = "red" if f.severity == ERROR else "yellow"
            out.print(f"[{colour}]{f.severity}[/] {f.code}: {f.path}", highlight=False)
            out.print(f"    {f.problem}", highlight=False, soft_wrap=True)
            out.print(f"    what to do: {f.remedy}", highlight=False, soft_wrap=True)
        errors = sum(f.severity == ERROR for f in findings)
        out.print(f"{lake.root}: {errors} error(s), {len(findings) - errors} warning(s)")
    if any(f.severity == ERROR for f in findings):
        raise typer.Exit(1)


@command
def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List, do not delete.")] = False,
) -> None:
    """Delete restricted files (quarantine, validation results, raw if set) past retention."""
    from clemency.ops.retention import purge as run_purge

    current = settings()
    result = run_purge(
        current.lake,
        quarantine_days=current.quarantine_retention_days,
        raw_days=current.raw_retention_days,
        dry_run=dry_run,
    )
    verb = "would delete" if dry_run else "deleted"
    for path in result.deleted:
        out.print(f"{verb} {path}", highlight=False)
    cutoffs = ", ".join(f"{zone} before {when}" for zone, when in result.cutoffs.items())
    out.print(f"{verb} {len(result.deleted):,} file(s), {result.bytes_freed:,} bytes ({cutoffs})")


@command
def replay(
    topic: Annotated[str, typer.Option(help="Data topic to land again.")],
    from_offset: Annotated[
        int | None, typer.Option(min=0, help="First offset to land again.")
    ] = None,
    to_timestamp: Annotated[
        str | None,
        typer.Option(
            help="Land again from the first record at or after this time (ISO 8601, "
            "e.g. 2025-11-20T00:00:00+07:00), like kafka-consumer-groups --to-datetime."
        ),
    ] = None,
    partition: Annotated[
        list[int] | None, typer.Option(help="Partition (repeatable; default: all).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Say what would be rewound; change nothing.")
    ] = False,
) -> None:
    """Rewind the lake and the ingest group so the next `clemency ingest` lands these records
    again."""
    from clemency.ops.replay import ReplayError
    from clemency.ops.replay import replay as run_replay

    when = None
    if to_timestamp is not None:
        try:
            when = dt.datetime.fromisoformat(to_timestamp)
        except ValueError:
            raise CommandError(
                f"--to-timestamp: {to_timestamp!r} is not an ISO 8601 time"
            ) from None
        if when.tzinfo is None:
            raise CommandError(f"--to-timestamp: {to_timestamp!r} needs a UTC offset (+07:00)")
    current = settings()
    try:
        rewound = run_replay(
            current.bootstrap_servers,
            current.lake,
            topic,
            from_offset,
            partitions=partition or None,
            security=current.kafka,
            to_timestamp=when,
            dry_run=dry_run,
        )
    except ReplayError as error:
        raise CommandError(str(error)) from None
    would = "would move " if dry_run else ""
    for r in rewound:
        out.print(
            f"{r.topic}/{r.partition}: {would}committed {r.committed_before} -> {r.committed_now}",
            highlight=False,
        )
    out.print(
        "nothing changed (dry run)" if dry_run else "run `clemency ingest` to land them again"
    )


def main() -> None:  # pragma: no cover - console entry point
    """`clemency`: the app, then an exit without the interpreter's teardown (0.6 s once GX
    is imported, a sixth of a small ingest run)."""
    from clemency.process_exit import exit_code, exit_now

    try:
        app()
        code = 0
    except SystemExit as error:
        code = exit_code(error)
    exit_now(code)


if __name__ == "__main__":  # pragma: no cover
    main()
