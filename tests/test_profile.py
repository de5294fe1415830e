"""`effcli profile`: the structure of its output and the consistency of its timings (never their speed).

The Keras tests run the tiny_v2 example at 64x64 with a few passes: they check
that every block is there in order, that every time is positive, that the shares
add up to 1 and that the figures agree with each other. How the blocks' sum
compares with the whole network is measured by bench/bench_profile.py, not tested
here: on a shared machine any timing can be slow.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from effcli.engines.timing import Environment
from effcli.tools.profile import SUM_RATIO_RANGE, BlockTiming, Profile, Spread

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["profile", "tiny_v2", "-r", "64", "--runs", "3", "--warmup", "1"]
TINY_BLOCKS = ["stem", "block1a", "block2a", "block2b", "block3a", "block3b", "block3c", "block4a", "block4b", "top"]


def effcli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "EFFCLI_ENGINE", "EFFCLI_DEBUG")}
    return subprocess.run(
        [sys.executable, "-m", "effcli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


# --------------------------------------------------------------------------- the statistics, without TensorFlow


def test_spread_is_median_and_interquartile_range():
    spread = Spread.of([0.004, 0.001, 0.002, 0.003, 0.005])
    assert (spread.median, spread.q1, spread.q3, spread.low, spread.high) == pytest.approx((3, 2, 4, 1, 5))
    one = Spread.of([0.002])
    assert one.median == one.q1 == one.q3 == one.low == one.high == pytest.approx(2)


def _fake_profile(medians: dict[str, tuple[str, float, int]], whole_ms: float, batch: int = 2) -> Profile:
    spreads = {name: Spread.of([ms / 1000]) for name, (_, ms, _) in medians.items()}
    total = sum(s.median for s in spreads.values())
    blocks = tuple(
        BlockTiming(name, i, kind, macs, spreads[name], spreads[name].median / total, batch)
        for i, (name, (kind, _, macs)) in enumerate(medians.items())
    )
    env = Environment("cpu", "/device:CPU:0", "2 cores usable", 2, 0, True, "2.x", "3.x")
    macs = sum(b.macs for b in blocks)
    return Profile("net", "preset", (32, 32, 3), batch, 1, 0, False, env, blocks, Spread.of([whole_ms / 1000]), macs)


def test_profile_figures_agree():
    result = _fake_profile(
        {"stem": ("stem", 1.0, 10**6), "block1a": ("fused", 2.0, 8 * 10**6), "block2a": ("mbconv", 2.0, 2 * 10**6)},
        whole_ms=4.0,
    )
    data = result.to_dict()["profile"]
    assert [b["name"] for b in data["blocks"]] == ["stem", "block1a", "block2a"]
    assert math.fsum(b["share"] for b in data["blocks"]) == pytest.approx(1, abs=1e-6)
    assert data["sum_of_blocks_ms"] == pytest.approx(5.0) and data["sum_ratio"] == pytest.approx(1.25)
    assert data["whole"]["images_per_s"] == pytest.approx(2 / 0.004)
    assert data["blocks"][1]["gmacs_per_s"] == pytest.approx(8e6 * 2 / 0.002 / 1e9)
    rates = {r["type"]: r for r in data["rates"]}
    assert rates["fused"]["mean_gmacs_per_s"] == pytest.approx(4 * rates["mbconv"]["mean_gmacs_per_s"])
    assert data["sum_ratio_range"] == list(SUM_RATIO_RANGE) and result.within_tolerance


def test_profile_view_in_every_format():
    from effcli.render import get_writer, views

    result = _fake_profile({"stem": ("stem", 1.0, 10**6), "block1a": ("fused", 2.0, 8 * 10**6)}, whole_ms=2.5)
    document = views.profile(result)
    for name in ("table", "markdown", "csv", "json"):
        text = get_writer(name, color=False, width=200, wide=False).write(document)
        assert "block1a" in text
    rows = list(csv.DictReader(io.StringIO(get_writer("csv", color=False, width=200, wide=False).write(document))))
    assert [r["name"] for r in rows] == ["stem", "block1a", "whole"]


# --------------------------------------------------------------------------- bad options: one line, exit 2, no Keras


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--runs", "0"], "--runs"),
        (["--runs", "10001"], "--runs"),
        (["--warmup", "-1"], "--warmup"),
        (["--warmup", "1001"], "--warmup"),
        (["--batch", "0"], "--batch"),
        (["--batch", "4097"], "--batch"),
        (["--threads", "0"], "--threads"),
        (["--device", "tpu"], "--device"),
        (["-f", "json", "--svg", "x.svg"], "--svg"),
    ],
)
def test_bad_options_are_one_line(run, args, option):
    code, out, err = run("profile", "tiny_v2", *args)
    assert code == 2 and out == ""
    assert err.startswith(f"Error: {option}") and err.count("\n") == 1, err


def test_bad_options_do_not_import_tensorflow():
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom effcli.cli import app\n"
        "r = CliRunner().invoke(app, ['profile', 'tiny_v2', '--runs', '0'])\n"
        "assert r.exit_code == 2, r.output\nassert 'tensorflow' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def small_json():
    result = effcli(*SMALL, "-f", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar and no TensorFlow chatter when stderr is not a terminal
    return json.loads(result.stdout)["profile"]


@pytest.mark.keras
def test_json_structure(small_json):
    data = small_json
    assert data["device"] == "cpu" and data["device_name"] == "/device:CPU:0"
    assert data["threads"]["intra_op"] >= 1 and isinstance(data["threads"]["default"], bool)
    assert data["batch"] == 1 and data["input_shape"] == [1, 64, 64, 3]
    assert (data["runs"], data["warmup"], data["jit"]) == (3, 1, False)
    assert [b["name"] for b in data["blocks"]] == TINY_BLOCKS
    assert [b["type"] for b in data["blocks"]] == ["stem", *["fused"] * 3, *["mbconv"] * 5, "top"]
    for block in data["blocks"]:
        assert 0 < block["ms_min"] <= block["ms_q1"] <= block["ms_median"] <= block["ms_q3"] <= block["ms_max"]
        assert block["macs"] > 0 and block["gmacs_per_s"] > 0 and 0 < block["share"] < 1
        assert block["gmacs_per_s"] == pytest.approx(block["macs"] / block["ms_median"] / 1e6, rel=1e-4)
    assert math.fsum(b["share"] for b in data["blocks"]) == pytest.approx(1, abs=1e-6)
    whole = data["whole"]
    assert 0 < whole["ms_min"] <= whole["ms_median"] <= whole["ms_max"]
    assert whole["images_per_s"] == pytest.approx(1000 / whole["ms_median"], rel=1e-4)
    assert whole["macs"] == sum(b["macs"] for b in data["blocks"])
    assert data["sum_of_blocks_ms"] == pytest.approx(sum(b["ms_median"] for b in data["blocks"]), rel=1e-4)
    assert data["sum_ratio"] == pytest.approx(data["sum_of_blocks_ms"] / whole["ms_median"], rel=1e-4)
    assert [r["type"] for r in data["rates"]] == ["fused", "mbconv"]


@pytest.mark.keras
def test_table_names_device_threads_and_the_rates():
    result = effcli(*SMALL, "--threads", "1", "--batch", "2")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for block in TINY_BLOCKS:
        assert f" {block} " in text
    assert "Device      CPU (/device:CPU:0" in text and "Threads     1 intra-op, 1 inter-op" in text
    assert "Input       2 x 64 x 64 x 3" in text
    assert "Fused-MBConv blocks:" in text and "MBConv blocks:" in text and "Images/s" in text


@pytest.mark.keras
def test_csv_and_markdown():
    result = effcli(*SMALL, "--runs", "1", "--warmup", "0", "-f", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == [*TINY_BLOCKS, "whole"]
    assert all(float(r["ms_median"]) > 0 for r in rows)


@pytest.mark.keras
def test_jit_compiles_with_xla():
    result = effcli(*SMALL, "--runs", "2", "--jit", "-f", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)["profile"]
    assert data["jit"] is True and all(b["ms_median"] > 0 for b in data["blocks"])


@pytest.mark.keras
def test_gpu_without_a_gpu_is_one_line():
    from effcli.engines.timing import gpu_available

    if gpu_available():
        pytest.skip("this machine has a GPU")
    result = effcli(*SMALL, "--device", "gpu")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "Error: --device: no GPU visible to TensorFlow\n"


@pytest.mark.keras
@pytest.mark.parametrize("columns", [60, 200])
def test_table_fits_the_terminal(columns):
    """As tests/test_terminal.py checks the other commands: in a pty, no line wider than the terminal."""
    from test_terminal import run_in_pty

    text = run_in_pty(SMALL, columns, timeout=300)
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "…" not in text
    for block in TINY_BLOCKS:
        assert block in text
