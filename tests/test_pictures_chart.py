"""`effcli chart`: the family data (effcli.tools.family) and the two-panel picture (effcli.pictures.chart).

The parameter counts with a head are checked against real keras.applications include_top builds
(tests/data/keras_applications_top.json, as in tests/test_head.py), the published accuracies against the YAML
files themselves: nothing expected here is computed with the code under test.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import DATA, ROOT

from effcli.tools.family import ChartPoint, family_points
from effcli.tools.sources import report_for

TOP = json.loads((DATA / "keras_applications_top.json").read_text())["models"]
NORMALIZATION_WEIGHTS = 7  # keras.applications V1's Normalization layer (see tests/test_head.py)
PRESET_FILES = sorted((ROOT / "configs").glob("*.yaml"))
PRESETS = sorted(path.stem for path in PRESET_FILES)
PUBLISHED = {path.stem: yaml.safe_load(path.read_text()).get("published") for path in PRESET_FILES}
SVG = "{http://www.w3.org/2000/svg}"
LABELS = {
    "efficientnetv2_b0": "V2-B0",
    "efficientnetv2_b3": "V2-B3",
    "efficientnetv2_s": "V2-S",
    "efficientnetv2_xl": "V2-XL",
    "efficientnetv1_b0": "B0",
    "efficientnetv1_b7": "B7",
    "efficientnetv1_b8": "B8",
    "efficientnetv1_l2": "L2",
    "efficientnetlite_b0": "Lite0",
    "efficientnetlite_b4": "Lite4",
}
AXIS_LABELS = ("MACs (the papers' FLOPs)", "Parameters", "ImageNet top-1 accuracy (%)")


def by_name(points: list[ChartPoint]) -> dict[str, ChartPoint]:
    return {point.name: point for point in points}


@pytest.fixture(scope="module")
def headed() -> list[ChartPoint]:
    return family_points([], 1000)


@pytest.fixture(scope="module")
def custom_report():
    return report_for(str(ROOT / "configs" / "examples" / "tiny_v2.yaml"), None, engine="analytic", force=False)


@pytest.fixture(scope="module")
def with_extra(custom_report) -> list[ChartPoint]:
    named = report_for("b3", None, engine="analytic", force=False, classes=1000)
    return family_points([named, custom_report], 1000)


# -- the data --------------------------------------------------------------------------------------------------


def test_every_preset_appears_once_at_its_native_resolution(headed):
    names = [point.name for point in headed]
    assert sorted(names) == PRESETS and len(names) == len(set(names)) == 29
    for point in headed:
        assert point.is_preset and not point.highlighted
        native = yaml.safe_load((ROOT / "configs" / f"{point.name}.yaml").read_text())["native_resolution"]
        assert point.resolution == native
    assert {point.family for point in headed} == {"v2", "v1", "lite", "edgetpu"}


@pytest.mark.parametrize("name", sorted(n for n in TOP if n.startswith("efficientnetv2")))
def test_v2_params_with_classes_equal_keras_applications_include_top(headed, name):
    assert by_name(headed)[name].params == TOP[name]["measured"]["top_classes1000_native"]["totals"]["params"]


@pytest.mark.parametrize("name", sorted(n for n in TOP if n.startswith("efficientnetv1")))
def test_v1_params_with_classes_equal_keras_applications_minus_its_normalization(headed, name):
    expected = TOP[name]["measured"]["top_classes1000_native"]["totals"]["params"] - NORMALIZATION_WEIGHTS
    assert by_name(headed)[name].params == expected


def test_without_classes_the_points_are_the_backbones():
    points = by_name(family_points([], None))
    for name, model in TOP.items():
        extra = NORMALIZATION_WEIGHTS if name.startswith("efficientnetv1") else 0
        assert points[name].params == model["measured"]["no_top_native"]["totals"]["params"] - extra


def test_labels_are_the_papers_short_names(headed):
    points = by_name(headed)
    for name, label in LABELS.items():
        assert points[name].label == label
    assert len({point.label for point in headed}) == len(headed)


def test_published_top1_and_the_more_data_mark_come_from_the_presets(headed):
    for point in headed:
        published = PUBLISHED[point.name]
        assert published is not None and point.top1 == published["top1"]
        assert point.top1_marked == (published["training"] != "ImageNet-1k")
    assert {point.name for point in headed if point.top1_marked} == {
        "efficientnetv2_xl",
        "efficientnetv1_b8",
        "efficientnetv1_l2",
    }


def test_a_named_preset_is_highlighted_not_duplicated(with_extra, headed):
    points = by_name(with_extra)
    assert len(with_extra) == len(headed) + 1
    assert points["efficientnetv2_b3"].highlighted
    assert points["efficientnetv2_b3"] == replace(by_name(headed)["efficientnetv2_b3"], highlighted=True)
    assert sum(point.highlighted for point in with_extra) == 2


def test_a_custom_config_is_a_point_of_its_own(with_extra, custom_report):
    point = by_name(with_extra)["tiny_v2"]
    assert not point.is_preset and point.highlighted and point.label == "tiny_v2"
    assert (point.params, point.macs) == (custom_report.totals.params, custom_report.totals.macs)
    assert point.resolution == 160 and point.family == "v2" and point.top1 is None


def test_two_models_of_one_name_get_two_points(write_yaml):
    data = yaml.safe_load((ROOT / "configs" / "examples" / "tiny_v2.yaml").read_text())
    first = report_for(str(write_yaml(data, "a.yaml")), None, engine="analytic", force=False)
    wider = write_yaml({**data, "width_coefficient": 1.0}, "b.yaml")
    second = report_for(str(wider), None, engine="analytic", force=False)
    again = report_for(str(write_yaml(data, "a.yaml")), None, engine="analytic", force=False)
    extra = [p for p in family_points([first, second, again], None) if not p.is_preset]
    assert [p.name for p in extra] == ["tiny_v2", "tiny_v2-2"]
    assert [p.label for p in extra] == ["tiny_v2", "b.yaml"]  # a name already on the chart: the file's
    assert extra[0].params < extra[1].params


def test_a_saved_model_is_labelled_with_its_file_name(custom_report):
    saved = replace(custom_report, name="efficientnetlite_b1", source="/models/lite1.keras")
    (point,) = [p for p in family_points([saved], None) if not p.is_preset]
    assert (point.name, point.label, point.highlighted) == ("efficientnetlite_b1-2", "lite1.keras", True)


def test_the_data_needs_neither_matplotlib_nor_tensorflow():
    code = (
        "import sys\n"
        "from effcli.tools.family import family_points\n"
        "family_points([], 1000)\n"
        "assert 'matplotlib' not in sys.modules and 'tensorflow' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# -- the picture -----------------------------------------------------------------------------------------------


def svg_of(points: list[ChartPoint], classes: int | None) -> bytes:
    from effcli.pictures.chart import chart_figure
    from effcli.pictures.figure import figure_bytes

    return figure_bytes(chart_figure(points, classes=classes), "svg")


@pytest.fixture(scope="module")
def svg(with_extra) -> ET.Element:
    return ET.fromstring(svg_of(with_extra, 1000))


def panel(root: ET.Element, gid: str) -> ET.Element:
    found = [element for element in root.iter(f"{SVG}g") if element.get("id") == gid]
    assert len(found) == 1, gid
    return found[0]


def ids_in(element: ET.Element, prefix: str) -> list[str]:
    return [e.get("id", "") for e in element.iter() if e.get("id", "").startswith(prefix)]


def texts(element: ET.Element) -> list[str]:
    return ["".join(e.itertext()).strip() for e in element.iter(f"{SVG}text")]


def test_panel_a_has_one_point_and_one_label_per_model(svg, with_extra):
    params = panel(svg, "panel-params")
    expected = sorted(f"point-{point.name}" for point in with_extra)
    assert sorted(ids_in(params, "point-")) == expected
    assert "ring-efficientnetv2_b3" in ids_in(params, "ring-")  # the named preset
    for point in with_extra:
        label = panel(params, f"label-{point.name}")
        assert texts(label) == [point.label]


def test_panel_b_has_the_points_with_a_published_top1(svg, with_extra):
    top1 = panel(svg, "panel-top1")
    shown = [point for point in with_extra if point.top1 is not None]
    assert len(shown) == 29  # every preset; not tiny_v2
    assert sorted(ids_in(top1, "point-")) == sorted(f"point-{point.name}-top1" for point in shown)
    for point in shown:
        assert texts(panel(top1, f"label-{point.name}-top1")) == [point.label]


def test_axis_labels_legend_and_subtitle(svg):
    everything = texts(svg)
    for text in AXIS_LABELS:
        assert text in everything
    assert everything.count("MACs (the papers' FLOPs)") == 2
    assert {"EfficientNetV2", "EfficientNet V1", "EfficientNet-Lite"} <= set(everything)
    assert {"1G", "10G", "10M", "100M"} <= set(everything)  # readable ticks
    joined = " ".join(everything)
    assert "include the classifier head" in joined and "native resolution" in joined
    assert "more data or method" in joined and "Noisy Student" in joined


def test_the_subtitle_says_when_there_is_no_head():
    joined = " ".join(texts(ET.fromstring(svg_of(family_points([], None), None))))
    assert "without the classifier head" in joined


@pytest.mark.parametrize("extra", [False, True])
def test_labels_keep_clear_of_each_other_and_of_the_points(headed, with_extra, extra):
    from matplotlib.text import Text

    from effcli.pictures.chart import chart_figure

    points = with_extra if extra else headed
    figure = chart_figure(points, classes=1000)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for axes, y_of in zip(figure.axes, ("params", "top1"), strict=True):
        shown = [p for p in points if getattr(p, y_of) is not None]
        centres = {p.label: axes.transData.transform((p.macs, getattr(p, y_of))) for p in shown}
        boxes = []
        for text in axes.texts:
            if (text.get_gid() or "").startswith("label-"):
                text.update_positions(renderer)  # type: ignore[attr-defined]
                boxes.append((text.get_text(), Text.get_window_extent(text, renderer)))  # the text, not its leader
        assert sorted(label for label, _ in boxes) == sorted(centres)
        clear = 2 * figure.dpi / 72  # two points of white between labels, or they read as one ("V2-rw-SB5")
        for i, (label, box) in enumerate(boxes):
            for other_label, other in boxes[i + 1 :]:
                assert not box.padded(clear).overlaps(other), (label, other_label)
            for other_label, (x, y) in centres.items():
                assert other_label == label or not box.contains(x, y), (label, other_label)


def test_same_input_gives_the_same_bytes(with_extra):
    from effcli.pictures.chart import chart_figure
    from effcli.pictures.figure import figure_bytes

    assert svg_of(with_extra, 1000) == svg_of(list(with_extra), 1000)
    first = figure_bytes(chart_figure(with_extra, classes=1000), "png")
    assert first == figure_bytes(chart_figure(with_extra, classes=1000), "png")


def test_png_decodes_and_is_not_blank(headed, tmp_path: Path):
    from PIL import Image

    from effcli.pictures.chart import chart_figure
    from effcli.pictures.figure import FAMILY_COLOURS, figure_bytes

    image = Image.open(io.BytesIO(figure_bytes(chart_figure(headed, classes=1000), "png"))).convert("RGB")
    assert image.width > image.height > 500
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20) or []}
    assert len(colours) > 50
    for family in ("v2", "v1", "lite", "edgetpu"):
        hex_colour = FAMILY_COLOURS[family].lstrip("#")
        assert tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4)) in colours


def test_the_footnote_reads_like_the_axis_labels(headed):
    from effcli.pictures.chart import chart_figure

    figure = chart_figure(headed, classes=None)
    footnote = next(t for t in figure.texts if t.get_gid() == "chart-footnote")
    axis_label = figure.axes[0].xaxis.label
    assert footnote.get_fontsize() >= axis_label.get_fontsize() - 0.5
    red, green, blue = (int(footnote.get_color()[i : i + 2], 16) for i in (1, 3, 5))
    assert max(red, green, blue) <= 0x44  # dark ink on white, not the grey of the grid
    assert "B8: ImageNet-1k, AdvProp + AutoAugment" in footnote.get_text().replace("\n", " ")
