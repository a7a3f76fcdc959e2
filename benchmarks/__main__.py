"""Run the national-scale benchmarks and write docs/benchmarks.md.

    python -m benchmarks [--inmates 200000]

Figures are ratios measured side by side in one run: the machine is shared and noisy,
so absolute numbers move between runs; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from clemency.kafka.broker import EmbeddedBroker

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"


def run_phase(name: str, **arguments) -> dict:
    """Run one phase in a child process; add its wall time and peak resident memory."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.phases", name, json.dumps(arguments)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"benchmark phase {name} failed (exit {child.returncode})")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_rss_mib"] = usage.ru_maxrss / 1024
    result["rate"] = result["records"] / result["seconds"] if result["seconds"] > 0 else 0.0
    print(
        f"  {name:<12} {result['records']:>10,} records {result['seconds']:8.1f} s "
        f"{result['rate']:>10,.0f}/s  peak {result['peak_rss_mib']:,.0f} MiB",
        flush=True,
    )
    return result


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} cores ({model}), {memory_kib / 2**20:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def ingest_benchmark(inmates: int, seed: int, workdir: Path) -> list[dict]:
    rows = []
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        bootstrap = broker.bootstrap_servers
        for label, only_day in [("national day", "2025-11-29"), ("full history", None)]:
            print(f"{label}: publishing", flush=True)
            published = run_phase(
                "publish",
                bootstrap=bootstrap,
                inmates=inmates,
                seed=seed,
                only_recorded_on=only_day,
            )
            raw = run_phase("raw_consume", bootstrap=bootstrap, group=f"raw-{label}")
            ours = run_phase(
                "ingest",
                bootstrap=bootstrap,
                lake=str(workdir / f"lake-{label}"),
                group=f"ingest-{label}",
            )
            assert ours["records"] == raw["records"], (ours, raw)
            rows.append({"label": label, "published": published, "raw": raw, "ingest": ours})
    return rows


def transform_benchmark(workdir: Path) -> list[dict]:
    """Full dbt rebuilds over the landed history: at the as-of date, and the day after."""
    lake = str(workdir / "lake-full history")
    builds = [
        {"label": label, **run_phase("transform", lake=lake, as_of=as_of)}
        for label, as_of in [("full rebuild", "2025-11-30"), ("next day", "2025-12-01")]
    ]
    builds[-1]["report"] = run_phase("report", lake=lake, round_id="2025-2")
    return builds


def write_report(rows: list[dict], builds: list[dict], inmates: int) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Simulator: {inmates:,} inmates. Embedded broker (Tansu, in memory), 3 partitions "
        "per topic. Each phase runs in its own process; memory is its peak resident set.",
        "",
        "## Ingest vs a raw consume loop (same topics, same run)",
        "",
        "| topics hold | records | raw loop rec/s | ingest rec/s (with GX gate) | ratio "
        "(goal ≥ 0.7) | ingest rec/s without the gate's time | ratio | raw loop peak MiB "
        "| ingest peak MiB (goal < 1024, flat) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        raw, ours = row["raw"], row["ingest"]
        without_gate = ours["records"] / max(ours["seconds"] - ours["gate_seconds"], 1e-9)
        lines.append(
            f"| {row['label']} | {ours['records']:,} | {raw['rate']:,.0f} | {ours['rate']:,.0f} "
            f"| {ours['rate'] / raw['rate']:.2f} | {without_gate:,.0f} "
            f"| {without_gate / raw['rate']:.2f} | {raw['peak_rss_mib']:,.0f} "
            f"| {ours['peak_rss_mib']:,.0f} |"
        )
    lines += [
        "",
        "## dbt build of every model and test (goal: full rebuild < 60 s, < 4 GiB)",
        "",
        "| build | decisions (person × round) | people in custody | seconds | dbt peak MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for build in builds:
        lines.append(
            f"| {build['label']} | {build['records']:,} | {build['in_custody']:,} "
            f"| {build['seconds']:.1f} | {build['dbt_peak_rss_mib']:,.0f} |"
        )
    if "report" in builds[-1]:
        lines += [
            "",
            f"Round 2025-2 report (HTML + XLSX + PDF) over these marts: "
            f"{builds[-1]['report']['seconds']:.1f} s, peak "
            f"{builds[-1]['report']['peak_rss_mib']:,.0f} MiB.",
        ]
    lines += [
        "",
        "Publishing (simulate + validate + send, acks=all; the national day's time includes "
        "simulating the whole history to pick out that day's events):",
        "",
    ]
    for row in rows:
        p = row["published"]
        lines.append(
            f"- {row['label']}: {p['records']:,} events in {p['seconds']:.1f} s "
            f"({p['rate']:,.0f}/s), peak {p['peak_rss_mib']:,.0f} MiB"
        )
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {REPORT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # ~15 events a person: 340,000 people passing through the system give > 5 million
    parser.add_argument("--inmates", type=int, default=340_000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clemency-bench-") as folder:
        rows = ingest_benchmark(options.inmates, options.seed, Path(folder))
        builds = transform_benchmark(Path(folder))
    write_report(rows, builds, options.inmates)


if __name__ == "__main__":
    main()
