"""``effcli report NAME -o FILE.html``: one self-contained HTML page about one backbone.

The page holds the summary (header, blocks, stage shares, pyramid levels, totals), the
diagram, the scaling tables and the chart. Its tables are effcli's own documents
(:mod:`effcli.render.views`) written as HTML here, so titles and columns stay defined in
one place. It needs nothing from the network: styles and the small script are inline,
fonts are the system's, the pictures are inline SVG. The output is deterministic: the same
report gives the same bytes (no date; the effcli version is named).

In a browser: a table's column sorts by a click on its title (numbers as numbers:
"1,234", "10.8M", "0.25 (12)", "x4"; "-" and empty cells last; a third click restores
the order); a block's row shows its Keras layers on hover (a tooltip) and on click (an
expanded row); a click on a block in the diagram opens and highlights its row. Without
scripts every block's layers are shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from typing import TYPE_CHECKING

from effcli.render.document import Bullets, Cell, Column, Document, KeyValues, Note, Part, Row, Table

if TYPE_CHECKING:
    from effcli.core.report import BlockReport, Report

DIAGRAM_PREFIX = "diagram-"  # every id of the diagram's SVG starts with it (a block's shape: diagram-block-<name>)
CHART_PREFIX = "chart-"
TOOLTIP_LAYERS = 24  # a block row's tooltip lists at most this many of its layers

FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", "Helvetica Neue", Arial, '
    "sans-serif"
)
MONO_STACK = '"DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", "Courier New", monospace'

STYLE = """
:root { color-scheme: light; --ink: #222; --muted: #666; --rule: #ddd; --head: #f2f2f2; --mark: #fff1a8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: FONTS; color: var(--ink); background: #fff; line-height: 1.4;
  margin: 0 auto; padding: 1rem; max-width: 90rem; }
header p { margin: .2rem 0; color: var(--muted); }
h1 { font-size: 1.6rem; margin: .2rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; padding-bottom: .2rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
nav ul { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .2rem 1.2rem; }
a { color: #1f5fa8; }
.scroll { overflow-x: auto; max-width: 100%; position: relative; }
table.data { border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
table.data th, table.data td { padding: .2rem .55rem; border-bottom: 1px solid var(--rule); text-align: left;
  white-space: nowrap; vertical-align: top; }
table.data thead th { background: var(--head); border-bottom: 2px solid #bbb; }
table.data .num { text-align: right; }
table.data td.wrap { white-space: normal; min-width: 14rem; }
table.data tr.section-start > td { border-top: 2px solid #bbb; }
table.data.sorted tr.section-start > td { border-top: 0; }
table.data tr.detail > td { color: var(--muted); }
table.data tr.detail > td:first-child { padding-left: 1.6rem; }
th button { font: inherit; font-weight: bold; color: inherit; background: none; border: 0; padding: 0;
  cursor: pointer; white-space: nowrap; }
th button::after { content: " \\2195"; color: #aaa; font-weight: normal; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; color: var(--ink); }
th[aria-sort="descending"] button::after { content: " \\25BC"; color: var(--ink); }
html:not(.js) th button::after { content: ""; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
td.bar { min-width: 8rem; width: 10rem; }
td.bar span { display: block; height: .75em; margin-top: .3em; min-width: 1px; background: #3a78b5; }
td.bar.tone-macs span { background: #5b9a4a; }
.tone-attention { background: var(--mark); }
.differs { font-weight: bold; background: var(--mark); }
.swatch { display: inline-block; width: .75em; height: .75em; margin-right: .35em; vertical-align: -.05em;
  border: 1px solid rgba(0, 0, 0, .35); }
TONES
tr.block { cursor: pointer; }
tr.block:hover > td { background: #f5f8fc; }
tr.block.highlight > td { background: var(--mark); }
button.expand { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer;
  text-align: left; }
button.expand::before { content: "\\25B8\\00A0"; color: var(--muted); }
button.expand[aria-expanded="true"]::before { content: "\\25BE\\00A0"; }
html:not(.js) button.expand::before { content: ""; }
tr.layers > td { background: #fafafa; padding: .3rem .5rem .7rem 1.6rem; }
tr.layers table.data { font-size: .85rem; }
tr.layers table.data thead th { background: #ececec; }
html.js tr.layers.collapsed { display: none; }
.controls { margin: .3rem 0; }
.controls button { font: inherit; font-size: .85rem; margin-right: .4rem; padding: .15rem .6rem; cursor: pointer; }
html:not(.js) .controls { display: none; }
dl.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .15rem 1.2rem; margin: .5rem 0; }
dl.kv dt { font-weight: bold; }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
ul.bullets { margin: .3rem 0; }
p.note { margin: .4rem 0; color: var(--muted); }
p.warning { margin: .4rem 0; padding: .3rem .6rem; border-left: 4px solid #e0a800; background: #fffbea; }
figure { margin: .5rem 0 1rem; }
figure .scroll { border: 1px solid var(--rule); }
figure svg { display: block; height: auto; }
figure.chart svg { max-width: 100%; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .3rem; }
[id^="diagram-block-"] { cursor: pointer; }
[id^="diagram-block-"].selected path { stroke: #c0392b !important; stroke-width: 3px !important; }
[id^="diagram-block-"]:focus { outline: none; }
[id^="diagram-block-"]:focus-visible path { stroke: #1a5fb4 !important; stroke-width: 3px !important; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem; }
code, pre { font-family: MONO; }
@media (max-width: 40rem) {
  body { padding: .6rem; }
  dl.kv { grid-template-columns: minmax(0, 1fr); }
  dl.kv dd { margin-left: 1rem; }
}
@media print {
  nav, .controls, footer { display: none; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  .scroll { overflow: visible; }
  figure .scroll { border: 0; }
  figure svg { max-width: 100%; }
  th button::after, button.expand::before { content: ""; }
  tr.block:hover > td, tr.block.highlight > td { background: none; }
  h2, h3 { break-after: avoid; }
  tr, figure { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

# Sorting, a block's layers, the diagram's blocks. Plain ES5 DOM code, run once at the end of the page.
SCRIPT = r"""
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var SCALE = { K: 1e3, M: 1e6, G: 1e9 };
  var NUMBER = /^[x\u00d7]?\s*([-+]?\d[\d,]*(?:\.\d+)?)\s*([KMG](?![A-Za-z]))?/;
  var collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  var BLOCK_ID = "diagram-block-";

  // A cell's sort key: a number ("1,234", "10.8M", "0.25 (12)", "x4", "3x3", "5.8%"), else its text; null if empty.
  function sortKey(cell) {
    if (!cell) return null;
    var text = (cell.getAttribute("data-value") || cell.textContent || "").trim();
    if (text === "" || text === "-") return null;
    var match = NUMBER.exec(text);
    if (match) {
      var value = parseFloat(match[1].replace(/,/g, ""));
      return match[2] ? value * SCALE[match[2]] : value;
    }
    return text;
  }

  function compareKeys(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    if (typeof a === "number") return -1;
    if (typeof b === "number") return 1;
    return collator.compare(a, b);
  }

  // A table's rows as units: a row with the detail and layer rows that follow it.
  function units(body) {
    var result = [];
    for (var i = 0; i < body.rows.length; i++) {
      var row = body.rows[i];
      var attached = row.classList.contains("detail") || row.classList.contains("layers");
      if (attached && result.length) result[result.length - 1].rows.push(row);
      else result.push({ row: row, rows: [row] });
    }
    return result;
  }

  function sortTable(table, column, direction) {
    var body = table.tBodies[0];
    var items = units(body);
    items.forEach(function (item, index) {
      if (!item.row.hasAttribute("data-order")) item.row.setAttribute("data-order", String(index));
      item.order = parseInt(item.row.getAttribute("data-order"), 10);
      item.key = direction ? sortKey(item.row.cells[column]) : null;
    });
    items.sort(function (a, b) {
      if (direction) {
        if (a.key === null && b.key !== null) return 1;
        if (b.key === null && a.key !== null) return -1;
        if (a.key !== null) {
          var c = compareKeys(a.key, b.key) * direction;
          if (c) return c;
        }
      }
      return a.order - b.order;
    });
    items.forEach(function (item) {
      item.rows.forEach(function (row) { body.appendChild(row); });
    });
    table.classList.toggle("sorted", direction !== 0);
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) {
      if (i === column && direction) heads[i].setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
      else heads[i].removeAttribute("aria-sort");
    }
  }

  function onSort(button) {
    var head = button.closest("th");
    var table = head.closest("table");
    var state = head.getAttribute("aria-sort");
    var direction = state === "ascending" ? -1 : state === "descending" ? 0 : 1;
    sortTable(table, head.cellIndex, direction);
  }

  function setExpanded(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var row = document.getElementById(button.getAttribute("aria-controls"));
    if (row) row.classList.toggle("collapsed", !open);
  }

  function blockRow(name) {
    var rows = document.querySelectorAll("tr.block");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-block") === name) return rows[i];
    }
    return null;
  }

  function reveal(name) {
    var row = blockRow(name);
    if (!row) return;
    var marked = document.querySelectorAll("tr.block.highlight, .selected");
    for (var i = 0; i < marked.length; i++) marked[i].classList.remove("highlight", "selected");
    row.classList.add("highlight");
    var shape = document.getElementById(BLOCK_ID + name);
    if (shape) shape.classList.add("selected");
    var button = row.querySelector("button.expand");
    if (button) {
      setExpanded(button, true);
      button.focus({ preventScroll: true });
    }
    if (row.scrollIntoView) row.scrollIntoView({ block: "center" });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) return;
    var button = target.closest("button");
    if (button) {
      if (button.classList.contains("expand")) {
        setExpanded(button, button.getAttribute("aria-expanded") !== "true");
      } else if (button.classList.contains("sort")) {
        onSort(button);
      } else if (button.hasAttribute("data-expand-all")) {
        var open = button.getAttribute("data-expand-all") === "true";
        var scope = document.getElementById(button.getAttribute("aria-controls"));
        var toggles = scope ? scope.querySelectorAll("button.expand") : [];
        for (var i = 0; i < toggles.length; i++) setExpanded(toggles[i], open);
      }
      return;
    }
    var row = target.closest("tr.block");
    if (row) {
      var toggle = row.querySelector("button.expand");
      if (toggle) setExpanded(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    var shape = target.closest('[id^="' + BLOCK_ID + '"]');
    if (shape) reveal(shape.id.slice(BLOCK_ID.length));
  });

  // The diagram's blocks are buttons for the keyboard too: Tab reaches them in order, Enter or Space opens the row.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var shape = event.target && event.target.closest && event.target.closest('[id^="' + BLOCK_ID + '"]');
    if (!shape) return;
    event.preventDefault();
    reveal(shape.id.slice(BLOCK_ID.length));
  });

  var shapes = document.querySelectorAll('[id^="' + BLOCK_ID + '"]');
  for (var s = 0; s < shapes.length; s++) {
    var name = shapes[s].id.slice(BLOCK_ID.length);
    if (!blockRow(name)) continue;
    shapes[s].setAttribute("tabindex", "0");
    shapes[s].setAttribute("role", "button");
    shapes[s].setAttribute("aria-label", "Block " + name + ": show its layers in the table");
  }

  var toggles = document.querySelectorAll("button.expand");
  for (var i = 0; i < toggles.length; i++) setExpanded(toggles[i], false);
})();
"""


# ------------------------------------------------------------------ ids


class Ids:
    """Unique, deterministic element ids from titles."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def make(self, text: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "part"
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}-{n}"
        self.taken.add(name)
        return name


# ------------------------------------------------------------------ inline SVG

_REFERENCE = re.compile(
    r"""(?P<id>\bid=")(?P<id_name>[^"]*)(?P<id_end>")"""
    r"""|(?P<url>url\(\s*["']?#)(?P<url_name>[^)"'\s]*)(?P<url_end>["']?\s*\))"""
    r"""|(?P<href>\b(?:xlink:)?href=")#(?P<href_name>[^"]*)(?P<href_end>")"""
)


def prefix_ids(svg: str, prefix: str) -> str:
    """``svg`` with every id prefixed, and every reference to one (``url(#id)``, ``href="#id"``,
    ``xlink:href="#id"``) changed to match, so that two inline SVGs on one page share no id."""
    ids = set(re.findall(r'\bid="([^"]*)"', svg))

    def replace(match: re.Match[str]) -> str:
        for kind in ("id", "url", "href"):
            name = match.group(f"{kind}_name")
            if name is not None:
                if name not in ids:
                    return match.group(0)
                joint = "#" if kind == "href" else ""
                return f"{match.group(kind)}{joint}{prefix}{name}{match.group(f'{kind}_end')}"
        return match.group(0)  # pragma: no cover - one of the groups always matched

    return _REFERENCE.sub(replace, svg)


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as an element of the page: no XML prolog, doctype, comments or metadata (matplotlib's
    RDF block names web addresses), ids prefixed with ``prefix``."""
    text = svg.strip()
    start = text.find("<svg")
    if start > 0:
        text = text[start:]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"\s*<metadata\b.*?</metadata>", "", text, flags=re.S)
    return prefix_ids(text, prefix)


# ------------------------------------------------------------------ documents as HTML


def _tone_css() -> str:
    from effcli.pictures.figure import TYPE_COLOURS

    return "\n".join(f".swatch.tone-{tone} {{ background: {colour}; }}" for tone, colour in TYPE_COLOURS.items())


def _classes(*names: str) -> str:
    joined = " ".join(n for n in names if n)
    return f' class="{joined}"' if joined else ""


def _cell_html(cell: Cell, column: Column) -> str:
    """One ``<td>``: right-aligned numbers, a bar as a bar (its share is in the column before it), a block
    type with its colour, a cell that needs attention or differs marked."""
    align = "num" if column.align == "right" else ""
    wrap = "wrap" if column.wrap else ""
    if cell.bar is not None:
        part, whole = cell.bar
        percent = 100 * part / whole if whole > 0 and part > 0 else 0.0
        tone = f"tone-{cell.tone}" if cell.tone else ""
        return (
            f'<td{_classes("bar", tone)} data-value="{part}"><span style="width: {percent:.2f}%" '
            f'aria-hidden="true"></span></td>'
        )
    text = escape(cell.text)
    if cell.tone in ("stem", "top", "fused", "mbconv", "head"):
        text = f'<span class="swatch tone-{cell.tone}" aria-hidden="true"></span>{text}'
    marks = []
    if cell.tone == "attention":
        marks.append("tone-attention")
    if cell.differs:
        marks.append("differs")
        text += ' <span aria-hidden="true">*</span>'
    return f"<td{_classes(align, wrap, *marks)}>{text}</td>"


def _head_html(table: Table, index: int, *, sortable: bool) -> str:
    from effcli.render.table import column_label

    column = table.columns[index]
    align = "num" if column.align == "right" else ""
    if not column.name:  # a bar column: named for screen readers only
        label = escape(column_label(table, index))
        return f'<th scope="col"{_classes(align)}><span class="visually-hidden">{label}</span></th>'
    if not sortable:
        return f'<th scope="col"{_classes(align)}>{escape(column.name)}</th>'
    return f'<th scope="col"{_classes(align)}><button type="button" class="sort">{escape(column.name)}</button></th>'


def _table_title(table: Table) -> str:
    if not table.legend:
        return table.title
    legend = f"* = {table.legend}"
    return f"{table.title[:-1]}; {legend})" if table.title.endswith(")") else f"{table.title} ({legend})"


class PageWriter:
    """Documents as HTML fragments; ``blocks``: the report whose block table gets each block's layers."""

    def __init__(self, ids: Ids, blocks: tuple[BlockReport, ...] = ()):
        self.ids = ids
        self.blocks = {block.name: block for block in blocks}
        self.block_names = tuple(block.name for block in blocks)
        self.sections: list[tuple[str, str]] = []  # (id, title) of every heading at the top level, for the index

    def heading(self, level: int, title: str) -> str:
        anchor = self.ids.make(title)
        if level == 2:
            self.sections.append((anchor, title))
        return f'<h{level} id="{anchor}">{escape(title)}</h{level}>'

    def parts(self, parts: tuple[Part, ...], level: int) -> Iterator[str]:
        for part in parts:
            yield self.part(part, level)

    def part(self, part: Part, level: int) -> str:
        if isinstance(part, KeyValues):
            return self.key_values(part, level)
        if isinstance(part, Table):
            return self.table(part, level)
        if isinstance(part, Bullets):
            items = "".join(f"<li>{escape(item)}</li>" for item in part.items)
            return f'{self.heading(level, part.title)}\n<ul class="bullets">{items}</ul>'
        if isinstance(part, Note):
            return f'<p class="{part.level}">{escape(part.text)}</p>'
        raise TypeError(f"not a document part: {part!r}")

    def key_values(self, part: KeyValues, level: int) -> str:
        items = "".join(f"<dt>{escape(f.key)}</dt><dd>{escape(f.value)}</dd>" for f in part.fields)
        heading = self.heading(level, part.title) + "\n" if part.title else ""
        return f'{heading}<dl class="kv">{items}</dl>'

    def is_block_table(self, table: Table) -> bool:
        """The summary's block table: one row per block of the report, in order."""
        rows = [row for row in table.rows if not row.detail]
        return bool(rows) and tuple(row.cells[0].text for row in rows) == self.block_names

    def table(self, table: Table, level: int, *, sortable: bool = True) -> str:
        heading = self.heading(level, _table_title(table))
        anchor = heading.split('"')[1]
        self.ids.taken.add(f"{anchor}-table")
        blocks = self.is_block_table(table)
        head = "".join(_head_html(table, j, sortable=sortable) for j in range(len(table.columns)))
        body: list[str] = []
        for n, section in enumerate(table.sections):
            for k, item in enumerate(section):
                start = "section-start" if n and not k else ""
                body.append(self.row(table, item, start, blocks=blocks))
        controls = ""
        if blocks:
            controls = (
                f'<p class="controls"><button type="button" data-expand-all="true" aria-controls="{anchor}-table">'
                f"Show every block's layers</button>"
                f'<button type="button" data-expand-all="false" aria-controls="{anchor}-table">Hide them</button>'
                "<span>Click a block (or its shape in the diagram) for its Keras layers.</span></p>\n"
            )
        return (
            f"{heading}\n{controls}"
            f'<div class="scroll"><table class="data" id="{anchor}-table" aria-labelledby="{anchor}">'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>"
        )

    def row(self, table: Table, item: Row, start: str, *, blocks: bool) -> str:
        cells = [_cell_html(c, col) for c, col in zip(item.cells, table.columns, strict=True)]
        block = self.blocks.get(item.cells[0].text) if blocks and not item.detail else None
        if block is None:
            return f"<tr{_classes('detail' if item.detail else '', start)}>{''.join(cells)}</tr>"
        layers_id = self.ids.make(f"layers-{block.name}")
        first = cells[0]
        name = escape(block.name)
        cells[0] = first.replace(
            f">{name}</td>",
            f'><button type="button" class="expand" aria-expanded="true" aria-controls="{layers_id}">{name}</button>'
            "</td>",
            1,
        )
        title = escape(_block_tooltip(block), quote=True).replace("\n", "&#10;")
        main = f'<tr{_classes("block", start)} data-block="{name}" title="{title}">{"".join(cells)}</tr>'
        return f"{main}\n{self.layers_row(block, layers_id, len(table.columns))}"

    def layers_row(self, block: BlockReport, layers_id: str, span: int) -> str:
        from effcli.render.text import LAYER_COLUMNS, layer_cells
        from effcli.render.views import NUMERIC

        columns = tuple(Column(name, "right" if name in NUMERIC else "left") for name in LAYER_COLUMNS)
        head = "".join(
            f'<th scope="col"{_classes("num" if c.align == "right" else "")}>{escape(c.name)}</th>' for c in columns
        )
        rows = "".join(
            "<tr>"
            + "".join(_cell_html(Cell(text), c) for text, c in zip(layer_cells(layer), columns, strict=True))
            + "</tr>"
            for layer in block.layers
        )
        caption = f"Keras layers of {block.name} ({len(block.layers)})"
        return (
            f'<tr class="layers" id="{layers_id}"><td colspan="{span}">'
            f'<table class="data"><caption class="visually-hidden">{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></td></tr>"
        )


def _block_tooltip(block: BlockReport) -> str:
    """What hovering a block's row shows: its Keras layers, one a line."""
    from effcli.render.text import int_text, macs_text, shape_text

    lines = [f"{block.name}: {len(block.layers)} Keras layers (click to show them in the table)"]
    for layer in block.layers[:TOOLTIP_LAYERS]:
        kernel = f" {layer.kernel_size}x{layer.kernel_size}/{layer.strides}" if layer.kernel_size else ""
        macs = f", {macs_text(layer.macs)} MACs" if layer.macs else ""
        lines.append(
            f"{layer.name}  {layer.keras_class}{kernel}  {shape_text(layer.output_shape)}  "
            f"{int_text(layer.params)} params{macs}"
        )
    if len(block.layers) > TOOLTIP_LAYERS:
        lines.append(f"... {len(block.layers) - TOOLTIP_LAYERS} more")
    return "\n".join(lines)


# ------------------------------------------------------------------ the page


def _figure(svg: str, kind: str, caption: str) -> str:
    """An inline SVG (see :func:`inline_svg`) in a figure that scrolls sideways in a narrow window."""
    return f'<figure class="{kind}"><div class="scroll">{svg}</div><figcaption>{escape(caption)}</figcaption></figure>'


def report_page(report: Report, *, scaling_document: Document | None, diagram_svg: str, chart_svg: str) -> str:
    """The HTML page of ``report``: its summary (:func:`effcli.render.views.summary`) with the diagram
    before the block table, the scaling tables (``scaling_document``, :func:`effcli.render.views.scale`; None
    leaves them out) and the chart. ``diagram_svg`` and ``chart_svg`` are SVG documents
    (:func:`effcli.pictures.figure.svg_text`); an empty one is left out."""
    from effcli import __version__
    from effcli.render import views

    summary = views.summary(report)
    diagram = inline_svg(diagram_svg, DIAGRAM_PREFIX) if diagram_svg.strip() else ""
    chart = inline_svg(chart_svg, CHART_PREFIX) if chart_svg.strip() else ""
    ids = Ids()
    ids.taken.update({"top", "contents"} | set(re.findall(r'\bid="([^"]*)"', diagram + chart)))
    writer = PageWriter(ids, report.blocks)
    body: list[str] = []
    diagram_done = not diagram
    for part in summary.parts:
        if not diagram_done and isinstance(part, Table):
            body.append(writer.heading(2, "Diagram"))
            body.append(
                _figure(
                    diagram,
                    "diagram",
                    "One shape per block: height follows the output resolution, thickness the channels, colour the "
                    "type. Click a block to see its Keras layers in the table below.",
                )
            )
            diagram_done = True
        body.append(writer.part(part, 2))
    if scaling_document is not None:
        body.append(writer.heading(2, f"Scaling: {scaling_document.title}"))
        body.extend(writer.parts(scaling_document.parts, 3))
    if chart:
        body.append(writer.heading(2, "Chart"))
        body.append(_figure(chart, "chart", f"{report.name} among the EfficientNet presets."))
    contents = "".join(f'<li><a href="#{anchor}">{escape(title)}</a></li>' for anchor, title in writer.sections)
    style = STYLE.replace("FONTS", FONT_STACK).replace("MONO", MONO_STACK).replace("TONES", _tone_css())
    name = escape(report.name)
    subtitle = escape(f"{report.family_title} backbone, {report.engine} engine")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="effcli {escape(__version__)}">\n'
        f"<title>{name} - effcli report</title>\n"
        f"<style>{style}</style>\n</head>\n<body>\n"
        f'<header id="top"><h1>{name}</h1><p>{subtitle}</p></header>\n'
        f'<nav aria-label="Contents" id="contents"><ul>{contents}</ul></nav>\n<main>\n'
        + "\n".join(body)
        + f"\n</main>\n<footer>Made with effcli {escape(__version__)}.</footer>\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
