"""``effcli draw``: the backbone diagram (effcli.pictures.diagram), checked as a reader sees it.

The SVG is parsed: one shape per block, a label per stage, the pyramid taps over
the blocks they tap, an arc per residual block; the PNG is decoded and must show
the type colours. Expectations come from the Report, never from the drawing code.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache

import pytest

from effcli.core.plan import STAGE_KINDS
from effcli.core.report import Report
from effcli.pictures.diagram import backbone_figure
from effcli.pictures.figure import PNG_DPI, TYPE_COLOURS, figure_bytes
from effcli.render.text import macs_text
from effcli.tools.sources import report_for

SVG = "{http://www.w3.org/2000/svg}"
PRESETS = [
    ("efficientnetv2_b0", None),  # fused then MBConv
    ("v1-b0", None),  # V1: no fused block
    ("lite0", None),
    ("efficientnetv2_l", None),  # 80 blocks, a seventh stage
    ("efficientnetv2_b0", 1000),  # a classifier head
]


@cache
def report(name: str, classes: int | None = None) -> Report:
    return report_for(name, None, engine="analytic", force=False, classes=classes)


@cache
def svg(*models: tuple[str, int | None]) -> bytes:
    return figure_bytes(backbone_figure([report(name, classes) for name, classes in models]), "svg")


def root(*models: tuple[str, int | None]) -> ET.Element:
    return ET.fromstring(svg(*models))


def ids(tree: ET.Element) -> dict[str, ET.Element]:
    return {element.attrib["id"]: element for element in tree.iter() if "id" in element.attrib}


def texts(element: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in element.iter(f"{SVG}text")]


def _coordinates(element: ET.Element, axis: int) -> list[float]:
    """One coordinate of every point of an element's paths (M/L/Q pairs, x first): 0 for x, 1 for y."""
    values: list[float] = []
    for path in element.iter(f"{SVG}path"):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path.attrib["d"])]
        values += numbers[axis::2]
    return values


def xs(element: ET.Element) -> list[float]:
    """The x coordinates of an element's paths (the drawing's points)."""
    return _coordinates(element, 0)


def ys(element: ET.Element) -> list[float]:
    """The y coordinates of an element's paths (SVG: y grows downwards)."""
    return _coordinates(element, 1)


def stages(r: Report) -> dict[int, list]:
    found: dict[int, list] = {}
    for block in r.blocks:
        if block.type in STAGE_KINDS:
            found.setdefault(block.stage, []).append(block)
    return found


@pytest.mark.parametrize(("name", "classes"), PRESETS)
def test_one_shape_per_block_in_order(name, classes):
    r = report(name, classes)
    found = ids(root((name, classes)))
    shapes = [key for key in found if key.startswith("block-")]
    assert shapes == [f"block-{block.name}" for block in r.blocks]  # every block, once, in the report's order
    # left to right, as the network runs
    lefts = [min(xs(found[key])) for key in shapes]
    assert lefts == sorted(lefts)


@pytest.mark.parametrize(("name", "classes"), PRESETS)
def test_every_stage_is_labelled_with_its_numbers(name, classes):
    r = report(name, classes)
    found = ids(root((name, classes)))
    for number, blocks in stages(r).items():
        assert texts(found[f"stage-{number}"]) == [f"Stage {number}"]
        details = " | ".join(texts(found[f"details-stage-{number}"]))
        last = blocks[-1].output_shape
        assert f"{len(blocks)} ×" in details
        assert f"{last[2]} ch" in details and f"{last[0]}×{last[1]}" in details
        assert f"{macs_text(sum(b.params for b in blocks))} params" in details
        assert f"{macs_text(sum(b.macs for b in blocks))} MACs" in details
    assert sorted(key for key in found if re.fullmatch(r"stage-\d+", key)) == sorted(f"stage-{n}" for n in stages(r))
    for special in {block.type for block in r.blocks} - set(STAGE_KINDS):
        assert f"label-{special}" in found


@pytest.mark.parametrize(("name", "classes"), PRESETS)
def test_pyramid_taps_point_at_their_blocks(name, classes):
    r = report(name, classes)
    found = ids(root((name, classes)))
    assert [level.level for level in r.pyramid] == ["P1", "P2", "P3", "P4", "P5"]
    assert sorted(key for key in found if key.startswith("tap-")) == sorted(f"tap-{l.level}" for l in r.pyramid)
    spans = {}
    for block in r.blocks:
        points = xs(found[f"block-{block.name}"])
        spans[block.name] = (min(points), max(points))
    for level in r.pyramid:
        marker = xs(found[f"tap-{level.level}"])
        tip = (min(marker) + max(marker)) / 2  # the triangle's axis
        inside = [name for name, (left, right) in spans.items() if left <= tip <= right]
        assert inside == [level.block], level
        label = " ".join(texts(found[f"pyramid-label-{level.level}"]))
        assert level.level in label and f"stride {level.stride}" in label


@pytest.mark.parametrize(("name", "classes"), PRESETS)
def test_a_tap_stays_clear_of_its_blocks_arc(name, classes):
    """The tap's triangle ends above the residual arc it points at (draw b0: P2 sat on block2b's arc)."""
    r = report(name, classes)
    found = ids(root((name, classes)))
    blocks = {block.name: block for block in r.blocks}
    for level in r.pyramid:
        tip = max(ys(found[f"tap-{level.level}"]))  # the triangle's lowest point
        top = min(ys(found[f"block-{level.block}"]))
        if blocks[level.block].residual:
            base, control = ys(found[f"residual-{level.block}"])[:2]
            top = (base + control) / 2  # a quadratic curve's apex: half way to its control point
        assert top - tip >= 3, (level.level, top - tip)  # points of clear air (the arc's stroke is 0.7)


@pytest.mark.parametrize(("name", "classes"), PRESETS)
def test_one_arc_per_residual_block(name, classes):
    r = report(name, classes)
    found = ids(root((name, classes)))
    arcs = [key for key in found if key.startswith("residual-")]
    assert arcs == [f"residual-{block.name}" for block in r.blocks if block.residual]
    for key in arcs:  # over its own block
        block = found[key.replace("residual-", "block-", 1)]
        arc, shape = xs(found[key]), xs(block)
        assert min(arc) <= min(shape) and max(shape) <= max(arc)


@pytest.mark.parametrize(("name", "classes"), PRESETS)
def test_title_and_legend(name, classes):
    r = report(name, classes)
    tree = root((name, classes))
    title = " ".join(texts(ids(tree)["title"]))
    assert r.name in title and "×".join(str(d) for d in r.input_shape) in title
    assert f"{macs_text(r.totals.params)} params" in title and f"{macs_text(r.totals.macs)} MACs" in title
    everything = " | ".join(texts(tree))
    assert "residual" in everything and "pyramid tap" in everything
    legend = {"fused": "Fused-MBConv", "mbconv": "MBConv", "stem": "stem", "top": "top", "head": "head"}
    for kind in {block.type for block in r.blocks}:
        assert legend[kind] in everything


def test_head_is_drawn_after_the_top():
    r = report("efficientnetv2_b0", 1000)
    found = ids(root(("efficientnetv2_b0", 1000)))
    assert r.blocks[-1].type == "head"
    assert min(xs(found["block-head"])) > max(xs(found["block-top"]))
    assert "classes" in " ".join(texts(found["details-head"]))
    plain = ids(root(("efficientnetv2_b0", None)))
    assert "block-head" not in plain and "label-head" not in plain


def test_compare_draws_both_models_aligned_by_stage():
    first, second = ("efficientnetv2_b0", None), ("v1-b0", None)
    r1, r2 = report(*first), report(*second)
    tree = root(first, second)
    found = ids(tree)
    assert [k for k in found if k.startswith("m1-block-")] == [f"m1-block-{b.name}" for b in r1.blocks]
    assert [k for k in found if k.startswith("m2-block-")] == [f"m2-block-{b.name}" for b in r2.blocks]
    assert not [k for k in found if k.startswith("block-")]
    for prefix, r in (("m1-", r1), ("m2-", r2)):
        assert sum(k.startswith(f"{prefix}residual-") for k in found) == sum(b.residual for b in r.blocks)
        assert sorted(k for k in found if k.startswith(f"{prefix}tap-")) == sorted(
            f"{prefix}tap-{level.level}" for level in r.pyramid
        )
        assert r.name in " ".join(texts(found[f"{prefix}title"]))
    shared = set(stages(r1)) & set(stages(r2))
    assert shared
    for number in shared:  # stage k of both models sits in the same column
        x1 = float(found[f"m1-stage-{number}"].find(f"{SVG}text").attrib["x"])
        x2 = float(found[f"m2-stage-{number}"].find(f"{SVG}text").attrib["x"])
        assert x1 == pytest.approx(x2)
        start = max(
            min(xs(found[f"m1-block-{stages(r1)[number][0].name}"])),
            min(xs(found[f"m2-block-{stages(r2)[number][0].name}"])),
        )
        previous = number - 1
        if previous in shared:  # and every block of stage k is right of both models' stage k-1
            end = max(
                max(xs(found[f"m1-block-{stages(r1)[previous][-1].name}"])),
                max(xs(found[f"m2-block-{stages(r2)[previous][-1].name}"])),
            )
            assert start > end
    only = (set(stages(r1)) | set(stages(r2))) - shared  # V1 has a 7th stage, V2-B0 has not
    for number in only:
        assert f"no stage {number}" in " | ".join(texts(tree))


def test_same_input_same_bytes():
    reports = [report("lite0"), report("v1-b0")]
    assert figure_bytes(backbone_figure(reports), "svg") == figure_bytes(backbone_figure(reports), "svg")
    assert figure_bytes(backbone_figure(reports[:1]), "png") == figure_bytes(backbone_figure(reports[:1]), "png")


@pytest.mark.parametrize("name", ["efficientnetv2_b0", "efficientnetv2_l"])
def test_png_shows_the_blocks(name):
    from PIL import Image

    figure = backbone_figure([report(name)])
    width, height = figure.width, figure.height
    image = Image.open(io.BytesIO(figure_bytes(figure, "png"))).convert("RGB")
    assert image.size == (pytest.approx(width * PNG_DPI, abs=2), pytest.approx(height * PNG_DPI, abs=2))
    assert 5 * PNG_DPI <= image.size[0] <= 24 * PNG_DPI and 3 * PNG_DPI <= image.size[1] <= 6 * PNG_DPI
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    assert len(colours) > 20
    for kind in ("fused", "mbconv", "stem", "top"):
        hex_colour = TYPE_COLOURS[kind].lstrip("#")
        assert tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4)) in colours, kind


def test_size_stays_sane_for_the_deepest_models():
    for name in ("efficientnetv2_xl", "v1-l2"):
        figure = backbone_figure([report(name)])
        width, height = figure.width, figure.height
        assert width <= 24 and height <= 6, name


def test_one_or_two_reports():
    with pytest.raises(ValueError):
        backbone_figure([])
    with pytest.raises(ValueError):
        backbone_figure([report("lite0")] * 3)


def test_importing_the_module_does_not_load_matplotlib():
    code = "import sys, effcli.pictures.diagram; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


ALLOWED = {"svg", "rect", "g", "path", "text"}  # what the diagram is made of: no image, style, link or script


@pytest.mark.parametrize(
    "models", [(PRESETS[0],), (PRESETS[-1],), (PRESETS[0], PRESETS[1])], ids=["b0", "head", "pair"]
)
def test_the_svg_is_standalone(models):
    data = svg(*models)
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    tree = ET.fromstring(data)
    assert tree.tag == f"{SVG}svg"
    width, height = tree.attrib["width"], tree.attrib["height"]
    assert width.endswith("pt") and height.endswith("pt")
    assert tree.attrib["viewBox"] == f"0 0 {width.removesuffix('pt')} {height.removesuffix('pt')}"
    assert 5 * 72 <= float(width[:-2]) <= 24 * 72 and 3 * 72 <= float(height[:-2]) <= 12 * 72
    fonts = [font.strip().strip("'") for font in tree.attrib["font-family"].split(",")]
    assert fonts[0] == "DejaVu Sans" and fonts[-1] == "sans-serif"
    assert {element.tag.removeprefix(SVG) for element in tree.iter()} <= ALLOWED
    assert b"href" not in data and b"url(" not in data and b"http://" not in data.replace(b'xmlns="http://', b"")
    assert all("".join(text.itertext()).strip() for text in tree.iter(f"{SVG}text"))  # no empty text
    assert len(list(tree.iter(f"{SVG}text"))) > 20  # text stays text


def test_names_are_escaped(tmp_path):
    config = tmp_path / "evil.yaml"
    exported = subprocess.run(
        [sys.executable, "-m", "effcli", "export", "lite0", "-o", str(config)], capture_output=True, text=True
    )
    assert exported.returncode == 0, exported.stderr
    name = 'a<b> & "c"'
    config.write_text(re.sub(r"(?m)^name: .*$", lambda _: f"name: {json.dumps(name)}", config.read_text(), count=1))
    r = report_for(str(config), None, engine="analytic", force=False)
    assert r.name == name
    data = figure_bytes(backbone_figure([r]), "svg")
    assert name.encode() not in data
    assert name in " ".join(texts(ids(ET.fromstring(data))["title"]))


def test_text_xml_cannot_hold_is_replaced():
    from effcli.pictures.canvas import Canvas

    canvas = Canvas(1, 1)
    canvas.text(0.1, 0.5, "a\x01b\x1fc", 9, gid='t"1')
    tree = ET.fromstring(canvas.svg())
    assert texts(ids(tree)['t"1']) == ["a\ufffdb\ufffdc"]


def test_text_widths_come_from_the_font():
    """The table of advances (effcli/pictures/fontwidths.py) measures a line as matplotlib does, to within
    kerning; the characters DejaVu Sans lacks are the ones its character map lacks."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font
    from matplotlib.textpath import text_to_path

    from effcli.pictures.canvas import Text, covered, text_width

    lines = [
        shape
        for item in backbone_figure([report("efficientnetv2_b0", 1000), report("v1-b0")]).items
        for shape in item.shapes
        if isinstance(shape, Text)
    ]
    assert len(lines) > 100
    for line in lines:
        font = font_manager.FontProperties(
            family="DejaVu Sans", size=line.size, weight="bold" if line.bold else "normal"
        )
        expected, _, _ = text_to_path.get_text_width_height_descent(line.text, font, ismath=False)
        width = text_width(line.text, line.size, bold=line.bold)
        # kerning ("To", "Fu": up to 0.15 em) draws a line narrower: the layout leaves that room, never less
        assert expected - 0.01 * line.size <= width <= expected * 1.012 + 0.15 * line.size, line
    charmap = FT2Font(font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))).get_charmap()
    for char in "aZé×·→∝√₂ΩжЖ😀模型🚀\u0378\uffff":
        assert covered(char) == (ord(char) in charmap), char
