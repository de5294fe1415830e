"""effcli's limits: the largest values a config, an option or a network may have, and the table of config fields.

The MAX_* constants keep absurd inputs instant and bounded; no real EfficientNet
comes near them. :data:`FIELDS` describes every field of a config (its type,
bounds, allowed values and a one-line description); the config validator
(``effcli.config.loader``), the JSON Schema (``effcli.config.schema``) and the
option checks of ``effcli scale`` (:func:`check`) are all derived from it, so
they cannot drift apart. Family-specific rules (which blocks a family has,
whether it has squeeze-excite or a minimum depth) stay with the validator.

Import-light on purpose: the standard library and effcli's own small modules only.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from typing import Any

from effcli.core.families import FAMILIES, V2
from effcli.core.spec import ACTIVATIONS, BLOCK_ALIASES, KERAS_HUB_BLOCKS
from effcli.errors import EffcliError
from effcli.records import record

MAX_KERNEL = 31
MAX_RESOLUTION = 8192
MAX_CHANNELS = 4096
MAX_COEFFICIENT = 100.0
MAX_REPEATS = 1000
MAX_FILTERS = 100_000
MAX_DEPTH_DIVISOR = 1024
MAX_EXPAND_RATIO = 64
MAX_CONFIG_BYTES = 1_000_000  # a stage config is a few hundred bytes; refuse to parse megabytes
MAX_BLOCKS = 20_000  # far beyond any real network; keeps absurd depths instant and bounded
MAX_INTEGER_DIGITS = 40  # a longer integer is never a valid value: shown by its length, never converted or printed
MAX_PHI = 100.0  # scale --phi: EfficientNet-B7 is phi 6; the depth coefficient overflows its bound long before
MIN_COMPOUND_BASE, MAX_COMPOUND_BASE = 0.01, 100.0  # scale --alpha/--beta/--gamma: 1.2, 1.1, 1.15 in the paper
MAX_PROFILE_RUNS, MAX_PROFILE_WARMUP = 10_000, 1000  # profile --runs / --warmup: passes per block
MAX_PROFILE_BATCH = 4096  # profile --batch: real forward passes; the activations grow with it
MAX_PROFILE_THREADS = 1024  # profile --threads
MAX_BATCH = 1_000_000  # --batch: memory grows linearly with it; a million images is beyond any accelerator
MAX_CLASSES = 1_000_000  # --classes: the head's Dense units (ImageNet-21k has 21,843 classes)

# The kinds of field: a whole number, a real number, one of a set of strings, free
# text, true/false, null only, or a fixed-length list of other fields.
INTEGER, NUMBER, CHOICE, TEXT, BOOLEAN, NULL, TUPLE = "integer", "number", "choice", "text", "boolean", "null", "tuple"


@record
class Field:
    """One field of a config: what it may hold, as data."""

    name: str
    kind: str  # INTEGER | NUMBER | CHOICE | TEXT | BOOLEAN | NULL | TUPLE
    description: str
    low: float = -math.inf  # INTEGER / NUMBER bounds (an INTEGER field's are integers)
    high: float = math.inf
    low_open: bool = False  # True: low itself is excluded
    high_open: bool = False
    choices: tuple = ()  # CHOICE: the valid strings; INTEGER: the only valid values (instead of bounds)
    nullable: bool = False  # null is accepted (and means "the default")
    odd: bool = False  # INTEGER: must be odd
    nonblank: bool = False  # TEXT: must hold a visible character (see :func:`strip_invisible`)
    required: bool = False  # stage fields: required in every family
    items: tuple[Field, ...] = ()  # TUPLE: one field per position
    default: Any = None  # documented in the schema

    def in_bounds(self, value: float) -> bool:
        """``value`` (already a number of the right type) lies within low..high."""
        if self.choices:
            return value in self.choices
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def bounds_text(self, show: Callable[[Any], str] | None = None) -> str:
        """How the bounds read in a message: ``from 1 to 1024``, ``(0, 100]``, ``1 or 2``."""
        show = show or _g
        if self.choices:
            shown = [show(c) for c in self.choices]
            return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
        if self.kind == INTEGER:  # an open integer bound is the closed one next to it
            return f"from {show(self.low + self.low_open)} to {show(self.high - self.high_open)}"
        return f"{'(' if self.low_open else '['}{show(self.low)}, {show(self.high)}{')' if self.high_open else ']'}"

    def accepts(self, value: Any) -> bool:
        """Whether the value is valid for this field on its own (no cross-field or family rules)."""
        if value is None:
            return self.nullable or self.kind == NULL
        if self.kind == INTEGER:
            return (
                isinstance(value, int)
                and not isinstance(value, bool)
                and self.in_bounds(value)
                and (not self.odd or value % 2 == 1)
            )
        if self.kind == NUMBER:  # an int is finite however large (math.isfinite would overflow on it)
            return (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and (isinstance(value, int) or math.isfinite(value))
                and self.in_bounds(value)
            )
        if self.kind == CHOICE:
            return isinstance(value, str) and value in self.choices
        if self.kind == TEXT:
            return isinstance(value, str) and (not self.nonblank or bool(strip_invisible(value)))
        if self.kind == BOOLEAN:
            return isinstance(value, bool)
        if self.kind == TUPLE:
            return (
                isinstance(value, (list, tuple))
                and len(value) == len(self.items)
                and all(item.accepts(v) for item, v in zip(self.items, value, strict=True))
            )
        return False  # NULL, and value is not None

    @property
    def bounded(self) -> bool:
        return self.kind in (INTEGER, NUMBER) and not self.choices


def _integer(name: str, low: int, high: int, description: str, **extra: Any) -> Field:
    return Field(name, INTEGER, description, low=low, high=high, **extra)


def _fraction(name: str, description: str, **extra: Any) -> Field:
    return Field(name, NUMBER, description, low=0.0, high=1.0, **extra)


def _coefficient(name: str, description: str) -> Field:
    return Field(name, NUMBER, description, low=0.0, high=MAX_COEFFICIENT, low_open=True)


def _table(*fields: Field) -> dict[str, Field]:
    return {f.name: f for f in fields}


# Keys of both forms, in the order of effcli.core.spec's _COMMON_KEYS.
COMMON_FIELDS = _table(
    Field("name", TEXT, "Model name.", nonblank=True),
    Field("description", TEXT, "One line about the model."),
    Field(
        "family",
        CHOICE,
        "Which family's rules apply (rounding, stem/top, SE, activation).",
        choices=tuple(FAMILIES),
        default=V2,
    ),
    _integer(
        "native_resolution",
        1,
        MAX_RESOLUTION,
        "The resolution the model was designed for (--resolution native).",
        nullable=True,
    ),
    _coefficient("width_coefficient", "Multiplies every stage's filters (round_filters)."),
    _coefficient("depth_coefficient", "Multiplies every stage's repeats (ceil)."),
    _integer("depth_divisor", 1, MAX_DEPTH_DIVISOR, "Filters are rounded to a multiple of this (8)."),
    _integer(
        "min_depth",
        1,
        MAX_FILTERS,
        "EfficientNetV2 only: the smallest filter count round_filters returns.",
        nullable=True,
    ),
    Field("activation", CHOICE, "Activation of every block (V2/V1 swish, Lite relu6).", choices=ACTIVATIONS),
    Field(
        "input_shape",
        TUPLE,
        "[height, width, channels]; [null, null, 3] = unspecified.",
        nullable=True,
        items=(
            _integer("input_shape (height)", 1, MAX_RESOLUTION, "Input height; null with width.", nullable=True),
            _integer("input_shape (width)", 1, MAX_RESOLUTION, "Input width; null with height.", nullable=True),
            _integer("input_shape (channels)", 1, MAX_CHANNELS, "Input channels (null = 3).", nullable=True),
        ),
    ),
    Field("include_rescaling", BOOLEAN, "Start with Rescaling(1/255)."),
    Field("trainable", BOOLEAN, "false makes every parameter non-trainable."),
)

# Keys of the readable stage-list form only (besides `stages`, the list of STAGE_FIELDS mappings).
READABLE_FIELDS = _table(
    _fraction("drop_rate", "Drop rate of the residual branch, reached by the last block."),
    _fraction(
        "dropout_rate",
        "The classifier's dropout (top_dropout) when --classes adds the head; keras.applications' rate.",
        default=0.2,
    ),
)

# The `published:` mapping of a preset (readable form): what its paper reports for it.
PUBLISHED_FIELDS = _table(
    Field("top1", NUMBER, "ImageNet top-1 accuracy in percent, as published.", low=0.0, high=100.0, low_open=True),
    _integer("resolution", 1, MAX_RESOLUTION, "The evaluation resolution of that accuracy."),
    Field("training", TEXT, "The training data (ImageNet-1k, + unlabeled JFT, ImageNet-21k).", nonblank=True),
    Field("source", TEXT, "Where the number is published (paper, table; repository, file).", nonblank=True),
)
REQUIRED_PUBLISHED_KEYS = ("top1", "resolution", "source")

# Keys of keras-cv's get_config() form only (besides the stackwise_* lists, one STAGE_FIELDS entry per stage).
KERAS_CV_FIELDS = _table(
    _fraction("skip_connection_dropout", "Drop rate of the residual branch (V2 name)."),
    _fraction("drop_connect_rate", "Drop rate of the residual branch (V1 / Lite name)."),
    _fraction(
        "dropout_rate",
        "The classifier's dropout (top_dropout) when --classes adds the head; keras.applications' rate.",
        default=0.2,
    ),
    Field("input_tensor", NULL, "Must be null in a config file."),
)

# Keys of keras-hub's get_config() form only (besides the common keys and the stackwise_* lists).
KERAS_HUB_FIELDS = _table(
    _fraction("dropout", "keras-hub: drop rate of the residual branch, times block index / sum of the repeats."),
    Field("include_stem_padding", BOOLEAN, "keras-hub: ZeroPadding2D(1) before the stem conv.", default=True),
    Field(
        "stem_conv_padding",
        CHOICE,
        "keras-hub: padding of the stem conv.",
        choices=("valid", "same"),
        default="valid",
    ),
    Field(
        "use_depth_divisor_as_min_depth",
        BOOLEAN,
        "keras-hub: round_filters' floor is depth_divisor instead of min_depth.",
        default=False,
    ),
    Field(
        "cap_round_filter_decrease",
        BOOLEAN,
        "keras-hub: +depth_divisor when rounding lost more than 10% (V1's rule).",
        default=False,
    ),
    Field("batch_norm_momentum", NUMBER, "keras-hub: batch norm momentum (no effect on counts).", low=0.0, high=1.0),
    Field(
        "batch_norm_epsilon",
        NUMBER,
        "keras-hub: batch norm epsilon (no effect on counts).",
        low=0.0,
        high=1.0,
        low_open=True,
    ),
    Field(
        "projection_activation",
        CHOICE,
        "keras-hub: activation after a v1 block's projection (and a fused block's at expand ratio 1).",
        choices=ACTIVATIONS,
        nullable=True,
    ),
    _integer("num_features", 1, MAX_FILTERS, "keras-hub: top conv filters before width scaling.", default=1280),
    Field("data_format", CHOICE, "keras-hub: only channels_last.", choices=("channels_last",)),
)

# keras-hub's per-stage fields besides STAGE_FIELDS (its stackwise_block_types, _force_input_filters, _nores_option).
KERAS_HUB_STAGE_FIELDS = _table(
    Field(
        "hub_block_type",
        CHOICE,
        "keras-hub block type: v1 (keras.applications MBConv), unfused (MBConv), fused (Fused-MBConv), cba.",
        choices=tuple(KERAS_HUB_BLOCKS),
    ),
    _integer("force_input_filters", 0, MAX_FILTERS, "keras-hub: if > 0, every block's declared input filters."),
    Field("nores", BOOLEAN, "keras-hub: true = no residual connection in the stage (not for v1 blocks)."),
)

# One stage, in the order of effcli.core.spec.STAGE_KEYS.
STAGE_FIELDS = _table(
    Field(
        "block",
        CHOICE,
        "fused = Fused-MBConv (EfficientNetV2); mbconv (keras-cv: unfused) = MBConv.",
        choices=tuple(BLOCK_ALIASES),
    ),
    _integer("kernel_size", 1, MAX_KERNEL, "Odd kernel size (3, 5, ...).", odd=True, required=True),
    _integer("repeats", 1, MAX_REPEATS, "Blocks in the stage before depth scaling.", required=True),
    _integer("input_filters", 1, MAX_FILTERS, "Input filters before width scaling.", required=True),
    _integer("output_filters", 1, MAX_FILTERS, "Output filters before width scaling.", required=True),
    _integer(
        "expand_ratio",
        1,
        MAX_EXPAND_RATIO,
        "The block's inner width is input_filters x expand_ratio.",
        required=True,
    ),
    _fraction(
        "se_ratio",
        "Squeeze-excite width as a fraction of the block's input filters; 0 or null = none (Lite: 0).",
        nullable=True,
    ),
    Field("strides", INTEGER, "Stride of the stage's first block.", choices=(1, 2), required=True),
)

FIELDS: dict[str, Field] = {
    **COMMON_FIELDS,
    **READABLE_FIELDS,
    **KERAS_CV_FIELDS,
    **KERAS_HUB_FIELDS,
    **STAGE_FIELDS,
    **KERAS_HUB_STAGE_FIELDS,
}


# The options of `effcli scale` that are no config field. Bounded so that the compound rule cannot overflow:
# base^phi is at most 100^100 = 1e200, and base resolution x 1e200 is a finite float.
OPTION_FIELDS = _table(
    Field("phi", NUMBER, "scale --phi: the compound scaling exponent.", low=-MAX_PHI, high=MAX_PHI),
    Field("alpha", NUMBER, "scale --alpha: depth base.", low=MIN_COMPOUND_BASE, high=MAX_COMPOUND_BASE, default=1.2),
    Field("beta", NUMBER, "scale --beta: width base.", low=MIN_COMPOUND_BASE, high=MAX_COMPOUND_BASE, default=1.1),
    Field(
        "gamma", NUMBER, "scale --gamma: resolution base.", low=MIN_COMPOUND_BASE, high=MAX_COMPOUND_BASE, default=1.15
    ),
    Field("batch", INTEGER, "--batch: images per step, for the memory lines.", low=1, high=MAX_BATCH, default=1),
    _integer("classes", 1, MAX_CLASSES, "--classes: the classes of the classifier head (its Dense units)."),
    _integer("profile_runs", 1, MAX_PROFILE_RUNS, "profile --runs: timed forward passes per block."),
    _integer("profile_warmup", 0, MAX_PROFILE_WARMUP, "profile --warmup: untimed passes before the timed ones."),
    _integer("profile_batch", 1, MAX_PROFILE_BATCH, "profile --batch: images per forward pass."),
    _integer("profile_threads", 1, MAX_PROFILE_THREADS, "profile --threads: TensorFlow's intra- and inter-op threads."),
)

# Characters that show nothing on their own: controls, format characters (zero-width space, BOM, word
# joiner), surrogates, and every kind of space or line/paragraph separator.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})


def strip_invisible(text: str) -> str:
    """``text`` without the invisible characters at either end (by Unicode category, not by a list)."""
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start]) in INVISIBLE_CATEGORIES:
        start += 1
    while end > start and unicodedata.category(text[end - 1]) in INVISIBLE_CATEGORIES:
        end -= 1
    return text[start:end]


def integer_digits(value: int) -> int:
    """How many decimal digits ``value`` has, without str() (which refuses more than 4300 digits)."""
    magnitude = abs(value)
    if magnitude < 10**MAX_INTEGER_DIGITS:
        return len(str(magnitude))
    digits = math.floor(math.log10(magnitude)) + 1  # math.log10 takes an int of any size
    return digits - 1 if digits <= 100_000 and magnitude < 10 ** (digits - 1) else digits  # float rounding


def show_integer(value: int) -> str:
    """An integer as a message shows it: in full, or ``an integer of 5000 digits`` past MAX_INTEGER_DIGITS."""
    if abs(value) < 10**MAX_INTEGER_DIGITS:
        return str(value)
    return f"an integer of {integer_digits(value)} digits"


def _g(value: Any) -> str:
    """A number as options show it: 0, 100, 0.25, 1e+09, nan; an integer in full (or by its length if huge)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return repr(value)
    return show_integer(value) if isinstance(value, int) else f"{value:g}"


def check(name: str, value: Any, *, source: str, message: str | None = None) -> Any:
    """Check an option's value against the field ``name`` (a config field, or one of OPTION_FIELDS).

    Raises EffcliError naming ``source``.

    ``message``: a format string with ``{value}`` and ``{bounds}`` in place of the
    default (``must be a number in (0, 100], got 0`` and ``must be an integer from
    1 to 1024, got 0``), for values derived from the option rather than given.
    """
    limit = FIELDS[name] if name in FIELDS else OPTION_FIELDS[name]
    if value is not None and limit.accepts(value):
        return value
    if message is None and not limit.bounded:
        message = "must be {bounds}, got {value}"  # one of a few values
    elif message is None:
        kind = "an integer" if limit.kind == INTEGER else "a number in"
        message = f"must be {kind} {{bounds}}, got {{value}}"
    raise EffcliError(message.format(value=_Shown(value), bounds=limit.bounds_text()), source=source)


class _Shown:
    """A value in a message: as :func:`_g` shows it, or with the template's own format (``{value:.4g}``)."""

    def __init__(self, value: Any):
        self.value = value

    def __format__(self, spec: str) -> str:
        value = self.value
        number = isinstance(value, float) or (
            isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**MAX_INTEGER_DIGITS
        )  # a huge int is shown by its length
        if spec and number:
            return format(value, spec)
        return _g(self.value)


# --------------------------------------------------------------------------- saved .keras models
# What a saved model may declare, checked by effcli.engines.archive before Keras is
# imported or a byte of the model is decompressed into memory. Every limit is far
# above any legitimate EfficientNet: the largest (EfficientNet-L2, ~480M parameters;
# EfficientNetV2-XL, ~208M) are under 2 GB of float32 weights, about 1,300 layers
# and under 2 MB of config.json (keras.applications with a classifier measured:
# V2-L 1,031 layers, 1.0 MB config, 479 MB weights).

MAX_KERAS_FILE_BYTES = 16 * 2**30  # the archive on disk: 2e9 float32 parameters (the build guard's limit) twice over
MAX_KERAS_MEMBERS = 1000  # Keras writes 3 members (effcli 4); room for assets
MAX_KERAS_DIRECTORY_BYTES = 2**20  # the zip's central directory, read whole by zipfile: 1,000 long names fit
MAX_KERAS_CONFIG_BYTES = 16 * 2**20  # config.json: ~1 KB a layer; its parse costs up to ~25x its size in memory
MAX_KERAS_WEIGHTS_BYTES = 16 * 2**30  # model.weights.h5: 2e9 parameters, even as float64
MAX_KERAS_MEMBER_BYTES = 2**30  # any other member (metadata.json, effcli.json, assets)
MAX_KERAS_UNCOMPRESSED_BYTES = MAX_KERAS_WEIGHTS_BYTES + 2**30  # all members together, as declared
# Keras stores members uncompressed (1:1); a re-zipped config.json compresses ~55:1.
# A member declared larger than the floor that expands more than this is a zip bomb.
MAX_KERAS_COMPRESSION_RATIO = 100
KERAS_COMPRESSION_RATIO_FLOOR = 64 * 2**20
MAX_KERAS_LAYERS = 10_000  # counted through nested models; 7x the largest EfficientNet
MAX_KERAS_NESTING = 16  # models inside models (keras.applications nests none, a fine-tuned wrapper one)
MAX_KERAS_DESCRIPTION_BYTES = MAX_CONFIG_BYTES  # effcli.json, effcli's description: a config and an input shape
# Per layer, the YAML side's bounds apply: kernel sizes up to MAX_KERNEL, an input of
# at most MAX_RESOLUTION x MAX_RESOLUTION x MAX_CHANNELS, and filters, units and any
# layer's channels up to MAX_FILTERS (EfficientNet-L2's widest layer has 16,512).
