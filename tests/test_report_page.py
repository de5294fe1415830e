"""The HTML report page (effcli.pictures.page) and the table's --svg/--html exports, read as text (no browser).

What a reader needs is on the page (every block with its params and Keras layers, the pyramid,
the scaling tables, both pictures); the page needs nothing from the network, shares no id between
its two inline SVGs, escapes what a config names, and is the same bytes every time.
tests/test_browser.py opens the same pages in headless Chromium.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from html import escape
from html.parser import HTMLParser

import pytest

from effcli.render.text import int_text, shape_text

MODEL = "efficientnetv2_b0"
EVIL_NAME = "ev<i>l & \"x\" 'y'"
EVIL_CONFIG = f"""\
name: {json.dumps(EVIL_NAME)}
description: A name with every character HTML gives a meaning to.
family: efficientnetv2
width_coefficient: 0.75
depth_coefficient: 1.0
input_shape: [96, 96, 3]
stages:
  - {{block: fused, kernel_size: 3, repeats: 1, input_filters: 32, output_filters: 16, expand_ratio: 1,
      se_ratio: 0.0, strides: 1}}
  - {{block: mbconv, kernel_size: 3, repeats: 2, input_filters: 16, output_filters: 32, expand_ratio: 4,
      se_ratio: 0.25, strides: 2}}
"""
# Where a page could name something to load: attributes and CSS url(...).
REFERENCE = re.compile(
    r"""\b(src|href|xlink:href|action|data|poster|srcset)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^)"']*)"""
)
NAMESPACE = re.compile(r"""\bxmlns(:\w+)?="https?://[^"]*\"""")


# ------------------------------------------------------------------ building pages


def report(name: str = MODEL, classes: int | None = None):
    from effcli.tools.sources import report_for

    return report_for(name, None, engine="analytic", force=False, classes=classes)


def scaling_document(name: str = MODEL):
    from effcli.config.presets import resolve
    from effcli.render import views
    from effcli.tools.scale import scale

    return views.scale(scale(resolve(name), width=1.0, depth=1.0))


def diagram_svg(rep) -> str:
    from effcli.pictures.diagram import backbone_figure
    from effcli.pictures.figure import svg_text

    return svg_text(backbone_figure([rep]))


def chart_svg(rep, classes: int | None = None) -> str:
    from effcli.pictures.chart import chart_figure
    from effcli.pictures.figure import svg_text
    from effcli.tools.family import family_points

    return svg_text(chart_figure(family_points([rep], classes), classes=classes))


def make_page(rep=None, *, scaling: bool = True) -> str:
    """The page of ``rep`` (efficientnetv2_b0 by default) with the real diagram and chart."""
    from effcli.pictures.page import report_page

    rep = rep if rep is not None else report()
    document = scaling_document(rep.name) if scaling else None
    return report_page(rep, scaling_document=document, diagram_svg=diagram_svg(rep), chart_svg=chart_svg(rep))


@functools.cache
def b0_page() -> str:
    return make_page()


def stand_in_svg(label: str) -> str:
    """A small matplotlib SVG: every such picture has ids figure_1, axes_1, a clip path and xlink references."""
    from effcli.pictures.figure import matplotlib_figure, svg_text

    figure = matplotlib_figure(2, 1.5)
    axes = figure.add_subplot()
    axes.plot([0, 1, 2], [1, 0, 2], gid=f"{label}-line")
    axes.set_title(label)
    return svg_text(figure)


# ------------------------------------------------------------------ reading pages


class Elements(HTMLParser):
    """Every start tag's attributes, and the text inside each ``<tr>`` keyed by its id or data-block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: dict[str, list[str]] = {}
        self._open: list[tuple[str, list[str]]] = []  # the <tr>s being read (a layers row holds a table)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "tr":
            key = attributes.get("data-block") or attributes.get("id") or ""
            self._open.append((key, []))

    def handle_endtag(self, tag):
        if tag == "tr" and self._open:
            key, texts = self._open.pop()
            if key:
                self.rows[key] = texts

    def handle_data(self, data):
        for _, texts in self._open:
            texts.append(data)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def ids(html: str) -> list[str]:
    return [attributes["id"] or "" for _, attributes in elements(html).tags if "id" in attributes]


def external_references(text: str) -> list[str]:
    """Everything in ``text`` that a browser could fetch: a reference that is not an in-page '#id' or data:, an
    http(s) or protocol-relative address anywhere but an XML namespace declaration."""
    found = []
    for match in REFERENCE.finditer(text):
        target = (match.group(2) if match.group(2) is not None else match.group(3) or "").strip()
        if not target.startswith("#") and not target.startswith("data:"):
            found.append(match.group(0))
    without_namespaces = NAMESPACE.sub("", text)
    found += re.findall(r"https?://\S{0,40}", without_namespaces)
    found += re.findall(r"@import|@font-face|<link\b|<iframe\b|<object\b|<embed\b", without_namespaces)
    return found


# ------------------------------------------------------------------ content


def test_every_block_with_its_params_and_layers():
    rep = report()
    page = elements(b0_page())
    for block in rep.blocks:
        row = " ".join(page.rows[block.name])
        assert block.name in row and int_text(block.params) in row, block.name
        layers = [key for key in page.rows if key.startswith(f"layers-{block.name}")]
        assert len(layers) == 1, block.name
        text = " ".join(page.rows[layers[0]])
        for layer in block.layers:
            assert layer.name in text and layer.keras_class in text, (block.name, layer.name)
    rows = [a for tag, a in page.tags if tag == "tr" and "data-block" in a]
    assert [a["data-block"] for a in rows] == [b.name for b in rep.blocks]
    assert all("aria-controls" in a for tag, a in page.tags if tag == "button" and a.get("class") == "expand")


def test_a_block_row_shows_its_layers_on_hover():
    rep = report()
    tags = elements(b0_page()).tags
    titles = {a["data-block"]: a.get("title") or "" for tag, a in tags if tag == "tr" and "data-block" in a}
    for block in rep.blocks:
        assert all(layer.name in titles[block.name] for layer in block.layers[:10]), block.name


def test_pyramid_levels_totals_and_stage_shares():
    rep = report()
    page = b0_page()
    text = " ".join(" ".join(t) for t in elements(page).rows.values())
    for level in rep.pyramid:
        assert f"<td>{level.level}</td><td>{escape(level.layer)}</td><td>{level.block}</td>" in page
        assert shape_text(level.output_shape) in text
    assert ">Pyramid levels (keras-cv rule)</h2>" in page
    assert ">Where the params and MACs are</h2>" in page and ">Totals</h2>" in page
    assert int_text(rep.totals.params) in page


def test_scaling_tables_only_when_given():
    page = b0_page()
    assert ">round_filters</h3>" in page and ">round_repeats</h3>" in page
    assert ">Scaling: efficientnetv2_b0_w1_d1</h2>" in page
    without = make_page(scaling=False)
    assert "round_filters" not in without and "Scaling:" not in without


def test_tables_sortable_and_aligned():
    page = b0_page()
    tags = elements(page).tags
    sort_buttons = [a for tag, a in tags if tag == "button" and a.get("class") == "sort"]
    assert len(sort_buttons) > 20
    assert '<th scope="col" class="num"><button type="button" class="sort">Params</button></th>' in page
    assert '<th scope="col"><button type="button" class="sort">Block</button></th>' in page
    assert "<script>" in page and "aria-sort" in page


def test_both_pictures_inline_with_ids_of_their_own():
    rep = report()
    page = b0_page()
    assert page.count("<svg") == 2 and page.count("</svg>") == 2
    found = ids(page)
    duplicates = [i for i, n in Counter(found).items() if n > 1]
    assert not duplicates
    assert any(i.startswith("diagram-") for i in found) and any(i.startswith("chart-") for i in found)
    for block in rep.blocks:
        assert f"diagram-block-{block.name}" in found
    # every in-page reference points at an id that exists
    targets = re.findall(r"url\(#([^)]+)\)|href=\"#([^\"]+)\"", page)
    assert targets
    missing = {a or b for a, b in targets} - set(found)
    assert not missing


def test_every_block_of_the_diagram_is_a_shape_the_page_can_style():
    """The page's style and script find a block by ``[id^="diagram-block-"]`` and outline its ``path``: the
    diagram (written without matplotlib) gives every block a group holding its path, in its type's colour."""
    from effcli.pictures.figure import TYPE_COLOURS

    page = b0_page()
    start = page.index("<svg")
    diagram = page[start : page.index("</svg>", start)]
    assert "font-family=\"'DejaVu Sans'" in diagram and "<text" in diagram and "<?xml" not in page
    for block in report().blocks:
        shape = rf'<g id="diagram-block-{re.escape(block.name)}">\s*<path d="M [^"]+" style="fill: ([^;"]+)'
        found = re.search(shape, diagram)
        assert found is not None and found.group(1) == TYPE_COLOURS[block.type], block.name


def test_stand_in_svgs_with_the_same_ids_are_kept_apart():
    from effcli.pictures.page import report_page

    first, second = stand_in_svg("one"), stand_in_svg("two")
    shared = set(ids(first)) & set(ids(second))
    assert shared  # matplotlib names them the same: figure_1, axes_1, ...
    page = report_page(report(), scaling_document=None, diagram_svg=first, chart_svg=second)
    found = ids(page)
    assert not [i for i, n in Counter(found).items() if n > 1]
    assert "diagram-one-line" in found and "chart-two-line" in found
    for reference in re.findall(r"url\(#([^)]+)\)|href=\"#([^\"]+)\"", page):
        assert (reference[0] or reference[1]) in found


def test_prefix_ids_changes_references_with_their_ids():
    from effcli.pictures.page import prefix_ids

    svg = (
        '<svg><defs><clipPath id="c1"><rect/></clipPath><path id="p"/></defs>'
        '<g clip-path="url(#c1)"><use xlink:href="#p"/><use href="#p"/><a href="#elsewhere"/></g>'
        "<g style=\"clip-path: url('#c1')\"/></svg>"
    )
    out = prefix_ids(svg, "x-")
    assert 'id="x-c1"' in out and 'id="x-p"' in out
    assert "url(#x-c1)" in out and "url('#x-c1')" in out
    assert 'xlink:href="#x-p"' in out and ' href="#x-p"' in out
    assert 'href="#elsewhere"' in out  # not an id of this SVG: left alone


def test_no_external_references():
    page = b0_page()
    assert external_references(page) == []
    assert "<metadata" not in page  # matplotlib's RDF block names web addresses
    assert 'src="' not in page
    # the check finds what it is meant to find
    assert external_references('<img src="http://x/a.png">') and external_references("a{b:url(//x/f.woff)}")
    assert external_references('<a href="https://example.org">') and not external_references('<a href="#blocks">')


def test_page_structure():
    page = b0_page()
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in page and '<meta name="viewport"' in page
    assert f"<title>{MODEL} - effcli report</title>" in page
    assert "@media print" in page and "overflow-x: auto" in page
    from effcli import __version__

    assert f"effcli {__version__}" in page
    headings = re.findall(r"<h2 id=\"([^\"]+)\">", page)
    assert "diagram" in headings and "blocks" in headings and "chart" in headings
    assert all(f'href="#{h}"' in page for h in headings)  # the contents list links every section


def test_names_are_escaped(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(EVIL_CONFIG)
    rep = report(str(path))
    assert rep.name == EVIL_NAME
    page = make_page(rep, scaling=False)
    assert "ev<i>" not in page and "<i>" not in page
    assert f"<title>{escape(EVIL_NAME)} - effcli report</title>" in page
    assert f"<h1>{escape(EVIL_NAME)}</h1>" in page
    elements(page)  # parses


def test_the_same_bytes_every_time():
    rep = report()
    assert make_page(rep) == make_page(rep) == b0_page()


def test_a_classifier_head_is_a_block_too():
    rep = report(classes=1000)
    from effcli.pictures.page import report_page

    page = report_page(rep, scaling_document=None, diagram_svg=diagram_svg(rep), chart_svg=chart_svg(rep, 1000))
    rows = elements(page).rows
    assert "head" in rows and int_text(rep.blocks[-1].params) in " ".join(rows["head"])


def test_empty_pictures_are_left_out():
    from effcli.pictures.page import report_page

    page = report_page(report(), scaling_document=None, diagram_svg="", chart_svg="")
    assert "<svg" not in page and ">Diagram</h2>" not in page and ">Chart</h2>" not in page


# ------------------------------------------------------------------ the table's --svg / --html


@pytest.mark.parametrize("args", [["summary", "b0"], ["scale", "-w", "1.1", "-d", "1.2"], ["explain", "b0", "block4a"]])
def test_table_exports_need_no_network(run, tmp_path, args):
    code, _, err = run(*args, "--svg", "t.svg", "--html", "t.html")
    assert code == 0, err
    svg = (tmp_path / "t.svg").read_text()
    html = (tmp_path / "t.html").read_text()
    assert external_references(svg) == [] and external_references(html) == []
    assert "Fira Code" not in svg and "cdnjs" not in svg
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert '"DejaVu Sans Mono", Menlo, Consolas' in svg and "textLength=" in svg
    # no run clipped to its own line: the verticals must reach into the next line to join it
    assert not re.search(r'clip-path="url\(#[\w-]+-line-\d+\)"', svg)
    assert html.rstrip().endswith("</html>") and "<title>" in html and '<meta charset="UTF-8">' in html
    assert '"DejaVu Sans Mono", Menlo, Consolas' in html and "line-height: 1.15" in html
    assert "┏" in html and "┃" in html  # the box drawing itself, as text


def test_table_html_title_is_escaped():
    from effcli.render.document import Document, KeyValues, Records, fields
    from effcli.render.table import TableWriter

    writer = TableWriter(width=80)
    writer.write(Document(EVIL_NAME + " {x}", (KeyValues(fields([("a", "b")])),), {}, Records((), ())))
    html = writer.export_html()
    assert f"<title>{escape(EVIL_NAME)} {{x}}</title>" in html
    assert writer.export_html("t<1>").count("<title>t&lt;1&gt;</title>") == 1


def test_svg_cells_are_one_glyph_advance_wide():
    from effcli.render.table import SVG_FONT_ASPECT, SVG_FONT_SIZE

    # Rich's cell is 20 px high; a cell is one advance (0.602 em) of DejaVu Sans Mono at the size drawn.
    assert pytest.approx(0.602 * SVG_FONT_SIZE) == 20 * SVG_FONT_ASPECT
    # the box-drawing verticals (1.19 em) cover Rich's 24.4 px line, so the borders join
    assert 1.186 * SVG_FONT_SIZE >= 20 * 1.22
