"""YAML configs in (three forms) and out: parsing and validation into a BackboneSpec.

Three input forms are accepted:

* the readable stage-list form (``stages:`` with one mapping per stage), which is
  what ``configs/*.yaml`` use and what effcli writes;
* keras-cv's own ``get_config()`` form (parallel ``stackwise_*`` lists), with an
  optional ``family:`` key;
* keras-hub's ``EfficientNetBackbone.get_config()`` form (``stackwise_block_types``
  and the other keras-hub-only keys), also inside a preset's ``config.json``
  (``{"class_name": "EfficientNetBackbone", "config": {...}}``); it keeps keras-hub's
  own block semantics (:class:`effcli.core.spec.KerasHubSettings`).

Every mistake raises :class:`EffcliError` naming the file and field.
"""

from __future__ import annotations

import math
import os
from functools import cache
from pathlib import Path
from typing import Any

from effcli.core.families import (
    EDGETPU,
    FAMILIES,
    LITE,
    STAGE_LIST_FAMILIES,
    TOP_BASE_FILTERS,
    V1,
    V2,
    FamilyRules,
    stage_repeats,
)
from effcli.core.limits import (
    BOOLEAN,
    CHOICE,
    FIELDS,
    INTEGER,
    MAX_CONFIG_BYTES,
    MAX_INTEGER_DIGITS,
    NULL,
    NUMBER,
    PUBLISHED_FIELDS,
    REQUIRED_PUBLISHED_KEYS,
    STAGE_FIELDS,
    TEXT,
    TUPLE,
    Field,
    show_integer,
    strip_invisible,
)
from effcli.core.spec import (
    BLOCK_ALIASES,
    KERAS_CV_KEYS,
    KERAS_HUB_BLOCKS,
    KERAS_HUB_KEYS,
    KERAS_HUB_STACKWISE_KEYS,
    READABLE_KEYS,
    STACKWISE_KEYS,
    STAGE_KEYS,
    BackboneSpec,
    KerasHubSettings,
    Published,
    StageSpec,
    stackwise_lists,
)
from effcli.errors import EffcliError
from effcli.files import read_input

# --------------------------------------------------------------------------- checks


# Stage keys every family requires (V2 also requires `block`, as it has two block types).
REQUIRED_STAGE_KEYS = tuple(key for key, f in STAGE_FIELDS.items() if f.required)
# Keys keras-cv's get_config() form always has (plus the family's stackwise_squeeze_and_excite_ratios and
# stackwise_conv_types).
KERAS_CV_REQUIRED = (
    "stackwise_kernel_sizes",
    "stackwise_num_repeats",
    "stackwise_input_filters",
    "stackwise_output_filters",
    "stackwise_expansion_ratios",
    "stackwise_strides",
    "width_coefficient",
    "depth_coefficient",
)
# Keys keras-hub's EfficientNetBackbone requires (plus per-stage or global width and depth coefficients).
KERAS_HUB_REQUIRED = (
    "stackwise_kernel_sizes",
    "stackwise_num_repeats",
    "stackwise_input_filters",
    "stackwise_output_filters",
    "stackwise_expansion_ratios",
    "stackwise_squeeze_and_excite_ratios",
    "stackwise_strides",
    "stackwise_block_types",
)
# Keys only keras-hub's form has: any of them makes a config keras-hub's.
KERAS_HUB_ONLY = tuple(
    key for key in KERAS_HUB_KEYS if key not in KERAS_CV_KEYS and key not in ("dtype", "published", "family")
)
# keras-hub's default stackwise_force_input_filters / stackwise_nores_option have 7 entries.
KERAS_HUB_DEFAULT_STAGES = 7


class _Checker:
    """Reads typed values out of a mapping, raising EffcliError with the field path.

    Types, bounds and allowed values come from the table of config fields, :data:`effcli.core.limits.FIELDS`.
    """

    def __init__(self, source: str):
        self.source = source

    def fail(self, field_name: str, message: str) -> EffcliError:
        return EffcliError(message, source=self.source, field=field_name)

    def field(self, key: str | Field, value: Any, where: str | None = None, *, choices: dict[str, str] | None = None):
        """``value`` checked against the field ``key`` of the table; ``where`` names it in errors (default: key).

        Null gives None when the field is nullable. ``choices``: a CHOICE field's valid values narrowed
        (by the family), each mapped to what it stands for.
        """
        spec = key if isinstance(key, Field) else FIELDS[key]
        where = where or spec.name
        if value is None and spec.nullable:
            return None
        if spec.kind == INTEGER:
            return self.integer(value, where, spec)
        if spec.kind == NUMBER:
            return self.number(value, where, spec)
        if spec.kind == CHOICE:
            return self.choice(value, where, spec.choices if choices is None else choices)
        if spec.kind == TEXT:
            return self.text(value, where, spec)
        if spec.kind == BOOLEAN:
            return self.boolean(value, where)
        if spec.kind == TUPLE:
            return self.items(value, where, spec)
        if spec.kind == NULL and value is not None:
            raise self.fail(where, "must be null in a config file")
        return None

    def integer(self, value: Any, name: str, spec: Field) -> int:
        if isinstance(value, HugeInteger):
            raise self.fail(name, f"must be {spec.bounds_text(_num)}, got {value}")
        if spec.choices:
            if isinstance(value, bool) or not isinstance(value, int) or not spec.in_bounds(value):
                raise self.fail(name, f"must be {spec.bounds_text(_num)}, got {_show(value)}")
            return value
        bounds = spec.bounds_text(_num)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"expected an integer {bounds}, got {_show(value)}")
        if not spec.in_bounds(value):
            raise self.fail(name, f"must be {bounds}, got {_num(value)}")
        if spec.odd and value % 2 == 0:
            raise self.fail(name, f"must be odd (1, 3, 5, ...), got {value}")
        return value

    def number(self, value: Any, name: str, spec: Field) -> float:
        if isinstance(value, HugeInteger):
            raise self.fail(name, f"must be in {spec.bounds_text(_num)}, got {value}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, f"expected a number, got {_show(value)}")
        try:
            value = float(value)
        except OverflowError:  # an int beyond any float
            raise self.fail(name, f"must be in {spec.bounds_text(_num)}, got {_show(value)}") from None
        if not math.isfinite(value):
            raise self.fail(name, f"must be a finite number, got {value}")
        if not spec.in_bounds(value):
            raise self.fail(name, f"must be in {spec.bounds_text(_num)}, got {_num(value)}")
        return value

    def boolean(self, value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {_show(value)}")
        return value

    def text(self, value: Any, name: str, spec: Field) -> str:
        if not isinstance(value, str):
            raise self.fail(name, f"expected a string, got {_show(value)}")
        if spec.nonblank and not strip_invisible(value):
            shown = "" if not value else f" (it holds only invisible characters: {ascii(value[:8])[1:-1]})"
            raise self.fail(name, f"must not be empty{shown}; give a visible name")
        return value

    def items(self, value: Any, name: str, spec: Field) -> tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(spec.items):
            labels = ", ".join(item.name.partition("(")[2].rstrip(")") or item.name for item in spec.items)
            raise self.fail(name, f"expected a list [{labels}], got {_show(value)}")
        return tuple(self.field(item, v) for item, v in zip(spec.items, value, strict=True))

    def choice(self, value: Any, name: str, choices: dict[str, str] | tuple[str, ...]) -> str:
        valid = list(choices)
        if not isinstance(value, str) or value not in valid:
            raise self.fail(name, f"{_show(value)} is not valid; expected one of: {', '.join(valid)}")
        return choices[value] if isinstance(choices, dict) else value

    def keys(self, data: dict, name: str, *, allowed: tuple[str, ...], required: tuple[str, ...]):
        for key in data:
            if not isinstance(key, str):
                raise self.fail(name or "(top level)", f"keys must be strings, got {_show(key)}")
            if key not in allowed:
                where = f"{name}.{key}" if name else key
                import difflib

                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise self.fail(where, f"unknown key; {hint}valid keys: {', '.join(allowed)}")
        for key in required:
            if key not in data:
                where = f"{name}.{key}" if name else key
                raise self.fail(where, "missing; this key is required")


def _show(value: Any) -> str:
    if isinstance(value, HugeInteger):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, (int, float)):
        return _num(value)
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _num(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(value)
    return f"{value:g}" if isinstance(value, float) else show_integer(value)


class HugeInteger:
    """An integer of more than MAX_INTEGER_DIGITS digits in a config, kept as its length: never a valid value.

    YAML's and JSON's own constructors would call int() on it (Python refuses more than 4300 decimal digits,
    and base 60 costs quadratic time), and printing it in an error would call str(); this is neither.
    """

    def __init__(self, digits: int):
        self.digits = digits

    def __str__(self) -> str:
        return f"an integer of {self.digits} digits"

    __repr__ = __str__


def parse_spec(data: Any, *, source: str) -> BackboneSpec:
    """Validate a loaded YAML document into a BackboneSpec."""
    check = _Checker(source)
    if not isinstance(data, dict):
        raise check.fail(
            "(top level)",
            f"expected a mapping with 'stages' (readable form) or 'stackwise_*' lists "
            f"(keras-cv form), got {_show(data) if data is not None else 'an empty document'}",
        )
    if "stages" in data:
        return _parse_readable(data, check)
    if data.get("class_name") == "EfficientNetBackbone" and isinstance(data.get("config"), dict):
        return _parse_keras_hub(data["config"], check)  # a keras-hub preset's config.json
    if any(key in data for key in KERAS_HUB_ONLY):
        return _parse_keras_hub(data, check)
    if any(key.startswith("stackwise_") for key in data if isinstance(key, str)):
        return _parse_keras_cv(data, check)
    raise check.fail(
        "stages",
        "missing; a config needs 'stages' (readable form) or the 'stackwise_*' lists of keras-cv's get_config()",
    )


def _parse_family(data: dict, check: _Checker) -> FamilyRules:
    family = check.field("family", data.get("family", FIELDS["family"].default))
    if family not in STAGE_LIST_FAMILIES:
        raise check.fail(
            "family",
            f"{family} is written in keras-hub's config form (its fused first stage forces its input filters and "
            f"has no residual); `effcli export efficientnetedgetpu_s --form keras-hub` writes one, or use one of "
            f"{', '.join(STAGE_LIST_FAMILIES)}",
        )
    return FAMILIES[family]


def _parse_globals(data: dict, check: _Checker, rules: FamilyRules) -> dict[str, Any]:
    out: dict[str, Any] = {"family": rules.name}
    if "name" in data:
        out["name"] = strip_invisible(check.field("name", data["name"]))
    else:
        out["name"] = Path(check.source).stem if check.source.endswith((".yaml", ".yml")) else "custom"
    for key in ("description", "native_resolution", "width_coefficient", "depth_coefficient", "depth_divisor"):
        if key in data:
            out[key] = check.field(key, data[key])
    if rules.uses_min_depth:
        if "min_depth" in data:
            out["min_depth"] = check.field("min_depth", data["min_depth"])
    else:
        out["min_depth"] = None
        if data.get("min_depth") is not None:
            raise check.fail(
                "min_depth",
                f"{rules.name} has no minimum depth (only efficientnetv2 uses it); remove this key",
            )
    out["activation"] = check.field("activation", data.get("activation", rules.default_activation))
    if "input_shape" in data:
        out["input_shape"] = _parse_input_shape(data["input_shape"], check)
    for key in ("include_rescaling", "trainable"):
        if key in data:
            out[key] = check.field(key, data[key])
    return out


def _parse_input_shape(value: Any, check: _Checker) -> tuple[int | None, int | None, int]:
    shape = check.field("input_shape", value)
    if shape is None:
        return (None, None, 3)
    height, width, channels = shape
    if (height is None) != (width is None):
        raise check.fail("input_shape", "give both height and width, or null for both")
    return (height, width, 3 if channels is None else channels)


def _parse_readable(data: dict, check: _Checker) -> BackboneSpec:
    check.keys(data, "", allowed=READABLE_KEYS, required=("stages",))
    rules = _parse_family(data, check)
    values = _parse_globals(data, check, rules)
    if "drop_rate" in data:
        values["drop_rate"] = check.field("drop_rate", data["drop_rate"])
    if "dropout_rate" in data:
        values["dropout_rate"] = check.field("dropout_rate", data["dropout_rate"])
    if "published" in data:
        values["published"] = _parse_published(data["published"], check)
    raw_stages = data["stages"]
    if not isinstance(raw_stages, list) or not raw_stages:
        raise check.fail("stages", f"expected a non-empty list of stage mappings, got {_show(raw_stages)}")
    stages = []
    for index, raw in enumerate(raw_stages):
        where = f"stages[{index}]"
        if not isinstance(raw, dict):
            raise check.fail(where, f"expected a mapping with keys {', '.join(STAGE_KEYS)}, got {_show(raw)}")
        required = REQUIRED_STAGE_KEYS
        if len(rules.block_types) > 1:
            required = ("block",) + required
        check.keys(raw, where, allowed=STAGE_KEYS, required=required)
        stages.append(_parse_stage(raw, check, rules, lambda key, w=where: f"{w}.{key}"))
    return BackboneSpec(stages=tuple(stages), source=check.source, **values)


def _parse_stage(raw: dict, check: _Checker, rules: FamilyRules, path) -> StageSpec:
    valid_blocks = {k: BLOCK_ALIASES[k] for k in STAGE_FIELDS["block"].choices if BLOCK_ALIASES[k] in rules.block_types}
    block = check.field("block", raw.get("block", rules.block_types[0]), path("block"), choices=valid_blocks)
    se_ratio = check.field("se_ratio", raw.get("se_ratio"), path("se_ratio")) or 0.0
    if se_ratio and not rules.has_se:
        raise check.fail(path("se_ratio"), f"{rules.name} has no squeeze-excite; use 0 or remove it")
    kernel = check.field("kernel_size", raw["kernel_size"], path("kernel_size"))
    strides = check.field("strides", raw["strides"], path("strides"))
    if rules.explicit_padding and strides == 2 and kernel == 1:
        raise check.fail(
            path("kernel_size"),
            f"{rules.name} pads explicitly before a stride-2 depthwise conv, which needs kernel_size >= 3",
        )
    return StageSpec(
        block=block,
        kernel_size=kernel,
        repeats=check.field("repeats", raw["repeats"], path("repeats")),
        input_filters=check.field("input_filters", raw["input_filters"], path("input_filters")),
        output_filters=check.field("output_filters", raw["output_filters"], path("output_filters")),
        expand_ratio=check.field("expand_ratio", raw["expand_ratio"], path("expand_ratio")),
        se_ratio=se_ratio,
        strides=strides,
    )


def _parse_published(raw: Any, check: _Checker) -> Published:
    """The `published:` mapping: top1, resolution, source (and training)."""
    if not isinstance(raw, dict):
        raise check.fail("published", f"expected a mapping with keys {', '.join(PUBLISHED_FIELDS)}, got {_show(raw)}")
    check.keys(raw, "published", allowed=tuple(PUBLISHED_FIELDS), required=REQUIRED_PUBLISHED_KEYS)
    values = {
        key: check.field(field, raw[key], f"published.{key}") for key, field in PUBLISHED_FIELDS.items() if key in raw
    }
    return Published(**values)


def _parse_keras_cv(data: dict, check: _Checker) -> BackboneSpec:
    rules = _parse_family(data, check)
    required = list(KERAS_CV_REQUIRED)
    allowed = list(KERAS_CV_KEYS)
    if rules.has_se:
        required.insert(5, "stackwise_squeeze_and_excite_ratios")
    else:
        allowed.remove("stackwise_squeeze_and_excite_ratios")
    if rules.name == V2:
        required.append("stackwise_conv_types")
        allowed.remove("dropout_rate")
    else:
        allowed.remove("stackwise_conv_types")
        allowed.remove("min_depth")
    for key in data:
        if isinstance(key, str) and key in KERAS_CV_KEYS and key not in allowed:
            raise check.fail(key, f"is not a setting of {rules.name} (the family of this config); remove this key")
    check.keys(data, "", allowed=tuple(allowed), required=tuple(required))
    values = _parse_globals(data, check, rules)
    drop_keys = [k for k in ("skip_connection_dropout", "drop_connect_rate") if k in data]
    if len(drop_keys) == 2:
        raise check.fail("drop_connect_rate", "give skip_connection_dropout or drop_connect_rate, not both")
    if drop_keys:
        values["drop_rate"] = check.field(drop_keys[0], data[drop_keys[0]])
    if "dropout_rate" in data:
        values["dropout_rate"] = check.field("dropout_rate", data["dropout_rate"])
    if "input_tensor" in data:
        check.field("input_tensor", data["input_tensor"])
    lists: dict[str, list] = {}
    for key in STACKWISE_KEYS:
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, list) or not value:
            raise check.fail(key, f"expected a non-empty list, got {_show(value)}")
        lists[key] = value
    lengths = {key: len(value) for key, value in lists.items()}
    count = lengths["stackwise_kernel_sizes"]
    for key, length in lengths.items():
        if length != count:
            raise check.fail(
                key,
                f"has {length} entries but stackwise_kernel_sizes has {count}; "
                "all stackwise_* lists need one entry per stage",
            )
    stages = []
    for index in range(count):
        raw = {STACKWISE_KEYS[key]: value[index] for key, value in lists.items()}

        def path(stage_key: str, i: int = index) -> str:
            list_key = next(k for k, v in STACKWISE_KEYS.items() if v == stage_key)
            return f"{list_key}[{i}]"

        stages.append(_parse_stage(raw, check, rules, path))
    return BackboneSpec(stages=tuple(stages), source=check.source, form="keras-cv", **values)


def _parse_keras_hub(data: dict, check: _Checker) -> BackboneSpec:
    """keras-hub's EfficientNetBackbone keyword arguments (its get_config()), with its block semantics."""
    check.keys(data, "", allowed=KERAS_HUB_KEYS, required=KERAS_HUB_REQUIRED)
    lists: dict[str, list] = {}
    for key in KERAS_HUB_STACKWISE_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not value:
                raise check.fail(key, f"expected a non-empty list, got {_show(value)}")
            lists[key] = value
    count = len(lists["stackwise_kernel_sizes"])
    for key, value in lists.items():
        if len(value) < count or (
            len(value) > count and key not in ("stackwise_force_input_filters", "stackwise_nores_option")
        ):
            raise check.fail(
                key,
                f"has {len(value)} entries but stackwise_kernel_sizes has {count}; "
                "all stackwise_* lists need one entry per stage",
            )
    for key in ("stackwise_force_input_filters", "stackwise_nores_option"):
        if key not in data and count > KERAS_HUB_DEFAULT_STAGES:
            raise check.fail(
                key,
                f"missing; keras-hub's default has {KERAS_HUB_DEFAULT_STAGES} entries and this config has "
                f"{count} stages; give one entry per stage",
            )
    coefficients = {}
    for kind in ("width", "depth"):
        list_key, single_key = f"stackwise_{kind}_coefficients", f"{kind}_coefficient"
        if single_key in data:  # keras-hub's constructor lets the single value override the list
            coefficients[kind] = (check.field(single_key, data[single_key]),) * count
        elif list_key in lists:
            coefficients[kind] = tuple(
                check.field(single_key, v, f"{list_key}[{i}]") for i, v in enumerate(lists[list_key][:count])
            )
        else:
            raise check.fail(list_key, f"missing; give {list_key} (one per stage) or {single_key}")

    def stage_value(key: str, index: int, default: Any = None) -> Any:
        where = f"{key}[{index}]"
        if key not in lists:
            return default
        return check.field(KERAS_HUB_STACKWISE_KEYS[key], lists[key][index], where)

    stages, block_types, force, nores = [], [], [], []
    for i in range(count):
        block_type = stage_value("stackwise_block_types", i)
        kernel = stage_value("stackwise_kernel_sizes", i)
        strides = stage_value("stackwise_strides", i)
        se_ratio = stage_value("stackwise_squeeze_and_excite_ratios", i) or 0.0
        stages.append(
            StageSpec(
                block=KERAS_HUB_BLOCKS[block_type],
                kernel_size=kernel,
                repeats=stage_value("stackwise_num_repeats", i),
                input_filters=stage_value("stackwise_input_filters", i),
                output_filters=stage_value("stackwise_output_filters", i),
                expand_ratio=stage_value("stackwise_expansion_ratios", i),
                se_ratio=se_ratio,
                strides=strides,
            )
        )
        block_types.append(block_type)
        force.append(stage_value("stackwise_force_input_filters", i, 0))
        nores.append(stage_value("stackwise_nores_option", i, False))

    def flag(key: str) -> Any:
        return check.field(key, data[key]) if key in data else FIELDS[key].default

    use_divisor = flag("use_depth_divisor_as_min_depth")
    min_depth = check.field("min_depth", data["min_depth"]) if "min_depth" in data else 8
    if min_depth is None and not use_divisor:
        raise check.fail(
            "min_depth",
            "null needs use_depth_divisor_as_min_depth: true (keras-hub cannot round filters without a minimum)",
        )
    if "dtype" in data and not (data["dtype"] is None or isinstance(data["dtype"], (str, dict))):
        raise check.fail("dtype", f"expected a dtype name or policy mapping, got {_show(data['dtype'])}")
    if "data_format" in data:
        check.field("data_format", data["data_format"])
    settings = KerasHubSettings(
        block_types=tuple(block_types),
        width_coefficients=coefficients["width"],
        depth_coefficients=coefficients["depth"],
        force_input_filters=tuple(force),
        nores=tuple(nores),
        include_stem_padding=flag("include_stem_padding"),
        stem_conv_padding=flag("stem_conv_padding"),
        use_depth_divisor_as_min_depth=use_divisor,
        cap_round_filter_decrease=flag("cap_round_filter_decrease"),
        num_features=flag("num_features"),
        projection_activation=check.field("projection_activation", data.get("projection_activation")),
        batch_norm_momentum=check.field("batch_norm_momentum", data["batch_norm_momentum"])
        if "batch_norm_momentum" in data
        else 0.9,
        batch_norm_epsilon=check.field("batch_norm_epsilon", data["batch_norm_epsilon"])
        if "batch_norm_epsilon" in data
        else 1e-5,
    )
    derived = V1 if all(t == "v1" for t in block_types) else V2
    family = derived
    if "family" in data:  # effcli's label; keras-hub's block types decide the network, the label must agree
        family = check.field("family", data["family"])
        if family not in (derived, EDGETPU) or (family == EDGETPU and derived != V2):
            allowed = f"{derived} or {EDGETPU}" if derived == V2 else derived
            raise check.fail(
                "family",
                f"{family} does not fit these stackwise_block_types ({', '.join(dict.fromkeys(block_types))}); "
                f"use {allowed}, or leave the key out (the block types say {derived})",
            )
    values: dict[str, Any] = {
        "family": family,
        "width_coefficient": coefficients["width"][0],
        "depth_coefficient": coefficients["depth"][0],
        "min_depth": min_depth,
        "activation": check.field("activation", data.get("activation", "swish")),
        "drop_rate": check.field("dropout", data["dropout"]) if "dropout" in data else 0.2,
    }
    if "name" in data:
        values["name"] = strip_invisible(check.field("name", data["name"]))
    else:
        values["name"] = Path(check.source).stem if check.source.endswith((".yaml", ".yml", ".json")) else "custom"
    for key in ("description", "native_resolution", "depth_divisor", "trainable"):
        if key in data:
            values[key] = check.field(key, data[key])
    if "input_shape" in data:
        values["input_shape"] = _parse_input_shape(data["input_shape"], check)
    if "published" in data:
        values["published"] = _parse_published(data["published"], check)
    return BackboneSpec(stages=tuple(stages), source=check.source, form="keras-hub", keras_hub=settings, **values)


def keras_hub_config(spec: BackboneSpec) -> dict[str, Any]:
    """keras-hub EfficientNetBackbone keyword arguments that build the network of ``spec``.

    A keras-hub spec gives its own config back. Any other spec is written with its
    rounding already done (width and depth coefficients 1, depth_divisor 1, min_depth 1:
    keras-hub's round_filters and round_repeats then keep every number as it is), so the
    family rules need no keras-hub equivalent: V2 blocks become ``fused`` / ``unfused``
    (a Fused-MBConv without expansion is keras-hub's ``cba``), V1 and Lite blocks ``v1``.
    Raises EffcliError when keras-hub cannot build the network.
    """
    hub = spec.keras_hub
    if hub is not None:
        from effcli.core.plan import keras_hub_coefficients

        width, depth = keras_hub_coefficients(spec)  # as configured, or rescaled after loading
        return {
            "name": spec.name,
            "trainable": spec.trainable,
            "stackwise_width_coefficients": list(width),
            "stackwise_depth_coefficients": list(depth),
            **stackwise_lists(
                spec.stages,
                "kernel_size",
                "repeats",
                "input_filters",
                "output_filters",
                "expand_ratio",
                "se_ratio",
                "strides",
            ),
            "stackwise_block_types": list(hub.block_types),
            "stackwise_force_input_filters": list(hub.force_input_filters),
            "stackwise_nores_option": list(hub.nores),
            "dropout": spec.drop_rate,
            "depth_divisor": spec.depth_divisor,
            "min_depth": spec.min_depth,
            "activation": spec.activation,
            "input_shape": list(spec.input_shape),
            "include_stem_padding": hub.include_stem_padding,
            "use_depth_divisor_as_min_depth": hub.use_depth_divisor_as_min_depth,
            "cap_round_filter_decrease": hub.cap_round_filter_decrease,
            "stem_conv_padding": hub.stem_conv_padding,
            "batch_norm_momentum": hub.batch_norm_momentum,
            "batch_norm_epsilon": hub.batch_norm_epsilon,
            "projection_activation": hub.projection_activation,
            "num_features": hub.num_features,
        }
    rules = spec.rules
    if spec.include_rescaling:
        raise EffcliError(
            "keras-hub's EfficientNetBackbone has no rescaling layer (its preprocessor rescales); "
            "set include_rescaling: false to export it",
            source=spec.source,
            field="include_rescaling",
        )

    rf = spec.rounded_filters

    count = len(spec.stages)
    repeats = [
        stage_repeats(
            s.repeats, rules=rules, stage_index=i, stage_count=count, depth_coefficient=spec.depth_coefficient
        )
        for i, s in enumerate(spec.stages)
    ]
    block_types, inputs, force = [], [rf(s.input_filters) for s in spec.stages], [0] * count
    for i, stage in enumerate(spec.stages):
        if rules.name in (V1, LITE):
            block_types.append("v1")
        elif stage.block == "mbconv":
            block_types.append("unfused")
        elif stage.expand_ratio != 1:
            block_types.append("fused")
        elif stage.se_ratio:
            raise EffcliError(
                "a Fused-MBConv block with expand_ratio 1 and squeeze-excite has no keras-hub equivalent "
                "(keras-hub's fused block always builds an expand conv; its cba block has no squeeze-excite)",
                source=spec.source,
                field=spec.field_path(i, "se_ratio"),
            )
        else:
            block_types.append("cba")  # conv kxk with the stride, batch norm, activation: keras-hub's CBABlock
    stem = rules.fixed_stem_filters or inputs[0]
    if stem != inputs[0]:  # Lite's fixed stem: the stem from stackwise_input_filters[0], stage 1 forced
        if repeats[0] > 1 and inputs[0] != rf(spec.stages[0].output_filters):
            raise EffcliError(
                f"keras-hub cannot give a stem of {stem} filters and a first stage declaring {inputs[0]} "
                f"input filters over {repeats[0]} blocks",
                source=spec.source,
                field=spec.field_path(0, "input_filters"),
            )
        force[0] = inputs[0]
        inputs[0] = stem
    top = rules.fixed_top_filters or rf(TOP_BASE_FILTERS)
    count_ones = [1.0] * count
    return {
        "name": spec.name,
        "trainable": spec.trainable,
        "stackwise_width_coefficients": count_ones,
        "stackwise_depth_coefficients": list(count_ones),
        "stackwise_kernel_sizes": [s.kernel_size for s in spec.stages],
        "stackwise_num_repeats": repeats,
        "stackwise_input_filters": inputs,
        "stackwise_output_filters": [rf(s.output_filters) for s in spec.stages],
        "stackwise_expansion_ratios": [s.expand_ratio for s in spec.stages],
        "stackwise_squeeze_and_excite_ratios": [s.se_ratio for s in spec.stages],
        "stackwise_strides": [s.strides for s in spec.stages],
        "stackwise_block_types": block_types,
        "stackwise_force_input_filters": force,
        "stackwise_nores_option": [False] * count,
        "dropout": spec.drop_rate,
        "depth_divisor": 1,
        "min_depth": 1,
        "activation": spec.activation,
        "input_shape": list(spec.input_shape),
        "include_stem_padding": rules.explicit_padding,
        "use_depth_divisor_as_min_depth": False,
        "cap_round_filter_decrease": False,
        "stem_conv_padding": "valid" if rules.explicit_padding else "same",
        "batch_norm_momentum": 0.9 if rules.name == V2 else 0.99,
        "batch_norm_epsilon": 1e-3,
        "projection_activation": None,
        "num_features": top,
    }


# --------------------------------------------------------------------------- files


def load_spec(path: str | Path) -> BackboneSpec:
    """Read and validate a YAML (or a keras-hub preset's JSON) config file (yaml.safe_load only).

    The file is read through :func:`effcli.files.read_input`: a FIFO, device, socket or folder is refused at once
    (never waited on), the size is checked on the open descriptor, and every OS error names the file.
    """
    return parse_spec(read_config(path), source=str(path))


def read_config(path: str | Path) -> Any:
    """The document of a YAML (or JSON) config file as :func:`load_spec` reads it, before validation."""
    import yaml

    source = str(path)
    file = Path(path)
    what = "a JSON config file" if file.suffix.lower() == ".json" else "a YAML config file"
    try:
        raw = read_input(file, source=source, max_bytes=MAX_CONFIG_BYTES, what=what)
    except EffcliError:
        missing = _missing(file)
        if missing:
            raise EffcliError(missing, source=source) from None
        raise
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EffcliError("not a text file (expected UTF-8 YAML)", source=source) from None
    if file.suffix.lower() == ".json":  # a keras-hub preset's config.json (YAML would read 1e-05 as text)
        return _parse_json(text, source)
    try:
        return _parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in problem:  # libyaml's own limit, reached before Python's recursion limit
            raise EffcliError("invalid YAML: nested too deeply for a stage config", source=source) from None
        raise EffcliError(f"invalid YAML: {where}{problem}", source=source) from None
    except RecursionError:
        raise EffcliError("invalid YAML: nested too deeply for a stage config", source=source) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible !!timestamp
        raise EffcliError(f"invalid YAML: {exc}", source=source) from None


def _missing(file: Path) -> str | None:
    """Why ``file`` could not be read, when it does not exist (after the read failed): for a plainer message."""
    try:
        os.stat(file)
    except FileNotFoundError:
        if not os.path.islink(file):
            return "no such file"
        try:
            target = os.readlink(file)
        except (OSError, ValueError):
            return "no such file: it is a symbolic link to a missing file"
        return f"no such file: the symbolic link points to {target!r}, which does not exist"
    except (OSError, ValueError):
        return None
    return None


def _parse_json(text: str, source: str) -> Any:
    """A JSON config (duplicate keys refused, as in YAML)."""
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise EffcliError(f"invalid JSON: duplicate key '{key}'", source=source)
            out[key] = value
        return out

    def integer(digits: str) -> int | HugeInteger:
        count = len(digits.lstrip("-"))
        return HugeInteger(count) if count > MAX_INTEGER_DIGITS else int(digits)

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_int=integer)
    except RecursionError:
        raise EffcliError("invalid JSON: nested too deeply for a stage config", source=source) from None
    except ValueError as exc:
        raise EffcliError(f"invalid JSON: {exc}", source=source) from None


def _parse_yaml(text: str) -> Any:
    """Parse once: compose the node graph, refuse duplicate keys on it, construct from it (safe tags only).

    libyaml's C parser (``yaml.CSafeLoader``, about 9x faster) when PyYAML has it,
    else the pure-Python one; both construct only YAML's standard types (integers past MAX_INTEGER_DIGITS
    as :class:`HugeInteger`).
    """
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:  # an empty document
            return None
        _reject_duplicate_keys(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


@cache
def _loader_class() -> type:
    """yaml.CSafeLoader (or SafeLoader) whose integers past MAX_INTEGER_DIGITS are :class:`HugeInteger`."""
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    def construct_int(loader, node) -> int | HugeInteger:
        digits = _yaml_integer_digits(loader.construct_scalar(node))
        if digits > MAX_INTEGER_DIGITS:
            return HugeInteger(digits)
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)

    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return Loader


def _yaml_integer_digits(text: str) -> int:
    """About how many decimal digits a YAML 1.1 integer has (exact in base 10), from its text alone.

    Bases 2, 8, 16 and 60 (``1:30:00``), signs and ``_`` as PyYAML reads them; 0 when the text is no
    integer (PyYAML's constructor then reports it).
    """
    body = str(text).replace("_", "").lstrip("+-")
    if body[:2] in ("0b", "0x"):
        base, digits, groups = (2 if body[1] == "b" else 16), body[2:], 1
    elif ":" in body:  # base 60: the first group in base 10, then one base-60 digit per group
        parts = body.split(":")
        base, digits, groups = 10, parts[0], len(parts)
    elif body.startswith("0"):
        base, digits, groups = 8, body[1:], 1
    else:
        base, digits, groups = 10, body, 1
    digits = digits.lstrip("0")
    if not digits:
        return 1 if groups == 1 else 2
    if base == 10 and groups == 1:
        return len(digits) if digits.isascii() and digits.isdigit() else 0
    head = digits[:6]  # few enough digits that their log10 is not rounded up to the next integer
    try:
        log10 = math.log10(int(head, base)) + (len(digits) - len(head)) * math.log10(base)
    except ValueError:
        return 0
    return math.floor(log10 + (groups - 1) * math.log10(60)) + 1


def _reject_duplicate_keys(node) -> None:
    """yaml.safe_load keeps the last of two equal keys silently; a config mistake, so refuse it.

    Works on the composed node graph (nothing is constructed). Aliases point at
    nodes already checked, so each node is visited once: no alias-bomb blow-up.
    """
    import yaml

    seen: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set = set()
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in keys:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key '{key_node.value}'", key_node.start_mark
                        )
                    keys.add(key_node.value)
                stack += [key_node, value_node]
        elif isinstance(current, yaml.SequenceNode):
            stack += current.value


def dump_spec_yaml(spec: BackboneSpec, form: str = "readable") -> str:
    """The YAML of a spec (what `effcli export` writes): the readable stage-list form, or keras-hub's form."""
    import yaml

    if form == "keras-hub":
        return yaml.safe_dump(keras_hub_config(spec), sort_keys=False, default_flow_style=None, width=1000)
    if spec.keras_hub is not None:
        raise EffcliError(
            "keras-hub's block semantics (its fused blocks at expand ratio 1, cba blocks, per-stage "
            "coefficients, stem padding, ...) cannot be written in the readable form; use --form keras-hub",
            source=spec.source,
        )

    class _Dumper(yaml.SafeDumper):
        pass

    def _flow_stage(dumper, stage: dict):
        return dumper.represent_mapping("tag:yaml.org,2002:map", stage, flow_style=True)

    class _Stage(dict):
        pass

    _Dumper.add_representer(_Stage, _flow_stage)
    data = spec.to_readable_dict()
    data["stages"] = [_Stage(stage) for stage in data["stages"]]
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=None, width=1000)
