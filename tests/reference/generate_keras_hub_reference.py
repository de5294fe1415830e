"""Generate tests/data/keras_hub_reference.json from real keras-hub builds.

Run in a scratch environment with keras-hub (not effcli's venv), e.g.:

    python3 -m venv /tmp/khref && /tmp/khref/bin/pip install keras-hub tensorflow-cpu
    /tmp/khref/bin/python tests/reference/generate_keras_hub_reference.py tests/data/keras_hub_reference.json

Every config is keras-hub's own EfficientNetBackbone keyword arguments: the V1 base of
keras_hub/src/utils/timm/convert_efficientnet.py with its VARIANT_MAP entries (what
keras-hub's timm presets such as efficientnet_b0_ra_imagenet, efficientnet_lite0_ra_imagenet,
efficientnet_es/em/el_ra*_imagenet, efficientnet2_rw_t/s/m_*_imagenet are built from;
these six also at 224x224 and 193x257 as "<name>@<height>x<width>"), the config of
keras-hub's own backbone test, and one config that exercises every block type and option.
The models get random weights; only the structure is read: per block the parameters
(trainable / non-trainable), output shape and layer names, plus totals and pyramid shapes.
"""

from __future__ import annotations

import json
import sys

V1_BASE = {
    "stackwise_kernel_sizes": [3, 3, 5, 3, 5, 5, 3],
    "stackwise_num_repeats": [1, 2, 2, 3, 3, 4, 1],
    "stackwise_input_filters": [32, 16, 24, 40, 80, 112, 192],
    "stackwise_output_filters": [16, 24, 40, 80, 112, 192, 320],
    "stackwise_expansion_ratios": [1, 6, 6, 6, 6, 6, 6],
    "stackwise_strides": [1, 2, 2, 2, 1, 2, 1],
    "stackwise_block_types": ["v1"] * 7,
    "min_depth": None,
    "include_stem_padding": True,
    "use_depth_divisor_as_min_depth": True,
    "cap_round_filter_decrease": True,
    "stem_conv_padding": "valid",
    "batch_norm_momentum": 0.9,
    "batch_norm_epsilon": 1e-5,
    "dropout": 0,
    "projection_activation": None,
}


def v1(**changes):
    return {**V1_BASE, **changes}


EDGE = {
    "stackwise_kernel_sizes": [3, 3, 3, 5, 5, 5],
    "stackwise_num_repeats": [1, 2, 4, 5, 4, 2],
    "stackwise_input_filters": [32, 24, 32, 48, 96, 144],
    "stackwise_output_filters": [24, 32, 48, 96, 144, 192],
    "stackwise_expansion_ratios": [4, 8, 8, 8, 8, 8],
    "stackwise_strides": [1, 2, 2, 2, 1, 2],
    "stackwise_squeeze_and_excite_ratios": [0] * 6,
    "stackwise_block_types": ["fused"] * 3 + ["unfused"] * 3,
    "stackwise_force_input_filters": [24, 0, 0, 0, 0, 0],
    "stackwise_nores_option": [True] + [False] * 5,
    "activation": "relu",
}
RW = {
    "stackwise_kernel_sizes": [3, 3, 3, 3, 3, 3],
    "stackwise_num_repeats": [2, 4, 4, 6, 9, 15],
    "stackwise_input_filters": [24, 24, 48, 64, 128, 160],
    "stackwise_expansion_ratios": [1, 4, 4, 4, 6, 6],
    "stackwise_strides": [1, 2, 2, 2, 1, 2],
    "stackwise_squeeze_and_excite_ratios": [0, 0, 0, 0.25, 0.25, 0.25],
    "stackwise_force_input_filters": [0, 0, 0, 0, 0, 0],
    "stackwise_nores_option": [False] * 6,
    "activation": "silu",
}

CONFIGS = {
    "timm_b0": (
        v1(
            stackwise_width_coefficients=[1.0] * 7,
            stackwise_depth_coefficients=[1.0] * 7,
            stackwise_squeeze_and_excite_ratios=[0.25] * 7,
        ),
        (224, 224, 3),
    ),
    "timm_b2": (
        v1(
            stackwise_width_coefficients=[1.1] * 7,
            stackwise_depth_coefficients=[1.2] * 7,
            stackwise_squeeze_and_excite_ratios=[0.25] * 7,
        ),
        (260, 260, 3),
    ),
    "timm_lite0": (
        v1(
            stackwise_width_coefficients=[1.0] * 7,
            stackwise_depth_coefficients=[1.0] * 7,
            stackwise_squeeze_and_excite_ratios=[0] * 7,
            activation="relu6",
        ),
        (224, 224, 3),
    ),
    "timm_es": (
        v1(**EDGE, stackwise_width_coefficients=[1.0] * 6, stackwise_depth_coefficients=[1.0] * 6),
        (224, 224, 3),
    ),
    "timm_em": (
        v1(**EDGE, stackwise_width_coefficients=[1.0] * 6, stackwise_depth_coefficients=[1.1] * 6),
        (240, 240, 3),
    ),
    "timm_el": (
        v1(**EDGE, stackwise_width_coefficients=[1.2] * 6, stackwise_depth_coefficients=[1.4] * 6),
        (300, 300, 3),
    ),
    "timm_rw_m": (
        v1(
            **RW,
            stackwise_width_coefficients=[1.2] * 6,
            stackwise_depth_coefficients=[1.2] * 4 + [1.6] * 2,
            stackwise_output_filters=[24, 48, 64, 128, 160, 272],
            stackwise_block_types=["fused"] * 3 + ["unfused"] * 3,
            num_features=1792,
        ),
        (320, 320, 3),
    ),
    "timm_rw_s": (
        v1(
            **RW,
            stackwise_width_coefficients=[1.0] * 6,
            stackwise_depth_coefficients=[1.0] * 6,
            stackwise_output_filters=[24, 48, 64, 128, 160, 272],
            stackwise_block_types=["fused"] * 3 + ["unfused"] * 3,
            num_features=1792,
        ),
        (288, 288, 3),
    ),
    "timm_rw_t": (
        v1(
            **RW,
            stackwise_width_coefficients=[0.8] * 6,
            stackwise_depth_coefficients=[0.9] * 6,
            stackwise_output_filters=[24, 48, 64, 128, 160, 256],
            stackwise_block_types=["cba"] + ["fused"] * 2 + ["unfused"] * 3,
        ),
        (224, 224, 3),
    ),
    "backbone_test": (
        {
            "stackwise_kernel_sizes": [3, 3, 3, 3, 3, 3],
            "stackwise_num_repeats": [2, 4, 4, 6, 9, 15],
            "stackwise_input_filters": [24, 24, 48, 64, 128, 160],
            "stackwise_output_filters": [24, 48, 64, 128, 160, 256],
            "stackwise_expansion_ratios": [1, 4, 4, 4, 6, 6],
            "stackwise_squeeze_and_excite_ratios": [0.0, 0.0, 0, 0.25, 0.25, 0.25],
            "stackwise_strides": [1, 2, 2, 2, 1, 2],
            "stackwise_block_types": ["fused"] * 3 + ["unfused"] * 3,
            "stackwise_force_input_filters": [0] * 6,
            "stackwise_nores_option": [False] * 6,
            "width_coefficient": 1.0,
            "depth_coefficient": 1.0,
        },
        (224, 224, 3),
    ),
    "every_option": (
        {
            "stackwise_kernel_sizes": [3, 5, 3, 5, 3, 3],
            "stackwise_num_repeats": [1, 2, 2, 2, 1, 2],
            "stackwise_input_filters": [24, 16, 16, 24, 40, 40],
            "stackwise_output_filters": [16, 16, 24, 40, 40, 56],
            "stackwise_expansion_ratios": [1, 1, 1, 4, 3, 2],
            "stackwise_squeeze_and_excite_ratios": [0.25, 0.25, 0.5, 0.25, 0.0, 0.0],
            "stackwise_strides": [2, 1, 2, 2, 1, 2],
            "stackwise_block_types": ["fused", "unfused", "v1", "v1", "cba", "fused"],
            "stackwise_force_input_filters": [0, 0, 0, 0, 0, 48],
            "stackwise_nores_option": [False, True, True, False, False, False],
            "stackwise_width_coefficients": [1.0, 1.1, 0.9, 1.3, 1.3, 1.2],
            "stackwise_depth_coefficients": [1.0, 1.5, 2.0, 1.0, 1.2, 1.0],
            "include_stem_padding": False,
            "stem_conv_padding": "same",
            "projection_activation": "relu",
            "cap_round_filter_decrease": True,
            "min_depth": 16,
            "dropout": 0.3,
            "activation": "gelu",
            "num_features": 640,
        },
        (97, 130, 3),
    ),
    "stem_valid_no_pad": (
        {
            "stackwise_kernel_sizes": [3, 3],
            "stackwise_num_repeats": [1, 2],
            "stackwise_input_filters": [32, 16],
            "stackwise_output_filters": [16, 24],
            "stackwise_expansion_ratios": [1, 6],
            "stackwise_squeeze_and_excite_ratios": [0.25, 0.25],
            "stackwise_strides": [1, 2],
            "stackwise_block_types": ["unfused", "unfused"],
            "width_coefficient": 0.5,
            "depth_coefficient": 1.0,
            "include_stem_padding": False,
            "stem_conv_padding": "valid",
            "use_depth_divisor_as_min_depth": True,
        },
        (65, 64, 3),
    ),
}

# The EdgeTPU and rw networks again at 224x224 (where that is not their native size) and at 193x257 (odd, unequal
# sides), as "<name>@<height>x<width>": effcli's presets of them are tested at all three sizes.
for _name in ("timm_es", "timm_em", "timm_el", "timm_rw_t", "timm_rw_s", "timm_rw_m"):
    _config, _shape_native = CONFIGS[_name]
    for _size in ((224, 224), (193, 257)):
        if _size != _shape_native[:2]:
            CONFIGS[f"{_name}@{_size[0]}x{_size[1]}"] = (_config, (*_size, 3))


def _shape(tensor):
    return [int(d) for d in tensor.shape[1:]]


def _count(weights):
    return int(sum(int(w.numpy().size) for w in weights))


def _measure(layers):
    return {
        "params": sum(_count(layer.weights) for layer in layers),
        "trainable": sum(_count(layer.trainable_weights) for layer in layers),
        "non_trainable": sum(_count(layer.non_trainable_weights) for layer in layers),
    }


def build(name, kwargs, input_shape):
    import keras_hub

    model = keras_hub.models.EfficientNetBackbone(**kwargs, input_shape=input_shape)
    groups: dict[str, list] = {}
    order: list[str] = []
    for layer in model.layers:
        if layer.name.startswith("stem_"):
            group = "stem"
        elif layer.name.startswith("top_"):
            group = "top"
        elif layer.name.startswith("block"):
            group = layer.name.split("_")[0]
        else:
            continue
        if group not in groups:
            groups[group] = []
            order.append(group)
        groups[group].append(layer)
    blocks = []
    for group in order:
        members = groups[group]
        entry = {"name": group, **_measure(members), "output_shape": _shape(members[-1].output)}
        if len(members) == 1 and members[0].name.endswith("_"):  # a keras-hub block layer
            block = members[0]
            sub = [s for s in block._flatten_layers(include_self=False) if s.weights]
            entry["keras_layer"] = block.name
            entry["class"] = type(block).__name__
            entry["layers"] = {s.name: _count(s.weights) for s in sub}
        else:
            entry["keras_layer"] = None
            entry["class"] = "functional"
            entry["layers"] = {s.name: _count(s.weights) for s in members if s.weights}
            entry["layer_names"] = [s.name for s in members]
        blocks.append(entry)
    totals = _measure([model])
    return {
        "name": name,
        "config": kwargs,
        "input_shape": list(input_shape),
        "get_config": json.loads(json.dumps(model.get_config(), default=str)),
        "totals": totals,
        "output_shape": _shape(model.output),
        "pyramid": {level: _shape(t) for level, t in model.pyramid_outputs.items()},
        "blocks": blocks,
    }


def main(path: str) -> None:
    import keras
    import keras_hub

    data = {
        "generated_with": {"keras_hub": keras_hub.__version__, "keras": keras.__version__},
        "models": [build(name, kwargs, shape) for name, (kwargs, shape) in CONFIGS.items()],
    }
    with open(path, "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=False)
        handle.write("\n")
    print(f"wrote {len(data['models'])} models to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/keras_hub_reference.json")
