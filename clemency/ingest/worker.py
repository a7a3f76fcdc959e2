"""Where an ingest decodes and gates its chunks: in this process, or shared with one worker
process beside it.

Reading Kafka costs little (kafka-python checks CRCs with the `crc32c` extension); decoding
each message (`clemency.ingest.chunk.decode_chunks`, about 25 µs) costs twice the Great
Expectations gate (`validate_tables`, about 10 µs), and both far more. On a large backlog
the worker gates every chunk and also decodes those it is handed whole, while the ingest
reads, decodes the others and lands; on a small backlog the ingest does it all itself and
imports GX in a thread while it reads Kafka. Chunks go in by topic (the
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
    """One child process beside the ingest: it gates the chunks the ingest decoded, and
    decodes and gates the chunks it is handed whole. Results come back in submission order.

    Decoding costs twice what the gate does, and reading Kafka less than either: with the
    gate alone the worker waited for the ingest. So a chunk goes whole to a worker with at
    most one chunk in hand (it would otherwise wait), and is decoded here when the worker
    has more: the split follows whichever side is behind, on any machine and broker.

    Started as `python -m clemency.ingest.worker` rather than through multiprocessing,
    which would import the caller's main script again in the child (an unguarded script
    would start a second ingest there)."""

    def __init__(self) -> None:
        self._process, self._connection = start_child("clemency.ingest.worker")
        # oldest first: the chunks, and what was decoded here (None: sent whole); and
        # whether the worker has them (False: decoded here with no raw row to gate)
        self._pending: deque[tuple[list[Chunk], Processed | None, bool]] = deque()
        self._answers: deque[tuple[str, Any]] = deque()  # received, not yet taken
        self.decoded = {"here": 0, "in the worker": 0}  # chunks submitted, by who decoded

    def submit(self, chunks: list[Chunk]) -> None:
        self._receive_ready()
        processed: Processed | None = None
        if self._in_worker() <= 1:
            work: tuple[Any, ...] | None = ("process", chunks)
        else:
            processed = decode_chunks(chunks)
            tables = raw_tables(processed)
            work = ("validate", topic_of(chunks), tables) if tables else None
        if work is not None:
            try:
                self._connection.send(work)
            except OSError:
                raise self._died() from None
        self._pending.append((chunks, processed, work is not None))
        self.decoded["here" if processed is not None else "in the worker"] += len(chunks)

    def _in_worker(self) -> int:
        """Chunks sent to the worker whose answer has not arrived."""
        return sum(sent for _, _, sent in self._pending) - len(self._answers)

    def _receive_ready(self) -> None:
        """Take in every answer already sent back (without waiting for one)."""
        while self._in_worker() and self._connection.poll():
            self._answers.append(self._receive())

    def _receive(self) -> tuple[str, Any]:
        try:
            return self._connection.recv()
        except (EOFError, OSError):
            raise self._died() from None

    def ready(self) -> bool:
        if not self._pending:
            return False
        _, _, sent = self._pending[0]
        return not sent or bool(self._answers) or self._connection.poll()

    def result(self) -> Processed:
        chunks, processed, sent = self._pending.popleft()
        if not sent:  # decoded here, nothing to gate
            assert processed is not None
            return processed
        kind, value = self._answers.popleft() if self._answers else self._receive()
        if kind == "error":
            raise WorkerFailed(f"the ingest's worker process failed on a chunk: {value}")
        if kind == "processed":
            return value
        assert processed is not None
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
    a full pipe), this thread processes and answers in order; a closed pipe ends both."""
    received: queue.Queue[Any] = queue.Queue()

    def receive() -> None:
        try:
            while True:
                received.put(connection.recv())
        except (EOFError, OSError):
            received.put(None)

    threading.Thread(target=receive, daemon=True).start()
    warm_up(gate=True)
    from clemency.errors import describe

    # A GX run leaves its frames in reference cycles, which Python frees only at its next
    # full collection: the worker grew by about 150 MiB over 600,000 records. It collects
    # after each chunk; what the import created is frozen first, so a collection does not
    # walk it (about 5 ms instead of 160).
    gc.collect()
    gc.freeze()
    while (work := received.get()) is not None:
        try:
            answer: tuple[str, Any] = (
                ("processed", process(work[1], gate=True))
                if work[0] == "process"
                else ("validated", validate_tables(work[1], work[2]))
            )
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
