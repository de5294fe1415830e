"""The ``effcli`` command's first module: signals are handled before anything heavy is imported.

Importing Typer, Rich and effcli's commands takes ~70 ms. A Ctrl-C or SIGTERM
in that window would otherwise print a KeyboardInterrupt traceback (or be
lost); here it ends the process at once with 130 / 143 and one line, since
nothing has been written yet. Once a command runs, effcli.interrupts takes
over (temporary files are removed on the way out).

The handlers are installed when this module is imported, with modules the
interpreter has already loaded (``_signal``, ``os``, ``sys``), so the window
left is the interpreter's own start-up and the import of this file.
"""

import _signal  # type: ignore[import-not-found]  # the C half of signal, loaded at start-up
import os
import sys


def _early_exit(signum: int, frame: object) -> None:
    interrupted = signum == _signal.SIGINT
    interrupts = sys.modules.get("effcli.interrupts")  # after a command: a temporary file it may have left
    if interrupts is not None:
        try:  # noqa: SIM105  # (contextlib is not loaded yet: this module imports nothing new)
            interrupts.remove_temporaries()
        except Exception:  # exiting anyway
            pass
    try:  # noqa: SIM105
        os.write(2, b"Interrupted.\n" if interrupted else b"Terminated.\n")
    except OSError:
        pass
    os._exit(130 if interrupted else 143)


_signal.signal(_signal.SIGINT, _early_exit)
_signal.signal(_signal.SIGTERM, _early_exit)


def main() -> None:
    """Console-script entry point (``effcli``, ``python -m effcli``)."""
    from effcli.cli import main as run

    run()


if __name__ == "__main__":
    main()
