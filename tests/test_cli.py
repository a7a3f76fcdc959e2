"""The `clemency` commands: one-line reasons, non-zero exits, the file publisher."""

from __future__ import annotations

import json

import pytest
from factories import admitted, facility, graded
from typer.testing import CliRunner

from clemency.cli import app
from clemency.ingest.publish import encode
from clemency.ingest.run import ingest

runner = CliRunner()


def test_every_command_has_help():
    for name in [
        "broker",
        "simulate",
        "publish",
        "ingest",
        "validate",
        "transform",
        "explain",
        "demo",
    ]:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_bad_setting_exits_2_with_one_line_naming_the_variable(tmp_path):
    result = runner.invoke(app, ["ingest"], env={"CLEMENCY_BOOTSTRAP_SERVERS": "no-port-here"})
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "CLEMENCY_BOOTSTRAP_SERVERS" in lines[0]


def test_bad_date_is_one_line(tmp_path):
    result = runner.invoke(
        app, ["transform", "--as-of", "31/08/2025"], env={"CLEMENCY_LAKE": str(tmp_path)}
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: --as-of: '31/08/2025' is not a date (YYYY-MM-DD)"


def test_transform_takes_one_date_or_one_range(tmp_path):
    env = {"CLEMENCY_LAKE": str(tmp_path)}
    for arguments, message in [
        ([], "error: give --as-of DATE, or --from DATE --to DATE for a range of days"),
        (
            ["--from", "2025-11-01"],
            "error: give --as-of DATE, or --from DATE --to DATE for a range of days",
        ),
        (
            ["--as-of", "2025-11-01", "--from", "2025-11-01", "--to", "2025-11-02"],
            "error: give either --as-of DATE or --from DATE --to DATE, not both",
        ),
        (
            ["--from", "2025-11-02", "--to", "2025-11-01"],
            "error: --to 2025-11-01 is before --from 2025-11-02: no day to build",
        ),
        (
            ["--from", "2025-11-01", "--to", "1/12/2025"],
            "error: --to: '1/12/2025' is not a date (YYYY-MM-DD)",
        ),
    ]:
        result = runner.invoke(app, ["transform", *arguments], env=env)
        assert result.exit_code == 1, (arguments, result.output)
        assert result.stderr.strip() == message


def _mixed_file(tmp_path):
    bad_schema = graded("xuất sắc")
    lines = [
        encode(facility()),
        encode(admitted()),
        b"{not json",
        b"",  # blank lines are skipped, not errors
        encode(bad_schema),
        b"\xff\xfe",
        encode(graded("tốt")),
        json.dumps([1, 2]).encode(),
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.broker
def test_publish_checks_the_whole_file_and_sends_nothing_when_a_line_is_bad(
    fresh_broker, tmp_path, lake
):
    env = {"CLEMENCY_BOOTSTRAP_SERVERS": fresh_broker.bootstrap_servers}
    result = runner.invoke(app, ["publish", str(_mixed_file(tmp_path))], env=env)
    assert result.exit_code == 1, result.output
    assert "line 3: (record): not JSON" in result.stderr
    assert "line 5: payload.grade: 'xuất sắc' is not one of" in result.stderr
    assert "4 record(s) not sent, 0 sent" in result.stderr
    assert ingest(fresh_broker.bootstrap_servers, lake).total("consumed") == 0


@pytest.mark.broker
def test_publish_skip_bad_lines_sends_valid_lines_and_reports_invalid_ones(
    fresh_broker, tmp_path, lake
):
    result = runner.invoke(
        app,
        ["publish", "--skip-bad-lines", str(_mixed_file(tmp_path))],
        env={"CLEMENCY_BOOTSTRAP_SERVERS": fresh_broker.bootstrap_servers},
    )
    assert result.exit_code == 1, result.output
    assert "line 3: (record): not JSON" in result.stderr
    assert "line 5: payload.grade: 'xuất sắc' is not one of" in result.stderr
    assert "line 6: (record): not UTF-8" in result.stderr
    assert "line 8: (record): expected a JSON object" in result.stderr
    assert "4 record(s) not sent, 3 sent" in result.stderr

    landed = ingest(fresh_broker.bootstrap_servers, lake)
    assert landed.total("landed") == 3  # exactly the valid lines, each once
    assert landed.total("quarantined") == 0


@pytest.mark.broker
def test_publish_accepts_a_byte_order_mark_and_refuses_a_huge_line_by_number(
    fresh_broker, tmp_path, lake
):
    """A UTF-8 BOM used to cost line 1; a 200 MB line ran for minutes printing its value."""
    huge = b'{"event_id": "' + b"9" * (40 * 1024 * 1024) + b'"}'
    path = tmp_path / "events.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + encode(facility()) + b"\n" + huge + b"\n" + encode(admitted())
    )
    env = {"CLEMENCY_BOOTSTRAP_SERVERS": fresh_broker.bootstrap_servers}
    result = runner.invoke(app, ["publish", str(path)], env=env)
    assert result.exit_code == 1
    assert "line 2: (record): line of 41,943,056 bytes, over the 524,288 byte message limit" in (
        result.stderr
    )
    assert "line 1" not in result.stderr  # the BOM is not part of the record
    assert len(result.stderr) < 2_000  # an excerpt at most, never the value
    assert "999999999999" not in result.stderr

    path.write_bytes(b"\xef\xbb\xbf" + encode(facility()) + b"\n" + encode(admitted()) + b"\n")
    result = runner.invoke(app, ["publish", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert ingest(fresh_broker.bootstrap_servers, lake).total("landed") == 2
