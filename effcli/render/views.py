"""The views: one function per command, each building the neutral document of its result.

Every content decision is made here, once: which parts, titles, columns and their
alignment, cell texts (from :mod:`effcli.render.text`), style hints, the JSON
data and the CSV records. The writers only lay the document out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from effcli.core.report import BlockReport, Report
from effcli.render.document import (
    Bullets,
    Cell,
    Column,
    Document,
    KeyValues,
    Note,
    Part,
    Records,
    Row,
    Table,
    Tone,
    fields,
    records,
    row,
)
from effcli.render.text import (
    BLOCK_COLUMNS,
    COMPARE_COLUMNS,
    FILTER_COLUMNS,
    LAYER_COLUMNS,
    PLAN_COLUMNS,
    PRESET_COLUMNS,
    PYRAMID_COLUMNS,
    REPEAT_COLUMNS,
    TOTAL_COLUMNS,
    bar,
    block_cells,
    comparison_header,
    entry_cells,
    exact_text,
    explanation_header,
    header_lines,
    int_text,
    layer_cells,
    layer_row_in_block_table,
    model_label,
    plan_cells,
    plan_lines,
    plan_run_line,
    preset_cells,
    pyramid_cell,
    scaling_header,
    scaling_result_lines,
    shape_text,
    share_text,
    stage_shares,
    total_cells,
    totals_lines,
)

# Columns of numbers, right-aligned wherever they appear.
NUMERIC = frozenset(
    {
        "Kernel",
        "Stride",
        "Expand",
        "Params",
        "MACs",
        "Drop rate",
        "Channels",
        "Repeats",
        "Out filters",
        "Blocks",
        "Base filters",
        "x width (exact)",
        "Rounded",
        "Base repeats",
        "x depth (exact)",
        "Trainable",
        "Non-trainable",
        "Share",
        "Width",
        "Depth",
        "Resolution",
        "#",
        "of budget",
    }
)
PYRAMID_TITLES = {"keras": "keras-cv rule", "timm": "timm rule"}
TYPE_TONES: dict[str, Tone] = {"stem": "stem", "top": "top", "fused": "fused", "mbconv": "mbconv"}
DIFFERS_LEGEND = "differs from model 1"

BLOCK_CSV_COLUMNS = (
    "name",
    "stage",
    "type",
    "kernel_size",
    "strides",
    "expand_ratio",
    "se_ratio",
    "se_filters",
    "input_filters",
    "input_channels",
    "expanded_filters",
    "output_filters",
    "residual",
    "output_height",
    "output_width",
    "output_channels",
    "params",
    "trainable",
    "non_trainable",
    "macs",
    "activation_bytes",
    "drop_rate",
)
LAYER_CSV_COLUMNS = (
    "block",
    "layer",
    "class",
    "kernel_size",
    "strides",
    "output_shape",
    "params",
    "trainable",
    "non_trainable",
    "macs",
)
COMPARE_CSV_COLUMNS = (
    "row",
    "stage",
    "model",
    "type",
    "kernel_size",
    "strides",
    "repeats",
    "output_filters",
    "output_height",
    "output_width",
    "output_channels",
    "params",
    "macs",
)
SCALE_CSV_COLUMNS = ("table", "row", "base", "scaled", "result", "rule")
PRESET_CSV_COLUMNS = (
    "name",
    "aliases",
    "family",
    "width_coefficient",
    "depth_coefficient",
    "native_resolution",
    "blocks",
    "params",
    "macs",
    "description",
)
PLAN_CSV_COLUMNS = ("width_coefficient", "depth_coefficient", "resolution", "blocks", "params", "macs")


def _columns(names: Iterable[str], *, wrap: Sequence[str] = ()) -> tuple[Column, ...]:
    return tuple(Column(n, "right" if n in NUMERIC else "left", wrap=n in wrap) for n in names)


def _sections(rows: Iterable[tuple[object, Row]]) -> tuple[tuple[Row, ...], ...]:
    """Rows keyed by group, split into sections where the key changes."""
    sections: list[list[Row]] = []
    previous: object = object()
    for key, item in rows:
        if not sections or key != previous:
            sections.append([])
        sections[-1].append(item)
        previous = key
    return tuple(tuple(s) for s in sections)


def _layer_records(blocks: Iterable[BlockReport]) -> Records:
    return records(
        LAYER_CSV_COLUMNS,
        (
            (
                block.name,
                layer.name,
                layer.keras_class,
                layer.kernel_size or "",
                layer.strides if layer.kernel_size else "",
                "x".join(map(str, layer.output_shape)),
                layer.params,
                layer.trainable,
                layer.non_trainable,
                layer.macs,
            )
            for block in blocks
            for layer in block.layers
        ),
    )


def _shape_fields(shape: Sequence[int]) -> tuple:
    """output_height, output_width, output_channels of a feature map; a vector (a classifier head) has only
    channels."""
    return tuple(shape) if len(shape) == 3 else ("", "", shape[-1] if shape else "")


def _block_records(report: Report) -> Records:
    def value(v):
        return "" if v is None else str(v).lower() if isinstance(v, bool) else v

    rows = []
    for block in report.blocks:
        data = block.to_dict()
        height, width, channels = _shape_fields(block.output_shape)
        data.update(output_height=height, output_width=width, output_channels=channels)
        rows.append([value(data[c]) for c in BLOCK_CSV_COLUMNS])
    return records(BLOCK_CSV_COLUMNS, rows)


# ------------------------------------------------------------------ summary


def _block_rows(block: BlockReport, layers: bool) -> list[Row]:
    cells: list[str | Cell] = list(block_cells(block))
    cells[1] = Cell(str(cells[1]), tone=TYPE_TONES.get(block.type, ""))
    if block.input_channels != block.input_filters and block.type not in ("stem", "top"):
        cells[6] = Cell(str(cells[6]), tone="attention")
    rows = [row(*cells)]
    if layers:
        rows += [row(*layer_row_in_block_table(layer), detail=True) for layer in block.layers]
    return rows


def _stage_share_table(report: Report) -> Table:
    """Each stage's share of the params and the MACs, as bars."""
    totals = report.totals
    columns = (
        Column("Stage"),
        Column("Blocks", "right"),
        Column("Params", "right"),
        Column(""),
        Column("MACs", "right"),
        Column(""),
    )
    rows = tuple(
        row(
            stage.label,
            str(stage.blocks) if stage.blocks else "-",
            share_text(stage.params, totals.params),
            Cell(bar(stage.params, totals.params), tone="params"),
            share_text(stage.macs, totals.macs),
            Cell(bar(stage.macs, totals.macs), tone="macs"),
        )
        for stage in stage_shares(report)
    )
    return Table("Where the params and MACs are", columns, (rows,))


def summary(report: Report, *, layers: bool = False) -> Document:
    """`effcli summary`: header, blocks by stage (``layers``: each block's Keras layers under it), stage shares,
    pyramid levels, totals, warnings and notes."""
    blocks = Table(
        "Blocks",
        _columns(BLOCK_COLUMNS),
        _sections((block.stage, r) for block in report.blocks for r in _block_rows(block, layers)),
    )
    pyramid = Table(
        f"Pyramid levels ({PYRAMID_TITLES[report.pyramid_convention]})",
        _columns(PYRAMID_COLUMNS),
        (
            tuple(
                row(
                    level.level,
                    level.layer,
                    level.block,
                    shape_text(level.output_shape),
                    str(level.stride),
                    int_text(level.channels),
                )
                for level in report.pyramid
            ),
        ),
    )
    parts: list[Part] = [
        KeyValues(fields(header_lines(report)) + fields([("Engine", report.engine)], volatile=True)),
        blocks,
        _stage_share_table(report),
        pyramid,
        KeyValues(fields(totals_lines(report)), title="Totals"),
    ]
    parts += [Note(f"Warning: {message}", "warning") for message in report.warnings]
    parts += [Note(f"Note: {message}") for message in report.notes]
    return Document(
        title=report.name,
        parts=tuple(parts),
        data=report.to_dict(layers=layers),
        records=_layer_records(report.blocks) if layers else _block_records(report),
    )


# ------------------------------------------------------------------ compare


def compare(comparison) -> Document:
    """`effcli compare`: the models, their stages side by side, totals with ratios, pyramid levels side by side."""
    reports = comparison.reports
    stage_rows = []
    for n, comparison_row in enumerate(comparison.rows):
        first_cells = entry_cells(comparison_row.entries[0])
        for i, (report, entry) in enumerate(zip(reports, comparison_row.entries, strict=True)):
            cells = [
                Cell(text, differs=i > 0 and text != first)
                for text, first in zip(entry_cells(entry), first_cells, strict=True)
            ]
            stage_rows.append((n, row(comparison_row.label if i == 0 else "", model_label(i, report), *cells)))
    stages = Table(
        "Stages (aligned by stage number)", _columns(COMPARE_COLUMNS), _sections(stage_rows), legend=DIFFERS_LEGEND
    )
    totals = Table(
        "Totals (ratios to model 1)",
        _columns(TOTAL_COLUMNS),
        (tuple(row(*total_cells(comparison, i)) for i in range(len(reports))),),
    )
    first = reports[0]
    pyramid_rows = []
    for n, level in enumerate(comparison.levels):
        first_shape = first.pyramid[n].output_shape if n < len(first.pyramid) else None
        cells = [Cell(pyramid_cell(first, n))] + [
            Cell(pyramid_cell(r, n), differs=n >= len(r.pyramid) or r.pyramid[n].output_shape != first_shape)
            for r in reports[1:]
        ]
        pyramid_rows.append(row(level, *cells))
    pyramid = Table(
        f"Pyramid levels ({PYRAMID_TITLES[first.pyramid_convention]})",
        _columns(["Level"] + [model_label(i, r) for i, r in enumerate(reports)]),
        (tuple(pyramid_rows),),
    )
    header = KeyValues(fields(comparison_header(comparison)) + fields([("Engine", first.engine)], volatile=True))
    return Document(
        title=" vs ".join(r.name for r in reports),
        parts=(header, stages, totals, pyramid),
        data=comparison.to_dict(),
        records=records(
            COMPARE_CSV_COLUMNS,
            (
                (
                    comparison_row.label,
                    "" if comparison_row.stage is None else comparison_row.stage,
                    report.name,
                    entry.type,
                    entry.kernel_size,
                    entry.strides,
                    entry.repeats,
                    entry.output_filters,
                    *_shape_fields(entry.output_shape),
                    entry.params,
                    entry.macs,
                )
                for comparison_row in comparison.rows
                for report, entry in zip(reports, comparison_row.entries, strict=True)
                if entry is not None
            ),
        ),
    )


# ------------------------------------------------------------------ scale


def scale(scaling) -> Document:
    """`effcli scale`: the coefficients, every round_filters and round_repeats decision, the result."""

    def rule_cell(rule: str) -> Cell:
        changed = rule != "nearest multiple" and not rule.startswith("fixed")
        return Cell(rule, tone="attention" if changed else "")

    filters = Table(
        "round_filters",
        _columns(FILTER_COLUMNS),
        (
            tuple(
                row(r.row, str(r.base), exact_text(r.scaled), str(r.result), rule_cell(r.rule)) for r in scaling.filters
            ),
        ),
    )
    repeats = Table(
        "round_repeats",
        _columns(REPEAT_COLUMNS),
        (tuple(row(str(r.stage), str(r.base), exact_text(r.scaled), str(r.result), r.rule) for r in scaling.repeats),),
    )
    rows = [
        ("round_filters", r.row, r.base, "" if r.scaled is None else repr(r.scaled), r.result, r.rule)
        for r in scaling.filters
    ]
    rows += [("round_repeats", f"stage {r.stage}", r.base, repr(r.scaled), r.result, r.rule) for r in scaling.repeats]
    return Document(
        title=scaling.scaled.name,
        parts=(
            KeyValues(fields(scaling_header(scaling))),
            filters,
            repeats,
            KeyValues(fields(scaling_result_lines(scaling)), title="Result against the base", boxed=True),
        ),
        data=scaling.to_dict(),
        records=records(SCALE_CSV_COLUMNS, rows),
    )


# ------------------------------------------------------------------ explain


def explain(explanation) -> Document:
    """`effcli explain`: one block's header, its layers with their share of the params, and why."""
    block = explanation.block
    layers = Table(
        "Layers",
        _columns((*LAYER_COLUMNS, "Share")),
        (tuple(row(*layer_cells(layer), share_text(layer.params, block.params)) for layer in block.layers),),
    )
    return Document(
        title=f"{explanation.report.name}: {block.name}",
        parts=(KeyValues(fields(explanation_header(explanation))), layers, Bullets("Why", tuple(explanation.reasons))),
        data=explanation.to_dict(),
        records=_layer_records([block]),
    )


# ------------------------------------------------------------------ presets


def presets(entries) -> Document:
    """`effcli presets`: every preset, one section per family."""
    table = Table(
        "Presets (params and MACs at native resolution)",
        _columns(PRESET_COLUMNS, wrap=("Description",)),
        _sections((entry.family, row(*preset_cells(entry))) for entry in entries),
    )
    rows = []
    for entry in entries:
        data = entry.to_dict()
        data["aliases"] = " ".join(data["aliases"])
        rows.append([data[c] for c in PRESET_CSV_COLUMNS])
    return Document(
        title="effcli presets",
        parts=(table,),
        data=[entry.to_dict() for entry in entries],
        records=records(PRESET_CSV_COLUMNS, rows),
    )


# ------------------------------------------------------------------ plan


def plan(result) -> Document:
    """`effcli plan`: the budget, the search (its timing is volatile), the frontier."""
    header = KeyValues(fields(plan_lines(result)) + fields([plan_run_line(result)], volatile=True))
    frontier = Table(
        "Frontier: the largest networks within the budget (no other has more params and more MACs)",
        _columns(PLAN_COLUMNS),
        (tuple(row(*plan_cells(i, candidate, result)) for i, candidate in enumerate(result.frontier)),),
    )
    parts: list[Part] = [header, frontier]
    if not result.frontier:
        parts.append(Note("No candidate fits the budget.", "warning"))
    data = result.to_dict()
    data.pop("evaluated_per_second", None)
    return Document(
        title=f"Plan from {result.base.name}",
        parts=tuple(parts),
        data=data,
        records=records(PLAN_CSV_COLUMNS, ([d[k] for k in PLAN_CSV_COLUMNS] for d in data["frontier"])),
    )
