"""Generate tests/data/keras_applications_top.json from real keras.applications builds.

Runs in effcli's own venv (keras 3 + tensorflow), from the repository root:

    .venv/bin/python tests/reference/generate_keras_applications_top.py

Reference data for the `--classes N` feature, which adds the classifier head that
keras.applications builds with `include_top=True, classes=N`: GlobalAveragePooling2D
`avg_pool`, Dropout `top_dropout` at the model's dropout rate, Dense `predictions`
(N units, softmax).

For keras.applications EfficientNetV2B0..L and EfficientNetB0..B7 (weights=None,
random weights; only the structure is read) it builds, one model at a time:

- include_top=True, classes=1000 at keras' own default size (input_shape=None, so
  keras picks default_size; the input shape actually used is recorded);
- include_top=True, classes=10 at input_shape=(224, 224, 3);
- include_top=False at the same two input shapes (totals only), so the head
  difference can be checked.

Per build it records the totals (trainable / non-trainable = sums of variable sizes,
and model.count_params(), which must equal their sum), the layers from the backbone's
last layer `top_activation` onwards (name, class, output shape, parameters, dropout
rate, activation, units), and the layers between the input and the stem with their
weights (V1: Rescaling + Normalization with adapt_mean / adapt_variance / count;
V2: Rescaling, plus a Normalization with constant mean / variance for B0..B3).

Everything under "measured" is read from the built models. The only formula is under
"derived": the predictions layer's MACs as units * in_features (and the head size
implied by it), kept apart from the measurements.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[2]
COMMAND = ".venv/bin/python tests/reference/generate_keras_applications_top.py"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

APPLICATIONS_V2 = {
    "efficientnetv2_b0": "EfficientNetV2B0",
    "efficientnetv2_b1": "EfficientNetV2B1",
    "efficientnetv2_b2": "EfficientNetV2B2",
    "efficientnetv2_b3": "EfficientNetV2B3",
    "efficientnetv2_s": "EfficientNetV2S",
    "efficientnetv2_m": "EfficientNetV2M",
    "efficientnetv2_l": "EfficientNetV2L",
}
APPLICATIONS_V1 = {f"efficientnetv1_b{i}": f"EfficientNetB{i}" for i in range(8)}
# What the brief expects keras' default_size to be; the generator records what keras
# really used and only warns on a mismatch.
EXPECTED_DEFAULT_SIZE = {
    "efficientnetv2_b0": 224,
    "efficientnetv2_b1": 240,
    "efficientnetv2_b2": 260,
    "efficientnetv2_b3": 300,
    "efficientnetv2_s": 384,
    "efficientnetv2_m": 480,
    "efficientnetv2_l": 480,
    "efficientnetv1_b0": 224,
    "efficientnetv1_b1": 240,
    "efficientnetv1_b2": 260,
    "efficientnetv1_b3": 300,
    "efficientnetv1_b4": 380,
    "efficientnetv1_b5": 456,
    "efficientnetv1_b6": 528,
    "efficientnetv1_b7": 600,
}
BACKBONE_LAST = "top_activation"


def size(variable) -> int:
    return int(np.prod(variable.shape, dtype=np.int64))


def weight_counts(obj) -> tuple[int, int]:
    trainable = sum(size(w) for w in obj.trainable_weights)
    non_trainable = sum(size(w) for w in obj.non_trainable_weights)
    return trainable, non_trainable


def shape_of(tensor) -> list:
    return [None if d is None else int(d) for d in tensor.shape[1:]]


def totals(model) -> dict:
    trainable, non_trainable = weight_counts(model)
    count = int(model.count_params())
    if count != trainable + non_trainable:
        raise AssertionError(f"{model.name}: count_params {count} != {trainable} + {non_trainable}")
    return {
        "params": trainable + non_trainable,
        "trainable": trainable,
        "non_trainable": non_trainable,
        "count_params": count,
        "count_params_equals_trainable_plus_non_trainable": True,
    }


def describe_layer(layer) -> dict:
    trainable, non_trainable = weight_counts(layer)
    entry = {
        "name": layer.name,
        "class": type(layer).__name__,
        "output_shape": shape_of(layer.output),
        "params": trainable + non_trainable,
        "trainable": trainable,
        "non_trainable": non_trainable,
        "weights": [
            {
                "name": w.name,
                "path": w.path,
                "shape": [int(d) for d in w.shape],
                "size": size(w),
                "trainable": bool(w.trainable),
            }
            for w in layer.weights
        ],
    }
    if isinstance(layer, keras.layers.Dropout):
        entry["rate"] = float(layer.rate)
    if isinstance(layer, keras.layers.Dense):
        entry["units"] = int(layer.units)
        entry["use_bias"] = bool(layer.use_bias)
        entry["in_features"] = int(layer.input.shape[-1])
    if hasattr(layer, "activation"):
        entry["activation"] = keras.activations.serialize(layer.activation)
    if isinstance(layer, keras.layers.Rescaling):
        entry["scale"] = float(layer.scale) if np.ndim(layer.scale) == 0 else [float(s) for s in layer.scale]
        entry["offset"] = float(layer.offset) if np.ndim(layer.offset) == 0 else [float(s) for s in layer.offset]
    if isinstance(layer, keras.layers.Normalization):
        entry["constant_mean_variance"] = layer.input_mean is not None
        entry["axis"] = list(layer.axis)
    return entry


def describe(model, include_top: bool) -> dict:
    layers = list(model.layers)
    names = [layer.name for layer in layers]
    first_stem = next(i for i, name in enumerate(names) if name.startswith("stem_"))
    out = {
        "input_shape": shape_of(model.input),
        "output_shape": shape_of(model.output),
        "totals": totals(model),
        "preprocessing_layers": [
            describe_layer(layer) for layer in layers[:first_stem] if not isinstance(layer, keras.layers.InputLayer)
        ],
        "first_stem_layer": names[first_stem],
        "last_layer": names[-1],
    }
    if include_top:
        last = names.index(BACKBONE_LAST)
        out["backbone_last_layer"] = describe_layer(layers[last])
        out["head_layers"] = [describe_layer(layer) for layer in layers[last + 1 :]]
    return out


def build(function: str, **kwargs):
    keras.backend.clear_session()
    model = getattr(keras.applications, function)(weights=None, **kwargs)
    return model


def call_text(function: str, **kwargs) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"keras.applications.{function}({args}, weights=None)"


def derived_head(top: dict, no_top: dict) -> dict:
    predictions = next(layer for layer in top["head_layers"] if layer["name"] == "predictions")
    units, in_features = predictions["units"], predictions["in_features"]
    return {
        "note": "formulas, not measurements: predictions_macs = units * in_features; "
        "dense_params_formula = units * in_features + units (bias); "
        "params_top_minus_no_top = measured top total - measured no-top total",
        "predictions_macs": units * in_features,
        "dense_params_formula": units * in_features + units,
        "params_top_minus_no_top": top["totals"]["params"] - no_top["totals"]["params"],
    }


def model_record(key: str, function: str) -> dict:
    record = {
        "function": f"keras.applications.{function}",
        "family": "v2" if key.startswith("efficientnetv2") else "v1",
    }
    measured: dict[str, dict] = {}
    derived: dict[str, dict] = {}

    # classes=1000 at keras' default size: input_shape=None lets keras choose.
    model = build(function, include_top=True, classes=1000)
    native = describe(model, include_top=True)
    native["call"] = call_text(function, include_top=True, classes=1000)
    height = native["input_shape"][0]
    del model
    if height != EXPECTED_DEFAULT_SIZE[key]:
        print(f"WARNING {function}: default size {height}, expected {EXPECTED_DEFAULT_SIZE[key]}", flush=True)
    record["default_size"] = height
    measured["top_classes1000_native"] = native

    shape = tuple(native["input_shape"])
    # include_top=False with input_shape=None would give (None, None, 3): pass the shape.
    model = build(function, include_top=False, input_shape=shape)
    measured["no_top_native"] = describe(model, include_top=False)
    measured["no_top_native"]["call"] = call_text(function, include_top=False, input_shape=shape)
    del model

    model = build(function, include_top=True, classes=10, input_shape=(224, 224, 3))
    measured["top_classes10_224"] = describe(model, include_top=True)
    measured["top_classes10_224"]["call"] = call_text(function, include_top=True, classes=10, input_shape=(224, 224, 3))
    del model

    model = build(function, include_top=False, input_shape=(224, 224, 3))
    measured["no_top_224"] = describe(model, include_top=False)
    measured["no_top_224"]["call"] = call_text(function, include_top=False, input_shape=(224, 224, 3))
    del model
    keras.backend.clear_session()

    derived["top_classes1000_native"] = derived_head(measured["top_classes1000_native"], measured["no_top_native"])
    derived["top_classes10_224"] = derived_head(measured["top_classes10_224"], measured["no_top_224"])
    record["measured"] = measured
    record["derived"] = derived
    return record


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "keras_applications_top.json"
    out = {
        "generator": {
            "script": "tests/reference/generate_keras_applications_top.py",
            "command": COMMAND,
            "run_from": "repository root (the directory holding pyproject.toml)",
            "argv": [Path(sys.executable).name, *sys.argv],
            "date_utc": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
            "keras": keras.__version__,
            "keras_backend": keras.backend.backend(),
            "image_data_format": keras.backend.image_data_format(),
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "weights": None,
        },
        "models": {},
    }
    for key, function in {**APPLICATIONS_V2, **APPLICATIONS_V1}.items():
        record = model_record(key, function)
        out["models"][key] = record
        m = record["measured"]
        print(
            function,
            record["default_size"],
            m["top_classes1000_native"]["totals"]["params"],
            m["no_top_native"]["totals"]["params"],
            m["top_classes10_224"]["totals"]["params"],
            flush=True,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, sort_keys=True, indent=1) + "\n")
    print("wrote", target)


if __name__ == "__main__":
    main()
