"""effcli's command line: parse options, call one function of the core, hand the result to a view and a writer.

``application`` holds the Typer app and turns failures into exit codes,
``options`` the options several commands share, ``output`` printing and
warnings, ``commands`` the commands themselves and ``drawing`` the ones that
draw (draw, chart, report). No maths here.
"""

from __future__ import annotations

import inspect

from effcli.cli import commands as _commands  # (registers the commands on the app)
from effcli.cli import drawing as _drawing  # noqa: F401  (registers draw, chart and report)
from effcli.cli.application import app, prose

for _typer in (app, _commands.cache_app):
    for _info in _typer.registered_commands:
        if _info.help is None and _info.callback is not None:
            _info.help = prose(inspect.getdoc(_info.callback))


def main() -> None:
    """Console-script entry point."""
    app(prog_name="effcli")


__all__ = ["app", "main"]
