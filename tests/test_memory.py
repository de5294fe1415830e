"""--batch, --dtype and --optimizer: the memory lines (effcli.core.memory) in every report and format."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import replace

import pytest

from effcli.cli.options import DType, Optimizer
from effcli.config.presets import load_preset
from effcli.core.memory import DTYPES, OPTIMIZER_SLOTS, OPTIMIZERS, MemorySettings, block_memory, memory_of
from effcli.engines import summarize


@pytest.fixture(scope="module")
def b0():
    spec = load_preset("efficientnetv2_b0")
    return summarize(spec, (224, 224, 3), engine="analytic")


def settings(**changes) -> MemorySettings:
    return replace(MemorySettings(), **changes)


def test_the_default_is_the_reports_own_measure(b0):
    memory = memory_of(b0)
    assert memory.activation_bytes == b0.totals.activation_bytes
    assert memory.variable_bytes == b0.totals.params * 4
    assert round(memory.variable_bytes / 2**20, 2) == round(b0.totals.size_mb, 2)
    assert memory.training is None
    assert MemorySettings().is_default


def test_batch_scales_the_activations_only(b0):
    one, two = memory_of(b0, settings(batch=1)), memory_of(b0, settings(batch=2))
    assert two.activation_bytes == 2 * one.activation_bytes
    assert two.layer_activation_bytes == 2 * one.layer_activation_bytes
    assert two.variable_bytes == one.variable_bytes


def test_dtypes(b0):
    f32 = memory_of(b0, settings(dtype="float32"))
    f16 = memory_of(b0, settings(dtype="float16"))
    bf16 = memory_of(b0, settings(dtype="bfloat16"))
    mixed = memory_of(b0, settings(dtype="mixed_float16"))
    assert f16.activation_bytes * 2 == f32.activation_bytes
    assert f16.variable_bytes * 2 == f32.variable_bytes
    assert (bf16.activation_bytes, bf16.variable_bytes) == (f16.activation_bytes, f16.variable_bytes)
    assert mixed.variable_bytes == f32.variable_bytes  # float32 variables, as Keras's mixed_float16 policy
    assert mixed.activation_bytes == f16.activation_bytes  # float16 activations
    assert mixed.layer_activation_bytes == f16.layer_activation_bytes


def test_the_cli_choices_are_the_cores():
    assert tuple(d.value for d in DType) == DTYPES
    assert tuple(o.value for o in Optimizer) == OPTIMIZERS


@pytest.mark.parametrize("optimizer,slots", [("sgd", 0), ("momentum", 1), ("adam", 2), ("adamw", 2)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_training_lines(b0, optimizer, slots, dtype):
    memory = memory_of(b0, settings(batch=3, dtype=dtype, optimizer=optimizer))
    training = memory.training
    assert training is not None and training.slots_per_param == slots == OPTIMIZER_SLOTS[optimizer]
    size = 2 if dtype in ("float16", "bfloat16") else 4  # mixed_float16 keeps float32 variables, gradients, slots
    assert training.variable_bytes == b0.totals.params * size
    assert training.gradient_bytes == b0.totals.trainable * size
    assert training.slot_bytes == slots * b0.totals.trainable * size
    assert training.activation_bytes == memory.layer_activation_bytes
    lines = training.variable_bytes + training.gradient_bytes + training.slot_bytes + training.activation_bytes
    assert training.total_bytes == lines
    data = training.to_dict()
    assert data["total_bytes"] == sum(
        data[k] for k in ("variable_bytes", "gradient_bytes", "optimizer_slot_bytes", "activation_bytes")
    )


def test_kept_activations_are_the_input_and_every_layer(b0):
    elements = math.prod(b0.input_shape) + sum(
        math.prod(layer.output_shape) for block in b0.blocks for layer in block.layers
    )
    assert memory_of(b0, settings(batch=5, dtype="float16")).layer_activation_bytes == elements * 5 * 2
    # more than the block outputs: every BatchNorm, activation, SE tensor...
    assert memory_of(b0).layer_activation_bytes > 3 * b0.totals.activation_bytes


def test_block_shares_add_up(b0):
    chosen = settings(batch=4, dtype="mixed_float16", optimizer="adam")
    whole = memory_of(b0, chosen)
    parts = [block_memory(block, chosen) for block in b0.blocks]
    assert sum(p.variable_bytes for p in parts) == whole.variable_bytes
    assert sum(p.activation_bytes for p in parts) == whole.activation_bytes
    input_bytes = math.prod(b0.input_shape) * 4 * 2
    assert sum(p.layer_activation_bytes for p in parts) + input_bytes == whole.layer_activation_bytes


# ------------------------------------------------------------------ the CLI


def test_default_output_is_unchanged(run):
    code, out, _ = run("summary", "b0")
    assert code == 0
    assert "Activation memory         4.51 MB (block outputs, float32, batch 1)" in out
    assert "Variable memory" not in out and "Training" not in out
    code, out, _ = run("summary", "b0", "-f", "csv")
    assert out.splitlines()[0].endswith("activation_bytes,drop_rate")


def test_summary_table_and_markdown(run):
    args = ("summary", "b0", "--batch", "32", "--dtype", "mixed_float16", "--optimizer", "adam")
    code, out, _ = run(*args)
    assert code == 0
    assert "72.16 MB (block outputs, float16 under mixed_float16, batch 32)" in out
    for key in ("Variable memory", "Training: variables", "Training: gradients", "Training: optimizer slots"):
        assert key in out
    assert "Training: kept activations" in out and "Training step (adam)" in out
    code, out, _ = run(*args, "-f", "markdown")
    assert code == 0
    assert "| **Training step (adam)** |" in out and "| **Activation memory** | 72.16 MB" in out


def test_json_keys_are_added(run):
    _, plain, _ = run("summary", "b0", "-f", "json")
    _, chosen, _ = run("summary", "b0", "-f", "json", "--batch", "2", "--dtype", "float16", "--optimizer", "sgd")
    before, after = json.loads(plain), json.loads(chosen)
    assert set(after) == set(before)
    assert after["totals"] == before["totals"]  # the old keys keep their meaning: float32, batch 1
    assert [b["activation_bytes"] for b in after["blocks"]] == [b["activation_bytes"] for b in before["blocks"]]
    assert before["memory"]["batch"] == 1 and before["memory"]["training"] is None
    assert before["memory"]["activation_bytes"] == before["totals"]["activation_bytes"]
    memory = after["memory"]
    assert (memory["batch"], memory["dtype"], memory["activation_dtype"]) == (2, "float16", "float16")
    assert memory["activation_bytes"] == before["totals"]["activation_bytes"]  # x2 batch, /2 dtype
    assert memory["training"]["optimizer"] == "sgd" and memory["training"]["optimizer_slot_bytes"] == 0


def test_csv_gains_columns_with_the_options(run, b0):
    code, out, _ = run("summary", "b0", "-f", "csv", "--batch", "2")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == [b.name for b in b0.blocks]
    assert all(r["batch"] == "2" and r["dtype"] == "float32" for r in rows)
    assert sum(int(r["output_bytes"]) for r in rows) == 2 * b0.totals.activation_bytes
    assert sum(int(r["activation_bytes"]) for r in rows) == b0.totals.activation_bytes  # unchanged


def test_compare_explain_scale(run):
    code, out, _ = run("compare", "b0", "b1", "--batch", "8", "--optimizer", "momentum")
    assert code == 0 and "Memory (float32, batch 8, training with momentum (estimate))" in out
    code, out, _ = run("compare", "b0", "b1", "-f", "json", "--dtype", "bfloat16")
    models = json.loads(out)["models"]
    assert [m["memory"]["dtype"] for m in models] == ["bfloat16", "bfloat16"]
    code, out, _ = run("compare", "b0", "b1")
    assert "Memory (" not in out
    code, out, _ = run("explain", "b0", "block2a", "--batch", "8", "--optimizer", "adam")
    assert code == 0 and "of the activations the model keeps for the backward pass" in out
    code, out, _ = run("explain", "b0", "block2a", "-f", "json")
    assert 0 < json.loads(out)["memory"]["layer_activation_share"] < 1
    code, out, _ = run("scale", "-w", "1.1", "-d", "1.2", "--batch", "4", "--optimizer", "adamw")
    assert code == 0 and "Training step (adamw)" in out
    code, out, _ = run("scale", "-w", "1.1", "-d", "1.2", "-f", "json")
    data = json.loads(out)
    assert data["result"]["memory"]["batch"] == 1 and data["base_result"]["memory"]["training"] is None


@pytest.mark.parametrize(
    "args,needle",
    [
        (("--batch", "0"), "--batch"),
        (("--batch", "1000001"), "--batch"),
        (("--batch", "two"), "--batch"),
        (("--dtype", "int8"), "--dtype"),
        (("--optimizer", "rmsprop"), "--optimizer"),
    ],
)
@pytest.mark.parametrize("command", [("summary", "b0"), ("compare", "b0", "b1"), ("explain", "b0", "stem"), ("scale",)])
def test_bad_values_are_one_error_line(run, command, args, needle):
    code, out, err = run(*command, *args)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0]


# ------------------------------------------------------------------ against a real Keras model


@pytest.mark.keras
def test_kept_activations_match_a_keras_model():
    """The backward pass's activations, counted independently off keras.applications' EfficientNetV2B0.

    effcli counts the input tensor (Keras's InputLayer) and every layer of the backbone. keras.applications
    also starts with its preprocessing, Rescaling and Normalization, which effcli's preset does not have:
    those two are the only layers left out. Every other layer's output (the InputLayer's, every Conv2D,
    DepthwiseConv2D, BatchNormalization, Activation, the SE's pooling, Reshape and Multiply, Dropout and Add)
    is summed at batch 1. The layer names differ in places (effcli names layers as keras-cv does), so the
    layers are matched by count and by their output sizes, not by name."""
    import keras

    model = keras.applications.EfficientNetV2B0(include_top=False, weights=None, input_shape=(224, 224, 3))
    spec = load_preset("efficientnetv2_b0")
    report = summarize(spec, (224, 224, 3), engine="analytic")
    counted = [layer for layer in model.layers if layer.__class__.__name__ not in ("Rescaling", "Normalization")]
    sizes = sorted(math.prod(layer.output.shape[1:]) for layer in counted)
    ours = [math.prod(report.input_shape)] + [math.prod(l.output_shape) for b in report.blocks for l in b.layers]
    assert len(counted) == len(ours) == len(model.layers) - 2
    assert sorted(ours) == sizes
    assert memory_of(report, MemorySettings(optimizer="sgd")).layer_activation_bytes == sum(sizes) * 4
