"""The checks on a saved .keras file before Keras is imported or the model loaded.

A ``.keras`` file is a zip archive holding ``config.json`` (the layers and their
settings) and ``model.weights.h5``. Keras reads ``config.json`` whole, builds every
layer it declares (allocating its weights) and then reads the weights, so a file
of a few megabytes can declare gigabytes: a ``config.json`` that inflates to 2 GiB,
a Conv2D with 24,000,000 filters, 100,000 layers. :func:`check_saved_model` reads
only the zip's directory and a bounded ``config.json``, and refuses, in
milliseconds and with one line naming the file:

- what is not a regular file, is larger than ``MAX_KERAS_FILE_BYTES`` or is not a
  zip archive (``effcli.files.open_input`` for the first two);
- a zip whose directory, member count, declared member sizes, total size or
  compression ratio is beyond the ``MAX_KERAS_*`` limits of
  :mod:`effcli.core.limits` (decompression bombs);
- a ``config.json`` that is not a functional or Sequential model, or has more than
  ``MAX_KERAS_LAYERS`` layers (counted through nested models), or a layer whose
  filters, units, kernel size or channels are beyond the bounds a YAML config has;
- a model that is not a 2-D image backbone: an input that is not
  (batch, height, width, channels), a 1-D / 3-D layer (Conv1D, Conv3D, ...), a layer
  of a kind no image backbone has (Embedding, LSTM, attention, ...), no Conv2D;
- a model whose parameters, estimated from the declared layers, exceed the Keras
  build guard's limits (``effcli.engines.guard``: 2e9 parameters, or more memory
  than is available), unless forced.

Import-light: the standard library and effcli's small modules only.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from effcli.core.limits import (
    KERAS_COMPRESSION_RATIO_FLOOR,
    MAX_CHANNELS,
    MAX_FILTERS,
    MAX_KERAS_COMPRESSION_RATIO,
    MAX_KERAS_CONFIG_BYTES,
    MAX_KERAS_DIRECTORY_BYTES,
    MAX_KERAS_FILE_BYTES,
    MAX_KERAS_LAYERS,
    MAX_KERAS_MEMBER_BYTES,
    MAX_KERAS_MEMBERS,
    MAX_KERAS_NESTING,
    MAX_KERAS_UNCOMPRESSED_BYTES,
    MAX_KERAS_WEIGHTS_BYTES,
    MAX_KERNEL,
    MAX_RESOLUTION,
)
from effcli.engines.guard import BYTES_PER_LAYER, MAX_KERAS_PARAMS, TENSORFLOW_BYTES, available_memory
from effcli.errors import EffcliError
from effcli.files import open_input, os_error

WHAT = "a .keras model"
CONFIG_MEMBER = "config.json"
WEIGHTS_MEMBER = "model.weights.h5"
BYTES_PER_PARAM = 4  # float32 variables, created by Keras when it builds a layer

NOT_A_ZIP = "cannot load the model: not a .keras file (not a zip archive)"
NOT_A_BACKBONE = "not a 2-D image backbone"

_MODELS = frozenset({"Functional", "Sequential", "Model"})
# Layers with weights, each with its parameter estimate below (_params).
_WEIGHTED = frozenset(
    {
        "Conv2D",
        "Conv2DTranspose",
        "DepthwiseConv2D",
        "SeparableConv2D",
        "Dense",
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "Normalization",
        "EfficientNetV2Block",  # effcli's own block layer (non-portable builds)
    }
)
_CONV2D = frozenset({"Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "EfficientNetV2Block"})
# Layers without weights an image model may hold (Keras 3 names).
_WEIGHTLESS = frozenset(
    {
        "InputLayer",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "ELU",
        "Softmax",
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Concatenate",
        "Dropout",
        "SpatialDropout2D",
        "GaussianDropout",
        "GaussianNoise",
        "AlphaDropout",
        "ActivityRegularization",
        "Identity",
        "Flatten",
        "Reshape",
        "Permute",
        "ZeroPadding2D",
        "Cropping2D",
        "UpSampling2D",
        "MaxPooling2D",
        "AveragePooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "UnitNormalization",
        "Rescaling",
        "Resizing",
        "CenterCrop",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomCrop",
        "RandomContrast",
        "RandomBrightness",
    }
)
_OTHER_RANK = re.compile(r"[13]D(Transpose)?$")  # Conv1D, Conv3D, MaxPooling3D, ZeroPadding1D, ...

# End-of-central-directory records (PKWARE APPNOTE 4.3.16, 4.3.14, 4.3.15).
_END = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_END64 = struct.Struct("<4sQ2H2L4Q")
_END64_SIGNATURE = b"PK\x06\x06"


@dataclass
class Declared:
    """What a saved model's config.json declares: counted before anything is loaded."""

    layers: int = 0
    params: int = 0
    weights_bytes: int = 0
    input_shape: tuple | None = None  # (batch, height, width, channels) as declared, or None if not declared
    classes: set[str] = field(default_factory=set)


def _mib(value: int) -> str:
    return f"{value / 2**20:,.0f} MiB" if value < 2**30 else f"{value / 2**30:,.0f} GiB"


def _gb(value: int) -> str:
    return f"{value / 2**30:.1f} GB"


# --------------------------------------------------------------------------- the zip archive


def _directory(handle: IO[bytes], size: int) -> tuple[int, int]:
    """(member count, central directory bytes) as the end records declare them, found as zipfile finds them."""
    tail_size = min(size, _END.size + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or len(tail) - at < _END.size:
        raise ValueError("no end record")
    _, _, _, _, members, directory, _, _ = _END.unpack_from(tail, at)
    locator_at = size - tail_size + at - _END64_LOCATOR.size
    if locator_at >= _END64.size:
        handle.seek(locator_at - _END64.size)
        data = handle.read(_END64.size + _END64_LOCATOR.size)
        if data[_END64.size : _END64.size + 4] == _END64_LOCATOR_SIGNATURE and data[:4] == _END64_SIGNATURE:
            record = _END64.unpack_from(data)
            members, directory = max(members, record[7]), max(directory, record[8])
    return members, directory


def _check_members(zf: zipfile.ZipFile, source: str) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_KERAS_MEMBERS:
        raise EffcliError(
            f"the archive has {len(infos):,} members; a .keras model has at most {MAX_KERAS_MEMBERS:,}", source=source
        )
    members = {info.filename: info for info in infos}
    if CONFIG_MEMBER not in members:
        raise EffcliError(f"not a .keras model: the archive has no {CONFIG_MEMBER}", source=source)
    total = 0
    for info in infos:
        limit = {CONFIG_MEMBER: MAX_KERAS_CONFIG_BYTES, WEIGHTS_MEMBER: MAX_KERAS_WEIGHTS_BYTES}.get(
            info.filename, MAX_KERAS_MEMBER_BYTES
        )
        if info.file_size > limit:
            raise EffcliError(
                f"its {info.filename!r} declares {info.file_size:,} bytes uncompressed; "
                f"at most {limit:,} ({_mib(limit)}) in a .keras model",
                source=source,
            )
        if info.file_size > KERAS_COMPRESSION_RATIO_FLOOR and info.file_size > MAX_KERAS_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise EffcliError(
                f"its {info.filename!r} expands from {info.compress_size:,} to {info.file_size:,} bytes, "
                f"more than {MAX_KERAS_COMPRESSION_RATIO}:1 (a decompression bomb?); "
                "Keras stores a model uncompressed",
                source=source,
            )
        total += info.file_size
    if total > MAX_KERAS_UNCOMPRESSED_BYTES:
        raise EffcliError(
            f"its members declare {total:,} bytes uncompressed in all; at most {MAX_KERAS_UNCOMPRESSED_BYTES:,} "
            f"({_mib(MAX_KERAS_UNCOMPRESSED_BYTES)}) in a .keras model",
            source=source,
        )
    return members


def read_member(zf: zipfile.ZipFile, name: str, limit: int, source: str) -> bytes:
    """A member's bytes, at most ``limit`` of them whatever its header declares."""
    info = zf.getinfo(name)
    if info.flag_bits & 0x1:
        raise EffcliError(f"its {name!r} is encrypted; a .keras model is not", source=source)
    if info.file_size > limit:
        raise EffcliError(f"its {name!r} declares {info.file_size:,} bytes; at most {limit:,}", source=source)
    try:
        with zf.open(info) as member:
            raw = member.read(limit + 1)  # the header can lie: never more than limit + 1 bytes
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EffcliError(f"its {name!r} cannot be read ({detail})", source=source) from None
    if len(raw) > limit:
        raise EffcliError(f"its {name!r} holds more than {limit:,} bytes ({_mib(limit)})", source=source)
    return raw


def _read_config(path: Path, source: str) -> tuple[dict[str, Any], int]:
    """config.json, parsed (bounded), and the declared size of the weights member."""
    fd = open_input(path, source=source, max_bytes=MAX_KERAS_FILE_BYTES, what=WHAT)
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            size = os.fstat(fd).st_size
            try:
                members, directory = _directory(handle, size)
            except (ValueError, struct.error):
                raise EffcliError(NOT_A_ZIP, source=source) from None
            if members > MAX_KERAS_MEMBERS:
                raise EffcliError(
                    f"the archive declares {members:,} members; a .keras model has at most {MAX_KERAS_MEMBERS:,}",
                    source=source,
                )
            if directory > MAX_KERAS_DIRECTORY_BYTES:
                raise EffcliError(
                    f"the archive's directory declares {directory:,} bytes; at most {MAX_KERAS_DIRECTORY_BYTES:,}",
                    source=source,
                )
            handle.seek(0)
            try:
                zf = zipfile.ZipFile(handle)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error):
                raise EffcliError(NOT_A_ZIP, source=source) from None
            with zf:
                infos = _check_members(zf, source)
                raw = read_member(zf, CONFIG_MEMBER, MAX_KERAS_CONFIG_BYTES, source)
                weights = infos[WEIGHTS_MEMBER].file_size if WEIGHTS_MEMBER in infos else 0
    except OSError as exc:
        raise os_error(exc, source, doing="cannot read") from None
    finally:
        os.close(fd)
    try:
        config = json.loads(raw)
    except RecursionError:
        raise EffcliError(f"its {CONFIG_MEMBER} is nested too deeply", source=source) from None
    except ValueError as exc:  # not JSON, not UTF-8, an integer of thousands of digits
        raise EffcliError(f"its {CONFIG_MEMBER} is not valid JSON ({exc})", source=source) from None
    if not isinstance(config, dict):
        raise EffcliError(f"its {CONFIG_MEMBER} is not a Keras model config (not a mapping)", source=source)
    return config, weights


# --------------------------------------------------------------------------- the declared layers


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _name(layer: dict[str, Any], config: dict[str, Any]) -> str:
    name = layer.get("name", config.get("name"))
    return name[:100] if isinstance(name, str) else "?"


def _bounded(layer: str, setting: str, value: Any, low: int, high: int, source: str) -> int:
    number = _int(value)
    if number is None or not low <= number <= high:
        shown = f"{value:,}" if number is not None else repr(value)[:40]
        raise EffcliError(
            f"layer {layer!r}: {setting} must be an integer from {low:,} to {high:,}, got {shown}", source=source
        )
    return number


def _kernel(layer: str, config: dict[str, Any], source: str, key: str = "kernel_size") -> int:
    """The kernel's area; every side from 1 to MAX_KERNEL."""
    value = config.get(key, 1)
    sides = value if isinstance(value, list) else [value]
    if not 1 <= len(sides) <= 2:
        raise EffcliError(f"layer {layer!r}: {key} must be one or two sizes, got {str(value)[:40]}", source=source)
    return math.prod(_bounded(layer, key, side, 1, MAX_KERNEL, source) for side in sides) ** (2 // len(sides))


def _declared_channels(layer: dict[str, Any]) -> int | None:
    """The input channels a layer declares (its build config, else its first inbound tensor), or None."""
    build = layer.get("build_config")
    shape = build.get("input_shape") if isinstance(build, dict) else None
    if not (isinstance(shape, list) and shape and _int(shape[-1])):
        shape = None
        nodes = layer.get("inbound_nodes")
        if isinstance(nodes, list) and nodes and isinstance(nodes[0], dict):
            args = nodes[0].get("args")
            if isinstance(args, list) and args and isinstance(args[0], dict):
                tensor = args[0].get("config")
                shape = tensor.get("shape") if isinstance(tensor, dict) else None
    if isinstance(shape, list) and shape:
        channels = _int(shape[-1])
        return channels if channels is not None and channels > 0 else None
    return None


def _params(kind: str, name: str, config: dict[str, Any], channels: int, source: str) -> int:
    """The parameters Keras allocates for a layer with ``channels`` input channels (an estimate for a few kinds)."""
    bias = 1 if config.get("use_bias", True) else 0
    if kind in ("Conv2D", "Conv2DTranspose"):
        filters = _bounded(name, "filters", config.get("filters"), 1, MAX_FILTERS, source)
        groups = _bounded(name, "groups", config.get("groups", 1), 1, MAX_FILTERS, source)
        return _kernel(name, config, source) * -(-channels // groups) * filters + filters * bias
    if kind == "DepthwiseConv2D":
        multiplier = _bounded(name, "depth_multiplier", config.get("depth_multiplier", 1), 1, MAX_FILTERS, source)
        return _kernel(name, config, source) * channels * multiplier + channels * multiplier * bias
    if kind == "SeparableConv2D":
        filters = _bounded(name, "filters", config.get("filters"), 1, MAX_FILTERS, source)
        multiplier = _bounded(name, "depth_multiplier", config.get("depth_multiplier", 1), 1, MAX_FILTERS, source)
        return (_kernel(name, config, source) + filters) * channels * multiplier + filters * bias
    if kind == "Dense":
        units = _bounded(name, "units", config.get("units"), 1, MAX_FILTERS, source)
        return channels * units + units * bias
    if kind == "BatchNormalization":
        return 4 * channels
    if kind == "Normalization":
        return 2 * channels + 1
    if kind in ("LayerNormalization", "GroupNormalization"):
        return 2 * channels
    if kind == "EfficientNetV2Block":  # an upper estimate of its expand / depthwise / SE / project layers
        area = _kernel(name, config, source)
        inputs = _bounded(name, "input_channels", config.get("input_channels"), 1, MAX_FILTERS, source)
        declared = _bounded(name, "input_filters", config.get("input_filters"), 1, MAX_FILTERS, source)
        outputs = _bounded(name, "output_filters", config.get("output_filters"), 1, MAX_FILTERS, source)
        ratio = _bounded(name, "expand_ratio", config.get("expand_ratio"), 1, MAX_FILTERS, source)
        se = _bounded(name, "se_filters", config.get("se_filters", 0), 0, MAX_FILTERS, source)
        expanded = max(inputs, declared) * ratio
        return (area * inputs + area + 2 * se + outputs + 8) * expanded + 4 * outputs + se
    return 0


def _input_shape(model: dict[str, Any], layers: list, source: str) -> tuple | None:
    """The declared input shape of the outermost model (its InputLayer, else its build config), checked."""
    shapes = []
    for layer in layers:
        if isinstance(layer, dict) and layer.get("class_name") == "InputLayer":
            config = layer.get("config")
            config = config if isinstance(config, dict) else {}
            shapes.append(config.get("batch_shape", config.get("batch_input_shape")))
    if len(shapes) > 1:
        raise EffcliError(f"not a single-input model ({len(shapes)} inputs); an image backbone has one", source=source)
    if not shapes:
        build = model.get("build_config")
        shapes.append(build.get("input_shape") if isinstance(build, dict) else None)
    shape = shapes[0]
    if shape is None:
        return None
    if not isinstance(shape, list) or len(shape) != 4:
        shown = tuple(shape) if isinstance(shape, list) else shape
        raise EffcliError(
            f"{NOT_A_BACKBONE}: its input has the shape {str(shown)[:60]}; expected (batch, height, width, channels)",
            source=source,
        )
    bounds = (("height", MAX_RESOLUTION), ("width", MAX_RESOLUTION), ("channels", MAX_CHANNELS))
    for value, (what, high) in zip(shape[1:], bounds, strict=True):
        if value is not None and not (_int(value) and 1 <= value <= high):
            raise EffcliError(f"its input {what} must be from 1 to {high:,}, got {str(value)[:40]}", source=source)
    return tuple(shape)


def declared_layers(config: dict[str, Any], source: str) -> Declared:
    """Walk config.json's layers (through nested models) and check what each declares."""
    if config.get("class_name") not in _MODELS or not isinstance(config.get("config"), dict):
        kind = config.get("class_name")
        raise EffcliError(
            f"not a functional or Sequential Keras model (its {CONFIG_MEMBER} describes {str(kind)[:60]!r})",
            source=source,
        )
    declared = Declared()
    found: list[tuple[str, str, dict[str, Any], int | None]] = []  # (class, name, config, declared channels)
    stack: list[tuple[dict[str, Any], int]] = [(config, 0)]
    while stack:
        model, depth = stack.pop()
        model_config = model.get("config")
        layers = model_config.get("layers") if isinstance(model_config, dict) else None
        if not isinstance(layers, list):
            raise EffcliError(f"model {_name(model, model_config or {})!r} has no list of layers", source=source)
        declared.layers += len(layers)
        if declared.layers > MAX_KERAS_LAYERS:
            raise EffcliError(
                f"more than {MAX_KERAS_LAYERS:,} layers (counted through nested models); "
                f"the largest EfficientNet has about 1,300",
                source=source,
            )
        for layer in layers:
            if not isinstance(layer, dict) or not isinstance(layer.get("config"), dict):
                raise EffcliError(f"a layer of {CONFIG_MEMBER} is not a layer config", source=source)
            kind, layer_config = layer.get("class_name"), layer["config"]
            name = _name(layer, layer_config)
            if not isinstance(kind, str):
                raise EffcliError(f"layer {name!r} has no class name", source=source)
            declared.classes.add(kind)
            if kind in _MODELS:
                if depth + 1 > MAX_KERAS_NESTING:
                    raise EffcliError(f"models nested more than {MAX_KERAS_NESTING} deep", source=source)
                stack.append((layer, depth + 1))
            elif _OTHER_RANK.search(kind):
                raise EffcliError(f"{NOT_A_BACKBONE}: layer {name!r} is {kind}", source=source)
            elif kind in _WEIGHTED:
                found.append((kind, name, layer_config, _declared_channels(layer)))
            elif kind not in _WEIGHTLESS:
                raise EffcliError(
                    f"{NOT_A_BACKBONE}: layer {name!r} is {kind[:60]}, which effcli does not read "
                    "(it reads convolution, normalization, pooling, activation, merge and reshape layers)",
                    source=source,
                )
    declared.input_shape = _input_shape(config, config["config"]["layers"], source)  # a list: walked above
    if not declared.classes & _CONV2D:
        kinds = ", ".join(sorted(declared.classes)[:6])
        raise EffcliError(f"{NOT_A_BACKBONE}: it has no Conv2D layer (its layers are {kinds})", source=source)
    # A layer without a declared input width gets the widest channel count declared anywhere.
    widest = max(
        [channels for *_, channels in found if channels]
        + [v for _, _, c, _ in found for k in ("filters", "units") if (v := _int(c.get(k))) and v > 0]
        + [(declared.input_shape or (0,))[-1] or 0, 1]
    )
    for kind, name, layer_config, channels in found:
        if channels is not None and channels > MAX_FILTERS and kind in _CONV2D:
            raise EffcliError(
                f"layer {name!r} declares an input of {channels:,} channels; at most {MAX_FILTERS:,}", source=source
            )
        declared.params += _params(kind, name, layer_config, channels or widest, source)
    return declared


# --------------------------------------------------------------------------- the guard


def check_memory(declared: Declared, source: str, *, resized: bool, force: bool) -> None:
    """The Keras build guard for a load: parameters and memory, estimated from what the file declares."""
    if force:
        return
    params = declared.params
    # TensorFlow, the layers, the variables (twice if re-traced at another size) and the weights file read whole.
    weights = params * BYTES_PER_PARAM
    memory = (
        TENSORFLOW_BYTES
        + declared.layers * BYTES_PER_LAYER
        + weights * (2 if resized else 1)
        + max(weights, declared.weights_bytes)
    )
    if params > MAX_KERAS_PARAMS:
        raise EffcliError(
            f"loading it would hold {params:,} parameters, more than the limit of {MAX_KERAS_PARAMS:,} "
            f"(estimated memory {_gb(memory)}); use --force to load it anyway",
            source=source,
        )
    free = available_memory()
    if free is not None and memory > free:
        raise EffcliError(
            f"loading it needs about {_gb(memory)} ({params:,} parameters) but only {_gb(free)} "
            "of memory is available; use --force to load it anyway",
            source=source,
        )


def check_saved_model(path: Path, *, resized: bool = False, force: bool = False) -> Declared:
    """Every check on a .keras file before Keras runs; what its config.json declares.

    ``resized``: the model will be re-traced at another input size (twice the variables).
    ``force`` skips only the build guard (parameters and memory), never a limit.
    """
    source = str(path)
    try:
        os.lstat(path)
    except FileNotFoundError:
        raise EffcliError("no such file", source=source) from None
    except (OSError, ValueError):
        pass  # open_input names the error
    config, weights = _read_config(path, source)
    declared = declared_layers(config, source)
    declared.weights_bytes = weights
    check_memory(declared, source, resized=resized, force=force)
    return declared
