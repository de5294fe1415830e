"""Files from `effcli build` are portable and carry effcli's description of the model.

1. Plain ``keras.saving.load_model`` (safe mode) loads them where effcli cannot be
   imported, and the loaded model computes what the model effcli built computes.
2. ``effcli summary FILE.keras`` gives the report of the preset it came from, also
   after a plain Keras load + save; edited layers fall back to the graph with a warning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from effcli.config.presets import load_preset
from effcli.core.plan import make_plan

pytestmark = pytest.mark.keras

SIZE = 64
PRESETS = ("efficientnetv2_b0", "efficientnetv1_b0", "efficientnetlite_b0")

# Runs in a fresh interpreter: effcli cannot be imported there, only keras.
WITHOUT_EFFCLI = """
import sys
sys.modules["effcli"] = None  # `import effcli` now raises ImportError
try:
    import effcli
except ImportError:
    pass
else:
    raise SystemExit("effcli is importable")
import json
import numpy as np
import keras
x = np.load("input.npy")
outputs = {}
for name in json.loads(sys.argv[1]):
    model = keras.saving.load_model(name + ".keras")  # safe_mode=True, the default
    outputs[name] = np.asarray(model(x, training=False))
np.savez("loaded.npz", **outputs)
"""


@pytest.fixture(scope="module")
def keras_engine():
    from effcli.engines import keras_engine

    keras_engine.import_keras()
    return keras_engine


def test_saved_models_load_and_compute_without_effcli(keras_engine, tmp_path, monkeypatch):
    built = {}
    original = keras_engine.build_model

    def capture(*args, **kwargs):
        built["model"] = original(*args, **kwargs)
        return built["model"]

    monkeypatch.setattr(keras_engine, "build_model", capture)
    x = np.random.default_rng(0).random((2, SIZE, SIZE, 3), dtype=np.float32) * 2 - 1
    np.save(tmp_path / "input.npy", x)
    expected = {}
    for name in PRESETS:
        keras_engine.save_model(make_plan(load_preset(name), (SIZE, SIZE, 3)), tmp_path / f"{name}.keras")
        model = built.pop("model")
        assert not any(type(layer).__module__.startswith("effcli") for layer in model.layers)
        expected[name] = np.asarray(model(x, training=False))
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_EFFCLI, json.dumps(PRESETS)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = np.load(tmp_path / "loaded.npz")
    for name in PRESETS:
        assert loaded[name].shape == expected[name].shape
        assert np.allclose(loaded[name], expected[name], rtol=1e-5, atol=1e-5), name


def _resave(keras_engine, source, target):
    """What other code does: a plain Keras load, then a save (the zip's effcli.json is dropped)."""
    keras = keras_engine.import_keras()
    keras.saving.load_model(source).save(target)
    assert "effcli.json" not in zipfile.ZipFile(target).namelist()


@pytest.mark.parametrize(
    ("preset", "alias"), [("efficientnetv2_b2", "b2"), ("efficientnetv1_b0", "v1-b0"), ("efficientnetlite_b0", "lite0")]
)
def test_summary_of_a_build_is_the_summary_of_its_preset(run, tmp_path, keras_engine, preset, alias):
    assert run("build", alias, "-o", "model.keras", "-r", str(SIZE))[0] == 0
    assert "effcli.json" in zipfile.ZipFile(tmp_path / "model.keras").namelist()
    _resave(keras_engine, tmp_path / "model.keras", tmp_path / "resaved.keras")
    code, out, err = run("summary", preset, "-r", str(SIZE), "-f", "json", "--layers")
    assert code == 0, err
    expected = json.loads(out)
    for name in ("model.keras", "resaved.keras"):
        code, out, err = run("summary", name, "-f", "json", "--layers")
        assert code == 0, err
        assert json.loads(out) == expected, name
    code, out, _ = run("summary", "resaved.keras")
    code_preset, out_preset, _ = run("summary", preset, "-r", str(SIZE))
    assert code == code_preset == 0
    ours, theirs = out.splitlines(), out_preset.splitlines()
    assert ours[0] == theirs[0] and ours[1:4] == theirs[1:4]  # name, family, coefficients, activation + drop rate
    assert [line for line in ours if not line.startswith("Engine")] == [
        line for line in theirs if not line.startswith("Engine")
    ]


def _edit_config(source, target, edit):
    """A copy of a .keras file with its config.json edited (the weights untouched)."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for item in archive.infolist():
            data = archive.read(item)
            if item.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            out.writestr(item, data)


def test_edited_layers_fall_back_to_the_graph_with_a_warning(run, tmp_path, keras_engine):
    assert run("build", "b0", "-o", "b0.keras", "-r", str(SIZE))[0] == 0

    def more_dropout(config):
        layer = next(l for l in config["config"]["layers"] if l["config"]["name"] == "block2b_drop")
        layer["config"]["rate"] = 0.5

    _edit_config(tmp_path / "b0.keras", tmp_path / "edited.keras", more_dropout)
    code, out, err = run("summary", "edited.keras", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["width_coefficient"] is None and data["drop_rate"] is None  # read off the graph: unknown
    assert data["activation"] == "silu" and data["name"] == "efficientnetv2_b0"
    assert any("description of this model is not usable: block2b_drop" in w for w in data["warnings"])
    assert next(b for b in data["blocks"] if b["name"] == "block2b")["drop_rate"] == 0.5
    code, out, _ = run("summary", "edited.keras")
    assert code == 0 and "(saved model edited.keras)" in out and "Coefficients" not in out


def test_the_description_in_the_name_and_in_the_zip(keras_engine):
    plan = make_plan(load_preset("efficientnetlite_b0"), (SIZE, SIZE, 3))
    description = keras_engine.description_of(plan)
    assert description["config"]["activation"] == "relu6" and description["input_shape"] == [SIZE, SIZE, 3]
    assert "pyramid" not in json.dumps(description)
    name = keras_engine.encode_name("my model/1", description)
    assert name.startswith("my_model_1__effcli__") and set(name) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
    )
    assert keras_engine.decode_name(name) == ("my_model_1", description)
    assert keras_engine.decode_name("efficientnetv2_b0") == ("efficientnetv2_b0", None)
    with pytest.raises(ValueError, match="cannot be read"):
        keras_engine.decode_name("x__effcli__not-base64-zlib")


# Runs in a fresh interpreter without effcli: what a user of plain Keras sees of a build.
PLAIN_SUMMARY = """
import sys
sys.modules["effcli"] = None
import keras
model = keras.saving.load_model("b0.keras")
print(model.name)
model.summary(line_length=80)
"""


def test_a_build_keeps_its_plain_name_in_plain_keras(run, tmp_path):
    assert run("build", "b0", "-o", "b0.keras", "-r", str(SIZE))[0] == 0
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", PLAIN_SUMMARY], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "efficientnetv2_b0"
    assert 'Model: "efficientnetv2_b0"' in result.stdout
    assert max(len(line) for line in lines) <= 80  # no base64 payload anywhere in the summary
    with zipfile.ZipFile(tmp_path / "b0.keras") as archive:
        description = json.loads(archive.read("effcli.json"))
    assert description["config"]["name"] == "efficientnetv2_b0" and description["input_shape"] == [SIZE, SIZE, 3]


def test_a_resaved_custom_config_reads_off_its_graph_without_a_warning(run, tmp_path, keras_engine):
    assert run("build", "tiny_v2", "-o", "tiny.keras", "-r", str(SIZE))[0] == 0
    code, out, err = run("summary", "tiny.keras", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["width_coefficient"] is not None  # effcli.json: the config's own report
    _resave(keras_engine, tmp_path / "tiny.keras", tmp_path / "resaved.keras")
    code, out, err = run("summary", "resaved.keras", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["name"] == "tiny_v2" and data["width_coefficient"] is None  # not a preset: the graph alone
    assert data["warnings"] == []


def test_a_preset_named_model_with_other_layers_is_read_off_its_graph(run, tmp_path, keras_engine):
    """A model named like a preset but built otherwise is not mistaken for the preset."""
    keras = keras_engine.import_keras()
    plan = make_plan(load_preset("efficientnetv2_b1"), (SIZE, SIZE, 3))
    model = keras_engine.build_model(plan, portable=True, name="efficientnetv2_b0")
    model.save(tmp_path / "impostor.keras")
    keras.backend.clear_session()
    code, out, err = run("summary", "impostor.keras", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["name"] == "efficientnetv2_b0" and data["width_coefficient"] is None and data["warnings"] == []
    b1 = json.loads(run("summary", "b1", "-r", str(SIZE), "-f", "json")[1])
    assert data["totals"]["params"] == b1["totals"]["params"]


def test_an_older_build_with_the_description_in_its_name_still_reads(run, tmp_path, keras_engine):
    keras = keras_engine.import_keras()
    plan = make_plan(load_preset("efficientnetlite_b0"), (SIZE, SIZE, 3))
    name = keras_engine.encode_name("efficientnetlite_b0", keras_engine.description_of(plan))
    keras_engine.build_model(plan, portable=True, name=name).save(tmp_path / "old.keras")
    keras.backend.clear_session()
    code, out, err = run("summary", "old.keras", "-f", "json", "--layers")
    assert code == 0, err
    expected = json.loads(run("summary", "lite0", "-r", str(SIZE), "-f", "json", "--layers")[1])
    assert json.loads(out) == expected
