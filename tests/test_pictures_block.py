"""`explain NAME BLOCK --draw`: one block drawn (effcli.pictures.block.block_figure).

Every expectation is read off the report and the explanation (the block's layers, its
channel flow), never off the picture's own code: the SVG keeps text as text, so a test can
check what a person sees there.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from effcli.pictures.figure import TYPE_COLOURS, figure_bytes
from effcli.tools.explain import Explanation, explain
from effcli.tools.sources import report_for

SVG = "{http://www.w3.org/2000/svg}"
CONVS = ("conv", "dwconv", "dense")

CASES = [
    ("efficientnetv2_b2", "block4b", None),  # MBConv, SE, residual
    ("efficientnetv2_b0", "block2a", None),  # Fused-MBConv, stride 2, expand then project
    ("efficientnetv2_b0", "block1a", None),  # Fused-MBConv with expand ratio 1: one kxk conv
    ("efficientnetv2_s", "block1b", None),  # Fused-MBConv, expand ratio 1, residual
    ("v1-b0", "block1a", None),  # MBConv without an expand conv
    ("v1-b0", "block2a", None),  # MBConv, padded stride-2 depthwise, SE
    ("lite3", "block3b", None),  # MBConv without SE, 5x5, residual
    ("efficientnetv2_b0", "stem", None),
    ("v1-b0", "stem", None),
    ("efficientnetv2_b0", "top", None),
    ("efficientnetv2_b0", "head", 1000),
]
IDS = [f"{model}-{block}" for model, block, _ in CASES]


@functools.cache
def explanation(model: str, block: str, classes: int | None) -> Explanation:
    report = report_for(model, None, engine="analytic", force=False, cache=False, classes=classes)
    return explain(report, block)


@functools.cache
def svg(model: str, block: str, classes: int | None) -> bytes:
    from effcli.pictures.block import block_figure

    return figure_bytes(block_figure(explanation(model, block, classes)), "svg")


class Picture:
    """The parsed SVG: groups by id, and the lines of text a person reads."""

    def __init__(self, data: bytes):
        self.root = ET.fromstring(data)
        self.ids = {element.get("id"): element for element in self.root.iter() if element.get("id")}
        self.lines = [text.text.strip() for text in self.root.iter(f"{SVG}text") if text.text]

    def texts(self, gid: str) -> list[str]:
        return [text.text.strip() for text in self.ids[gid].iter(f"{SVG}text") if text.text]

    def box(self, gid: str) -> tuple[float, float]:
        """Width and height of the first path drawn in a group (a box's outline)."""
        path = next(self.ids[gid].iter(f"{SVG}path")).get("d", "")
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
        xs, ys = numbers[0::2], numbers[1::2]
        return max(xs) - min(xs), max(ys) - min(ys)


def picture(case) -> Picture:
    return Picture(svg(*case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_weighted_layer_has_its_box_with_its_numbers(case):
    e, pic = explanation(*case), picture(case)
    weighted = [layer for layer in e.block.layers if layer.op in CONVS]
    assert weighted
    for layer in weighted:
        assert f"op-{layer.name}" in pic.ids, layer.name
        assert f"{layer.params:,} params" in pic.lines, layer.name
        assert f"{layer.macs:,} MACs" in pic.lines, layer.name
        if layer.op != "dense":
            k = f"{layer.kernel_size}x{layer.kernel_size}"
            assert any(line.startswith(k) and f"stride {layer.strides}" in line for line in pic.lines), layer.name
    # a BatchNorm's parameters are shown next to the conv they follow
    for layer in e.block.layers:
        if layer.op == "bn":
            assert any(line.startswith(f"+ {layer.params:,} BN") for line in pic.lines), layer.name


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_channel_flow_and_tensor_heights(case):
    e, pic = explanation(*case), picture(case)
    for entry in e.flow:
        assert entry.removeprefix("SE ") in pic.lines, entry
    tensors = sorted(
        (gid for gid in pic.ids if re.fullmatch(r"tensor-\d+", gid)), key=lambda gid: int(gid.split("-")[1])
    )
    assert tensors[0] == "tensor-0"
    channels = [int(pic.texts(f"{gid}-channels")[0]) for gid in tensors]
    # the main path starts at the block's input and ends at its output
    assert channels[0] == e.block.input_channels and channels[-1] == e.block.output_shape[-1]
    main = [int(entry) for entry in e.flow if not entry.startswith("SE ")]
    assert set(channels) == set(main)
    # every tensor's H x W under it: the input's from the model or the previous block, the output's from the block
    position = [b.name for b in e.report.blocks].index(e.block.name)
    before = e.report.blocks[position - 1].output_shape if position else e.report.input_shape
    size = "x".join(str(d) for d in before[:-1])
    assert pic.texts("tensor-0-size") == [size]
    if len(e.block.output_shape) == 3:
        assert pic.texts(f"{tensors[-1]}-size") == ["x".join(str(d) for d in e.block.output_shape[:-1])]
    # box heights proportional to channels: narrow -> wide -> narrow is visible
    widest = max(channels)
    tallest = max(pic.box(gid)[1] for gid in tensors)
    for gid, c in zip(tensors, channels, strict=True):
        height = pic.box(gid)[1]
        if c / widest > 0.1:
            assert height == pytest.approx(tallest * c / widest, rel=0.02), gid


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_squeeze_excite_branch_iff_the_block_has_one(case):
    e, pic = explanation(*case), picture(case)
    block = e.block
    if block.se_filters:
        assert "se" in pic.ids and "se-width" in pic.ids
        assert pic.texts("se-width-channels") == [str(block.se_filters)]
        assert any(layer.role == "se_excite" and f"node-{layer.name}" in pic.ids for layer in block.layers)
    else:
        assert "se" not in pic.ids and "se-width" not in pic.ids


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_residual_skip_iff_the_block_has_one(case):
    e, pic = explanation(*case), picture(case)
    block = e.block
    assert ("residual" in pic.ids) == block.residual
    adds = [layer for layer in block.layers if layer.role == "add"]
    assert all(f"node-{layer.name}" in pic.ids for layer in adds) and bool(adds) == block.residual
    if block.residual and block.drop_rate:
        assert any(f"{block.drop_rate:.3f}" in line for line in pic.texts("residual-label"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_title_names_the_block_and_its_totals(case):
    e, pic = explanation(*case), picture(case)
    title = " ".join(pic.texts("title"))
    assert e.report.name in title and e.block.name in title
    subtitle = " ".join(pic.texts("subtitle"))
    assert f"{e.block.params:,} params" in subtitle and f"{e.block.macs:,} MACs" in subtitle
    assert " → ".join(e.flow) in subtitle
    if e.block.type in ("fused", "mbconv"):
        k = e.block.kernel_size
        assert f"kernel {k}x{k}" in subtitle and f"stride {e.block.strides}" in subtitle


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_weighted_boxes_wear_the_block_type_colour(case):
    e, pic = explanation(*case), picture(case)
    colour = TYPE_COLOURS[e.block.type]
    for layer in e.block.layers:
        if layer.op in CONVS:
            style = next(pic.ids[f"op-{layer.name}"].iter(f"{SVG}path")).get("style", "")
            assert f"stroke: {colour}" in style, layer.name


def test_v1_expand_ratio_1_has_no_expand_box_and_fused_expand_1_one_conv():
    pic = picture(("v1-b0", "block1a", None))
    assert "op-block1a_dwconv" in pic.ids and "op-block1a_project" in pic.ids
    assert not any(gid.startswith("op-block1a_expand") for gid in pic.ids)
    e = explanation("efficientnetv2_b0", "block1a", None)
    pic = picture(("efficientnetv2_b0", "block1a", None))
    convs = [layer for layer in e.block.layers if layer.op in CONVS]
    assert len(convs) == 1 and sum(gid.startswith("op-") and gid.count("-") == 1 for gid in pic.ids) == 1


@pytest.mark.parametrize("case", [CASES[0], CASES[-1]], ids=[IDS[0], IDS[-1]])
def test_same_input_same_bytes(case):
    from effcli.pictures.block import block_figure

    e = explanation(*case)
    for format in ("svg", "png"):
        first = figure_bytes(block_figure(e), format)
        again = figure_bytes(block_figure(explain(e.report, e.block.name)), format)
        assert first == again, format


def test_png_decodes_and_is_not_blank():
    from PIL import Image

    from effcli.pictures.block import block_figure

    e = explanation(*CASES[0])
    figure = block_figure(e)
    image = Image.open(io.BytesIO(figure_bytes(figure, "png")))
    image.load()
    width, height = figure.width, figure.height
    assert image.size == (round(width * 150), round(height * 150))
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20
    white = max(colours)[1]
    assert white == (255, 255, 255) and max(colours)[0] < 0.95 * image.size[0] * image.size[1]


def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, effcli.pictures.block; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_svg_is_standalone(case):
    data = svg(*case)
    tree = ET.fromstring(data)
    assert tree.tag == f"{SVG}svg" and tree.get("viewBox", "").startswith("0 0 ")
    width, height = tree.get("width", ""), tree.get("height", "")
    assert tree.get("viewBox") == f"0 0 {width.removesuffix('pt')} {height.removesuffix('pt')}"
    assert tree.get("font-family", "").startswith("'DejaVu Sans',") and tree.get("font-family", "").endswith(
        "sans-serif"
    )
    assert {element.tag.removeprefix(SVG) for element in tree.iter()} <= {"svg", "rect", "g", "path", "circle", "text"}
    assert b"href" not in data and b"url(" not in data
