"""Publishing events: validate first, then send each one whole to its topic, keyed by person.

The simulator, `clemency publish FILE.jsonl` and the tests all go through `Publisher`.
A file is checked whole before anything is sent: one bad line sends nothing (unless the
caller asks to skip bad lines), so fixing the file and sending it again never doubles the
good lines. A line over the message limit is refused by number without being read into
memory, a UTF-8 byte-order mark is accepted, and a reason quotes a short excerpt at most.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka.errors import KafkaError

from clemency.contracts import event_type, message_key, normalise, validate_event
from clemency.ingest.decode import MAX_MESSAGE_BYTES
from clemency.kafka.clients import new_producer
from clemency.kafka.security import KafkaSecurity

UTF8_BOM = b"\xef\xbb\xbf"
MAX_REASON_CHARS = 200  # a reason may quote the bad value: an excerpt, never the whole of it
READ_BLOCK = 1 << 20


@dataclass
class Rejected:
    """A record that was not sent: its line number (1-based) or position, and why."""

    line: int
    reasons: list[str]

    def __post_init__(self) -> None:
        self.reasons = [_excerpt(reason) for reason in self.reasons]


def _excerpt(text: str) -> str:
    if len(text) <= MAX_REASON_CHARS:
        return text
    return f"{text[:MAX_REASON_CHARS]}… ({len(text):,} characters)"


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
        self._producer = new_producer(bootstrap_servers, security=security, role="publisher")
        self._pending: list[tuple[int, str, Any]] = []
        self.report = PublishReport()

    def send(self, line: int, record: object) -> bool:
        event, rejected = checked(line, record)
        if event is None:
            assert rejected is not None
            self.report.rejected.append(rejected)
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


def checked(line: int, record: object) -> tuple[dict[str, Any], None] | tuple[None, Rejected]:
    """The record normalised and valid, or why it cannot be sent."""
    event = normalise(record) if isinstance(record, dict) else record
    problems = validate_event(event)
    if problems or not isinstance(event, dict):  # a non-object always has a problem
        return None, Rejected(line, [str(p) for p in problems])
    return event, None


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
    """Yield (line number, decoded record or the reason it could not be decoded).

    Lines are read with a bound: one longer than the message limit is skipped in blocks and
    refused by number, so a runaway line costs neither memory nor minutes."""
    with path.open("rb") as lines:
        number = 0
        while raw := lines.readline(MAX_MESSAGE_BYTES + 2):
            number += 1
            if number == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM) :]
            if len(raw.rstrip(b"\r\n")) > MAX_MESSAGE_BYTES:
                size = len(raw)
                while not raw.endswith(b"\n") and (raw := lines.readline(READ_BLOCK)):
                    size += len(raw)
                size -= len(raw) - len(raw.rstrip(b"\r\n"))  # the line's own bytes
                yield (
                    number,
                    Rejected(
                        number,
                        [
                            f"(record): line of {size:,} bytes, over the {MAX_MESSAGE_BYTES:,} "
                            "byte message limit; not read"
                        ],
                    ),
                )
                continue
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


def check_file(path: Path) -> list[Rejected]:
    """Every line of `path` that could not be sent, without sending anything."""
    rejected = []
    for number, item in read_jsonl(path):
        if isinstance(item, Rejected):
            rejected.append(item)
        elif (found := checked(number, item)[1]) is not None:
            rejected.append(found)
    return rejected


def publish_file(
    bootstrap_servers: str,
    path: Path,
    *,
    security: KafkaSecurity | None = None,
    skip_bad_lines: bool = False,
) -> PublishReport:
    """`clemency publish FILE.jsonl`: the whole file checked first; nothing sent when a line
    is bad, unless `skip_bad_lines` (then every valid line is sent, every bad one reported)."""
    rejected = check_file(path)
    if rejected and not skip_bad_lines:
        return PublishReport(rejected=rejected)
    bad = {r.line for r in rejected}
    with Publisher(bootstrap_servers, security=security) as publisher:
        for number, item in read_jsonl(path):
            if number not in bad and not isinstance(item, Rejected):
                publisher.send(number, item)
    publisher.report.rejected = sorted(
        [*rejected, *publisher.report.rejected], key=lambda r: r.line
    )
    return publisher.report
