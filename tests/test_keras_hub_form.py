"""keras-hub's EfficientNetBackbone config form: loading, planning per block, export, errors.

The numbers come from real keras-hub builds (tests/data/keras_hub_reference.json, made by
tests/reference/generate_keras_hub_reference.py in a scratch environment).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from effcli.config.loader import dump_spec_yaml, keras_hub_config, load_spec, parse_spec
from effcli.config.presets import resolve
from effcli.core.plan import make_plan
from effcli.engines import summarize
from effcli.engines.analytic import count_layer
from effcli.errors import EffcliError

REFERENCE = json.loads((Path(__file__).parent / "data" / "keras_hub_reference.json").read_text())
MODELS = {model["name"]: model for model in REFERENCE["models"]}


def _report(config: dict, shape, source: str = "hub.yaml"):
    spec = parse_spec(config, source=source)
    return summarize(spec, tuple(shape), engine="analytic", cache=False), make_plan(spec, tuple(shape))


@pytest.mark.parametrize("name", list(MODELS))
def test_every_block_equals_keras_hub(name):
    model = MODELS[name]
    report, plan = _report(model["config"], model["input_shape"])
    data = report.to_dict()
    assert [b["name"] for b in data["blocks"]] == [b["name"] for b in model["blocks"]]
    for ref, block, plan_block in zip(model["blocks"], data["blocks"], plan.blocks, strict=True):
        where = f"{name} {ref['name']}"
        assert block["params"] == ref["params"], where
        assert block["trainable"] == ref["trainable"], where
        assert block["non_trainable"] == ref["non_trainable"], where
        assert list(block["output_shape"]) == ref["output_shape"], where
        # every layer with weights, by keras-hub's name, with its parameter count
        weighted = {layer.name: count_layer(layer).params for layer in plan_block.layers if count_layer(layer).params}
        assert weighted == ref["layers"], where
        if "layer_names" in ref:  # a functional block (stem, top, v1): every layer, in order
            assert [layer.name for layer in plan_block.layers] == ref["layer_names"], where
    totals = data["totals"]
    assert (totals["params"], totals["trainable"], totals["non_trainable"]) == (
        model["totals"]["params"],
        model["totals"]["trainable"],
        model["totals"]["non_trainable"],
    )
    assert [p["output_shape"] for p in data["pyramid"]] == list(model["pyramid"].values())


@pytest.mark.parametrize("name", list(MODELS))
def test_get_config_and_preset_config_json_load(tmp_path, name):
    """What keras-hub's get_config() returns, bare or wrapped as in a preset's config.json, counts the same."""
    model = MODELS[name]
    config = model["get_config"]
    if "num_features" in model["config"]:  # keras-hub's get_config() leaves these out
        config = {**config, "num_features": model["config"]["num_features"]}
    if "stackwise_nores_option" in model["config"]:
        config = {**config, "stackwise_nores_option": model["config"]["stackwise_nores_option"]}
    wrapped = {
        "module": "keras_hub.src.models.efficientnet.efficientnet_backbone",
        "class_name": "EfficientNetBackbone",
        "config": config,
        "registered_name": "keras_hub>EfficientNetBackbone",
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(wrapped))
    spec = load_spec(path)
    assert spec.form == "keras-hub"
    report = summarize(spec, tuple(model["input_shape"]), engine="analytic", cache=False)
    assert report.to_dict()["totals"]["params"] == model["totals"]["params"]


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_hub_export_round_trip_is_identical(tmp_path, name):
    model = MODELS[name]
    spec = parse_spec(model["config"], source="hub.yaml")
    path = tmp_path / "again.yaml"
    path.write_text(dump_spec_yaml(spec, "keras-hub"))
    again = load_spec(path)
    shape = tuple(model["input_shape"])
    first = summarize(spec, shape, engine="analytic", cache=False).to_dict()
    second = summarize(again, shape, engine="analytic", cache=False).to_dict()
    first.pop("name"), second.pop("name")
    assert first == second


PRESETS = ["b0", "efficientnetv2_s", "efficientnetv2_b2", "efficientnetv1_b0", "efficientnetv1_b3", "lite0", "lite4"]


@pytest.mark.parametrize("preset", PRESETS)
def test_export_of_a_preset_builds_the_same_network(tmp_path, preset):
    spec = resolve(preset)
    path = tmp_path / "hub.yaml"
    path.write_text(dump_spec_yaml(spec, "keras-hub"))
    exported = load_spec(path)
    for shape in ((224, 224, 3), (193, 257, 3)):
        original = summarize(spec, shape, engine="analytic", cache=False).to_dict()
        again = summarize(exported, shape, engine="analytic", cache=False).to_dict()
        assert again["totals"]["params"] == original["totals"]["params"]
        assert again["totals"]["trainable"] == original["totals"]["trainable"]
        key = ("name", "params", "trainable", "non_trainable", "output_shape", "residual", "macs")
        assert [[b[k] for k in key] for b in again["blocks"]] == [[b[k] for k in key] for b in original["blocks"]]
        assert [p["output_shape"] for p in again["pyramid"]] == [p["output_shape"] for p in original["pyramid"]]


def test_readable_export_of_a_keras_hub_config_says_why():
    spec = parse_spec(MODELS["timm_rw_t"]["config"], source="hub.yaml")
    with pytest.raises(EffcliError, match="--form keras-hub"):
        dump_spec_yaml(spec)


def test_fused_expand_one_with_se_cannot_be_exported():
    spec = resolve("b0")
    stages = list(spec.stages)
    stages[0] = stages[0].__class__(**{**stages[0].__dict__, "se_ratio": 0.25})
    with pytest.raises(EffcliError, match="no keras-hub equivalent"):
        keras_hub_config(spec.with_changes(stages=tuple(stages)))


def test_rescaling_cannot_be_exported():
    with pytest.raises(EffcliError, match="rescaling"):
        keras_hub_config(resolve("b0").with_changes(include_rescaling=True))


BASE = MODELS["every_option"]["config"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"stackwise_block_types": ["fused", "unfused", "v1", "v2", "cba", "fused"]},
            "stackwise_block_types[3]",
            "'v2' is not valid",
        ),
        ({"stackwise_strides": [2, 1, 2, 3, 1, 2]}, "stackwise_strides[3]", "must be 1 or 2"),
        ({"stackwise_kernel_sizes": [3, 5, 3]}, "stackwise_num_repeats", "stackwise_kernel_sizes has 3"),
        ({"stackwise_num_repeats": [1, 2]}, "stackwise_num_repeats", "entries"),
        ({"stem_conv_padding": "full"}, "stem_conv_padding", "expected one of: valid, same"),
        ({"include_stem_padding": "yes"}, "include_stem_padding", "true or false"),
        ({"min_depth": None}, "min_depth", "use_depth_divisor_as_min_depth"),
        ({"num_features": 0}, "num_features", "from 1"),
        ({"stackwise_force_input_filters": [0, 0, -1, 0, 0, 0]}, "stackwise_force_input_filters[2]", "from 0"),
        ({"stackwise_nores_option": [0, 0, 0, 0, 0, 0]}, "stackwise_nores_option[0]", "true or false"),
        ({"projection_activation": "relu7"}, "projection_activation", "not valid"),
        ({"stackwise_width_coefficients": [1.0, 0, 1, 1, 1, 1]}, "stackwise_width_coefficients[1]", "(0.0, 100.0]"),
        ({"dropout": 2}, "dropout", "[0.0, 1.0]"),
        ({"stackwise_blok_types": ["v1"] * 6}, "stackwise_blok_types", "did you mean 'stackwise_block_types'"),
        ({"family": "efficientnetv1"}, "family", "does not fit these stackwise_block_types"),
        ({"family": "efficientnetlite"}, "family", "use efficientnetv2 or efficientnetedgetpu"),
    ],
)
def test_mistakes_name_the_field(change, field, message):
    config = {**BASE, **change}
    with pytest.raises(EffcliError) as raised:
        parse_spec(config, source="hub.yaml")
    assert raised.value.field == field, str(raised.value)
    if message:
        assert message in str(raised.value)


def test_missing_coefficients_and_channel_mistakes():
    config = {k: v for k, v in BASE.items() if k != "stackwise_width_coefficients"}
    with pytest.raises(EffcliError, match="stackwise_width_coefficients"):
        parse_spec(config, source="hub.yaml")
    bad = {**BASE, "stackwise_width_coefficients": [1.0, 1.1, 0.9, 1.3, 1.0, 1.2]}  # block5a: 40 declared, 56 arrive
    spec = parse_spec(bad, source="hub.yaml")
    with pytest.raises(EffcliError, match="block5a adds its"):
        summarize(spec, (97, 130, 3), engine="analytic", cache=False)


def test_more_than_seven_stages_need_the_default_lists():
    config = dict(MODELS["timm_b0"]["config"])
    for key in (
        "stackwise_kernel_sizes",
        "stackwise_num_repeats",
        "stackwise_input_filters",
        "stackwise_output_filters",
        "stackwise_expansion_ratios",
        "stackwise_strides",
        "stackwise_block_types",
        "stackwise_squeeze_and_excite_ratios",
        "stackwise_width_coefficients",
        "stackwise_depth_coefficients",
    ):
        config[key] = config[key] + config[key][-1:]
    config["stackwise_input_filters"][-1] = 320
    with pytest.raises(EffcliError, match="7 entries"):
        parse_spec(config, source="hub.yaml")


def test_the_schema_accepts_keras_hub_configs():
    jsonschema = pytest.importorskip("jsonschema")
    from effcli.config.schema import config_schema

    schema = config_schema()
    for model in MODELS.values():
        jsonschema.validate(model["config"], schema)
        jsonschema.validate(model["get_config"], schema)
    exported = yaml.safe_load(dump_spec_yaml(resolve("lite2"), "keras-hub"))
    jsonschema.validate(exported, schema)


@pytest.mark.keras
@pytest.mark.parametrize("preset", ["b0", "efficientnetv1_b2", "lite3"])
def test_real_keras_hub_builds_the_exported_network(preset):
    keras_hub = pytest.importorskip("keras_hub")
    spec = resolve(preset)
    config = keras_hub_config(spec)
    config["input_shape"] = [161, 224, 3]
    model = keras_hub.models.EfficientNetBackbone(**config)
    report = summarize(spec, (161, 224, 3), engine="analytic", cache=False).to_dict()
    assert model.count_params() == report["totals"]["params"]
    assert [int(d) for d in model.output.shape[1:]] == report["blocks"][-1]["output_shape"]


@pytest.mark.keras
@pytest.mark.parametrize("name", list(MODELS))
def test_real_keras_hub_matches_the_reference(name):
    keras_hub = pytest.importorskip("keras_hub")
    model = MODELS[name]
    built = keras_hub.models.EfficientNetBackbone(**model["config"], input_shape=model["input_shape"])
    assert built.count_params() == model["totals"]["params"]


# effcli's presets of the networks keras-hub builds for its timm EdgeTPU and rw presets
HUB_PRESETS = {f"timm_e{size}": f"efficientnetedgetpu_{size}" for size in "sml"}
HUB_PRESETS |= {f"timm_rw_{size}": f"efficientnetv2_rw_{size}" for size in "tsm"}
HUB_CASES = [name for name in MODELS if name.split("@")[0] in HUB_PRESETS]


def test_every_hub_preset_is_in_the_reference_at_three_sizes():
    for hub, preset in HUB_PRESETS.items():
        native = resolve(preset).native_resolution
        sizes = {tuple(MODELS[n]["input_shape"][:2]) for n in HUB_CASES if n.split("@")[0] == hub}
        assert sizes == {(224, 224), (native, native), (193, 257)}, hub


@pytest.mark.parametrize("name", HUB_CASES)
def test_hub_presets_equal_keras_hubs_build(name):
    """The preset (not the reference's config) against keras-hub's build: blocks, layers, totals, pyramid."""
    model = MODELS[name]
    spec = resolve(HUB_PRESETS[name.split("@")[0]])
    shape = tuple(model["input_shape"])
    data = summarize(spec, shape, engine="analytic", cache=False, pyramid="keras").to_dict()
    plan = make_plan(spec, shape)
    for ref, block, plan_block in zip(model["blocks"], data["blocks"], plan.blocks, strict=True):
        assert (block["name"], block["params"], block["trainable"], block["non_trainable"]) == (
            ref["name"],
            ref["params"],
            ref["trainable"],
            ref["non_trainable"],
        )
        assert list(block["output_shape"]) == ref["output_shape"], ref["name"]
        weighted = {layer.name: count_layer(layer).params for layer in plan_block.layers if count_layer(layer).params}
        assert weighted == ref["layers"], ref["name"]
    assert data["totals"]["params"] == model["totals"]["params"]
    assert [p["output_shape"] for p in data["pyramid"]] == list(model["pyramid"].values())


@pytest.mark.parametrize("hub", sorted(HUB_PRESETS))
def test_hub_presets_export_keras_hubs_own_config(hub):
    """effcli export --form keras-hub of the preset gives back keras-hub's converter config (dropout aside)."""
    exported = keras_hub_config(resolve(HUB_PRESETS[hub]))
    for key, value in MODELS[hub]["config"].items():
        if key != "dropout":
            assert exported[key] == value, key


@pytest.mark.keras
@pytest.mark.parametrize("hub", sorted(HUB_PRESETS))
def test_keras_engine_builds_the_hub_presets_as_keras_hub(hub):
    model = MODELS[f"{hub}@193x257"]
    report = summarize(resolve(HUB_PRESETS[hub]), (193, 257, 3), engine="keras", cache=False, pyramid="keras")
    data = report.to_dict()
    ours = [(b["name"], b["params"], b["trainable"], list(b["output_shape"])) for b in data["blocks"]]
    assert ours == [(b["name"], b["params"], b["trainable"], b["output_shape"]) for b in model["blocks"]]
    assert [p["output_shape"] for p in data["pyramid"]] == list(model["pyramid"].values())


def test_a_stage_list_config_cannot_claim_edgetpu():
    readable = yaml.safe_load(dump_spec_yaml(resolve("lite0")))
    readable["family"] = "efficientnetedgetpu"
    with pytest.raises(EffcliError, match=r"family.*keras-hub's config form"):
        parse_spec(readable, source="edge.yaml")
    jsonschema = pytest.importorskip("jsonschema")
    from effcli.config.schema import config_schema

    validator = jsonschema.Draft7Validator(config_schema())
    assert not validator.is_valid(readable)
    hub = {**MODELS["timm_es"]["config"], "family": "efficientnetedgetpu"}
    assert validator.is_valid(hub) and parse_spec(hub, source="hub.yaml").rules.title == "EfficientNet-EdgeTPU"
