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
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from effcli import __version__
from effcli.errors import EffcliError

if TYPE_CHECKING:
    from effcli.interrupts import Stop


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
    """Runs the Typer app and turns every failure into one line on stderr.

    The commands are loaded on demand: ``effcli X`` imports X's module only (the table in
    :mod:`effcli.cli.registry`), and the list in ``effcli --help`` comes from that table.
    """

    _listing = False  # inside format_help: commands stand in for themselves with their table line

    def list_commands(self, ctx: Any) -> list[str]:
        from effcli.cli.registry import COMMANDS

        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        from effcli.cli.registry import COMMANDS

        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, line = COMMANDS[cmd_name]
            if self._listing:
                from typer.core import TyperCommand

                return TyperCommand(name=cmd_name, help=line)
            self.commands[cmd_name] = _load_command(cmd_name, module)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Typer's, with "Did you mean" drawn from every command rather than from the ones loaded so far."""
        from difflib import get_close_matches

        suggest, self.suggest_commands = self.suggest_commands, False
        try:
            return super().resolve_command(ctx, args)
        except typer.exceptions.TyperException as error:  # click's UsageError: no such command
            matches = get_close_matches(args[0], self.list_commands(ctx)) if suggest and args else []
            if matches and isinstance(getattr(error, "message", None), str):
                error.message = f"{error.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise
        finally:
            self.suggest_commands = suggest

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from effcli.cli.typer_help import load_rich_utils

        load_rich_utils()
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def main(  # type: ignore[override]  # never returns: exits with the code of run_guarded
        self, args: Any = None, prog_name: Any = None, complete_var: Any = None, **extra: Any
    ) -> Any:
        extra.pop("standalone_mode", None)
        bound_columns()
        if not (sys.argv[1:] if args is None else args):  # `effcli` alone: the help, and no error after it
            args = ["--help"]
        if any(arg in ("--help", "-h") for arg in (sys.argv[1:] if args is None else args)):
            from effcli.cli.typer_help import load_rich_utils

            load_rich_utils()
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


def _load_command(name: str, module: str) -> Any:
    """Import the module that defines command ``name`` and turn what it registered on ``app`` into a click command."""
    from importlib import import_module

    import typer.main

    import_module(module)
    for info in app.registered_commands:
        callback = info.callback
        if (info.name or typer.main.get_command_name(getattr(callback, "__name__", ""))) == name:
            if info.help is None and callback is not None:
                info.help = prose(inspect.getdoc(callback))
            return typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
    for group in app.registered_groups:
        if group.name == name and group.typer_instance is not None:
            for info in group.typer_instance.registered_commands:
                if info.help is None and info.callback is not None:
                    info.help = prose(inspect.getdoc(info.callback))
            return typer.main.get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
    raise LookupError(f"{module} defines no command {name!r}")  # the registry and the modules disagree


def _shortened(message: str) -> str:
    """Click quotes the value it refused in full; a 5000-digit value is cut to its first 40 characters."""
    import re

    return re.sub(r"'([^']{40})[^']{4,}'", r"'\1...'", message)


def _error(message: str) -> None:
    message = " ".join(str(message).split())
    print(f"Error: {message}", file=sys.stderr)


def bound_columns() -> None:
    """Keep COLUMNS within what a table can use, for effcli's writers and for Typer's help alike.

    Rich lays the help out at COLUMNS; COLUMNS=100000000 would take tens of seconds
    and hundreds of MB. A value that is not a number is dropped (the terminal's width is used).
    """
    columns = os.environ.get("COLUMNS")
    if columns is None:
        return
    from effcli.cli.output import MAX_WIDTH, MIN_WIDTH

    text = columns.strip()
    if text.isascii() and text.isdigit():
        os.environ["COLUMNS"] = str(min(max(int(text[-12:]) if len(text) <= 12 else MAX_WIDTH, MIN_WIDTH), MAX_WIDTH))
    else:
        del os.environ["COLUMNS"]


class _GuardedStdout:
    """sys.stdout for the duration of a command: a closed pipe or a closed stdout becomes a quiet exit 141.

    Without it Typer turns a broken pipe into exit 1 (`effcli --help | true`), and a
    stdout closed by the shell (`>&-`, sys.stdout is None) fails on first use.
    """

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        from effcli.interrupts import Stop, raise_if_stopped

        raise_if_stopped()  # a signal that a library swallowed: print nothing more
        if self._stream is None:
            raise Stop(141, None)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise Stop(141, None) from None
        except OSError as exc:  # a full disk: one error, not Typer's exit 1
            from effcli.cli.output import stdout_failed

            raise stdout_failed(exc) from None

    def flush(self) -> None:
        from effcli.interrupts import Stop

        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise Stop(141, None) from None
        except OSError as exc:  # a full disk: one error, not Typer's exit 1
            from effcli.cli.output import stdout_failed

            raise stdout_failed(exc) from None

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def run_guarded(function: Callable[[], Any]) -> int:
    """Run ``function``; return its exit code, turning every failure into one line on stderr."""
    from effcli.interrupts import Stop, handled, raise_if_stopped, remove_temporaries, stop_requested

    stdout = sys.stdout
    if sys.stderr is None:  # stderr closed by the shell: messages go nowhere rather than fail
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115  # lives as long as the process
    try:
        with handled():
            sys.stdout = _GuardedStdout(stdout)
            try:
                try:
                    result = function()
                    sys.stdout.flush()
                finally:
                    sys.stdout = stdout
                raise_if_stopped()  # a signal that some library swallowed still stops us
            finally:
                remove_temporaries()  # what a Ctrl-C left between two steps of a cleanup
    except Stop as stop:
        return _stopped(stop)
    except EffcliError as exc:
        _error(str(exc))
        return exc.exit_code
    except typer.exceptions.TyperException as exc:  # click usage errors: bad option, missing argument
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        _error(_shortened(exc.format_message()) + hint)
        return getattr(exc, "exit_code", 2)
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`effcli ... | head`): stop quietly, as SIGPIPE would
        from effcli.cli.output import silence_stdout

        silence_stdout()
        return 141
    except OSError as exc:
        if exc.filename is None:  # not about a file the user named: unexpected
            return _unexpected(exc)
        from effcli.files import os_error

        _error(str(os_error(exc, str(exc.filename))))
        return 2
    except Exception as exc:  # anything unexpected: one line unless debugging
        requested = stop_requested()
        if requested is not None:  # a library turned the Stop into an error of its own (pybind11: ImportError)
            return _stopped(requested)
        return _unexpected(exc)
    return result if isinstance(result, int) else 0


def _stopped(stop: Stop) -> int:
    if stop.code == 141:
        from effcli.cli.output import silence_stdout

        silence_stdout()
    elif stop.message:
        print(stop.message, file=sys.stderr)
    return stop.code


def _unexpected(exc: Exception) -> int:
    if os.environ.get("EFFCLI_DEBUG"):
        raise exc
    _error(f"unexpected {type(exc).__name__}: {exc} (set EFFCLI_DEBUG=1 for the traceback)")
    return 1


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
