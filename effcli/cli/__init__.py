"""effcli's command line: parse options, call one function of the core, hand the result to a view and a writer.

``application`` holds the Typer app and turns failures into exit codes, ``registry`` names the commands and
the module of each, ``options`` the options several commands share, ``output`` printing and warnings,
``commands`` the commands themselves (one module each) and ``drawing`` the ones that draw (draw, chart,
report). No maths here. A command's module is imported only when that command runs.
"""

from __future__ import annotations

from effcli.cli.application import app


def main() -> None:
    """Console-script entry point."""
    app(prog_name="effcli")


__all__ = ["app", "main"]
