"""The Keras engine: real Keras 3 builds, agreement with the analytic engine, saving, quiet, lazy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from effcli.config.presets import load_preset, preset_names
from effcli.core.families import FAMILIES
from effcli.core.plan import make_plan
from effcli.core.report import assemble
from effcli.core.spec import BackboneSpec, StageSpec
from effcli.engines import analytic, summarize
from effcli.errors import EffcliError

pytestmark = pytest.mark.keras
ROOT = Path(__file__).resolve().parents[1]
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("EFFCLI_ENGINE", "EFFCLI_DEBUG")}


@pytest.fixture(scope="module")
def keras_engine():
    from effcli.engines import keras_engine

    keras_engine.import_keras()
    return keras_engine


def both_reports(spec, shape, keras_engine):
    plan = make_plan(spec, shape)
    ours, theirs = assemble(plan, analytic.measure(plan)), assemble(plan, keras_engine.measure(plan))
    assert (ours.engine, theirs.engine) == ("analytic", "keras")
    return plan, ours.to_dict(), theirs.to_dict()


def assert_agree(ours, theirs):
    assert theirs["totals"] == ours["totals"]
    for a, k in zip(ours["blocks"], theirs["blocks"], strict=True):
        assert (k["name"], k["params"], k["trainable"], k["non_trainable"], k["output_shape"]) == (
            a["name"],
            a["params"],
            a["trainable"],
            a["non_trainable"],
            a["output_shape"],
        )
    assert theirs["pyramid"] == ours["pyramid"]
    assert theirs == ours


# Every preset up to V2-L's size (118M parameters; B8 has 85M). V2-XL (208M) and L2 (476M) would take
# minutes and gigabytes of Keras variables each on a 2-core CI machine; their blocks, totals, MACs and
# pyramid are held to real timm builds instead (tests/test_timm_reference.py).
KERAS_MAX_PARAMS = 150_000_000
PRESET_CASES = [
    (name, size)
    for name in preset_names()
    if summarize(load_preset(name), (224, 224, 3), engine="analytic").totals.params <= KERAS_MAX_PARAMS
    for size in ("224", "native")
]


@pytest.mark.parametrize(("name", "size"), PRESET_CASES)
def test_engines_agree_on_every_preset(keras_engine, name, size):
    spec = load_preset(name)
    side = 224 if size == "224" else spec.native_resolution
    _, ours, theirs = both_reports(spec, (side, side, 3), keras_engine)
    assert_agree(ours, theirs)


def test_layers_inside_blocks_agree(keras_engine):
    for name in ("efficientnetv2_b2", "efficientnetv1_b1", "efficientnetlite_b3"):
        plan = make_plan(load_preset(name), (224, 224, 3))
        ours = assemble(plan, analytic.measure(plan))
        theirs = assemble(plan, keras_engine.measure(plan))
        for a, k in zip(ours.blocks, theirs.blocks, strict=True):
            assert [(l.name, l.trainable, l.non_trainable, l.macs) for l in a.layers] == [
                (l.name, l.trainable, l.non_trainable, l.macs) for l in k.layers
            ]
            # inner shapes of V2 blocks are Keras' own compute_output_shape answers
            assert [l.output_shape for l in a.layers] == [l.output_shape for l in k.layers]


@st.composite
def random_specs(draw):
    family = draw(st.sampled_from(sorted(FAMILIES)))
    rules = FAMILIES[family]
    stages, filters = [], draw(st.sampled_from([8, 16, 24, 32]))
    for _ in range(draw(st.integers(1, 5))):
        out = draw(st.integers(1, 12)) * 8
        stages.append(
            StageSpec(
                block=draw(st.sampled_from(rules.block_types)),
                kernel_size=draw(st.sampled_from([1, 3, 5] if family == "efficientnetv2" else [3, 5])),
                repeats=draw(st.integers(1, 3)),
                input_filters=filters,
                output_filters=out,
                expand_ratio=draw(st.sampled_from([1, 2, 4, 6])),
                se_ratio=draw(st.sampled_from([0.0, 0.25, 0.5])) if rules.has_se else 0.0,
                strides=draw(st.sampled_from([1, 2])),
            )
        )
        # sometimes declare an input that differs from what the previous stage delivers
        filters = out if draw(st.booleans()) or len(stages) < 2 else draw(st.integers(1, 12)) * 8
    return BackboneSpec(
        name="random",
        family=family,
        stages=tuple(stages),
        width_coefficient=draw(st.sampled_from([0.25, 0.5, 0.8, 1.0, 1.1, 1.3, 2.0])),
        depth_coefficient=draw(st.sampled_from([0.5, 1.0, 1.2, 1.6, 2.2])),
        min_depth=draw(st.sampled_from([8, 16, None])) if rules.uses_min_depth else None,
        activation=rules.default_activation,
        trainable=draw(st.booleans()),
        include_rescaling=draw(st.booleans()),
    )


# 120 valid configs are compared (hypothesis discards the refused ones and draws more)
@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(spec=random_specs(), height=st.integers(1, 200), width=st.integers(1, 200))
def test_engines_agree_on_random_configs(keras_engine, spec, height, width):
    try:
        make_plan(spec, (height, width, 3))
    except EffcliError as exc:  # a channel conflict the plan refuses before any build: not a valid config
        assert "cannot work" in str(exc) or "squeeze-excite produces" in str(exc)
        assume(False)
    _, ours, theirs = both_reports(spec, (height, width, 3), keras_engine)
    assert_agree(ours, theirs)


@pytest.mark.parametrize(
    ("name", "shape"),
    [("efficientnetv2_b0", (97, 161, 3)), ("efficientnetv1_b0", (97, 161, 3)), ("efficientnetlite_b1", (64, 75, 3))],
)
def test_reported_shapes_are_what_a_forward_pass_produces(keras_engine, name, shape):
    """Symbolic shapes come from compute_output_shape; a real forward pass must give the same."""
    plan = make_plan(load_preset(name), shape)
    model = keras_engine.build_model(plan)
    keras = keras_engine.import_keras()
    taps = keras.Model(model.input, [model.get_layer(t.layer).output for t in plan.pyramid])
    outputs = taps(np.zeros((1, *shape), dtype="float32"))
    report = assemble(plan, keras_engine.measure(plan))
    assert [tuple(o.shape[1:]) for o in outputs] == [p.output_shape for p in report.pyramid]


@pytest.mark.parametrize(
    ("name", "shape"),
    [("efficientnetv2_b0", (224, 224, 3)), ("efficientnetv1_b0", (193, 257, 3)), ("efficientnetlite_b1", (97, 97, 3))],
)
def test_macs_equal_tensorflow_flop_statistics(keras_engine, name, shape):
    """TensorFlow's own flop statistics (2 per multiply-accumulate) over the real graph's convolutions."""
    import tensorflow as tf
    from tensorflow.python.framework import ops as tf_ops
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    plan = make_plan(load_preset(name), shape)
    model = keras_engine.build_model(plan)
    function = tf.function(lambda x: model(x, training=False))
    graph = convert_variables_to_constants_v2(
        function.get_concrete_function(tf.TensorSpec([1, *shape], tf.float32))
    ).graph
    convolutions = [op for op in graph.get_operations() if op.type in ("Conv2D", "DepthwiseConv2dNative")]
    flops = sum(tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value for op in convolutions)
    report = assemble(plan, keras_engine.measure(plan))
    conv_layers = [l for b in report.blocks for l in b.layers if l.op in ("conv", "dwconv")]
    assert len(convolutions) == len(conv_layers)
    assert flops == 2 * report.totals.macs


def test_saved_model_round_trips(keras_engine, tmp_path):
    keras = keras_engine.import_keras()
    for name in ("efficientnetv2_b0", "efficientnetlite_b0"):
        plan = make_plan(load_preset(name).with_changes(include_rescaling=True), (96, 96, 3))
        model = keras_engine.build_model(plan)
        path = tmp_path / f"{name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        assert loaded.count_params() == model.count_params()
        x = np.random.default_rng(0).random((2, 96, 96, 3), dtype=np.float32) * 255
        np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-5)
        assert [l.name for l in loaded.layers] == [l.name for l in model.layers]


def test_v2_block_config_round_trips(keras_engine):
    block = make_plan(load_preset("efficientnetv2_b2"), (224, 224, 3)).blocks[12]  # block4b: MBConv + SE
    layer_class = keras_engine.block_class()
    layer = layer_class(
        name=block.keras_layer,
        kind=block.kind,
        input_filters=block.input_filters,
        input_channels=block.input_channels,
        output_filters=block.output_filters,
        expand_ratio=block.expand_ratio,
        kernel_size=block.kernel_size,
        strides=block.strides,
        se_filters=block.se_filters,
        drop_rate=block.drop_rate,
    )
    clone = layer_class.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert [p.name for p in clone.plans] == [p.name for p in block.layers]


def test_build_command_saves_a_loadable_model(keras_engine, tmp_path):
    from typer.testing import CliRunner

    from effcli.cli import app

    runner = CliRunner()
    target = tmp_path / "b0.keras"
    result = runner.invoke(app, ["build", "b0", "--output", str(target), "-r", "128"])
    assert result.exit_code == 0, result.output
    assert "5,919,312 params" in result.stdout and target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name != "b0.keras"]  # no temporary left behind
    loaded = keras_engine.import_keras().saving.load_model(target)
    assert loaded.count_params() == 5_919_312 and tuple(loaded.input_shape) == (None, 128, 128, 3)
    before = target.stat().st_mtime_ns
    again = runner.invoke(app, ["build", "b0", "--output", str(target)])
    assert again.exit_code == 2 and "exists; use --force" in again.stderr
    assert target.stat().st_mtime_ns == before
    forced = runner.invoke(app, ["build", "lite0", "--output", str(target), "--force"])
    assert forced.exit_code == 0 and "efficientnetlite_b0" in forced.stdout
    bad = runner.invoke(app, ["build", "b0", "--output", str(tmp_path / "b0.h5")])
    assert bad.exit_code == 2 and "must end in .keras" in bad.stderr


def test_keras_is_the_default_engine_and_quiet(tmp_path):
    """`effcli summary b2 2>err.txt`: the Keras build prints nothing on stderr."""
    err = tmp_path / "err.txt"
    with open(err, "w") as stderr:
        result = subprocess.run(
            [sys.executable, "-m", "effcli.cli", "summary", "efficientnetv2_b2"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=CLEAN_ENV,
            cwd=tmp_path,
        )
    assert result.returncode == 0
    assert err.read_text() == ""
    assert any(line.split() == ["Engine", "keras"] for line in result.stdout.splitlines())
    assert "8,769,374" in result.stdout and "8,687,086" in result.stdout


def test_tensorflow_is_imported_only_for_the_keras_engine():
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from effcli.cli import app\n"
        "for args in ({args}):\n"
        "    assert CliRunner().invoke(app, list(args)).exit_code == 0\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    light = (
        "['--help'], ['summary', '--help'], ['summary', 'l', '--engine', 'analytic'], "
        "['scale', '--width', '1.2', '--depth', '1.4'], ['compare', 'b0', 'l', '--engine', 'analytic']"
    )
    heavy = "['summary', 'b0', '-f', 'json'],"
    for args, expected in ((light, "[]"), (heavy, "['keras', 'tensorflow']")):
        result = subprocess.run(
            [sys.executable, "-c", probe.format(args=args)], capture_output=True, text=True, env=CLEAN_ENV, cwd=ROOT
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_output_is_byte_identical_across_engines_and_runs(run, fmt):
    outputs = [
        run("summary", "v1-b2", "-f", fmt, "-r", "193x257", env={"EFFCLI_ENGINE": engine})[1]
        for engine in ("keras", "analytic", "keras")
    ]
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]
    compared = [run("compare", "b0", "lite1", "-f", fmt, "--engine", engine)[1] for engine in ("keras", "analytic")]
    assert compared[0] and compared[0] == compared[1]


@pytest.mark.parametrize(
    "args",
    [
        ("explain", "efficientnetv2_b2", "block4b"),
        ("explain", "efficientnetv1_b1", "block2a"),
        ("explain", str(ROOT / "configs" / "examples" / "tiny_v2.yaml"), "block3b"),
        ("summary", "efficientnetlite_b2", "--layers"),
        ("summary", str(ROOT / "configs" / "examples" / "tiny_v2.yaml"), "--layers", "--pyramid", "timm"),
    ],
)
def test_explorer_output_is_identical_across_engines(run, args):
    outputs = [run(*args, "-f", "json", "--engine", engine) for engine in ("keras", "analytic")]
    assert outputs[0][0] == outputs[1][0] == 0
    assert outputs[0][1] == outputs[1][1]
    assert '"layers"' in outputs[0][1]
