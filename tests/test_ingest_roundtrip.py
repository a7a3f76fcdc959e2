"""Publish → ingest on a real broker: every record lands once, in raw or in quarantine."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from factories import admitted, facility, graded, imposed
from kafka import KafkaProducer

from clemency.ingest.publish import publish_events
from clemency.ingest.run import ingest
from clemency.kafka.clients import ensure_topics

pytestmark = pytest.mark.broker


def _raw_rows(lake, topic):
    files = sorted((lake.raw / topic).rglob("*.parquet"))
    return [row for f in files for row in pq.read_table(f).to_pylist()]


def test_published_events_land_once_with_names_intact(fresh_broker, lake):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=3)
    events = [facility(), imposed(), admitted(), graded("tốt"), graded("Khá", "2024-Q3")]
    report = publish_events(bootstrap, events)
    assert report.ok and report.sent == 5

    first = ingest(bootstrap, lake)
    assert first.total("consumed") == first.total("landed") == 5
    assert first.total("quarantined") == 0

    facility_rows = _raw_rows(lake, "facility.events")
    assert len(facility_rows) == 3
    names = [json.loads(r["payload"]).get("full_name") for r in facility_rows]
    assert "Nguyễn Thị Ánh Tuyết" in names
    grades = sorted(json.loads(r["payload"]).get("grade", "") for r in facility_rows)
    assert grades == ["", "kha", "tot"]  # Vietnamese spellings normalised on the way in
    assert {r["kafka_key"] for r in facility_rows} == {"001085012345"}

    second = ingest(bootstrap, lake)  # nothing new: nothing consumed, nothing rewritten
    assert second.total("consumed") == 0
    assert len(_raw_rows(lake, "facility.events")) == 3


def test_poison_record_between_good_ones_is_quarantined_not_blocking(fresh_broker, lake):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    good = admitted()
    key = good["person_id"].encode()
    for value in [json.dumps(good).encode(), b"\xff\xfe not utf-8", json.dumps(graded()).encode()]:
        producer.send("facility.events", key=key, value=value)
    producer.flush()
    producer.close()

    result = ingest(bootstrap, lake)
    assert (result.total("consumed"), result.total("landed"), result.total("quarantined")) == (
        3,
        2,
        1,
    )
    quarantined = pq.read_table(next(lake.quarantine.rglob("*.parquet"))).to_pylist()
    assert quarantined[0]["reason_codes"] == ["not_utf8"]
    assert quarantined[0]["value"] == b"\xff\xfe not utf-8"
    assert quarantined[0]["kafka_offset"] == 1
