"""Ctrl-C and SIGTERM as an exception that no `except Exception` swallows, remembered as well.

The handler raises :class:`Stop` to unwind the program (temporary files are
removed on the way out). Third-party code may still swallow it (a bare `except:`
deep inside a library), so the request is also remembered: :func:`raise_if_stopped`
re-raises it at the points that must not proceed, such as renaming a finished
temporary file into place.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


class Stop(BaseException):
    """Stop now with ``code``, printing ``message`` (None for a closed pipe: stop silently)."""

    def __init__(self, code: int, message: str | None):
        super().__init__(message)
        self.code = code
        self.message = message


_pending: Stop | None = None
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}

# Temporary files being written. A Stop can land between any two bytecodes, even
# inside a `finally:` before its cleanup ran; run_guarded removes whatever is left here.
temporaries: set[Path] = set()


def _on_signal(signum, frame):
    global _pending
    _pending = Stop(130, "Interrupted.") if signum == signal.SIGINT else Stop(143, "Terminated.")
    raise _pending


def raise_if_stopped() -> None:
    if _pending is not None:
        raise _pending


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT / SIGTERM back for the duration (a step that must happen whole, e.g. publishing a file).

    The signal is blocked in the kernel, so not even Python's handler runs; it is
    delivered when the block ends. A no-op where signal masks do not exist.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def remove_temporaries() -> None:
    """Remove the temporary files that an interrupted write left (signals held back meanwhile)."""
    with deferred():
        for path in list(temporaries):
            with suppress(OSError):
                os.unlink(path)
            temporaries.discard(path)


@contextmanager
def handled():
    """Install the SIGINT / SIGTERM handlers for the duration (main thread only)."""
    global _pending
    _pending = None
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        with suppress(ValueError):  # not the main thread (an embedding application): leave its handlers alone
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
