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


@pytest.mark.broker
def test_publish_file_sends_valid_lines_and_reports_invalid_ones(fresh_broker, tmp_path, lake):
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

    result = runner.invoke(
        app,
        ["publish", str(path)],
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
