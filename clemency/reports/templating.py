"""The Jinja2 environment every HTML page is rendered with (reports, run summary, portal).

Escaping is the default, not each call site's duty: autoescaping is on for every template,
and `finalize` passes every `{{ … }}` value through `safe_text.clean` first, so a value is
cleaned (control and bidi characters, length) and then HTML-escaped wherever it lands, text
or double-quoted attribute. `safe_text.html` is also registered as the `text` filter for
places that want the rule spelled out. Only markup this package produced itself (the
stylesheet, the SVG charts, which escape their own text) is passed in as `Markup`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from clemency.reports import safe_text


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markup):  # produced by this package, already escaped
        return value
    return safe_text.clean(value)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("clemency.reports", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,  # a misspelt name fails the render, never prints ""
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["text"] = lambda value: Markup(safe_text.html(value))
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def trusted(markup: str) -> Markup:
    """Markup this package wrote itself and escaped already (stylesheet, SVG chart)."""
    return Markup(markup)
