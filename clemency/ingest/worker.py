"""Where an ingest runs its gate: in this process, or in one worker process beside it.

Reading Kafka costs little (kafka-python checks CRCs with the `crc32c` extension); decoding
each message (`clemency.ingest.chunk.decode_chunks`) and the Great Expectations gate
(`validate_tables`) cost about as much as each other, and far more. On a large backlog the
ingest decodes a chunk itself and hands its raw rows to a worker process for the gate, so
the gate of one chunk runs while the next is read and decoded; on a small backlog it does
both itself and imports GX in a thread while it reads Kafka. Chunks go in by topic (the
partitions of one topic together: one GX run of each suite for all of them). Either way the
results come back in the order the chunks went in, and the worker only computes: every
file, position and commit is written by the ingest's own process.

The worker exits when its pipe closes, so an ingest killed with SIGKILL leaves no worker.
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from clemency.child_process import start_child, stop_child
from clemency.errors import PipelineError
from clemency.ingest.chunk import (
    Chunk,
    Processed,
    apply_verdict,
    decode_chunks,
    process,
    raw_tables,
    topic_of,
    validate_tables,
)
from clemency.process_exit import exit_now


class WorkerFailed(PipelineError):
    """The worker process died or raised: nothing of the chunk it held was landed."""


def warm_up(gate: bool) -> None:
    """Import what processing a chunk needs (GX for the gate: seconds)."""
    if gate:
        from clemency.validation.gx_import import import_gx

        import_gx()


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
    """One child process that runs the gate over decoded chunks, in submission order.

    Started as `python -m clemency.ingest.worker` rather than through multiprocessing,
    which would import the caller's main script again in the child (an unguarded script
    would start a second ingest there)."""

    def __init__(self) -> None:
        self._process, self._connection = start_child("clemency.ingest.worker")
        # decoded here and, when they had raw rows, at the worker's gate; oldest first
        self._pending: deque[tuple[list[Chunk], Processed]] = deque()

    def submit(self, chunks: list[Chunk]) -> None:
        processed = decode_chunks(chunks)
        if tables := raw_tables(processed):
            try:
                self._connection.send((topic_of(chunks), tables))
            except OSError:
                raise self._died() from None
        self._pending.append((chunks, processed))

    def ready(self) -> bool:
        if not self._pending:
            return False
        _, oldest = self._pending[0]
        return not raw_tables(oldest) or self._connection.poll()  # nothing to wait for, or back

    def result(self) -> Processed:
        chunks, processed = self._pending.popleft()
        if not raw_tables(processed):  # nothing went to the gate
            return processed
        try:
            kind, value = self._connection.recv()
        except (EOFError, OSError):
            raise self._died() from None
        if kind == "error":
            raise WorkerFailed(f"the ingest's worker process failed on a chunk: {value}")
        apply_verdict(chunks, processed, value)
        return processed

    def _died(self) -> WorkerFailed:
        return WorkerFailed(
            f"the ingest's worker process exited (code {self._process.poll()}) while "
            "processing a chunk; nothing of it was landed or committed"
        )

    def close(self) -> None:
        stop_child(self._process, self._connection, timeout_s=10)


def _serve(connection: Connection) -> None:
    """The worker's loop: a thread drains the pipe (so neither side can block the other on
    a full pipe), this thread validates and answers in order; a closed pipe ends both."""
    tables: queue.Queue[Any] = queue.Queue()

    def receive() -> None:
        try:
            while True:
                tables.put(connection.recv())
        except (EOFError, OSError):
            tables.put(None)

    threading.Thread(target=receive, daemon=True).start()
    warm_up(gate=True)
    from clemency.errors import describe

    # A GX run leaves its frames in reference cycles, which Python frees only at its next
    # full collection: the worker grew by about 150 MiB over 600,000 records. It collects
    # after each chunk; what the import created is frozen first, so a collection does not
    # walk it (about 5 ms instead of 160).
    gc.collect()
    gc.freeze()
    while (work := tables.get()) is not None:
        try:
            answer: tuple[str, Any] = ("validated", validate_tables(*work))
        except Exception as error:  # sent back whole: the ingest raises it as one line
            answer = ("error", describe(error))
        gc.collect()
        try:
            connection.send(answer)
        except (BrokenPipeError, OSError):
            return


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
    exit_now(0)  # the ingest waits for this exit: GX's teardown took 0.6 s of it
