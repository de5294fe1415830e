"""`effcli summary FILE.keras`: effcli's own builds and keras.applications models saved in the test."""

from __future__ import annotations

import json

import pytest

from effcli.config.presets import load_preset
from effcli.engines import summarize

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def keras_module():
    from effcli.engines import keras_engine

    return keras_engine.import_keras()


def structure(blocks):
    return [
        (
            b["name"],
            b["type"],
            b["kernel_size"],
            b["strides"],
            b["expand_ratio"],
            b["se_filters"],
            b["residual"],
            b["output_shape"],
            b["params"],
            b["trainable"],
            b["non_trainable"],
            b["macs"],
        )
        for b in blocks
    ]


@pytest.mark.parametrize(
    ("function", "preset", "stem_extra"),
    [
        ("EfficientNetV2B0", "efficientnetv2_b0", 0),
        ("EfficientNetV2S", "efficientnetv2_s", 0),
        ("EfficientNetB0", "efficientnetv1_b0", 7),
    ],  # V1's Normalization layer: 3 means, 3 variances, 1 count
)
def test_keras_applications_models_read_like_the_presets(run, tmp_path, keras_module, function, preset, stem_extra):
    model = getattr(keras_module.applications, function)(include_top=False, weights=None, input_shape=(224, 224, 3))
    model.save(tmp_path / "saved.keras")
    code, out, err = run("summary", "saved.keras", "-f", "json")
    assert code == 0, err
    saved = json.loads(out)
    expected = summarize(load_preset(preset), (224, 224, 3), engine="analytic").to_dict()
    ours, theirs = structure(saved["blocks"]), structure(expected["blocks"])
    assert ours[0][8] == theirs[0][8] + stem_extra  # the stem
    assert ours[1:] == theirs[1:]
    assert saved["totals"]["params"] == expected["totals"]["params"] + stem_extra
    assert saved["totals"]["macs"] == expected["totals"]["macs"]
    assert [(p["level"], p["output_shape"], p["stride"]) for p in saved["pyramid"]] == [
        (p["level"], p["output_shape"], p["stride"]) for p in expected["pyramid"]
    ]


def test_effcli_builds_read_back_identically(run, tmp_path):
    assert run("build", "lite1", "--output", "lite1.keras", "-r", "193x257")[0] == 0
    code, out, _ = run("summary", "lite1.keras", "-f", "json", "--layers")
    saved = json.loads(out)
    expected = summarize(load_preset("efficientnetlite_b1"), (193, 257, 3), engine="analytic").to_dict(layers=True)
    assert code == 0 and structure(saved["blocks"]) == structure(expected["blocks"])
    assert [[l["name"] for l in b["layers"]] for b in saved["blocks"]] == [
        [l["name"] for l in b["layers"]] for b in expected["blocks"]
    ]
    assert saved["pyramid"] == expected["pyramid"]
    assert run("build", "b2", "--output", "b2.keras")[0] == 0
    code, out, _ = run("explain", "b2.keras", "block4b", "-f", "json")
    assert code == 0 and json.loads(out)["channel_flow"] == ["104", "416", "416", "SE 26", "104"]
    code, out, _ = run("compare", "b2.keras", "b2", "-f", "json")
    data = json.loads(out)
    assert [m["totals"]["params"] for m in data["models"]] == [8_769_374, 8_769_374]


def test_free_input_size_needs_a_resolution(run, tmp_path, keras_module):
    model = keras_module.applications.EfficientNetV2B0(include_top=False, weights=None)  # input (None, None, 3)
    model.save(tmp_path / "free.keras")
    code, out, err = run("summary", "free.keras")
    assert code == 2 and out == "" and "give one with --resolution" in err
    code, out, _ = run("summary", "free.keras", "-r", "160", "-f", "json")
    data = json.loads(out)
    expected = summarize(load_preset("efficientnetv2_b0"), (160, 160, 3), engine="analytic").to_dict()
    assert code == 0 and data["input_shape"] == [160, 160, 3]
    assert structure(data["blocks"]) == structure(expected["blocks"])


def test_classifier_head_is_a_row_of_its_own(run, tmp_path, keras_module):
    model = keras_module.applications.EfficientNetB0(include_top=True, weights=None)
    model.save(tmp_path / "classifier.keras")
    code, out, _ = run("summary", "classifier.keras", "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["blocks"][-1]["name"] == "head" and data["blocks"][-2]["name"] == "top"
    assert data["blocks"][-1]["params"] == 1280 * 1000 + 1000
    assert data["totals"]["params"] == model.count_params()
    code, out, err = run("compare", "classifier.keras", "v1-b0", "-f", "json")
    assert code == 0, err
    rows = {row["row"]: row["models"] for row in json.loads(out)["stages"]}
    assert list(rows)[-2:] == ["top", "head"]
    assert rows["head"][0]["params"] == 1280 * 1000 + 1000 and rows["head"][1] is None
    assert rows["top"][0]["params"] == rows["top"][1]["params"]
    for format in ("table", "csv", "markdown"):
        code, out, err = run("compare", "classifier.keras", "v1-b0", "-f", format)
        assert code == 0 and "head" in out, err


def test_not_a_model(run, tmp_path):
    (tmp_path / "junk.keras").write_bytes(b"not a zip file")
    code, out, err = run("summary", "junk.keras")
    assert code == 2 and out == "" and err.startswith("Error: junk.keras: cannot load the model")
    code, _, err = run("summary", "missing.keras")
    assert code == 2 and err.strip() == "Error: missing.keras: no such file"
