"""`effcli explore`: the Textual explorer, driven headless by Textual's Pilot, checked against the other commands.

The numbers on the explorer's screen (its totals bar) and in its panes are compared with what `summary`, `explain`,
`scale` and `compare` print as JSON for the same network, as a person would: the same preset reached by scaling
another, the YAML the explorer saved, the same options given on the command line.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def explore(target: str, keys=(), *, size=(120, 40), start=None, check=None):
    """Run the explorer of ``target`` at ``size``, press ``keys`` (a string is typed character by character), then
    call ``check(app)`` while it still runs; returns what ``check`` returned."""
    from effcli.tools.session import Session
    from effcli.tui.app import ExploreApp

    async def main():
        app = ExploreApp(Session(target), start=start)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for key in keys:
                if isinstance(key, tuple):  # ("type", "1.25"): each character
                    await pilot.press(*key[1])
                else:
                    await pilot.press(key)
                await pilot.pause()
            await pilot.pause()
            return check(app) if check else None

    return asyncio.run(main())


def typed(text: str) -> tuple[str, str]:
    return ("type", text)


def cli_json(run, *args: str) -> dict:
    code, out, err = run(*args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def totals_of(app) -> dict[str, str]:
    """The totals bar as the screen shows it: label -> value (and change), read off the screen's text."""
    lines = app.screen_text().splitlines()
    found = {}
    for line in lines[2:4]:
        for label, value in re.findall(r"(Params|MACs|Blocks|Weights|Activations) (\S+(?: [GM]B?)?)", line):
            found[label] = value
    return found


def block_rows(text: str) -> list[list[str]]:
    """The rows of the first table of a pane's text whose first cell is a block name, as cells."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) > 2 and re.fullmatch(r"stem|top|head|block\d+[a-z]+", cells[0]):
            rows.append(cells)
    return rows


def shape(values) -> str:
    return " x ".join(str(v) for v in values)


def check_summary(app, data: dict) -> None:
    """The screen's totals and the Summary pane's block table equal `summary -f json`, block by block."""
    totals = totals_of(app)
    assert totals["Params"] == f"{data['totals']['params']:,}"
    assert totals["MACs"] == f"{data['totals']['macs'] / 1e9:.3f} G"
    assert totals["Blocks"] == str(sum(1 for b in data["blocks"] if b["type"] in ("fused", "mbconv")))
    assert totals["Weights"] == f"{data['memory']['variable_bytes'] / 2**20:,.2f} MB"
    assert totals["Activations"] == f"{data['memory']['activation_bytes'] / 2**20:,.2f} MB"
    pane = app.query_one("#summary-pane").plain
    header = pane.split("Blocks", 1)[1]
    columns = [c.strip() for c in next(l for l in header.splitlines() if "┃" in l).strip("┃ ").split("┃")]
    rows = block_rows(header.split("Where the params", 1)[0])
    assert [r[0] for r in rows] == [b["name"] for b in data["blocks"]]
    for cells, block in zip(rows, data["blocks"], strict=True):
        assert cells[columns.index("Params")] == f"{block['params']:,}", block["name"]
        assert cells[columns.index("Output shape")] == shape(block["output_shape"]), block["name"]
    for level in data["pyramid"]:
        assert re.search(rf"{level['level']}\s+│ {level['layer']}\s+│ {level['block']}", pane), level


# ------------------------------------------------------------------ the numbers, against the other commands


@pytest.mark.parametrize("name", ["efficientnetv2_b0", "efficientnetv1_b3", "efficientnetlite_b2", "s"])
def test_first_screen_equals_summary(run, name):
    data = cli_json(run, "summary", name, "-e", "analytic")
    explore(name, check=lambda app: check_summary(app, data))


@pytest.mark.parametrize(
    "base, width, depth, resolution, preset",
    [
        ("efficientnetv1_b0", "1.1", "1.2", "260", "efficientnetv1_b2"),
        ("efficientnetv1_b0", "1.4", "1.8", "380", "efficientnetv1_b4"),
        ("efficientnetv2_b0", "1.1", "1.2", "224", "efficientnetv2_b2"),
        ("efficientnetlite_b0", "1.2", "1.4", "280", "efficientnetlite_b3"),
    ],
)
def test_typing_a_scaling_gives_the_preset_it_equals(run, base, width, depth, resolution, preset):
    """Width, depth and resolution typed into the controls: every number becomes the preset's, and the change is
    against the base."""
    data = cli_json(run, "summary", preset, "-e", "analytic", "-r", resolution)
    first = cli_json(run, "summary", base, "-e", "analytic")
    keys = ["e", typed(width), "tab", typed(depth), "tab", typed(resolution), "escape", "3", "1"]

    def check(app):
        check_summary(app, data)
        change = (data["totals"]["params"] - first["totals"]["params"]) / first["totals"]["params"] * 100
        assert f"Params {data['totals']['params']:,} ({change:+.1f}%)" in app.screen_text()
        scaling = app.query_one("#scaling-pane").plain
        assert re.search(rf"Equals preset\s+│ {preset}\s+│", scaling), scaling

    explore(base, keys, check=check)


def test_the_round_filters_and_round_repeats_rows_equal_scale(run):
    data = cli_json(run, "scale", "--base", "efficientnetv2_b1", "--width", "1.3", "--depth", "0.7")

    def check(app):
        rows = {}
        for line in app.query_one("#scaling-pane").plain.splitlines():
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            if len(cells) >= 4:
                rows.setdefault(cells[0], cells)
        for row in data["round_filters"]:
            assert rows[row["row"]][1] == str(row["base"]) and rows[row["row"]][3] == str(row["result"]), row
        for row in data["round_repeats"]:
            cells = rows[str(row["stage"])]
            assert cells[1] == str(row["base"]) and cells[3] == str(row["result"]), row
        assert totals_of(app)["Params"] == f"{data['result']['params']:,}"

    explore("efficientnetv2_b1", ["e", typed("1.3"), "tab", typed("0.7"), "escape", "3"], check=check)


def test_classes_batch_and_dtype_controls_equal_the_options(run):
    data = cli_json(
        run,
        "summary",
        "efficientnetv1_b1",
        "-e",
        "analytic",
        "-r",
        "240",
        "--classes",
        "10",
        "--batch",
        "16",
        "--dtype",
        "float16",
    )
    start = {"Width": "1", "Depth": "1.1", "Resolution": "240", "Classes": "", "Batch": "1", "dtype": "float32"}

    def check(app):
        check_summary(app, data)
        assert [r[0] for r in block_rows(app.query_one("#summary-pane").plain)][-1] == "head"

    # classes and batch typed; dtype picked in its list (Enter opens it, Down moves to float16, Enter picks)
    keys = ["e", "tab", "tab", "tab", typed("10"), "tab", typed("16"), "tab", "enter", "down", "enter", "escape"]
    explore("efficientnetv1_b0", keys, start=start, check=check)


def test_the_saved_yaml_is_the_network_on_screen(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keys = ["e", typed("0.9"), "tab", typed("1.3"), "tab", typed("192x256"), "escape", "s", "enter"]

    def check(app):
        saved = tmp_path / "efficientnetv2_b3_w0.9_d1.3.yaml"
        assert saved.exists(), app.screen_text()
        assert f"Saved efficientnetv2_b3_w0.9_d1.3 to {saved.name}" in app.screen_text()
        return saved

    saved = explore("efficientnetv2_b3", keys, check=check)
    data = cli_json(run, "summary", str(saved), "-e", "analytic")
    assert data["input_shape"] == [192, 256, 3]
    explore("efficientnetv2_b3", keys[:-2], check=lambda app: check_summary(app, data))


def test_saving_never_writes_over_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "efficientnetv2_b0.yaml"
    existing.write_text("mine\n")

    def check(app):
        text = app.screen_text()
        assert "exists; give another name" in text
        assert existing.read_text() == "mine\n"
        assert [p.name for p in tmp_path.iterdir()] == ["efficientnetv2_b0.yaml"]  # no temporary left either

    explore("b0", ["s", "enter"], check=check)


def test_block_view_equals_explain(run):
    data = cli_json(run, "explain", "efficientnetv2_b0", "block4a", "-e", "analytic")

    def check(app):
        pane = app.query_one("#block-pane").plain
        assert app.query_one("#tabs").active == "block"
        assert " -> ".join(data["channel_flow"]) in pane
        names = [layer["name"] for layer in data["block"]["layers"]]
        found = [l.strip("│ ").split("│")[0].strip() for l in pane.splitlines() if l.startswith("│ block4a_")]
        assert found == names
        for layer in data["block"]["layers"]:
            assert re.search(rf"│ {layer['name']}\s+│.*│\s+{layer['params']:,} │", pane), layer["name"]
        assert data["reasons"][0][:40] in " ".join(pane.split())

    # the tree: stem, stage 1, block1a, stage 2, block2a, block2b, stage 3, block3a, block3b, stage 4, block4a
    explore("efficientnetv2_b0", ["down"] * 10 + ["enter"], check=check)


def test_compare_view_equals_compare(run):
    data = cli_json(run, "compare", "efficientnetv1_b0", "efficientnetv1_b3", "-r", "300")

    def check(app):
        pane = app.query_one("#compare-pane").plain
        assert app.query_one("#tabs").active == "compare"
        for model in data["models"]:
            assert f"{model['totals']['params']:,}" in pane
        for row in data["stages"]:
            for entry in row["models"]:
                if entry is not None:
                    assert f"{entry['params']:,}" in pane, row["row"]
        assert "vs efficientnetv1_b3" in app.screen_text()

    keys = ["e", "tab", "tab", typed("300"), "escape", "c", typed("v1-b3"), "enter"]
    explore("efficientnetv1_b0", keys, size=(160, 50), check=check)


def test_compare_refuses_an_unknown_model_in_the_dialog():
    def check(app):
        text = app.screen_text()
        assert "Error: unknown model 'nonesuch'" in text
        assert app.session.other_target is None

    explore("b0", ["c", typed("nonesuch"), "enter"], check=check)


# ------------------------------------------------------------------ behaviour


def test_a_control_that_is_not_valid_names_itself_and_keeps_the_numbers(run):
    data = cli_json(run, "summary", "b0", "-e", "analytic")

    def check(app):
        text = app.screen_text()
        assert "Error: Width: " in text and "still those of the last valid values" in text
        check_summary(app, data)

    explore("b0", ["e", typed("abc")], check=check)


def test_undo_returns_to_the_base(run):
    data = cli_json(run, "summary", "lite1", "-e", "analytic")
    explore("lite1", ["e", typed("2"), "tab", typed("3"), "escape", "u"], check=lambda app: check_summary(app, data))


def test_search_finds_layers_and_opens_their_block():
    def check(app):
        assert app.block_name == "block2b"
        assert app.query_one("#tabs").active == "block"
        assert "Match 2 of" in app.screen_text()

    # "block2a_expand_conv" and "block2b_expand_conv" ... : the second match is block2b's
    explore("efficientnetv2_b0", ["slash", typed("block2"), "enter", "n"], check=check)


def test_pyramid_taps_are_marked_in_the_tree(run):
    data = cli_json(run, "summary", "efficientnetv1_b0", "-e", "analytic")

    def check(app):
        marked = {}
        for line in app.screen_text().splitlines():
            found = re.search(r"(stem|top|block\d+[a-z])\s+◂ ((?:P\d )*P\d)", line)
            if found:
                marked[found.group(1)] = found.group(2)
        assert marked == {level["block"]: level["level"] for level in data["pyramid"]}

    explore("efficientnetv1_b0", size=(120, 60), check=check)


def test_q_and_ctrl_c_quit():
    for key in ("q", "ctrl+c"):
        assert explore("b0", [key], check=lambda app: app.is_running) is False


def test_help_lists_every_key_and_the_docs_list_them_too():
    from effcli.tui.app import KEYS, ExploreApp

    listed = " ".join(key for key, _ in KEYS)
    for binding in ExploreApp.BINDINGS:
        for key in binding.key.split(","):
            display = {"question_mark": "?", "slash": "/", "ctrl+c": "Ctrl+C", "escape": "Escape"}.get(key, key)
            assert display in listed.split(), key
    shown = explore("b0", ["question_mark"], check=lambda app: app.screen_text())
    for key, what in KEYS:
        assert key in shown and what.split()[0] in shown
    docs = " ".join((ROOT / "docs" / "commands.md").read_text().split())
    for key, what in KEYS:
        assert f"| {key} | {what} |" in docs.replace("`", ""), key


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_every_part_is_on_screen(size):
    """80 x 24 holds the controls, the totals, the tree, the views' tabs and the footer whole."""

    def check(app):
        lines = app.screen_text().splitlines()
        assert len(lines) == size[1] and all(len(line) <= size[0] for line in lines)
        text = "\n".join(lines)
        for word in ("Width", "Depth", "Res", "Classes", "Batch", "float32", "Params", "Activations", "block1a"):
            assert word in text, word
        assert re.search(r"Summary\s+Block\s+Scaling\s+Compare", text)
        assert re.search(r"q Quit.*\? Keys.*/ Find.*n Next.*e Edit.*c Compare.*s Save.*u Undo.*1234 Views", lines[-1])

    explore("efficientnetv2_b2", size=size, check=check)


# ------------------------------------------------------------------ the command


def test_not_a_terminal_is_one_error_pointing_at_summary(run):
    code, out, err = run("explore", "b2")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "Error: stdout: is not a terminal; explore is interactive. For output a program or a file reads, use "
        "'effcli summary b2' (with -f json, csv or markdown)"
    ]


@pytest.mark.parametrize(
    "args, words",
    [
        (["nonesuch"], ["unknown model 'nonesuch'"]),
        (["b0", "--width", "0"], ["--width"]),
        (["b0", "-r", "huge"], ["--resolution", "expected N, HxW or 'native'"]),
        (["b0", "--batch", "0"], ["--batch"]),
        (["b0.keras"], ["b0.keras", "effcli summary reads .keras files"]),
        (["b0", "--compare", "nonesuch"], ["unknown model 'nonesuch'"]),
    ],
)
def test_bad_input_is_one_error_line(run, args, words):
    code, out, err = run("explore", *args)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and err.startswith("Error: "), err
    for word in words:
        assert word in err


def test_textual_is_imported_by_explore_only():
    code = (
        "import sys\n"
        "from effcli.cli import app\n"
        "from typer.testing import CliRunner\n"
        "for args in (['--help'], ['explore', '--help'], ['summary', 'b0', '-e', 'analytic'], ['presets'],\n"
        "             ['scale', '-w', '1.2', '-d', '1.4'], ['compare', 'b0', 'b1', '-e', 'analytic']):\n"
        "    r = CliRunner().invoke(app, args)\n"
        "    assert r.exit_code == 0, (args, r.output)\n"
        "before = 'textual' in sys.modules\n"
        "r = CliRunner().invoke(app, ['explore', 'b0'])\n"  # not a terminal: refused before Textual is needed
        "assert r.exit_code == 2\n"
        "import effcli.tui.app\n"
        "print(before, 'textual' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


# ------------------------------------------------------------------ pictures of the screen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_summary(snap_compare, size):
    from effcli.tools.session import Session
    from effcli.tui.app import ExploreApp

    assert snap_compare(ExploreApp(Session("efficientnetv2_b0")), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_scaled_block(snap_compare, size):
    from effcli.tools.session import Session
    from effcli.tui.app import ExploreApp

    start = {"Width": "1.2", "Depth": "1.4", "Resolution": "260", "Classes": "", "Batch": "8", "dtype": "float32"}
    app = ExploreApp(Session("efficientnetv2_b0"), start=start)
    assert snap_compare(app, terminal_size=size, press=["down", "down", "down", "enter"])


# ------------------------------------------------------------------ a real terminal


def _in_pty(args: list[str], keys: bytes, *, wait_for: list[bytes], env: dict | None = None, timeout: float = 60):
    """Run ``effcli ARGS`` in a pty of 80 x 24; once every ``wait_for`` has appeared, send ``keys``; returns the
    exit status and everything the terminal received."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "EFFCLI_ENGINE")}
    environment.update(TERM="xterm-256color", **(env or {}))
    process = subprocess.Popen(
        [sys.executable, "-c", "from effcli.cli import main; main()", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    os.close(slave)
    received = b""
    sent = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            received += data
        if not sent and all(word in received for word in wait_for):
            os.write(master, keys)
            sent = True
        if process.poll() is not None and not ready:
            break
    else:
        process.kill()
        raise AssertionError(f"effcli {' '.join(args)} did not quit: {received[-2000:]!r}")
    os.close(master)
    return process.wait(timeout=10), received


def test_in_a_real_terminal_it_draws_and_quits():
    status, received = _in_pty(["explore", "b0"], b"q", wait_for=[b"block1a", b"Quit", b"Params"])
    assert status == 0
    entered = received.rfind(b"\x1b[?1049h")  # the alternate screen: entered, then left, the terminal restored
    assert entered >= 0 and received.find(b"\x1b[?1049l", entered) > entered


GREYS_256 = {16, 59, 102, 145, 188, 231, *range(232, 256)}  # the xterm-256 colours whose red = green = blue


def _colours(received: bytes) -> list[tuple[int, ...]]:
    """Every foreground and background colour the terminal was sent: (n,) of the 256 colours, or (r, g, b)."""
    found = []
    for params in re.findall(rb"\x1b\[([0-9;]*)m", received):
        numbers = [int(n) for n in params.split(b";") if n]
        i = 0
        while i < len(numbers):
            if numbers[i] in (38, 48) and i + 2 < len(numbers) and numbers[i + 1] == 5:
                found.append((numbers[i + 2],))
                i += 3
            elif numbers[i] in (38, 48) and i + 4 < len(numbers) and numbers[i + 1] == 2:
                found.append(tuple(numbers[i + 2 : i + 5]))
                i += 5
            else:
                i += 1
    return found


def _grey(colour: tuple[int, ...]) -> bool:
    return colour[0] in GREYS_256 if len(colour) == 1 else len(set(colour)) == 1


def test_in_a_real_terminal_no_color_draws_in_grey():
    wait = [b"block1a", b"Quit"]
    status, coloured = _in_pty(["explore", "b0"], b"q", wait_for=wait)
    assert status == 0 and not all(_grey(c) for c in _colours(coloured)), "colour without NO_COLOR"
    status, received = _in_pty(["explore", "b0"], b"\x03", wait_for=wait, env={"NO_COLOR": "1"})
    assert status == 0
    colours = _colours(received)
    assert colours, "no colour codes at all: the check would prove nothing"
    assert all(_grey(c) for c in colours), sorted({c for c in colours if not _grey(c)})[:5]


def _texts(svg: str) -> list[str]:
    """The visible texts of an SVG screenshot, in order (Rich writes each run as a <text> element)."""
    import html

    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.strip()]


def test_the_readme_screenshot_shows_the_explorer_of_today():
    import importlib.util

    spec = importlib.util.spec_from_file_location("explore_screenshot", ROOT / "scripts" / "explore_screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored = (ROOT / "docs" / "images" / "explore.svg").read_text(encoding="utf-8")
    fresh = module.screenshot()
    assert _texts(fresh), "no text found: the comparison would prove nothing"
    assert _texts(stored) == _texts(fresh), "run python scripts/explore_screenshot.py"
    assert "docs/images/explore.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
