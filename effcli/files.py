"""Files in and out: never clobber, never hang, never leave a partial file; every OS error names its file.

Outputs. Every file effcli writes goes through :func:`atomic_target`: the
content is written to a temporary file in the destination folder and put in
place only when complete, so a failed build or Ctrl-C leaves no partial file.
Without ``--force`` the final name is created exclusively (a hard link of the
finished temporary file, which fails if the name exists): a file that appeared
while effcli was working (another program, a parallel effcli) is never
replaced. With ``--force`` the temporary file is renamed over the target.

Inputs. :func:`open_input` opens without blocking and checks the type and size
on the open descriptor before reading a byte, so a FIFO, a device or a huge
file is refused at once instead of hanging or filling memory.

:func:`os_error` is the one mapping from an OS error to a user's error (exit
code 2) naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from effcli.errors import EffcliError
from effcli.interrupts import deferred, raise_if_stopped, temporaries

_REASONS = {
    errno.ENOENT: "no such file",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
    errno.ENAMETOOLONG: "file name too long for the file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EFBIG: "file too large for the file system",
    errno.EIO: "input/output error",
    errno.EEXIST: "exists",
    errno.ENXIO: "no reader or device behind this file",
}


def os_error(exc: OSError | ValueError, source: str, *, doing: str = "") -> EffcliError:
    """An OS error (or a path no file system accepts: ValueError) as a user's error naming ``source``."""
    if isinstance(exc, OSError):
        reason = _REASONS.get(exc.errno or -1) or (exc.strerror or str(exc)).lower()
    else:
        reason = "not a valid file name" if "null" in str(exc).lower() else str(exc)
    return EffcliError(f"{doing}{': ' if doing else ''}{reason}", source=source)


# --------------------------------------------------------------------------- inputs


def open_input(path: Path, *, source: str, max_bytes: int, what: str) -> int:
    """Open ``path`` for reading without blocking; return the descriptor of a regular file of at most ``max_bytes``.

    ``what`` names what was expected ("a YAML config file", "a .keras model"). A
    FIFO, socket or device is refused without waiting for a writer; the size is
    read from the open descriptor, so the checked file is the file read.
    """
    if str(path) in ("", "."):
        raise EffcliError(f"an empty name; give a preset name or the path of {what}", source=repr(source))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EISDIR:
            raise EffcliError(f"is a directory, expected {what}", source=source) from None
        raise os_error(exc, source, doing="cannot read") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise EffcliError(f"is a directory, expected {what}", source=source)
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
            raise EffcliError(f"is {kind}, not a regular file; expected {what}", source=source)
        if info.st_size > max_bytes:
            raise EffcliError(f"too large for {what} ({info.st_size:,} bytes; at most {max_bytes:,})", source=source)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_input(path: Path, *, source: str, max_bytes: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (checked before and while reading)."""
    fd = open_input(path, source=source, max_bytes=max_bytes, what=what)
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(max_bytes + 1)  # the file may grow between fstat and read
    except OSError as exc:
        raise os_error(exc, source, doing="cannot read") from None
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise EffcliError(f"too large for {what} (more than {max_bytes:,} bytes)", source=source)
    return raw


# --------------------------------------------------------------------------- outputs


def check_target(path: Path, *, force: bool, option: str, suffixes: tuple[str, ...]) -> Path:
    """Validate an output path before any work is done (the final check is the exclusive create at the end)."""
    if path.suffix.lower() not in suffixes:
        raise EffcliError(f"'{path}' must end in {' or '.join(suffixes)}", source=option)
    try:
        if path.is_dir():
            raise EffcliError(f"'{path}' is a directory; give a file name", source=option)
        parent = path.parent
        if not parent.is_dir():
            raise EffcliError(f"folder '{parent}' does not exist", source=option)
        if (path.exists() or path.is_symlink()) and not force:
            raise EffcliError(f"'{path}' exists; use --force to overwrite it", source=option)
        if not os.access(parent, os.W_OK):
            raise EffcliError(f"folder '{parent}' is not writable", source=option)
        _check_name_length(path)
    except (OSError, ValueError) as exc:
        raise os_error(exc, f"{option}: '{path}'") from None
    return path


def _check_name_length(path: Path) -> None:
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    if len(os.fsencode(path.name)) > limit:
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), str(path))


def _temporary_name(path: Path) -> Path:
    """A hidden name beside ``path``, short for any legal ``path``, with its suffix (Keras saves only to .keras)."""
    return path.with_name(f".{path.name[:40]}.{os.urandom(4).hex()}.tmp{path.suffix[:20]}")


@contextlib.contextmanager
def atomic_target(path: Path, *, force: bool, option: str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it becomes ``path``, on failure it is removed.

    Without ``force`` the final name is created exclusively: if ``path`` exists
    by then (it appeared while effcli worked), nothing is replaced and the
    error says so. Every OS error (full disk, permissions) names ``path``.
    """
    source = f"{option}: '{path}'"
    temporary = _temporary_name(path)
    with deferred():  # registered and created as one step: a Ctrl-C cannot fall between the two
        temporaries.add(temporary)
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            os.close(fd)
        except OSError as exc:
            temporaries.discard(temporary)
            raise os_error(exc, source, doing="cannot write") from None
    try:
        try:
            yield temporary
        except OSError as exc:
            raise os_error(exc, source, doing="cannot write") from None
        raise_if_stopped()  # Ctrl-C during the write, even if the writer swallowed it: keep nothing
        with deferred():  # published whole or not at all
            _publish(temporary, path, force=force, source=source)
    finally:
        with deferred():
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            temporaries.discard(temporary)


def _publish(temporary: Path, path: Path, *, force: bool, source: str) -> None:
    try:
        if force:
            os.replace(temporary, path)
            return
        try:
            os.link(temporary, path)  # atomic and exclusive: fails if path exists, whoever made it
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
                _copy_exclusive(temporary, path)  # a file system without hard links
            else:
                raise
    except FileExistsError:
        raise EffcliError(
            f"'{path}' was created by another program while effcli was working; it was left alone "
            "and nothing was written (use --force to overwrite it)",
            source=source.split(":")[0],
        ) from None
    except OSError as exc:
        raise os_error(exc, source, doing="cannot write") from None


def _copy_exclusive(temporary: Path, path: Path) -> None:
    """Create ``path`` exclusively and copy ``temporary`` into it; a failed copy removes what it created."""
    import shutil

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as target, open(temporary, "rb") as source:
            shutil.copyfileobj(source, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def write_text_atomic(path: Path, text: str, *, force: bool, option: str) -> None:
    with atomic_target(path, force=force, option=option) as temporary:
        temporary.write_text(text, encoding="utf-8")
