"""The Airflow notifier that POSTs a Clemency alert as JSON to an HTTP connection.

Kept apart from `clemency.alerts` because defining a notifier imports Airflow: only
Airflow's processes (a task's failure callback, the triggerer's deadline callback) load it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import BaseNotifier, Connection

from clemency.alerts import WEBHOOK_TIMEOUT_S, Alert, AlertError, webhook_request
from clemency.errors import first_line

log = logging.getLogger(__name__)


class WebhookNotifier(BaseNotifier):
    """POST an alert as JSON to the HTTP connection `webhook_conn_id`.

    Takes the `Alert` ready-made and renders no template: an error's text is never run
    through Jinja (it could otherwise ask for a connection's secrets)."""

    template_fields = ()

    def __init__(self, alert: Alert, webhook_conn_id: str) -> None:
        super().__init__()
        self.alert = alert
        self.webhook_conn_id = webhook_conn_id

    def _post(self, connection: Any) -> None:
        request = webhook_request(connection, json.dumps(self.alert.as_json()).encode())
        host = urlsplit(request.full_url).hostname or "?"  # never the URL: it may hold a token
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise AlertError(
                f"alert webhook {self.webhook_conn_id} ({host}) unreachable: {first_line(reason)}"
            ) from None
        if not 200 <= status < 300:
            raise AlertError(f"alert webhook {self.webhook_conn_id} ({host}) answered {status}")
        log.info("alert posted to webhook %s (%s)", self.webhook_conn_id, host)

    def notify(self, context: Any) -> None:
        self._post(Connection.get(self.webhook_conn_id))

    async def async_notify(self, context: Any) -> None:
        connection = await Connection.async_get(self.webhook_conn_id)
        await asyncio.to_thread(self._post, connection)
