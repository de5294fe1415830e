"""``effcli draw``: the backbone as a diagram, one shape per block, in order.

Each block is a slab whose height follows its output resolution (square root of
H, so that 112 and 7 both stay visible) and whose thickness follows its channels
(log2, clamped, so that 16 and 1280 channels both stay readable); the colour
says its type. An arc over a block marks a residual (skip) connection, a red
triangle a pyramid tap (P1..P5), and every stage gets a column with a label:
its blocks, channels, resolution, params and MACs. With two reports (``draw
--compare``) the second model is drawn under the first, in the same columns, so
that stage k of both starts at the same x.

Every piece a reader or a test looks for carries an SVG id (``gid``):
``block-<name>``, ``residual-<name>``, ``stage-<n>``, ``label-stem|top|head``,
``details-stage-<n>`` / ``details-stem`` (the lines under a label), ``tap-<level>`` (the
triangle) and ``pyramid-label-<level>`` (its text), ``title``; in a comparison
each is prefixed with ``m1-`` or ``m2-``.

The layout is computed in inches on a :class:`~effcli.pictures.canvas.Canvas` (y up), so font sizes
(points) and shapes share one scale; the canvas writes the SVG itself (no matplotlib) and draws the
same shapes with matplotlib for a PNG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from effcli.core.report import BlockReport, Report
from effcli.pictures.canvas import Canvas, Style, text_width
from effcli.pictures.figure import INK, MUTED, PYRAMID_COLOUR, TYPE_COLOURS
from effcli.render.text import TYPE_LABELS, macs_text, type_text

# Sizes in inches (the canvas's units), fonts in points.
MARGIN = 0.3
BLOCK_MAX_HEIGHT = 1.5  # the highest resolution drawn (usually the stem's output)
BLOCK_MIN_HEIGHT = 0.14  # a 1x1 output (the head) or a very deep stage
THICKNESS_MIN, THICKNESS_MAX = 0.04, 0.32
GAP = 0.05  # between two blocks of a stage
COLUMN_PAD = 0.14  # on each side of a column's blocks and of its label
ARC_HEIGHT = 0.11  # the residual arc's rise above its block
TAP_RISE = 0.2  # from the tapped block (or its arc) up to the tap's triangle
ARC_BASE = 0.015  # the arc's ends sit this far above the block's top
TAP_GAP = 0.06  # clear air between the tap's tip and the block (or the top of its arc)
MAX_WIDTH = 20.0  # the widest figure: blocks get thinner beyond it
TITLE_SIZE, ROW_TITLE_SIZE, LABEL_SIZE, TAP_SIZE, LEGEND_SIZE = 12.0, 10.5, 7.0, 7.5, 7.5
LINE = 1.3 / 72  # inches per point of font size, for one line of text
SHADE = "#f3f3f3"  # every other stage column
SPECIAL = ("stem", "top", "head")


@dataclass(frozen=True)
class Column:
    """A stage (or the stem, the top, the head): the unit the two rows of a comparison share."""

    key: str  # "stem", "1", "2", ..., "top", "head"
    rank: tuple[int, int]


@dataclass(frozen=True)
class Placed:
    block: BlockReport
    x: float  # left edge
    thickness: float
    height: float


def backbone_figure(reports: Sequence[Report]) -> Canvas:
    """The diagram of one backbone, or of two (``--compare``) in two rows aligned stage by stage."""
    if not 1 <= len(reports) <= 2:
        raise ValueError(f"backbone_figure draws one or two reports, not {len(reports)}")
    columns = _columns(reports)
    labels = [_stage_labels(report) for report in reports]
    reference = max(_resolution(block) for report in reports for block in report.blocks)
    scale = _fit_scale(reports, columns, labels)
    widths = _column_widths(reports, columns, labels, scale)
    lines = max(len(label) for per_report in labels for label in per_report.values())
    label_height = lines * LABEL_SIZE * LINE + 0.1
    row_height = (
        ROW_TITLE_SIZE * 2.0 / 72  # the title
        + TAP_SIZE * LINE
        + TAP_RISE
        + 0.05  # the tap labels
        + ARC_HEIGHT
        + 0.05
        + BLOCK_MAX_HEIGHT
        + 0.12
        + label_height
    )
    title_width = max(text_width(_title(report), TITLE_SIZE, bold=True) for report in reports) / 72
    width = 2 * MARGIN + max(sum(widths.values()), title_width)
    legend = _legend_lines(_legend_items(reports), width - 2 * MARGIN)
    legend_height = 0.2 + LEGEND_ROW * len(legend)
    height = 2 * MARGIN + len(reports) * row_height + (len(reports) - 1) * 0.25 + legend_height
    canvas = Canvas(width, height)
    starts = {}
    x = MARGIN
    for column in columns:
        starts[column.key] = x
        x += widths[column.key]
    top = height - MARGIN
    for index, report in enumerate(reports):
        prefix = "" if len(reports) == 1 else f"m{index + 1}-"
        _draw_row(canvas, report, top, row_height, starts, widths, labels[index], reference, scale, prefix)
        top -= row_height + 0.25
    _draw_legend(canvas, legend, MARGIN, MARGIN + LEGEND_ROW * (len(legend) - 0.5))
    return canvas


# Layout ---------------------------------------------------------------------------------------------------------


def _column_key(block: BlockReport) -> str:
    return block.type if block.type in SPECIAL else str(block.stage)


def _rank(key: str) -> tuple[int, int]:
    if key == "stem":
        return (0, 0)
    if key == "top":
        return (2, 0)
    if key == "head":
        return (3, 0)
    return (1, int(key))


def _columns(reports: Sequence[Report]) -> list[Column]:
    keys = {_column_key(block) for report in reports for block in report.blocks}
    return sorted((Column(key, _rank(key)) for key in keys), key=lambda column: column.rank)


def _groups(report: Report) -> dict[str, list[BlockReport]]:
    groups: dict[str, list[BlockReport]] = {}
    for block in report.blocks:
        groups.setdefault(_column_key(block), []).append(block)
    return groups


def _resolution(block: BlockReport) -> int:
    """The output height (1 for a flat output: the head's classes)."""
    return block.output_shape[0] if len(block.output_shape) == 3 else 1


def _channels(block: BlockReport) -> int:
    return block.output_shape[-1] if block.output_shape else block.output_filters


def _thickness(block: BlockReport, scale: float) -> float:
    channels = max(_channels(block), 1)
    natural = 0.04 + 0.03 * (math.log2(channels) - 3)
    return scale * min(max(natural, THICKNESS_MIN), THICKNESS_MAX)


def _height(block: BlockReport, reference: int) -> float:
    return max(BLOCK_MIN_HEIGHT, BLOCK_MAX_HEIGHT * math.sqrt(_resolution(block) / max(reference, 1)))


def _run_width(blocks: Sequence[BlockReport], scale: float) -> float:
    return sum(_thickness(block, scale) for block in blocks) + scale * GAP * (len(blocks) - 1)


def _label_width(lines: Sequence[str]) -> float:
    return max(text_width(line, LABEL_SIZE, bold=index == 0) for index, line in enumerate(lines)) / 72


def _column_widths(
    reports: Sequence[Report], columns: Sequence[Column], labels: Sequence[dict[str, list[str]]], scale: float
) -> dict[str, float]:
    widths = {}
    for column in columns:
        needed = 0.0
        for report, per_report in zip(reports, labels, strict=True):
            blocks = _groups(report).get(column.key, [])
            if not blocks:
                continue
            needed = max(needed, _run_width(blocks, scale), _label_width(per_report[column.key]))
            needed = max(needed, _tap_width(report, blocks))
        widths[column.key] = needed + 2 * COLUMN_PAD
    return widths


def _fit_scale(reports: Sequence[Report], columns: Sequence[Column], labels: Sequence[dict[str, list[str]]]) -> float:
    """1, or the factor on thicknesses and gaps that keeps the figure within MAX_WIDTH."""
    scale = 1.0
    while scale > 0.3 and 2 * MARGIN + sum(_column_widths(reports, columns, labels, scale).values()) > MAX_WIDTH:
        scale = round(scale * 0.95, 6)
    return scale


def _tap_text(level) -> str:
    return f"{level.level} · stride {level.stride}"


def _tap_width(report: Report, blocks: Sequence[BlockReport]) -> float:
    """The room the tap labels of a column need (a tap hangs over its block's centre, half on each side)."""
    names = {block.name for block in blocks}
    texts = [_tap_text(level) for level in report.pyramid if level.block in names]
    return max((text_width(text, TAP_SIZE, bold=True) / 72 for text in texts), default=0.0)


# Texts ----------------------------------------------------------------------------------------------------------


def _resolution_text(block: BlockReport) -> str:
    shape = block.output_shape
    if len(shape) == 3:
        return f"{shape[2]} ch · {shape[0]}×{shape[1]}"
    return f"{_channels(block)} outputs"


def _stage_labels(report: Report) -> dict[str, list[str]]:
    """Per column, the lines of its label (the first is the title)."""
    labels = {}
    for key, blocks in _groups(report).items():
        last = blocks[-1]
        params = sum(block.params for block in blocks)
        macs = sum(block.macs for block in blocks)
        numbers = [f"{macs_text(params)} params", f"{macs_text(macs)} MACs"]
        if key == "head":
            lines = ["Head", "pool + Dense", f"{last.output_filters} classes"]
        elif key in ("stem", "top"):
            kernel = f"{last.kernel_size}×{last.kernel_size}"
            stride = f" s{last.strides}" if last.strides != 1 else ""
            lines = [key.capitalize(), f"Conv {kernel}{stride}", _resolution_text(last)]
        else:
            types = "+".join(dict.fromkeys(block.type for block in blocks))
            lines = [f"Stage {key}", f"{len(blocks)} × {type_text(types)}", _resolution_text(last)]
        labels[key] = lines + numbers
    return labels


def _title(report: Report) -> str:
    shape = "×".join(str(d) for d in report.input_shape)
    totals = report.totals
    family = f" ({report.family_title})" if report.family_title else ""
    head = f", {report.classes}-class head" if report.classes else ""
    return (
        f"{report.name}{family}: input {shape}{head} · {macs_text(totals.params)} params · "
        f"{macs_text(totals.macs)} MACs · {report.block_count} blocks"
    )


# Drawing --------------------------------------------------------------------------------------------------------


def _draw_row(
    canvas: Canvas,
    report: Report,
    top: float,
    row_height: float,
    starts: dict[str, float],
    widths: dict[str, float],
    labels: dict[str, list[str]],
    reference: int,
    scale: float,
    prefix: str,
) -> None:
    title_y = top - ROW_TITLE_SIZE / 72
    title_size = TITLE_SIZE if not prefix else ROW_TITLE_SIZE
    canvas.text(MARGIN, title_y, _title(report), title_size, bold=True, va="center", gid=f"{prefix}title")
    band_top = top - ROW_TITLE_SIZE * 2.0 / 72  # the shaded columns start here
    tap_label_y = band_top - TAP_SIZE * LINE / 2 - 0.03
    middle = band_top - TAP_SIZE * LINE - TAP_RISE - 0.05 - ARC_HEIGHT - 0.05 - BLOCK_MAX_HEIGHT / 2
    label_top = middle - BLOCK_MAX_HEIGHT / 2 - 0.12
    band_bottom = top - row_height
    placed: dict[str, Placed] = {}
    groups = _groups(report)
    for index, key in enumerate(starts):  # every column of the figure, in order
        x0, width = starts[key], widths[key]
        centre = x0 + width / 2
        if index % 2 == 1:
            canvas.rect(x0, band_bottom, width, band_top - band_bottom, Style(fill=SHADE), z=0)
        blocks = groups.get(key, [])
        if not blocks:  # the other model of a comparison has this stage
            missing = f"no {key}" if key in SPECIAL else f"no stage {key}"
            canvas.text(centre, label_top, missing, LABEL_SIZE, ha="center", va="top", colour=MUTED)
            continue
        x = centre - _run_width(blocks, scale) / 2
        for block in blocks:
            thickness, height = _thickness(block, scale), _height(block, reference)
            style = Style(fill=TYPE_COLOURS.get(block.type, MUTED), stroke=INK, width=0.35)
            canvas.rect(x, middle - height / 2, thickness, height, style, z=2, gid=f"{prefix}block-{block.name}")
            placed[block.name] = Placed(block, x, thickness, height)
            if block.residual:
                _draw_arc(canvas, x, thickness, middle + height / 2, scale, f"{prefix}residual-{block.name}")
            x += thickness + scale * GAP
        _draw_label(canvas, centre, label_top, labels[key], prefix, key)
    for level in report.pyramid:
        found = placed.get(level.block)
        if found is not None:
            right = starts[_column_key(found.block)] + widths[_column_key(found.block)]
            _draw_tap(canvas, level, found, middle, tap_label_y, right, prefix)


def _draw_arc(canvas: Canvas, x: float, thickness: float, y: float, scale: float, gid: str) -> None:
    """The skip connection: from the gap before the block to the gap after it, over the block."""
    left, right = x - scale * GAP / 2, x + thickness + scale * GAP / 2
    _arc(canvas, left, right, y + ARC_BASE, 2 * ARC_HEIGHT, z=3, gid=gid)  # its top: ARC_HEIGHT above the ends


def _arc(canvas: Canvas, left: float, right: float, base: float, rise: float, **place: Any) -> None:
    """A residual's arc: a quadratic curve from ``left`` to ``right`` whose control point is ``rise`` above."""
    segments = [("M", (left, base)), ("Q", ((left + right) / 2, base + rise, right, base))]
    canvas.path(segments, Style(stroke=INK, width=0.7), **place)


def _draw_label(canvas: Canvas, centre: float, top: float, lines: Sequence[str], prefix: str, key: str) -> None:
    name = key if key in SPECIAL else f"stage-{key}"
    gid = f"{prefix}label-{key}" if key in SPECIAL else f"{prefix}{name}"
    canvas.text(centre, top, lines[0], LABEL_SIZE + 0.5, bold=True, ha="center", va="top", gid=gid)
    below, details = top - LABEL_SIZE * LINE * 1.1, "\n".join(lines[1:])
    canvas.text(
        centre,
        below,
        details,
        LABEL_SIZE,
        ha="center",
        va="top",
        colour=MUTED,
        linespacing=1.25,
        gid=f"{prefix}details-{name}",
    )


def _draw_tap(canvas: Canvas, level, found: Placed, middle: float, label_y: float, right: float, prefix: str) -> None:
    """A red triangle pointing at the tapped block, a thin line up to its label (kept inside the column)."""
    centre = found.x + found.thickness / 2
    text = _tap_text(level)
    half = text_width(text, TAP_SIZE, bold=True) / 72 / 2
    label_x = min(centre, right - half - 0.04)
    tip = middle + found.height / 2 + (ARC_BASE + ARC_HEIGHT if found.block.residual else 0) + TAP_GAP
    size = 0.06
    triangle = [(centre, tip), (centre - size, tip + 1.6 * size), (centre + size, tip + 1.6 * size)]
    canvas.polygon(triangle, Style(fill=PYRAMID_COLOUR), z=4, gid=f"{prefix}tap-{level.level}")
    line = [("M", (centre, tip + 1.6 * size)), ("L", (centre, label_y - TAP_SIZE * LINE / 2))]
    canvas.path(line, Style(stroke=PYRAMID_COLOUR, width=0.6, dash=(2, 1.5)), z=1)
    gid = f"{prefix}pyramid-label-{level.level}"
    canvas.text(label_x, label_y, text, TAP_SIZE, bold=True, ha="center", va="center", colour=PYRAMID_COLOUR, gid=gid)


LEGEND_SCALES = "height ∝ √ output resolution · thickness ∝ log₂ channels"
LEGEND_ROW = 0.26  # one line of the legend
SWATCH = 0.14


def _legend_items(reports: Sequence[Report]) -> list[tuple[str, str]]:
    """(what, text) in order: the block types drawn, the residual arc, the tap, then how sizes are scaled."""
    present = {block.type for report in reports for block in report.blocks}
    order = [t for t in TYPE_COLOURS if t in present] + sorted(present - set(TYPE_COLOURS))
    items = [(f"type:{kind}", TYPE_LABELS.get(kind, kind)) for kind in order]
    if any(block.residual for report in reports for block in report.blocks):
        items.append(("residual", "residual (skip arc over the block)"))
    if any(report.pyramid for report in reports):
        items.append(("tap", "pyramid tap (feature level, its stride)"))
    items.append(("scales", LEGEND_SCALES))
    return items


def _legend_width(item: tuple[str, str]) -> float:
    what, text = item
    return (0.0 if what == "scales" else 0.2) + text_width(text, LEGEND_SIZE) / 72 + 0.25


def _legend_lines(items: Sequence[tuple[str, str]], room: float) -> list[list[tuple[str, str]]]:
    """The items wrapped into lines no wider than ``room`` inches."""
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for item in items:
        width = _legend_width(item)
        if lines[-1] and used + width > room:
            lines.append([])
            used = 0.0
        lines[-1].append(item)
        used += width
    return lines


def _draw_legend(canvas: Canvas, lines: Sequence[Sequence[tuple[str, str]]], x0: float, y: float) -> None:
    """The legend, its first line at ``y`` (the centre of the line)."""
    for line in lines:
        x = x0
        for what, text in line:
            if what.startswith("type:"):
                style = Style(fill=TYPE_COLOURS.get(what.removeprefix("type:"), MUTED), stroke=INK, width=0.35)
                canvas.rect(x, y - SWATCH / 2, SWATCH * 0.7, SWATCH, style)
            elif what == "residual":
                _arc(canvas, x, x + 0.14, y - 0.04, 0.14)
            elif what == "tap":
                triangle = [(x + 0.07, y - 0.05), (x + 0.01, y + 0.05), (x + 0.13, y + 0.05)]
                canvas.polygon(triangle, Style(fill=PYRAMID_COLOUR))
            offset = 0.0 if what == "scales" else 0.2
            colour = MUTED if what == "scales" else INK
            canvas.text(x + offset, y, text, LEGEND_SIZE, va="center", colour=colour)
            x += _legend_width((what, text))
        y -= LEGEND_ROW
