"""What the DAGs need from the core package at run time: settings, alerts, retry rules.

Alerts (`on_failure`, `deadline_alert`) are sent by `clemency.alerts` through Airflow
notifiers configured by connection; this module only wires them.

`resolve_runtime()` is the one place a DAG task learns where the broker and the lake are:

1. the Airflow connection `clemency_kafka` (host:port; its extra may add servers under
   `bootstrap.servers` or `bootstrap_servers`), when Airflow defines it: its login and
   password are the SASL username and password, and its extra may carry the other security
   fields (`clemency.kafka_security.security_variables_from_connection`); each field it sets
   overrides the matching `CLEMENCY_KAFKA_*` variable;
2. the Airflow variable `clemency_lake`, when Airflow defines it;
3. otherwise the `CLEMENCY_*` settings (`clemency.settings.load_settings()`).

Whatever the source, the values are validated by `load_settings`, so a bad connection fails
the same way a bad `CLEMENCY_BOOTSTRAP_SERVERS` does. Secrets come from the connection (which
Airflow may read from a secrets backend) or the environment, and are handed to Airflow's
secret masker, so a task log shows `***` wherever one would appear. This module imports
nothing heavy and never imports Airflow itself: DAG files import it while being parsed, and
outside a process that runs Airflow it is plain settings.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from clemency.alerts import failure_alert
from clemency.kafka.security import security_variables_from_connection
from clemency.settings import PREFIX, Settings, SettingsError, load_settings

log = logging.getLogger(__name__)

KAFKA_CONNECTION_ID = "clemency_kafka"
LAKE_VARIABLE = "clemency_lake"

# Failures worth another try: the broker or the disk, not the data or the code. Kafka and
# broker errors are matched by name so that nothing here imports kafka-python.
_TRANSIENT_BY_NAME = frozenset({"kafka.errors.KafkaError", "clemency.kafka.broker.BrokerError"})

# Masked in task logs whatever their source (the environment or the Kafka connection).
_SECRET_VARIABLES = ("KAFKA_SASL_PASSWORD", "KAFKA_SSL_KEY_PASSWORD", "PSEUDONYM_KEY")


def resolve_runtime(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings for one task run: Airflow connection/variable first, `CLEMENCY_*` after.

    Airflow is consulted only in a process that already runs it (a task, `dag.test()`, the
    dag-processor); anywhere else this is `load_settings()` and Airflow is never imported,
    so the CLI does not create an Airflow home as a side effect.
    """
    env = dict(os.environ if environ is None else environ)
    from_connection: dict[str, str] = {}
    in_airflow = "airflow.sdk" in sys.modules
    if in_airflow:
        from_connection = _airflow_kafka_variables()
        if PREFIX + "KAFKA_SASL_PASSWORD" in from_connection:
            env.pop(PREFIX + "KAFKA_SASL_PASSWORD_FILE", None)  # the connection's wins
        env.update(from_connection)
        lake = _airflow_variable(LAKE_VARIABLE)
        if lake:
            env[PREFIX + "LAKE"] = lake
        _mask(*(env.get(PREFIX + name) for name in _SECRET_VARIABLES))
    try:
        settings = load_settings(env)
    except SettingsError as error:
        variable = str(error).split(":", 1)[0]
        if variable in from_connection:
            raise SettingsError(
                f"{error} (set from the Airflow connection {KAFKA_CONNECTION_ID})"
            ) from None
        raise
    if in_airflow and settings.kafka.password is not None:
        _mask(settings.kafka.password.reveal())  # it may have come from a password file
    return settings


def kafka_variables_from_connection(
    host: str | None, port: int | None, login: str | None, password: str | None, extra: Any
) -> dict[str, str]:
    """The `CLEMENCY_*` variables an Airflow Kafka connection stands for: the bootstrap
    servers and the security fields (SASL login/password, TLS files, protocol, mechanism)."""
    found = {
        PREFIX + name: value
        for name, value in security_variables_from_connection(login, password, extra).items()
    }
    servers = bootstrap_servers_from_connection(host, port, extra)
    if servers:
        found[PREFIX + "BOOTSTRAP_SERVERS"] = servers
    return found


def _mask(*secrets: str | None) -> None:
    """Hand secrets to Airflow's masker: task logs show `***` in their place."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        return
    for secret in secrets:
        if secret:
            mask_secret(secret)


def bootstrap_servers_from_connection(host: str | None, port: int | None, extra: Any) -> str:
    """`host:port` plus any servers listed in the extra, in order, without repeats."""
    servers: list[str] = []
    if host:
        servers.append(f"{host}:{port}" if port else host)
    if isinstance(extra, Mapping):
        for key in ("bootstrap.servers", "bootstrap_servers"):
            listed = extra.get(key) or ""
            if isinstance(listed, str):
                listed = listed.split(",")
            servers.extend(str(server).strip() for server in listed)
    unique = list(dict.fromkeys(s for s in servers if s))
    return ",".join(unique)


def _airflow_kafka_variables() -> dict[str, str]:
    try:
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return {}
    try:
        connection = Connection.get(KAFKA_CONNECTION_ID)
    except AirflowNotFoundException:
        return {}  # not defined: the settings decide (any other error is raised)
    _mask(connection.password)  # Airflow masks it too; this does not depend on that
    found = kafka_variables_from_connection(
        connection.host,
        connection.port,
        connection.login,
        connection.password,
        connection.extra_dejson,
    )
    if found:
        # Names only: the values may be secrets.
        names = ", ".join(sorted(name.removeprefix(PREFIX) for name in found))
        log.info("from Airflow connection %s: %s", KAFKA_CONNECTION_ID, names)
    return found


def _airflow_variable(key: str) -> str | None:
    try:
        from airflow.sdk import Variable
    except ImportError:
        return None
    value = Variable.get(key, default=None)  # None when not defined
    text = str(value).strip() if value is not None else ""
    if text:
        log.info("%s from Airflow variable", key)
    return text or None


def as_of_date(data_interval_start: Any, override: str | None = None) -> dt.date:
    """The as-of date of a daily run: the `override` (YYYY-MM-DD) when given, else the date of
    the data interval's start (UTC). The run for [D, D+1) computes as-of D; never today."""
    if override:
        try:
            return dt.date.fromisoformat(str(override).strip())
        except ValueError:
            raise ValueError(f"as_of: {override!r} is not a date (YYYY-MM-DD)") from None
    if data_interval_start is None:
        raise ValueError(
            "this run has no data interval and no as_of param: trigger it with a logical date "
            'or with conf {"as_of": "YYYY-MM-DD"}'
        )
    start = data_interval_start
    if getattr(start, "tzinfo", None) is not None:
        start = start.astimezone(dt.UTC)
    return start.date() if isinstance(start, dt.datetime) else start


def build_run_days(
    lake: Any, as_of: dt.date, run_type: Any = None, backfill_to: str | None = None
) -> tuple[bool, bool]:
    """Build the as-of date of an eligibility_daily run; return (built, became latest).

    A run of a backfill (`airflow backfill create`, run type "backfill") whose day is
    already published from the raw files and seeds the lake holds now is done, and builds
    nothing. Given `backfill_to` (the param, from `--dag-run-conf '{"backfill_to": D2}'`),
    the first run of the backfill builds every day from its own through D2 in one
    `transform_range` (shared parse, seeds and staging), and the later runs find theirs
    done. Any other run (scheduled, manual, a rerun) always builds its day."""
    from clemency.transform.dbt import snapshot_is_current, transform_range

    backfill = str(getattr(run_type, "value", run_type)) == "backfill"
    if backfill and snapshot_is_current(lake, as_of):
        log.info("as-of %s is already built from the same raw files and seeds: done", as_of)
        return False, lake.latest_as_of() == as_of
    last = as_of
    if backfill and backfill_to:
        last = max(as_of, as_of_date(None, backfill_to))
    transform_range(lake, as_of, last)
    return True, lake.latest_as_of() == as_of


def triggered_by_latest(triggering_asset_events: Any) -> bool:
    """False when every curated-asset event that triggered this run says its build did not
    become the latest set (a backfill of an older day): the current reports stay. A run
    triggered by hand (no events), or by an event from before `latest` was sent, builds."""
    events = [
        event for events in (triggering_asset_events or {}).values() for event in (events or [])
    ]
    flags = [getattr(event, "extra", {}).get("latest") for event in events]
    if flags and all(flag is False for flag in flags):
        log.info(
            "triggered only by builds of older as-of dates (%s): the current report stays",
            ", ".join(str(getattr(e, "extra", {}).get("as_of")) for e in events),
        )
        return False
    return True


# -- failures ------------------------------------------------------------------------------


def is_transient(error: BaseException) -> bool:
    """True for broker and I/O failures (worth a retry), False for data or code errors."""
    if isinstance(error, OSError):  # includes ConnectionError and TimeoutError
        return True
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in type(error).__mro__}
    return bool(names & _TRANSIENT_BY_NAME)


def transient_retry_policy():
    """An Airflow retry policy: broker/IO errors use the task's retries (with its exponential
    backoff); any other error fails at once, since retrying bad data or a bug cannot help.

    Built on call, so that importing this module does not import Airflow.
    """
    from airflow.sdk import RetryDecision, RetryPolicy

    class TransientErrorsOnly(RetryPolicy):
        def evaluate(self, exception, try_number, max_tries, context=None):
            if is_transient(exception):
                return RetryDecision.default()
            return RetryDecision.fail(
                reason=f"{type(exception).__name__} is not a broker or I/O error; not retried"
            )

    return TransientErrorsOnly()


def failure_summary(context: Mapping[str, Any]) -> str:
    """One line naming the DAG, task, try, run, logical date, data interval and the error."""
    return failure_alert(context).summary


def on_failure(context: Mapping[str, Any]) -> None:
    """Every task's failure callback: log the alert and send it on every channel whose
    Airflow connection is defined (`clemency.alerts`)."""
    from clemency.alerts import on_task_failure

    on_task_failure(context)


def deadline_alert(within: dt.timedelta) -> Any:
    """A DAG's `deadline`: alert when a run is not done `within` of being queued.

    An Airflow deadline alert: the scheduler marks the deadline missed and the triggerer
    runs `clemency.alerts.deadline_missed`. Counted from when the run was queued, not from
    its logical date: a backfill of old days, or an asset-triggered run (no logical date),
    has its own clock. A backfill queues all its runs at once, so a long one may alert for
    its later days; the alert names the run type. Built on call (imports Airflow).
    """
    # From their modules: airflow.sdk exports them lazily, which mypy cannot see.
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=within,
        callback=AsyncCallback("clemency.alerts.deadline_missed"),
        name=f"not done within {within}",
    )
