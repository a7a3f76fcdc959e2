"""No personal data outside the restricted zones (issue #14 §2).

The whole demo runs on its own embedded broker and lake, then `clemency explain` for a few
simulated people by citizen ID (and one by inmate number), `clemency report` (with the
person-level export) and `clemency doctor`, each as a real command line in a child process,
so the audit trail records the command lines as typed. Then every file of the lake outside
the restricted zones (audit trail, aggregate marts, reports, ledger, the broker's log) and
every file dbt may have left in the checkout's dbt project is searched for every person id
(citizen IDs, inmate numbers) and every name the simulator produced:

- in its bytes, as UTF-8 in both Unicode normal forms (NFC and NFD);
- in its text, normalised to NFC, and in every string of a JSON file (`\\u` escapes);
- in every string column of a Parquet file (Parquet compresses text: bytes are not enough);
- in every member of a ZIP file (an XLSX is zipped XML), and in a PDF's extracted text.

Every restricted zone must be closed to other users (no group or other bits) and the
warehouse file mode 600. The scanner is shown to fail: an ID and a name planted where an
ordinary user could read them are found, and a zone opened to others is caught.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clemency.lake.audit import load_runs, pseudonym
from clemency.lake.pseudonym import person_key
from clemency.paths import TRANSFORMS_DIR
from clemency.settings import load_settings
from clemency.transform import parse_cache
from producers.simulator import SimulationConfig, simulate

pytestmark = [pytest.mark.slow, pytest.mark.broker]

AS_OF = dt.date(2025, 11, 30)
INMATES, SEED = 300, 11
ROUND = "2025-2"
CLEMENCY = Path(sys.executable).with_name("clemency")  # the console script, as typed


# --- what the simulator produced ---------------------------------------------------------


@dataclass(frozen=True)
class People:
    ids: frozenset[str]  # citizen IDs (12-digit CCCD) and foreigners' inmate numbers
    names: frozenset[str]  # full names as published (NFC)


def simulated_people() -> People:
    ids, names = set(), set()
    for event in simulate(SimulationConfig(inmates=INMATES, seed=SEED, as_of=AS_OF)):
        if event.get("person_id"):
            ids.add(event["person_id"])
        name = event["payload"].get("full_name")
        if event["event_type"] == "person.admitted" and name:
            names.add(unicodedata.normalize("NFC", name))
    return People(frozenset(ids), frozenset(names))


# --- the scanner ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    path: str
    where: str  # bytes | text | json | parquet:<column> | zip:<member> | pdf
    found: str


class Scanner:
    """Finds any of `needles` in a file, however the file stores text."""

    def __init__(self, needles: frozenset[str]) -> None:
        ordered = sorted(needles, key=len, reverse=True)
        self.text_pattern = re.compile("|".join(map(re.escape, ordered)))
        forms = {
            unicodedata.normalize(form, needle).encode("utf-8")
            for needle in ordered
            for form in ("NFC", "NFD")
        }
        self.bytes_pattern = re.compile(
            b"|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
        )

    def file(self, path: Path, name: str) -> list[Hit]:
        return self.content(path.read_bytes(), name)

    def content(self, data: bytes, name: str) -> list[Hit]:
        hits = [
            Hit(name, "bytes", self._back(m.group(0))) for m in self.bytes_pattern.finditer(data)
        ]
        text = _utf8(data)
        if text is not None:
            hits += self._strings([text], name, "text")
        if data[:4] == b"PAR1":
            for column, values in _parquet_strings(data):
                hits += self._strings(values, name, f"parquet:{column}")
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    hits += self.content(archive.read(member), f"{name}!{member}")
        if data[:5] == b"%PDF-":
            hits += self._strings(_pdf_texts(data), name, "pdf")
        return hits

    def _strings(self, values: list[str], name: str, where: str) -> list[Hit]:
        """Search each string in NFC, and the strings of any that is JSON (`\\u` escapes
        decoded: a file, or a Parquet value such as raw's `payload`)."""
        hits = []
        for value in values:
            normal = unicodedata.normalize("NFC", value)
            hits += [Hit(name, where, m.group(0)) for m in self.text_pattern.finditer(normal)]
            if value.lstrip()[:1] in ("{", "["):
                decoded = _json_strings(value)
                if decoded and decoded != [value]:
                    hits += self._strings(decoded, name, f"{where}:json")
        return hits

    @staticmethod
    def _back(found: bytes) -> str:
        return unicodedata.normalize("NFC", found.decode("utf-8"))


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _json_strings(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []

    def walk(item) -> None:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                found.append(key)
                walk(inner)
        elif isinstance(item, list):
            for inner in item:
                walk(inner)

    walk(value)
    return found


def _parquet_strings(data: bytes) -> Iterator[tuple[str, list[str]]]:
    table = pq.read_table(pa.BufferReader(data))
    for name, column in zip(table.column_names, table.columns, strict=True):
        values: list[str] = []
        _collect(column.to_pylist(), values)
        if values:
            yield name, values


def _collect(item, into: list[str]) -> None:
    if isinstance(item, str):
        into.append(item)
    elif isinstance(item, dict):
        for inner in item.values():
            _collect(inner, into)
    elif isinstance(item, (list, tuple)):
        for inner in item:
            _collect(inner, into)


def _pdf_texts(data: bytes) -> list[str]:
    """The PDF's text as pdftotext extracts it, and every Flate stream inflated."""
    texts = []
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
        )
        texts.append(done.stdout.decode("utf-8", errors="replace"))
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            texts.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return texts


def open_files(lake_root: Path, zones: tuple[Path, ...]) -> list[Path]:
    """Every file under the lake that is not inside a restricted zone."""
    return sorted(
        path
        for path in lake_root.rglob("*")
        if path.is_file() and not any(path.is_relative_to(zone) for zone in zones)
    )


def readable_by_others(lake_root: Path) -> list[Path]:
    """Files another user could open: readable by others, every folder from the lake root
    down to them searchable by others (mode bits only: the tests may run as root)."""
    found = []
    for folder, subfolders, files in os.walk(lake_root):
        if not stat.S_IMODE(os.stat(folder).st_mode) & 0o001:
            subfolders.clear()  # closed: nothing below it can be reached
            continue
        for name in files:
            path = Path(folder) / name
            if stat.S_IMODE(path.stat().st_mode) & 0o004:
                found.append(path)
    return sorted(found)


def person_level(files: list[Path]) -> list[Path]:
    """Parquet files with a row per person (a `person_key` column)."""
    return [
        p
        for p in files
        if p.read_bytes()[:4] == b"PAR1" and "person_key" in pq.read_schema(p).names
    ]


def scan(scanner: Scanner, files: list[Path], root: Path) -> list[Hit]:
    hits = []
    for path in files:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        hits += scanner.file(path, name)
    return hits


def open_zones(zones: tuple[Path, ...], warehouse: Path) -> list[str]:
    found = [f"{z}: {stat.S_IMODE(z.stat().st_mode):o}" for z in zones if _open(z)]
    if not warehouse.is_file() or stat.S_IMODE(warehouse.stat().st_mode) != 0o600:
        found.append(f"{warehouse}: not a mode-600 file")
    return found


def _open(path: Path) -> bool:
    return not path.is_dir() or bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


# --- the run -------------------------------------------------------------------------------


def clemency(lake_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CLEMENCY_", "AIRFLOW"))}
    return subprocess.run(
        [str(CLEMENCY), *args],
        env={**clean, "CLEMENCY_LAKE": str(lake_root), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@dataclass(frozen=True)
class Run:
    lake_root: Path
    people: People
    explained: dict[str, str]  # person id -> the program it was looked up in
    started: float  # when the run began (time.time), for files dbt may leave in the checkout


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory) -> Run:
    """`clemency demo`, explain for a few people by ID, reports, doctor: real commands."""
    import time

    started = time.time()
    root = tmp_path_factory.mktemp("personal-data") / "lake"
    demo = clemency(root, "demo", "--inmates", str(INMATES), "--seed", str(SEED))
    assert demo.returncode == 0, demo.stdout + demo.stderr
    settings = load_settings({"CLEMENCY_LAKE": str(root)})
    lake, key = settings.lake, settings.pseudonym_key
    people = simulated_people()

    decided = {
        row["person_key"]
        for row in pq.read_table(lake.mart("amnesty_eligibility")).to_pylist()
        if row["round_id"] == ROUND
    }
    citizens = sorted(p for p in people.ids if p.isdigit() and person_key(key, p) in decided)
    foreigners = sorted(p for p in people.ids if not p.isdigit())  # inmate numbers, if any
    assert len(citizens) >= 3
    explained = {}
    for person_id, extra in [
        (citizens[0], ["--round", ROUND]),
        (citizens[1], ["--round", ROUND, "--json"]),
        (citizens[2], ["--program", "work_release"]),
        *[(foreigner, ["--program", "work_release"]) for foreigner in foreigners[:1]],
        (citizens[-1], ["--round", "1999-1"]),  # no such round: a failed look-up, on record too
    ]:
        looked_up = clemency(root, "explain", person_id, *extra)
        assert looked_up.returncode in (0, 1), looked_up.stderr
        assert person_id not in looked_up.stdout + looked_up.stderr
        explained[person_id] = "work_release" if "work_release" in extra else "amnesty"

    for args in (
        ["report", "--round", ROUND, "--restricted-person-export"],
        ["report", "--round", ROUND, "--lang", "en"],
        ["report", "--program", "work_release", "--year", "2025"],
        ["doctor"],
    ):
        done = clemency(root, *args)
        assert done.returncode == 0, " ".join(args) + "\n" + done.stdout + done.stderr
    return Run(root, people, explained, started)


def _lake(run: Run):
    return load_settings({"CLEMENCY_LAKE": str(run.lake_root)}).lake


def _checkout_files_written_by(run: Run) -> list[Path]:
    """Files under the dbt project changed since the run began (dbt must write to the lake)."""
    return sorted(
        p for p in TRANSFORMS_DIR.rglob("*") if p.is_file() and p.stat().st_mtime >= run.started
    )


def test_no_id_or_name_outside_the_restricted_zones(whole_run):
    lake = _lake(whole_run)
    people = whole_run.people
    assert len(people.ids) == INMATES and len(people.names) > INMATES * 0.9
    files = open_files(lake.root, lake.restricted_zones)
    names = {str(p.relative_to(lake.root)) for p in files}
    # what an ordinary user can read is really there, so the search means something
    assert {"curated/facility_population.parquet", "curated/round_funnel.parquet"} <= names
    assert any(n.startswith("audit/runs/") for n in names)
    folder = lake.report_folder(ROUND, lake.latest_as_of()).relative_to(lake.root)
    assert {f"{folder}/dac-xa-{ROUND}-vi.{kind}" for kind in ("html", "xlsx", "pdf")} <= names
    assert {"reports/index.html", "reports/index.en.html"} <= names  # the portal is searched
    assert any(n.startswith("lineage/dbt/") for n in names)  # OpenLineage events: SQL, names
    assert not any(n.startswith("curated/") and "eligibility" in n for n in names)

    hits = scan(Scanner(people.ids | people.names), files, lake.root)
    hits += scan(
        Scanner(people.ids | people.names), _checkout_files_written_by(whole_run), TRANSFORMS_DIR
    )
    kept_parse = parse_cache.cache_file()  # outside the lake: dbt's parse, no data
    assert kept_parse.is_file()  # the run's builds kept it, so the search means something
    hits += scan(Scanner(people.ids | people.names), [kept_parse], kept_parse.parent)

    assert not hits, "personal data outside the restricted zones:\n" + "\n".join(
        f"{h.path} ({h.where}): {h.found}" for h in hits[:40]
    )
    print(f"scanned {len(files)} files for {len(people.ids)} ids and {len(people.names)} names")


def test_no_row_per_person_where_other_users_can_read(whole_run):
    """Person-level marts (pseudonymous, but a row per person) are restricted too: no file
    another user can open has a `person_key` column, and all of them are scanned above."""
    lake = _lake(whole_run)
    readable = readable_by_others(lake.root)
    assert set(readable) <= set(open_files(lake.root, lake.restricted_zones))
    assert lake.curated / "round_funnel.parquet" in readable
    # what the reports read besides the decisions: published where analysts can read it,
    # counts only (a person_key column would fail the next line)
    for mart in ("amnesty_round_calendar", "round_lifecycle", "facility_registry",
                 "work_release_activity", "landed_events_daily", "source_freshness"):  # fmt: skip
        assert lake.curated / f"{mart}.parquet" in readable, mart
    assert not person_level(readable)
    assert len(person_level(sorted(lake.restricted_curated.rglob("*.parquet")))) == 6


def test_the_scanner_finds_every_id_and_name_in_the_raw_zone(whole_run):
    """The positive control on real data: pointed at raw/ (restricted), where every person
    is, the same scanner finds every person id and every name, inside the Parquet files."""
    lake = _lake(whole_run)
    people = whole_run.people
    hits = scan(Scanner(people.ids | people.names), sorted(lake.raw.rglob("*.parquet")), lake.root)
    assert {h.found for h in hits} == people.ids | people.names
    assert {h.where for h in hits} >= {"parquet:person_id", "parquet:payload:json"}


def test_every_restricted_zone_is_closed_to_other_users(whole_run):
    lake = _lake(whole_run)
    assert {lake.raw, lake.quarantine, lake.validation, lake.restricted} <= set(
        lake.restricted_zones
    )
    assert lake.warehouse.is_relative_to(lake.restricted)
    assert lake.mart("amnesty_eligibility").is_relative_to(lake.restricted)
    assert lake.mart("person_status").is_relative_to(lake.restricted)
    assert lake.mart("work_release_eligibility", AS_OF).is_relative_to(lake.restricted)
    assert lake.mart("work_release_eligibility", AS_OF).is_file()
    assert not open_zones(lake.restricted_zones, lake.warehouse)


def test_explain_look_ups_are_on_the_trail_by_pseudonym_and_found_by_runs(whole_run):
    lake = _lake(whole_run)
    key = load_settings({}).pseudonym_key
    looked_up = load_runs(lake, command="explain")
    assert len(looked_up) == len(whole_run.explained)
    for person_id in whole_run.explained:
        named = pseudonym(key, person_id)
        (record,) = [r for r in looked_up if r.arguments["person"] == named]
        assert named in record.trigger["argv"] and record.trigger["argv"][1] == "explain"
        found = clemency(lake.root, "runs", "--person", person_id, "--json")
        assert found.returncode == 0, found.stderr
        assert [r["run_id"] for r in json.loads(found.stdout)] == [record.run_id]
    assert {r.status for r in looked_up} == {"succeeded", "failed"}


# --- the scanner can fail ------------------------------------------------------------------


def test_the_scan_finds_an_id_or_a_name_planted_where_users_can_read(whole_run):
    lake = _lake(whole_run)
    people = whole_run.people
    citizen = sorted(p for p in people.ids if p.isdigit())[0]
    name = sorted(n for n in people.names if unicodedata.normalize("NFD", n) != n)[0]
    scanner = Scanner(people.ids | people.names)

    record = sorted(lake.root.glob("audit/runs/*/*.json"))[0]
    original = record.read_bytes()
    planted_parquet = lake.curated / "planted.parquet"
    planted_zip = lake.reports / "planted.xlsx"
    try:
        # a citizen ID in the audit trail, inside a JSON string
        record.write_bytes(original.replace(b'"command": "', f'"command": "{citizen} '.encode()))
        # a name in NFD inside a zstd-compressed Parquet column (found by reading the column)
        long_text = [unicodedata.normalize("NFD", f"{name} {i}") for i in range(200)]
        pq.write_table(pa.table({"note": long_text}), planted_parquet, compression="zstd")
        # a name ASCII-escaped in JSON inside a ZIP member (as an XLSX's XML might carry it)
        with zipfile.ZipFile(planted_zip, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/sharedStrings.json", json.dumps({"v": name}))

        hits = scan(scanner, open_files(lake.root, lake.restricted_zones), lake.root)
        where = {(h.path, h.where, h.found) for h in hits}
        relative = str(record.relative_to(lake.root))
        assert (relative, "bytes", citizen) in where
        assert ("curated/planted.parquet", "parquet:note", name) in where
        assert ("reports/planted.xlsx!xl/sharedStrings.json", "text:json", name) in where
        assert {h.path for h in hits} == {
            relative,
            "curated/planted.parquet",
            "reports/planted.xlsx!xl/sharedStrings.json",
        }
    finally:
        record.write_bytes(original)
        planted_parquet.unlink(missing_ok=True)
        planted_zip.unlink(missing_ok=True)
    assert not scan(scanner, open_files(lake.root, lake.restricted_zones), lake.root)


def test_the_zone_check_finds_a_zone_opened_to_others(whole_run):
    lake = _lake(whole_run)
    os.chmod(lake.restricted_curated, 0o755)
    try:
        assert open_zones(lake.restricted_zones, lake.warehouse) == [
            f"{lake.restricted_curated}: 755"
        ]
        doctor = clemency(lake.root, "doctor")
        assert doctor.returncode == 1 and "restricted_zone_open" in doctor.stdout
    finally:
        os.chmod(lake.restricted_curated, 0o700)
    assert not open_zones(lake.restricted_zones, lake.warehouse)
