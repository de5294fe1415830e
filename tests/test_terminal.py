"""The table view in a real terminal: a pseudo-terminal of 60 to 200 columns, every command.

Each command runs as a subprocess whose stdout is the slave end of a pty with
the window size set (COLUMNS unset), exactly as in a terminal emulator. The
test then checks what a person reads: no line wider than the terminal, no
ellipsis anywhere, and every name and every number of the JSON report of the
same command whole in the text (a name may wrap inside its cell only where the
table gives it several lines; we check the names that fit in the narrowest
cell width whole, and the others by their fragments in order).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (60, 80, 100, 120, 200)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_pty(args: list[str], columns: int, *, lines: int = 50, timeout: float = 60.0) -> str:
    """stdout of ``effcli ARGS`` in a pty of ``columns`` x ``lines`` (stderr apart), ANSI codes removed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "EFFCLI_ENGINE")}
    env.update(EFFCLI_ENGINE="analytic", TERM="xterm-256color", EFFCLI_CACHE_DIR=os.devnull)
    process = subprocess.Popen(
        [sys.executable, "-c", "from effcli.cli import main; main()", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    while True:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            process.kill()
            raise AssertionError(f"effcli {' '.join(args)} timed out at {columns} columns")
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the pty
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    stderr = process.communicate(timeout=timeout)[1].decode()
    assert process.returncode == 0, stderr
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return ANSI.sub("", text)


def json_of(args: list[str]) -> object:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["EFFCLI_ENGINE"] = "analytic"
    result = subprocess.run(
        [sys.executable, "-c", "from effcli.cli import main; main()", *args, "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _int(value: int) -> str:
    return f"{value:,}"


def _summary_words(data) -> list[str]:
    words = []
    for block in data["blocks"]:
        words += [block["name"], _int(block["params"])]
        for layer in block.get("layers", []):
            words += [layer["name"], _int(layer["params"])] if layer["params"] else [layer["name"]]
    words += [_int(data["totals"]["params"])]
    return words


def _compare_words(data) -> list[str]:
    words = [model["name"] for model in data["models"]]
    words += [_int(model["totals"]["params"]) for model in data["models"]]
    for row in data["stages"]:
        words += [_int(entry["params"]) for entry in row["models"] if entry]
    return words


def _explain_words(data) -> list[str]:
    words = [data["model"], data["block"]["name"], _int(data["block"]["params"])]
    for layer in data["block"]["layers"]:
        words.append(layer["name"])
        if layer["params"]:
            words.append(_int(layer["params"]))
    return words


def _scale_words(data) -> list[str]:
    words = [_int(data["result"]["params"]), _int(data["base_result"]["params"])]
    words += [str(row["result"]) for row in data["round_filters"]]
    return words


def _preset_words(data) -> list[str]:
    return [w for entry in data for w in (entry["name"], _int(entry["params"]))]


def _plan_words(data) -> list[str]:
    words = [w for fit in data["presets"] for w in (fit["name"], _int(fit["params"]))]
    words += [_int(fit["params"]) for fit in (data["compound"], *data["compound_context"])]
    return words + [_int(candidate["params"]) for candidate in data["frontier"]]


CASES = {
    "summary": (["summary", "efficientnetv2_b2"], _summary_words),
    "summary-v1": (["summary", "efficientnetv1_b7", "-r", "native"], _summary_words),
    "summary-layers": (["summary", "efficientnetlite_b0", "--layers"], _summary_words),
    "compare-2": (["compare", "efficientnetv2_b0", "efficientnetv2_b3"], _compare_words),
    "compare-3": (["compare", "efficientnetv1_b0", "efficientnetlite_b4", "efficientnetv2_m"], _compare_words),
    "explain": (["explain", "efficientnetv2_b2", "block4b"], _explain_words),
    "scale": (["scale", "--width", "1.2", "--depth", "1.4"], _scale_words),
    "presets": (["presets"], _preset_words),
    "plan": (["plan", "--max-params", "20M", "--max-macs", "5G", "--grid"], _plan_words),
}


def _whole(word: str, text: str) -> bool:
    """``word`` stands in the text as a token of its own (not inside a longer name or number)."""
    return re.search(r"(?<![\w,.])" + re.escape(word) + r"(?![\w,])", text) is not None


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("case", list(CASES))
def test_table_fits_the_terminal(case, columns):
    args, words_of = CASES[case]
    text = run_in_pty(args, columns)
    assert "\u2026" not in text and "..." not in text, f"ellipsis at {columns} columns:\n{text}"
    widest = max(len(line) for line in text.splitlines())
    assert widest <= columns, f"a line of {widest} characters at {columns} columns:\n{text}"
    missing = [w for w in words_of(json_of(args)) if not _whole(w, text)]
    assert not missing, f"cut or missing at {columns} columns: {missing[:10]}\n{text}"


# --------------------------------------------------------------------------- what was left out, --wide, piped

BLOCK_TITLES = (
    "Block",
    "Type",
    "Kernel",
    "Stride",
    "Expand",
    "SE",
    "In -> Out",
    "Residual",
    "Output shape",
    "Params",
    "MACs",
    "Drop rate",
)


def _titles(text: str) -> list[list[str]]:
    """The column titles of every table (one header line each) in the text."""
    return [[t.strip() for t in line.strip("┃").split("┃")] for line in text.splitlines() if line.startswith("┃ ")]


def _left_out(text: str) -> list[list[str]]:
    """The columns each 'Left out at N columns: ...' line names (the line may wrap)."""
    joined = " ".join(text.split())
    return [m.split(", ") for m in re.findall(r"Left out at \d+ columns: (.*?); --wide or --format", joined)]


@pytest.mark.parametrize("columns", WIDTHS)
def test_left_out_columns_are_named(columns):
    """Every column of the block table is shown or named in the line under it, which points to the full views."""
    text = run_in_pty(["summary", "efficientnetv2_b2"], columns)
    shown = _titles(text)[0]
    left_out = _left_out(text)
    named = left_out[0] if left_out and len(shown) < len(BLOCK_TITLES) else []
    assert sorted(shown + named) == sorted(BLOCK_TITLES), (shown, named)
    assert not set(shown) & set(named)
    if columns == 200:
        assert not left_out and "--wide" not in text
    else:
        assert named, f"nothing left out at {columns} columns?\n{text}"
        assert "--wide or --format json|csv|markdown shows all." in " ".join(text.split())


def test_wide_prints_every_column_in_full():
    text = run_in_pty(["summary", "efficientnetv2_b2", "--wide"], 80)
    assert "\u2026" not in text and "Left out" not in text
    assert _titles(text)[0] == list(BLOCK_TITLES)
    assert max(len(line) for line in text.splitlines()) > 80  # as wide as the table needs
    presets = run_in_pty(["presets", "--wide"], 60)
    assert "Description" in _titles(presets)[0] and "Left out" not in presets
    assert (
        "EfficientNetV2-B0: Fused-MBConv stages 1-3, MBConv+SE stages 4-6; width 1.0, depth 1.0, trained at 224px."
        in presets
    )


def _piped(args: list[str], columns: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "EFFCLI_ENGINE")}
    env.update(EFFCLI_ENGINE="analytic", EFFCLI_CACHE_DIR=os.devnull)
    if columns is not None:
        env["COLUMNS"] = columns
    result = subprocess.run(
        [sys.executable, "-c", "from effcli.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("case", ["summary", "compare-3", "presets"])
def test_columns_is_honoured_when_piped(case):
    """COLUMNS sets the width also when stdout is not a terminal; without it a pipe gets 200 columns."""
    args, words_of = CASES[case]
    narrow = _piped(args, "80")
    assert "\u2026" not in narrow and max(len(line) for line in narrow.splitlines()) <= 80
    assert "Left out at 80 columns" in " ".join(narrow.split())
    missing = [w for w in words_of(json_of(args)) if not _whole(w, narrow)]
    assert not missing, missing
    full = _piped(args, None)
    assert "Left out" not in full and "\x1b[" not in full
    assert full == _piped(args, "200")


# --------------------------------------------------------------------------- what a new user reads at 80 columns


def test_presets_keep_the_short_names_at_80_columns():
    """b0, v1-b3, lite0 are what a new user needs from `presets`: on every preset's row at 80 columns."""
    text = run_in_pty(["presets"], 80)
    assert max(len(line) for line in text.splitlines()) <= 80
    header = next(line for line in text.splitlines() if "Preset" in line and "Params" in line)
    assert "Aliases" in header
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.startswith("│ efficientnet")}
    entries = json_of(["presets"])
    assert sorted(rows) == sorted(entry["name"] for entry in entries)
    for entry in entries:
        cells = [cell.strip() for cell in rows[entry["name"]].split("│")]
        assert cells[2] == " ".join(entry["aliases"]), entry["name"]


def test_the_family_line_names_the_family_once():
    text = run_in_pty(["summary", "v1-b0"], 80)
    family = next(line for line in text.splitlines() if line.startswith("Family"))
    assert family.count("(") == 1 and "efficientnetv1" in family, family


def test_the_header_says_which_input_and_which_default():
    """b2's default is its native 260 (keras.applications' EfficientNetV2B2 default too); -r 224 says so."""
    default = run_in_pty(["summary", "b2"], 80)
    assert "Input shape   260 x 260 x 3 (default: native)" in default.splitlines()
    other = run_in_pty(["summary", "b2", "-r", "224"], 80)
    assert "Input shape   224 x 224 x 3 (default: native 260)" in other.splitlines()
    compared = run_in_pty(["compare", "b0", "b2", "-r", "224"], 80).splitlines()
    assert "Input 2               224 x 224 x 3 (default: native 260)" in compared
    note = " ".join(line for line in compared if line.startswith(("Top-1 is published", "counted at")))
    assert "2. efficientnetv2_b2 is counted at 224 x 224, its top-1 was measured at 260." in note


def test_macs_read_the_same_in_every_view():
    """b2 at its native resolution is one number everywhere: "1.696 G"."""
    macs = json_of(["summary", "b2"])["totals"]["macs"]
    shown = f"{macs / 1e9:.3f} G"
    for args in (["summary", "b2"], ["compare", "b0", "b2"], ["presets"], ["plan", "--max-params", "9M"]):
        assert shown in run_in_pty(args, 80), args


def test_v2_pyramid_names_say_they_are_keras_cvs():
    text = run_in_pty(["summary", "b2"], 80)
    assert "│ block1b_ " in text
    assert "block1b_ and the like are keras-cv's own names, not cut ones" in " ".join(text.split())
    v1 = run_in_pty(["summary", "v1-b0"], 80)
    assert "keras-cv's own names" not in " ".join(v1.split())  # V1 taps are whole layer names


def test_explain_shows_its_engine_and_the_layer_used_twice():
    text = run_in_pty(["explain", "b0", "block4b"], 80)
    lines = text.splitlines()
    assert any(line.startswith("Engine") for line in lines)
    assert sum(1 for line in lines if line.startswith("│ block4b_activation ")) == 2
    words = " ".join(text.split())
    assert "block4b_activation is listed twice: it is one Keras layer (no weights)" in words


def test_plan_keeps_width_and_depth_together_at_80_columns():
    for args in (["plan", "--max-params", "10M"], ["plan", "--max-params", "2G", "--max-macs", "900G", "--base", "l"]):
        text = run_in_pty(args, 80)
        header = next(line for line in text.splitlines() if line.startswith("┃  Phi"))
        assert "Width" in header and "Depth" in header, (args, header)


def test_b8_is_marked_for_its_method_not_for_more_data():
    text = run_in_pty(["presets"], 80)
    words = " ".join(text.split())
    assert "85.5 @672^" in text and "88.4 @800+" in text
    more_data = words.split("+ trained on more data than ImageNet-1k (")[1].split("^ trained on")[0]
    assert "efficientnetv1_b8" not in more_data and "efficientnetv1_l2" in more_data
    assert "^ trained on ImageNet-1k alone, with another training method (efficientnetv1_b8: AdvProp" in words


def test_compound_scaling_says_where_its_input_size_comes_from():
    lines = run_in_pty(["scale", "--phi", "1", "--base", "v1-b0"], 80).splitlines()
    assert "Input shape    258 x 258 x 3 (the compound rule's resolution)" in lines  # 224 x 1.15 = 257.6 -> 258
    plain = run_in_pty(["scale", "--width", "1.2", "--depth", "1.4"], 80).splitlines()
    assert "Input shape  224 x 224 x 3 (default: native)" in plain
