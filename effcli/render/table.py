"""``--format table``: a document as box-drawn tables; what it printed can be saved as SVG or HTML.

The tables look as Rich draws them (heavy head, light body, a rule between
sections), but are drawn here from the layout this module computes anyway: a
table of known column widths is only padding and joining, and Rich's general
layout engine cost more than the rest of a command together (0.1 s of an
analytic `summary`). Rich is imported only to save the output as SVG or HTML.

Tables fit the width they are given. A column stays on one line and is never cut;
when a table is too wide the writer, in this order, narrows its wrapping columns
(free text), draws its bars shorter, uses the short titles and cells, switches to
the table's narrow layout, and then leaves out columns, the highest ``priority``
first, saying under the table which ones. ``wide`` draws every column in full, the
width being as large as the widest table needs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import field, replace
from typing import NamedTuple

from effcli.records import record
from effcli.render.document import Bullets, Cell, Document, KeyValues, Note, Part, Row, Table
from effcli.render.text import BAR_WIDTH, bar

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
LEFT_OUT_STYLE = "dim"
LEFT_OUT = "Left out at {width} columns: {names}; --wide or --format json|csv|markdown shows all."
# The same note where there are no options to give (effcli explore's panes).
LEFT_OUT_WIDER = "Left out at {width} columns: {names}; a wider terminal shows them."
BAR_MIN = 8  # the shortest full scale a bar column is drawn at before it is left out
WRAP_MIN = 20  # a wrapping column's narrowest width unless the column says otherwise


# --------------------------------------------------------------------------- saving as SVG or HTML
# Rich's own templates load the "Fira Code" web font from a CDN; offline, the fallback font's other widths and
# heights misalign the borders. These templates need nothing from the network: a monospace font the system has.

MONOSPACE = '"DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", "Courier New", monospace'
# Rich lays the SVG out in cells of 20 px (its char_height) by 24.4 px (1.22 x 20). The box-drawing verticals of
# DejaVu Sans Mono (and of Menlo, drawn from it) are 1.19 em tall: at 21 px they span the 24.4 px line, so the
# borders join. A cell is as wide as one glyph advance (0.602 em); every text run carries textLength, so a font
# of another width in the stack is spaced to the same columns.
SVG_FONT_SIZE = 21
SVG_FONT_ASPECT = 0.602 * SVG_FONT_SIZE / 20
SVG_FORMAT = (
    """<svg class="rich-terminal" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">
    <style>
    .{unique_id}-matrix {{
        font-family: """
    + MONOSPACE
    + """;
        font-size: """
    + str(SVG_FONT_SIZE)
    + """px;
        line-height: {line_height}px;
        font-variant-east-asian: full-width;
    }}

    .{unique_id}-title {{
        font-size: 18px;
        font-weight: bold;
        font-family: "DejaVu Sans", Arial, Helvetica, sans-serif;
    }}

    {styles}
    </style>

    <defs>
    <clipPath id="{unique_id}-clip-terminal">
      <rect x="0" y="0" width="{terminal_width}" height="{terminal_height}" />
    </clipPath>
    {lines}
    </defs>

    {chrome}
    <g transform="translate({terminal_x}, {terminal_y})" clip-path="url(#{unique_id}-clip-terminal)">
    {backgrounds}
    <g class="{unique_id}-matrix">
    {matrix}
    </g>
    </g>
</svg>
"""
)
LINE_CLIP = re.compile(r' clip-path="url\(#[\w-]+-line-\d+\)"')
# A str.format template (Rich fills stylesheet, foreground, background, code); "{title}" is replaced first, escaped.
# line-height 1.15: box-drawing verticals (about 1.19 em tall) overlap from line to line instead of leaving gaps.
HTML_FORMAT = (
    """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{stylesheet}
body {{
    color: {foreground};
    background-color: {background};
    margin: 1em;
}}
pre {{
    font-family: """
    + MONOSPACE
    + """;
    font-size: 14px;
    line-height: 1.15;
    overflow-x: auto;
}}
pre code {{
    font-family: inherit;
}}
</style>
</head>
<body>
<pre><code>{code}</code></pre>
</body>
</html>
"""
)


def table_width(widths: list[int]) -> int:
    """Columns of a Rich table (heavy head, edges, padding 1 each side) whose cells are ``widths`` wide."""
    return sum(widths) + 3 * len(widths) + 1


@record
class Layout:
    """How one table is drawn: which of its columns, in which form, how wide.

    ``widths``: the width of each wrapping column narrowed below its natural width.
    ``squeezed``: even its essential columns do not fit; every column may fold.
    """

    table: Table
    shown: tuple[int, ...]
    short: bool = False
    bar_width: int = BAR_WIDTH
    widths: dict[int, int] = field(default_factory=dict)
    squeezed: bool = False
    left_out: tuple[str, ...] = ()


class Measure:
    """Cell widths of one table, by column, form (short or not) and bar scale."""

    def __init__(self, writer: TableWriter, table: Table):
        self.writer, self.table = writer, table
        self.cache: dict[tuple[int, bool, int], tuple[int, int]] = {}

    def texts(self, index: int, short: bool, bar_width: int) -> list[str]:
        column = self.table.columns[index]
        texts = [column.short if short and column.short else column.name]
        for row in self.table.rows:
            text = self.writer.cell(row.cells[index], short=short, bar_width=bar_width).text
            texts.append(DETAIL_INDENT + text if row.detail and index == 0 else text)
        return texts

    def column(self, index: int, short: bool, bar_width: int) -> tuple[int, int]:
        """(natural, narrowest) width of a column's cells; they differ only for a wrapping column."""
        key = (index, short, bar_width if self.table.columns[index].bar else BAR_WIDTH)
        if key not in self.cache:
            column = self.table.columns[index]
            texts = self.texts(index, short, bar_width)
            natural = max(cell_len(t) for t in texts)
            narrowest = natural
            if column.wrap:
                word = max((cell_len(w) for t in texts for w in t.split()), default=0)
                narrowest = max(word, min(natural, column.min_width or WRAP_MIN))
            self.cache[key] = (natural, narrowest)
        return self.cache[key]

    def fit(self, shown: tuple[int, ...], width: int, short: bool, bar_width: int) -> Layout | None:
        """The layout of these columns in ``width``, narrowing wrapping columns if need be; None if it cannot."""
        sizes = {j: self.column(j, short, bar_width) for j in shown}
        if table_width([natural for natural, _ in sizes.values()]) <= width:
            return Layout(self.table, shown, short, bar_width)
        wrapping = [j for j in shown if self.table.columns[j].wrap]
        fixed = [sizes[j][0] for j in shown if j not in wrapping]
        room = width - table_width(fixed) - 3 * len(wrapping)
        widths = {j: sizes[j][1] for j in wrapping}
        if sum(widths.values()) > room:
            return None
        for _ in range(room - sum(widths.values())):  # one more character to the column missing the most
            j = max(wrapping, key=lambda k: sizes[k][0] - widths[k])
            widths[j] += 1
        return Layout(self.table, shown, short, bar_width, widths)

    def fit_any(self, shown: tuple[int, ...], width: int) -> Layout | None:
        """These columns in ``width``: in full, else with shorter bars, else in short form."""
        columns = [self.table.columns[j] for j in shown]
        bars = range(BAR_WIDTH, BAR_MIN - 1, -1) if any(c.bar for c in columns) else [BAR_WIDTH]
        has_short = any(c.short for c in columns) or any(row.cells[j].short for row in self.table.rows for j in shown)
        for short in (False, True) if has_short else (False,):
            for bar_width in bars:
                if layout := self.fit(shown, width, short, bar_width):
                    return layout
        return None

    def natural_width(self) -> int:
        return table_width([self.column(j, False, BAR_WIDTH)[0] for j in range(len(self.table.columns))])


# --------------------------------------------------------------------------- drawing

SGR = {
    "bold": "1",
    "dim": "2",
    "italic": "3",
    "yellow": "33",
    "green": "32",
    "magenta": "35",
    "cyan": "36",
    "bold yellow": "1;33",
}
HEAVY_HEAD = {"top": "┏━┳┓", "head": "┃┃┃", "head_rule": "┡━╇┩", "row": "│││", "rule": "├─┼┤", "bottom": "└─┴┘"}
SQUARE = {"top": "┌─┬┐", "row": "│││", "bottom": "└─┴┘"}


class Styled(NamedTuple):
    """Text and the style it is drawn in (a key of SGR, combined with spaces, or "")."""

    text: str
    style: str = ""


def cell_len(text: str) -> int:
    """Columns a string takes in a terminal: wide (East Asian) characters count two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fold(word: str, width: int) -> list[str]:
    """A word longer than ``width`` cut into pieces of ``width`` columns (nothing is lost)."""
    pieces, piece = [], ""
    for ch in word:
        if piece and cell_len(piece + ch) > width:
            pieces.append(piece)
            piece = ""
        piece += ch
    return pieces + [piece]


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken between words, a too-long word folded."""
    if cell_len(text) <= width:
        return [text]
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if cell_len(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            pieces = _fold(word, width)
            lines += pieces[:-1]
            line = pieces[-1]
        lines.append(line)
    return lines


def _pad(text: str, width: int, align: str) -> str:
    room = width - cell_len(text)
    return " " * room + text if align == "right" else text + " " * room


def _rule(box: dict[str, str], part: str, widths: list[int]) -> str:
    left, fill, middle, right = tuple(box[part])
    return left + middle.join(fill * (w + 2) for w in widths) + right


def column_label(table: Table, index: int) -> str:
    """How the left-out line names a column: its title, or with the title before it when that is not enough."""
    column = table.columns[index]
    before = table.columns[index - 1].name if index else ""
    if not column.name:
        return f"{before} bars".strip() if column.bar else f"column {index + 1}"
    if sum(c.name == column.name for c in table.columns) > 1:
        return f"{before} {column.name}".strip()
    return column.name


class TableWriter:
    """Tables drawn in box characters, ANSI colour only when ``color`` (a terminal without NO_COLOR),
    ``width`` columns (120); ``wide``: every column in full, however wide; ``left_out``: the note under a table
    that had to leave columns out."""

    def __init__(self, *, color: bool = False, width: int | None = None, wide: bool = False, left_out: str = LEFT_OUT):
        self.left_out = left_out
        self.color = color
        self.width = width or 120
        self.wide = wide
        self._written: tuple[Document, int] | None = None

    # ---------------------------------------------------------------- the entry point

    def write(self, document: Document) -> str:
        width = self.width
        if self.wide:
            tables = [p for p in document.parts if isinstance(p, Table)]
            width = max([width] + [Measure(self, t).natural_width() for t in tables])
        self._written = (document, width)
        lines: list[str] = []
        saved, self.width = self.width, width
        try:
            for n, part in enumerate(document.parts):
                if n and not isinstance(part, Note):  # a blank line between parts; notes follow what they qualify
                    lines.append("")
                lines += self._part(part)
        finally:
            self.width = saved
        return "".join(line.rstrip() + "\n" for line in lines)

    # ---------------------------------------------------------------- saving what was printed

    def export_svg(self, title: str) -> str:
        """What was printed, as a self-contained SVG (no web font: a local monospace stack, see SVG_FORMAT).

        Rich clips every text run to its own line; a 21 px glyph that reaches past the line (the box-drawing
        verticals, meant to join the next line's; an underscore's stroke) would be cut, so the borders showed
        gaps and underscores vanished. The runs are left unclipped (the terminal's frame still clips)."""
        svg = self._recorded().export_svg(
            title=title, clear=False, code_format=SVG_FORMAT, font_aspect_ratio=SVG_FONT_ASPECT
        )
        return LINE_CLIP.sub("", svg)

    def export_html(self, title: str | None = None) -> str:
        """What was printed, as a self-contained HTML page titled ``title`` (default: the document's title)."""
        if title is None:
            title = self._written[0].title if self._written is not None else "effcli"
        from html import escape as html_escape

        title = html_escape(title or "effcli").replace("{", "{{").replace("}", "}}")
        return self._recorded().export_html(clear=False, code_format=HTML_FORMAT.replace("{title}", title))

    def _recorded(self):
        """A Rich console that has printed the last document, in colour (for SVG and HTML)."""
        if self._written is None:
            raise RuntimeError("nothing written yet: call write() first")
        import io

        from rich.console import Console
        from rich.text import Text

        document, width = self._written
        coloured = TableWriter(color=True, width=self.width, wide=self.wide).write(document)
        console = Console(
            record=True, file=io.StringIO(), width=width, force_terminal=True, color_system="standard", emoji=False
        )
        console.print(Text.from_ansi(coloured), end="", soft_wrap=True, highlight=False)
        return console

    # ---------------------------------------------------------------- fitting a table

    def layout(self, table: Table) -> Layout:
        """Which columns of ``table`` (or of its narrow layout), in which form, fit ``self.width``."""
        if self.wide:
            return Layout(table, tuple(range(len(table.columns))))
        candidates = [t for t in (table, table.narrow) if t is not None]
        for candidate in candidates:
            if layout := Measure(self, candidate).fit_any(tuple(range(len(candidate.columns))), self.width):
                return layout
        table = candidates[-1]
        measure = Measure(self, table)
        shown = list(range(len(table.columns)))
        droppable = [j for j in shown if table.columns[j].priority > 0]
        droppable.sort(key=lambda j: (-table.columns[j].priority, -j))  # the highest priority first, then the last
        left_out: tuple[str, ...] = ()
        for index in droppable:
            shown.remove(index)
            left_out = tuple(column_label(table, j) for j in range(len(table.columns)) if j not in shown)
            if layout := measure.fit_any(tuple(shown), self.width):
                return replace(layout, left_out=left_out)
        return Layout(table, tuple(shown), short=True, bar_width=BAR_MIN, squeezed=True, left_out=left_out)

    # ---------------------------------------------------------------- parts

    def paint(self, styled: Styled) -> str:
        if not (self.color and styled.style and styled.text):
            return styled.text
        codes = ";".join(SGR[s] for s in styled.style.split("+") if s)
        return f"\x1b[{codes}m{styled.text}\x1b[0m"

    def _lines(self, text: str, style: str = "") -> list[str]:
        return [self.paint(Styled(line, style)) for line in wrap(text, self.width)]

    def _part(self, part: Part) -> list[str]:
        if isinstance(part, KeyValues):
            return self._key_values(part)
        if isinstance(part, Table):
            layout = self.layout(part)
            lines = self._table(layout)
            if layout.left_out:
                names = ", ".join(layout.left_out)
                lines += self._lines(self.left_out.format(width=self.width, names=names), LEFT_OUT_STYLE)
            return lines
        if isinstance(part, Bullets):
            lines = self._lines(part.title, "bold")
            for item in part.items:
                for n, line in enumerate(wrap(item, max(self.width - 2, 1))):
                    lines.append(("- " if n == 0 else "  ") + line)
            return lines
        if isinstance(part, Note):
            return self._lines(part.text, NOTE_STYLES[part.level])
        raise TypeError(f"not a document part: {part!r}")

    def _key_values(self, part: KeyValues) -> list[str]:
        """Keys on one line, values wrapped (never cut) when the width is short."""
        keys = [f.key for f in part.fields]
        values = [f.value for f in part.fields]
        key_width = max((cell_len(k) for k in keys), default=0)
        if not part.boxed:  # a bare grid: key, two spaces, value
            room = max(self.width - key_width - 2, 1)
            lines = []
            for key, value in zip(keys, values, strict=True):
                for n, line in enumerate(wrap(value, room)):
                    left = self.paint(Styled(_pad(key, key_width, "left"), "bold")) if n == 0 else " " * key_width
                    lines.append(f"{left}  {line}")
            return lines
        value_width = max((cell_len(v) for v in values), default=0)
        value_width = max(min(value_width, self.width - key_width - 7), 1)
        widths = [key_width, value_width]
        lines = self._lines(part.title, "italic") if part.title else []
        lines.append(_rule(SQUARE, "top", widths))
        for key, value in zip(keys, values, strict=True):
            for n, line in enumerate(wrap(value, value_width)):
                left = self.paint(Styled(_pad(key, key_width, "left"), "bold")) if n == 0 else " " * key_width
                lines.append(f"│ {left} │ {_pad(line, value_width, 'left')} │")
        lines.append(_rule(SQUARE, "bottom", widths))
        return lines

    def _title(self, table: Table) -> str:
        if not table.legend:
            return table.title
        legend = f"{'yellow' if self.color else '*'} = {table.legend}"
        return f"{table.title[:-1]}; {legend})" if table.title.endswith(")") else f"{table.title} ({legend})"

    def _widths(self, layout: Layout, headers: list[str], rows: list[list[Styled]]) -> list[int]:
        widths = []
        for k, j in enumerate(layout.shown):
            if j in layout.widths:
                widths.append(layout.widths[j])
            else:
                widths.append(max([cell_len(headers[k])] + [cell_len(row[k].text) for row in rows]))
        if layout.squeezed:  # even the essential columns do not fit: take from the widest until they do
            while table_width(widths) > self.width and max(widths) > 1:
                widths[widths.index(max(widths))] -= 1
        return widths

    def _table(self, layout: Layout) -> list[str]:
        table = layout.table
        columns = [table.columns[j] for j in layout.shown]
        headers = [c.short if layout.short and c.short else c.name for c in columns]
        sections = [
            [(row, [self._cells(row, layout)[j] for j in layout.shown]) for row in section]
            for section in table.sections
        ]
        widths = self._widths(layout, headers, [cells for section in sections for _, cells in section])
        lines = self._lines_in(self._title(table), table_width(widths), "italic")
        lines.append(_rule(HEAVY_HEAD, "top", widths))
        header = [Styled(h, "bold") for h in headers]
        lines += self._row(HEAVY_HEAD["head"], header, widths, [c.align for c in columns])
        lines.append(_rule(HEAVY_HEAD, "head_rule", widths))
        for n, section in enumerate(sections):
            if n:
                lines.append(_rule(HEAVY_HEAD, "rule", widths))
            for row, cells in section:
                if row.detail:
                    cells = [Styled(c.text, "+".join(s for s in (DETAIL_STYLE, c.style) if s)) for c in cells]
                lines += self._row(HEAVY_HEAD["row"], cells, widths, [c.align for c in columns])
        lines.append(_rule(HEAVY_HEAD, "bottom", widths))
        return lines

    def _lines_in(self, text: str, width: int, style: str) -> list[str]:
        return [self.paint(Styled(line, style)) for line in wrap(text, width)] if text else []

    def _row(self, edges: str, cells: list[Styled], widths: list[int], aligns: list[str]) -> list[str]:
        left, middle, right = tuple(edges)
        wrapped = [wrap(cell.text, width) for cell, width in zip(cells, widths, strict=True)]
        lines = []
        for n in range(max(len(w) for w in wrapped)):
            parts = []
            for k, cell in enumerate(cells):
                text = wrapped[k][n] if n < len(wrapped[k]) else ""
                padded = _pad(text, widths[k], aligns[k])
                if text and self.color and cell.style:  # paint the text, not its padding
                    padded = padded.replace(text, self.paint(Styled(text, cell.style)), 1)
                parts.append(f" {padded} ")
            lines.append(left + middle.join(parts) + right)
        return lines

    def _cells(self, row: Row, layout: Layout) -> list[Styled]:
        cells = [self.cell(cell, short=layout.short, bar_width=layout.bar_width) for cell in row.cells]
        if row.detail and cells:
            cells[0] = Styled(DETAIL_INDENT + cells[0].text, cells[0].style)
        return cells

    def cell(self, cell: Cell, *, short: bool = False, bar_width: int = BAR_WIDTH) -> Styled:
        """A cell as drawn (``short``: its short form; a bar at ``bar_width`` for the whole); one that differs
        from the first model: yellow on a colour terminal, a '*' otherwise."""
        text = cell.short if short and cell.short else cell.text
        if cell.bar is not None and bar_width != BAR_WIDTH:
            text = bar(*cell.bar, width=bar_width)
        if cell.differs:
            return Styled(text, "bold yellow") if self.color else Styled(f"{text} *")
        return Styled(text, TONE_STYLES.get(cell.tone, ""))
