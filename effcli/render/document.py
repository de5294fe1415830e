"""A neutral document: what a view shows, before any format is chosen.

A view (:mod:`effcli.render.views`) builds one :class:`Document` from the core
objects; a writer (table, markdown, csv, json) turns any document into text. A
writer never knows which view it writes: everything it needs is here.

- ``parts``: what the table and Markdown writers show, in order: key-value lists,
  tables, bullet lists, notes.
- ``data``: the JSON contract (what ``--format json`` prints, keys never renamed).
- ``records``: the CSV form (a header and one line per record).

Style hints are meanings, not colours; a writer that cannot show one ignores it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from effcli.records import record

# What a cell is, for writers that colour (the table writer on a colour terminal).
#   stem, top, fused, mbconv: a block type; params, macs: a share of the params / MACs (the bar cells);
#   attention: worth a look (a rounding rule that changed the value, a block fed more channels than declared).
Tone = Literal["", "stem", "top", "fused", "mbconv", "params", "macs", "attention"]


@record
class Field:
    """One ``key: value`` line.

    ``volatile``: it describes this run (the engine, a timing), not the network; formats
    meant to be byte-identical across engines and runs (Markdown) leave it out.
    """

    key: str
    value: str
    volatile: bool = False


@record
class KeyValues:
    """Header or totals lines.

    ``title``: a heading where the format has headings for parts (Markdown); the table
    writer shows it only when ``boxed`` (a titled box), an unboxed list is a bare grid.
    """

    fields: tuple[Field, ...]
    title: str | None = None
    boxed: bool = False


@record
class Column:
    """A table column.

    ``wrap``: long free text that may wrap (a description); every other column stays on one
    line and is never cut. ``min_width``: the narrowest a wrapping column may get (0: the
    writer's default). ``priority``: 0, always shown; 1, 2, ...: what a narrow terminal may
    leave out, the highest number first. ``short``: a shorter title for a narrow terminal.
    ``bar``: the cells are bars (``Cell.bar``), which a narrow terminal may draw shorter.
    """

    name: str
    align: Literal["left", "right"] = "left"
    wrap: bool = False
    min_width: int = 0
    priority: int = 0
    short: str = ""
    bar: bool = False


@record
class Cell:
    """``differs``: differs from the first model's cell (compare), marked where the format can mark it.
    ``short``: the same in fewer characters, for a narrow terminal ("1" for "1. efficientnetv2_b0", the
    models being numbered above). ``bar``: (part, whole) when the text is a bar of part / whole."""

    text: str
    tone: Tone = ""
    differs: bool = False
    short: str = ""
    bar: tuple[int, int] | None = None


@record
class Row:
    cells: tuple[Cell, ...]
    detail: bool = False  # a sub-row of the row above it (a block's layer under the block): indented, dimmed


@record
class Table:
    """A titled table whose rows come in sections (a rule between them where the format can draw one).

    ``legend``: what a cell with ``differs`` means ("differs from model 1"); the
    writers that mark such cells add the mark and this legend to the title.
    ``narrow``: the same content laid out for a narrow terminal (compare's side-by-side
    pyramid as one row per model), for a writer with a width it cannot fit this one into.
    """

    title: str
    columns: tuple[Column, ...]
    sections: tuple[tuple[Row, ...], ...]
    legend: str = ""
    narrow: Table | None = None

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for section in self.sections for row in section)


@record
class Bullets:
    title: str
    items: tuple[str, ...]


@record
class Note:
    """A line after the parts: ``warning`` or plain ``note`` (the text carries its own prefix)."""

    text: str
    level: Literal["warning", "note"] = "note"


Part = KeyValues | Table | Bullets | Note


@record
class Records:
    """The CSV form: a header and one tuple of values per line (None writes an empty field)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@record
class Document:
    title: str
    parts: tuple[Part, ...]
    data: Any  # the JSON contract: a dict or a list, printed as it is
    records: Records


# ------------------------------------------------------------------ builders for the views


def fields(pairs: Iterable[tuple[str, str]], *, volatile: bool = False) -> tuple[Field, ...]:
    return tuple(Field(key, value, volatile) for key, value in pairs)


def row(*cells: str | Cell, detail: bool = False) -> Row:
    return Row(tuple(c if isinstance(c, Cell) else Cell(c) for c in cells), detail)


def records(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> Records:
    return Records(tuple(columns), tuple(tuple(r) for r in rows))
