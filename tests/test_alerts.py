"""Alerts reach someone: a failed task's alert is POSTed to a webhook and mailed, and a run not
done by its deadline is reported the same way, all over 127.0.0.1.

The webhook is a real `http.server` and the mail server a small SMTP sink (below) in this
process; Airflow reaches both through connections given as `AIRFLOW_CONN_*` variables, as a
deployment would give them. The Airflow home is the one of tests/test_dags.py.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email
import email.policy
import http.server
import json
import logging
import os
import socketserver
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pendulum
import pytest
import test_dags

from clemency.alerts import TASK_FAILED, Alert, failure_alert, missed_deadline_alert
from clemency.settings import SettingsError, load_settings

# The Airflow home and DagBag of tests/test_dags.py (one migrated home per session).
airflow_env = test_dags.airflow_env
dagbag = test_dags.dagbag
_point_airflow_at = test_dags._point_airflow_at

WEBHOOK_CONN = "AIRFLOW_CONN_CLEMENCY_ALERT_WEBHOOK"
SMTP_CONN = "AIRFLOW_CONN_CLEMENCY_ALERT_SMTP"
DUTY = "duty@clemency.test"


# -- a webhook and a mail server on 127.0.0.1 -----------------------------------------------


@dataclass
class Received:
    posts: list[tuple[str, dict[str, str], dict]] = field(default_factory=list)
    mails: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)


class _Webhook(http.server.BaseHTTPRequestHandler):
    received: Received

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.posts.append((self.path, dict(self.headers), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib and aiosmtplib: EHLO, MAIL, RCPT, DATA, RSET, QUIT."""

    received: Received

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sender, recipients = "", []
        self._say("220 sink ESMTP")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self._say("250-sink")
                self._say("250 8BITMIME")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip().strip("<>").split(">")[0]
                self._say("250 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(data, policy=email.policy.default)
                self.received.mails.append(message)  # type: ignore[arg-type]
                self.received.envelopes.append((sender, recipients))
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:  # NOOP, RSET
                self._say("250 ok")


@pytest.fixture
def receivers(monkeypatch) -> Iterator[tuple[Received, dict[str, str]]]:
    """A webhook and an SMTP sink; the connections to them hold a password and a token."""
    received = Received()
    webhook_handler = type("Webhook", (_Webhook,), {"received": received})
    smtp_handler = type("Sink", (_SmtpSink,), {"received": received})
    webhook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), webhook_handler)
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), smtp_handler)
    smtp.daemon_threads = webhook.daemon_threads = True
    for server in (webhook, smtp):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    secrets = {"password": f"pw-{uuid.uuid4().hex}", "token": f"tok-{uuid.uuid4().hex}"}
    monkeypatch.setenv(
        WEBHOOK_CONN,
        json.dumps(
            {
                "conn_type": "http",
                "host": "127.0.0.1",
                "port": webhook.server_address[1],
                "schema": "http",
                "login": "clemency",
                "password": secrets["password"],
                "extra": {"endpoint": "/hooks/clemency", "headers": {"X-Token": secrets["token"]}},
            }
        ),
    )
    monkeypatch.setenv(
        SMTP_CONN,
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": smtp.server_address[1],
                "extra": {
                    "from_email": "airflow@clemency.test",
                    "disable_tls": True,
                    "disable_ssl": True,
                    "timeout": 5,
                    "retry_limit": 0,
                },
            }
        ),
    )
    monkeypatch.setenv("CLEMENCY_ALERT_EMAIL_TO", DUTY)
    try:
        yield received, secrets
    finally:
        for server in (webhook, smtp):
            server.shutdown()
            server.server_close()


# -- a failed task ---------------------------------------------------------------------------


CITIZEN_ID = "079203000123"  # twelve digits: a CCCD, in the error of the failing task


def _failing_work_release_dag(dagbag, monkeypatch):
    """`work_release_report` whose report step fails with a citizen ID in its error."""
    import clemency.reports.work_release_report as reports

    def fails(lake, year, folder):
        raise RuntimeError(f"no work-release mart for {year} (person {CITIZEN_ID})\nsecond line")

    monkeypatch.setattr(reports, "build_work_release_report", fails)
    return dagbag.get_dag("work_release_report")


def test_a_failed_task_posts_its_alert_to_the_webhook_and_mails_it(
    airflow_env, dagbag, receivers, lake, monkeypatch, caplog, capfd
):
    received, secrets = receivers
    _point_airflow_at(monkeypatch, {"host": "127.0.0.1", "port": 1}, lake)
    for logger in ("clemency", "airflow.providers.smtp", "airflow.sdk"):
        caplog.set_level(logging.DEBUG, logger=logger)
    dag = _failing_work_release_dag(dagbag, monkeypatch)

    run = dag.test(logical_date=pendulum.datetime(2025, 1, 1, tz="UTC"))

    assert run.state == "failed"
    (path, headers, body) = received.posts[0]
    assert len(received.posts) == 1 and path == "/hooks/clemency"
    assert body["kind"] == TASK_FAILED
    assert (body["dag_id"], body["task_id"], body["run_id"]) == (
        "work_release_report",
        "build",
        run.run_id,
    )
    assert body["data_interval_start"].startswith("2024-01-01")  # the year before
    assert body["error"].startswith("RuntimeError: no work-release mart for 2024 (person ")
    assert CITIZEN_ID not in json.dumps(body) and "person_key:" in body["error"]
    assert "second line" not in body["error"]
    basic = base64.b64encode(f"clemency:{secrets['password']}".encode()).decode()
    assert headers["Authorization"] == f"Basic {basic}"
    assert headers["X-Token"] == secrets["token"]

    (mail,) = received.mails
    assert received.envelopes == [("airflow@clemency.test", [DUTY])]
    assert mail["To"] == DUTY
    subject = str(mail["Subject"])
    assert "task failed: dag work_release_report, task build" in subject
    text = mail.get_body(("html",)).get_content()
    assert body["error"] in text.replace("&#x27;", "'") and CITIZEN_ID not in text

    # The secrets went to the receivers only: no log line, no output, no file holds them.
    captured = capfd.readouterr()
    output = caplog.text + captured.out + captured.err
    assert "task failed: dag work_release_report" in output  # the alert is logged too
    for secret in secrets.values():
        assert secret not in output
        leaked = [
            p
            for root in (Path(airflow_env["AIRFLOW_HOME"]), lake.root)
            for p in root.rglob("*")
            if p.is_file() and secret.encode() in p.read_bytes()
        ]
        assert leaked == []


def test_without_alert_connections_a_failure_is_logged_and_the_dag_still_runs(
    airflow_env, dagbag, lake, monkeypatch, caplog
):
    for name in (WEBHOOK_CONN, SMTP_CONN):
        monkeypatch.delenv(name, raising=False)
    _point_airflow_at(monkeypatch, {"host": "127.0.0.1", "port": 1}, lake)
    caplog.set_level(logging.INFO, logger="clemency")
    dag = _failing_work_release_dag(dagbag, monkeypatch)

    run = dag.test(logical_date=pendulum.datetime(2025, 1, 1, tz="UTC"))

    assert run.state == "failed"
    assert "task failed: dag work_release_report, task build" in caplog.text
    assert "no alert channel configured" in caplog.text


def test_a_webhook_that_refuses_is_one_line_naming_its_connection_and_mail_still_goes(
    airflow_env, receivers, monkeypatch, caplog
):
    from clemency.alerts import send_alert

    received, _ = receivers
    connection = json.loads(os.environ[WEBHOOK_CONN])
    connection["port"] = 1  # the same webhook, on a port nobody listens on
    monkeypatch.setenv(WEBHOOK_CONN, json.dumps(connection))
    alert = Alert(kind=TASK_FAILED, dag_id="ingest", run_id="r", task_id="land_new_records")

    assert send_alert(alert, {}) == 1  # the e-mail
    assert len(received.mails) == 1
    assert "alert webhook clemency_alert_webhook (127.0.0.1) unreachable" in caplog.text


def test_an_smtp_connection_without_recipients_is_one_line_and_the_webhook_still_goes(
    airflow_env, receivers, monkeypatch, caplog
):
    from clemency.alerts import send_alert

    received, _ = receivers
    monkeypatch.delenv("CLEMENCY_ALERT_EMAIL_TO")
    alert = Alert(kind=TASK_FAILED, dag_id="ingest", run_id="r", task_id="land_new_records")

    assert send_alert(alert, {}) == 1
    assert len(received.posts) == 1 and received.mails == []
    assert (
        "the SMTP connection clemency_alert_smtp is defined but CLEMENCY_ALERT_EMAIL_TO is empty"
        in caplog.text
    )


# -- a run not done by its deadline -----------------------------------------------------------


def test_every_dag_has_a_deadline_alert_counted_from_queueing(dagbag):
    from airflow.sdk.definitions.deadline import DeadlineReference

    for dag_id, dag in dagbag.dags.items():
        (alert,) = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
        assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT, dag_id
        assert alert.callback.path == "clemency.alerts.deadline_missed"
        assert dt.timedelta(minutes=15) < alert.interval <= dt.timedelta(hours=3)


def test_a_run_not_done_by_its_deadline_alerts_through_the_triggerer(
    airflow_env, dagbag, receivers, lake, monkeypatch
):
    """Airflow's own path, step by step: creating a queued run writes its Deadline row; the
    scheduler's query finds it missed (its hour is moved back, as if it had passed) and
    `Deadline.handle_miss` queues the callback as a trigger; the triggerer's
    `CallbackTrigger` runs `clemency.alerts.deadline_missed`, which sends the alert."""
    from airflow._shared.module_loading import import_string
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import sync_bag_to_db
    from airflow.models.deadline import Deadline
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import select

    received, _ = receivers
    _point_airflow_at(monkeypatch, {"host": "127.0.0.1", "port": 1}, lake)
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(dagbag, "dags-folder", None)
    logical = pendulum.datetime(2025, 3, 1, 19, tz="UTC")
    with create_session() as session:
        scheduler_dag = SerializedDagModel.get_dag("housekeeping", session=session)
        run = scheduler_dag.create_dagrun(
            run_id=f"manual__deadline-{uuid.uuid4().hex[:8]}",
            logical_date=logical,
            data_interval=(logical, logical + dt.timedelta(days=1)),
            run_after=logical,
            run_type=DagRunType.MANUAL,
            triggered_by=DagRunTriggeredByType.TEST,
            state=DagRunState.QUEUED,
            session=session,
        )
        session.flush()  # Airflow sessions do not autoflush
        (deadline,) = session.scalars(select(Deadline).where(Deadline.dagrun_id == run.id))
        assert deadline.deadline_time - run.queued_at == dt.timedelta(hours=1)
        run_id = run.run_id
        deadline.deadline_time = pendulum.now("UTC") - dt.timedelta(seconds=1)  # an hour later

    with create_session() as session:  # the scheduler's loop, as it reads missed deadlines
        missed = session.scalars(
            select(Deadline)
            .where(Deadline.deadline_time < pendulum.now("UTC"))
            .where(~Deadline.missed)
        ).all()
        assert [d.dagrun.run_id for d in missed] == [run_id]
        missed[0].handle_miss(session)
        trigger_id = missed[0].callback.trigger_id

    with create_session() as session:  # the triggerer, as it runs the queued trigger
        row = session.get(Trigger, trigger_id)
        trigger = import_string(row.classpath)(**row.kwargs)

    async def run_trigger() -> list[dict]:
        return [event.payload async for event in trigger.run()]

    events = asyncio.run(run_trigger())
    assert events[-1]["state"] == "success", events
    assert events[-1]["body"] == 2  # the webhook and the e-mail

    (_, _, body) = received.posts[-1]
    assert body["kind"] == "deadline_missed"
    assert (body["dag_id"], body["run_id"], body["state"]) == ("housekeeping", run_id, "queued")
    assert body["data_interval_start"].startswith("2025-03-01T19:00")
    assert body["deadline"] and body["run_type"] == "manual"
    (mail,) = received.mails
    assert "not done by its deadline" in str(mail["Subject"]) and "housekeeping" in str(
        mail["Subject"]
    )


# -- the alert itself, and its settings --------------------------------------------------------


def test_the_alert_is_built_from_the_context_without_airflow():
    from types import SimpleNamespace

    context = {
        "dag": SimpleNamespace(dag_id="ingest"),
        "ti": SimpleNamespace(task_id="land_new_records", try_number=3, map_index=2),
        "run_id": "scheduled__x",
        "data_interval_start": pendulum.datetime(2025, 1, 1, tz="UTC"),
        "exception": OSError("disk full"),
    }
    alert = failure_alert(context)
    assert (alert.task_id, alert.try_number, alert.error) == (
        "land_new_records[2]",
        3,
        "OSError: disk full",
    )
    assert alert.data_interval_end is None and "to none" in alert.summary
    deadline = missed_deadline_alert(
        {
            "dag_run": {"dag_id": "ingest", "dag_run_id": "r1", "state": "running"},
            "deadline": {"deadline_time": "2025-01-01T00:30:00+00:00"},
        }
    )
    assert deadline.summary.startswith(
        "Clemency run not done by its deadline 2025-01-01T00:30:00+00:00: dag ingest, run r1"
    )


def test_alert_settings_name_connections_and_recipients():
    defaults = load_settings({})
    assert (defaults.alert_webhook_conn_id, defaults.alert_smtp_conn_id) == (
        "clemency_alert_webhook",
        "clemency_alert_smtp",
    )
    assert defaults.alert_email_to == ()
    chosen = load_settings(
        {"CLEMENCY_ALERT_EMAIL_TO": "a@x.vn, b@y.vn", "CLEMENCY_ALERT_SMTP_CONN_ID": "mail"}
    )
    assert chosen.alert_email_to == ("a@x.vn", "b@y.vn") and chosen.alert_smtp_conn_id == "mail"
    with pytest.raises(SettingsError, match="^CLEMENCY_ALERT_EMAIL_TO: 'nobody' is not an e-mail"):
        load_settings({"CLEMENCY_ALERT_EMAIL_TO": "nobody"})
    with pytest.raises(SettingsError, match="^CLEMENCY_ALERT_WEBHOOK_CONN_ID: "):
        load_settings({"CLEMENCY_ALERT_WEBHOOK_CONN_ID": "has space"})
    with pytest.raises(SettingsError, match="^CLEMENCY_ALERT_WEBHOOK: no longer read"):
        load_settings({"CLEMENCY_ALERT_WEBHOOK": "https://hooks.example/T0K3N"})
