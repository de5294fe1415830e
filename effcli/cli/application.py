"""The Typer application and the one place where failures become exit codes.

Results go to stdout; warnings and errors to stderr. A user mistake is one
``Error: ...`` line and exit code 2; an unexpected failure is one line and exit
code 1 (``EFFCLI_DEBUG=1`` shows the traceback); Ctrl-C is 130, SIGTERM 143, a
closed pipe 141 without a word.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from effcli import __version__
from effcli.errors import EffcliError


def examples(*commands: str) -> str:
    """A help epilog: each example on a line of its own, so that no terminal width breaks one in the middle."""
    return "Examples:\n" + "\n".join(commands)


def prose(text: str | None) -> str | None:
    """A docstring as help text: paragraphs kept, the source's line breaks inside a paragraph joined.

    Rich help keeps every newline, so a docstring wrapped at 80 columns in the
    source would come out ragged in any other width.
    """
    if text is None:
        return None
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


EPILOG = examples(
    "effcli summary efficientnetv2_b2",
    "effcli summary b0 --resolution native",
    "effcli summary tiny_v2 --format json",
    "effcli summary EfficientNetB3",
)


class EffcliGroup(TyperGroup):
    """Runs the Typer app and turns every failure into one line on stderr."""

    def main(  # type: ignore[override]  # never returns: exits with the code of run_guarded
        self, args: Any = None, prog_name: Any = None, complete_var: Any = None, **extra: Any
    ) -> Any:
        extra.pop("standalone_mode", None)
        code = run_guarded(
            lambda: super(EffcliGroup, self).main(
                args=args,
                prog_name=prog_name or "effcli",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        )
        sys.exit(code)


def _error(message: str) -> None:
    message = " ".join(str(message).split())
    print(f"Error: {message}", file=sys.stderr)


def run_guarded(function: Callable[[], Any]) -> int:
    """Run ``function``; return its exit code, turning every failure into one line on stderr."""
    from effcli.interrupts import Stop, handled, raise_if_stopped

    try:
        with handled():
            result = function()
            raise_if_stopped()  # a signal that some library swallowed still stops us
    except Stop as stop:
        if stop.code == 141:
            _silence_broken_pipe()
        elif stop.message:
            print(stop.message, file=sys.stderr)
        return stop.code
    except EffcliError as exc:
        _error(str(exc))
        return exc.exit_code
    except typer.exceptions.TyperException as exc:  # click usage errors: bad option, missing argument
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        _error(exc.format_message() + hint)
        return getattr(exc, "exit_code", 2)
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`effcli ... | head`): stop quietly, as SIGPIPE would
        _silence_broken_pipe()
        return 141
    except Exception as exc:  # anything unexpected: one line unless debugging
        if os.environ.get("EFFCLI_DEBUG"):
            raise
        _error(f"unexpected {type(exc).__name__}: {exc} (set EFFCLI_DEBUG=1 for the traceback)")
        return 1
    return result if isinstance(result, int) else 0


def _silence_broken_pipe() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


app = typer.Typer(
    cls=EffcliGroup,
    name="effcli",
    help=(
        "Explore EfficientNet backbones (V2, V1, Lite, or your own YAML stage config): "
        "per-block parameters, output shapes and feature-pyramid levels, exact to the unit."
    ),
    epilog=EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"effcli {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[
        bool | None,
        typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = None,
) -> None:
    """Explore EfficientNet backbones."""
