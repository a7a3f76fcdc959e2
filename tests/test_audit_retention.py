"""The audit trail, `clemency runs`, retention (`clemency purge`) and the doctor's file checks,
on lakes written by hand (no broker)."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from clemency.cli import app
from clemency.lake import atomic
from clemency.lake.audit import audited, load_runs, redact, sha256_of
from clemency.lake.layout import Lake
from clemency.lake.schemas import QUARANTINE_SCHEMA, RAW_SCHEMA
from clemency.ops.doctor import examine
from clemency.ops.retention import purge
from clemency.settings import SettingsError, load_settings

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TOPIC = "facility.events"


def quarantine_file(lake: Lake, first_offset: int, days_old: float) -> os.PathLike:
    when = NOW - dt.timedelta(days=days_old)
    rows = [
        {
            "kafka_topic": TOPIC,
            "kafka_partition": 0,
            "kafka_offset": first_offset + n,
            "kafka_key": b"k",
            "kafka_timestamp": when,
            "value": b'{"full_name": "Nguy\xe1\xbb\x85n V\xc4\x83n A"}',
            "reason_codes": ["schema"],
            "reasons": ["payload.term_months: must be >= 0"],
        }
        for n in range(3)
    ]
    path = lake.offset_file(lake.quarantine, TOPIC, 0, first_offset)
    atomic.write_parquet(path, pa.Table.from_pylist(rows, QUARANTINE_SCHEMA))
    return path


def raw_file(lake: Lake, first_offset: int, days_old: float, count: int = 3):
    when = NOW - dt.timedelta(days=days_old)
    rows = [
        {
            "event_id": f"e{first_offset + n}",
            "event_type": "behaviour.graded",
            "schema_version": 1,
            "occurred_at": when,
            "recorded_at": when,
            "source_system": "facility",
            "source_id": "T01",
            "person_id": "001085000001",
            "entity_key": "001085000001",
            "payload": "{}",
            "kafka_topic": TOPIC,
            "kafka_partition": 0,
            "kafka_offset": first_offset + n,
            "kafka_key": "001085000001",
            "kafka_timestamp": when,
        }
        for n in range(count)
    ]
    path = lake.offset_file(lake.raw, TOPIC, 0, first_offset)
    atomic.write_parquet(path, pa.Table.from_pylist(rows, RAW_SCHEMA))
    return path


def codes(lake: Lake) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in examine(lake):
        found.setdefault(finding.code, set()).add(finding.path)
    return found


# -- audit trail ----------------------------------------------------------------------------


def test_a_run_is_recorded_running_then_succeeded_with_checksums(lake):
    with audited(lake, "transform", {"as_of": "2025-11-30"}) as record:
        (running,) = load_runs(lake)
        assert running.status == "running" and running.finished_at is None
        path = raw_file(lake, 0, 1)
        record.add_output(path, lake, rows=3)
    (done,) = load_runs(lake)
    assert done.status == "succeeded" and done.duration_s >= 0
    assert done.arguments == {"as_of": "2025-11-30"}
    assert done.trigger["kind"] == "cli" and done.trigger["pid"] == os.getpid()
    assert done.outputs[0]["sha256"] == sha256_of(path)
    assert done.outputs[0]["path"] == str(path.relative_to(lake.root))


def test_a_failed_run_keeps_its_error_and_secrets_never_reach_the_record(lake):
    with pytest.raises(ValueError), audited(lake, "report", {"sasl_password": "hunter2-x"}):
        raise ValueError("round 2031-9 has no decisions\nsecond line")
    (failed,) = load_runs(lake)
    assert failed.status == "failed"
    assert failed.error == "ValueError: round 2031-9 has no decisions"
    assert failed.arguments == {"sasl_password": "***"}
    assert "hunter2-x" not in json.dumps([str(p.read_text()) for p in lake.root.rglob("*.json")])
    assert redact({"api_token": "t", "pseudonym_key": "k", "as_of": "d"}) == {
        "api_token": "***",
        "pseudonym_key": "***",
        "as_of": "d",
    }


def test_runs_command_lists_filters_and_shows_one_run(lake):
    for command in ("ingest", "transform", "ingest"):
        with audited(lake, command, {}):
            pass
    with pytest.raises(RuntimeError), audited(lake, "transform", {}):
        raise RuntimeError("dbt failed")
    env = {"CLEMENCY_LAKE": str(lake.root)}
    runner = CliRunner()
    listed = json.loads(runner.invoke(app, ["runs", "--json"], env=env).output)
    assert [r["command"] for r in listed] == ["transform", "ingest", "transform", "ingest"]
    failed = json.loads(
        runner.invoke(app, ["runs", "--json", "--status", "failed"], env=env).output
    )
    assert [r["error"] for r in failed] == ["RuntimeError: dbt failed"]
    only = runner.invoke(app, ["runs", "--json", "--command", "ingest"], env=env)
    assert len(json.loads(only.output)) == 2
    shown = runner.invoke(app, ["runs", listed[-1]["run_id"][:20]], env=env)
    assert shown.exit_code == 0 and json.loads(shown.output)["command"] == "ingest"
    ambiguous = runner.invoke(app, ["runs", "2"], env=env)
    assert ambiguous.exit_code == 1 and "4 runs with an id starting '2'" in ambiguous.output
    table = runner.invoke(app, ["runs"], env=env)
    assert (
        table.exit_code == 0
        and f"{failed[0]['run_id']} failed: RuntimeError: dbt failed" in table.output
    )


# -- retention ------------------------------------------------------------------------------


def test_purge_deletes_only_files_past_retention_and_records_them(lake):
    old_q = quarantine_file(lake, 0, days_old=120)
    new_q = quarantine_file(lake, 10, days_old=5)
    old_raw = raw_file(lake, 0, days_old=4000)
    old_result = lake.validation / "20250101T000000Z-0badc0de.json"
    old_result.parent.mkdir(parents=True, exist_ok=True)
    old_result.write_text("{}")

    listed = purge(lake, quarantine_days=90, now=NOW, dry_run=True)
    assert sorted(listed.deleted) == sorted([old_q, old_result])
    assert old_q.exists() and old_result.exists()

    done = purge(lake, quarantine_days=90, now=NOW)
    assert sorted(done.deleted) == sorted([old_q, old_result])
    assert not old_q.exists() and new_q.exists()
    assert old_raw.exists(), "raw is kept for good unless a raw retention is set"

    purge(lake, quarantine_days=90, raw_days=3650, now=NOW)
    assert not old_raw.exists()
    purges = load_runs(lake, command="purge")
    deleted = [o["path"] for r in purges for o in r.outputs]
    assert str(old_raw.relative_to(lake.root)) in deleted
    assert all(o["deleted"] for r in purges for o in r.outputs)
    assert "missing_file" not in codes(lake)


def test_purge_command_uses_the_retention_settings(lake):
    quarantine_file(lake, 0, days_old=40)
    env = {"CLEMENCY_LAKE": str(lake.root), "CLEMENCY_QUARANTINE_RETENTION_DAYS": "30"}
    dry = CliRunner().invoke(app, ["purge", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "would delete 1 file(s)" in dry.output
    done = CliRunner().invoke(app, ["purge"], env=env)
    assert "deleted 1 file(s)" in done.output
    assert not list(lake.quarantine.rglob("*.parquet"))


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CLEMENCY_QUARANTINE_RETENTION_DAYS", "ninety", "is not a whole number of days"),
        ("CLEMENCY_RAW_RETENTION_DAYS", "0", "outside 1-36500 days"),
    ],
)
def test_bad_retention_settings_name_the_variable(variable, value, message):
    with pytest.raises(SettingsError, match=f"{variable}: .*{message}"):
        load_settings({variable: value})


# -- doctor ---------------------------------------------------------------------------------


def test_doctor_reports_files_written_outside_the_pipeline(lake):
    first = raw_file(lake, 0, 1, count=5)
    overlapping = raw_file(lake, 3, 1)  # offsets 3-5: 3 and 4 are already in the first
    stray = lake.raw / TOPIC / "partition=0" / "export.parquet"
    stray.write_bytes(first.read_bytes())
    (lake.raw / TOPIC / "partition=0" / ".x.parquet.tmp").write_bytes(b"half")
    found = codes(lake)
    assert found["offset_overlap"] == {str(overlapping.relative_to(lake.root))}
    assert found["unexpected_file"] == {str(stray.relative_to(lake.root))}
    assert "temporary_file" in found


def test_doctor_checks_the_audit_checksums_and_missing_files(lake):
    with audited(lake, "ingest", {}) as record:
        kept, changed, removed = (raw_file(lake, n * 10, 1) for n in range(3))
        for path in (kept, changed, removed):
            record.add_output(path, lake)
    raw_file(lake, 10, 2)  # same name, different content
    removed.unlink()
    found = codes(lake)
    assert found["checksum_mismatch"] == {str(changed.relative_to(lake.root))}
    assert found["missing_file"] == {str(removed.relative_to(lake.root))}


def test_doctor_flags_a_readable_restricted_zone_and_ingest_closes_it(lake):
    lake.restrict()
    assert stat.S_IMODE(lake.raw.stat().st_mode) == 0o700
    assert "restricted_zone_open" not in codes(lake)
    os.chmod(lake.quarantine, 0o755)
    assert codes(lake)["restricted_zone_open"] == {"quarantine"}
    lake.restrict()
    assert "restricted_zone_open" not in codes(lake)


def test_doctor_reports_an_unreadable_warehouse(lake):
    lake.warehouse.parent.mkdir(parents=True)
    lake.warehouse.write_bytes(b"not a duckdb file" * 100)
    (finding,) = [f for f in examine(lake) if f.code == "warehouse_unreadable"]
    assert finding.severity == "error" and "rebuilds" in finding.remedy


def test_doctor_reports_runs_whose_process_died(lake):
    with audited(lake, "transform", {}) as record:
        pass
    path = next(lake.root.glob("audit/runs/*/*.json"))
    data = json.loads(path.read_text())
    data.update(status="running", finished_at=None)
    data["trigger"]["pid"] = 2**22 + 17  # above the kernel's pid_max default: never alive
    path.write_text(json.dumps(data))
    found = codes(lake)
    assert found["interrupted_run"] == {f"audit/runs/{record.started_at[:10]}/{record.run_id}.json"}


def test_the_trail_writes_citizen_ids_and_person_ids_as_pseudonyms(lake, monkeypatch):
    import sys

    from clemency.lake.audit import pseudonym

    key = "a-test-key-of-16-or-more"
    keyed = Lake(lake.root, pseudonym_key=key)
    citizen, inmate = "001085012345", "TG-07-000123"
    argv = ["/venv/bin/clemency", "explain", inmate, "--out", f"/x/list-{citizen}.csv"]
    monkeypatch.setattr(sys, "argv", argv)
    arguments = {"person": inmate, "note": f"asked for {citizen}", "offset": 123456789012}
    with pytest.raises(LookupError), audited(keyed, "explain", arguments, person_ids=[inmate]):
        raise LookupError(f"no decision for {citizen}")
    (record,) = load_runs(keyed)
    as_citizen, as_inmate = pseudonym(key, citizen), pseudonym(key, inmate)
    assert as_citizen.startswith("person_key:") and len(as_citizen) == len("person_key:") + 32
    assert record.trigger["argv"] == [
        "clemency",
        "explain",
        as_inmate,
        "--out",
        f"/x/list-{as_citizen}.csv",
    ]
    assert record.arguments == {"person": as_inmate, "note": f"asked for {as_citizen}"} | {
        "offset": 123456789012  # a number argument is not text: kept
    }
    assert record.error == f"LookupError: no decision for {as_citizen}"
    trail = "".join(p.read_text() for p in lake.root.glob("audit/runs/*/*.json"))
    assert citizen not in trail and inmate not in trail
    assert load_runs(keyed, person=as_inmate) == [record]  # `clemency runs --person`
    assert load_runs(keyed, person=pseudonym(key, "001085099999")) == []

    # a longer number, or twelve digits inside a hex digest, is not a citizen ID; without a
    # key (a Lake built by hand) an ID is still never written
    monkeypatch.setattr(sys, "argv", ["clemency", "x", "1234567890123", "ab123456789012cd"])
    with audited(lake, "ingest", {"id": citizen}) as unkeyed:
        pass
    assert unkeyed.trigger["argv"][2:] == ["1234567890123", "ab123456789012cd"]
    assert unkeyed.arguments == {"id": "person_key:***"}


def test_runs_command_finds_the_look_ups_of_a_person(lake):
    from clemency.ops.explain import NotFound, explain

    key = load_settings({}).pseudonym_key
    for person_id in ("001085012345", "001085012345", "079190000001"):
        with pytest.raises(NotFound):
            explain(lake, key, person_id, "amnesty", "2025-2")  # no mart yet: still recorded
    env = {"CLEMENCY_LAKE": str(lake.root)}
    found = CliRunner().invoke(app, ["runs", "--json", "--person", "001085012345"], env=env)
    assert found.exit_code == 0, found.output
    assert [r["command"] for r in json.loads(found.output)] == ["explain", "explain"]
    assert "001085012345" not in "".join(p.read_text() for p in lake.root.rglob("*.json"))


def test_doctor_flags_open_restricted_folders_and_personal_data_left_outside(lake):
    lake.restrict()
    lake.warehouse.write_bytes(b"")
    os.chmod(lake.warehouse, 0o644)
    os.chmod(lake.restricted, 0o755)
    (lake.root / "dbt-target").mkdir()  # where builds before restricted/ left dbt's files
    atomic.write_parquet(lake.curated / "amnesty_eligibility.parquet", pa.table({"x": [1]}))
    atomic.write_parquet(lake.curated / "round_funnel.parquet", pa.table({"x": [1]}))
    found = codes(lake)
    assert found["restricted_zone_open"] == {"restricted", "restricted/warehouse.duckdb"}
    assert found["personal_data_unrestricted"] == {
        "dbt-target",
        "curated/amnesty_eligibility.parquet",
    }
    lake.restrict()
    assert "restricted_zone_open" not in codes(lake)
    assert stat.S_IMODE(lake.warehouse.stat().st_mode) == 0o600
