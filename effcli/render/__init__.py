"""Renderers: one class per output format behind one interface.

``get_renderer(name).render(report) -> str``; the CLI prints the string it gets
back. JSON, CSV and Markdown carry no markup; the table renderer emits ANSI
colour only when asked to (a terminal without NO_COLOR).
"""

from __future__ import annotations

from typing import Protocol

from effcli.core.report import Report
from effcli.errors import EffcliError

FORMATS = ("table", "json", "csv", "markdown")


class Renderer(Protocol):
    def render(self, report: Report) -> str: ...


def get_renderer(name: str, *, color: bool = False, width: int | None = None, layers: bool = False) -> Renderer:
    """``layers``: expand every block into its Keras layers (`summary --layers`)."""
    if name == "table":
        from effcli.render.table import TableRenderer

        return TableRenderer(color=color, width=width, layers=layers)
    if name == "json":
        from effcli.render.json import JsonRenderer

        return JsonRenderer(layers=layers)
    if name == "csv":
        from effcli.render.csv import CsvRenderer

        return CsvRenderer(layers=layers)
    if name == "markdown":
        from effcli.render.markdown import MarkdownRenderer

        return MarkdownRenderer(layers=layers)
    raise EffcliError(f"unknown format '{name}'; valid formats: {', '.join(FORMATS)}", source="--format")
