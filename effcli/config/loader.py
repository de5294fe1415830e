"""YAML configs in (two forms) and out: parsing and validation into a BackboneSpec.

Two input forms are accepted:

* the readable stage-list form (``stages:`` with one mapping per stage), which is
  what ``configs/*.yaml`` use and what effcli writes;
* keras-cv's own ``get_config()`` form (parallel ``stackwise_*`` lists), with an
  optional ``family:`` key.

Every mistake raises :class:`EffcliError` naming the file and field.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any

from effcli.core.families import FAMILIES, V2, FamilyRules
from effcli.core.limits import (
    MAX_CHANNELS,
    MAX_COEFFICIENT,
    MAX_CONFIG_BYTES,
    MAX_FILTERS,
    MAX_KERNEL,
    MAX_REPEATS,
    MAX_RESOLUTION,
)
from effcli.core.spec import (
    ACTIVATIONS,
    BLOCK_ALIASES,
    KERAS_CV_KEYS,
    READABLE_KEYS,
    STACKWISE_KEYS,
    STAGE_KEYS,
    BackboneSpec,
    StageSpec,
)
from effcli.errors import EffcliError

# --------------------------------------------------------------------------- checks


class _Checker:
    """Reads typed values out of a mapping, raising EffcliError with the field path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, field_name: str, message: str) -> EffcliError:
        return EffcliError(message, source=self.source, field=field_name)

    def integer(self, value: Any, name: str, *, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"expected an integer from {low} to {high}, got {_show(value)}")
        if not low <= value <= high:
            raise self.fail(name, f"must be from {low} to {high}, got {value}")
        return value

    def number(self, value: Any, name: str, *, low: float, high: float, low_open: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, f"expected a number, got {_show(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise self.fail(name, f"must be a finite number, got {value}")
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            bracket = "(" if low_open else "["
            raise self.fail(name, f"must be in {bracket}{_num(low)}, {_num(high)}], got {_num(value)}")
        return value

    def boolean(self, value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {_show(value)}")
        return value

    def text(self, value: Any, name: str) -> str:
        if not isinstance(value, str):
            raise self.fail(name, f"expected a string, got {_show(value)}")
        return value

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
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise self.fail(where, f"unknown key; {hint}valid keys: {', '.join(allowed)}")
        for key in required:
            if key not in data:
                where = f"{name}.{key}" if name else key
                raise self.fail(where, "missing; this key is required")


def _show(value: Any) -> str:
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
    return f"{value:g}" if isinstance(value, float) else str(value)


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
    if any(key.startswith("stackwise_") for key in data if isinstance(key, str)):
        return _parse_keras_cv(data, check)
    raise check.fail(
        "stages",
        "missing; a config needs 'stages' (readable form) or the 'stackwise_*' lists of keras-cv's get_config()",
    )


def _parse_family(data: dict, check: _Checker) -> FamilyRules:
    family = check.choice(data.get("family", V2), "family", tuple(FAMILIES))
    return FAMILIES[family]


def _parse_globals(data: dict, check: _Checker, rules: FamilyRules) -> dict[str, Any]:
    out: dict[str, Any] = {"family": rules.name}
    if "name" in data:
        name = check.text(data["name"], "name").strip()
        if not name:
            raise check.fail("name", "must not be empty")
        out["name"] = name
    else:
        out["name"] = Path(check.source).stem if check.source.endswith((".yaml", ".yml")) else "custom"
    if "description" in data:
        out["description"] = check.text(data["description"], "description")
    if data.get("native_resolution") is not None:
        out["native_resolution"] = check.integer(
            data["native_resolution"], "native_resolution", low=1, high=MAX_RESOLUTION
        )
    for key in ("width_coefficient", "depth_coefficient"):
        if key in data:
            out[key] = check.number(data[key], key, low=0.0, high=MAX_COEFFICIENT, low_open=True)
    if "depth_divisor" in data:
        out["depth_divisor"] = check.integer(data["depth_divisor"], "depth_divisor", low=1, high=1024)
    if rules.uses_min_depth:
        if data.get("min_depth") is not None:
            out["min_depth"] = check.integer(data["min_depth"], "min_depth", low=1, high=MAX_FILTERS)
        elif "min_depth" in data:
            out["min_depth"] = None
    else:
        out["min_depth"] = None
        if data.get("min_depth") is not None:
            raise check.fail(
                "min_depth",
                f"{rules.name} has no minimum depth (only efficientnetv2 uses it); remove this key",
            )
    out["activation"] = check.choice(data.get("activation", rules.default_activation), "activation", ACTIVATIONS)
    if "input_shape" in data:
        out["input_shape"] = _parse_input_shape(data["input_shape"], check)
    for key in ("include_rescaling", "trainable"):
        if key in data:
            out[key] = check.boolean(data[key], key)
    return out


def _parse_input_shape(value: Any, check: _Checker) -> tuple[int | None, int | None, int]:
    if value is None:
        return (None, None, 3)
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise check.fail("input_shape", f"expected a list [height, width, channels], got {_show(value)}")
    height, width, channels = value
    dims: list[int | None] = []
    for label, dim in (("height", height), ("width", width)):
        if dim is None:
            dims.append(None)
        else:
            dims.append(check.integer(dim, f"input_shape ({label})", low=1, high=MAX_RESOLUTION))
    if (dims[0] is None) != (dims[1] is None):
        raise check.fail("input_shape", "give both height and width, or null for both")
    if channels is None:
        channels = 3
    dims.append(check.integer(channels, "input_shape (channels)", low=1, high=MAX_CHANNELS))
    return (dims[0], dims[1], dims[2])


def _parse_readable(data: dict, check: _Checker) -> BackboneSpec:
    check.keys(data, "", allowed=READABLE_KEYS, required=("stages",))
    rules = _parse_family(data, check)
    values = _parse_globals(data, check, rules)
    if "drop_rate" in data:
        values["drop_rate"] = check.number(data["drop_rate"], "drop_rate", low=0.0, high=1.0)
    raw_stages = data["stages"]
    if not isinstance(raw_stages, list) or not raw_stages:
        raise check.fail("stages", f"expected a non-empty list of stage mappings, got {_show(raw_stages)}")
    stages = []
    for index, raw in enumerate(raw_stages):
        where = f"stages[{index}]"
        if not isinstance(raw, dict):
            raise check.fail(where, f"expected a mapping with keys {', '.join(STAGE_KEYS)}, got {_show(raw)}")
        required = tuple(k for k in STAGE_KEYS if k not in ("block", "se_ratio"))
        if len(rules.block_types) > 1:
            required = ("block",) + required
        check.keys(raw, where, allowed=STAGE_KEYS, required=required)
        stages.append(_parse_stage(raw, check, rules, lambda key, w=where: f"{w}.{key}"))
    return BackboneSpec(stages=tuple(stages), source=check.source, **values)


def _parse_stage(raw: dict, check: _Checker, rules: FamilyRules, path) -> StageSpec:
    block = raw.get("block", rules.block_types[0])
    valid_blocks = {k: v for k, v in BLOCK_ALIASES.items() if v in rules.block_types}
    block = check.choice(block, path("block"), valid_blocks)
    se_ratio = 0.0
    if raw.get("se_ratio") is not None:
        se_ratio = check.number(raw["se_ratio"], path("se_ratio"), low=0.0, high=1.0)
        if se_ratio and not rules.has_se:
            raise check.fail(path("se_ratio"), f"{rules.name} has no squeeze-excite; use 0 or remove it")
    kernel = check.integer(raw["kernel_size"], path("kernel_size"), low=1, high=MAX_KERNEL)
    if kernel % 2 == 0:
        raise check.fail(path("kernel_size"), f"must be odd (1, 3, 5, ...), got {kernel}")
    strides = raw["strides"]
    if isinstance(strides, bool) or strides not in (1, 2) or not isinstance(strides, int):
        raise check.fail(path("strides"), f"must be 1 or 2, got {_show(strides)}")
    if rules.explicit_padding and strides == 2 and kernel == 1:
        raise check.fail(
            path("kernel_size"),
            f"{rules.name} pads explicitly before a stride-2 depthwise conv, which needs kernel_size >= 3",
        )
    return StageSpec(
        block=block,
        kernel_size=kernel,
        repeats=check.integer(raw["repeats"], path("repeats"), low=1, high=MAX_REPEATS),
        input_filters=check.integer(raw["input_filters"], path("input_filters"), low=1, high=MAX_FILTERS),
        output_filters=check.integer(raw["output_filters"], path("output_filters"), low=1, high=MAX_FILTERS),
        expand_ratio=check.integer(raw["expand_ratio"], path("expand_ratio"), low=1, high=64),
        se_ratio=se_ratio,
        strides=strides,
    )


def _parse_keras_cv(data: dict, check: _Checker) -> BackboneSpec:
    rules = _parse_family(data, check)
    required = [
        "stackwise_kernel_sizes",
        "stackwise_num_repeats",
        "stackwise_input_filters",
        "stackwise_output_filters",
        "stackwise_expansion_ratios",
        "stackwise_strides",
        "width_coefficient",
        "depth_coefficient",
    ]
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
        values["drop_rate"] = check.number(data[drop_keys[0]], drop_keys[0], low=0.0, high=1.0)
    if "dropout_rate" in data:
        check.number(data["dropout_rate"], "dropout_rate", low=0.0, high=1.0)
    if data.get("input_tensor") is not None:
        raise check.fail("input_tensor", "must be null in a config file")
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


# --------------------------------------------------------------------------- files


def load_spec(path: str | Path) -> BackboneSpec:
    """Read and validate a YAML config file (yaml.safe_load only)."""
    import yaml

    source = str(path)
    file = Path(path)
    try:
        if not file.exists():
            raise EffcliError("no such file", source=source)
        if file.is_dir():
            raise EffcliError("is a directory, expected a YAML config file", source=source)
        size = file.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise EffcliError(
                f"too large for a stage config ({size:,} bytes; at most {MAX_CONFIG_BYTES:,})", source=source
            )
        with open(file, "rb") as handle:  # re-check the size read: the file may be a FIFO or growing
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: e.g. an embedded NUL in the path
        raise EffcliError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", source=source) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise EffcliError(f"too large for a stage config (more than {MAX_CONFIG_BYTES:,} bytes)", source=source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EffcliError("not a text file (expected UTF-8 YAML)", source=source) from None
    try:
        _reject_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader))
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise EffcliError(f"invalid YAML: {where}{problem}", source=source) from None
    except RecursionError:
        raise EffcliError("invalid YAML: nested too deeply for a stage config", source=source) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible !!timestamp
        raise EffcliError(f"invalid YAML: {exc}", source=source) from None
    return parse_spec(data, source=source)


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


def dump_spec_yaml(spec: BackboneSpec) -> str:
    """The readable stage-list YAML of a spec (what `effcli export` writes)."""
    import yaml

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
