"""Every grammar of effcli's command line, parsed in one place.

``--resolution`` of a report (``N``, ``HxW`` or ``native``), ``--resolution`` of
the planner (``N``, ``MIN:MAX`` or ``MIN:MAX:STEP``) and the budgets of
``effcli plan`` (``20M``, ``1.5G``, ``5000000``). Each parser names the option
in its error and says what would be valid.
"""

from __future__ import annotations

import math
import re

from effcli.core.limits import MAX_RESOLUTION
from effcli.core.spec import BackboneSpec
from effcli.errors import EffcliError

PLAN_RESOLUTIONS = (128, 640, 32)  # effcli plan's default MIN:MAX:STEP
MAX_PLAN_RESOLUTIONS = 512
_SUFFIXES = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9}
NATIVE = "native"
MAX_COUNT = 10**15  # --max-params / --max-macs
# Digits, an optional fraction, an optional exponent, a suffix. No two parts can match the same digits, so a
# failing match takes linear time (the old [0-9]*\.?[0-9]+ backtracked quadratically on a long run of digits).
# (compiled by re on first use and cached there: no command but plan's pays for it)
_COUNT = r"\s*((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*([kKmMgGbB]?)\s*"


def _shown(text: str, limit: int = 12) -> str:
    """An option's text in a message: cut short past ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _size(text: str, value: str, option: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise EffcliError(
            f"expected N, HxW or 'native', got '{_shown(value, 40)}' (e.g. 224, 193x257, native)", source=option
        )
    if len(text) > 6 or not 1 <= int(text) <= MAX_RESOLUTION:
        raise EffcliError(f"sizes must be from 1 to {MAX_RESOLUTION}, got {_shown(text)}", source=option)
    return int(text)


def parse_size(value: str, *, option: str = "--resolution") -> tuple[int, int] | str:
    """``N`` or ``HxW`` -> (height, width); ``native`` -> the string ``"native"``."""
    text = value.strip().lower()
    if text == NATIVE:
        return NATIVE
    parts = [p.strip() for p in text.replace("*", "x").split("x")]
    if len(parts) not in (1, 2):
        raise EffcliError(
            f"expected N, HxW or 'native', got '{_shown(value, 40)}' (e.g. 224, 193x257, native)", source=option
        )
    sizes = [_size(p, value, option) for p in parts]
    return (sizes[0], sizes[-1])


def input_shape(spec: BackboneSpec, resolution: str | None) -> tuple[int, int, int]:
    """The input of a report: --resolution if given, else ``spec.default_size`` (the config's concrete
    input_shape, else its native resolution, as for every preset, else 224x224)."""
    channels = spec.input_shape[2]
    if resolution is None:
        height, width, _ = spec.default_size
        return (height, width, channels)
    size = parse_size(resolution)
    if isinstance(size, str):  # native
        if spec.native_resolution is None:
            raise EffcliError(
                f"{spec.source} has no native_resolution; give a size such as 224 or 193x257",
                source="--resolution",
            )
        return (spec.native_resolution, spec.native_resolution, channels)
    return (size[0], size[1], channels)


def saved_model_size(resolution: str | None) -> tuple[int, int] | None:
    """--resolution for a saved .keras model: a size or nothing (it has no native resolution)."""
    if resolution is None:
        return None
    size = parse_size(resolution)
    if isinstance(size, str):  # native
        raise EffcliError("a saved model has no native resolution; give a size", source="--resolution")
    return size


def parse_count(text: str, option: str) -> int:
    """'20M', '1.5G', '8e6', '5000000' -> an integer count from 1 to MAX_COUNT."""
    match = re.fullmatch(_COUNT, text)  # linear time, however long the text
    if not match:
        raise EffcliError(f"expected a count such as 20M, 1.5G or 5000000, got '{_shown(text, 40)}'", source=option)
    value = float(match.group(1)) * _SUFFIXES[match.group(2).lower()]  # float() of any length: never int() of it
    if not math.isfinite(value) or value < 1 or value > MAX_COUNT:
        raise EffcliError(f"must be from 1 to 1e15, got '{_shown(text, 40)}'", source=option)
    return int(value)


def parse_resolutions(text: str | None, default: tuple[int, int, int] = PLAN_RESOLUTIONS) -> list[int]:
    """'224' (fixed), '128:512' (step 32) or '128:512:16' -> the resolutions to try."""
    if text is None:
        low, high, step = default
    else:
        parts = text.strip().split(":")
        if len(parts) > 3 or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
            raise EffcliError(f"expected N, MIN:MAX or MIN:MAX:STEP, got '{_shown(text, 40)}'", source="--resolution")
        if any(len(p.strip()) > 6 for p in parts):  # int() of thousands of digits is slow, and far out of range
            raise EffcliError(f"sizes must be from 1 to {MAX_RESOLUTION}", source="--resolution")
        numbers = [int(p) for p in parts]
        low = numbers[0]
        high = numbers[1] if len(numbers) > 1 else low
        step = numbers[2] if len(numbers) > 2 else default[2]
    if not (1 <= low <= high <= MAX_RESOLUTION) or step < 1:
        raise EffcliError(
            f"sizes must satisfy 1 <= MIN <= MAX <= {MAX_RESOLUTION} and STEP >= 1", source="--resolution"
        )
    values = list(range(low, high + 1, step))
    if len(values) > MAX_PLAN_RESOLUTIONS:
        raise EffcliError(
            f"{len(values)} resolutions is too many; at most {MAX_PLAN_RESOLUTIONS} (use a larger STEP)",
            source="--resolution",
        )
    return values
