"""Typer's Rich help, loaded without the parts effcli's help never uses.

``typer.rich_utils`` imports ``rich.markdown`` (with markdown-it) and ``rich.traceback`` (with Pygments)
at the top, about 35 ms together, though it uses them only for ``rich_markup_mode="markdown"`` (effcli
uses ``"rich"``) and for pretty tracebacks (effcli prints one ``Error:`` line). ``load_rich_utils`` imports
``typer.rich_utils`` with those two names deferred: each is a stand-in that imports the real module the
first time it is called or asked for an attribute. The help itself is Typer's own code, unchanged.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

DEFERRED = ("rich.markdown", "rich.traceback")


class _Deferred(type):
    """The metaclass of a stand-in: calling it or reading an attribute imports the real class."""

    def _real(cls) -> Any:
        from importlib import import_module

        return getattr(import_module(cls.__module__), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._real(), name)


def _stand_in(module: str) -> ModuleType:
    stand_in = ModuleType(module)

    def attribute(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Deferred(name, (), {"__module__": module})

    stand_in.__getattr__ = attribute  # type: ignore[method-assign]
    return stand_in


def load_rich_utils() -> None:
    """Import ``typer.rich_utils`` with ``rich.markdown`` and ``rich.traceback`` deferred (see the module)."""
    if "typer.rich_utils" in sys.modules:
        return
    placed = [name for name in DEFERRED if name not in sys.modules]
    for name in placed:
        sys.modules[name] = _stand_in(name)
    try:
        import typer.rich_utils  # noqa: F401
    finally:
        for name in placed:  # a later `import rich.markdown` gets the real module
            del sys.modules[name]
