"""Every invalid config is one `Error: <file>: <field>: ...` line on stderr, exit code 2."""

from __future__ import annotations

import copy

import pytest
import yaml

from effcli.config.presets import preset_files

B0 = yaml.safe_load(preset_files()["efficientnetv2_b0"].read_text())
V1 = yaml.safe_load(preset_files()["efficientnetv1_b0"].read_text())
LITE = yaml.safe_load(preset_files()["efficientnetlite_b0"].read_text())
KERAS_CV = {
    "name": "efficient_net_v2_backbone",
    "trainable": True,
    "include_rescaling": False,
    "width_coefficient": 1.0,
    "depth_coefficient": 1.0,
    "skip_connection_dropout": 0.2,
    "depth_divisor": 8,
    "min_depth": 8,
    "activation": "swish",
    "input_shape": [None, None, 3],
    "input_tensor": None,
    "stackwise_kernel_sizes": [3, 3, 3, 3, 3, 3],
    "stackwise_num_repeats": [1, 2, 2, 3, 5, 8],
    "stackwise_input_filters": [32, 16, 32, 48, 96, 112],
    "stackwise_output_filters": [16, 32, 48, 96, 112, 192],
    "stackwise_expansion_ratios": [1, 4, 4, 4, 6, 6],
    "stackwise_squeeze_and_excite_ratios": [0, 0, 0, 0.25, 0.25, 0.25],
    "stackwise_strides": [1, 2, 2, 2, 1, 2],
    "stackwise_conv_types": ["fused", "fused", "fused", "unfused", "unfused", "unfused"],
}


def mutate(base, path, value=None, *, delete=False):
    data = copy.deepcopy(base)
    target = data
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


CASES = [
    # (config, field named in the message, words the message must contain)
    (mutate(B0, ["stages", 2, "strides"], 3), "stages[2].strides", "must be 1 or 2"),
    (mutate(B0, ["stages", 0, "kernel_size"], "three"), "stages[0].kernel_size", "expected an integer"),
    (mutate(B0, ["stages", 0, "kernel_size"], 4), "stages[0].kernel_size", "must be odd"),
    (mutate(B0, ["stages", 1, "repeats"], 0), "stages[1].repeats", "must be from 1"),
    (mutate(B0, ["stages", 1, "repeats"], -2), "stages[1].repeats", "must be from 1"),
    (mutate(B0, ["stages", 1, "input_filters"], 0), "stages[1].input_filters", "must be from 1"),
    (mutate(B0, ["stages", 3, "se_ratio"], 1.5), "stages[3].se_ratio", "[0.0, 1.0]"),
    (mutate(B0, ["stages", 3, "se_ratio"], -0.1), "stages[3].se_ratio", "[0.0, 1.0]"),
    (mutate(B0, ["stages", 3, "block"], "dense"), "stages[3].block", "fused, mbconv, unfused"),
    (mutate(B0, ["stages", 3, "expand_ratio"], 2.5), "stages[3].expand_ratio", "expected an integer"),
    (mutate(B0, ["stages", 3, "kernel_sise"], 3), "stages[3].kernel_sise", "did you mean 'kernel_size'"),
    (mutate(B0, ["stages", 3, "strides"], delete=True), "stages[3].strides", "missing"),
    (mutate(B0, ["stages", 3, "strides"], True), "stages[3].strides", "must be 1 or 2"),
    (mutate(B0, ["family"], "efficientnetv3"), "family", "efficientnetv2, efficientnetv1, efficientnetlite"),
    (mutate(B0, ["width_coefficient"], 0), "width_coefficient", "(0.0, 100.0]"),
    (mutate(B0, ["width_coefficient"], -1.0), "width_coefficient", "(0.0, 100.0]"),
    (mutate(B0, ["width_coefficient"], "wide"), "width_coefficient", "expected a number"),
    (mutate(B0, ["depth_coefficient"], float("nan")), "depth_coefficient", "finite"),
    (mutate(B0, ["depth_divisor"], 0), "depth_divisor", "must be from 1"),
    (mutate(B0, ["activation"], "swishy"), "activation", "expected one of"),
    (mutate(B0, ["input_shape"], [224, 224]), "input_shape", "[height, width, channels]"),
    (mutate(B0, ["input_shape"], [0, 224, 3]), "input_shape (height)", "must be from 1"),
    (mutate(B0, ["colour"], "red"), "colour", "unknown key"),
    (mutate(B0, ["stages"], []), "stages", "non-empty list"),
    (mutate(B0, ["stages"], "fused"), "stages", "non-empty list"),
    (mutate(B0, ["stages", 0], 7), "stages[0]", "expected a mapping"),
    (mutate(V1, ["min_depth"], 8), "min_depth", "only efficientnetv2"),
    (mutate(LITE, ["stages", 2, "se_ratio"], 0.25), "stages[2].se_ratio", "no squeeze-excite"),
    (mutate(V1, ["stages", 2, "block"], "fused"), "stages[2].block", "expected one of: mbconv, unfused"),
    # stage 5 declares 112 inputs = its 112 outputs (so a residual add), but stage 4 delivers 96 channels
    (mutate(B0, ["stages", 4, "input_filters"], 112), "stages[4].input_filters", "cannot work"),
    # keras-cv form
    (mutate(KERAS_CV, ["stackwise_strides"], [1, 2, 2, 2, 1]), "stackwise_strides", "has 5 entries"),
    (mutate(KERAS_CV, ["stackwise_conv_types"], delete=True), "stackwise_conv_types", "missing"),
    (mutate(KERAS_CV, ["stackwise_conv_types", 2], "depthwise"), "stackwise_conv_types[2]", "expected one of"),
    (mutate(KERAS_CV, ["stackwise_strides", 3], 4), "stackwise_strides[3]", "must be 1 or 2"),
    (mutate(KERAS_CV, ["stackwise_num_repeats", 0], 0), "stackwise_num_repeats[0]", "must be from 1"),
    (
        mutate(KERAS_CV, ["stackwise_squeeze_and_excite_ratios", 4], 2),
        "stackwise_squeeze_and_excite_ratios[4]",
        "[0.0, 1.0]",
    ),
    (mutate(KERAS_CV, ["width_coefficient"], delete=True), "width_coefficient", "missing"),
    (mutate(KERAS_CV, ["stackwise_kernel_sizes"], []), "stackwise_kernel_sizes", "non-empty list"),
    (mutate(KERAS_CV, ["input_tensor"], "x"), "input_tensor", "must be null"),
    (mutate(KERAS_CV, ["drop_connect_rate"], 0.2), "drop_connect_rate", "not both"),
    (
        mutate(mutate(KERAS_CV, ["family"], "efficientnetv1"), ["min_depth"], delete=True),
        "stackwise_conv_types",
        "is not a setting of efficientnetv1",
    ),
    (mutate(KERAS_CV, ["family"], "efficientnetv1"), "min_depth", "is not a setting of efficientnetv1"),
    (
        mutate(mutate(KERAS_CV, ["family"], "efficientnetlite"), ["min_depth"], delete=True),
        "stackwise_squeeze_and_excite_ratios",
        "is not a setting of efficientnetlite",
    ),
    # documents that are not configs
    ([1, 2, 3], "(top level)", "expected a mapping"),
    ("just a string", "(top level)", "expected a mapping"),
    ({"name": "x"}, "stages", "missing"),
]


@pytest.mark.parametrize(("config", "field", "words"), CASES, ids=[c[1] + ":" + c[2] for c in CASES])
def test_invalid_config_is_one_error_line(run, write_yaml, config, field, words):
    path = write_yaml(config)
    code, out, err = run("summary", str(path.name))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"Error: {path.name}: {field}: "), lines[0]
    assert words in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "empty document"),
        ("stages: [\n", "invalid YAML: line"),
        ("a: 1\na: 2\nstages: []\n", "duplicate key 'a'"),
        ("!!python/object/apply:os.system ['echo hacked']\n", "invalid YAML"),
        ("\x00\x01\x02binary", "invalid YAML"),
    ],
)
def test_unloadable_files(run, write_yaml, content, words):
    path = write_yaml(content)
    code, out, err = run("summary", path.name)
    assert code == 2 and out == ""
    assert err.startswith(f"Error: {path.name}: ") and words in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_and_directory(run, tmp_path):
    code, _, err = run("summary", "nowhere.yaml")
    assert code == 2 and err.strip() == "Error: nowhere.yaml: no such file"
    (tmp_path / "adir.yaml").mkdir()
    code, _, err = run("summary", "adir.yaml")
    assert code == 2 and "is a directory" in err


def test_python_tags_are_never_executed(run, write_yaml, tmp_path):
    marker = tmp_path / "pwned"
    path = write_yaml(f"!!python/object/apply:os.system ['touch {marker}']\n")
    code, _, _ = run("summary", path.name)
    assert code == 2
    assert not marker.exists()
