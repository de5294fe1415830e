"""What every picture shares: the colours, matplotlib set up for deterministic output, and saving to a file.

The diagram and the block are :class:`~effcli.pictures.canvas.Canvas` pictures (their SVG is written without
matplotlib); the chart is a matplotlib figure. The functions here take either."""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effcli.pictures.canvas import FONTS, INK, Canvas

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Colour by block type (the same in every picture) and by family (the chart).
TYPE_COLOURS = {
    "stem": "#7f7f7f",
    "fused": "#e6862e",
    "mbconv": "#3a78b5",
    "top": "#5b9a4a",
    "head": "#9467bd",
}
FAMILY_COLOURS = {"v2": "#d62728", "v1": "#1f77b4", "lite": "#2ca02c", "edgetpu": "#9467bd", "custom": "#333333"}
MUTED = "#777777"  # secondary text, grid lines
PYRAMID_COLOUR = "#c0392b"  # the P1..P5 marks
PNG_DPI = 150


GLYPH_WARNING = re.compile(r"Glyph (\d+) .*missing from font")


@contextlib.contextmanager
def missing_glyphs() -> Iterator[set[str]]:
    """Collect the characters the pictures' font cannot draw (a CJK or emoji config name), instead of
    matplotlib's warning per character and per call (the canvas warns alike); the set is filled when the block
    ends. The PNG shows them as boxes; the SVG keeps them as text, drawn by the viewer's fonts. Other warnings
    pass through."""
    found: set[str] = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
    for warning in caught:
        match = GLYPH_WARNING.search(str(warning.message))
        if match:
            found.add(chr(int(match[1])))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def matplotlib_figure(width: float, height: float) -> Figure:
    """A new figure (inches), drawn off-screen with settings that make SVG and PNG output reproducible.

    Uses ``matplotlib.figure.Figure`` directly (no pyplot, no global figure registry). matplotlib's own
    log lines (building its font cache on a first run, a temporary cache folder when the home folder is
    read-only) are kept off stderr, where effcli's output is one line per message."""
    import logging

    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "effcli",  # clip-path ids from a fixed salt, not from random numbers
            "svg.fonttype": "none",  # text stays text: searchable, selectable, checkable by tests
            "font.family": "sans-serif",
            "font.sans-serif": list(FONTS),
            "font.size": 9,
            "axes.edgecolor": INK,
            "axes.labelcolor": INK,
            "text.color": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "path.simplify": False,
        }
    )
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout=None)


def picture_format(path: Path) -> str:
    """'svg' or 'png', from the file name (check_target has refused every other suffix)."""
    return path.suffix.lower().lstrip(".")


def figure_bytes(figure: Figure | Canvas, format: str) -> bytes:
    """The picture as bytes: SVG without a date, PNG without a software stamp. A canvas's SVG is written
    directly; its PNG (and every chart) is drawn by matplotlib."""
    if isinstance(figure, Canvas):
        if format == "svg":
            return figure.svg().encode("utf-8")
        figure = figure.figure()
    import io

    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None, "Creator": "effcli"} if format == "svg" else {"Software": None}
    figure.savefig(buffer, format=format, metadata=metadata, dpi=PNG_DPI, facecolor="white")
    return buffer.getvalue()


def save_figure(figure: Figure | Canvas, path: Path, *, force: bool, option: str) -> None:
    """Write the picture to ``path`` (.svg or .png) atomically; never replaces a file without ``force``."""
    from effcli.files import atomic_target

    data = figure_bytes(figure, picture_format(path))
    with atomic_target(path, force=force, option=option) as temporary:
        temporary.write_bytes(data)


def svg_text(figure: Figure | Canvas) -> str:
    """The picture as an SVG document (for the HTML report), without the XML prolog and doctype."""
    text = figure_bytes(figure, "svg").decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
