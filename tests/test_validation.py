"""The GX validation gate over a hand-built raw lake (no broker).

Importing GX takes seconds, so each lake is validated once per module and shared.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
from factories import admitted, facility, graded, imposed

from clemency.contracts import event_type, message_key
from clemency.ingest.decode import Coordinates, decode
from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.lake.schemas import RAW_SCHEMA
from clemency.validation.gate import (
    GateResult,
    ValidationGateError,
    summarise_results,
    validate_batch,
    validate_frame,
    validate_lake,
)
from expectations import suites

DELIVERED = dt.datetime(2024, 7, 1, 12, tzinfo=dt.UTC)
UNIQUE_COORDINATES = (
    "expect_compound_columns_to_be_unique(kafka_topic,kafka_partition,kafka_offset)"
)


def raw_row(event: dict, offset: int, partition: int = 0, **payload_overrides) -> dict:
    """A raw-lake row as the ingest lands it; payload overrides bypass the decoder's checks."""
    topic = event_type(event["event_type"]).topic
    key = message_key(event)
    where = Coordinates(topic, partition, offset, key.encode(), int(DELIVERED.timestamp() * 1000))
    verdict = decode(json.dumps(event).encode(), where)
    assert verdict.row is not None, verdict.reasons
    row = {
        **verdict.row,
        "kafka_topic": topic,
        "kafka_partition": partition,
        "kafka_offset": offset,
        "kafka_key": key,
        "kafka_timestamp": DELIVERED,
    }
    if payload_overrides:
        row["payload"] = json.dumps({**json.loads(row["payload"]), **payload_overrides})
    return row


def land(lake: Lake, rows: list[dict]) -> list[Path]:
    """Write rows as the ingest would: one file per topic and partition."""
    paths = []
    groups: dict[tuple[str, int], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["kafka_topic"], row["kafka_partition"]), []).append(row)
    for (topic, partition), group in groups.items():
        first = min(row["kafka_offset"] for row in group)
        path = lake.offset_file(lake.raw, topic, partition, first)
        atomic.write_parquet(path, pa.Table.from_pylist(group, RAW_SCHEMA))
        paths.append(path)
    return paths


def clean_rows() -> list[dict]:
    return [
        raw_row(admitted(), 0),
        raw_row(graded("tốt"), 1),
        raw_row(graded("kha", period="2024-Q3"), 2),
        raw_row(imposed(), 0),
        raw_row(imposed(person_id="079190000001", term_months=120), 1),
        raw_row(facility(), 0),
    ]


def validated(tmp_path_factory, rows: list[dict]) -> tuple[Lake, GateResult]:
    lake = Lake(tmp_path_factory.mktemp("lake"))
    land(lake, rows)
    return lake, validate_lake(lake, run_id="20240701T120000Z-test")


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Lake, GateResult]:
    return validated(tmp_path_factory, clean_rows())


@pytest.fixture(scope="module")
def duplicated(tmp_path_factory) -> GateResult:
    again = raw_row(imposed(person_id="079190000002"), 1)  # offset 1 is taken already
    return validated(tmp_path_factory, [*clean_rows(), again])[1]


@pytest.fixture(scope="module")
def implausible(tmp_path_factory) -> GateResult:
    rows = [
        *clean_rows(),
        raw_row(graded(), 3, grade="great"),
        raw_row(imposed(person_id="079190000003"), 2, partition=1, term_months=0),
    ]
    return validated(tmp_path_factory, rows)[1]


def test_clean_batch_passes_every_suite(clean):
    _, gate = clean
    suites_run = {(suite.suite, suite.topic) for suite in gate.suites}
    assert suites_run == {
        ("envelope", "court.events"),
        ("envelope", "facility.events"),
        ("envelope", "reference.events"),
        ("court_events", "court.events"),
        ("facility_events", "facility.events"),
        ("reference_events", "reference.events"),
    }
    assert gate.success, [failure for suite in gate.suites for failure in suite.failures]
    assert gate.rows == 6
    assert all(suite.evaluated_expectations > 0 for suite in gate.suites)
    assert gate.row_failures() == []
    gate.raise_for_critical()


def test_duplicate_kafka_coordinate_fails_the_critical_expectation(duplicated):
    critical = [(suite.suite, failure.name) for suite, failure in duplicated.critical_failures()]
    assert critical == [("envelope", UNIQUE_COORDINATES)]
    with pytest.raises(ValidationGateError) as raised:
        duplicated.raise_for_critical()
    message = str(raised.value)
    assert UNIQUE_COORDINATES in message
    assert "envelope suite on court.events" in message
    assert "on 2 of 3 rows" in message


def test_implausible_rows_are_reported_with_their_coordinates(implausible):
    found = {
        (f.topic, f.partition, f.offset, f.suite, f.reason_code) for f in implausible.row_failures()
    }
    assert found == {
        (
            "facility.events",
            0,
            3,
            "facility_events",
            "expectation:expect_column_values_to_be_in_set(grade)",
        ),
        (
            "court.events",
            1,
            2,
            "court_events",
            "expectation:expect_column_values_to_be_between(term_months)",
        ),
    }
    implausible.raise_for_critical()  # row-level warnings quarantine rows, not the batch
    assert not implausible.success
    kept = json.loads(implausible.path.read_text(encoding="utf-8"))
    [facility_suite] = [s for s in kept["suites"] if s["suite"] == "facility_events"]
    [failure] = facility_suite["failures"]
    assert failure["rows"] == [{"topic": "facility.events", "partition": 0, "offset": 3}]
    assert facility_suite["unexpected_rows"] == 1


def test_recorded_before_occurred_is_a_row_failure(clean):
    row = raw_row(graded(), 9)
    row["recorded_at"] = row["occurred_at"] - dt.timedelta(days=1)
    frame = pa.Table.from_pylist([row], RAW_SCHEMA).to_pandas()
    result = validate_frame("envelope", frame)
    [failure] = result.failures
    assert failure.name == (
        "expect_column_pair_values_a_to_be_greater_than_b(recorded_at,occurred_at)"
    )
    assert [(r.topic, r.partition, r.offset) for r in failure.rows] == [("facility.events", 0, 9)]


def test_a_missing_raw_column_is_critical(clean):
    frame = pa.Table.from_pylist([raw_row(graded(), 0)], RAW_SCHEMA).to_pandas()
    result = validate_frame("envelope", frame.drop(columns=["entity_key"]))
    failures = {f.name: f for f in result.failures}
    assert failures["expect_table_columns_to_match_set"].severity == "critical"
    assert "entity_key" in failures["expect_column_values_to_not_be_null(entity_key)"].error


def test_result_file_is_written_and_summarised(clean):
    lake, gate = clean
    assert gate.path == lake.root / "validation" / "20240701T120000Z-test.json"
    kept = json.loads(gate.path.read_text(encoding="utf-8"))
    assert kept["rows"] == 6 and kept["success"] is True
    summary = summarise_results(lake)
    assert len(summary) == 6
    court = next(s for s in summary if s["suite"] == "court_events")
    assert court["run_id"] == "20240701T120000Z-test"
    assert court["rows_evaluated"] == 2
    assert court["failed_expectations"] == []
    assert court["unexpected_rows"] == 0


def test_only_the_given_files_are_validated(tmp_path):
    lake = Lake(tmp_path)
    paths = land(lake, clean_rows())
    facility_files = [p for p in paths if "facility.events" in p.parts]
    gate = validate_lake(lake, files=facility_files)
    assert gate.files == 1 and gate.rows == 3
    assert {suite.topic for suite in gate.suites} == {"facility.events"}


def test_empty_lake_succeeds_with_zero_rows(tmp_path):
    lake = Lake(tmp_path)
    gate = validate_lake(lake)
    assert gate.success and gate.rows == 0 and gate.suites == []
    assert gate.path is not None and gate.path.exists()
    assert summarise_results(lake) == []


def test_expectation_names_are_unique_within_each_suite(clean):
    from clemency.validation.gate import expectation_name

    for dataset, build in suites().items():
        names = [expectation_name(e.configuration) for e in build().expectations]
        assert len(names) == len(set(names)), dataset


def test_the_gate_never_copies_a_batch_to_fingerprint_it():
    """GX fingerprints a pandas batch by pickling it whole when pandas cannot hash a column
    (the raw rows' `kafka_headers` are lists): a copy of every batch, and about a tenth of
    an ingest's gate time. A column that cannot be pickled shows whether that still happens."""
    import threading

    frame = pa.Table.from_pylist(clean_rows()[:3], RAW_SCHEMA).to_pandas()
    frame["kafka_headers"] = [[threading.Lock()] for _ in range(len(frame))]  # unpicklable

    result = validate_frame("envelope", frame)

    assert result.success and result.rows == 3


def test_what_gx_import_defers_is_whole_when_something_reads_it():
    """`import_gx` defers SciPy and Altair while GX imports: an expectation that computes
    with SciPy, GX's charts and a later caller of SciPy in the same process all still work
    (a fresh interpreter: this one may have imported GX already)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        from clemency.validation.gx_import import import_gx
        import_gx()
        import great_expectations as gx, pandas as pd
        context = gx.get_context(mode="ephemeral")
        batch = (context.data_sources.add_pandas("p").add_dataframe_asset("a")
                 .add_batch_definition_whole_dataframe("b")
                 .get_batch(batch_parameters={"dataframe": pd.DataFrame({"x": [1, 2, 2, 3]})}))
        near = gx.expectations.ExpectColumnKLDivergenceToBeLessThan(
            column="x", partition_object={"values": [1, 2, 3], "weights": [0.25, 0.5, 0.25]},
            threshold=0.1)
        far = gx.expectations.ExpectColumnKLDivergenceToBeLessThan(
            column="x", partition_object={"values": [1, 2, 3], "weights": [0.9, 0.05, 0.05]},
            threshold=0.1)
        print(batch.validate(near).success, batch.validate(far).success)
        import altair, scipy.optimize
        print(type(altair.Chart(pd.DataFrame({"x": [1]})).mark_bar()).__name__)
        print(scipy.optimize.linprog([1, 1], A_ub=[[-1, -1]], b_ub=[-1]).fun)
        """
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "Chart", "1.0"]


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(clean_rows, id="passing"),
        pytest.param(
            lambda: [*clean_rows(), raw_row(graded(), 3, grade="great")], id="a row refused"
        ),
        pytest.param(
            lambda: [*clean_rows(), raw_row(imposed(person_id="079190000002"), 1)],
            id="a critical failure",
        ),
    ],
)
def test_the_yes_or_no_first_pass_changes_no_result(rows, monkeypatch):
    """The gate validates each batch yes-or-no first, and again in full only when it fails
    something: every suite's result is what a full run alone gives."""
    import clemency.validation.gate as gate_module

    by_topic: dict[str, list[dict]] = {}
    for row in rows():
        by_topic.setdefault(row["kafka_topic"], []).append(row)
    frames = {t: pa.Table.from_pylist(r, RAW_SCHEMA).to_pandas() for t, r in by_topic.items()}
    results = {}
    for first_pass in (gate_module.FIRST_PASS_FORMAT, gate_module.RESULT_FORMAT):
        monkeypatch.setattr(gate_module, "FIRST_PASS_FORMAT", first_pass)
        results[first_pass["result_format"]] = [
            suite.to_dict() for t, frame in frames.items() for suite in validate_batch(t, frame)
        ]
    assert results["BOOLEAN_ONLY"] == results["COMPLETE"]
