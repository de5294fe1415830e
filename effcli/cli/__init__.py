"""effcli's command line: parse options, call one function of the core, hand the result to a view and a writer.

``application`` holds the Typer app and turns failures into exit codes,
``options`` the options several commands share, ``output`` printing and
warnings, ``commands`` the commands themselves. No maths here.
"""

from __future__ import annotations

from effcli.cli import commands as _commands  # noqa: F401  (registers the commands on the app)
from effcli.cli.application import app


def main() -> None:
    """Console-script entry point."""
    app(prog_name="effcli")


__all__ = ["app", "main"]
