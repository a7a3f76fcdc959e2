"""Alerts that reach someone: a task that failed, a DAG run not done by its deadline.

Each alert goes through Airflow notifiers, one per channel, each configured by an Airflow
connection whose id the settings name (`CLEMENCY_ALERT_*_CONN_ID`):

- `WebhookNotifier` (ours) POSTs the alert as JSON to the HTTP connection
  `clemency_alert_webhook`: its host (or a whole base URL), port, schema (`https`, the
  default, or `http`), login/password (basic auth), extra `endpoint` (the path) and extra
  `headers` (e.g. an `Authorization` token);
- the SMTP provider's `SmtpNotifier` sends an e-mail through the SMTP connection
  `clemency_alert_smtp` (its extra gives `from_email`, `disable_tls`, `disable_ssl`...) to
  `CLEMENCY_ALERT_EMAIL_TO`.

A channel whose connection is not defined is off, so a deployment (or a test) without
connections loads and runs every DAG as before: the alert is still logged. One channel
failing never stops the other, and never changes the task's own outcome.

What an alert says: the DAG, task, try, run, data interval and the error's one line
(`clemency.errors.describe`), with every citizen ID in it replaced by its pseudonym; never
a connection's URL, password or headers (they are handed to Airflow's secret masker and
only the host is ever logged). The deadline alert is an Airflow deadline alert
(`clemency.orchestration.deadline_alert`): the scheduler notices the missed deadline and
the triggerer runs `deadline_missed`, which sends through the same notifiers.

Airflow is imported only when an alert is sent (our notifier class lives in
`clemency.webhook_notifier`), so that `clemency.orchestration`, which DAG files import while
being parsed, can build summaries from here without loading more than it did.
"""

from __future__ import annotations

import base64
import html
import logging
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from clemency.errors import PipelineError, describe
from clemency.lake.audit import Pseudonymiser
from clemency.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_S = 10.0
TASK_FAILED = "task_failed"
DEADLINE_MISSED = "deadline_missed"


class AlertError(PipelineError):
    """An alert could not be delivered on one channel; the line names the connection."""


@dataclass(frozen=True)
class Alert:
    """What every channel says about one event, as plain values (the webhook's JSON body)."""

    kind: str  # TASK_FAILED or DEADLINE_MISSED
    dag_id: str
    run_id: str
    task_id: str | None = None
    try_number: int | None = None
    run_type: str | None = None
    logical_date: str | None = None
    data_interval_start: str | None = None
    data_interval_end: str | None = None
    deadline: str | None = None
    state: str | None = None
    error: str | None = None  # the error's one line, citizen IDs pseudonymised

    @property
    def summary(self) -> str:
        """The alert as one line (the e-mail's subject, the log line)."""
        if self.kind == DEADLINE_MISSED:
            what = f"Clemency run not done by its deadline {self.deadline}: dag {self.dag_id}"
        else:
            what = f"Clemency task failed: dag {self.dag_id}, task {self.task_id}"
            what += f" (try {self.try_number})" if self.try_number else ""
        interval = f"{self.data_interval_start or 'none'} to {self.data_interval_end or 'none'}"
        tail = f", state {self.state}" if self.state else ""
        tail += f": {self.error}" if self.error else ""
        return (
            f"{what}, run {self.run_id}, logical date {self.logical_date or 'none'}, "
            f"data interval {interval}{tail}"
        )

    def as_json(self) -> dict[str, Any]:
        return {"summary": self.summary, **asdict(self)}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _private(settings: Settings | None) -> Pseudonymiser:
    return Pseudonymiser(settings.pseudonym_key if settings else None)


def failure_alert(context: Mapping[str, Any], settings: Settings | None = None) -> Alert:
    """The alert of a task failure callback's context."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    dag = context.get("dag")
    task_id = getattr(ti, "task_id", None) or getattr(context.get("task"), "task_id", None)
    map_index = getattr(ti, "map_index", -1)
    if task_id and isinstance(map_index, int) and map_index >= 0:
        task_id = f"{task_id}[{map_index}]"
    return Alert(
        kind=TASK_FAILED,
        dag_id=getattr(dag, "dag_id", None) or getattr(dag_run, "dag_id", None) or "?",
        run_id=context.get("run_id") or getattr(dag_run, "run_id", None) or "?",
        task_id=task_id or "?",
        try_number=getattr(ti, "try_number", None),
        run_type=_iso(getattr(dag_run, "run_type", None)),
        logical_date=_iso(context.get("logical_date")),
        data_interval_start=_iso(context.get("data_interval_start")),
        data_interval_end=_iso(context.get("data_interval_end")),
        state="failed",
        error=_private(settings).text(describe(context.get("exception"))),
    )


def missed_deadline_alert(context: Mapping[str, Any]) -> Alert:
    """The alert of a missed deadline, from the context Airflow hands a deadline callback:
    `{"dag_run": <the run as the REST API shows it>, "deadline": {"deadline_time": ...}}`."""
    run = context.get("dag_run") or {}
    deadline = context.get("deadline") or {}
    return Alert(
        kind=DEADLINE_MISSED,
        dag_id=str(run.get("dag_id") or "?"),
        run_id=str(run.get("dag_run_id") or run.get("run_id") or "?"),
        run_type=run.get("run_type"),
        logical_date=_iso(run.get("logical_date")),
        data_interval_start=_iso(run.get("data_interval_start")),
        data_interval_end=_iso(run.get("data_interval_end")),
        deadline=_iso(deadline.get("deadline_time")),
        state=run.get("state"),
    )


# -- the webhook ---------------------------------------------------------------------------


def webhook_request(connection: Any, body: bytes) -> urllib.request.Request:
    """The POST an HTTP connection describes, its secrets handed to the masker first."""
    from airflow.sdk.log import mask_secret

    extra = connection.extra_dejson or {}
    base = (connection.host or "").strip()
    if not base:
        raise AlertError(f"alert webhook connection {connection.conn_id}: no host")
    if "://" not in base:
        scheme = (connection.schema or "https").strip().lower()
        if scheme not in {"http", "https"}:
            raise AlertError(
                f"alert webhook connection {connection.conn_id}: schema {scheme!r} is not "
                "http or https"
            )
        base = f"{scheme}://{base}" + (f":{connection.port}" if connection.port else "")
    endpoint = str(extra.get("endpoint") or "")
    url = base.rstrip("/") + ("/" + endpoint.lstrip("/") if endpoint else "")
    if urlsplit(url).path.strip("/"):
        mask_secret(urlsplit(url).path)  # webhook paths often are the token (/services/T0/…)
    headers = {"Content-Type": "application/json", "User-Agent": "clemency-alerts"}
    for name, value in (extra.get("headers") or {}).items():
        mask_secret(str(value))
        headers[str(name)] = str(value)
    if connection.login:
        mask_secret(connection.password or "")
        token = f"{connection.login}:{connection.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
    return urllib.request.Request(url, data=body, headers=headers, method="POST")


# -- e-mail --------------------------------------------------------------------------------


def email_notifier(alert: Alert, settings: Settings) -> Any:
    """The SMTP provider's notifier for one alert (subject: the summary line)."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    if not settings.alert_email_to:
        raise AlertError(
            f"alert e-mail: the SMTP connection {settings.alert_smtp_conn_id} is defined but "
            "CLEMENCY_ALERT_EMAIL_TO is empty"
        )
    rows = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in asdict(alert).items()
        if value is not None
    )
    return SmtpNotifier(
        to=list(settings.alert_email_to),
        subject=alert.summary[:250],
        html_content=f"<p>{html.escape(alert.summary)}</p><table>{rows}</table>",
        smtp_conn_id=settings.alert_smtp_conn_id,
    )


# -- sending -------------------------------------------------------------------------------


def _settings() -> Settings | None:
    try:
        return load_settings()
    except SettingsError as error:  # the alert still goes out, on the default connections
        log.error("alert settings: %s; using the default connection ids", error)
        return None


def _defined(conn_id: str) -> bool:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        Connection.get(conn_id)
    except AirflowNotFoundException:
        return False
    return True


async def _adefined(conn_id: str) -> bool:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        await Connection.async_get(conn_id)
    except AirflowNotFoundException:
        return False
    return True


def _channels(alert: Alert, settings: Settings, defined: Mapping[str, bool]) -> list[Any]:
    from clemency.webhook_notifier import WebhookNotifier

    channels: list[Any] = []
    if defined[settings.alert_webhook_conn_id]:
        channels.append(WebhookNotifier(alert, settings.alert_webhook_conn_id))
    if defined[settings.alert_smtp_conn_id]:
        try:
            channels.append(email_notifier(alert, settings))
        except AlertError as error:  # the webhook still goes
            log.error("%s", error)
    if not channels:
        log.info(
            "no alert channel configured (connections %s, %s): logged only",
            settings.alert_webhook_conn_id,
            settings.alert_smtp_conn_id,
        )
    return channels


def send_alert(alert: Alert, context: Any, settings: Settings | None = None) -> int:
    """Send `alert` on every configured channel; return how many took it. A channel that
    fails is logged as one line naming its connection, and the others still go."""
    settings = settings or _settings() or load_settings({})
    ids = (settings.alert_webhook_conn_id, settings.alert_smtp_conn_id)
    sent = 0
    channels = _channels(alert, settings, {conn_id: _defined(conn_id) for conn_id in ids})
    for notifier in channels:
        try:
            # notify(), not __call__: it would render the alert's text as a Jinja template.
            notifier.notify(context)
            sent += 1
        except Exception as error:
            log.error("alert not delivered by %s: %s", type(notifier).__name__, describe(error))
    return sent


async def asend_alert(alert: Alert, context: Any, settings: Settings | None = None) -> int:
    """`send_alert` for the triggerer's event loop (the deadline callback)."""
    settings = settings or _settings() or load_settings({})
    ids = (settings.alert_webhook_conn_id, settings.alert_smtp_conn_id)
    sent = 0
    defined = {conn_id: await _adefined(conn_id) for conn_id in ids}
    channels = _channels(alert, settings, defined)
    for notifier in channels:
        try:
            await notifier.async_notify(context)
            sent += 1
        except Exception as error:
            log.error("alert not delivered by %s: %s", type(notifier).__name__, describe(error))
    return sent


def on_task_failure(context: Mapping[str, Any]) -> None:
    """Every task's `on_failure_callback` (via `clemency.orchestration.on_failure`)."""
    settings = _settings()
    alert = failure_alert(context, settings)
    log.error("%s", alert.summary)
    send_alert(alert, context, settings)


async def deadline_missed(context: Mapping[str, Any] | None = None, **_: Any) -> int:
    """The deadline alert's callback, run by the triggerer when a DAG run is not done by its
    deadline; returns how many channels took the alert."""
    alert = missed_deadline_alert(context or {})
    log.error("%s", alert.summary)
    return await asend_alert(alert, dict(context or {}))
