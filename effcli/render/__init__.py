"""Views and writers.

A view (:mod:`effcli.render.views`, one function per command) builds a neutral
:class:`~effcli.render.document.Document` from the core's result; a writer, one
class per format behind one interface, turns it into text:
``get_writer(format).write(document) -> str``, and the CLI prints the string it
gets back. JSON, CSV and Markdown carry no markup; the table writer emits ANSI
colour only when asked to (a terminal without NO_COLOR) and can save what it
wrote as SVG or HTML (``export_svg`` / ``export_html``).
"""

from __future__ import annotations

from typing import Protocol

from effcli.errors import EffcliError
from effcli.render.document import Document

FORMATS = ("table", "json", "csv", "markdown")


class Writer(Protocol):
    def write(self, document: Document) -> str: ...


def get_writer(name: str, *, color: bool = False, width: int | None = None, wide: bool = False) -> Writer:
    """``color``, ``width`` (columns) and ``wide`` (every column, however wide) concern the table writer only."""
    if name == "table":
        from effcli.render.table import TableWriter

        return TableWriter(color=color, width=width, wide=wide)
    if name == "json":
        from effcli.render.json import JsonWriter

        return JsonWriter()
    if name == "csv":
        from effcli.render.csv import CsvWriter

        return CsvWriter()
    if name == "markdown":
        from effcli.render.markdown import MarkdownWriter

        return MarkdownWriter()
    raise EffcliError(f"unknown format '{name}'; valid formats: {', '.join(FORMATS)}", source="--format")
