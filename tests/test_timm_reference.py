"""The presets keras-cv does not define against numbers read off real timm builds.

EfficientNet-B8, L2 and EfficientNetV2-XL (timm's TensorFlow-compatible ports tf_efficientnet_b8,
tf_efficientnet_l2, tf_efficientnetv2_xl), EfficientNet-EdgeTPU S/M/L (timm's efficientnet_es/em/el)
and timm's own EfficientNetV2 variants (efficientnetv2_rw_t/s/m): tests/data/timm_reference.json is
produced by tests/reference/generate_timm_reference.py from timm's own architecture definitions, with
BatchNorm counted as Keras counts it (4*C weights, 2*C of them non-trainable). Nothing in it is
computed by effcli.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from effcli.config.presets import load_preset, preset_names
from effcli.engines import summarize

_REFERENCE = json.loads((DATA / "timm_reference.json").read_text())
TIMM_PRESETS = {"efficientnetv1_b8": "tf_efficientnet_b8", "efficientnetv1_l2": "tf_efficientnet_l2"}
TIMM_PRESETS["efficientnetv2_xl"] = "tf_efficientnetv2_xl"
# written in keras-hub's form (stackwise_force_input_filters, nores, cba blocks, per-stage depth)
KERAS_HUB_FORM = {f"efficientnetedgetpu_{size}": f"efficientnet_e{size}" for size in "sml"}
KERAS_HUB_FORM |= {f"efficientnetv2_rw_{size}": f"efficientnetv2_rw_{size}" for size in "tsm"}
TIMM_PRESETS |= KERAS_HUB_FORM
CASES = [(name, size) for name, model in _REFERENCE["models"].items() for size in model["sizes"]]
CONV_OPS = ("conv", "dwconv")


def _report(name: str, size: str):
    height, width = (int(v) for v in size.split("x"))
    return summarize(load_preset(name), (height, width, 3), engine="analytic", pyramid="timm")


def test_reference_covers_the_presets_at_three_sizes():
    assert set(_REFERENCE["models"]) == set(TIMM_PRESETS) and set(TIMM_PRESETS) <= set(preset_names())
    for name, timm_name in TIMM_PRESETS.items():
        model = _REFERENCE["models"][name]
        assert f"'{timm_name}'" in model["timm_model"]
        native = load_preset(name).native_resolution
        assert set(model["sizes"]) == {"224x224", f"{native}x{native}", "193x257"}


def test_native_resolutions_are_the_official_ones():
    """B8 672 and L2 800 (efficientnet_builder); V2-XL 512 (effnetv2_configs eval size, as V2-L's 480)."""
    natives = {name: load_preset(name).native_resolution for name in TIMM_PRESETS if name not in KERAS_HUB_FORM}
    assert natives == {"efficientnetv1_b8": 672, "efficientnetv1_l2": 800, "efficientnetv2_xl": 512}


@pytest.mark.parametrize("name", sorted(KERAS_HUB_FORM))
def test_native_resolution_is_timms_train_size(name):
    """EdgeTPU 224/240/300 (also Google's efficientnet_edgetpu_params) and rw 224/288/320: timm's input_size."""
    model = _REFERENCE["models"][name]
    assert model["pretrained_cfg"]["architecture"] == KERAS_HUB_FORM[name]
    assert load_preset(name).native_resolution == model["pretrained_cfg"]["input_size"][1]


def test_presets_sort_after_their_smaller_siblings():
    names = preset_names()
    assert names.index("efficientnetv2_xl") == names.index("efficientnetv2_l") + 1
    assert names.index("efficientnetv1_b8") == names.index("efficientnetv1_b7") + 1
    assert names.index("efficientnetv1_l2") == names.index("efficientnetv1_b8") + 1
    rw = [names.index(f"efficientnetv2_rw_{size}") for size in "tsm"]
    assert rw == list(range(names.index("efficientnetv2_xl") + 1, names.index("efficientnetv2_xl") + 4))
    edge = [names.index(f"efficientnetedgetpu_{size}") for size in "sml"]
    assert edge == list(range(names.index("efficientnetlite_b4") + 1, names.index("efficientnetlite_b4") + 4))


@pytest.mark.parametrize("name", sorted(TIMM_PRESETS))
def test_stage_depths_and_head_match_timm(name):
    model = _REFERENCE["models"][name]
    report = _report(name, "224x224")
    stages = [b.stage for b in report.blocks if b.type not in ("stem", "top")]
    assert [stages.count(s) for s in sorted(set(stages))] == model["stage_repeats"]
    assert report.blocks[-1].output_shape[2] == model["num_features"]


@pytest.mark.parametrize(("name", "size"), CASES)
def test_blocks_totals_macs_and_pyramid_match_timm(name, size):
    expected = _REFERENCE["models"][name]["sizes"][size]
    report = _report(name, size)
    assert [b.name for b in report.blocks] == [b["name"] for b in expected["blocks"]]
    for block, ref in zip(report.blocks, expected["blocks"], strict=True):
        assert (block.name, block.params, block.trainable, block.non_trainable) == (
            ref["name"],
            ref["params"],
            ref["trainable"],
            ref["non_trainable"],
        )
        assert list(block.output_shape) == ref["output_shape"], block.name
        assert block.macs == ref["macs"], block.name
    totals = report.totals
    assert (totals.params, totals.trainable, totals.non_trainable, totals.macs) == (
        expected["totals"]["params"],
        expected["totals"]["trainable"],
        expected["totals"]["non_trainable"],
        expected["totals"]["macs"],
    )
    ours = [(p.level, p.block, list(p.output_shape), p.stride, p.channels) for p in report.pyramid]
    theirs = [(p["level"], p["block"], p["output_shape"], p["reduction"], p["num_chs"]) for p in expected["pyramid"]]
    assert ours == theirs


@pytest.mark.parametrize(("name", "size"), CASES)
def test_every_convolution_matches_timm(name, size):
    """Each conv of each block, in execution order: kernel, stride, parameters, output shape, MACs."""
    expected = _REFERENCE["models"][name]["sizes"][size]
    report = _report(name, size)
    for block, ref in zip(report.blocks, expected["blocks"], strict=True):
        ours = [
            (l.kernel_size, l.strides, l.params, list(l.output_shape), l.macs) for l in block.layers if l.op in CONV_OPS
        ]
        theirs = [(c["kernel"][0], c["strides"][0], c["params"], c["output_shape"], c["macs"]) for c in ref["convs"]]
        assert ours == theirs, block.name


@pytest.mark.parametrize("name", sorted(set(TIMM_PRESETS) - set(KERAS_HUB_FORM)))
def test_drop_rates_match_timm_drop_path(name):
    """timm's drop_path_rate * i / N (built with 0.2) is effcli's drop rule with the presets' 0.2."""
    blocks = _REFERENCE["models"][name]["sizes"]["224x224"]["blocks"]
    expected = {b["name"]: b["drop_path_rate"] for b in blocks if "drop_path_rate" in b}  # not stem, top
    assert len(expected) == len(blocks) - 2
    report = _report(name, "224x224")
    assert load_preset(name).drop_rate == 0.2
    for block in report.blocks:
        if block.name in expected:
            assert block.drop_rate == pytest.approx(expected[block.name], abs=1e-9), block.name


@pytest.mark.parametrize("name", sorted(KERAS_HUB_FORM))
def test_keras_hub_form_presets_follow_keras_hubs_drop_rule(name):
    """keras-hub divides by the configured (unscaled) repeats, timm by the built blocks: effcli builds keras-hub's."""
    spec = load_preset(name)
    configured = sum(stage.repeats for stage in spec.stages)
    blocks = [b for b in _report(name, "224x224").blocks if b.type not in ("stem", "top")]
    assert [b.drop_rate for b in blocks] == [pytest.approx(spec.drop_rate * i / configured) for i in range(len(blocks))]
    timm = {b["name"]: b["drop_path_rate"] for b in _REFERENCE["models"][name]["sizes"]["224x224"]["blocks"][1:-1]}
    assert timm[blocks[-1].name] == pytest.approx(0.2 * (len(blocks) - 1) / len(blocks))


@pytest.mark.keras
@pytest.mark.parametrize("name", sorted(KERAS_HUB_FORM))
def test_keras_engine_builds_what_timm_builds(name):
    """The Keras engine's real build of each keras-hub-form preset at 193x257: every block, totals, both pyramids."""
    expected = _REFERENCE["models"][name]["sizes"]["193x257"]
    report = summarize(load_preset(name), (193, 257, 3), engine="keras", pyramid="timm", cache=False)
    ours = [(b.name, b.params, b.trainable, b.non_trainable, list(b.output_shape)) for b in report.blocks]
    theirs = [
        (b["name"], b["params"], b["trainable"], b["non_trainable"], b["output_shape"]) for b in expected["blocks"]
    ]
    assert ours == theirs
    assert report.totals.params == expected["totals"]["params"]
    taps = [(p.block, list(p.output_shape)) for p in report.pyramid]
    assert taps == [(p["block"], p["output_shape"]) for p in expected["pyramid"]]
