"""One block up close (``effcli explain NAME BLOCK --draw``): its channel flow drawn left to right.

The main path runs from the block's input tensor through each convolution to its output,
as the MobileNetV2 / EfficientNet papers draw an MBConv or Fused-MBConv block: tensors are
boxes whose height is proportional to their channels (so narrow -> wide -> narrow shows),
each labelled with its channels above and H x W below; every operation is a box with its
kernel, stride, parameters and MACs, read off the block's layers (a BatchNorm's parameters
are shown with the convolution before it). Squeeze-excite is a side branch above the main
path (pool -> reduce to the SE width -> expand -> multiply), the residual a skip below it.

Everything comes from ``explanation.block.layers`` and their roles, so the same code draws
V2, V1 and Lite blocks, the stem, the top and the classification head. The picture is
laid out on a :class:`~effcli.pictures.canvas.Canvas`, which writes the SVG itself (no
matplotlib) and draws the same shapes with matplotlib for a PNG.

SVG ids: ``op-<layer>`` for each operation box (every conv, depthwise conv and dense
layer, the head's pool and dropout), ``tensor-<i>`` for the tensors of the main path
(0 is the input), ``se`` for the squeeze-excite branch (``se-width`` its narrow tensor),
``residual`` for the skip, ``node-<layer>`` for the multiply and add.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

from effcli.core.plan import SE_ROLES
from effcli.pictures.canvas import Canvas, Style, text_width
from effcli.pictures.figure import INK, MUTED, TYPE_COLOURS
from effcli.render.text import int_text, macs_text, type_text

if TYPE_CHECKING:
    from effcli.core.report import LayerReport
    from effcli.tools.explain import Explanation

# Sizes in inches (the canvas's units) and points (fonts).
MARGIN = 0.3
GAP = 0.42  # between neighbours on the main path (the arrow)
TENSOR_WIDTH = 0.3
TENSOR_MAX_HEIGHT = 1.9  # the widest tensor of the block
TENSOR_MIN_HEIGHT = 0.05
NODE_RADIUS = 0.13
LABEL_ROOM = 0.26  # above and below a tensor, for its channels and H x W
TITLE_SIZE = 11
SUBTITLE_SIZE = 8.5
OP_TITLE_SIZE = 8
OP_TEXT_SIZE = 7
CHANNEL_SIZE = 8
SIZE_SIZE = 7
NOTE_SIZE = 7
LINE = 1.25  # line height, in font sizes
PAD_X = 0.1
PAD_Y = 0.08
DASHED = (3.7, 1.6)  # matplotlib's "--", in line widths
JOINT = Style(fill=INK, stroke=INK, width=1.0)  # the dot where a branch leaves the main path

CONV_OPS = ("conv", "dwconv", "dense")
SPECIAL_TITLES = {"stem": "the first convolution", "top": "the last 1x1 convolution", "head": "classifier"}
CONV_TITLES = {
    "stem_conv": "stem conv",
    "expand_conv": "expand conv",
    "depthwise": "depthwise conv",
    "project_conv": "project conv",
    "top_conv": "top conv",
    "se_reduce": "SE reduce",
    "se_expand": "SE expand",
    "classifier": "dense",
}


@dataclass
class _Tensor:
    channels: int
    size: str  # "14x14", or "vector" after global pooling
    gid: str = ""
    x: float = 0.0
    height: float = 0.0

    @property
    def width(self) -> float:
        return TENSOR_WIDTH


@dataclass
class _Op:
    """A box: a convolution (with its BatchNorm and activation), or a weightless step such as pooling."""

    name: str
    title: str
    lines: list[str]
    colour: str
    weightless: bool = False
    layers: list[LayerReport] = field(default_factory=list)
    x: float = 0.0
    width: float = 0.0
    height: float = 0.0


@dataclass
class _Node:
    """The multiply of squeeze-excite or the residual add: a circle on the main path."""

    name: str
    symbol: str
    x: float = 0.0

    @property
    def width(self) -> float:
        return 2 * NODE_RADIUS


_Item = _Tensor | _Op | _Node


@dataclass
class _Plan:
    items: list[_Item]
    se: list[_Op]  # pool, reduce, expand
    se_width: int
    se_from: int | None  # the main-path tensor the branch reads
    se_into: int | None  # the multiply node
    add: int | None  # the residual add node
    drop_rate: float | None


def _size_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape[:-1]) if len(shape) >= 3 else "vector"


def _input_shape(explanation: Explanation) -> tuple[int, ...]:
    """The tensor entering the block: the previous block's output, or the model's input for the first."""
    blocks = explanation.report.blocks
    position = next((i for i, b in enumerate(blocks) if b.name == explanation.block.name), 0)
    previous = blocks[position - 1].output_shape if position > 0 else explanation.report.input_shape
    return (*tuple(previous)[:-1], explanation.block.input_channels)


def _conv_op(layer: LayerReport, pad: bool, colour: str) -> _Op:
    title = CONV_TITLES.get(layer.role, layer.name)
    if layer.role in ("expand_conv", "project_conv") and layer.kernel_size > 1:
        title = "fused conv"
    lines = []
    if layer.op == "dense":
        lines.append(f"{layer.output_shape[-1]} units")
    else:
        k = layer.kernel_size
        kind = "depthwise" if layer.op == "dwconv" else "conv"
        lines.append(f"{k}x{k} {kind}, stride {layer.strides}" + (", zero-padded" if pad else ""))
    lines.append(f"{int_text(layer.params)} params")
    return _Op(name=layer.name, title=title, lines=lines, colour=colour, layers=[layer])


def _weightless_op(layer: LayerReport, title: str, detail: str) -> _Op:
    lines = [detail] + ([f"{int_text(layer.params)} params"] if layer.params else [])
    return _Op(name=layer.name, title=title, lines=lines, colour=MUTED, weightless=True, layers=[layer])


def _finish(op: _Op, activation: str) -> None:
    """Add the BatchNorm's parameters, the activation and the MACs to a convolution's box."""
    conv = op.layers[0]
    norms = [layer for layer in op.layers[1:] if layer.op == "bn"]
    acts = [layer for layer in op.layers[1:] if layer.op == "activation"]
    if op.weightless:
        return
    after = []
    if norms:
        after.append(f"+ {int_text(sum(layer.params for layer in norms))} BN")
    if conv.role == "se_expand":
        after.append("sigmoid")
    elif conv.role == "se_reduce":
        after.append(activation)
    elif conv.role == "classifier":
        after.append("softmax")
    elif acts:
        after.append(activation)
    if after:
        op.lines.append(", ".join(after))
    op.lines.append(f"{int_text(conv.macs)} MACs")


def _plan(explanation: Explanation) -> _Plan:
    block = explanation.block
    activation = explanation.report.activation
    colour = TYPE_COLOURS.get(block.type, INK)
    shape = _input_shape(explanation)
    items: list[_Item] = [_Tensor(channels=shape[-1], size=_size_text(shape))]
    se: list[_Op] = []
    se_width = 0
    se_from = se_into = add = None
    drop_rate = None
    pending: tuple[int, ...] | None = None  # the output of the last main-path op, not drawn yet
    last: _Op | None = None
    pad = False

    def emit() -> None:
        nonlocal pending
        if pending is not None:
            items.append(_Tensor(channels=pending[-1], size=_size_text(pending)))
            pending = None

    for layer in block.layers:
        role = layer.role
        if layer.op in CONV_OPS and role not in SE_ROLES:
            emit()
            last = _conv_op(layer, pad, colour)
            pad = False
            items.append(last)
            pending = layer.output_shape
        elif layer.op in CONV_OPS:  # se_reduce, se_expand
            last = _conv_op(layer, False, colour)
            se.append(last)
            if role == "se_reduce":
                se_width = layer.output_shape[-1]
        elif layer.op in ("bn", "activation"):
            if last is not None:
                last.layers.append(layer)
        elif layer.op == "pad":
            pad = True
        elif role == "se_squeeze":
            emit()
            se_from = len(items) - 1
            last = _weightless_op(layer, "global avg pool", f"averages each {_last_size(items)} map")
            se.append(last)
        elif role == "se_excite":
            emit()
            se_into = len(items)
            items.append(_Node(name=layer.name, symbol="×"))
            last = None
        elif role == "dropout":
            drop_rate = block.drop_rate
        elif role == "add":
            add = len(items)
            items.append(_Node(name=layer.name, symbol="+"))
            last = None
        elif role == "head_pool":
            emit()
            last = _weightless_op(layer, "global avg pool", f"averages each {_last_size(items)} map")
            items.append(last)
            pending = layer.output_shape
        elif role == "head_dropout":
            emit()
            last = _weightless_op(layer, "dropout", "training only")
            items.append(last)
        elif role in ("rescaling", "normalization"):
            emit()
            last = _weightless_op(layer, role, "input preprocessing")
            items.append(last)
        # se_reshape and unrecognised weightless layers change nothing a picture shows
    emit()
    for item in [*items, *se]:
        if isinstance(item, _Op):
            _finish(item, activation)
    return _Plan(items, se, se_width, se_from, se_into, add, drop_rate)


def _last_size(items: list[_Item]) -> str:
    """The H x W of the last tensor on the main path (what the head's pooling averages over)."""
    tensors = [item for item in items if isinstance(item, _Tensor)]
    return tensors[-1].size if tensors else ""


def _measure(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in inches, in the picture's font."""
    return text_width(text, size, bold=bold) / 72


def _size_op(op: _Op) -> None:
    widths = [_measure(op.title, OP_TITLE_SIZE, bold=True)] + [_measure(line, OP_TEXT_SIZE) for line in op.lines]
    op.width = max(widths) + 2 * PAD_X
    op.height = (OP_TITLE_SIZE + OP_TEXT_SIZE * len(op.lines)) * LINE / 72 + 2 * PAD_Y


def _span(row: list[_Tensor | _Op]) -> float:
    """From the centre of the first element of a row to the centre of its last, with a gap between neighbours."""
    return sum(left.width / 2 + GAP + right.width / 2 for left, right in pairwise(row))


def block_figure(explanation: Explanation) -> Canvas:
    """The block of ``explanation`` drawn as a picture: tensors, operations, squeeze-excite, residual, numbers."""
    block = explanation.block
    plan = _plan(explanation)
    colour = TYPE_COLOURS.get(block.type, INK)
    has_se = plan.se_from is not None and plan.se_into is not None and len(plan.se) >= 2

    ops = [item for item in plan.items if isinstance(item, _Op)] + plan.se
    for op in ops:
        _size_op(op)
    op_height = max((op.height for op in ops), default=0.5)
    for op in ops:
        if not op.weightless:
            op.height = op_height

    tensors = [item for item in plan.items if isinstance(item, _Tensor)]
    widest = max(tensor.channels for tensor in tensors)
    for i, tensor in enumerate(tensors):
        tensor.gid = f"tensor-{i}"
        tensor.height = max(TENSOR_MIN_HEIGHT, TENSOR_MAX_HEIGHT * tensor.channels / widest)
    se_tensor = _Tensor(channels=plan.se_width, size="1x1", gid="se-width")
    se_tensor.height = max(TENSOR_MIN_HEIGHT, TENSOR_MAX_HEIGHT * plan.se_width / widest)
    # the SE row: pool, reduce, the squeeze width, expand (whatever SE convs the block has, in order)
    row: list[_Tensor | _Op] = []
    for op in plan.se:
        row.append(op)
        if op.layers[0].role == "se_reduce":
            row.append(se_tensor)

    # x positions along the main path; the branch point of SE sits in the middle of the gap after its tensor
    branch_offset = GAP / 2
    x = MARGIN
    for i, item in enumerate(plan.items):
        if i > 0:
            gap = GAP
            if has_se and i == plan.se_into:  # room for the SE row, from the branch point to the multiply
                gap = max(GAP, branch_offset + _span(row) - NODE_RADIUS)
            x += gap
        item.x = x + item.width / 2
        x += item.width
    diagram_width = x + MARGIN

    # vertical layout, from the bottom up: footer, skip, main path, SE row, title
    tallest = max(tensor.height for tensor in tensors)
    half_band = max(tallest / 2 + LABEL_ROOM, op_height / 2)
    footer_h = NOTE_SIZE * LINE / 72 + 0.1
    skip_h = 0.5 if plan.add is not None else 0.0
    skip_note = _skip_note(plan.drop_rate)
    se_h = op_height + 0.75 if has_se else 0.0
    title_lines = _title_lines(explanation)
    title_h = (TITLE_SIZE + SUBTITLE_SIZE * (len(title_lines) - 1)) * LINE / 72 + 0.25
    height = MARGIN + footer_h + skip_h + 2 * half_band + se_h + title_h + MARGIN * 0.6
    y0 = MARGIN + footer_h + skip_h + half_band
    notes = ["tensor height ∝ channels (number above, H x W below)"]
    if any(layer.op == "bn" for layer in block.layers):
        notes.append("+ BN: the parameters of the BatchNorm after the conv")
    notes.append("MACs: multiply-accumulates")
    footnote = "  ·  ".join(notes)
    widest_text = max(
        [_measure(title_lines[0], TITLE_SIZE, bold=True)]
        + [_measure(line, SUBTITLE_SIZE) for line in title_lines[1:]]
        + [_measure(footnote, NOTE_SIZE)]
        + ([_measure(skip_note, NOTE_SIZE)] if plan.add is not None else [])
    )
    width = max(diagram_width, widest_text + 2 * MARGIN)
    shift = (width - diagram_width) / 2
    for item in plan.items:
        item.x += shift

    canvas = Canvas(width, height)

    def draw_tensor(tensor: _Tensor, cx: float, cy: float) -> None:
        box = Style(fill=_tint(colour, 0.5), stroke=colour, width=0.9)
        canvas.rect(cx - TENSOR_WIDTH / 2, cy - tensor.height / 2, TENSOR_WIDTH, tensor.height, box, gid=tensor.gid)
        above, below = cy + tensor.height / 2 + 0.05, cy - tensor.height / 2 - 0.05
        channels = str(tensor.channels)
        canvas.text(
            cx, above, channels, CHANNEL_SIZE, bold=True, ha="center", va="bottom", gid=f"{tensor.gid}-channels"
        )
        canvas.text(cx, below, tensor.size, SIZE_SIZE, ha="center", va="top", colour=MUTED, gid=f"{tensor.gid}-size")

    def draw_op(op: _Op, cx: float, cy: float) -> None:
        fill = "#ffffff" if op.weightless else _tint(op.colour)
        box = Style(fill=fill, stroke=op.colour, width=1.0, dash=DASHED if op.weightless else ())
        left, bottom = cx - op.width / 2, cy - op.height / 2
        canvas.rounded_rect(left, bottom, op.width, op.height, 0.06, box, gid=f"op-{op.name}")
        top = cy + op.height / 2 - PAD_Y
        canvas.text(cx, top, op.title, OP_TITLE_SIZE, bold=True, ha="center", va="top", gid=f"op-{op.name}-title")
        body, below = "\n".join(op.lines), top - OP_TITLE_SIZE * LINE / 72
        gid = f"op-{op.name}-label"
        canvas.text(cx, below, body, OP_TEXT_SIZE, ha="center", va="top", linespacing=LINE, gid=gid)

    def draw_node(node: _Node, cx: float, cy: float) -> None:
        canvas.circle(cx, cy, NODE_RADIUS, Style(fill="#ffffff", stroke=INK, width=1.0), gid=f"node-{node.name}")
        canvas.text(cx, cy, node.symbol, 10, bold=True, ha="center", va="center_baseline")

    for i, item in enumerate(plan.items):
        if isinstance(item, _Tensor):
            draw_tensor(item, item.x, y0)
        elif isinstance(item, _Op):
            draw_op(item, item.x, y0)
        else:
            draw_node(item, item.x, y0)
        if i > 0:
            previous = plan.items[i - 1]
            canvas.arrow([(previous.x + previous.width / 2, y0), (item.x - item.width / 2, y0)])

    if has_se:
        assert plan.se_from is not None and plan.se_into is not None
        source = plan.items[plan.se_from]
        target = plan.items[plan.se_into]
        se_y = y0 + half_band + 0.4 + op_height / 2
        bx = source.x + source.width / 2 + branch_offset
        # the last box sits above the multiply, the first above the branch point
        positions = [bx]
        for left, right in pairwise(row):
            positions.append(positions[-1] + left.width / 2 + GAP + right.width / 2)
        stretch = (target.x - bx) / (positions[-1] - bx) if positions[-1] > bx else 1.0
        positions = [bx + (p - bx) * stretch for p in positions]
        lefts = [p - e.width / 2 for p, e in zip(positions, row, strict=True)]
        rights = [p + e.width / 2 for p, e in zip(positions, row, strict=True)]
        panel = Style(fill="#f4f4f4", stroke=MUTED, width=0.8, dash=(4, 2))
        panel_left, panel_width = lefts[0] - 0.12, rights[-1] - lefts[0] + 0.24
        canvas.rounded_rect(
            panel_left, se_y - op_height / 2 - 0.1, panel_width, op_height + 0.35, 0.08, panel, gid="se"
        )
        expanded = source.channels if isinstance(source, _Tensor) else 0
        note = f"squeeze-excite: {expanded} -> {plan.se_width} -> {expanded} channels, reweights the main path"
        note_y = se_y + op_height / 2 + 0.32
        canvas.text(panel_left, note_y, note, NOTE_SIZE, va="bottom", colour=MUTED, italic=True, gid="se-label")
        for element, cx in zip(row, positions, strict=True):
            if isinstance(element, _Tensor):
                draw_tensor(element, cx, se_y)
            else:
                draw_op(element, cx, se_y)
        for left, right, a, b in zip(row, row[1:], positions, positions[1:], strict=False):
            canvas.arrow([(a + left.width / 2, se_y), (b - right.width / 2, se_y)])
        canvas.circle(bx, y0, 0.035, JOINT)
        canvas.arrow([(bx, y0), (bx, se_y - row[0].height / 2)])
        canvas.arrow([(target.x, se_y - op_height / 2), (target.x, y0 + NODE_RADIUS)])

    if plan.add is not None:
        source = plan.items[0]
        target = plan.items[plan.add]
        bx = source.x + source.width / 2 + GAP / 2
        skip_y = y0 - half_band - 0.22
        canvas.circle(bx, y0, 0.035, JOINT)
        canvas.arrow([(bx, y0), (bx, skip_y), (target.x, skip_y), (target.x, y0 - NODE_RADIUS)], gid="residual")
        half = _measure(skip_note, NOTE_SIZE) / 2
        centre = min(max((bx + target.x) / 2, MARGIN + half), width - MARGIN - half)
        canvas.text(centre, skip_y - 0.06, skip_note, NOTE_SIZE, ha="center", va="top", gid="residual-label")

    top, middle = height - MARGIN * 0.6, width / 2
    canvas.text(middle, top, title_lines[0], TITLE_SIZE, bold=True, ha="center", va="top", gid="title")
    subtitle, below = "\n".join(title_lines[1:]), top - TITLE_SIZE * LINE / 72 - 0.04
    canvas.text(middle, below, subtitle, SUBTITLE_SIZE, ha="center", va="top", linespacing=LINE, gid="subtitle")
    canvas.text(middle, MARGIN * 0.7, footnote, NOTE_SIZE, ha="center", va="bottom", colour=MUTED, gid="footnote")
    return canvas


def _skip_note(drop_rate: float | None) -> str:
    note = "identity skip (residual)"
    if drop_rate:
        note += f"; stochastic depth: the branch is dropped at rate {drop_rate:.3f} in training"
    return note


def _title_lines(explanation: Explanation) -> list[str]:
    block = explanation.block
    report = explanation.report
    if block.type in ("fused", "mbconv"):
        where = f"stage {block.stage}"
        if explanation.index is not None:
            where += f", block {explanation.index + 1} of {explanation.count}"
        kind = f"{type_text(block.type)} ({where})"
    else:
        kind = SPECIAL_TITLES.get(block.type, type_text(block.type))
        if block.type == "head":
            kind += f", {block.output_filters} classes"
    head = f"{report.name}  ·  {block.name}  ·  {kind}" if kind != block.name else f"{report.name}  ·  {block.name}"
    totals = f"{int_text(block.params)} params  ·  {int_text(block.macs)} MACs ({macs_text(block.macs)})"
    lines = [head, totals]
    if block.type in ("fused", "mbconv"):
        k = block.kernel_size
        config = [f"kernel {k}x{k}", f"stride {block.strides}", f"expand ratio {block.expand_ratio}"]
        config.append(f"SE ratio {block.se_ratio:g} ({block.se_filters})" if block.se_filters else "no SE")
        config.append("residual" if block.residual else "no residual")
        lines.append("  ·  ".join(config))
    lines.append("channel flow  " + " → ".join(explanation.flow))
    return lines


def _tint(colour: str, amount: float = 0.82) -> str:
    """``colour`` mixed with white (an opaque fill, so arrows and lines behind a box stay hidden)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(c + (255 - c) * amount) for c in (red, green, blue))
    return "#" + "".join(f"{c:02x}" for c in mixed)
