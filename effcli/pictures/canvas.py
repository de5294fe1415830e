"""A picture as a list of shapes: written as an SVG document directly, or drawn with matplotlib for a PNG.

``diagram.py`` and ``block.py`` lay their pictures out on a :class:`Canvas`, in inches with y up and the
origin at the bottom left (as the matplotlib axes they used to draw on). :meth:`Canvas.svg` writes the SVG
itself, without matplotlib or numpy, so that ``draw -o x.svg`` and ``explain --draw x.svg`` start as fast as
the commands that print; :meth:`Canvas.figure` draws the same shapes, with the same coordinates, on a
matplotlib figure, for a PNG only. There is one layout: text is placed here (every line's baseline, from
matplotlib's rules for its horizontal and vertical alignments and line spacing, with the font metrics of
``fontwidths.py``), so both renderings put every line at the same place.

The SVG is standalone and deterministic: ``xmlns``, ``viewBox``, a size in points (one point per unit, as
matplotlib's), text kept as text in DejaVu Sans with fallbacks, no external reference, no date. A shape
with an id is wrapped in ``<g id="...">`` (the report page styles ``[id^=diagram-block-] path``); shapes
are written in their z order (matplotlib's zorder: patches 1, text 3 by default), then in the order added.
"""

from __future__ import annotations

import bisect
import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from effcli.pictures.fontwidths import ADVANCES, ASCENT, COVERED, DESCENT, TYPICAL, TYPICAL_BOLD, UNITS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT = "DejaVu Sans"  # shipped with matplotlib: the same glyphs (and PNG bytes) on every machine
FONTS = (FONT, "Arial", "Helvetica", "sans-serif")  # the SVG's font-family, and matplotlib's sans-serif list
INK = "#222222"  # text and outlines
POINTS = 72.0  # per inch
PATCH_Z, TEXT_Z = 1.0, 3.0  # matplotlib's default zorders
ARROW_LENGTH, ARROW_WIDTH = 0.4, 0.2  # matplotlib's "-|>" head, in mutation sizes (length, half-width)

HorizontalAlignment = Literal["left", "center", "right"]
VerticalAlignment = Literal["top", "bottom", "center", "baseline", "center_baseline"]
ANCHORS = {"left": "start", "center": "middle", "right": "end"}
_STARTS = [start for start, _ in COVERED]
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold


def covered(char: str) -> bool:
    """Whether DejaVu Sans has a glyph for ``char``."""
    index = bisect.bisect_right(_STARTS, ord(char)) - 1
    return index >= 0 and ord(char) <= COVERED[index][1]


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width in points of one line of ``text`` in the pictures' font (to lay out before drawing): the sum
    of the advances (a character the font lacks counts one em, as the wide glyphs a viewer falls back on)."""
    column, typical = (1, TYPICAL_BOLD) if bold else (0, TYPICAL)
    units = 0
    for char in text:
        advance = ADVANCES.get(char)
        units += advance[column] if advance is not None else typical if covered(char) else UNITS
    return units * size / UNITS


def warn_missing_glyphs(text: str) -> None:
    """matplotlib's warning for each character its font cannot draw (``figure.missing_glyphs`` collects them)."""
    for char in dict.fromkeys(text):
        if char.isprintable() and not char.isspace() and not covered(char):
            warnings.warn(f"Glyph {ord(char)} ({char}) missing from font(s) {FONT}.", UserWarning, stacklevel=3)


@dataclass(frozen=True)
class Style:
    """How a shape is painted: its fill, its outline (width in points) and the outline's dashes."""

    fill: str = "none"
    stroke: str = "none"
    width: float = 1.0
    dash: tuple[float, ...] = ()  # dash, gap, ... in line widths (matplotlib's linestyle (0, dash))

    def css(self) -> str:
        parts = [f"fill: {self.fill}"]
        if self.stroke != "none":
            parts += [f"stroke: {self.stroke}", f"stroke-width: {_number(self.width)}"]
            if self.dash:
                parts.append("stroke-dasharray: " + ",".join(_number(d * self.width) for d in self.dash))
        return "; ".join(parts)


@dataclass(frozen=True)
class Path:
    """Segments ``("M", (x, y))``, ``("L", (x, y))`` and ``("Q", (cx, cy, x, y))`` (a quadratic Bézier), in inches."""

    segments: tuple[tuple[str, tuple[float, ...]], ...]
    closed: bool
    style: Style


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    radius: float
    style: Style


@dataclass(frozen=True)
class Text:
    """One line of text; ``y`` is its baseline."""

    x: float
    y: float
    text: str
    size: float  # points
    colour: str
    align: HorizontalAlignment
    bold: bool
    italic: bool


Shape = Path | Circle | Text


@dataclass(frozen=True)
class Item:
    shapes: tuple[Shape, ...]
    gid: str | None
    z: float


def baselines(y: float, lines: int, size: float, va: VerticalAlignment, linespacing: float) -> list[float]:
    """The baselines (inches) of ``lines`` lines of text at ``size`` points aligned ``va`` at ``y``, as matplotlib
    places them: a line is at least as high as "lp", and the next baseline is that line's descent plus
    ``linespacing`` times its ascent lower."""
    ascent, descent = ASCENT / UNITS * size / POINTS, DESCENT / UNITS * size / POINTS
    step = descent + ascent * linespacing
    first = -ascent  # below the top of the text
    bottom = first - step * (lines - 1) - descent
    top = {"top": 0.0, "bottom": bottom, "center": bottom / 2, "baseline": first, "center_baseline": first / 2}[va]
    return [y - top + first - step * index for index in range(lines)]


class Canvas:
    """The shapes of one picture, ``width`` x ``height`` inches."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.items: list[Item] = []

    def add(self, shapes: Iterable[Shape], *, gid: str | None = None, z: float = PATCH_Z) -> None:
        self.items.append(Item(tuple(shapes), gid, z))

    def path(
        self, segments: Sequence[tuple[str, tuple[float, ...]]], style: Style, *, closed: bool = False, **place: Any
    ) -> None:
        self.add([Path(tuple(segments), closed, style)], **place)

    def polygon(self, points: Sequence[tuple[float, float]], style: Style, **place: Any) -> None:
        self.path([("M" if i == 0 else "L", point) for i, point in enumerate(points)], style, closed=True, **place)

    def rect(self, x: float, y: float, width: float, height: float, style: Style, **place: Any) -> None:
        self.polygon([(x, y), (x + width, y), (x + width, y + height), (x, y + height)], style, **place)

    def rounded_rect(
        self, x: float, y: float, width: float, height: float, radius: float, style: Style, **place: Any
    ) -> None:
        """matplotlib's ``round`` box: straight sides, a quadratic curve round each corner."""
        x1, y1, r = x + width, y + height, radius
        corners = [((x1, y), (x1, y + r)), ((x1, y1), (x1 - r, y1)), ((x, y1), (x, y1 - r)), ((x, y), (x + r, y))]
        segments: list[tuple[str, tuple[float, ...]]] = [("M", (x + r, y))]
        starts = [(x1 - r, y), (x1, y1 - r), (x + r, y1), (x, y + r)]
        for start, (corner, end) in zip(starts, corners, strict=True):
            segments += [("L", start), ("Q", (*corner, *end))]
        self.path(segments, style, closed=True, **place)

    def circle(self, x: float, y: float, radius: float, style: Style, **place: Any) -> None:
        self.add([Circle(x, y, radius, style)], **place)

    def arrow(
        self,
        points: Sequence[tuple[float, float]],
        *,
        width: float = 0.9,
        size: float = 9.0,
        colour: str = INK,
        **place: Any,
    ) -> None:
        """A line through ``points`` ending in matplotlib's filled ``-|>`` head (``size``: its mutation scale, in
        points) whose outlined tip is at the last point."""
        (x0, y0), (x1, y1) = points[-2], points[-1]
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        head, half = ARROW_LENGTH * size / POINTS, ARROW_WIDTH * size / POINTS
        pad = 0.5 * width / POINTS * math.hypot(head, half) / half  # the outline's mitre reaches the point
        tip = (x1 - ux * pad, y1 - uy * pad)
        base = (tip[0] - ux * head, tip[1] - uy * head)
        wings = [(base[0] - uy * half, base[1] + ux * half), (base[0] + uy * half, base[1] - ux * half)]
        line = Style(stroke=colour, width=width)
        shaft = [("M" if i == 0 else "L", point) for i, point in enumerate([*points[:-1], base])]
        head_shape = [("M", tip), ("L", wings[0]), ("L", wings[1])]
        self.add(
            [Path(tuple(shaft), False, line), Path(tuple(head_shape), True, Style(colour, colour, width))], **place
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        colour: str = INK,
        bold: bool = False,
        italic: bool = False,
        ha: HorizontalAlignment = "left",
        va: VerticalAlignment = "baseline",
        linespacing: float = 1.2,
        gid: str | None = None,
        z: float = TEXT_Z,
    ) -> None:
        """``text`` (lines split at newlines) aligned as matplotlib's ``ha`` and ``va`` say, at ``(x, y)``."""
        warn_missing_glyphs(text)
        lines = text.split("\n")
        ys = baselines(y, len(lines), size, va, linespacing)
        shapes = [Text(x, line_y, line, size, colour, ha, bold, italic) for line, line_y in zip(lines, ys, strict=True)]
        self.add([shape for shape in shapes if shape.text], gid=gid, z=z)

    # The two renderings ---------------------------------------------------------------------------------------

    def svg(self) -> str:
        """The SVG document, written directly (one unit = one point, y down)."""
        width, height = _number(self.width * POINTS), _number(self.height * POINTS)
        family = ", ".join(f"'{font}'" if " " in font else font for font in FONTS)
        out = [
            '<?xml version="1.0" encoding="utf-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}pt" height="{height}pt" '
            f'viewBox="0 0 {width} {height}" font-family="{family}" xml:space="preserve">',
            f' <rect width="{width}" height="{height}" style="fill: #ffffff"/>',
        ]
        for item in sorted(self.items, key=lambda item: item.z):
            indent = " " if item.gid is None else "  "
            if item.gid is not None:
                out.append(f' <g id="{_escape(item.gid)}">')
            out += [indent + self._svg_shape(shape) for shape in item.shapes]
            if item.gid is not None:
                out.append(" </g>")
        out.append("</svg>\n")
        return "\n".join(out)

    def _point(self, x: float, y: float) -> str:
        return f"{_number(x * POINTS)} {_number((self.height - y) * POINTS)}"

    def _svg_shape(self, shape: Shape) -> str:
        if isinstance(shape, Text):
            weight = ' font-weight="bold"' if shape.bold else ""
            style = ' font-style="italic"' if shape.italic else ""
            anchor = f' text-anchor="{ANCHORS[shape.align]}"' if shape.align != "left" else ""
            x, y = self._point(shape.x, shape.y).split()
            return (
                f'<text x="{x}" y="{y}" font-size="{_number(shape.size)}"{weight}{style}{anchor} '
                f'fill="{shape.colour}">{_escape(shape.text)}</text>'
            )
        if isinstance(shape, Circle):
            x, y = self._point(shape.x, shape.y).split()
            radius = _number(shape.radius * POINTS)
            return f'<circle cx="{x}" cy="{y}" r="{radius}" style="{shape.style.css()}"/>'
        parts = []
        for command, numbers in shape.segments:
            pairs = [self._point(numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2)]
            parts.append(f"{command} {' '.join(pairs)}")
        if shape.closed:
            parts.append("Z")
        return f'<path d="{" ".join(parts)}" style="{shape.style.css()}"/>'

    def figure(self) -> Figure:
        """The same shapes on a matplotlib figure (for a PNG): one axes over the whole figure, one unit an inch."""
        from matplotlib.patches import Circle as CirclePatch
        from matplotlib.patches import PathPatch
        from matplotlib.path import Path as MatplotlibPath

        from effcli.pictures.figure import matplotlib_figure

        figure = matplotlib_figure(self.width, self.height)
        axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        axes.set_xlim(0, self.width)
        axes.set_ylim(0, self.height)
        axes.set_axis_off()
        codes = {"M": [MatplotlibPath.MOVETO], "L": [MatplotlibPath.LINETO], "Q": [MatplotlibPath.CURVE3] * 2}
        for item in self.items:
            for shape in item.shapes:
                if isinstance(shape, Text):
                    axes.text(
                        shape.x,
                        shape.y,
                        shape.text,
                        fontsize=shape.size,
                        fontweight="bold" if shape.bold else "normal",
                        fontstyle="italic" if shape.italic else "normal",
                        color=shape.colour,
                        ha=shape.align,
                        va="baseline",
                        zorder=item.z,
                        gid=item.gid,
                    )
                    continue
                paint = {
                    "facecolor": shape.style.fill,
                    "edgecolor": shape.style.stroke,
                    "linewidth": shape.style.width if shape.style.stroke != "none" else 0.0,
                    "linestyle": (0, shape.style.dash) if shape.style.dash else "-",
                    "zorder": item.z,
                    "gid": item.gid,
                }
                if isinstance(shape, Circle):
                    axes.add_patch(CirclePatch((shape.x, shape.y), shape.radius, **paint))
                    continue
                vertices = [
                    (numbers[i], numbers[i + 1]) for _, numbers in shape.segments for i in range(0, len(numbers), 2)
                ]
                kinds = [code for command, _ in shape.segments for code in codes[command]]
                if shape.closed:
                    vertices.append(vertices[0])
                    kinds.append(MatplotlibPath.CLOSEPOLY)
                axes.add_patch(PathPatch(MatplotlibPath(vertices, kinds), **paint))
        return figure


def _number(value: float) -> str:
    """A coordinate as the SVG writes it: at most three decimals, no trailing zeros, never "-0"."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _escape(text: str) -> str:
    text = _NOT_XML.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
