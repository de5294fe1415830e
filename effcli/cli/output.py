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


# For a stdout whose encoding cannot show them (PYTHONIOENCODING=ascii, LANG=C on old systems): one ASCII
# character for one, so that columns stay aligned.
ASCII_FALLBACK = str.maketrans(
    {
        **dict.fromkeys("─━", "-"),
        **dict.fromkeys("│┃", "|"),
        **dict.fromkeys("┌┐└┘├┤┬┴┼┏┓┡┩┳╇", "+"),
        "█": "#",
        **dict.fromkeys("▏▎▍▌▋▊▉", "+"),
        "↳": ">",
        "×": "x",
        "…": ".",
        "→": ">",
        "≈": "~",
        "−": "-",
    }
)


def _encodable(text: str) -> str:
    """``text`` as stdout's encoding can write it: box drawing as ASCII, anything else escaped (with a warning)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        pass
    text = text.translate(ASCII_FALLBACK)
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding)
        warn(
            [
                f"stdout's encoding ({encoding}) cannot show some characters; they are written as \\u escapes "
                "(set PYTHONIOENCODING=utf-8 to see them)"
            ]
        )
    except LookupError:
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text


def emit(text: str) -> None:
    """Write ``text`` to stdout; a closed pipe stops quietly, a full disk is the user's to fix."""
    text = _encodable(text)
    try:
        _write_all(text)
    except BrokenPipeError:  # raised past Typer, which would exit 1 on it
        from effcli.interrupts import Stop

        raise Stop(141, None) from None
    except OSError as exc:  # e.g. stdout on a full disk
        raise stdout_failed(exc) from None


def _write_all(text: str) -> None:
    """Write every byte: an unbuffered stdout (PYTHONUNBUFFERED=1) drops what a short write left over."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    data = memoryview(text.encode(getattr(stream, "encoding", None) or "utf-8"))
    while data:
        written = buffer.write(data)
        if written is None:  # a non-blocking stdout that is full: wait until it takes more
            import select

            select.select([], [buffer], [])
            continue
        data = data[written:]
    buffer.flush()


def silence_stdout() -> None:
    """Point fd 1 at /dev/null, so that the interpreter's last flush of stdout cannot fail a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except (OSError, ValueError):
        pass


def stdout_failed(exc: OSError) -> EffcliError:
    """stdout cannot be written (full disk, I/O error): one error naming stdout; later flushes go to /dev/null."""
    from effcli.files import os_error

    silence_stdout()
    return os_error(exc, "stdout", doing="cannot write the output")


def warn(messages: Iterable[str], *, prefix: str = "") -> None:
    """Each message as one ``Warning: ...`` line on stderr (``prefix``: the model it concerns)."""
    for message in messages:
        print(f"Warning: {prefix}{message}", file=sys.stderr)


def reports_for(
    targets: Iterable[str],
    resolution: str | None,
    *,
    engine: str,
    force: bool,
    pyramid: str = "keras",
    cache: bool = True,
    classes: int | None = None,
    prefix: bool = True,
) -> list:
    """The report of each target (effcli.tools.sources.report_for), its warnings printed as they come, each
    prefixed with the model's name when ``prefix`` (several models in one answer)."""
    from effcli.tools.sources import report_for

    reports = []
    for target in targets:
        report = report_for(
            target, resolution, engine=engine, force=force, pyramid=pyramid, cache=cache, classes=classes
        )
        warn(report.warnings, prefix=f"{report.name}: " if prefix else "")
        reports.append(report)
    return reports


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
    force: bool = False,
) -> None:
    """Build the document with ``view`` (given effcli.render.views), print it in the format's writer, and save
    what the table writer printed if asked (``title``: the SVG's window title; ``force``: --force given).

    The files are written before stdout, so that a closed or full stdout loses none of them."""
    from effcli.files import write_text_atomic
    from effcli.render import get_writer, views

    color = format is Format.table and _wants_color()
    writer: Any = get_writer(format.value, color=color, width=output_width(), wide=wide)
    text = writer.write(view(views))
    if svg is not None:
        write_text_atomic(svg, writer.export_svg(title), force=force, option="--svg")
        print(f"Saved the table as {svg}", file=sys.stderr)
    if html is not None:
        write_text_atomic(html, writer.export_html(), force=force, option="--html")
        print(f"Saved the table as {html}", file=sys.stderr)
    emit(text)  # after the files: a closed stdout must not lose them
