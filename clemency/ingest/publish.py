"""Publishing events: validate first, then send each one whole to its topic, keyed by person.

The simulator, `clemency publish FILE.jsonl` and the tests all go through `Publisher`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka.errors import KafkaError

from clemency.contracts import event_type, message_key, normalise, validate_event
from clemency.kafka.clients import new_producer
from clemency.kafka.security import KafkaSecurity


@dataclass
class Rejected:
    """A record that was not sent: its line number (1-based) or position, and why."""

    line: int
    reasons: list[str]


@dataclass
class PublishReport:
    sent: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Publisher:
    """Sends valid events with acks=all; invalid ones are reported, never half-sent.

    A message is one whole event, so "nothing half-sent for a line" holds by construction;
    delivery failures are collected from the futures at `flush()` and reported per line.
    """

    def __init__(self, bootstrap_servers: str, *, security: KafkaSecurity | None = None) -> None:
        self._producer = new_producer(bootstrap_servers, security=security)
        self._pending: list[tuple[int, str, Any]] = []
        self.report = PublishReport()

    def send(self, line: int, record: object) -> bool:
        event = normalise(record) if isinstance(record, dict) else record
        problems = validate_event(event)
        if problems or not isinstance(event, dict):  # a non-object always has a problem
            self.report.rejected.append(Rejected(line, [str(p) for p in problems]))
            return False
        topic = event_type(event["event_type"], event["schema_version"]).topic
        future = self._producer.send(
            topic, key=message_key(event).encode("utf-8"), value=encode(event)
        )
        self._pending.append((line, topic, future))
        if len(self._pending) >= 20_000:
            self.flush()
        return True

    def flush(self) -> PublishReport:
        self._producer.flush()
        for line, topic, future in self._pending:
            try:
                future.get(timeout=30)
            except KafkaError as error:
                self.report.rejected.append(Rejected(line, [f"delivery failed: {error}"]))
                continue
            self.report.sent += 1
            self.report.by_topic[topic] = self.report.by_topic.get(topic, 0) + 1
        self._pending.clear()
        return self.report

    def close(self) -> PublishReport:
        try:
            return self.flush()
        finally:
            self._producer.close(timeout=10)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def publish_events(
    bootstrap_servers: str,
    events: Iterable[dict[str, Any]],
    progress: Callable[[int], None] | None = None,
    *,
    security: KafkaSecurity | None = None,
) -> PublishReport:
    """Publish an iterable of event dicts; position in the iterable is the 'line'."""
    with Publisher(bootstrap_servers, security=security) as publisher:
        for position, record in enumerate(events, start=1):
            publisher.send(position, record)
            if progress is not None:
                progress(1)
    return publisher.report


def read_jsonl(path: Path) -> Iterator[tuple[int, object | Rejected]]:
    """Yield (line number, decoded record or the reason it could not be decoded)."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                yield number, Rejected(number, [f"(record): not UTF-8 at byte {error.start}"])
            except json.JSONDecodeError as error:
                yield (
                    number,
                    Rejected(number, [f"(record): not JSON: {error.msg} at column {error.colno}"]),
                )


def publish_file(
    bootstrap_servers: str, path: Path, *, security: KafkaSecurity | None = None
) -> PublishReport:
    """`clemency publish FILE.jsonl`: every valid line sent, every invalid one reported."""
    with Publisher(bootstrap_servers, security=security) as publisher:
        for number, item in read_jsonl(path):
            if isinstance(item, Rejected):
                publisher.report.rejected.append(item)
            else:
                publisher.send(number, item)
    publisher.report.rejected.sort(key=lambda r: r.line)
    return publisher.report
