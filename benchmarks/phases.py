"""Benchmark phases, each run in a child process so its peak memory is its own.

`python benchmarks/phases.py NAME JSON-ARGS` prints one JSON object with the result; the
code it measures is whichever checkout is first on PYTHONPATH (`run_phase`).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path


def publish(bootstrap: str, inmates: int, seed: int, only_recorded_on: str | None) -> dict:
    """Simulate and publish; with `only_recorded_on`, only the events recorded that day."""
    from clemency.ingest.publish import publish_events
    from clemency.kafka.clients import ensure_topics
    from producers.simulator import SimulationConfig, simulate

    ensure_topics(bootstrap, partitions=3)
    events = simulate(SimulationConfig(inmates=inmates, seed=seed))
    if only_recorded_on:
        events = (e for e in events if e["recorded_at"].startswith(only_recorded_on))
    started = time.perf_counter()
    report = publish_events(bootstrap, events)
    return {"records": report.sent, "seconds": time.perf_counter() - started}


FLOOR_PREFIX = "floor."  # the bare producer loop's own topics: the data topics stay clean


def bare_produce(bootstrap: str, inmates: int, seed: int) -> dict:
    """The publishing floor: the same simulated events, encoded and sent by a bare
    kafka-python producer (the pipeline's producer settings, no contract check) to topics
    of their own with as many partitions."""
    from kafka import KafkaAdminClient, KafkaProducer
    from kafka.admin import NewTopic

    from clemency.contracts import topics
    from clemency.ingest.publish import encode
    from producers.simulator import SimulationConfig, simulate

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(FLOOR_PREFIX + topic, 3, 1) for topic in topics()])
    admin.close()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=1,
        linger_ms=20,
        batch_size=256 * 1024,
    )
    from clemency.contracts import event_type, message_key

    started, sent = time.perf_counter(), 0
    for event in simulate(SimulationConfig(inmates=inmates, seed=seed)):
        topic = event_type(event["event_type"], event["schema_version"]).topic
        producer.send(FLOOR_PREFIX + topic, key=message_key(event).encode(), value=encode(event))
        sent += 1
    producer.flush()
    seconds = time.perf_counter() - started
    producer.close()
    return {"records": sent, "seconds": seconds}


def raw_consume(bootstrap: str, group: str) -> dict:
    """The floor: a kafka-python loop that reads every record and does nothing with it."""
    from kafka import TopicPartition

    from clemency.contracts import topics
    from clemency.kafka.clients import new_consumer

    consumer = new_consumer(bootstrap, group)
    partitions = [
        TopicPartition(topic, p) for topic in topics() for p in consumer.partitions_for_topic(topic)
    ]
    consumer.assign(partitions)
    for tp in partitions:
        committed = consumer.committed(tp)
        if committed is not None:
            consumer.seek(tp, committed)
        else:
            consumer.seek_to_beginning(tp)
    count, idle = 0, 0
    started = time.perf_counter()
    while idle < 3:
        batch = consumer.poll(timeout_ms=500)
        if not batch:
            idle += 1
            continue
        idle = 0
        count += sum(len(messages) for messages in batch.values())
    seconds = time.perf_counter() - started - 1.5  # the three idle polls that ended the loop
    consumer.close(autocommit=False)
    return {"records": count, "seconds": seconds}


def ingest(bootstrap: str, lake: str, group: str) -> dict:
    from clemency.ingest.run import ingest as run_ingest
    from clemency.lake.layout import Lake

    started = time.perf_counter()
    result = run_ingest(bootstrap, Lake(Path(lake)), group_id=group)
    seconds = time.perf_counter() - started - 1.5  # the three idle polls that ended the run
    import resource

    return {
        # this process alone, and the worker process (clemency.ingest.worker) when the run
        # used one: the phase's own peak, from wait4, is the larger of the two (Linux folds a
        # reaped child's peak into its parent's), so adding that to the worker's counted the
        # worker twice
        "self_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "records": result.total("consumed"),
        "landed": result.total("landed"),
        "quarantined": result.total("quarantined"),
        "seconds": seconds,
        "gate_seconds": result.gate_seconds,
    }


def cli_ingest(bootstrap: str, lake: str, code: str) -> dict:
    """`clemency ingest` (of the checkout at `code`) as an operator runs it: a process of its own,
    wall time."""
    import os
    import subprocess

    env = {
        **os.environ,
        "CLEMENCY_BOOTSTRAP_SERVERS": bootstrap,
        "CLEMENCY_LAKE": lake,
        "PYTHONPATH": code,
    }
    command = [sys.executable, "-c", "from clemency.cli import main; main()", "ingest"]
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=code, check=True, stdout=subprocess.DEVNULL)
    return {"records": 0, "seconds": time.perf_counter() - started}


def cli_raw_consume(bootstrap: str, group: str) -> dict:
    """The small run's floor: the bare consume loop in a process of its own, wall time."""
    import subprocess

    arguments = json.dumps({"bootstrap": bootstrap, "group": group})
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "raw_consume", arguments],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return {"records": 0, "seconds": time.perf_counter() - started}


def backfill(lake: str, first_day: str, days: int) -> dict:
    """A backfill of `days` days from `first_day`, as `clemency transform --from --to` runs
    it: one lock, one parse, the seeds and raw deliveries staged once, a build per day."""
    from clemency.lake.layout import Lake
    from clemency.transform.dbt import transform_range

    built, first = Lake(Path(lake)), dt.date.fromisoformat(first_day)
    started = time.perf_counter()
    transform_range(built, first, first + dt.timedelta(days=days - 1))
    return {"records": days, "seconds": time.perf_counter() - started}


def warm_parse(lake: str, as_of: str) -> dict:
    """`dbt parse` over an empty lake: leaves the checkout's parse in the cache a machine that
    runs the pipeline keeps between runs (clemency/transform/parse_cache.py), so the first
    measured build pays only what every build pays."""
    from clemency.lake.layout import Lake
    from clemency.transform.dbt import run_dbt

    started = time.perf_counter()
    run_dbt(Lake(Path(lake)), dt.date.fromisoformat(as_of), "parse")
    return {"records": 0, "seconds": time.perf_counter() - started}


def transform(lake: str, as_of: str) -> dict:
    """A dbt build of every model and test over the lake, for one as-of date (incremental:
    staging takes only raw files it has not staged; the first build of a lake is full)."""
    import resource

    import duckdb

    from clemency.lake.layout import Lake
    from clemency.transform.dbt import transform as run_transform

    started = time.perf_counter()
    built = Lake(Path(lake))
    run_transform(built, dt.date.fromisoformat(as_of))
    seconds = time.perf_counter() - started
    with duckdb.connect() as connection:
        decisions = connection.execute(
            "select count(*) from read_parquet(?)", [str(built.mart("amnesty_eligibility"))]
        ).fetchone()[0]
        in_custody = connection.execute(
            "select count(*) filter (where is_in_custody) from read_parquet(?)",
            [str(built.mart("person_status"))],
        ).fetchone()[0]
    # dbt runs in a child of this process: its peak is in the children's usage
    child_peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "records": decisions,
        "seconds": seconds,
        "in_custody": in_custody,
        "dbt_peak_rss_mib": child_peak_kib / 1024,
    }


def report(lake: str, round_id: str) -> dict:
    """The round's monitoring report in HTML, XLSX and PDF over the national-scale marts."""
    from clemency.lake.layout import Lake
    from clemency.reports.round_report import build_round_report

    started = time.perf_counter()
    files = build_round_report(Lake(Path(lake)), round_id, Path(lake) / "reports")
    return {"records": len(files), "seconds": time.perf_counter() - started}


PHASES = {
    "publish": publish,
    "bare_produce": bare_produce,
    "cli_ingest": cli_ingest,
    "cli_raw_consume": cli_raw_consume,
    "backfill": backfill,
    "raw_consume": raw_consume,
    "ingest": ingest,
    "transform": transform,
    "warm_parse": warm_parse,
    "report": report,
}

if __name__ == "__main__":
    name, arguments = sys.argv[1], json.loads(sys.argv[2])
    result = PHASES[name](**arguments)
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    print(json.dumps(result))
