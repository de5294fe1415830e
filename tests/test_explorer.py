"""Issue 6: --layers, explain, presets, export, schema, saved models, pyramid conventions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from effcli.config.presets import load_preset, preset_files, preset_names
from effcli.engines import summarize

ROOT = Path(__file__).resolve().parents[1]


def analytic(name, shape=(224, 224, 3), **kwargs):
    return summarize(load_preset(name), shape, engine="analytic", **kwargs)


# ---------------------------------------------------------------- --layers and explain


def test_summary_layers_json_lists_every_layer(run):
    code, out, _ = run("summary", "b2", "--layers", "-f", "json")
    data = json.loads(out)
    report = analytic("efficientnetv2_b2")
    assert code == 0
    for block, ours in zip(data["blocks"], report.blocks, strict=True):
        assert [l["name"] for l in block["layers"]] == [l.name for l in ours.layers]
        assert sum(l["params"] for l in block["layers"]) == block["params"]
        assert sum(l["macs"] for l in block["layers"]) == block["macs"]
    block4b = next(b for b in data["blocks"] if b["name"] == "block4b")
    classes = [l["class"] for l in block4b["layers"]]
    assert classes[:4] == ["Conv2D", "BatchNormalization", "Activation", "DepthwiseConv2D"]
    assert "Dropout" in classes and classes[-1] == "Add"
    assert "layers" not in json.loads(run("summary", "b2", "-f", "json")[1])["blocks"][0]


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_summary_layers_other_formats(run, fmt):
    code, out, _ = run("summary", "lite0", "--layers", "-f", fmt)
    assert code == 0 and "block2a_dwconv_pad" in out and "block2a_project_conv" in out
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        report = analytic("efficientnetlite_b0")
        assert len(rows) == sum(len(b.layers) for b in report.blocks)
        assert sum(int(r["params"]) for r in rows) == report.totals.params


def test_explain_block4b(run):
    code, out, _ = run("explain", "efficientnetv2_b2", "block4b", "-f", "json")
    data = json.loads(out)
    block = next(b for b in analytic("efficientnetv2_b2").blocks if b.name == "block4b")
    assert code == 0 and data["channel_flow"] == ["104", "416", "416", "SE 26", "104"]
    assert data["block"]["params"] == block.params == sum(l["params"] for l in data["block"]["layers"])
    assert [l["name"] for l in data["block"]["layers"]] == [l.name for l in block.layers]
    reasons = " ".join(data["reasons"])
    assert "MBConv" in reasons and "residual: stride 1 and input filters 104 == output filters 104" in reasons
    assert "drop rate 0.064 = 0.2 x 9 / 28" in reasons
    code, out, _ = run("explain", "efficientnetv2_b2", "block4b")
    assert "104 -> 416 -> 416 -> SE 26 -> 104" in out and "Why" in out


@pytest.mark.parametrize(
    ("model", "block", "words"),
    [
        ("b0", "block2a", "no residual: stride 2 changes the spatial size"),
        ("b0", "block1a", "Fused-MBConv with expand ratio 1"),
        ("b0", "block5a", "no residual: input filters 96 != output filters 112"),
        ("v1-b0", "stem", "stem: a 3x3 convolution with stride 2"),
        ("lite4", "block1a", "declared 48 input filters but receives 32 channels"),
        ("b0", "TOP", "top: a 1x1 convolution widens"),
    ],
)
def test_explain_reasons(run, model, block, words):
    code, out, _ = run("explain", model, block, "-f", "markdown")
    assert code == 0 and words in out


def test_explain_unknown_block(run):
    code, out, err = run("explain", "b2", "block9z")
    assert code == 2 and out == "" and err.startswith("Error: BLOCK: efficientnetv2_b2 has no block 'block9z'")


# ---------------------------------------------------------------- presets


def test_presets_lists_every_preset_with_native_numbers(run):
    code, out, _ = run("presets", "-f", "json")
    entries = json.loads(out)
    assert code == 0 and [e["name"] for e in entries] == preset_names()
    for entry in entries:
        spec = load_preset(entry["name"])
        side = spec.native_resolution
        report = summarize(spec, (side, side, 3), engine="analytic")
        assert (entry["params"], entry["macs"], entry["native_resolution"]) == (
            report.totals.params,
            report.totals.macs,
            side,
        )
        assert entry["blocks"] == len(report.blocks) - 2 and entry["description"] == spec.description
    assert next(e for e in entries if e["name"] == "efficientnetv2_b2")["aliases"] == ["b2"]


@pytest.mark.parametrize(("family", "count"), [("v2", 11), ("v1", 10), ("lite", 5), ("LITE", 5), ("edgetpu", 3)])
def test_presets_family_filter(run, family, count):
    code, out, _ = run("presets", "--family", family, "-f", "csv")
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == count


def test_presets_bad_family(run):
    code, _, err = run("presets", "--family", "v3")
    assert code == 2 and err.startswith("Error: --family: unknown family 'v3'")


# ---------------------------------------------------------------- export and schema


@pytest.mark.parametrize("name", preset_names())
def test_export_then_summary_gives_identical_numbers(run, tmp_path, name):
    code, _, _ = run("export", name, "--output", "exported.yaml")
    assert code == 0
    if load_preset(name).keras_hub is not None:  # written in keras-hub's form: its arguments, no effcli labels
        native = str(load_preset(name).native_resolution)
        exported_data = json.loads(run("summary", "exported.yaml", "-f", "json", "-r", native)[1])
        original_data = json.loads(run("summary", name, "-f", "json", "-r", native)[1])
        for key in ("blocks", "totals", "pyramid", "input_shape"):
            assert exported_data[key] == original_data[key], key
        return
    _, exported, _ = run("summary", "exported.yaml", "-f", "json", "-r", "native")
    _, original, _ = run("summary", name, "-f", "json", "-r", "native")
    assert exported == original


def test_export_keras_cv_form_to_readable(run, tmp_path):
    example = str(ROOT / "configs" / "examples" / "keras_cv_efficientnetv2_b2.yaml")
    code, out, _ = run("export", example)
    data = yaml.safe_load(out)
    assert code == 0 and "stages" in data and not any(k.startswith("stackwise") for k in data)
    (tmp_path / "b2.yaml").write_text(out)
    assert run("summary", "b2.yaml", "-f", "json")[1] == run("summary", example, "-f", "json")[1]


def test_export_refuses_to_overwrite(run, tmp_path):
    (tmp_path / "x.yaml").write_text("keep")
    code, _, err = run("export", "b0", "-o", "x.yaml")
    assert code == 2 and "exists; use --force" in err and (tmp_path / "x.yaml").read_text() == "keep"
    assert run("export", "b0", "-o", "x.yaml", "--force")[0] == 0


def test_schema_validates_every_config_and_rejects_mistakes(run):
    import jsonschema

    code, out, _ = run("schema")
    schema = json.loads(out)
    assert code == 0
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for path in list(preset_files().values()) + sorted((ROOT / "configs" / "examples").glob("*.yaml")):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, (path.name, errors[0].message)
    b0 = yaml.safe_load(preset_files()["efficientnetv2_b0"].read_text())
    for mutate in (
        lambda d: d["stages"][0].update(strides=3),
        lambda d: d["stages"][0].update(kernel_size=4),
        lambda d: d.update(family="efficientnetv3"),
        lambda d: d.update(colour="red"),
        lambda d: d["stages"][1].pop("repeats"),
        lambda d: d.update(width_coefficient=0),
    ):
        data = yaml.safe_load(yaml.safe_dump(b0))
        mutate(data)
        assert list(validator.iter_errors(data)), data


# ---------------------------------------------------------------- pyramid conventions


def test_timm_pyramid_ends_at_the_last_stage(run):
    keras_levels = analytic("efficientnetv2_b0").pyramid
    timm_levels = analytic("efficientnetv2_b0", pyramid="timm").pyramid
    assert [l.layer for l in timm_levels[:-1]] == [l.layer for l in keras_levels[:-1]]
    assert (keras_levels[-1].layer, keras_levels[-1].channels) == ("top_activation", 1280)
    assert (timm_levels[-1].block, timm_levels[-1].channels, timm_levels[-1].stride) == ("block6h", 192, 32)
    code, out, _ = run("summary", "v1-b0", "--pyramid", "timm", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["pyramid_convention"] == "timm" and data["pyramid"][-1]["layer"] == "block7a_project_bn"
    _code, out, _ = run("compare", "b0", "lite0", "--pyramid", "timm", "-f", "json")
    assert [m["channels"] for m in json.loads(out)["pyramid"][-1]["models"]] == [192, 320]
