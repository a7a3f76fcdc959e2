"""The one way an error becomes the one line a person reads (CLI, audit trail, alerts)."""

from __future__ import annotations


class PipelineError(RuntimeError):
    """A failure a person can act on: its first line names the step, partition, model or
    file, says what went wrong and what was left unchanged. The CLI prints that line (exit
    1) instead of a traceback; subclasses name the kind."""


def first_line(error: object) -> str:
    """The first non-blank line of an error's text, stripped ('' when it has none)."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()
    return ""


def describe(error: object) -> str:
    """`TypeName: first line` for an exception (just the name when it says nothing), the first
    line for anything else, and a fixed phrase for no error at all."""
    if error is None:
        return "no exception recorded"
    line = first_line(error)
    if isinstance(error, BaseException):
        name = type(error).__name__
        return f"{name}: {line}" if line else name
    return line or repr(error)
