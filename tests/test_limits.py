"""The table of config fields, the validator and the JSON Schema agree (effcli.core.limits).

The validator (``config.loader.parse_spec``) and the schema (``config.schema.config_schema``
checked by ``jsonschema``) are two independent code paths derived from one table. For every
field, values at each bound, just outside it, and of the wrong type are given to both, placed
in a minimal valid config of each form that has the field; both must reach the table's verdict.
"""

from __future__ import annotations

import copy
import dataclasses
import math

import jsonschema
import pytest

from effcli.config import schema as schema_module
from effcli.config.loader import parse_spec
from effcli.config.schema import config_schema
from effcli.core import limits
from effcli.core.limits import (
    CHOICE,
    COMMON_FIELDS,
    FIELDS,
    INTEGER,
    KERAS_CV_FIELDS,
    KERAS_HUB_FIELDS,
    KERAS_HUB_STAGE_FIELDS,
    NUMBER,
    PUBLISHED_FIELDS,
    READABLE_FIELDS,
    STAGE_FIELDS,
    Field,
)
from effcli.core.spec import (
    KERAS_CV_KEYS,
    KERAS_HUB_KEYS,
    KERAS_HUB_STACKWISE_KEYS,
    READABLE_KEYS,
    STACKWISE_KEYS,
    STAGE_KEYS,
)
from effcli.errors import EffcliError

READABLE_V2 = {
    "family": "efficientnetv2",
    "stages": [
        {"block": "mbconv", "kernel_size": 3, "repeats": 1, "input_filters": 32, "output_filters": 16,
         "expand_ratio": 1, "strides": 1},
    ],
}  # fmt: skip
KERAS_CV_V1 = {
    "family": "efficientnetv1",
    "width_coefficient": 1.0,
    "depth_coefficient": 1.0,
    "stackwise_kernel_sizes": [3],
    "stackwise_num_repeats": [1],
    "stackwise_input_filters": [32],
    "stackwise_output_filters": [16],
    "stackwise_expansion_ratios": [1],
    "stackwise_squeeze_and_excite_ratios": [0.25],
    "stackwise_strides": [1],
}
KERAS_CV_V2 = {**KERAS_CV_V1, "family": "efficientnetv2", "stackwise_conv_types": ["unfused"]}
LIST_OF = {stage_key: list_key for list_key, stage_key in STACKWISE_KEYS.items()}
KERAS_HUB = {
    "width_coefficient": 1.0,
    "depth_coefficient": 1.0,
    "use_depth_divisor_as_min_depth": True,
    "stackwise_kernel_sizes": [3],
    "stackwise_num_repeats": [1],
    "stackwise_input_filters": [32],
    "stackwise_output_filters": [16],
    "stackwise_expansion_ratios": [1],
    "stackwise_squeeze_and_excite_ratios": [0.25],
    "stackwise_strides": [1],
    "stackwise_block_types": ["v1"],
}
HUB_LIST_OF = {
    stage_key: list_key
    for list_key, stage_key in KERAS_HUB_STACKWISE_KEYS.items()
    if stage_key in STAGE_FIELDS or stage_key in KERAS_HUB_STAGE_FIELDS
}


def documents(name: str, value) -> list[tuple[str, dict]]:
    """Minimal valid configs with ``value`` in the field ``name``, one per form (and family) that has the field.

    Family-specific keys stay where the family allows them: the schema knows no families, by design.
    """
    out = []
    if name in HUB_LIST_OF:
        hub = copy.deepcopy(KERAS_HUB)
        hub[HUB_LIST_OF[name]] = [value]
        out.append(("keras-hub", hub))
    if name in KERAS_HUB_FIELDS or (name in KERAS_HUB_KEYS and name in COMMON_FIELDS):
        out.append(("keras-hub", {**copy.deepcopy(KERAS_HUB), name: value}))
    if name in KERAS_HUB_STAGE_FIELDS or name in KERAS_HUB_FIELDS:
        return out
    if name in STAGE_FIELDS:
        readable = copy.deepcopy(READABLE_V2)
        readable["stages"][0][name] = value
        out.append(("readable v2", readable))
        for label, base in (("keras-cv v2", KERAS_CV_V2), ("keras-cv v1", KERAS_CV_V1)):
            if name == "block" and label == "keras-cv v1":
                continue  # V1 has no stackwise_conv_types
            data = copy.deepcopy(base)
            data[LIST_OF[name]][0] = value
            out.append((label, data))
        return out
    if name in COMMON_FIELDS or name in READABLE_FIELDS:
        out.append(("readable v2", {**copy.deepcopy(READABLE_V2), name: value}))
    if name in KERAS_CV_FIELDS or (name in COMMON_FIELDS and name != "family"):
        out.append(("keras-cv v2", {**copy.deepcopy(KERAS_CV_V2), name: value}))
        if name != "min_depth":  # V1 has no minimum depth (and V2 no dropout_rate)
            out.append(("keras-cv v1", {**copy.deepcopy(KERAS_CV_V1), name: value}))
    if name == "dropout_rate":  # the readable form and V1's keras-cv form; V2's keras-cv form has no dropout_rate
        out = [(label, data) for label, data in out if label != "keras-cv v2"]
    if name.startswith("published."):
        published = {"top1": 77.1, "resolution": 224, "source": "a paper"}
        published[name.removeprefix("published.")] = value
        out.append(("readable v2", {**copy.deepcopy(READABLE_V2), "published": published}))
    return out


def bound_probes(field: Field) -> list:
    """The values at each bound of a field and just outside it (and just inside an open bound)."""
    if field.kind == INTEGER and field.choices:
        return [*field.choices, min(field.choices) - 1, max(field.choices) + 1]
    if field.kind == INTEGER:
        low, high = int(field.low), int(field.high)
        probes = [low - 1, low, low + 1, high - 1, high, high + 1]
        return probes + ([low + 1] if field.odd and low % 2 else [])  # an even value within the bounds
    if field.kind == NUMBER:
        return [
            field.low,
            math.nextafter(field.low, -math.inf),
            math.nextafter(field.low, math.inf),
            field.high,
            math.nextafter(field.high, math.inf),
            math.nextafter(field.high, -math.inf),
        ]
    if field.kind == CHOICE:
        return [*field.choices, "not-a-" + field.name]
    return []


# Wrong types and null. Not probed: 3.0 for an integer (JSON Schema's numbers do not tell 3.0 from 3, YAML and
# effcli do) and nan/inf (JSON has neither, so the schema's bounds say nothing about them).
TYPE_PROBES = [None, True, False, "1", "", "  ", [1], {}, 0.5, 1, 7]


def probes(field: Field) -> list:
    return bound_probes(field) + TYPE_PROBES


def loader_accepts(data: dict) -> bool:
    try:
        parse_spec(data, source="probe.yaml")
    except EffcliError:
        return False
    return True


def disagreements(schema: dict) -> list[tuple]:
    """Every (field, value, form) where the validator or the schema does not reach the table's verdict."""
    validator = jsonschema.Draft7Validator(schema)
    found = []

    def compare(name: str, value, expected: bool, config_value) -> None:
        for label, data in documents(name, config_value):
            by_loader, by_schema = loader_accepts(data), validator.is_valid(data)
            if not by_loader == by_schema == expected:
                found.append((name, value, label, {"table": expected, "loader": by_loader, "schema": by_schema}))

    published = {f"published.{key}": field for key, field in PUBLISHED_FIELDS.items()}
    for name, field in {**FIELDS, **published}.items():
        if name == "family":  # the loader checks it against the form and block types: test_keras_hub_form's tests
            continue
        for value in probes(field):
            compare(name, value, field.accepts(value), value)
        # the items of a fixed-length list (input_shape), one position at a time
        for position, item in enumerate(field.items):
            for value in probes(item):
                if value is None and position < 2:
                    continue  # height and width are null together or not at all: the validator's own rule
                shape = [224, 224, 3]
                shape[position] = value
                compare(name, (item.name, value), field.accepts(shape), shape)
    return found


def test_the_minimal_configs_are_valid_both_ways():
    validator = jsonschema.Draft7Validator(config_schema())
    for data in (READABLE_V2, KERAS_CV_V1, KERAS_CV_V2, KERAS_HUB):
        assert loader_accepts(data) and validator.is_valid(data), data


def test_the_table_covers_every_key_of_both_forms():
    assert tuple(STAGE_FIELDS) == STAGE_KEYS
    assert set(COMMON_FIELDS) | set(READABLE_FIELDS) | {"stages", "published"} == set(READABLE_KEYS)
    assert set(COMMON_FIELDS) | set(KERAS_CV_FIELDS) | set(STACKWISE_KEYS) == set(KERAS_CV_KEYS)
    assert set(KERAS_HUB_FIELDS) | set(KERAS_HUB_STACKWISE_KEYS) | {"dtype"} <= set(KERAS_HUB_KEYS)
    readable, keras_cv, keras_hub = config_schema()["oneOf"]
    assert set(readable["properties"]) == set(READABLE_KEYS)
    assert set(keras_cv["properties"]) == set(KERAS_CV_KEYS)
    assert set(keras_hub["properties"]) == set(KERAS_HUB_KEYS)
    assert set(readable["properties"]["stages"]["items"]["properties"]) == set(STAGE_KEYS)


def test_a_published_mapping_needs_its_keys_both_ways():
    validator = jsonschema.Draft7Validator(config_schema())
    whole = {"top1": 77.1, "resolution": 224, "training": "ImageNet-1k", "source": "a paper"}
    for key in whole:
        partial = {k: v for k, v in whole.items() if k != key}
        data = {**copy.deepcopy(READABLE_V2), "published": partial}
        expected = key == "training"  # the only optional key
        assert loader_accepts(data) == validator.is_valid(data) == expected, key
    for wrong in ([77.1], "77.1", {**whole, "top5": 93.3}):
        data = {**copy.deepcopy(READABLE_V2), "published": wrong}
        assert not loader_accepts(data) and not validator.is_valid(data), wrong


def test_every_bounded_field_is_probed():
    bounded = [name for name, field in FIELDS.items() if field.bounded or field.choices]
    assert {"width_coefficient", "depth_divisor", "min_depth", "expand_ratio", "kernel_size", "strides"} <= set(bounded)
    for name in bounded:
        assert documents(name, 1), name


def test_validator_and_schema_agree_with_the_table():
    jsonschema.Draft7Validator.check_schema(config_schema())
    found = disagreements(config_schema())
    assert not found, "\n".join(map(repr, found[:20]))


def test_a_drifted_schema_is_caught(monkeypatch):
    """The comparison can fail: a schema built from a table whose expand_ratio bound moved disagrees."""
    drifted = dict(STAGE_FIELDS, expand_ratio=dataclasses.replace(STAGE_FIELDS["expand_ratio"], high=65))
    monkeypatch.setattr(schema_module, "STAGE_FIELDS", drifted)
    found = disagreements(config_schema())
    assert found and {(name, value) for name, value, *_ in found} == {("expand_ratio", 65)}
    assert all(verdicts == {"table": False, "loader": False, "schema": True} for *_, verdicts in found)


# ---------------------------------------------------------------- the option checks


OPTIONS = {
    "width_coefficient": "--width",
    "depth_coefficient": "--depth",
    "depth_divisor": "--divisor",
    "min_depth": "--min-depth",
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_scale_options_accept_what_a_config_accepts(name):
    from effcli.config.presets import load_preset
    from effcli.tools.scale import scaled_spec

    base = load_preset("efficientnetv2_b0")
    option = OPTIONS[name]
    keywords = {"width_coefficient": "width", "depth_coefficient": "depth", "depth_divisor": "divisor"}
    for value in bound_probes(FIELDS[name]):
        arguments = {"width": 1.0, "depth": 1.0, keywords.get(name, name): value}
        try:
            scaled = scaled_spec(base, **arguments)
        except EffcliError as error:
            by_option = False
            assert str(error).startswith(f"{option}: must be "), error
        else:
            by_option = True
            assert getattr(scaled, name) == value
        assert by_option == loader_accepts({**READABLE_V2, name: value}) == FIELDS[name].accepts(value), value


def test_option_messages():
    cases = [
        ("width_coefficient", 0.0, "--width", "--width: must be a number in (0, 100], got 0"),
        ("depth_coefficient", math.nan, "--depth", "--depth: must be a number in (0, 100], got nan"),
        ("width_coefficient", 1e9, "--width", "--width: must be a number in (0, 100], got 1e+09"),
        ("depth_divisor", 1025, "--divisor", "--divisor: must be an integer from 1 to 1024, got 1025"),
        ("min_depth", 0, "--min-depth", "--min-depth: must be an integer from 1 to 100000, got 0"),
        ("strides", 3, "--strides", "--strides: must be 1 or 2, got 3"),
    ]
    for name, value, source, message in cases:
        with pytest.raises(EffcliError) as caught:
            limits.check(name, value, source=source)
        assert str(caught.value) == message
    assert limits.check("depth_divisor", 1024, source="--divisor") == 1024
    with pytest.raises(EffcliError) as caught:
        limits.check("depth_coefficient", 1e4, source="--phi", message="gives {value:.4g}; must be in {bounds}")
    assert str(caught.value) == "--phi: gives 1e+04; must be in (0, 100]"


def test_config_messages_read_their_bounds_from_the_table():
    for data, message in (
        ({**READABLE_V2, "depth_divisor": 0}, "probe.yaml: depth_divisor: must be from 1 to 1024, got 0"),
        ({**READABLE_V2, "width_coefficient": 0}, "probe.yaml: width_coefficient: must be in (0.0, 100.0], got 0.0"),
        ({**READABLE_V2, "drop_rate": "x"}, "probe.yaml: drop_rate: expected a number, got 'x'"),
        (
            {**READABLE_V2, "input_shape": [224, 224, 5000]},
            "probe.yaml: input_shape (channels): must be from 1 to 4096",
        ),
        ({**READABLE_V2, "input_shape": [224]}, "probe.yaml: input_shape: expected a list [height, width, channels]"),
    ):
        with pytest.raises(EffcliError) as caught:
            parse_spec(data, source="probe.yaml")
        assert str(caught.value).startswith(message), caught.value
