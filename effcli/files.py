"""Writing files safely: refuse to overwrite without --force, write atomically.

Every file effcli writes goes through :func:`atomic_target`: the content is
written to a temporary file in the destination folder and renamed over the
destination only when complete, so a failed build or Ctrl-C leaves no partial
file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from effcli.errors import EffcliError
from effcli.interrupts import raise_if_stopped


def check_target(path: Path, *, force: bool, option: str, suffixes: tuple[str, ...]) -> Path:
    """Validate an output path before any work is done."""
    if path.suffix.lower() not in suffixes:
        raise EffcliError(f"'{path}' must end in {' or '.join(suffixes)}", source=option)
    if path.is_dir():
        raise EffcliError(f"'{path}' is a directory; give a file name", source=option)
    parent = path.parent
    if not parent.is_dir():
        raise EffcliError(f"folder '{parent}' does not exist", source=option)
    if path.exists() and not force:
        raise EffcliError(f"'{path}' exists; use --force to overwrite it", source=option)
    if not os.access(parent, os.W_OK):
        raise EffcliError(f"folder '{parent}' is not writable", source=option)
    return path


@contextlib.contextmanager
def atomic_target(path: Path):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on failure it is removed."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        raise_if_stopped()  # Ctrl-C during the write, even if the writer swallowed it: keep nothing
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; an output is an ordinary file
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_target(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
