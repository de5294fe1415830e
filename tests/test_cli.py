"""The summary command through the real CLI entry point, in every format."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from effcli.config.presets import load_preset
from effcli.core.memory import memory_of
from effcli.engines import summarize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_summary_b2_prints_the_published_totals(run):
    code, out, err = run("summary", "efficientnetv2_b2")
    assert (code, err) == (0, "")
    assert "8,769,374" in out and "8,687,086" in out and "82,288" in out
    for heading in ("Blocks", "Pyramid levels", "Total params", "Trainable params", "Non-trainable params"):
        assert heading in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_json_contract(run):
    code, out, _ = run("summary", "b2", "--format", "json")
    assert code == 0
    data = json.loads(out)
    for key in (
        "name",
        "family",
        "input_shape",
        "width_coefficient",
        "depth_coefficient",
        "totals",
        "blocks",
        "pyramid",
    ):
        assert key in data
    assert data["name"] == "efficientnetv2_b2" and data["family"] == "efficientnetv2"
    assert data["input_shape"] == [260, 260, 3]  # a preset's default: its native resolution (b2's is 260)
    assert data["native_resolution"] == 260
    assert (data["width_coefficient"], data["depth_coefficient"]) == (1.1, 1.2)
    assert set(data["totals"]) >= {"params", "trainable", "non_trainable"}
    block_keys = {
        "name",
        "stage",
        "type",
        "input_filters",
        "output_filters",
        "kernel_size",
        "strides",
        "expand_ratio",
        "se_ratio",
        "output_shape",
        "params",
        "trainable",
        "drop_rate",
    }
    for block in data["blocks"]:
        assert block_keys <= set(block)
    assert [b["name"] for b in data["blocks"]][:3] == ["stem", "block1a", "block1b"]
    assert data["blocks"][-1]["name"] == "top"
    assert sum(b["params"] for b in data["blocks"]) == data["totals"]["params"]
    for level in data["pyramid"]:
        assert set(level) >= {"level", "layer", "output_shape", "stride", "channels"}
    assert [p["level"] for p in data["pyramid"]] == ["P1", "P2", "P3", "P4", "P5"]
    assert [p["stride"] for p in data["pyramid"]] == [2, 4, 8, 16, 32]


def test_json_equals_the_engine_report(run):
    code, out, _ = run("summary", "v1-b3", "-f", "json", "-r", "native")
    report = summarize(load_preset("efficientnetv1_b3"), (300, 300, 3), engine="analytic")
    expected = {**report.to_dict(), "memory": memory_of(report).to_dict()}  # the report, and its memory at batch 1
    assert code == 0 and json.loads(out) == json.loads(json.dumps(expected))


def test_csv_is_the_block_table(run):
    code, out, _ = run("summary", "lite2", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    report = summarize(load_preset("efficientnetlite_b2"), (260, 260, 3), engine="analytic")  # lite2's native
    assert [r["name"] for r in rows] == [b.name for b in report.blocks]
    assert [int(r["params"]) for r in rows] == [b.params for b in report.blocks]
    assert [(int(r["output_height"]), int(r["output_width"]), int(r["output_channels"])) for r in rows] == [
        b.output_shape for b in report.blocks
    ]
    assert "\x1b" not in out and "│" not in out


def test_markdown_has_three_github_tables(run):
    code, out, _ = run("summary", "s", "--format", "markdown")
    assert code == 0
    for heading in ("### Blocks", "### Pyramid levels", "### Totals"):
        assert heading in out
    assert "| block5i | MBConv |" in out
    assert "20,331,360" in out


@pytest.mark.parametrize(
    ("args", "shape"),
    [
        ((), [384, 384, 3]),  # the default: the preset's native resolution
        (("--resolution", "native"), [384, 384, 3]),
        (("-r", "224"), [224, 224, 3]),
        (("-r", "193x257"), [193, 257, 3]),
        (("-r", "300"), [300, 300, 3]),
    ],
)
def test_resolution(run, args, shape):
    code, out, _ = run("summary", "efficientnetv2_s", "-f", "json", *args)
    assert code == 0 and json.loads(out)["input_shape"] == shape


def test_a_config_without_a_native_resolution_defaults_to_224(run, tmp_path):
    text = Path(ROOT, "configs", "efficientnetv2_b2.yaml").read_text(encoding="utf-8")
    assert "native_resolution: 260" in text
    (tmp_path / "mine.yaml").write_text(text.replace("native_resolution: 260\n", ""), encoding="utf-8")
    code, out, err = run("summary", str(tmp_path / "mine.yaml"), "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["input_shape"] == [224, 224, 3] and data["native_resolution"] is None
    code, out, _ = run("summary", str(tmp_path / "mine.yaml"))
    assert "Input shape   224 x 224 x 3 (default: 224, no native resolution)" in out


def test_yaml_input_shape_is_used_without_flag(run):
    example = os.path.join(ROOT, "configs", "examples", "tiny_v2.yaml")
    code, out, _ = run("summary", example, "-f", "json")
    assert code == 0 and json.loads(out)["input_shape"] == [160, 160, 3]
    code, out, _ = run("summary", example, "-f", "json", "-r", "64")
    assert json.loads(out)["input_shape"] == [64, 64, 3]


def test_keras_cv_form_gives_the_same_numbers_as_the_preset(run):
    example = os.path.join(ROOT, "configs", "examples", "keras_cv_efficientnetv2_b2.yaml")
    _, ours, _ = run("summary", example, "-f", "json")  # no native resolution: 224
    _, preset, _ = run("summary", "b2", "-f", "json", "-r", "224")
    ours, preset = json.loads(ours), json.loads(preset)
    assert ours["blocks"] == preset["blocks"] and ours["totals"] == preset["totals"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("summary", "efficientnetv2_b9"), "unknown model 'efficientnetv2_b9'"),
        (("summary", "efficientnetv2_b9"), "closest: efficientnetv2_b3, efficientnetv2_b2"),
        (("summary", "lite9"), "closest: lite4"),
        (("summary", "b0", "--resolution", "0"), "--resolution: sizes must be from 1"),
        (("summary", "b0", "--resolution", "100000"), "--resolution: sizes must be from 1"),
        (("summary", "b0", "--resolution", "big"), "--resolution: expected N, HxW or 'native'"),
        (
            ("summary", "b0", "--resolution", "²"),
            "--resolution: expected N, HxW or 'native'",
        ),  # found by the fuzz suite
        (("summary", "b0", "--format", "xml"), "'xml' is not one of"),
        (("summary", "b0", "--engine", "pytorch"), "'pytorch' is not one of"),
        (("summary",), "Missing argument"),
        (("summarise", "b0"), "No such command"),
    ],
)
def test_bad_command_line_is_one_error_line(run, args, words):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert err.startswith("Error: ") and words in err, err
    assert len(err.strip().splitlines()) == 1


def test_native_needs_a_native_resolution(run, write_yaml):
    path = write_yaml(
        {
            "stages": [
                {
                    "block": "fused",
                    "kernel_size": 3,
                    "repeats": 1,
                    "input_filters": 32,
                    "output_filters": 16,
                    "expand_ratio": 1,
                    "strides": 1,
                }
            ]
        }
    )
    code, _, err = run("summary", path.name, "-r", "native")
    assert code == 2 and "has no native_resolution" in err


def test_version_and_help(run):
    from effcli import __version__

    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"effcli {__version__}"
    code, out, _ = run("summary", "--help")
    assert code == 0 and "--resolution" in out and "effcli summary efficientnetv2_b2" in out


def test_engine_env_var(run):
    code, out, _ = run("summary", "b0", env={"EFFCLI_ENGINE": "analytic"})
    assert code == 0 and any(line.split() == ["Engine", "analytic"] for line in out.splitlines())


def test_console_script_and_no_tensorflow_import():
    """`effcli --help`, the commands' help and an analytic summary or explain never import tensorflow, keras or
    matplotlib (the pictures' library is loaded by the commands that draw, only)."""
    code = (
        "import sys\n"
        "from effcli.cli import app\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['summary', 'l', '-f', 'json', '--engine', 'analytic'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['explain', 'b0', 'block4b', '--engine', 'analytic'])\n"
        "assert r.exit_code == 0, r.output\n"
        "for args in (['--help'], ['draw', '--help'], ['chart', '--help'], ['report', '--help']):\n"
        "    r = CliRunner().invoke(app, args)\n"
        "    assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "EFFCLI_ENGINE"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# keras.applications' default input of each class: what `EfficientNetB2(include_top=True)` built, read off the real
# builds (tests/reference/generate_keras_applications_top.py)
_TOP = json.loads(Path(ROOT, "tests", "data", "keras_applications_top.json").read_text(encoding="utf-8"))["models"]
_DEFAULT_INPUTS = {
    entry["function"].rsplit(".", 1)[1]: entry["measured"]["top_classes1000_native"]["input_shape"]
    for entry in _TOP.values()
}


@pytest.mark.parametrize("name", sorted(_DEFAULT_INPUTS))
def test_a_keras_applications_name_builds_at_that_class_default_size(run, name):
    """keras.applications builds EfficientNetB2 at 260 x 260 by default; without -r, so does effcli."""
    code, out, err = run("summary", name, "-f", "json")
    assert code == 0, err
    assert json.loads(out)["input_shape"] == _DEFAULT_INPUTS[name]
