"""The measurement cache: a Keras build answered again without importing TensorFlow.

A Keras measurement depends only on the network (the block plan: every block's
settings and every layer's kind, channels, kernel, stride, padding, name), the
input shape, whether the weights are trainable, and the versions of effcli,
Keras and TensorFlow (plus the source of the Keras engine itself, so that a
changed checkout never answers with numbers read by older code). Its key is a
SHA-256 of exactly those: the model's name, description and source file are
not part of it, so the same network reached under another name (a YAML copy of
a preset, the output of `scale --save`) hits the same entry, and an upgrade of
any of the libraries misses. Nor is the pyramid convention: every pyramid tap is
the output of a block, so the pyramid shapes are read off the cached block
shapes, and `--pyramid timm` is answered by an entry stored for `--pyramid keras`.

Entries are JSON files named by their key, in the platform's cache folder
(``platformdirs.user_cache_dir("effcli")``; ``EFFCLI_CACHE_DIR`` moves it).
They are written to a temporary file and renamed into place, so a concurrent
reader sees a whole entry or none. An entry is trusted only when it parses,
carries the key it is filed under, and fits the plan block by block and layer by
layer (names and shapes); anything else (corrupt, truncated, foreign, from
another format version) is ignored, rebuilt and replaced. A cache folder that
cannot be read or written only costs the speed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from effcli import __version__
from effcli.core.plan import BackbonePlan, Shape
from effcli.core.report import BlockMeasure, Count, LayerMeasure, Measurements
from effcli.records import record

FORMAT = 1
SUFFIX = ".json"
TEMPORARY_PREFIX = ".tmp-"
ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json")  # what `cache info` counts and `cache clear` removes
MAX_ENTRY_BYTES = 64 * 2**20  # a real entry is small (EfficientNetV2-L: about 85 kB); a larger file is foreign
CACHED_ENGINE = "keras (cached build)"


def cache_dir() -> Path:
    """Where entries live: ``EFFCLI_CACHE_DIR``, else the platform's user cache folder for effcli."""
    override = os.environ.get("EFFCLI_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("effcli", appauthor=False)) / "measurements"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def _engine_source() -> str:
    """SHA-256 of keras_engine.py: a development checkout keeps its version number while the code changes."""
    try:
        return hashlib.sha256(Path(__file__).with_name("keras_engine.py").read_bytes()).hexdigest()
    except OSError:
        return "unknown"


def library_versions() -> dict[str, str]:
    """effcli's version, and Keras' and TensorFlow's read from package metadata (neither is imported)."""
    return {"effcli": __version__, "keras": _version("keras"), "tensorflow": _version("tensorflow")}


def _fields(instance: Any) -> dict[str, Any]:
    """A dataclass's fields, one level deep (``dataclasses.asdict`` deep-copies, several times slower)."""
    return {field.name: getattr(instance, field.name) for field in dataclasses.fields(instance)}


def key(plan: BackbonePlan) -> str:
    """SHA-256 of what decides the numbers: every block and layer, the input, trainability, versions.

    Not the model's name, description or source, nor the pyramid convention (see the module's docstring).
    """
    content = {
        "format": FORMAT,
        "family": plan.info.family,
        "input_shape": list(plan.input_shape),
        "trainable": plan.info.trainable,
        "blocks": [{**_fields(block), "layers": [_fields(layer) for layer in block.layers]} for block in plan.blocks],
        "versions": library_versions(),
        "engine_source": _engine_source(),
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_path(plan: BackbonePlan) -> Path:
    """The file the entry of ``plan`` is (or would be) stored in."""
    return cache_dir() / (key(plan) + SUFFIX)


# --------------------------------------------------------------------------- reading and writing


def _number(value: Any) -> int:
    if type(value) is not int or value < 0:  # bool is an int subclass: refuse true/false too
        raise ValueError("not a count")
    return value


def _count(data: Any) -> Count:
    if not isinstance(data, list) or len(data) != 2:
        raise ValueError("not a count pair")
    return Count(_number(data[0]), _number(data[1]))


def _shape(data: Any, expected: tuple[int, ...]) -> tuple[int, ...]:
    """The stored shape, which must be the one the plan predicts (the tests prove Keras agrees)."""
    if not isinstance(data, list) or tuple(_number(d) for d in data) != expected:
        raise ValueError("another shape")
    return expected


def _decode(data: Any, plan: BackbonePlan, entry_key: str) -> Measurements:
    """Measurements from a parsed entry; ValueError/TypeError/KeyError unless it fits the plan exactly."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != entry_key:
        raise ValueError("another format or key")
    blocks = []
    for block, stored in zip(plan.blocks, data["blocks"], strict=True):
        if stored["name"] != block.name:
            raise ValueError("another network")
        layers = []
        for layer, item in zip(block.layers, stored["layers"], strict=True):
            if item["name"] != layer.name:
                raise ValueError("another network")
            shape = _shape(item["shape"], layer.output_shape)
            layers.append(
                LayerMeasure(
                    name=layer.name, count=_count(item["count"]), output_shape=shape, macs=_number(item["macs"])
                )
            )
        output_shape: Shape = block.output_shape
        _shape(stored["shape"], output_shape)
        blocks.append(BlockMeasure(block.name, _count(stored["count"]), output_shape, tuple(layers)))
    # Every pyramid tap is a block's output (pyramid_taps), so its shape is that block's measured shape.
    by_name = {plan_block.name: (plan_block, measure) for plan_block, measure in zip(plan.blocks, blocks, strict=True)}
    pyramid = []
    for tap in plan.pyramid:
        plan_block, measure = by_name[tap.block]
        if tap.layer != plan_block.output_layer:
            raise ValueError("a pyramid tap inside a block")
        pyramid.append(measure.output_shape)
    return Measurements(engine=CACHED_ENGINE, blocks=tuple(blocks), pyramid_shapes=tuple(pyramid))


def _encode(measured: Measurements, entry_key: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "key": entry_key,
        "versions": library_versions(),
        "blocks": [
            {
                "name": block.name,
                "count": [block.count.trainable, block.count.non_trainable],
                "shape": list(block.output_shape),
                "layers": [
                    {
                        "name": layer.name,
                        "count": [layer.count.trainable, layer.count.non_trainable],
                        "shape": list(layer.output_shape),
                        "macs": layer.macs,
                    }
                    for layer in block.layers
                ],
            }
            for block in measured.blocks
        ],
    }


def load(plan: BackbonePlan) -> Measurements | None:
    """The cached Keras measurements of ``plan``, or None (missing, unreadable, corrupt or foreign)."""
    entry_key = key(plan)
    path = cache_dir() / (entry_key + SUFFIX)
    try:
        # O_NONBLOCK: a FIFO planted under an entry's name reads as empty instead of hanging
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(descriptor, "rb") as handle:
            raw = handle.read(MAX_ENTRY_BYTES + 1)
        if len(raw) > MAX_ENTRY_BYTES:
            return None
        return _decode(json.loads(raw), plan, entry_key)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def store(plan: BackbonePlan, measured: Measurements) -> bool:
    """Save ``measured`` for ``plan``; False (and nothing left behind) when the folder cannot take it."""
    from effcli.interrupts import raise_if_stopped

    entry_key = key(plan)
    entry = _encode(measured, entry_key)
    try:
        _decode(entry, plan, entry_key)  # what would not be trusted on reading is not written
    except (ValueError, TypeError, KeyError):
        return False
    folder = cache_dir()
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=SUFFIX, dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(entry, out, separators=(",", ":"))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; a shared EFFCLI_CACHE_DIR follows the umask
        raise_if_stopped()  # a build interrupted (and swallowed by TensorFlow) is never stored
        os.replace(temporary, folder / (entry_key + SUFFIX))
        temporary = None
        return True
    except (OSError, ValueError, TypeError):
        return False
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


# --------------------------------------------------------------------------- cache info / clear


@record
class CacheInfo:
    folder: Path
    entries: int
    bytes: int
    exists: bool

    def to_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "exists": self.exists, "entries": self.entries, "bytes": self.bytes}


def _files(folder: Path, *, temporaries: bool) -> list[Path]:
    """The entries in ``folder`` (and the temporary files of writes, if asked); never anything else."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    wanted = [
        name
        for name in names
        if ENTRY_NAME.fullmatch(name) or (temporaries and name.startswith(TEMPORARY_PREFIX) and name.endswith(SUFFIX))
    ]
    return [folder / name for name in wanted if (folder / name).is_file()]


def info() -> CacheInfo:
    folder = cache_dir()
    entries = _files(folder, temporaries=False)
    size = 0
    for entry in entries:
        with contextlib.suppress(OSError):
            size += entry.stat().st_size
    return CacheInfo(folder=folder, entries=len(entries), bytes=size, exists=folder.is_dir())


def clear() -> int:
    """Remove every entry (and stray temporary files); returns how many entries were removed.

    Only effcli's own files go: a folder EFFCLI_CACHE_DIR points at keeps everything else.
    """
    from effcli.errors import EffcliError

    folder = cache_dir()
    removed = 0
    for entry in _files(folder, temporaries=True):
        try:
            entry.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise EffcliError(f"cannot remove {entry.name}: {exc.strerror or exc}", source=str(folder)) from None
        if ENTRY_NAME.fullmatch(entry.name):
            removed += 1
    return removed
