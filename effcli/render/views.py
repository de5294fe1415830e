"""The views: one function per command, each building the neutral document of its result.

Every content decision is made here, once: which parts, titles, columns and their
alignment, cell texts (from :mod:`effcli.render.text`), style hints, the JSON
data and the CSV records. The writers only lay the document out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from effcli.core.memory import DEFAULT_SETTINGS, MemorySettings
from effcli.core.report import BlockReport, Report
from effcli.render import memory as memory_view
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
    COMPOUND_COLUMNS,
    FILTER_COLUMNS,
    FIT_COLUMNS,
    FLOAT_MARK,
    LAYER_COLUMNS,
    MACS_LABEL,
    PLAN_COLUMNS,
    PRESET_COLUMNS,
    PYRAMID_COLUMNS,
    REPEAT_COLUMNS,
    TOTAL_COLUMNS,
    bar,
    block_cells,
    budget_text,
    coefficient_text,
    comparison_header,
    compound_cells,
    decimal_value,
    entry_cells,
    exact_text,
    explanation_header,
    fit_cells,
    gmacs_text,
    header_lines,
    int_text,
    layer_cells,
    layer_row_in_block_table,
    model_label,
    plan_cells,
    plan_lines,
    plan_run_line,
    preset_cells,
    product_text,
    pyramid_cell,
    scaling_header,
    scaling_result_lines,
    shape_text,
    share_text,
    stage_shares,
    total_cells,
    totals_lines,
    training_note,
    type_text,
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
        "x width",
        "Rounded",
        "Base repeats",
        "x depth",
        "Trainable",
        "Non-trainable",
        "Share",
        "Width",
        "Depth",
        "Resolution",
        "#",
        "of budget",
        "Top-1",
        "Phi",
    }
)
PYRAMID_TITLES = {"keras": "keras-cv rule", "timm": "timm rule"}
# What a narrow terminal keeps of each table, most important first (the last is left out first); a column not
# listed is always shown. --wide, JSON, CSV and Markdown show every column.
BLOCK_KEEP = ("Output shape", "MACs", "Type", "Kernel", "Expand", "SE", "Stride", "In -> Out", "Residual", "Drop rate")
SHARE_KEEP = ("Blocks", "Params bars", "MACs bars")
LEVEL_KEEP = ("Stride", "Block", "Channels")
COMPARE_KEEP = ("Output shape", "MACs", "Repeats", "Type", "Kernel", "Stride", "Out filters")
TOTAL_KEEP = (MACS_LABEL, "Top-1", "Params vs 1", "MACs vs 1", "Blocks", "Activations")
FILTER_KEEP = ("x width", "Rule", "Base filters")
REPEAT_KEEP = ("x depth", "Rule", "Base repeats")
LAYER_KEEP = ("Output shape", "Share", "MACs", "Class", "Kernel", "Stride", "Trainable", "Non-trainable")
# the short names (b0, v1-b3, lite0) are what a new user needs from `presets`: kept before Width, Depth, Family
PRESET_KEEP = ("MACs", "Top-1", "Aliases", "Resolution", "Width", "Depth", "Blocks", "Family", "Description")
PLAN_KEEP = ("MACs", "Blocks", "of budget")  # both "of budget" columns: the MACs' is left out first
FIT_KEEP = ("MACs", "Resolution", "Blocks", "of budget", "Family")  # a preset that fits (`plan`)
COMPOUND_KEEP = ("MACs", "Width", "Depth", "Resolution", "Blocks", "of budget")  # a compound scaling (`plan`)
# Shorter titles for a narrow terminal.
SHORT_TITLES = {"Base filters": "Base", "Base repeats": "Base", MACS_LABEL: "MACs", "Resolution": "Res"}
DESCRIPTION_MIN = 40  # a preset's description narrower than this is more lines than words: left out instead
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
    "top1",
    "top1_resolution",
)
PLAN_CSV_COLUMNS = ("width_coefficient", "depth_coefficient", "resolution", "blocks", "params", "macs")


def _columns(
    names: Iterable[str], *, keep: Sequence[str] = (), wrap: Sequence[str] = (), min_width: int = 0
) -> tuple[Column, ...]:
    """Columns titled ``names``: numbers right-aligned, ``keep`` their priorities, ``wrap`` free text that may
    wrap (no narrower than ``min_width``)."""
    priority = {name: i + 1 for i, name in enumerate(keep)}
    return tuple(
        Column(
            n,
            "right" if n in NUMERIC else "left",
            wrap=n in wrap,
            min_width=min_width if n in wrap else 0,
            priority=priority.get(n, 0),
            short=SHORT_TITLES.get(n, ""),
        )
        for n in names
    )


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
    cells[1] = Cell(str(cells[1]), tone=TYPE_TONES.get(block.type, ""), short=type_text(block.type, short=True))
    if block.input_channels != block.input_filters and block.type not in ("stem", "top"):
        cells[6] = Cell(str(cells[6]), tone="attention")
    rows = [row(*cells)]
    if layers:
        rows += [row(*layer_row_in_block_table(layer), detail=True) for layer in block.layers]
    return rows


def _stage_share_table(report: Report) -> Table:
    """Each stage's share of the params and the MACs, as bars."""
    totals = report.totals
    priority = {name: i + 1 for i, name in enumerate(SHARE_KEEP)}
    columns = (
        Column("Stage"),
        Column("Blocks", "right", priority=priority["Blocks"]),
        Column("Params", "right"),
        Column("", priority=priority["Params bars"], bar=True),
        Column("MACs", "right"),
        Column("", priority=priority["MACs bars"], bar=True),
    )
    rows = tuple(
        row(
            stage.label,
            str(stage.blocks) if stage.blocks else "-",
            share_text(stage.params, totals.params),
            Cell(bar(stage.params, totals.params), tone="params", bar=(stage.params, totals.params)),
            share_text(stage.macs, totals.macs),
            Cell(bar(stage.macs, totals.macs), tone="macs", bar=(stage.macs, totals.macs)),
        )
        for stage in stage_shares(report)
    )
    return Table("Where the params and MACs are", columns, (rows,))


def summary(report: Report, *, layers: bool = False, memory: MemorySettings = DEFAULT_SETTINGS) -> Document:
    """`effcli summary`: header, blocks by stage (``layers``: each block's Keras layers under it), stage shares,
    pyramid levels, totals (``memory``: the memory lines' batch, dtype and optimizer), warnings and notes."""
    blocks = Table(
        "Blocks",
        _columns(BLOCK_COLUMNS, keep=BLOCK_KEEP),
        _sections((block.stage, r) for block in report.blocks for r in _block_rows(block, layers)),
    )
    pyramid = Table(
        f"Pyramid levels ({PYRAMID_TITLES[report.pyramid_convention]})",
        _columns(PYRAMID_COLUMNS, keep=LEVEL_KEEP),
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
        *_block_layer_notes([report]),
        KeyValues(fields(memory_view.with_memory(totals_lines(report), report, memory)), title="Totals"),
    ]
    parts += [Note(f"Warning: {message}", "warning") for message in report.warnings]
    parts += [Note(f"Note: {message}") for message in report.notes]
    return Document(
        title=report.name,
        parts=tuple(parts),
        data={**report.to_dict(layers=layers), "memory": memory_view.report_data(report, memory)},
        records=_layer_records(report.blocks)
        if layers
        else memory_view.block_records(report, _block_records(report), memory),
    )


# ------------------------------------------------------------------ compare


def _block_layer_notes(reports) -> list[Part]:
    """Under a pyramid table naming EfficientNetV2 block layers (``block1a_``): they are names, not cut ones."""
    names = [level.layer for r in reports for level in r.pyramid if level.layer.endswith("_")]
    if not names:
        return []
    return [
        Note(
            f"{names[0]} and the like are keras-cv's own names, not cut ones: an EfficientNetV2 block is one "
            f"Keras layer named block{{stage}}{{letter}}_ (its sublayers are {names[0]}project_conv and so on)."
        )
    ]


def _model_cell(index: int, report) -> Cell:
    """A model as the comparison tables name it; "1", "2", ... in a narrow terminal (the header lists them)."""
    return Cell(model_label(index, report), short=str(index + 1))


def _compare_pyramid(comparison) -> Table:
    """The pyramid levels side by side, one column per model; narrow: one row per level and model."""
    reports = comparison.reports
    first = reports[0]
    title = f"Pyramid levels ({PYRAMID_TITLES[first.pyramid_convention]})"
    side_by_side, one_per_model = [], []
    for n, level in enumerate(comparison.levels):
        first_shape = first.pyramid[n].output_shape if n < len(first.pyramid) else None
        differs = [False] + [n >= len(r.pyramid) or r.pyramid[n].output_shape != first_shape for r in reports[1:]]
        side_by_side.append(
            row(level, *(Cell(pyramid_cell(r, n), differs=d) for r, d in zip(reports, differs, strict=True)))
        )
        for i, (report, d) in enumerate(zip(reports, differs, strict=True)):
            taken = report.pyramid[n] if n < len(report.pyramid) else None
            layer, shape = ("-", "-") if taken is None else (taken.layer, shape_text(taken.output_shape))
            cells = (_model_cell(i, report), layer, Cell(shape, differs=d))
            one_per_model.append((n, row(level if i == 0 else "", *cells)))
    narrow = Table(title, _columns(["Level", "Model", "Layer", "Output shape"]), _sections(one_per_model))
    columns = (Column("Level"),) + tuple(Column(model_label(i, r), short=str(i + 1)) for i, r in enumerate(reports))
    return Table(title, columns, (tuple(side_by_side),), narrow=narrow)


def _top1_notes(reports) -> list[Part]:
    """Under the totals: the models whose published top-1 is at another resolution than they are measured at,
    and what the training mark means."""
    notes: list[Part] = []
    other = [
        (model_label(i, r), r)
        for i, r in enumerate(reports)
        if r.published is not None and tuple(r.input_shape[:2]) != (r.published.resolution,) * 2
    ]
    if other:
        counted = "; ".join(
            f"{label} is counted at {shape_text(r.input_shape[:2])}, its top-1 was measured at {r.published.resolution}"
            for label, r in other
        )
        notes.append(Note(f"Top-1 is published at each model's own resolution. {counted}."))
    marked = training_note((r.name, r.published) for r in reports)
    if marked:
        notes.append(Note(marked))
    return notes


def compare(comparison, *, memory: MemorySettings = DEFAULT_SETTINGS) -> Document:
    """`effcli compare`: the models, their stages side by side, totals with ratios (``memory``: a memory row per
    model at those settings), pyramid levels side by side."""
    reports = comparison.reports
    stage_rows = []
    for n, comparison_row in enumerate(comparison.rows):
        first_cells = entry_cells(comparison_row.entries[0])
        for i, (report, entry) in enumerate(zip(reports, comparison_row.entries, strict=True)):
            cells = [
                Cell(text, differs=i > 0 and text != first)
                for text, first in zip(entry_cells(entry), first_cells, strict=True)
            ]
            if entry is not None:
                cells[0] = replace(cells[0], short=type_text(entry.type, short=True))
            stage_rows.append((n, row(comparison_row.label if i == 0 else "", _model_cell(i, report), *cells)))
    stages = Table(
        "Stages (aligned by stage number)",
        _columns(COMPARE_COLUMNS, keep=COMPARE_KEEP),
        _sections(stage_rows),
        legend=DIFFERS_LEGEND,
    )
    totals = Table(
        "Totals (ratios to model 1)",
        _columns(TOTAL_COLUMNS, keep=TOTAL_KEEP),
        (tuple(row(_model_cell(i, r), *total_cells(comparison, i)[1:]) for i, r in enumerate(reports)),),
    )
    pyramid = _compare_pyramid(comparison)
    first = reports[0]
    header = KeyValues(fields(comparison_header(comparison)) + fields([("Engine", first.engine)], volatile=True))
    return Document(
        title=" vs ".join(r.name for r in reports),
        parts=(
            header,
            stages,
            totals,
            *_top1_notes(reports),
            *[t for t in [memory_view.compare_table(reports, memory, model_label)] if t is not None],
            pyramid,
            *_block_layer_notes(reports),
        ),
        data=memory_view.comparison_data(comparison.to_dict(), reports, memory),
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


def meant_filters(scaling, filter_row) -> int | None:
    """What round_filters gives for the decimal number the product stands for (57.6 for 57.599999999999994);
    None where the family fixes the value."""
    from effcli.core.families import round_filters_explained

    if filter_row.scaled is None:
        return None
    spec = scaling.scaled
    if spec.keras_hub is not None:  # keras-hub's own rounding options
        from effcli.core.plan import keras_hub_round_filters_explained

        return keras_hub_round_filters_explained(spec, 1, decimal_value(filter_row.scaled))[0]
    decision = round_filters_explained(
        1,  # 1 x the decimal product: the rule applied to that number
        rules=spec.rules,
        width_coefficient=decimal_value(filter_row.scaled),
        depth_divisor=spec.depth_divisor,
        min_depth=spec.min_depth,
    )
    return decision.result


def meant_repeats(repeat_row) -> int | None:
    """What round_repeats gives for the decimal number the product stands for (11 for 11.000000000000002);
    None where the stage is not scaled."""
    from effcli.core.families import round_repeats

    return round_repeats(1, depth_coefficient=decimal_value(repeat_row.scaled)) if repeat_row.rule == "ceil" else None


def _float_note(marked: list[tuple[str, int, float, float | None, int, int | None]]) -> list[Part]:
    """The line under a table explaining the float mark: (row, base, coefficient, exact product, result,
    the decimal product's result)."""
    if not marked:
        return []
    details = "; ".join(
        f"{label}: {base} x {coefficient_text(coefficient)} is {exact_text(scaled)} in floating point, "
        f"so the rule gives {result} instead of {meant}"
        for label, base, coefficient, scaled, result, meant in marked
    )
    return [
        Note(f"{FLOAT_MARK} floating point changes the result: {details}. effcli gives what the Keras code computes.")
    ]


def scale(scaling, *, memory: MemorySettings = DEFAULT_SETTINGS) -> Document:
    """`effcli scale`: the coefficients, every round_filters and round_repeats decision, the result (``memory``:
    with the memory lines at those settings).

    A product shows as the decimal number it stands for (57.6, not 57.599999999999994), except where floating
    point changes the rounded result: there the exact float, marked, and a note under the table.
    """

    def rule_cell(rule: str) -> Cell:
        changed = rule != "nearest multiple" and not rule.startswith("fixed")
        return Cell(rule, tone="attention" if changed else "")

    def product_cell(scaled: float | None, float_decides: bool) -> Cell:
        return Cell(product_text(scaled, float_decides=float_decides), tone="attention" if float_decides else "")

    # (label, base, coefficient, exact product, result, the decimal product's result) of each row
    width, depth = scaling.scaled.width_coefficient, scaling.scaled.depth_coefficient
    filter_marks = [(r.row, r.base, width, r.scaled, r.result, meant_filters(scaling, r)) for r in scaling.filters]
    repeat_marks = [(f"stage {r.stage}", r.base, depth, r.scaled, r.result, meant_repeats(r)) for r in scaling.repeats]
    filter_marked = [m[5] is not None and m[5] != m[4] for m in filter_marks]
    repeat_marked = [m[5] is not None and m[5] != m[4] for m in repeat_marks]
    filters = Table(
        "round_filters",
        _columns(FILTER_COLUMNS, keep=FILTER_KEEP, wrap=("Rule",)),
        (
            tuple(
                row(r.row, str(r.base), product_cell(r.scaled, marked), str(r.result), rule_cell(r.rule))
                for r, marked in zip(scaling.filters, filter_marked, strict=True)
            ),
        ),
    )
    repeats = Table(
        "round_repeats",
        _columns(REPEAT_COLUMNS, keep=REPEAT_KEEP, wrap=("Rule",)),
        (
            tuple(
                row(str(r.stage), str(r.base), product_cell(r.scaled, marked), str(r.result), r.rule)
                for r, marked in zip(scaling.repeats, repeat_marked, strict=True)
            ),
        ),
    )
    rows = [
        ("round_filters", r.row, r.base, "" if r.scaled is None else repr(r.scaled), r.result, r.rule)
        for r in scaling.filters
    ]
    rows += [("round_repeats", f"stage {r.stage}", r.base, repr(r.scaled), r.result, r.rule) for r in scaling.repeats]
    data = memory_view.scaling_data(scaling.to_dict(), scaling.base_report, scaling.scaled_report, memory)
    for key, marked in (("round_filters", filter_marked), ("round_repeats", repeat_marked)):
        for item, flag in zip(data[key], marked, strict=True):
            item["float_changes_result"] = flag
    filter_note = _float_note([m for m, flag in zip(filter_marks, filter_marked, strict=True) if flag])
    repeat_note = _float_note([m for m, flag in zip(repeat_marks, repeat_marked, strict=True) if flag])
    return Document(
        title=scaling.scaled.name,
        parts=(
            KeyValues(fields(scaling_header(scaling))),
            filters,
            *filter_note,
            repeats,
            *repeat_note,
            KeyValues(
                fields(
                    scaling_result_lines(scaling)
                    + memory_view.scaling_lines(scaling.base_report, scaling.scaled_report, memory)
                ),
                title="Result against the base",
                boxed=True,
            ),
        ),
        data=data,
        records=records(SCALE_CSV_COLUMNS, rows),
    )


# ------------------------------------------------------------------ explain


def explain(explanation, *, memory: MemorySettings = DEFAULT_SETTINGS) -> Document:
    """`effcli explain`: one block's header (``memory``: with its share of the memory at those settings), its
    layers with their share of the params, and why."""
    block = explanation.block
    header = explanation_header(explanation) + memory_view.block_lines(explanation.report, block, memory)
    layers = Table(
        "Layers",
        _columns((*LAYER_COLUMNS, "Share"), keep=LAYER_KEEP),
        (tuple(row(*layer_cells(layer), share_text(layer.params, block.params)) for layer in block.layers),),
    )
    engine = fields([("Engine", explanation.report.engine)], volatile=True)
    return Document(
        title=f"{explanation.report.name}: {block.name}",
        parts=(
            KeyValues(fields(header) + engine),
            layers,
            *_reused_layer_notes(block),
            Bullets("Why", tuple(explanation.reasons)),
        ),
        data={**explanation.to_dict(), "memory": memory_view.block_data(explanation.report, block, memory)},
        records=_layer_records([block]),
    )


def _reused_layer_notes(block) -> list[Part]:
    """A layer name listed more than once in a block is one layer applied more than once (keras-cv's V2 MBConv
    block calls its one ``activation`` layer after the expansion and after the depthwise convolution)."""
    names = [layer.name for layer in block.layers]
    twice = sorted({name for name in names if names.count(name) > 1}, key=names.index)
    times = {2: "twice", 3: "three times"}
    return [
        Note(
            f"{name} is listed {times.get(names.count(name), f'{names.count(name)} times')}: it is one Keras "
            "layer (no weights) applied again after the next convolution, as keras-cv builds the block; a file "
            f"saved by `effcli build` names the second use {name}_1."
        )
        for name in twice
    ]


# ------------------------------------------------------------------ presets


def presets(entries) -> Document:
    """`effcli presets`: every preset, one section per family."""
    table = Table(
        "Presets (params and MACs at native resolution; Top-1: published ImageNet top-1 @ its resolution)",
        _columns(PRESET_COLUMNS, keep=PRESET_KEEP, wrap=("Description",), min_width=DESCRIPTION_MIN),
        _sections((entry.family, row(*preset_cells(entry))) for entry in entries),
    )
    rows = []
    for entry in entries:
        data = entry.to_dict()
        data["aliases"] = " ".join(data["aliases"])
        published = entry.published
        data["top1"] = "" if published is None else published.top1
        data["top1_resolution"] = "" if published is None else published.resolution
        rows.append([data[c] for c in PRESET_CSV_COLUMNS])
    note = training_note((entry.name, entry.published) for entry in entries)
    return Document(
        title="effcli presets",
        parts=(table, *([Note(note)] if note else [])),
        data=[entry.to_dict() for entry in entries],
        records=records(PRESET_CSV_COLUMNS, rows),
    )


NAME_COLUMNS = ("Name", "Preset", "Ecosystem", "Note")
REFUSED_COLUMNS = ("Name", "Ecosystem", "What it is", "Closest preset")
NAME_CSV_COLUMNS = ("status", "name", "preset", "ecosystems", "closest", "note")


def presets_with_pointers(entries, examples: Sequence[str]) -> Document:
    """`effcli presets`: the presets view, plus where the other names and the examples are listed."""
    document = presets(entries)
    notes: list[Part] = [
        Note(
            "Other libraries' names work too (EfficientNetB0, tf_efficientnet_b0, efficientnet_v2_s and more): "
            "effcli presets --aliases lists them."
        )
    ]
    if examples:
        notes.append(Note(f"Example configs, by name: {', '.join(examples)} (effcli presets --examples)."))
    return replace(document, parts=document.parts + tuple(notes))


def example_presets(entries) -> Document:
    """`effcli presets --examples`: the example configs, laid out as the presets are."""
    document = presets(entries)
    title = "Examples in configs/examples (by name; params and MACs at their input size)"
    parts = tuple(replace(part, title=title) if isinstance(part, Table) else part for part in document.parts)
    return replace(document, title="effcli presets --examples", parts=parts)


def preset_names(accepted, refused) -> Document:
    """`effcli presets --aliases`: every name effcli accepts, with its preset and ecosystem; the refused names."""
    names = Table(
        "Accepted names (case-insensitive, - and _ alike)",
        _columns(NAME_COLUMNS, keep=("Note",), wrap=("Note",), min_width=DESCRIPTION_MIN),
        _sections(
            (entry.preset, row(entry.name, entry.preset, ", ".join(entry.ecosystems), entry.note)) for entry in accepted
        ),
    )
    parts: list[Part] = [names]
    if refused:
        parts.append(
            Table(
                "Refused: other networks with look-alike names",
                _columns(REFUSED_COLUMNS, wrap=("What it is",), min_width=DESCRIPTION_MIN),
                (
                    tuple(
                        row(entry.name, ", ".join(entry.ecosystems), entry.reason, entry.closest or "-")
                        for entry in refused
                    ),
                ),
            )
        )
    rows = [["accepted", e.name, e.preset, ";".join(e.ecosystems), None, e.note] for e in accepted]
    rows += [["refused", e.name, None, ";".join(e.ecosystems), e.closest, e.reason] for e in refused]
    return Document(
        title="effcli presets --aliases",
        parts=tuple(parts),
        data={"accepted": [e.to_dict() for e in accepted], "refused": [e.to_dict() for e in refused]},
        records=records(NAME_CSV_COLUMNS, rows),
    )


# ------------------------------------------------------------------ plan


def plan(result) -> Document:
    """`effcli plan`: the budget, the search (its timing is volatile), the frontier."""
    header = KeyValues(fields(plan_lines(result)) + fields([plan_run_line(result)], volatile=True))
    frontier = Table(
        "Frontier: the largest networks within the budget (no other has more params and more MACs), "
        "the most MACs first",
        _columns(PLAN_COLUMNS, keep=PLAN_KEEP),
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


RECOMMEND_CSV_COLUMNS = (*PLAN_CSV_COLUMNS, "section", "name", "phi", "top1", "top1_resolution", "fits")


def recommendation(answer) -> Document:
    """`effcli plan`: the presets within the budget, the compound scaling of the base that uses it best, and
    (--grid) the width x depth x resolution frontier."""
    base = answer.base
    header_fields = [
        (
            "Base",
            f"{base.name} ({base.rules.title}): {answer.base_blocks} blocks, {int_text(answer.base_params)} params, "
            f"{gmacs_text(answer.base_macs)} MACs at {answer.base_resolution}",
        ),
        ("Budget", budget_text(answer.max_params, answer.max_macs, answer.classes)),
    ]
    grid = answer.grid
    if grid is not None:
        header_fields.append(plan_lines(grid)[2])
    header = KeyValues(fields(header_fields) + (fields([plan_run_line(grid)], volatile=True) if grid else ()))
    presets_table = Table(
        "Presets within the budget (at native resolution), the best published top-1 first",
        _columns(FIT_COLUMNS, keep=FIT_KEEP),
        (tuple(row(*fit_cells(i, fit, answer)) for i, fit in enumerate(answer.presets)),),
    )
    from effcli.tools.budget import ALPHA, BETA, GAMMA

    rule = f"depth {ALPHA:g}^phi, width {BETA:g}^phi, resolution {answer.base_resolution} x {GAMMA:g}^phi"
    scaled = sorted(
        [(c, False) for c in answer.context] + ([(answer.compound, True)] if answer.compound else []),
        key=lambda item: item[0].rule.phi,
    )
    compound_table = Table(
        f"Compound scaling from {base.name} ({rule}): the largest phi that fits, and the whole phis around it",
        _columns(COMPOUND_COLUMNS, keep=COMPOUND_KEEP),
        (tuple(row(*compound_cells(fit, answer, best)) for fit, best in scaled),),
    )
    parts: list[Part] = [header]
    nothing = not answer.presets and answer.compound is None
    if not nothing:
        parts.append(presets_table if answer.presets else Note("No preset fits the budget.", "warning"))
        if scaled:
            parts.append(compound_table)
    parts += [Note(note, "warning") for note in answer.notes]
    marked = training_note((fit.name, fit.published) for fit in answer.presets)
    if marked and not nothing:
        parts.append(Note(marked))
    if grid is not None:
        frontier = plan(grid).parts[1]
        parts.append(frontier)
        if not grid.frontier:
            parts.append(Note("No candidate of the grid fits the budget.", "warning"))
    data = answer.to_dict()
    rows = []
    for fit in answer.presets:
        top1 = fit.published.top1 if fit.published else ""
        resolution = fit.published.resolution if fit.published else ""
        rows.append(
            [fit.width_coefficient, fit.depth_coefficient, fit.resolution, fit.blocks, fit.params, fit.macs]
            + ["preset", fit.name, "", top1, resolution, "true"]
        )
    for fit, best in scaled:
        rows.append(
            [fit.rule.width, fit.rule.depth, fit.rule.resolution, fit.blocks, fit.params, fit.macs]
            + ["compound", "best" if best else "", fit.rule.phi, "", "", str(fit.fits).lower()]
        )
    for candidate in grid.frontier if grid else ():
        rows.append([candidate.to_dict()[k] for k in PLAN_CSV_COLUMNS] + ["frontier", "", "", "", "", "true"])
    return Document(
        title=f"Plan from {base.name}",
        parts=tuple(parts),
        data=data,
        records=records(RECOMMEND_CSV_COLUMNS, rows),
    )


# ------------------------------------------------------------------ profile

PROFILE_CSV_COLUMNS = (
    "name",
    "stage",
    "type",
    "ms_median",
    "ms_q1",
    "ms_q3",
    "ms_min",
    "ms_max",
    "share",
    "macs",
    "gmacs_per_s",
)


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.2f}" if value < 1000 else f"{value:,.0f}"


def _rate(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def profile(result) -> Document:
    """`effcli profile`: where and how the passes ran, per-block times and MAC rates, the whole network."""
    env = result.environment
    threads = f"{env.intra_op_threads} intra-op" + (
        " (TensorFlow's default: one per core)" if env.threads_default else ""
    )
    threads += f", {env.inter_op_threads} inter-op" if env.inter_op_threads else ", inter-op TensorFlow's default"
    device = f"{env.device.upper()} ({env.device_name}" + (f", {env.device_detail})" if env.device_detail else ")")
    header = KeyValues(
        fields(
            [
                ("Model", result.name),
                ("Input", f"{shape_text((result.batch, *result.input_shape))} (batch x height x width x channels)"),
                ("Device", device),
                ("Threads", threads),
                ("Runs", f"{result.runs} timed passes after {result.warmup} warm-up, each block alone and the whole"),
                ("Compiled", "tf.function with jit_compile (XLA)" if result.jit else "tf.function (graph, no XLA)"),
                ("TensorFlow", f"{env.tensorflow}, Keras {env.keras}"),
            ]
        )
    )
    columns = (
        Column("Block"),
        Column("Stage", "right", priority=4),
        Column("Type", priority=3),
        Column("Median ms", "right", short="ms"),
        Column("IQR ms", "right", priority=2),
        Column("Share", "right"),
        Column("MACs", "right", priority=1),
        Column("GMAC/s", "right"),
    )
    blocks = Table(
        "Blocks, each timed alone (IQR: the middle half of the runs)",
        columns,
        _sections(
            (
                block.stage,
                row(
                    block.name,
                    str(block.stage),
                    Cell(
                        type_text(block.type),
                        tone=TYPE_TONES.get(block.type, ""),
                        short=type_text(block.type, short=True),
                    ),
                    _ms(block.spread.median),
                    f"{_ms(block.spread.q1)}..{_ms(block.spread.q3)}",
                    f"{100 * block.share:.1f}%",
                    int_text(block.macs),
                    _rate(block.gmacs_per_s),
                ),
            )
            for block in result.blocks
        ),
    )
    whole = result.whole
    verdict = "within" if result.within_tolerance else "outside"
    totals = KeyValues(
        fields(
            [
                (
                    "Median",
                    f"{_ms(whole.median)} ms (IQR {_ms(whole.q1)}..{_ms(whole.q3)}, "
                    f"runs {_ms(whole.low)}..{_ms(whole.high)})",
                ),
                ("Images/s", f"{result.images_per_s:,.1f}"),
                ("GMAC/s", f"{_rate(result.whole_gmacs_per_s)} ({int_text(result.macs * result.batch)} MACs a pass)"),
                (
                    "Sum of blocks",
                    f"{_ms(result.sum_of_blocks_ms)} ms = {result.sum_ratio:.2f} x the whole ({verdict} the expected "
                    f"{result.tolerance[0]:g}..{result.tolerance[1]:g}: each block alone pays its own call)",
                ),
            ]
        ),
        title="Whole network, timed as one model",
        boxed=True,
    )
    parts: list[Part] = [header, blocks, totals]
    rates = {rate.type: rate for rate in result.rates()}
    if "fused" in rates and "mbconv" in rates:
        fused, mbconv = rates["fused"], rates["mbconv"]
        parts.append(
            Note(
                f"Fused-MBConv blocks: {_rate(fused.mean_gmacs_per_s)} GMAC/s, MBConv blocks: "
                f"{_rate(mbconv.mean_gmacs_per_s)} GMAC/s (mean over {fused.blocks} and {mbconv.blocks} blocks): "
                f"{fused.mean_gmacs_per_s / mbconv.mean_gmacs_per_s:.1f}x the MAC rate"
            )
        )
    parts += [Note(f"Warning: {message}", "warning") for message in result.warnings]
    data = result.to_dict()
    rows = [[block[c] for c in PROFILE_CSV_COLUMNS] for block in data["profile"]["blocks"]]
    rows.append(
        [
            "whole",
            "",
            "",
            *(data["profile"]["whole"][c] for c in PROFILE_CSV_COLUMNS[3:8]),
            "",
            result.macs,
            data["profile"]["whole"]["gmacs_per_s"],
        ]
    )
    return Document(
        title=f"Profile of {result.name}", parts=tuple(parts), data=data, records=records(PROFILE_CSV_COLUMNS, rows)
    )


# ------------------------------------------------------------------ explore


def change_text(value: float, base: float) -> str:
    """The change from ``base`` to ``value`` as the explorer shows it: ``+12.4%``, ``-3.0%``, ``same``."""
    if value == base:
        return "same"
    if base == 0:
        return "new"
    percent = (value - base) / base * 100
    if abs(percent) < 0.05:
        return "+<0.1%" if percent > 0 else "-<0.1%"
    return f"{percent:+.1f}%"


def count_change(value: int, base: int) -> str:
    """The change of a small count: ``+4``, ``-2``, ``same``."""
    return "same" if value == base else f"{value - base:+d}"


def explore_totals(report: Report, base: Report, memory: MemorySettings) -> list[tuple[str, str, str]]:
    """The explorer's totals bar: (label, value, change against ``base``) for the params, MACs and blocks, and the
    memory of the variables and of the block outputs (at ``memory``'s batch and dtype).

    ``base`` is the network the explorer started from, at its own input, batch 1 and float32: a change of batch
    or dtype shows as a change of memory."""
    from effcli.core.memory import memory_of

    now, then = memory_of(report, memory), memory_of(base, DEFAULT_SETTINGS)
    totals, first = report.totals, base.totals
    return [
        ("Params", int_text(totals.params), change_text(totals.params, first.params)),
        ("MACs", gmacs_text(totals.macs), change_text(totals.macs, first.macs)),
        ("Blocks", str(report.block_count), count_change(report.block_count, base.block_count)),
        ("Weights", memory_view.mb_text(now.variable_bytes), change_text(now.variable_bytes, then.variable_bytes)),
        (
            "Activations",
            memory_view.mb_text(now.activation_bytes),
            change_text(now.activation_bytes, then.activation_bytes),
        ),
    ]
