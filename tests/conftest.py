"""Shared fixtures: one real embedded broker per test session, a fresh lake per test.

Every test that starts a broker carries the `broker` marker, so `-m "not broker"` is a run
without one; the checks at the end of this file hold every test to that.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shlex
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from clemency.kafka.broker import EmbeddedBroker, broker_binary
from clemency.lake.layout import Lake

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# Hypothesis budgets (tests/test_fuzz.py): `ci`, the default, is bounded and derandomised
# so `make test` is quick and repeatable; `make fuzz` sets HYPOTHESIS_PROFILE=fuzz for a
# long random search that keeps what it finds in test-artifacts/hypothesis for replay.
_slow_is_fine = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_slow_is_fine,
)
settings.register_profile(
    "fuzz",
    max_examples=5000,
    deadline=None,
    database=DirectoryBasedExampleDatabase(ARTIFACTS / "hypothesis"),
    print_blob=True,
    suppress_health_check=_slow_is_fine,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> Iterator[EmbeddedBroker]:
    """A live Kafka-compatible broker; real Kafka when CLEMENCY_TEST_BOOTSTRAP_SERVERS is set."""
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    embedded = EmbeddedBroker(log_path=log).start()
    try:
        yield embedded
    finally:
        embedded.stop()
    assert not embedded.running


@pytest.fixture
def bootstrap(broker) -> str:
    return broker.bootstrap_servers


@pytest.fixture
def fresh_broker(tmp_path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own (starts in well under a second): the pipeline's topic
    names are fixed, so tests that publish to them must not share a broker."""
    embedded = EmbeddedBroker(log_path=tmp_path / "broker.log").start()
    try:
        yield embedded
    finally:
        embedded.stop()


# The demo as most slow modules need it: 300 inmates, seed 11, as of 30 November 2025. It
# is run once per session (about a minute of simulating, ingesting and building); a module
# that needs a demo lake works on its own copy (`copy_of_demo_lake`), so no module sees
# another's changes. Modules that test the demo itself (test_demo, test_personal_data) run
# their own.
DEMO_AS_OF = dt.date(2025, 11, 30)
DEMO_INMATES, DEMO_SEED = 300, 11


@pytest.fixture(scope="session")
def demo_lake_template(tmp_path_factory) -> Lake:
    """Read it, never write it: copy it (`copy_of_demo_lake`) to change anything.

    Under pytest-xdist (`make test` runs two workers) the workers share one template: the
    first to ask builds it under the run's common temporary folder, holding a file lock
    the other waits on."""
    from clemency.demo import run_demo
    from clemency.settings import load_settings

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "demo-template"
    root, ready = folder / "lake", folder / "built"
    with open(shared / "demo-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not ready.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker killed half-way
            settings = load_settings({"CLEMENCY_LAKE": str(root)})
            run_demo(settings, inmates=DEMO_INMATES, seed=DEMO_SEED, as_of=DEMO_AS_OF)
            ready.touch()
    return Lake(root)


def copy_of_demo_lake(template: Lake, folder: Path) -> Lake:
    """A copy of the session's demo lake at `folder/lake` (modes and links kept). dbt's
    warehouse names the raw files it staged relative to the lake's root, so the copy's next
    transform keeps its staged tables."""
    root = folder / "lake"
    shutil.copytree(template.root, root, symlinks=True)
    return Lake(root)


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake(tmp_path / "lake")


@pytest.fixture
def group_id() -> str:
    """A consumer group of its own, so tests never see each other's committed offsets."""
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch):
    for name in [n for n in os.environ if n.startswith("CLEMENCY_")]:
        monkeypatch.delenv(name)


# ---------------------------------------------------------------- the `broker` marker, enforced
#
# 1. At collection: a test that uses `broker`, `bootstrap` or `fresh_broker` (directly or
#    through another fixture) must be marked, or the run stops before any test runs.
# 2. While running: EmbeddedBroker.start fails, naming the test, when the test being run is
#    not marked -- also from a module- or session-scoped fixture the test set up. A fixture
#    that started a broker is remembered: later tests that use its cached value need the
#    marker too.
# 3. In child processes (`clemency broker`, `clemency demo`): CALF_TANSU_BIN points at a
#    wrapper of the Tansu binary that refuses to start during an unmarked test and says so in
#    a log this file reads after each test.

BROKER_FIXTURES = frozenset({"broker", "bootstrap", "fresh_broker"})
_GUARD_TEST = "PYTEST_BROKER_GUARD_UNMARKED_TEST"  # the nodeid of a running unmarked test
_GUARD_LOG = "PYTEST_BROKER_GUARD_LOG"  # where the wrapper records the brokers it refused

_running: pytest.Item | None = None  # the test whose setup, call or teardown is under way
_fixtures_in_setup: list[pytest.FixtureDef] = []
_fixtures_that_started_a_broker: set[pytest.FixtureDef] = set()


def _unmarked(item: pytest.Item) -> bool:
    return item.get_closest_marker("broker") is None


def _missing_marker(nodeid: str, why: str) -> str:
    return f"{nodeid} {why} but is not marked `@pytest.mark.broker`: add the marker"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    offenders = [
        _missing_marker(item.nodeid, f"uses {', '.join(sorted(used))}")
        for item in items
        if _unmarked(item) and (used := BROKER_FIXTURES & set(getattr(item, "fixturenames", ())))
    ]
    if offenders:
        raise pytest.UsageError("\n".join(offenders))
    _slow_modules_first(items)


# The module with the longest single test (an incremental chain of ten real builds, about
# three minutes on two cores): handed out before every other.
LONGEST_MODULE = "test_incremental.py"


def _slow_modules_first(items: list[pytest.Item]) -> None:
    """The longest module, then modules with a `slow` test, then the rest (each group in its
    own order): the two xdist workers of `make test` take whole modules as they come free
    (`--dist loadfile --no-loadscope-reorder`), so a long module handed out late would
    leave one worker running it alone at the end."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    # a stable sort
    items.sort(key=lambda item: (item.path.name != LONGEST_MODULE, item.path not in slow))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    global _running
    _running = item
    if _unmarked(item):
        os.environ[_GUARD_TEST] = item.nodeid
    try:
        return (yield)
    finally:
        _running = None
        os.environ.pop(_GUARD_TEST, None)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef) -> Iterator[object]:
    _fixtures_in_setup.append(fixturedef)
    try:
        return (yield)
    finally:
        _fixtures_in_setup.pop()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _unmarked(item):
        return
    definitions = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", ()):
        defined = definitions.name2fixturedefs.get(name) if definitions else None
        if defined and defined[-1] in _fixtures_that_started_a_broker:
            pytest.fail(_missing_marker(item.nodeid, f"uses {name}, which starts a broker,"), False)


@pytest.fixture(scope="session", autouse=True)
def _broker_marker_guard(tmp_path_factory) -> Iterator[Path]:
    """Wrap EmbeddedBroker.start, and the Tansu binary of child processes, for the session."""
    folder = tmp_path_factory.mktemp("broker-guard")
    refused = folder / "refused.log"
    wrapper = folder / "tansu"
    wrapper.write_text(
        "#!/bin/sh\n"
        "# the Tansu binary, refused during a test without the broker marker (tests/conftest.py)\n"
        f'if [ -n "${_GUARD_TEST}" ]; then\n'
        f'  printf "%s\\n" "${_GUARD_TEST}" >> "${_GUARD_LOG}"\n'
        f'  echo "broker refused: ${_GUARD_TEST} is not marked broker" >&2\n'
        "  exit 3\n"
        "fi\n"
        f'exec {shlex.quote(broker_binary())} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    start = EmbeddedBroker.start

    def guarded_start(self: EmbeddedBroker, *args, **kwargs) -> EmbeddedBroker:
        if _running is not None and _unmarked(_running):
            where = f" (in fixture {_fixtures_in_setup[-1].argname})" if _fixtures_in_setup else ""
            pytest.fail(_missing_marker(_running.nodeid, f"starts a broker{where}"), False)
        if _running is not None and _fixtures_in_setup:
            _fixtures_that_started_a_broker.add(_fixtures_in_setup[-1])
        return start(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EmbeddedBroker, "start", guarded_start)
        patch.setenv("CALF_TANSU_BIN", str(wrapper))
        patch.setenv(_GUARD_LOG, str(refused))
        yield refused


@pytest.fixture(autouse=True)
def _no_broker_in_child_processes(request, _broker_marker_guard: Path) -> Iterator[None]:
    yield
    refused = _broker_marker_guard
    if _unmarked(request.node) and refused.exists():
        if request.node.nodeid in refused.read_text(encoding="utf-8").splitlines():
            pytest.fail(_missing_marker(request.node.nodeid, "started a broker in a child process"))
