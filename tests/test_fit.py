"""The table writer fits a table to the width: wrapping free text, shorter bars, short forms, a narrow
layout, then leaving out columns by priority, and saying which; never an ellipsis, never a cut number."""

from __future__ import annotations

import re

import pytest

from effcli.render import get_writer
from effcli.render.document import Cell, Column, Document, KeyValues, Records, Table, fields, row
from effcli.render.table import BAR_MIN, LEFT_OUT, TableWriter, table_width
from effcli.render.text import BAR_WIDTH, bar


def document(*parts) -> Document:
    return Document("test", tuple(parts), data={}, records=Records((), ()))


def written(doc: Document, width: int, **options) -> str:
    return TableWriter(width=width, **options).write(doc)


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def header(text: str) -> list[str]:
    """The column titles of the first table in ``text``."""
    line = next(line for line in text.splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


NUMBERS = Table(
    "Numbers",
    (
        Column("Name"),
        Column("Params", "right"),
        Column("Third", "right", priority=3),
        Column("First", "right", priority=1),
        Column("Second", "right", priority=2),
    ),
    ((row("block1a", "1,234,567", "333,333", "111,111", "222,222"),),),
)


def test_table_width_counts_borders_and_padding():
    assert table_width([7, 9]) == 7 + 9 + 2 * 3 + 1
    assert widest(written(document(NUMBERS), 200)) == table_width([7, 9, 7, 7, 7])


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (200, ["Name", "Params", "Third", "First", "Second"]),
        (table_width([7, 9, 7, 7]), ["Name", "Params", "First", "Second"]),  # the highest priority number goes first
        (table_width([7, 9, 7]), ["Name", "Params", "First"]),
        (table_width([7, 9]), ["Name", "Params"]),
    ],
)
def test_columns_are_left_out_highest_priority_first(width, shown):
    text = written(document(NUMBERS), width)
    assert header(text) == shown and widest(text) <= width
    left_out = [c.name for c in NUMBERS.columns if c.name not in shown]
    if left_out:
        names = ", ".join(left_out)  # in the table's order
        assert LEFT_OUT.format(width=width, names=names).split(";")[0] in " ".join(text.split())
        assert "--wide or --format json|csv|markdown shows all." in " ".join(text.split())
    else:
        assert "Left out" not in text


def test_essential_columns_are_never_left_out_and_never_cut():
    text = written(document(NUMBERS), 15)  # narrower than the essential columns: they fold, no ellipsis
    assert "\u2026" not in text and widest(text) <= 15
    cells = re.findall(r"│ *([^│ ]*) *│ *([^│ ]*) *│", text)
    assert "".join(a for a, _ in cells) == "block1a" and "".join(b for _, b in cells) == "1,234,567"
    assert "Third, First, Second" in " ".join(text.split())


def test_wide_shows_every_column_however_wide():
    text = written(document(NUMBERS), 30, wide=True)
    assert header(text) == ["Name", "Params", "Third", "First", "Second"] and "Left out" not in text
    assert widest(text) == table_width([7, 9, 7, 7, 7])


def test_get_writer_passes_wide_and_other_formats_show_every_column():
    doc = document(NUMBERS)
    assert "Third" in header(get_writer("table", width=30, wide=True).write(doc))
    assert "Third" not in header(get_writer("table", width=30).write(doc))
    assert "| Name | Params | Third | First | Second |" in get_writer("markdown").write(doc)


DESCRIBED = Table(
    "Described",
    (Column("Name"), Column("Description", wrap=True), Column("Extra", priority=1)),
    ((row("efficientnetv2_b0", "a fairly long description of the model in plain words", "x"),),),
)


def test_a_wrapping_column_wraps_before_anything_is_left_out():
    text = written(document(DESCRIBED), 60)
    assert header(text) == ["Name", "Description", "Extra"] and widest(text) <= 60
    assert "efficientnetv2_b0" in text and all(word in text for word in DESCRIBED.rows[0].cells[1].text.split())


def test_a_wrapping_column_is_not_squeezed_below_its_minimum():
    def description_width(text: str) -> int:
        return max(len(cell) for cell in re.findall(r"│ *[^│]* *│ ([^│]*)│", text)) - 1

    text = written(document(DESCRIBED), table_width([17, 20, 5]))  # Description at its minimum, 20
    assert header(text) == ["Name", "Description", "Extra"] and description_width(text) == 20
    text = written(document(DESCRIBED), table_width([17, 20, 5]) - 1)  # one less: Extra goes, Description widens
    assert header(text) == ["Name", "Description"] and description_width(text) == 20 + 5 + 3 - 1
    assert f"Left out at {table_width([17, 20, 5]) - 1} columns: Extra;" in " ".join(text.split())


def test_short_forms_come_before_leaving_out():
    table = Table(
        "Models",
        (Column("Model"), Column("MACs (the papers' FLOPs)", short="MACs"), Column("Other", priority=1)),
        ((row(Cell("1. efficientnetv2_b0", short="1"), "0.717 G", "x"),),),
    )
    full = table_width([20, 24, 5])
    assert header(written(document(table), full)) == ["Model", "MACs (the papers' FLOPs)", "Other"]
    short = written(document(table), table_width([5, 7, 5]))
    assert header(short) == ["Model", "MACs", "Other"] and "│ 1 " in short and "Left out" not in short


def test_a_table_switches_to_its_narrow_layout():
    narrow = Table("Levels", (Column("Level"), Column("Model"), Column("Shape")), ((row("P1", "1", "112 x 112"),),))
    side = Table(
        "Levels",
        (Column("Level"), Column("a model with a long name"), Column("another model, long too")),
        ((row("P1", "block1a_project_bn 112 x 112", "block1a_project_bn 112 x 112"),),),
        narrow=narrow,
    )
    assert "a model with a long name" in written(document(side), 200)
    text = written(document(side), 40)
    assert header(text) == ["Level", "Model", "Shape"] and widest(text) <= 40


def test_bars_are_drawn_shorter_before_they_are_left_out():
    table = Table(
        "Shares",
        (Column("Stage"), Column("Share", "right"), Column("", priority=1, bar=True)),
        ((row("stage 1", "100.0%", Cell(bar(1, 1), bar=(1, 1))),),),
    )
    assert "\u2588" * BAR_WIDTH in written(document(table), 200)
    text = written(document(table), table_width([7, 6, 10]))
    assert "\u2588" * 10 in text and "\u2588" * 11 not in text and "Left out" not in text
    text = written(document(table), table_width([7, 6, BAR_MIN]) - 1)
    assert "\u2588" not in text and "Left out at" in text and "Share bars" in " ".join(text.split())


def test_key_values_wrap_and_are_never_cut():
    doc = document(KeyValues(fields([("Model", "efficientnetv2_b0 " + "very long value words " * 5)])))
    text = written(doc, 40)
    assert "\u2026" not in text and widest(text) <= 40 and "efficientnetv2_b0" in text
    assert re.sub(r"\s+", " ", text).count("very long value words") == 5


def test_differs_marks_count_in_the_width():
    table = Table("T", (Column("A"), Column("B", priority=1)), ((row(Cell("x" * 10, differs=True), "y"),),))
    text = written(document(table), table_width([12, 1]))
    assert "xxxxxxxxxx *" in text and header(text) == ["A", "B"]


# --------------------------------------------------------------------------- the views' priorities, as documented


def _view_tables() -> dict[str, Table]:
    """Every table of every view, by the name docs/commands.md gives it."""
    from effcli.config.presets import resolve
    from effcli.render import views
    from effcli.tools.budget import recommend, search
    from effcli.tools.catalog import catalogue
    from effcli.tools.compare import compare
    from effcli.tools.explain import explain
    from effcli.tools.scale import scale
    from effcli.tools.sources import report_for

    def by_title(document, prefix: str) -> dict[str, Table]:
        return {f"{prefix}: {p.title.split(' (')[0].split(':')[0]}": p for p in document.parts if isinstance(p, Table)}

    report = report_for("efficientnetlite_b0", None, engine="analytic", force=False)
    other = report_for("efficientnetv2_b0", None, engine="analytic", force=False)
    plan = search(resolve("efficientnetv2_b0"), max_params=5_000_000, max_macs=None, resolutions=[224], top=2)
    found = by_title(views.summary(report), "summary") | by_title(views.compare(compare([report, other])), "compare")
    found |= by_title(views.scale(scale(resolve("efficientnetv2_b0"), width=1.2, depth=1.4)), "scale")
    found |= by_title(views.explain(explain(report, "block2a")), "explain")
    found |= by_title(views.plan(plan), "plan")
    answer = recommend(resolve("efficientnetv2_b0"), max_params=20_000_000, max_macs=5_000_000_000)
    for title, table in by_title(views.recommendation(answer), "plan").items():
        found[title.replace(" from efficientnetv2_b0", "")] = table  # "Compound scaling from <base>"
    found["presets"] = next(p for p in views.presets(catalogue()).parts if isinstance(p, Table))
    return found


def test_the_documented_priorities_are_the_views():
    from pathlib import Path

    from effcli.render.table import column_label

    page = (Path(__file__).resolve().parents[1] / "docs" / "commands.md").read_text(encoding="utf-8")
    section = page.split("## Narrow terminals")[1].split("\n## ")[0]
    documented = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] not in ("table",):
            documented[cells[0].replace(" (also `--layers`)", "")] = (cells[1], cells[2])
    tables = _view_tables()
    for name, (always, then) in documented.items():
        table = tables[name]
        if name == "compare: Pyramid levels":
            assert all(c.priority == 0 for c in table.columns) and table.narrow is not None
            continue
        labels = [column_label(table, j) for j in range(len(table.columns))]
        kept = [labels[j] for j, c in enumerate(table.columns) if c.priority == 0]
        order = sorted((c.priority, j) for j, c in enumerate(table.columns) if c.priority)
        assert always == ", ".join(kept), name
        assert then == ", ".join(labels[j] for _, j in order), name
    assert len(documented) == 13
