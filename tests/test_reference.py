"""effcli's analytic engine against numbers read off real keras-cv 0.9 and keras.applications builds.

tests/data/reference.json is produced by tests/reference/generate_reference.py,
which builds keras-cv's own EfficientNetV2 / V1 / Lite backbones from the preset
stage configs; nothing in it is computed by effcli.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from effcli.config.presets import load_preset, preset_names
from effcli.engines import summarize

_REFERENCE = json.loads((DATA / "reference.json").read_text())
CASES = [(name, size) for name, sizes in _REFERENCE["presets"].items() for size in sizes]


def _report(name: str, size: str):
    height, width = (int(v) for v in size.split("x"))
    return summarize(load_preset(name), (height, width, 3), engine="analytic")


def keras_cv_layer_name(family: str, layer: str) -> str:
    """effcli's tap layer name as keras-cv 0.9 writes it (README: deliberate differences)."""
    if family == "efficientnetv1" and layer.endswith("_project_bn"):
        return layer.replace("_project_bn", "_project_activation")
    return layer


def test_reference_covers_every_preset_at_three_sizes():
    # B8, L2 and V2-XL are in neither keras-cv nor keras.applications: tests/test_timm_reference.py checks them
    # nor the EdgeTPU and rw presets (keras-hub's form): tests/test_keras_hub_form.py checks them as well
    timm_only = {"efficientnetv1_b8", "efficientnetv1_l2", "efficientnetv2_xl"}
    timm_only |= {f"efficientnetv2_rw_{s}" for s in "tsm"} | {f"efficientnetedgetpu_{s}" for s in "sml"}
    assert sorted(_REFERENCE["presets"]) == sorted(set(preset_names()) - timm_only)
    assert len(preset_names()) == 29
    for name in _REFERENCE["presets"]:
        native = load_preset(name).native_resolution
        assert {"224x224", f"{native}x{native}", "193x257"} == set(_REFERENCE["presets"][name])


@pytest.mark.parametrize(("name", "size"), CASES)
def test_blocks_totals_and_pyramid_match_keras_cv(name, size):
    expected = _REFERENCE["presets"][name][size]
    report = _report(name, size)
    assert [b.name for b in report.blocks] == [b["name"] for b in expected["blocks"]]
    for block, ref in zip(report.blocks, expected["blocks"], strict=True):
        assert (block.name, block.trainable, block.non_trainable) == (
            ref["name"],
            ref["trainable"],
            ref["non_trainable"],
        )
        assert list(block.output_shape) == ref["output_shape"], block.name
    totals = report.totals
    assert (totals.params, totals.trainable, totals.non_trainable) == (
        expected["totals"]["params"],
        expected["totals"]["trainable"],
        expected["totals"]["non_trainable"],
    )
    pyramid = [(p.level, keras_cv_layer_name(report.family, p.layer), list(p.output_shape)) for p in report.pyramid]
    assert pyramid == [(p["level"], p["layer"], p["output_shape"]) for p in expected["pyramid"]]
    for level in report.pyramid:
        assert level.channels == level.output_shape[2]


@pytest.mark.parametrize(("name", "size"), [c for c in CASES if c[1] == "224x224"])
def test_layers_inside_blocks_match_keras_cv(name, size):
    """Every parameter-holding layer of every block: same name, same counts."""
    expected = _REFERENCE["presets"][name][size]
    report = _report(name, size)
    for block, ref in zip(report.blocks, expected["blocks"], strict=True):
        ours = [(l.name, l.trainable, l.non_trainable) for l in block.layers if l.params]
        theirs = [
            (l["name"], l["trainable"], l["non_trainable"])
            for l in ref["layers"]
            if l["trainable"] + l["non_trainable"]
        ]
        if report.family == "efficientnetv2":  # keras-cv lists a V2 block's sublayers in creation order
            ours, theirs = sorted(ours), sorted(theirs)
        assert ours == theirs, block.name


@pytest.mark.parametrize(("name", "size"), [c for c in CASES if c[1] == "224x224"])
def test_drop_rates_follow_design_rule(name, size):
    """keras-cv divides by the unscaled repeat count; effcli by the real block count (README)."""
    spec = load_preset(name)
    report = _report(name, size)
    blocks = [b for b in report.blocks if b.type not in ("stem", "top")]
    base = sum(stage.repeats for stage in spec.stages)
    expected = {b["name"]: b["drop_rate"] for b in _REFERENCE["presets"][name][size]["blocks"] if "drop_rate" in b}
    assert expected, "the reference records drop rates"
    for block in blocks:
        assert 0 <= block.drop_rate < spec.drop_rate
        if block.name in expected:
            assert block.drop_rate == pytest.approx(expected[block.name] * base / len(blocks), abs=1e-9)


@pytest.mark.parametrize("name", sorted(_REFERENCE["keras_applications"]))
def test_totals_match_keras_applications(name):
    expected = _REFERENCE["keras_applications"][name]
    totals = _report(name, "224x224").totals
    if name.startswith("efficientnetv2"):
        assert (totals.params, totals.trainable, totals.non_trainable) == (
            expected["params"],
            expected["trainable"],
            expected["non_trainable"],
        )
    else:  # keras.applications' V1 adds a Normalization layer: 3 means, 3 variances, 1 count
        assert (totals.params + 7, totals.trainable, totals.non_trainable + 7) == (
            expected["params"],
            expected["trainable"],
            expected["non_trainable"],
        )


def test_published_backbone_numbers():
    """keras.applications' include_top=False totals at 224x224 (no classifier head), as commonly quoted."""
    published = {
        "efficientnetv2_b0": (5_919_312, 5_858_704),
        "efficientnetv2_b2": (8_769_374, 8_687_086),
        "efficientnetv2_s": (20_331_360, 20_177_488),
        "efficientnetv2_l": (117_746_848, 117_234_272),
        "efficientnetv1_b0": (4_049_564, 4_007_548),
    }
    for name, (params, trainable) in published.items():
        totals = _report(name, "224x224").totals
        assert (totals.params, totals.trainable) == (params, trainable), name
