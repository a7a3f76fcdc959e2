"""How a finished process ends (`clemency.process_exit`): the console script and the
children exit with their status and everything they printed, without the interpreter's
teardown, and never cut off a thread that is still working."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> subprocess.CompletedProcess:
    # buffered as a service's output is (PYTHONUNBUFFERED would flush every write itself)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_exit_now_keeps_the_status_the_exit_handlers_and_what_was_printed():
    done = _run(
        """
        import atexit, logging, sys
        from clemency.process_exit import exit_now
        logging.basicConfig(stream=sys.stderr)
        atexit.register(lambda: sys.stderr.write("handler ran\\n"))
        sys.stdout.write("the last words")  # in the buffer: a pipe is not line-buffered
        logging.getLogger("t").warning("logged")
        exit_now(3)
        """
    )
    assert done.returncode == 3
    assert done.stdout == "the last words"
    assert "logged" in done.stderr and done.stderr.endswith("handler ran\n")


def test_exit_now_waits_for_a_thread_still_working():
    done = _run(
        """
        import threading, time
        from clemency.process_exit import exit_now
        def work():
            time.sleep(0.5)
            print("the thread finished", flush=True)
        threading.Thread(target=work).start()
        exit_now(0)
        """
    )
    assert done.returncode == 0
    assert done.stdout == "the thread finished\n"


def test_the_console_script_exits_with_the_commands_status_and_its_one_line():
    script = Path(sys.executable).with_name("clemency")
    bad = subprocess.run(
        [str(script), "ingest"],
        env={**os.environ, "CLEMENCY_BOOTSTRAP_SERVERS": "no-port-here"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "CLEMENCY_BOOTSTRAP_SERVERS" in bad.stderr
    helped = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0
    assert "transform" in helped.stdout and helped.stdout.rstrip().endswith("╯")
