"""The house rules of docs/architecture.md, checked on the source so they stay true.

Every import in the core package (lazy ones inside functions too) respects the stage table;
each mechanism has one home; nothing names a path of one machine; every `docs/…` citation
resolves in a clone.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Settings and the Kafka security settings they hold sit under every stage.
FOUNDATION = {
    "clemency.errors", "clemency.paths", "clemency.contracts", "clemency.lake",
    "clemency.settings", "clemency.kafka.security", "clemency.child_process",
    "clemency.process_exit",
}  # fmt: skip
# docs/architecture.md, "What may import what": stage -> the stages it may import.
ALLOWED: dict[str, set[str]] = {
    "clemency.errors": set(),
    "clemency.paths": set(),
    "clemency.child_process": {"clemency.paths"},
    "clemency.process_exit": set(),
    "clemency.contracts": set(),
    "clemency.lake": {"clemency.errors"},
    "clemency.kafka.security": {"clemency.errors"},
    "clemency.settings": {"clemency.errors", "clemency.lake", "clemency.kafka.security"},
    "clemency.kafka": FOUNDATION,
    "clemency.validation": FOUNDATION | {"expectations"},
    "clemency.ingest": FOUNDATION | {"clemency.kafka", "clemency.validation"},
    "clemency.transform": FOUNDATION,
    "clemency.reports": FOUNDATION | {"clemency.validation"},
    "clemency.ops": FOUNDATION | {"clemency.kafka"},
    "producers": FOUNDATION,
    "expectations": FOUNDATION,
}
TOP = {
    "clemency", "clemency.cli", "clemency.demo", "clemency.orchestration",
    "clemency.alerts", "clemency.webhook_notifier", "clemency.task_lineage",
}  # fmt: skip  # any import (the last three: Airflow glue for alerts and lineage)


def _stage(module: str) -> str:
    """The stage a module belongs to: `clemency.<stage>`, or the top-level folder."""
    parts = module.split(".")
    if parts[0] != "clemency":
        return parts[0]
    if parts[:3] == ["clemency", "kafka", "security"]:
        return "clemency.kafka.security"  # configuration, beneath the clients
    return ".".join(parts[:2])


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _our_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.split(".")[0] in {"clemency", "producers", "expectations"}:
                found.append((node.lineno, name))
    return found


def _sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize(
    "path",
    _sources("clemency", "producers", "expectations"),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_imports_follow_the_stage_table(path: Path):
    module = _module_name(path)
    stage = _stage(module)
    if module in TOP:
        return
    assert stage in ALLOWED, f"{module}: stage {stage} is missing from docs/architecture.md"
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in _our_imports(path)
        if _stage(name) != stage and _stage(name) not in ALLOWED[stage]
    ]
    assert not wrong, "imports across the stage table (docs/architecture.md):\n" + "\n".join(wrong)


def test_the_table_catches_a_stage_importing_a_later_one():
    # the rule itself can fail: reports importing the ingest would be refused
    assert _stage("clemency.ingest.run") not in ALLOWED["clemency.reports"]
    assert _stage("clemency.kafka.clients") not in ALLOWED["clemency.settings"]
    assert _stage("clemency.kafka.security") in ALLOWED["clemency.settings"]


def _grep(pattern: str, *folders: str, allowed: set[str]) -> list[str]:
    hits = []
    for path in _sources(*folders):
        relative = str(path.relative_to(ROOT))
        if relative in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(pattern, line):
                hits.append(f"{relative}:{number}: {line.strip()}")
    return hits


@pytest.mark.parametrize(
    ("mechanism", "pattern", "home"),
    [
        ("atomic rename", r"\bos\.replace\(|\.rename\(", "clemency/lake/atomic.py"),
        ("temporary file name", r"\.tmp\b[\"']", "clemency/lake/atomic.py"),
        ("run id", r"%Y%m%dT%H%M%SZ|uuid4\(\)\.hex\[:8\]", "clemency/lake/audit.py"),
        ("first line of an error", r"splitlines\(\)\[0\]", "clemency/errors.py"),
        ("building a Lake from settings", r"\bLake\(", "clemency/settings.py"),
        ("raw or quarantine schema", r"^(RAW|QUARANTINE)_SCHEMA\s*=", "clemency/lake/schemas.py"),
    ],
)
def test_each_mechanism_has_one_home(mechanism, pattern, home):
    hits = _grep(pattern, "clemency", "dags", "producers", "expectations", allowed={home})
    # the atomic writer makes its temporary names unique; nothing else may spell one
    assert not hits, f"{mechanism} outside {home}:\n" + "\n".join(hits)


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


TEXT_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".toml", ".md", ".csv", ".json", ".cfg", ""}


def test_no_path_of_one_machine_is_written_into_the_project():
    # spelled in two pieces so that this file does not match itself
    machine_paths = re.compile("(/" + "work/|/" + "root/|/" + "home/[a-z])")
    found = []
    for path in _tracked_files():
        if path.suffix not in TEXT_SUFFIXES or path.name == "uv.lock":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if machine_paths.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "absolute machine paths:\n" + "\n".join(found)


def test_every_docs_citation_resolves_in_a_clone():
    cited = re.compile(r"\bdocs/[\w./-]+\.(?:md|txt)")
    missing = []
    for path in _tracked_files():
        if path.suffix not in TEXT_SUFFIXES or path.name == "uv.lock":
            continue
        for citation in cited.findall(path.read_text(encoding="utf-8", errors="replace")):
            if not (ROOT / citation).is_file():
                missing.append(f"{path.relative_to(ROOT)} cites {citation}")
    assert not missing, "\n".join(missing)
    assert (ROOT / "docs" / "domain.md").is_file() and (ROOT / "docs" / "contracts.md").is_file()
