"""``--format table``: a document as Rich tables; what it printed can be saved as SVG or HTML."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from effcli.render.document import Bullets, Cell, Document, KeyValues, Note, Part, Row, Table

TONE_STYLES = {
    "stem": "magenta",
    "top": "magenta",
    "fused": "cyan",
    "mbconv": "green",
    "params": "cyan",
    "macs": "green",
    "attention": "yellow",
}
NOTE_STYLES = {"warning": "yellow", "note": "dim"}
DIFFERENT = "bold yellow"
DETAIL_STYLE = "dim"
DETAIL_INDENT = "  "


class TableWriter:
    """Rich tables, ANSI colour only when ``color`` (a terminal without NO_COLOR), ``width`` columns (120)."""

    def __init__(self, *, color: bool = False, width: int | None = None):
        self.color = color
        self.width = width or 120
        self.recording: Console | None = None

    # ---------------------------------------------------------------- the entry point

    def write(self, document: Document) -> str:
        buffer = io.StringIO()
        console = self.recording = Console(
            record=True,
            file=buffer,
            width=self.width,
            force_terminal=self.color,
            no_color=not self.color,
            color_system="standard" if self.color else None,
            highlight=False,
            emoji=False,
        )
        for n, part in enumerate(document.parts):
            if n and not isinstance(part, Note):  # a blank line between parts; notes follow what they qualify
                console.print("")
            for renderable in self._renderables(part):
                console.print(renderable)
        return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())

    # ---------------------------------------------------------------- saving what was printed

    def export_svg(self, title: str) -> str:
        return self._recorded().export_svg(title=title, clear=False)

    def export_html(self) -> str:
        return self._recorded().export_html(clear=False)

    def _recorded(self) -> Console:
        if self.recording is None:
            raise RuntimeError("nothing written yet: call write() first")
        return self.recording

    # ---------------------------------------------------------------- parts

    def _renderables(self, part: Part) -> list:
        if isinstance(part, KeyValues):
            return [self._key_values(part)]
        if isinstance(part, Table):
            return [self._table(part)]
        if isinstance(part, Bullets):
            grid = RichTable.grid(padding=(0, 1))
            grid.add_column()
            grid.add_column()
            for item in part.items:
                grid.add_row("-", Text(item))
            return [Text(part.title, style="bold"), grid]
        if isinstance(part, Note):
            return [Text(part.text, style=NOTE_STYLES[part.level])]
        raise TypeError(f"not a document part: {part!r}")

    def _key_values(self, part: KeyValues) -> RichTable:
        if part.boxed:
            table = RichTable(title=part.title, title_justify="left", show_header=False)
        else:
            table = RichTable.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for field in part.fields:
            table.add_row(Text(field.key), Text(field.value))
        return table

    def _title(self, table: Table) -> str:
        if not table.legend:
            return table.title
        legend = f"{'yellow' if self.color else '*'} = {table.legend}"
        return f"{table.title[:-1]}; {legend})" if table.title.endswith(")") else f"{table.title} ({legend})"

    def _table(self, table: Table) -> RichTable:
        rich = RichTable(title=self._title(table), title_justify="left", header_style="bold")
        for column in table.columns:
            rich.add_column(column.name, justify=column.align, no_wrap=not column.wrap)
        for n, section in enumerate(table.sections):
            if n:
                rich.add_section()
            for row in section:
                rich.add_row(*self._cells(row), style=DETAIL_STYLE if row.detail else None)
        return rich

    def _cells(self, row: Row) -> list[Text]:
        cells = [self._cell(cell) for cell in row.cells]
        if row.detail and cells:
            cells[0] = Text(DETAIL_INDENT) + cells[0]
        return cells

    def _cell(self, cell: Cell) -> Text:
        """A cell that differs from the first model: yellow on a colour terminal, a '*' otherwise."""
        if cell.differs:
            return Text(cell.text, style=DIFFERENT) if self.color else Text(f"{cell.text} *")
        return Text(cell.text, style=TONE_STYLES.get(cell.tone, ""))
