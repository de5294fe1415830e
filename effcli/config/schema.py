"""A JSON Schema of effcli's config format (both forms), for editors that validate YAML."""

from __future__ import annotations

from typing import Any

from effcli.core.families import FAMILIES
from effcli.core.limits import MAX_COEFFICIENT, MAX_FILTERS, MAX_KERNEL, MAX_REPEATS, MAX_RESOLUTION
from effcli.core.spec import ACTIVATIONS, READABLE_KEYS, STAGE_KEYS

SCHEMA_ID = "https://github.com/effcli/effcli/config.schema.json"


def _int(low: int, high: int, description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high, "description": description}


def _number(description: str, *, low: float = 0.0, high: float = 1.0, exclusive_low: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number", "maximum": high, "description": description}
    schema["exclusiveMinimum" if exclusive_low else "minimum"] = low
    return schema


def config_schema() -> dict[str, Any]:
    kernel = {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_KERNEL,
        "not": {"multipleOf": 2},
        "description": "Odd kernel size (3, 5, ...).",
    }
    strides = {"enum": [1, 2], "description": "Stride of the stage's first block."}
    block = {
        "enum": ["fused", "mbconv", "unfused"],
        "description": "fused = Fused-MBConv (EfficientNetV2); mbconv (keras-cv: unfused) = MBConv.",
    }
    se_ratio = _number("Squeeze-excite width as a fraction of the block's input filters; 0 = none (Lite: 0).")
    common: dict[str, Any] = {
        "name": {"type": "string", "minLength": 1, "description": "Model name."},
        "description": {"type": "string", "description": "One line about the model."},
        "family": {
            "enum": list(FAMILIES),
            "default": "efficientnetv2",
            "description": "Which family's rules apply (rounding, stem/top, SE, activation).",
        },
        "native_resolution": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": MAX_RESOLUTION,
            "description": "The resolution the model was designed for (--resolution native).",
        },
        "width_coefficient": _number(
            "Multiplies every stage's filters (round_filters).", high=MAX_COEFFICIENT, exclusive_low=True
        ),
        "depth_coefficient": _number(
            "Multiplies every stage's repeats (ceil).", high=MAX_COEFFICIENT, exclusive_low=True
        ),
        "depth_divisor": _int(1, 1024, "Filters are rounded to a multiple of this (8)."),
        "min_depth": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": MAX_FILTERS,
            "description": "EfficientNetV2 only: the smallest filter count round_filters returns.",
        },
        "activation": {
            "enum": list(ACTIVATIONS),
            "description": "Activation of every block (V2/V1 swish, Lite relu6).",
        },
        "input_shape": {
            "type": "array",
            "minItems": 3,
            "maxItems": 3,
            "items": [
                {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_RESOLUTION},
                {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_RESOLUTION},
                {"type": ["integer", "null"], "minimum": 1},
            ],
            "description": "[height, width, channels]; [null, null, 3] = unspecified.",
        },
        "include_rescaling": {"type": "boolean", "description": "Start with Rescaling(1/255)."},
        "trainable": {"type": "boolean", "description": "false makes every parameter non-trainable."},
    }
    stage = {
        "type": "object",
        "additionalProperties": False,
        "required": ["kernel_size", "repeats", "input_filters", "output_filters", "expand_ratio", "strides"],
        "properties": {
            "block": block,
            "kernel_size": kernel,
            "repeats": _int(1, MAX_REPEATS, "Blocks in the stage before depth scaling."),
            "input_filters": _int(1, MAX_FILTERS, "Input filters before width scaling."),
            "output_filters": _int(1, MAX_FILTERS, "Output filters before width scaling."),
            "expand_ratio": _int(1, 64, "The block's inner width is input_filters x expand_ratio."),
            "se_ratio": {**se_ratio, "type": ["number", "null"]},
            "strides": strides,
        },
    }
    assert set(stage["properties"]) == set(STAGE_KEYS)
    readable = {
        "title": "effcli stage-list config",
        "type": "object",
        "additionalProperties": False,
        "required": ["stages"],
        "properties": {
            **common,
            "drop_rate": _number("Drop rate of the residual branch, reached by the last block."),
            "stages": {"type": "array", "minItems": 1, "items": stage, "description": "One mapping per stage."},
        },
    }
    assert set(readable["properties"]) == set(READABLE_KEYS)

    def stackwise(items: dict[str, Any], description: str) -> dict[str, Any]:
        return {"type": "array", "minItems": 1, "items": items, "description": description}

    keras_cv = {
        "title": "keras-cv get_config() form",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "stackwise_kernel_sizes",
            "stackwise_num_repeats",
            "stackwise_input_filters",
            "stackwise_output_filters",
            "stackwise_expansion_ratios",
            "stackwise_strides",
            "width_coefficient",
            "depth_coefficient",
        ],
        "properties": {
            **common,
            "stackwise_kernel_sizes": stackwise(kernel, "Kernel size per stage."),
            "stackwise_num_repeats": stackwise(stage["properties"]["repeats"], "Repeats per stage."),
            "stackwise_input_filters": stackwise(stage["properties"]["input_filters"], "Input filters per stage."),
            "stackwise_output_filters": stackwise(stage["properties"]["output_filters"], "Output filters per stage."),
            "stackwise_expansion_ratios": stackwise(stage["properties"]["expand_ratio"], "Expand ratio per stage."),
            "stackwise_squeeze_and_excite_ratios": stackwise(se_ratio, "SE ratio per stage (V2 and V1)."),
            "stackwise_strides": stackwise(strides, "Stride per stage."),
            "stackwise_conv_types": stackwise(block, "Block type per stage (V2 only)."),
            "skip_connection_dropout": _number("Drop rate of the residual branch (V2 name)."),
            "drop_connect_rate": _number("Drop rate of the residual branch (V1 / Lite name)."),
            "dropout_rate": _number("The classifier's dropout (V1 / Lite); unused by a backbone."),
            "input_tensor": {"type": "null"},
        },
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "effcli backbone config",
        "description": "An EfficientNet backbone for effcli: the readable stage-list form or keras-cv's "
        "get_config() form. effcli itself checks more (equal list lengths, family-specific keys, channels).",
        "oneOf": [readable, keras_cv],
    }
