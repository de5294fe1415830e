"""``--format markdown``: the header, block, pyramid and totals tables as GitHub tables."""

from __future__ import annotations

from effcli.core.report import Report
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
    block_cells,
    comparison_header,
    entry_cells,
    exact_text,
    explanation_header,
    header_lines,
    int_text,
    layer_cells,
    model_label,
    plan_cells,
    plan_lines,
    preset_cells,
    pyramid_cell,
    scaling_header,
    scaling_result_lines,
    shape_text,
    share_text,
    total_cells,
    totals_lines,
)

RIGHT = {
    "Kernel",
    "Stride",
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


def _table(columns, rows) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |"]
    lines.append("|" + "|".join("---:" if c in RIGHT else "---" for c in columns) + "|")
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return lines


class MarkdownRenderer:
    def __init__(self, *, layers: bool = False):
        self.layers = layers

    def render_plan(self, result) -> str:
        lines = [f"## Plan from {result.base.name}", ""]
        lines += _table(("", ""), [(f"**{k}**", v) for k, v in plan_lines(result)[:3]])
        lines += ["", "### Frontier (largest params and MACs within the budget)", ""]
        lines += _table(PLAN_COLUMNS, [plan_cells(i, c, result) for i, c in enumerate(result.frontier)])
        return "\n".join(lines) + "\n"

    def render_presets(self, entries) -> str:
        lines = ["## effcli presets", "", "MACs at each preset's native resolution.", ""]
        lines += _table(PRESET_COLUMNS, [preset_cells(e) for e in entries])
        return "\n".join(lines) + "\n"

    def render_explanation(self, explanation) -> str:
        block = explanation.block
        lines = [f"## {explanation.report.name}: {block.name}", ""]
        lines += _table(("", ""), [(f"**{k}**", v) for k, v in explanation_header(explanation)])
        lines += ["", "### Layers", ""]
        lines += _table(
            LAYER_COLUMNS + ("Share",), [layer_cells(l) + [share_text(l.params, block.params)] for l in block.layers]
        )
        lines += ["", "### Why", ""]
        lines += [f"- {reason}" for reason in explanation.reasons]
        return "\n".join(lines) + "\n"

    def render(self, report: Report) -> str:
        lines = [f"## {report.name}", ""]
        lines += _table(("", ""), [(f"**{key}**", value) for key, value in header_lines(report)])
        lines += ["", "### Blocks", ""]
        lines += _table(BLOCK_COLUMNS, [block_cells(b) for b in report.blocks])
        if self.layers:
            lines += ["", "### Layers", ""]
            lines += _table(
                ("Block",) + LAYER_COLUMNS, [[b.name] + layer_cells(l) for b in report.blocks for l in b.layers]
            )
        lines += ["", f"### Pyramid levels ({report.pyramid_convention} convention)", ""]
        lines += _table(
            PYRAMID_COLUMNS,
            [
                (p.level, f"`{p.layer}`", p.block, shape_text(p.output_shape), str(p.stride), int_text(p.channels))
                for p in report.pyramid
            ],
        )
        lines += ["", "### Totals", ""]
        lines += _table(("", ""), [(f"**{key}**", value) for key, value in totals_lines(report)])
        for note in report.warnings:
            lines += ["", f"> Warning: {note}"]
        for note in report.notes:
            lines += ["", f"> Note: {note}"]
        return "\n".join(lines) + "\n"

    def render_comparison(self, comparison) -> str:
        names = " vs ".join(r.name for r in comparison.reports)
        lines = [f"## {names}", ""]
        lines += _table(("", ""), [(f"**{k}**", v) for k, v in comparison_header(comparison)])
        lines += ["", "### Stages", ""]
        rows = []
        for row in comparison.rows:
            for i, (report, entry) in enumerate(zip(comparison.reports, row.entries, strict=True)):
                rows.append([row.label, model_label(i, report), *entry_cells(entry)])
        lines += _table(COMPARE_COLUMNS, rows)
        lines += ["", "### Totals", ""]
        lines += _table(TOTAL_COLUMNS, [total_cells(comparison, i) for i in range(len(comparison.reports))])
        lines += ["", "### Pyramid levels", ""]
        columns = ["Level"] + [model_label(i, r) for i, r in enumerate(comparison.reports)]
        lines += _table(
            columns,
            [[level] + [pyramid_cell(r, n) for r in comparison.reports] for n, level in enumerate(comparison.levels)],
        )
        return "\n".join(lines) + "\n"

    def render_scaling(self, scaling) -> str:
        lines = [f"## {scaling.scaled.name}", ""]
        lines += _table(("", ""), [(f"**{k}**", v) for k, v in scaling_header(scaling)])
        lines += ["", "### round_filters", ""]
        lines += _table(
            FILTER_COLUMNS, [[r.row, str(r.base), exact_text(r.scaled), str(r.result), r.rule] for r in scaling.filters]
        )
        lines += ["", "### round_repeats", ""]
        lines += _table(
            REPEAT_COLUMNS,
            [[str(r.stage), str(r.base), exact_text(r.scaled), str(r.result), r.rule] for r in scaling.repeats],
        )
        lines += ["", "### Result against the base", ""]
        lines += _table(("", ""), [(f"**{k}**", v) for k, v in scaling_result_lines(scaling)])
        return "\n".join(lines) + "\n"
