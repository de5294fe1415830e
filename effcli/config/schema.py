"""A JSON Schema of effcli's config format (all three forms), for editors that validate YAML.

Every property is generated from the table of config fields,
:data:`effcli.core.limits.FIELDS`, which the validator (``effcli.config.loader``)
reads too; only the structure (the two forms, the ``stages`` and ``stackwise_*``
lists, what is required) is written here.
"""

from __future__ import annotations

from typing import Any

from effcli.config.loader import KERAS_CV_REQUIRED, KERAS_HUB_REQUIRED, REQUIRED_STAGE_KEYS
from effcli.core.families import STAGE_LIST_FAMILIES
from effcli.core.limits import (
    BOOLEAN,
    CHOICE,
    COMMON_FIELDS,
    INTEGER,
    KERAS_CV_FIELDS,
    KERAS_HUB_FIELDS,
    KERAS_HUB_STAGE_FIELDS,
    NULL,
    NUMBER,
    PUBLISHED_FIELDS,
    READABLE_FIELDS,
    REQUIRED_PUBLISHED_KEYS,
    STAGE_FIELDS,
    TEXT,
    TUPLE,
    Field,
)
from effcli.core.spec import KERAS_HUB_KEYS, KERAS_HUB_STACKWISE_KEYS, STACKWISE_KEYS

SCHEMA_ID = "https://github.com/effcli/effcli/config.schema.json"

_TYPES = {INTEGER: "integer", NUMBER: "number", TEXT: "string", BOOLEAN: "boolean", TUPLE: "array", NULL: "null"}
_STACKWISE_DESCRIPTIONS = {
    "stackwise_kernel_sizes": "Kernel size per stage.",
    "stackwise_num_repeats": "Repeats per stage.",
    "stackwise_input_filters": "Input filters per stage.",
    "stackwise_output_filters": "Output filters per stage.",
    "stackwise_expansion_ratios": "Expand ratio per stage.",
    "stackwise_squeeze_and_excite_ratios": "SE ratio per stage (V2 and V1).",
    "stackwise_strides": "Stride per stage.",
    "stackwise_conv_types": "Block type per stage (V2 only).",
}


def _visible_pattern() -> str:
    """A regex matching a text with at least one visible character: one outside INVISIBLE_CATEGORIES, the
    characters the loader strips from a name's ends (so a name of U+200B alone fails both). JSON Schema's
    regexes have no Unicode categories, so the class lists the Basic Multilingual Plane's invisible characters
    as ranges; surrogates are left out (a validator without the u flag sees an emoji as two of them)."""
    import unicodedata

    from effcli.core.limits import INVISIBLE_CATEGORIES

    ranges: list[list[int]] = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF or unicodedata.category(chr(code)) not in INVISIBLE_CATEGORIES:
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = "".join(f"\\u{a:04X}" if a == b else f"\\u{a:04X}-\\u{b:04X}" for a, b in ranges)
    return f"[^{parts}]"


VISIBLE_PATTERN = _visible_pattern()


def field_schema(field: Field) -> dict[str, Any]:
    """The JSON Schema of one field of the table."""
    schema: dict[str, Any] = {}
    if field.kind == CHOICE or field.choices:
        if field.kind != CHOICE:  # an integer enum: true is not 1
            schema["type"] = [_TYPES[field.kind], "null"] if field.nullable else _TYPES[field.kind]
        schema["enum"] = list(field.choices) + ([None] if field.nullable else [])
    else:
        schema["type"] = [_TYPES[field.kind], "null"] if field.nullable and field.kind != NULL else _TYPES[field.kind]
    if field.bounded:
        schema["exclusiveMinimum" if field.low_open else "minimum"] = field.low
        schema["exclusiveMaximum" if field.high_open else "maximum"] = field.high
    if field.odd:
        schema["not"] = {"multipleOf": 2}
    if field.nonblank:
        schema["minLength"] = 1
        schema["pattern"] = VISIBLE_PATTERN
    if field.kind == TUPLE:
        schema["minItems"] = schema["maxItems"] = len(field.items)
        schema["items"] = [field_schema(item) for item in field.items]
    if field.default is not None:
        schema["default"] = field.default
    schema["description"] = field.description
    return schema


def _properties(fields: dict[str, Field]) -> dict[str, Any]:
    return {name: field_schema(field) for name, field in fields.items()}


def config_schema() -> dict[str, Any]:
    common = _properties(COMMON_FIELDS)
    stage_list_common = {**common, "family": {**common["family"], "enum": list(STAGE_LIST_FAMILIES)}}
    stage: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": list(REQUIRED_STAGE_KEYS),
        "properties": _properties(STAGE_FIELDS),
    }
    published = {
        "type": "object",
        "additionalProperties": False,
        "required": list(REQUIRED_PUBLISHED_KEYS),
        "properties": _properties(PUBLISHED_FIELDS),
        "description": "A preset's published ImageNet accuracy (presets and compare show it).",
    }
    readable = {
        "title": "effcli stage-list config",
        "type": "object",
        "additionalProperties": False,
        "required": ["stages"],
        "properties": {
            **stage_list_common,
            **_properties(READABLE_FIELDS),
            "published": published,
            "stages": {"type": "array", "minItems": 1, "items": stage, "description": "One mapping per stage."},
        },
    }
    stackwise = {
        key: {
            "type": "array",
            "minItems": 1,
            "items": stage["properties"][stage_key],
            "description": _STACKWISE_DESCRIPTIONS.get(key, f"{stage_key} per stage."),
        }
        for key, stage_key in STACKWISE_KEYS.items()
    }
    keras_cv = {
        "title": "keras-cv get_config() form",
        "type": "object",
        "additionalProperties": False,
        "required": list(KERAS_CV_REQUIRED),
        "properties": {**stage_list_common, **stackwise, **_properties(KERAS_CV_FIELDS)},
    }
    hub_fields = {**COMMON_FIELDS, **STAGE_FIELDS, **KERAS_HUB_STAGE_FIELDS}
    hub_stackwise = {
        key: {
            "type": "array",
            "minItems": 1,
            "items": field_schema(hub_fields[field_key]),
            "description": _STACKWISE_DESCRIPTIONS.get(key, f"keras-hub: {field_key} per stage."),
        }
        for key, field_key in KERAS_HUB_STACKWISE_KEYS.items()
    }
    hub_properties = {
        **{key: value for key, value in common.items() if key in KERAS_HUB_KEYS},
        **hub_stackwise,
        **_properties(KERAS_HUB_FIELDS),
        "dtype": {"type": ["string", "object", "null"], "description": "keras-hub: the dtype policy (no effect)."},
        "published": published,
    }
    keras_hub = {
        "title": "keras-hub EfficientNetBackbone get_config() form",
        "type": "object",
        "additionalProperties": False,
        "required": list(KERAS_HUB_REQUIRED),
        "properties": hub_properties,
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "effcli backbone config",
        "description": "An EfficientNet backbone for effcli: the readable stage-list form, keras-cv's "
        "get_config() form or keras-hub's EfficientNetBackbone get_config() form. "
        "effcli itself checks more (equal list lengths, family-specific keys, channels).",
        "oneOf": [readable, keras_cv, keras_hub],
    }
