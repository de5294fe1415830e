"""The commands that draw (draw, chart, report, explain --draw): files, messages, errors, determinism.

What the pictures show is checked in test_pictures_diagram.py, test_pictures_block.py,
test_pictures_chart.py and test_report_page.py; here, what a person running the
commands gets: the file they asked for, one line saying so, one error line for a
mistake, and nothing written or clobbered when they made one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def _ids(path: Path) -> list[str]:
    return [e.get("id", "") for e in ElementTree.parse(path).getroot().iter() if e.get("id")]


def _texts(path: Path) -> list[str]:
    return ["".join(e.itertext()) for e in ElementTree.parse(path).getroot().iter(f"{SVG}text")]


def _block_names(run, model: str, *extra: str) -> list[str]:
    code, out, _ = run("summary", model, "-f", "json", *extra)
    assert code == 0
    return [block["name"] for block in json.loads(out)["blocks"]]


def test_draw_saves_the_diagram_and_says_so(run, tmp_path):
    code, out, err = run("draw", "efficientnetv2_b0", "-o", "b0.svg")
    assert code == 0, err
    assert out == "Saved the diagram of efficientnetv2_b0 (21 blocks in 6 stages, P1..P5) to b0.svg\n"
    names = _block_names(run, "efficientnetv2_b0")
    assert len(names) == 23  # the stem, 21 blocks, the top
    assert sorted(i for i in _ids(tmp_path / "b0.svg") if i.startswith("block-")) == sorted(
        f"block-{name}" for name in names
    )


def test_draw_png_and_compare(run, tmp_path):
    from PIL import Image

    code, out, err = run("draw", "b0", "--compare", "v1-b0", "-o", "pair.png")
    assert code == 0, err
    assert out == (
        "Saved the diagram of efficientnetv2_b0 (21 blocks in 6 stages, P1..P5) and "
        "efficientnetv1_b0 (16 blocks in 7 stages, P1..P5) to pair.png\n"
    )
    with Image.open(tmp_path / "pair.png") as image:
        image.load()
        assert image.format == "PNG" and image.width > 600 and image.height > 300
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 24) or []) > 8  # drawn, not blank


def test_draw_is_deterministic(run, tmp_path):
    for name in ("a.svg", "b.svg", "a.png", "b.png"):
        assert run("draw", "lite0", "--classes", "10", "-o", name)[0] == 0
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert "<dc:date>" not in (tmp_path / "a.svg").read_text()


def test_draw_with_the_head(run, tmp_path):
    assert run("draw", "b0", "--classes", "1000", "-o", "head.svg")[0] == 0
    assert "block-head" in _ids(tmp_path / "head.svg")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("draw", "b0", "-o", "b0.jpg"), "Error: --output: 'b0.jpg' must end in .svg or .png"),
        (("draw", "b0", "-o", "missing/b0.svg"), "Error: --output: folder 'missing' does not exist"),
        (("draw", "efficientnetv2_b9", "-o", "b9.svg"), "Error: unknown model 'efficientnetv2_b9'"),
        (("draw", "b0", "--compare", "nope", "-o", "x.svg"), "Error: unknown model 'nope'"),
        (("draw", "b0", "--classes", "0", "-o", "x.svg"), "Error: --classes"),
        (("chart", "-o", "chart.pdf"), "Error: --output: 'chart.pdf' must end in .svg or .png"),
        (("chart", "nope", "-o", "chart.svg"), "Error: unknown model 'nope'"),
        (("report", "b0", "-o", "b0.svg"), "Error: --output: 'b0.svg' must end in .html or .htm"),
        (("explain", "b0", "block1a", "--draw", "b.gif"), "Error: --draw: 'b.gif' must end in .svg or .png"),
        (("explain", "b0", "block9z", "--draw", "b.svg"), "Error: "),
    ],
)
def test_mistakes_are_one_line_and_write_nothing(run, tmp_path, args, message):
    code, out, err = run(*args)
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1, err
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "a failed command left a file behind"


@pytest.mark.parametrize(
    "args",
    [
        ("draw", "b0", "-o", "out.svg"),
        ("chart", "-o", "out.svg"),
        ("report", "b0", "-o", "out.html"),
        ("explain", "b0", "stem", "--draw", "out.svg"),
    ],
)
def test_an_existing_file_is_kept_unless_force(run, tmp_path, args):
    target = tmp_path / args[-1]
    target.write_text("mine")
    code, _, err = run(*args)
    assert code == 2 and "exists; use --force to overwrite it" in err
    assert target.read_text() == "mine"
    code, _, err = run(*args, "--force")
    assert code == 0, err
    assert target.read_text() != "mine"


def test_missing_output_is_a_usage_error(run):
    code, _, err = run("draw", "b0")
    assert code == 2 and "--output" in err


def test_explain_draw_keeps_the_printed_answer(run, tmp_path):
    code, plain, _ = run("explain", "b2", "block4b", "-f", "json")
    assert code == 0
    code, out, err = run("explain", "b2", "block4b", "-f", "json", "--draw", "block4b.png")
    assert code == 0
    assert out == plain  # the JSON contract is untouched by the drawing
    assert err == "Saved the drawing of block4b as block4b.png\n"
    assert (tmp_path / "block4b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_counts_every_preset_and_names_the_extra(run, tmp_path, write_yaml):
    code, out, err = run("presets", "-f", "json")
    presets = len(json.loads(out))
    code, out, err = run("scale", "--base", "b0", "--width", "1.2", "--depth", "1.4", "--save", "mine.yaml")
    assert code == 0, err
    code, out, err = run("chart", "mine.yaml", "b3", "--classes", "1000", "-o", "chart.svg")
    assert code == 0, err
    assert out == f"Saved the chart of {presets} presets, 2 named on the command line to chart.svg\n"
    texts = " ".join(_texts(tmp_path / "chart.svg"))
    assert "efficientnetv2_b0_w1.2_d1.4" in texts


def test_report_is_one_html_file_with_every_block(run, tmp_path):
    code, out, err = run("report", "v1-b0", "--classes", "1000", "-o", "b0.html")
    assert code == 0, err
    assert out == "Saved the report of efficientnetv1_b0 to b0.html\n"
    page = (tmp_path / "b0.html").read_text(encoding="utf-8")
    for name in _block_names(run, "v1-b0", "--classes", "1000"):
        assert name in page
    assert "round_filters" in page and "round_repeats" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b0.html"]


def test_drawing_imports_no_tensorflow_and_svg_pictures_no_matplotlib(tmp_path):
    """With the analytic engine no drawing loads TensorFlow or Keras; draw -o .svg and explain --draw .svg write
    the SVG themselves and load neither matplotlib nor numpy, which a PNG, the chart and the report then load
    (the same check sees them)."""
    code = (
        "import sys\n"
        "from effcli.cli import app\n"
        "from typer.testing import CliRunner\n"
        "def loaded(*args):\n"
        "    r = CliRunner().invoke(app, [*args, '--engine', 'analytic'])\n"
        "    assert r.exit_code == 0, r.output\n"
        "    return sorted(m for m in ('matplotlib', 'numpy', 'tensorflow', 'keras') if m in sys.modules)\n"
        "print(loaded('draw', 'b0', '-o', 'b0.svg'))\n"
        "print(loaded('draw', 'l', '--compare', 'v1-b0', '--classes', '1000', '-o', 'pair.svg'))\n"
        "print(loaded('explain', 'b2', 'block4b', '--draw', 'block4b.svg'))\n"
        "print(loaded('explain', 'b0', 'head', '--classes', '10', '--draw', 'head.svg'))\n"
        "print(loaded('draw', 'b0', '-o', 'b0.png'))\n"
        "for args in (['chart', 'b3', '-o', 'c.png'], ['report', 'b0', '-o', 'r.html']):\n"
        "    last = loaded(*args)\n"
        "print(last)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "EFFCLI_ENGINE"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]"] * 4 + ["['matplotlib', 'numpy']"] * 2
    for name in ("b0.svg", "pair.svg", "block4b.svg", "head.svg"):
        assert _ids(tmp_path / name) and _texts(tmp_path / name), name
    assert (tmp_path / "b0.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_svg_and_png_of_one_picture_share_one_layout(run, tmp_path):
    """The PNG is the SVG's layout drawn by matplotlib: the same size, and every block's colour where the SVG
    puts the block."""
    from PIL import Image

    assert run("draw", "b0", "-o", "b0.svg")[0] == 0 and run("draw", "b0", "-o", "b0.png")[0] == 0
    root = ElementTree.parse(tmp_path / "b0.svg").getroot()
    width, height = (float(root.get(side, "").removesuffix("pt")) for side in ("width", "height"))
    with Image.open(tmp_path / "b0.png") as image:
        pixels = image.convert("RGB")
    scale = 150 / 72  # the PNG's dots per SVG unit (a point)
    assert pixels.size == (round(width * scale), round(height * scale))
    blocks = [e for e in root.iter(f"{SVG}g") if e.get("id", "").startswith("block-")]
    assert len(blocks) == 23
    for group in blocks:
        path = group.find(f"{SVG}path")
        assert path is not None
        numbers = [float(n) for n in path.get("d", "").replace("M", " ").replace("L", " ").replace("Z", " ").split()]
        xs, ys = numbers[0::2], numbers[1::2]
        centre = (round((min(xs) + max(xs)) / 2 * scale), round((min(ys) + max(ys)) / 2 * scale))
        fill = path.get("style", "").split("fill: ")[1][:7]
        assert "#" + bytes(pixels.getpixel(centre)).hex() == fill, group.get("id")


@pytest.mark.keras
def test_draw_and_report_a_saved_model(run, tmp_path):
    assert run("build", "lite0", "-o", "lite0.keras")[0] == 0
    code, _, err = run("draw", "lite0.keras", "-o", "lite0.svg", env={"EFFCLI_ENGINE": "keras"})
    assert code == 0, err
    names = _block_names(run, "lite0")
    assert sorted(i for i in _ids(tmp_path / "lite0.svg") if i.startswith("block-")) == sorted(
        f"block-{n}" for n in names
    )
    code, _, err = run("report", "lite0.keras", "-o", "lite0.html", env={"EFFCLI_ENGINE": "keras"})
    assert code == 0, err
    page = (tmp_path / "lite0.html").read_text(encoding="utf-8")
    assert all(name in page for name in names)


@pytest.mark.parametrize(
    ("command", "suffix"),
    [("draw", "png"), ("draw", "svg"), ("chart", "png"), ("report", "html"), ("explain", "png"), ("explain", "svg")],
)
def test_a_name_the_font_cannot_draw_is_one_warning(run, tmp_path, command, suffix):
    """matplotlib warns once per missing glyph and per call (dozens of Python warnings), the SVG writer once per
    text; effcli says it once."""
    assert run("export", "b0", "-o", "mine.yaml")[0] == 0
    config = tmp_path / "mine.yaml"
    config.write_text(config.read_text().replace("name: efficientnetv2_b0", 'name: "模型 b0 🚀"'))
    out_file = f"x.{suffix}"
    args = {
        "draw": ["draw", "mine.yaml", "-o", out_file],
        "chart": ["chart", "mine.yaml", "-o", out_file],
        "report": ["report", "mine.yaml", "-o", out_file],
        "explain": ["explain", "mine.yaml", "stem", "-f", "json", "--draw", out_file],
    }[command]
    code, _, err = run(*args)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line]
    assert warnings[0] == (
        "Warning: the pictures' font (DejaVu Sans) has no glyph for 型 模 🚀: a PNG shows boxes for them, "
        "an SVG or HTML file leaves them to the viewer's fonts"
    )
    assert all(not line.startswith("Warning") for line in warnings[1:]) and "UserWarning" not in err
    assert (tmp_path / out_file).stat().st_size > 0
    if suffix == "svg":  # kept as text, for the viewer's fonts
        assert any("模型 b0 🚀" in text for text in _texts(tmp_path / out_file))
