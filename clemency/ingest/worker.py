"""Where an ingest processes its chunks: in this process, or in one worker process beside it.

Reading Kafka (decompressing, checking CRCs) keeps one core busy; decoding and the Great
Expectations gate (`clemency.ingest.chunk.process`) need about as much again. On a large
backlog the ingest hands the chunks to a worker process, so both run at once; on a small
one it processes them itself and imports GX in a thread while it reads Kafka. Chunks go in
by topic (the partitions of one topic together: one GX run of each suite for all of them).
Either way the results come back in the order the chunks went in, and the worker only
computes: every file, position and commit is written by the ingest's own process.

The worker exits when its pipe closes, so an ingest killed with SIGKILL leaves no worker.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from clemency.child_process import start_child, stop_child
from clemency.errors import PipelineError
from clemency.ingest.chunk import Chunk, Processed, process


class WorkerFailed(PipelineError):
    """The worker process died or raised: nothing of the chunk it held was landed."""


def warm_up(gate: bool) -> None:
    """Import what processing a chunk needs (GX for the gate: seconds)."""
    if gate:
        import clemency.validation.gate as gate_module

        gate_module.import_gx()


class InProcess:
    """Chunks processed where they are submitted (small runs, no second process to pay)."""

    def __init__(self, gate: bool) -> None:
        self.gate = gate
        self._results: deque[Processed] = deque()
        # The gate's import overlaps the consumer's group join, which mostly waits.
        self._warming = threading.Thread(target=warm_up, args=(gate,), daemon=True)
        self._warming.start()

    def submit(self, chunks: list[Chunk]) -> None:
        self._warming.join()
        self._results.append(process(chunks, self.gate))

    def ready(self) -> bool:
        return bool(self._results)

    def result(self) -> Processed:
        return self._results.popleft()

    def close(self) -> None:
        self._warming.join()


class WorkerProcess:
    """One child process that processes chunks in submission order.

    Started as `python -m clemency.ingest.worker` rather than through multiprocessing,
    which would import the caller's main script again in the child (an unguarded script
    would start a second ingest there)."""

    def __init__(self, gate: bool) -> None:
        self._process, self._connection = start_child(
            "clemency.ingest.worker", *(["--gate"] if gate else [])
        )

    def submit(self, chunks: list[Chunk]) -> None:
        try:
            self._connection.send(chunks)
        except OSError:
            raise self._died() from None

    def ready(self) -> bool:
        return self._connection.poll()

    def result(self) -> Processed:
        try:
            kind, value = self._connection.recv()
        except (EOFError, OSError):
            raise self._died() from None
        if kind == "error":
            raise WorkerFailed(f"the ingest's worker process failed on a chunk: {value}")
        return value

    def _died(self) -> WorkerFailed:
        return WorkerFailed(
            f"the ingest's worker process exited (code {self._process.poll()}) while "
            "processing a chunk; nothing of it was landed or committed"
        )

    def close(self) -> None:
        stop_child(self._process, self._connection, timeout_s=10)


def _serve(connection: Connection, gate: bool) -> None:
    """The worker's loop: a thread drains the pipe (so neither side can block the other on
    a full pipe), this thread processes and answers in order; a closed pipe ends both."""
    chunks: queue.Queue[Any] = queue.Queue()

    def receive() -> None:
        try:
            while True:
                chunks.put(connection.recv())
        except (EOFError, OSError):
            chunks.put(None)

    threading.Thread(target=receive, daemon=True).start()
    warm_up(gate)
    from clemency.errors import describe

    while (group := chunks.get()) is not None:
        try:
            answer: tuple[str, Any] = ("processed", process(group, gate))
        except Exception as error:  # sent back whole: the ingest raises it as one line
            answer = ("error", describe(error))
        try:
            connection.send(answer)
        except (BrokenPipeError, OSError):
            return


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), gate="--gate" in sys.argv[2:])
