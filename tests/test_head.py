"""`--classes N`: the classifier head keras.applications builds with include_top=True, classes=N.

The expected totals are read off real keras.applications builds
(tests/data/keras_applications_top.json, made by
tests/reference/generate_keras_applications_top.py), never computed here.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import DATA

from effcli.config.presets import load_preset
from effcli.core.plan import make_plan, pyramid_taps
from effcli.engines import summarize

TOP = json.loads((DATA / "keras_applications_top.json").read_text())["models"]
V2 = sorted(name for name in TOP if name.startswith("efficientnetv2"))
V1 = sorted(name for name in TOP if name.startswith("efficientnetv1"))
NORMALIZATION_WEIGHTS = 7  # keras.applications V1's Normalization layer: 3 means, 3 variances, 1 count
# (reference key, --classes, --resolution)
BUILDS = (("top_classes1000_native", "1000", "native"), ("top_classes10_224", "10", "224"))
HEAD = ["avg_pool", "top_dropout", "predictions"]


def totals(data: dict) -> tuple[int, int, int]:
    t = data["totals"]
    return t["params"], t["trainable"], t["non_trainable"]


def reference(name: str, key: str) -> tuple[int, int, int]:
    t = TOP[name]["measured"][key]["totals"]
    return t["params"], t["trainable"], t["non_trainable"]


def summary_json(run, *args: str, env: dict | None = None) -> dict:
    code, out, err = run("summary", *args, "-f", "json", env=env)
    assert code == 0, err
    return json.loads(out)


def test_the_reference_covers_every_keras_applications_model():
    assert sorted(f"efficientnetv2_{s}" for s in ("b0", "b1", "b2", "b3", "s", "m", "l")) == V2
    assert [f"efficientnetv1_b{i}" for i in range(8)] == V1


@pytest.mark.parametrize("name", V2)
@pytest.mark.parametrize(("key", "classes", "resolution"), BUILDS)
def test_v2_totals_equal_keras_applications_include_top(run, name, key, classes, resolution):
    data = summary_json(run, name, "--classes", classes, "-r", resolution)
    assert data["input_shape"] == TOP[name]["measured"][key]["input_shape"]
    assert totals(data) == reference(name, key)
    assert data["classes"] == int(classes)
    assert not any("Normalization" in note for note in data["notes"])


@pytest.mark.parametrize("name", V1)
@pytest.mark.parametrize(("key", "classes", "resolution"), BUILDS)
def test_v1_totals_equal_keras_applications_minus_its_normalization(run, name, key, classes, resolution):
    data = summary_json(run, name, "--classes", classes, "-r", resolution)
    params, trainable, non_trainable = reference(name, key)
    assert totals(data) == (params - NORMALIZATION_WEIGHTS, trainable, non_trainable - NORMALIZATION_WEIGHTS)
    assert any("Normalization layer with 7 non-trainable weights" in note for note in data["notes"])


@pytest.mark.parametrize("name", V1 + V2)
def test_without_classes_the_report_is_the_backbone(run, name):
    data = summary_json(run, name, "-r", "native")
    measured = TOP[name]["measured"]["no_top_native"]["totals"]
    extra = NORMALIZATION_WEIGHTS if name in V1 else 0
    assert totals(data) == (measured["params"] - extra, measured["trainable"], measured["non_trainable"] - extra)
    assert data["classes"] is None and data["blocks"][-1]["name"] == "top"
    assert not any("Normalization" in note for note in data["notes"])


@pytest.mark.parametrize("name", V1 + V2)
def test_head_row_is_keras_applications_head(run, name):
    data = summary_json(run, name, "--classes", "1000", "-r", "native", "--layers")
    head, top = data["blocks"][-1], data["blocks"][-2]
    expected = TOP[name]["measured"]["top_classes1000_native"]["head_layers"]
    assert head["name"] == "head" and head["type"] == "head" and top["name"] == "top"
    assert [layer["name"] for layer in head["layers"]] == [layer["name"] for layer in expected] == HEAD
    assert [layer["class"] for layer in head["layers"]] == [layer["class"] for layer in expected]
    assert [layer["output_shape"] for layer in head["layers"]] == [layer["output_shape"] for layer in expected]
    assert [layer["params"] for layer in head["layers"]] == [layer["params"] for layer in expected]
    assert [layer["role"] for layer in head["layers"]] == ["head_pool", "head_dropout", "classifier"]
    assert head["output_shape"] == [1000] and head["output_filters"] == 1000
    derived = TOP[name]["derived"]["top_classes1000_native"]
    assert head["macs"] == derived["predictions_macs"]
    assert head["params"] == derived["params_top_minus_no_top"]
    assert [p["block"] for p in data["pyramid"]][-1] == "top"  # never a pyramid level


def test_dropout_rate_follows_the_preset(run):
    plan = make_plan(load_preset("efficientnetv2_l"), (480, 480, 3), classes=5)
    rates = {layer.name: layer.rate for layer in plan.blocks[-1].layers}
    assert (
        rates["top_dropout"] == TOP["efficientnetv2_l"]["measured"]["top_classes1000_native"]["head_layers"][1]["rate"]
    )
    no_dropout = load_preset("efficientnetv2_b0").with_changes(dropout_rate=0.0)
    layers = [layer.name for layer in make_plan(no_dropout, (224, 224, 3), classes=5).blocks[-1].layers]
    assert layers == ["avg_pool", "predictions"]  # keras.applications leaves the Dropout out at rate 0


def test_head_is_never_tapped_and_the_plan_without_classes_is_unchanged():
    spec = load_preset("efficientnetv2_s")
    plain = make_plan(spec, (384, 384, 3))
    headed = make_plan(spec, (384, 384, 3), classes=1000)
    assert headed.blocks[:-1] == plain.blocks and headed.pyramid == plain.pyramid
    assert pyramid_taps(headed.blocks, "timm") == pyramid_taps(plain.blocks, "timm")
    assert plain.classes is None and headed.classes == 1000
    report = summarize(spec, (384, 384, 3), engine="analytic", classes=1000)
    assert report.block_count == summarize(spec, (384, 384, 3), engine="analytic").block_count


def test_formats_show_the_head_row(run):
    code, out, err = run("summary", "b0", "--classes", "1000", "-f", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[-1]["name"] == "head" and rows[-1]["params"] == "1281000"
    code, out, err = run("summary", "b0", "--classes", "1000", "-f", "markdown")
    assert code == 0 and "| head " in out, err
    code, out, err = run("summary", "b0", "--classes", "1000", "--wide")
    assert code == 0 and "head" in out and "1,281,000" in out and "convolutions and the classifier" in out, err
    code, out, _ = run("summary", "b0", "--wide")
    assert "head" not in out and "convolutions only" in out


def test_compare_explain_and_scale(run):
    code, out, err = run("compare", "b0", "v1-b0", "--classes", "10", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    rows = {row["row"]: row["models"] for row in data["stages"]}
    assert list(rows)[-2:] == ["top", "head"]
    assert [m["params"] for m in rows["head"]] == [1280 * 10 + 10, 1280 * 10 + 10]
    assert [m["totals"]["blocks"] for m in data["models"]] == [21, 16]  # the head is no block
    code, out, err = run("explain", "b0", "head", "--classes", "1000", "-f", "json")
    assert code == 0, err
    explained = json.loads(out)
    assert explained["block"]["name"] == "head" and explained["channel_flow"] == ["1280", "1000"]
    assert [layer["name"] for layer in explained["block"]["layers"]] == HEAD
    code, out, err = run("explain", "b0", "head")
    assert code == 2 and out == "" and "no classification head" in err and "--classes" in err
    assert len(err.strip().splitlines()) == 1
    code, out, err = run("explain", "b0", "block4b", "--classes", "1000", "-f", "json")
    assert code == 0 and json.loads(out)["block"]["name"] == "block4b", err
    code, out, err = run("scale", "--width", "1.1", "--depth", "1.2", "--classes", "1000", "-f", "json")
    assert code == 0, err
    scaled = json.loads(out)
    code, out, _ = run("scale", "--width", "1.1", "--depth", "1.2", "-f", "json")
    plain = json.loads(out)
    for key in ("result", "base_result"):
        assert scaled[key]["blocks"] == plain[key]["blocks"]
    assert scaled["base_result"]["params"] - plain["base_result"]["params"] == 1280 * 1000 + 1000
    assert scaled["result"]["params"] > plain["result"]["params"]


@pytest.mark.parametrize("value", ["0", "-3", "1000001", "99999999999999999999999999"])
def test_bad_classes(run, value):
    for command in (
        ("summary", "b0"),
        ("compare", "b0", "b1"),
        ("explain", "b0", "head"),
        ("scale", "-w", "1", "-d", "1"),
        ("build", "b0", "-o", "x.keras"),
    ):
        code, out, err = run(*command, f"--classes={value}")
        assert code == 2 and out == "", (command, err)
        assert err.startswith("Error: --classes: must be an integer from 1 to 1000000"), (command, err)
        assert len(err.strip().splitlines()) == 1


def test_not_a_number_is_one_line(run):
    code, out, err = run("summary", "b0", "--classes", "many")
    assert code == 2 and out == "" and "--classes" in err and len(err.strip().splitlines()) == 1


def test_a_saved_model_refuses_classes(run, tmp_path):
    (tmp_path / "model.keras").write_bytes(b"not read")
    code, out, err = run("summary", "model.keras", "--classes", "10")
    assert code == 2 and out == ""
    assert err.strip() == (
        "Error: model.keras: --classes adds a head to a config; this saved model's own layers are reported as they are"
    )


def test_keras_hub_configs_get_the_head(tmp_path):
    from effcli.config.loader import dump_spec_yaml, load_spec

    path = tmp_path / "hub.yaml"
    path.write_text(dump_spec_yaml(load_preset("efficientnetv1_b0"), "keras-hub"))
    spec = load_spec(path)
    assert spec.keras_hub is not None
    report = summarize(spec, (224, 224, 3), engine="analytic", classes=7)
    plain = summarize(spec, (224, 224, 3), engine="analytic")
    assert report.blocks[-1].name == "head" and report.blocks[-1].output_shape == (7,)
    assert report.totals.params - plain.totals.params == 1280 * 7 + 7


# --------------------------------------------------------------------------- Keras


@pytest.mark.keras
@pytest.mark.parametrize("name", V2)
def test_keras_engine_totals_equal_keras_applications(run, name):
    data = summary_json(run, name, "--classes", "1000", "-r", "native", "--layers", env={"EFFCLI_ENGINE": "keras"})
    assert totals(data) == reference(name, "top_classes1000_native")
    analytic = summary_json(run, name, "--classes", "1000", "-r", "native", "--layers")
    assert data == analytic


@pytest.mark.keras
def test_keras_engine_v1_and_classes_10(run):
    data = summary_json(run, "efficientnetv1_b0", "--classes", "1000", "-r", "native", env={"EFFCLI_ENGINE": "keras"})
    params, trainable, non_trainable = reference("efficientnetv1_b0", "top_classes1000_native")
    assert totals(data) == (params - NORMALIZATION_WEIGHTS, trainable, non_trainable - NORMALIZATION_WEIGHTS)
    data = summary_json(run, "efficientnetv2_s", "--classes", "10", "-r", "224", env={"EFFCLI_ENGINE": "keras"})
    assert totals(data) == reference("efficientnetv2_s", "top_classes10_224")


@pytest.mark.keras
@pytest.mark.parametrize(("preset", "resolution"), [("efficientnetv2_b0", "native"), ("efficientnetv1_b0", "200")])
def test_build_with_classes_reads_back_as_the_preset(run, tmp_path, preset, resolution):
    code, out, err = run("build", preset, "--classes", "1000", "-r", resolution, "-o", "headed.keras")
    assert code == 0, err
    saved = summary_json(run, "headed.keras", "--layers")
    expected = summary_json(run, preset, "--classes", "1000", "-r", resolution, "--layers")
    assert saved == expected
    from effcli.engines import keras_engine

    keras = keras_engine.import_keras()
    model = keras.saving.load_model(tmp_path / "headed.keras", safe_mode=True, compile=False)
    assert [layer.name for layer in model.layers[-3:]] == HEAD
    assert model.count_params() == saved["totals"]["params"]
    assert f"{saved['totals']['params']:,} params" in out
    code, _, err = run("summary", "headed.keras", "--classes", "10")
    assert code == 2 and "--classes adds a head to a config" in err


@pytest.mark.keras
def test_keras_applications_head_reads_like_classes(run, tmp_path):
    from effcli.engines import keras_engine

    keras = keras_engine.import_keras()
    model = keras.applications.EfficientNetV2B0(include_top=True, weights=None)
    model.save(tmp_path / "top.keras")
    saved = summary_json(run, "top.keras", "--layers")
    expected = summary_json(run, "efficientnetv2_b0", "--classes", "1000", "--layers")
    assert saved["totals"] == expected["totals"] and saved["classes"] == 1000
    assert saved["blocks"][-1] == expected["blocks"][-1]


def test_the_measurement_cache_keys_on_the_classes():
    from effcli.engines import cache

    spec = load_preset("efficientnetv2_b0")
    keys = {cache.key(make_plan(spec, (224, 224, 3), classes=classes)) for classes in (None, 10, 1000)}
    assert len(keys) == 3
