"""`effcli scale` writes products as people write them, and marks where floating point changes the result."""

from __future__ import annotations

import dataclasses
import json

import pytest

from effcli.config.presets import resolve
from effcli.render import get_writer, views
from effcli.render.document import Note, Table
from effcli.render.text import FLOAT_MARK, decimal_text, product_text
from effcli.tools.scale import scale


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (48 * 1.2, "57.6"),  # 57.599999999999994
        (3 * 1.4, "4.2"),  # 4.199999999999999
        (96 * 1.2, "115.2"),  # 115.19999999999999
        (0.28 * 25, "7"),  # 7.000000000000001
        (32 * 1.1**2, "38.72"),  # 38.720000000000006 (phi 2)
        (1280 * 1.2, "1536"),
        (11.2, "11.2"),
        (1 / 3, "0.3333333333"),
    ],
)
def test_decimal_text(value, text):
    assert decimal_text(value) == text


def test_product_text_marks_with_the_exact_float():
    assert product_text(None) == "-"
    assert product_text(0.28 * 25) == "7"
    assert product_text(0.28 * 25, float_decides=True) == f"7.000000000000001 {FLOAT_MARK}"


def with_stage(base: str, index: int, **changes):
    spec = resolve(base)
    stages = list(spec.stages)
    stages[index] = dataclasses.replace(stages[index], **changes)
    return spec.with_changes(stages=tuple(stages))


def tables(document) -> dict[str, Table]:
    return {part.title: part for part in document.parts if isinstance(part, Table)}


def cells(table: Table, label: str) -> list[str]:
    return next([c.text for c in r.cells] for r in table.rows if r.cells[0].text == label)


def notes(document) -> list[str]:
    return [part.text for part in document.parts if isinstance(part, Note)]


def test_width_product_shows_as_the_decimal_and_unmarked():
    document = views.scale(scale(resolve("efficientnetv2_b0"), width=1.2, depth=1.4))
    assert 48 * 1.2 == 57.599999999999994
    assert cells(tables(document)["round_filters"], "stage 3 output") == [
        "stage 3 output",
        "48",
        "57.6",
        "56",
        "nearest multiple",
    ]
    assert cells(tables(document)["round_repeats"], "4")[2] == "4.2"
    assert not notes(document)
    text = get_writer("table", width=200).write(document)
    assert "57.599999999999994" not in text and "4.199999999999999" not in text and FLOAT_MARK not in text
    data = document.data
    assert data["round_filters"][6]["scaled"] == 57.599999999999994  # JSON keeps the exact float
    assert not any(row["float_changes_result"] for row in data["round_filters"] + data["round_repeats"])


def test_depth_1_1_on_ten_repeats_is_exactly_11():
    # 1.1 x 10 rounds to exactly 11.0 in IEEE-754 double precision (the error, 2^-50, is half an ulp, ties to
    # even), so ceil gives 11 and nothing is marked; 1.1 x 3 = 3.3000000000000003 still ceils to 4 like 3.3.
    assert 1.1 * 10 == 11.0 and 1.1 * 3 == 3.3000000000000003
    document = views.scale(scale(with_stage("efficientnetv2_b0", 5, repeats=10), width=1.0, depth=1.1))
    assert cells(tables(document)["round_repeats"], "6")[2:4] == ["11", "11"]
    assert not notes(document)


def test_depth_product_just_above_an_integer_is_marked():
    # 0.28 x 25 = 7.000000000000001: ceil gives 8 where 7 was meant
    document = views.scale(scale(with_stage("efficientnetv2_b0", 5, repeats=25), width=1.0, depth=0.28))
    row = cells(tables(document)["round_repeats"], "6")
    assert row[1:4] == ["25", f"7.000000000000001 {FLOAT_MARK}", "8"]
    (note,) = notes(document)
    assert note.startswith(f"{FLOAT_MARK} floating point changes the result") and "stage 6" in note
    assert "stage 6: 25 x 0.28 is 7.000000000000001 in floating point, so the rule gives 8 instead of 7" in note
    data = document.data["round_repeats"][5]
    assert data["scaled"] == 7.000000000000001 and data["result"] == 8 and data["float_changes_result"] is True
    # the other stages (0.28 x 1, 2, 2, 3, 5) are not marked
    assert sum(row["float_changes_result"] for row in document.data["round_repeats"]) == 1


def test_width_product_just_under_a_rounding_boundary_is_marked():
    # 100 x 1.16 = 115.99999999999999: nearest multiple of 8 of 116 is 120, of the float 112
    assert 100 * 1.16 == 115.99999999999999
    document = views.scale(scale(with_stage("efficientnetv2_b0", 4, output_filters=100), width=1.16, depth=1.0))
    row = cells(tables(document)["round_filters"], "stage 5 output")
    assert row[1:4] == ["100", f"115.99999999999999 {FLOAT_MARK}", "112"]
    expected = (
        "stage 5 output: 100 x 1.16 is 115.99999999999999 in floating point, so the rule gives 112 instead of 120"
    )
    assert any(expected in n for n in notes(document))
    text = get_writer("table", width=80).write(document)
    assert f"115.99999999999999 {FLOAT_MARK}" in text and expected in " ".join(text.split())
    markdown = get_writer("markdown").write(document)
    assert f"115.99999999999999 {FLOAT_MARK}" in markdown and "> ! floating point" in markdown


def test_csv_and_json_keep_the_exact_floats(run):
    code, out, _ = run("scale", "-w", "1.2", "-d", "1.4", "-f", "csv")
    assert code == 0 and "round_filters,stage 3 output,48,57.599999999999994,56,nearest multiple" in out
    code, out, _ = run("scale", "-w", "1.2", "-d", "1.4", "-f", "json")
    rows = json.loads(out)["round_repeats"]
    assert rows[3]["scaled"] == 4.199999999999999 and rows[3]["float_changes_result"] is False
