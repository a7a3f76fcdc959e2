"""Benchmark phases, each run in a child process so its peak memory is its own.

`python -m benchmarks.phases NAME JSON-ARGS` prints one JSON object with the result.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path


def publish(bootstrap: str, inmates: int, seed: int, only_recorded_on: str | None) -> dict:
    """Simulate and publish; with `only_recorded_on`, only the events recorded that day."""
    from clemency.kafka_clients import ensure_topics
    from clemency.publish import publish_events
    from producers.simulator import SimulationConfig, simulate

    ensure_topics(bootstrap, partitions=3)
    events = simulate(SimulationConfig(inmates=inmates, seed=seed))
    if only_recorded_on:
        events = (e for e in events if e["recorded_at"].startswith(only_recorded_on))
    started = time.perf_counter()
    report = publish_events(bootstrap, events)
    return {"records": report.sent, "seconds": time.perf_counter() - started}


def raw_consume(bootstrap: str, group: str) -> dict:
    """The floor: a kafka-python loop that reads every record and does nothing with it."""
    from kafka import TopicPartition

    from clemency.contracts import topics
    from clemency.kafka_clients import new_consumer

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
    from clemency.ingest import ingest as run_ingest
    from clemency.lake import Lake

    started = time.perf_counter()
    result = run_ingest(bootstrap, Lake(Path(lake)), group_id=group)
    seconds = time.perf_counter() - started - 1.5  # the three idle polls that ended the run
    return {
        "records": result.total("consumed"),
        "landed": result.total("landed"),
        "quarantined": result.total("quarantined"),
        "seconds": seconds,
    }


PHASES = {"publish": publish, "raw_consume": raw_consume, "ingest": ingest}

if __name__ == "__main__":
    name, arguments = sys.argv[1], json.loads(sys.argv[2])
    result = PHASES[name](**arguments)
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    print(json.dumps(result))
