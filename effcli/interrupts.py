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
import sys
import threading
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
_holding = 0  # depth of the main thread's holds (_open_hold): the handler records the signal instead of raising

# Temporary files being written. A Stop can land between any two bytecodes, even
# inside a `finally:` before its cleanup ran; run_guarded removes whatever is left here.
temporaries: set[Path] = set()


def _on_signal(signum, frame):
    global _pending
    _pending = Stop(130, "Interrupted.") if signum == signal.SIGINT else Stop(143, "Terminated.")
    if _holding:  # inside a hold: raised when it ends
        return
    raise _pending


def stop_requested() -> Stop | None:
    """The Stop a signal asked for since the handlers were installed (None if none)."""
    return _pending


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


_Hold = tuple[list | None, bool]  # the signal mask to restore (None where masks do not exist); in the main thread


def _open_hold() -> _Hold:
    """Start holding SIGINT / SIGTERM back in this thread.

    Only the main thread runs the handler, so only a hold there makes it record
    instead of raise; another thread's hold just keeps the signal from it.
    """
    global _holding
    main = threading.current_thread() is threading.main_thread()
    if main:
        _holding += 1
    if not hasattr(signal, "pthread_sigmask"):
        return None, main
    return list(signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)), main


def _close_hold(hold: _Hold, *, stop: bool = True) -> None:
    """End a hold; at the main thread's outermost one, raise the Stop that a signal asked for (if ``stop``)."""
    global _holding
    previous, main = hold
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    if main:
        _holding -= 1
        if stop and not _holding:
            raise_if_stopped()


@contextmanager
def extension_imports_held() -> Iterator[None]:
    """Hold signals from the moment a compiled module (numpy's, matplotlib's, TensorFlow's) is loaded until it has run.

    Loading a compiled module runs its C++ static constructors and its
    initialisation, and a multi-phase module (pybind11 3, matplotlib's) is only
    half made until its exec step has run as well. A Stop raised inside either
    step, or between them, leaves it half made: pybind11 reports "ImportError:
    initialization failed", and matplotlib's ft2font then aborts the interpreter
    at exit ("Fatal Python error: PyThreadState_Get": its table of enum
    specifications still holds Python objects that are freed after Python has
    shut down). So the hold opened by create_module is closed by the same
    module's exec_module, which importlib always calls next. Each module takes
    milliseconds (the longest, TensorFlow's core library, about a second), so a
    Ctrl-C waits at most that long and stops right after it.
    """
    from importlib.machinery import ExtensionFileLoader as Loader

    create, execute = Loader.create_module, Loader.exec_module
    opened: dict[int, _Hold] = {}  # id(module) -> its hold, closed once it has run

    def create_module(self, spec):
        hold = _open_hold()
        try:
            module = create(self, spec)
        except BaseException:
            _close_hold(hold)
            raise
        opened[id(module)] = hold
        return module

    def exec_module(self, module):
        hold = opened.pop(id(module)) if id(module) in opened else _open_hold()
        try:
            execute(self, module)
        finally:
            _close_hold(hold)

    Loader.create_module, Loader.exec_module = create_module, exec_module  # type: ignore[method-assign]
    try:
        yield
    finally:
        Loader.create_module, Loader.exec_module = create, execute  # type: ignore[method-assign]
        for hold in reversed(opened.values()):  # a module made but never run (nothing in importlib does that)
            _close_hold(hold, stop=False)


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
    unraisable = sys.unraisablehook

    def quiet_about_stops(report) -> None:
        """A Stop raised where Python can only ignore it (a weakref callback, a __del__): no "Exception ignored".

        The signal is remembered all the same, and raise_if_stopped raises it again
        before anything is published and when the command ends.
        """
        if not isinstance(report.exc_value, Stop):
            unraisable(report)

    sys.unraisablehook = quiet_about_stops
    try:
        with extension_imports_held():
            yield
    finally:
        sys.unraisablehook = unraisable
        for signum, handler in previous.items():
            signal.signal(signum, handler)
