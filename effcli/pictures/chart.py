"""`effcli chart`: the families on one picture, as the papers draw them.

Two panels side by side: (a) parameters against MACs, both on log axes, one scaling curve per family;
(b) the published ImageNet top-1 against MACs for the presets that carry one. The configs and saved models
named on the command line are black stars; a named preset is ringed. Labels are placed by a small
deterministic search (:func:`place_labels`) so that none overlaps another label, a point, a curve or the legend.

SVG ids: ``panel-params`` and ``panel-top1`` (the two axes), ``point-{name}`` and ``label-{name}`` in panel (a),
``point-{name}-top1`` and ``label-{name}-top1`` in panel (b) (ids are unique in a document), ``name`` with every
character other than letters, digits, ``_``, ``.`` and ``-`` replaced by ``_``.
"""

from __future__ import annotations

import itertools
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from effcli.pictures.figure import FAMILY_COLOURS, INK, MUTED, matplotlib_figure
from effcli.tools.family import ChartPoint, family_order

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH, HEIGHT = 13.0, 6.4  # inches
PANEL_PARAMS, PANEL_TOP1 = "panel-params", "panel-top1"
MARKER_SIZE = 5.5  # points
STAR_SIZE = 13.0
LABEL_SIZE = 7.5
LABEL_SEPARATION = 2.5  # points of clear space between two labels
FOOTNOTE_SIZE = 9.0  # as readable as the axis labels
FOOTNOTE_COLOUR = "#333333"
USER_COLOUR = "#000000"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def gid_name(name: str) -> str:
    """``name`` as it appears in an SVG id."""
    return _UNSAFE.sub("_", name) or "_"


def point_gid(point: ChartPoint, panel: str = PANEL_PARAMS) -> str:
    suffix = "" if panel == PANEL_PARAMS else "-top1"
    return f"point-{gid_name(point.name)}{suffix}"


def label_gid(point: ChartPoint, panel: str = PANEL_PARAMS) -> str:
    suffix = "" if panel == PANEL_PARAMS else "-top1"
    return f"label-{gid_name(point.name)}{suffix}"


def family_colour(family: str) -> str:
    return FAMILY_COLOURS.get(family, FAMILY_COLOURS["custom"])


def count_text(value: float, unit: str) -> str:
    """A tick label: 500K, 5M, 20M, 1B for parameters (unit "params"); 0.05G, 0.5G, 1G, 1000G for MACs
    (unit "macs": in G, the papers' unit, down to 0.01G)."""
    if unit == "macs" and value >= 1e7:
        return f"{_significant(value / 1e9)}G"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= scale:
            return f"{_significant(value / scale)}{suffix}"
    return _significant(value)


def _significant(number: float) -> str:
    """At most three significant digits, never in exponent form: 0.05, 2, 20, 1000."""
    if number == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(number))))
    text = f"{round(number, digits):.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- label placement -------------------------------------------------------------------------------------------


@dataclass
class _Label:
    """A label to place: its anchor (display pixels), its text size, and the marker it belongs to."""

    index: int
    x: float
    y: float
    width: float
    height: float
    radius: float  # the marker's half size, in pixels


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in display pixels

# (dx, dy, ha, va): unit directions and text alignment; the order is the preference when scores tie
_DIRECTIONS = (
    (1.0, 0.0, "left", "center"),
    (-1.0, 0.0, "right", "center"),
    (0.0, 1.0, "center", "bottom"),
    (0.0, -1.0, "center", "top"),
    (0.75, 0.75, "left", "bottom"),
    (-0.75, 0.75, "right", "bottom"),
    (0.75, -0.75, "left", "top"),
    (-0.75, -0.75, "right", "top"),
)
_DISTANCES = (1.0, 2.2, 3.6, 5.2)  # in units of the gap (the marker's radius plus a few points)


def _box_for(label: _Label, direction: tuple[float, float, str, str], distance: float) -> tuple[Box, float, float]:
    """The label's box for one candidate, and the text anchor's offset from the point (pixels)."""
    dx, dy, ha, va = direction
    ox, oy = dx * distance, dy * distance
    ax, ay = label.x + ox, label.y + oy
    x0 = ax if ha == "left" else ax - label.width if ha == "right" else ax - label.width / 2
    y0 = ay if va == "bottom" else ay - label.height if va == "top" else ay - label.height / 2
    return (x0, y0, x0 + label.width, y0 + label.height), ox, oy


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _outside(box: Box, frame: Box) -> float:
    """How much of ``box`` lies outside ``frame`` (area)."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    return area - _overlap(box, frame)


def _segment_hits(box: Box, samples: Sequence[tuple[float, float]]) -> int:
    return sum(1 for x, y in samples if box[0] <= x <= box[2] and box[1] <= y <= box[3])


@dataclass(frozen=True)
class Placement:
    """Where a label goes: the text anchor's offset from its point (pixels), its alignment, and whether it is far
    enough from the point to need a leader line."""

    dx: float
    dy: float
    ha: str
    va: str
    leader: bool


def _distance_to(box: Box, x: float, y: float) -> float:
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return math.hypot(dx, dy)


def _nearest_on(box: Box, x: float, y: float) -> tuple[float, float]:
    return min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])


def _crosses(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two segments (x0, y0, x1, y1) cross."""

    def side(px: float, py: float, qx: float, qy: float, rx: float, ry: float) -> float:
        return (qx - px) * (ry - py) - (qy - py) * (rx - px)

    d1 = side(a[0], a[1], a[2], a[3], b[0], b[1])
    d2 = side(a[0], a[1], a[2], a[3], b[2], b[3])
    d3 = side(b[0], b[1], b[2], b[3], a[0], a[1])
    d4 = side(b[0], b[1], b[2], b[3], a[2], a[3])
    return d1 * d2 < 0 and d3 * d4 < 0


def place_labels(
    labels: Sequence[_Label],
    *,
    frame: Box,
    obstacles: Sequence[Box],
    curve_samples: Sequence[tuple[float, float]],
    gap: float,
    separation: float = 0.0,
) -> dict[int, Placement]:
    """A place for every label, keyed by ``_Label.index``.

    Each label tries 8 directions at 4 distances from its point; beyond the nearest it is joined to its point by a
    leader line. Greedy, most crowded label first, then two passes that move each label to its best spot given all
    the others. A candidate's cost: overlapping another label, a marker or the legend, a leader running through a
    marker, a label or another leader (all heavily), running outside the axes, covering a curve, sitting nearer
    another point than its own, then its distance from the point. Two labels closer than ``separation`` pixels
    count as overlapping. Deterministic: no randomness, ties broken by a
    fixed order.
    """
    markers = {
        label.index: (label.x - label.radius, label.y - label.radius, label.x + label.radius, label.y + label.radius)
        for label in labels
    }
    near = 30.0 * gap

    def crowding(label: _Label) -> int:
        return -sum(1 for other in labels if abs(other.x - label.x) < near and abs(other.y - label.y) < near / 2)

    order = sorted(labels, key=lambda label: (crowding(label), label.x, label.y, label.index))
    placed: dict[int, Box] = {}
    leaders: dict[int, tuple[float, float, float, float]] = {}
    choice: dict[int, Placement] = {}

    def leader_cost(label: _Label, segment: tuple[float, float, float, float]) -> float:
        x0, y0, x1, y1 = segment
        total = 0.0
        steps = 12
        for i in range(2, steps):
            x, y = x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps
            for index, marker in markers.items():
                if index != label.index and marker[0] <= x <= marker[2] and marker[1] <= y <= marker[3]:
                    total += 150.0
            for index, other in placed.items():
                if index != label.index and other[0] <= x <= other[2] and other[1] <= y <= other[3]:
                    total += 150.0
        for index, other_segment in leaders.items():
            if index != label.index and _crosses(segment, other_segment):
                total += 500.0
        return total

    def cost(label: _Label, box: Box, level: int, rank: int) -> float:
        total = 0.0
        spaced = (box[0] - separation, box[1] - separation, box[2] + separation, box[3] + separation)
        for index, other in placed.items():
            hit = _overlap(spaced, other)  # labels that touch read as one ("V2-rw-SB5")
            total += 40.0 * hit + (1000.0 if hit > 0 else 0.0)
            if index in leaders:  # another label's leader line through this label
                x0, y0, x1, y1 = leaders[index]
                total += 150.0 * sum(
                    1
                    for i in range(1, 12)
                    if box[0] <= x0 + (x1 - x0) * i / 12 <= box[2] and box[1] <= y0 + (y1 - y0) * i / 12 <= box[3]
                )
        own = _distance_to(box, label.x, label.y)
        for other_label in labels:
            if other_label.index == label.index:
                continue
            hit = _overlap(box, markers[other_label.index])
            total += 40.0 * hit + (1000.0 if hit > 0 else 0.0)
            if level == 0 and _distance_to(box, other_label.x, other_label.y) < own + other_label.radius + gap:
                total += 60.0  # read as the other point's label
        for obstacle in obstacles:
            hit = _overlap(box, obstacle)
            total += 20.0 * hit + (800.0 if hit > 0 else 0.0)
        total += 30.0 * _outside(box, frame)
        total += 4.0 * _segment_hits(box, curve_samples)
        if level > 0:
            total += leader_cost(label, (label.x, label.y, *_nearest_on(box, label.x, label.y)))
        return total + 80.0 * level + rank

    def best(label: _Label) -> tuple[Box, Placement]:
        found: tuple[float, Box, Placement] | None = None
        for level, distance in enumerate(_DISTANCES):
            for rank, direction in enumerate(_DIRECTIONS):
                box, ox, oy = _box_for(label, direction, (label.radius + gap) * distance)
                value = cost(label, box, level, rank)
                if found is None or value < found[0]:
                    found = (value, box, Placement(ox, oy, direction[2], direction[3], leader=level > 0))
        assert found is not None
        return found[1], found[2]

    def put(label: _Label) -> None:
        box, place = best(label)
        placed[label.index], choice[label.index] = box, place
        leaders.pop(label.index, None)
        if place.leader:
            leaders[label.index] = (label.x, label.y, *_nearest_on(box, label.x, label.y))

    for label in order:
        put(label)
    for _ in range(2):
        for label in order:
            del placed[label.index]
            leaders.pop(label.index, None)
            put(label)
    return choice


# -- the figure ------------------------------------------------------------------------------------------------


def _log_limits(values: Sequence[float], pad: float = 0.18) -> tuple[float, float]:
    positive = [value for value in values if value > 0] or [1.0]
    low, high = math.log10(min(positive)), math.log10(max(positive))
    span = max(high - low, 0.5)
    return 10 ** (low - pad * span), 10 ** (high + pad * span)


def _tick_locator(low: float, high: float, most: int):
    """Major ticks at 1, 2, 5 x a power of ten, else at 1, 3 x, else at powers of ten: the finest with at most
    ``most`` ticks between the limits."""
    from matplotlib.ticker import LogLocator

    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for subs in ((1.0, 2.0, 5.0), (1.0, 3.0), (1.0,)):
        ticks = [sub * 10.0**power for power in range(first, last + 1) for sub in subs]
        if sum(1 for tick in ticks if low <= tick <= high) <= most:
            break
    return LogLocator(base=10.0, subs=subs)


def _format_axis(axis, unit: str, low: float, high: float, *, most: int) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_locator(_tick_locator(low, high, most))
    axis.set_major_formatter(FuncFormatter(lambda value, _: count_text(value, unit)))
    axis.set_minor_formatter(NullFormatter())


def _subtitle(points: Sequence[ChartPoint], classes: int | None) -> str:
    head = (
        f"Parameters and MACs include the classifier head ({classes:,} classes, as keras.applications include_top)"
        if classes is not None
        else "Parameters and MACs are the backbone's, without the classifier head (--classes 1000 adds it)"
    )
    where = "each preset at its native resolution"
    if any(not point.is_preset for point in points):
        where += ", each named config or saved model at its own input size"
    return f"{head}; {where}; counted by effcli's analytic engine."


def _training_footnote(points: Sequence[ChartPoint]) -> str | None:
    marked = [p for p in points if p.top1 is not None and p.top1_marked]
    if not marked:
        return None
    parts = "; ".join(f"{p.label}: {p.training}" for p in marked)
    return f"Hollow markers in (b): not the plain ImageNet-1k training: {parts}."


def chart_figure(points: Sequence[ChartPoint], *, classes: int | None) -> Figure:
    """The two-panel chart of ``points`` (see :func:`effcli.tools.family.family_points`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = matplotlib_figure(WIDTH, HEIGHT)
    FigureCanvasAgg(figure)  # a renderer to measure the labels with
    left, bottom, width, height, between = 0.065, 0.17, 0.41, 0.66, 0.085
    params_axes = figure.add_axes((left, bottom, width, height), gid=PANEL_PARAMS)
    top1_axes = figure.add_axes((left + width + between, bottom, width, height), gid=PANEL_TOP1)

    figure.text(
        0.5,
        0.965,
        "EfficientNet families: size, cost and accuracy",
        ha="center",
        va="top",
        fontsize=13,
        fontweight="bold",
        gid="chart-title",
    )
    subtitle = "\n".join(textwrap.wrap(_subtitle(points, classes), 150))
    figure.text(0.5, 0.925, subtitle, ha="center", va="top", fontsize=8.5, color=MUTED, gid="chart-subtitle")
    footnote = _training_footnote(points)
    if footnote:
        figure.text(
            0.5,
            0.025,
            "\n".join(textwrap.wrap(footnote, 160)),
            ha="center",
            va="bottom",
            fontsize=FOOTNOTE_SIZE,
            color=FOOTNOTE_COLOUR,
            gid="chart-footnote",
        )

    points = [p for p in points if p.macs > 0 and p.params > 0]  # nothing to place on a log axis otherwise
    macs_limits = _log_limits([p.macs for p in points])
    _params_panel(params_axes, points, macs_limits)
    _top1_panel(top1_axes, points, macs_limits)
    return figure


def _frame(axes: Axes) -> Box:
    bbox = axes.get_window_extent()
    return (bbox.x0, bbox.y0, bbox.x1, bbox.y1)


def _style(axes: Axes, title: str) -> None:
    from effcli.render.text import MACS_LABEL

    axes.set_xscale("log")
    axes.set_xlabel(MACS_LABEL)
    axes.set_title(title, loc="left", fontsize=10, fontweight="bold")
    axes.grid(True, which="major", color=MUTED, alpha=0.25, linewidth=0.6)
    axes.grid(True, which="minor", color=MUTED, alpha=0.08, linewidth=0.4)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _curve(axes: Axes, xs: Sequence[float], ys: Sequence[float], colour: str, gid: str, *, dashed: bool = False):
    (line,) = axes.plot(
        xs, ys, color=colour, linewidth=1.4, alpha=0.75, linestyle="--" if dashed else "-", zorder=2, gid=gid
    )
    return line


def _mark(axes: Axes, point: ChartPoint, y: float, gid: str, *, hollow: bool = False) -> None:
    """One point: a family-coloured circle (hollow when trained on more data), a black star for a user model,
    a black ring around a named preset."""
    if not point.is_preset:
        axes.plot(
            [point.macs],
            [y],
            linestyle="none",
            marker="*",
            markersize=STAR_SIZE,
            color=USER_COLOUR,
            markeredgecolor="white",
            markeredgewidth=0.6,
            zorder=5,
            gid=gid,
        )
        return
    colour = family_colour(point.family)
    axes.plot(
        [point.macs],
        [y],
        linestyle="none",
        marker="o",
        markersize=MARKER_SIZE,
        markerfacecolor="white" if hollow else colour,
        markeredgecolor=colour,
        markeredgewidth=1.5 if hollow else 0.8,
        zorder=4,
        gid=gid,
    )
    if point.highlighted:
        axes.plot(
            [point.macs],
            [y],
            linestyle="none",
            marker="o",
            markersize=MARKER_SIZE + 6,
            markerfacecolor="none",
            markeredgecolor=USER_COLOUR,
            markeredgewidth=1.6,
            zorder=4,
            gid=gid.replace("point-", "ring-", 1),
        )


def _family_handles(points: Sequence[ChartPoint]) -> list[Any]:
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    for family in family_order(points):
        title = next(p.family_title for p in points if p.is_preset and p.family == family)
        colour = family_colour(family)
        handles.append(Line2D([], [], color=colour, marker="o", markersize=MARKER_SIZE, linewidth=1.4, label=title))
    return handles


def _named_handles(points: Sequence[ChartPoint]) -> list[Any]:
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    if any(p.is_preset and p.highlighted for p in points):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=MARKER_SIZE + 6,
                markerfacecolor="none",
                markeredgecolor=USER_COLOUR,
                markeredgewidth=1.6,
                label="preset named on the command line",
            )
        )
    if any(not p.is_preset for p in points):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="*",
                markersize=STAR_SIZE,
                color=USER_COLOUR,
                markeredgecolor="white",
                label="config / saved model named",
            )
        )
    return handles


def _legend(axes: Axes, handles: list[Any], location: Literal["upper left", "lower right"], gid: str) -> Box | None:
    if not handles:
        return None
    legend = axes.legend(
        handles=handles,
        loc=location,
        fontsize=7.5,
        frameon=True,
        framealpha=0.92,
        edgecolor="#cccccc",
        borderpad=0.6,
        handlelength=2.2,
    )
    legend.set_gid(gid)
    extent = legend.get_window_extent(axes.figure.canvas.get_renderer())  # type: ignore[attr-defined]
    return (extent.x0, extent.y0, extent.x1, extent.y1)


def _params_panel(axes: Axes, points: Sequence[ChartPoint], macs_limits: tuple[float, float]) -> None:
    _style(axes, "(a) Parameters against MACs")
    axes.set_yscale("log")
    axes.set_ylabel("Parameters")
    params_limits = _log_limits([p.params for p in points])
    axes.set_xlim(*macs_limits)
    axes.set_ylim(*params_limits)
    _format_axis(axes.xaxis, "macs", *macs_limits, most=10)
    _format_axis(axes.yaxis, "params", *params_limits, most=12)

    curves: list[list[tuple[float, float]]] = []
    for family in family_order(points):
        members = sorted((p for p in points if p.is_preset and p.family == family), key=lambda p: (p.macs, p.params))
        xs, ys = [p.macs for p in members], [p.params for p in members]
        _curve(axes, xs, ys, family_colour(family), f"curve-{gid_name(family)}")
        curves.append(list(zip(xs, ys, strict=True)))
    for point in points:
        _mark(axes, point, point.params, point_gid(point))
    legend = _legend(axes, _family_handles(points) + _named_handles(points), "upper left", "legend-params")
    _labels(axes, points, [(p, float(p.params)) for p in points], curves, legend, PANEL_PARAMS)


def _top1_panel(axes: Axes, points: Sequence[ChartPoint], macs_limits: tuple[float, float]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FormatStrFormatter, MultipleLocator

    _style(axes, "(b) Published ImageNet top-1 against MACs")
    axes.set_ylabel("ImageNet top-1 accuracy (%)")
    shown = [p for p in points if p.top1 is not None]
    axes.set_xlim(*macs_limits)
    _format_axis(axes.xaxis, "macs", *macs_limits, most=10)
    if shown:
        low, high = min(p.top1 for p in shown if p.top1 is not None), max(p.top1 for p in shown if p.top1 is not None)
        span = max(high - low, 2.0)
        axes.set_ylim(low - 0.12 * span, high + 0.12 * span)
        axes.yaxis.set_major_locator(MultipleLocator(2.0 if span > 6 else 1.0))
        axes.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    else:
        axes.set_ylim(70, 90)
        axes.text(
            0.5,
            0.5,
            "no published top-1 to show",
            transform=axes.transAxes,
            ha="center",
            va="center",
            color=MUTED,
            gid="top1-empty",
        )

    curves: list[list[tuple[float, float]]] = []
    for family in family_order(points):
        members = sorted((p for p in shown if p.is_preset and p.family == family), key=lambda p: (p.macs, p.params))
        plain = [p for p in members if not p.top1_marked]
        if len(plain) > 1:
            _curve(
                axes,
                [p.macs for p in plain],
                [p.top1 for p in plain if p.top1 is not None],
                family_colour(family),
                f"curve-{gid_name(family)}-top1",
            )
        if plain and len(members) > len(plain):  # dashed on to the points trained on more data or otherwise
            extra = [plain[-1]] + [p for p in members if p.top1_marked]
            extra.sort(key=lambda p: (p.macs, p.params))
            _curve(
                axes,
                [p.macs for p in extra],
                [p.top1 for p in extra if p.top1 is not None],
                family_colour(family),
                f"curve-{gid_name(family)}-top1-more-data",
                dashed=True,
            )
        curves.append([(p.macs, p.top1) for p in members if p.top1 is not None])
    for point in shown:
        assert point.top1 is not None
        _mark(axes, point, point.top1, point_gid(point, PANEL_TOP1), hollow=point.top1_marked)

    handles = _family_handles([p for p in points if p.top1 is not None] or list(points))
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=MARKER_SIZE,
            markerfacecolor=MUTED,
            markeredgecolor=MUTED,
            label="trained on ImageNet-1k",
        )
    )
    if any(p.top1_marked for p in shown):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=MARKER_SIZE,
                markerfacecolor="white",
                markeredgecolor=MUTED,
                markeredgewidth=1.5,
                label="more data or method (see note)",
            )
        )
    handles += _named_handles(shown)
    legend = _legend(axes, handles, "lower right", "legend-top1")
    _labels(axes, shown, [(p, float(p.top1)) for p in shown if p.top1 is not None], curves, legend, PANEL_TOP1)


def _labels(
    axes: Axes,
    points: Sequence[ChartPoint],
    placed_at: Sequence[tuple[ChartPoint, float]],
    curves: Sequence[Sequence[tuple[float, float]]],
    legend: Box | None,
    panel: str,
) -> None:
    """Draw every point's label where :func:`place_labels` puts it (a thin leader line when that is far)."""
    figure = axes.figure
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    to_pixels = axes.transData.transform
    dpi_scale = figure.dpi / 72.0
    gap = 2.5 * dpi_scale
    labels: list[_Label] = []
    styles: list[dict[str, Any]] = []
    for index, (point, y) in enumerate(placed_at):
        x_pixel, y_pixel = to_pixels((point.macs, y))
        style: dict[str, Any] = {
            "fontsize": LABEL_SIZE,
            "fontweight": "bold" if point.highlighted else "normal",
            "color": INK if point.highlighted or not point.is_preset else family_colour(point.family),
        }
        probe = axes.text(0, 0, point.label, **style)  # measured, then removed
        extent = probe.get_window_extent(renderer)
        probe.remove()
        size = STAR_SIZE if not point.is_preset else MARKER_SIZE + (6 if point.highlighted else 0)
        labels.append(_Label(index, float(x_pixel), float(y_pixel), extent.width, extent.height, size * dpi_scale / 2))
        styles.append(style)

    samples: list[tuple[float, float]] = []
    for curve in curves:
        pixels = [to_pixels(xy) for xy in curve]
        for (x0, y0), (x1, y1) in itertools.pairwise(pixels):
            steps = max(2, int(math.hypot(x1 - x0, y1 - y0) / (3 * dpi_scale)))
            samples += [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(1, steps)]
    choice = place_labels(
        labels,
        frame=_frame(axes),
        obstacles=[legend] if legend else [],
        curve_samples=samples,
        gap=gap,
        separation=LABEL_SEPARATION * dpi_scale,
    )
    for label, style in zip(labels, styles, strict=True):
        point, y = placed_at[label.index]
        place = choice[label.index]
        arrow = {
            "arrowstyle": "-",
            "color": MUTED,
            "linewidth": 0.6,
            "shrinkA": 0.0,
            "shrinkB": label.radius / dpi_scale + 0.5,
        }
        axes.annotate(
            point.label,
            xy=(point.macs, y),
            xytext=(place.dx / dpi_scale, place.dy / dpi_scale),  # points: the label keeps its place at any dpi
            textcoords="offset points",
            ha=place.ha,
            va=place.va,
            zorder=6,
            gid=label_gid(point, panel),
            annotation_clip=False,
            arrowprops=arrow if place.leader else None,
            bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
            **style,
        )
