"""Regenerate tests/data/reference.json from real keras-cv 0.9 and keras.applications builds.

effcli does not depend on keras-cv; run this in a scratch environment:

    python -m venv /tmp/kcv && /tmp/kcv/bin/pip install tensorflow keras-cv==0.9.0 pyyaml
    /tmp/kcv/bin/python tests/reference/generate_reference.py

For every preset in configs/ at 224x224, at its native resolution and at 193x257
it builds keras-cv's own EfficientNetV2 / V1 / Lite backbone from the preset's
stage config (via effcli's loader, which needs only pyyaml) and records, per
block, the parameters (trainable / non-trainable), the output shape, the drop
rate and the layers; the totals; the pyramid levels with their shapes. It also
records the totals of keras.applications EfficientNetV2B0..L and EfficientNetB0..B7
(include_top=False, weights=None). The tests compare effcli against this file.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import keras_cv  # noqa: E402
import numpy as np  # noqa: E402

from effcli.config.presets import load_preset, preset_names  # noqa: E402

BACKBONES = {
    "efficientnetv2": keras_cv.models.EfficientNetV2Backbone,
    "efficientnetv1": keras_cv.models.EfficientNetV1Backbone,
    "efficientnetlite": keras_cv.models.EfficientNetLiteBackbone,
}
BLOCK = re.compile(r"^(block\d+[a-z]+)_")


def weight_counts(layer) -> tuple[int, int]:
    trainable = int(sum(np.prod(w.shape) for w in layer.trainable_weights))
    non_trainable = int(sum(np.prod(w.shape) for w in layer.non_trainable_weights))
    return trainable, non_trainable


def out_shape(layer) -> list[int]:
    return [int(d) for d in layer.output.shape[1:]]


def group_of(name: str) -> str:
    if name.startswith("stem_") or name.startswith("rescaling"):
        return "stem"
    if name.startswith("top_"):
        return "top"
    match = BLOCK.match(name)
    if not match:
        raise ValueError(f"cannot place layer {name}")
    return match.group(1)


def describe(model) -> dict:
    blocks: dict[str, dict] = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        group = group_of(layer.name)
        trainable, non_trainable = weight_counts(layer)
        entry = blocks.setdefault(group, {"name": group, "trainable": 0, "non_trainable": 0, "layers": []})
        entry["trainable"] += trainable
        entry["non_trainable"] += non_trainable
        entry["output_shape"] = out_shape(layer)
        if hasattr(layer, "survival_probability"):  # keras-cv V2 block layer
            entry["drop_rate"] = float(layer.survival_probability)
            sublayers = [sub for sub in layer._flatten_layers(include_self=False) if sub.built]
            entry["layers"] += [
                {"name": sub.name, "trainable": weight_counts(sub)[0], "non_trainable": weight_counts(sub)[1]}
                for sub in sublayers
            ]
        else:
            if isinstance(layer, keras.layers.Dropout):
                entry["drop_rate"] = float(layer.rate)
            entry["layers"].append(
                {
                    "name": layer.name,
                    "trainable": trainable,
                    "non_trainable": non_trainable,
                    "output_shape": out_shape(layer),
                }
            )
    for entry in blocks.values():
        entry["params"] = entry["trainable"] + entry["non_trainable"]
    pyramid = [
        {"level": level, "layer": name, "output_shape": out_shape(model.get_layer(name))}
        for level, name in model.pyramid_level_inputs.items()
    ]
    trainable, non_trainable = weight_counts(model)
    return {
        "totals": {"params": trainable + non_trainable, "trainable": trainable, "non_trainable": non_trainable},
        "blocks": list(blocks.values()),
        "pyramid": pyramid,
    }


def build_keras_cv(name: str, height: int, width: int):
    spec = load_preset(name)
    config = spec.to_keras_cv_config()
    config["input_shape"] = [height, width, 3]
    config.pop("name")
    return BACKBONES[spec.family](**config)


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


def dump(data: dict) -> str:
    """JSON with one line per block / layer: small, and diffs stay readable."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace('{"name"', '\n{"name"').replace('"pyramid"', '\n"pyramid"') + "\n"


def main() -> None:
    out = {
        "generator": "tests/reference/generate_reference.py",
        "keras_cv": keras_cv.__version__,
        "keras": keras.__version__,
        "presets": {},
        "keras_applications": {},
    }
    for name in preset_names():
        spec = load_preset(name)
        sizes = {(224, 224), (spec.native_resolution, spec.native_resolution), (193, 257)}
        out["presets"][name] = {}
        for height, width in sorted(sizes):
            model = build_keras_cv(name, height, width)
            described = describe(model)
            if (height, width) != (224, 224):  # layer lists once per preset keep the file small
                for block in described["blocks"]:
                    del block["layers"]
            out["presets"][name][f"{height}x{width}"] = described
            print(name, height, width, model.count_params(), flush=True)
            del model
            keras.backend.clear_session()
    for name, function in {**APPLICATIONS_V2, **APPLICATIONS_V1}.items():
        model = getattr(keras.applications, function)(include_top=False, weights=None, input_shape=(224, 224, 3))
        trainable, non_trainable = weight_counts(model)
        out["keras_applications"][name] = {
            "function": f"keras.applications.{function}(include_top=False, weights=None)",
            "params": trainable + non_trainable,
            "trainable": trainable,
            "non_trainable": non_trainable,
        }
        print(function, trainable + non_trainable, flush=True)
        del model
        keras.backend.clear_session()
    target = ROOT / "tests" / "data" / "reference.json"
    target.write_text(dump(out))
    print("wrote", target)


if __name__ == "__main__":
    main()
