"""Printing: results on stdout through a view and a writer, warnings on stderr, the table view saved as SVG/HTML."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from effcli.cli.options import Format
from effcli.errors import EffcliError

if TYPE_CHECKING:
    from effcli.render.document import Document


def _wants_color() -> bool:
    import os

    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def emit(text: str) -> None:
    """Write ``text`` to stdout; a closed pipe stops quietly, a full disk is the user's to fix."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # raised past Typer, which would exit 1 on it
        from effcli.interrupts import Stop

        raise Stop(141, None) from None
    except OSError as exc:  # e.g. stdout on a full disk
        raise EffcliError(f"cannot write the output: {exc.strerror or exc}", source="stdout") from None


def warn(messages: Iterable[str], *, prefix: str = "") -> None:
    """Each message as one ``Warning: ...`` line on stderr (``prefix``: the model it concerns)."""
    for message in messages:
        print(f"Warning: {prefix}{message}", file=sys.stderr)


FULL_WIDTH = 200  # no terminal and no COLUMNS: files and docs get the full table, as wide as this
MIN_WIDTH, MAX_WIDTH = 20, 1000  # COLUMNS outside this is clamped (COLUMNS=100000000 must not hang)


def output_width() -> int:
    """Columns for the table view: COLUMNS when set (also when piped), else the terminal's, else FULL_WIDTH."""
    import os

    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isascii() and columns.isdigit() and len(columns) < 12:
        return min(max(int(columns), MIN_WIDTH), MAX_WIDTH)
    if sys.stdout.isatty():
        return min(max(shutil.get_terminal_size((FULL_WIDTH, 40)).columns, MIN_WIDTH), MAX_WIDTH)
    return FULL_WIDTH


def check_pictures(format: Format, svg: Path | None, html: Path | None, force: bool) -> None:
    """Validate --svg / --html before any work: table view only, no silent overwrite."""
    from effcli.files import check_target

    for path, option, suffixes in ((svg, "--svg", (".svg",)), (html, "--html", (".html", ".htm"))):
        if path is None:
            continue
        if format is not Format.table:
            raise EffcliError(f"saves the table view; use it with --format table, not {format.value}", source=option)
        check_target(path, force=force, option=option, suffixes=suffixes)


def show(
    format: Format,
    view: Callable[[ModuleType], Document],
    *,
    svg: Path | None = None,
    html: Path | None = None,
    title: str = "effcli",
    wide: bool = False,
) -> None:
    """Build the document with ``view`` (given effcli.render.views), print it in the format's writer, and save
    what the table writer printed if asked (``title``: the SVG's window title)."""
    from effcli.files import write_text_atomic
    from effcli.render import get_writer, views

    color = format is Format.table and _wants_color()
    writer: Any = get_writer(format.value, color=color, width=output_width(), wide=wide)
    emit(writer.write(view(views)))
    if svg is not None:
        write_text_atomic(svg, writer.export_svg(title))
        print(f"Saved the table as {svg}", file=sys.stderr)
    if html is not None:
        write_text_atomic(html, writer.export_html())
        print(f"Saved the table as {html}", file=sys.stderr)
