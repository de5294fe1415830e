"""``--format table``: Rich tables (header, blocks by stage, pyramid, totals)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

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

NUMERIC = {
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
DIFFERENT = "bold yellow"
PYRAMID_TITLES = {"keras": "keras-cv rule", "timm": "timm rule"}
TYPE_STYLES = {"stem": "magenta", "top": "magenta", "fused": "cyan", "mbconv": "green"}


def _key_value_grid(rows) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for key, value in rows:
        grid.add_row(key, value)
    return grid


class TableRenderer:
    def __init__(self, *, color: bool = False, width: int | None = None, layers: bool = False):
        self.color = color
        self.width = width
        self.layers = layers

    def renderables(self, report: Report) -> list:
        blocks = Table(title="Blocks", title_justify="left", header_style="bold")
        for column in BLOCK_COLUMNS:
            blocks.add_column(column, justify="right" if column in NUMERIC else "left", no_wrap=True)
        previous_stage = None
        for block in report.blocks:
            if previous_stage is not None and block.stage != previous_stage:
                blocks.add_section()
            previous_stage = block.stage
            cells = block_cells(block)
            cells[1] = Text(cells[1], style=TYPE_STYLES.get(block.type, ""))
            if block.input_channels != block.input_filters and block.type not in ("stem", "top"):
                cells[6] = Text(cells[6], style="yellow")
            blocks.add_row(*cells)
            if self.layers:
                for layer in block.layers:
                    blocks.add_row(*layer_row_in_block_table(layer), style="dim")
        pyramid = Table(
            title=f"Pyramid levels ({PYRAMID_TITLES[report.pyramid_convention]})",
            title_justify="left",
            header_style="bold",
        )
        for column in PYRAMID_COLUMNS:
            pyramid.add_column(column, justify="right" if column in NUMERIC | {"Stride"} else "left", no_wrap=True)
        for level in report.pyramid:
            pyramid.add_row(
                level.level,
                level.layer,
                level.block,
                shape_text(level.output_shape),
                str(level.stride),
                int_text(level.channels),
            )
        header = header_lines(report) + [("Engine", report.engine)]  # table view only: other formats are
        parts: list = [_key_value_grid(header), "", blocks, "", self._stage_bars(report), "", pyramid, ""]
        parts.append(_key_value_grid(totals_lines(report)))
        for message in report.warnings:
            parts.append(Text(f"Warning: {message}", style="yellow"))
        for message in report.notes:
            parts.append(Text(f"Note: {message}", style="dim"))
        return parts

    def _stage_bars(self, report: Report) -> Table:
        """Each stage's share of the params and the MACs, as bars."""
        table = Table(title="Where the params and MACs are", title_justify="left", header_style="bold")
        for column, justify in (
            ("Stage", "left"),
            ("Blocks", "right"),
            ("Params", "right"),
            ("", "left"),
            ("MACs", "right"),
            ("", "left"),
        ):
            table.add_column(column, justify=justify, no_wrap=True)
        totals = report.totals
        for stage in stage_shares(report):
            table.add_row(
                stage.label,
                str(stage.blocks) if stage.blocks else "-",
                f"{100 * stage.params / totals.params:.1f}%" if totals.params else "-",
                Text(bar(stage.params, totals.params), style="cyan"),
                f"{100 * stage.macs / totals.macs:.1f}%" if totals.macs else "-",
                Text(bar(stage.macs, totals.macs), style="green"),
            )
        return table

    def _table(self, title: str, columns) -> Table:
        table = Table(title=title, title_justify="left", header_style="bold")
        for column in columns:
            table.add_column(column, justify="right" if column in NUMERIC else "left", no_wrap=True)
        return table

    def _differs(self, text: str, different: bool):
        """A cell that differs from the first model: yellow on a colour terminal, a '*' otherwise."""
        if not different:
            return text
        return Text(text, style=DIFFERENT) if self.color else f"{text} *"

    def comparison_renderables(self, comparison) -> list:
        stages = self._table(
            "Stages (aligned by stage number; * = differs from model 1)"
            if not self.color
            else "Stages (aligned by stage number; yellow = differs from model 1)",
            COMPARE_COLUMNS,
        )
        for n, row in enumerate(comparison.rows):
            if n:
                stages.add_section()
            first = row.entries[0]
            first_cells = entry_cells(first)
            for i, (report, entry) in enumerate(zip(comparison.reports, row.entries, strict=True)):
                cells = entry_cells(entry)
                if i:
                    cells = [self._differs(c, c != f) for c, f in zip(cells, first_cells, strict=True)]
                stages.add_row(row.label if i == 0 else "", model_label(i, report), *cells)
        totals = self._table("Totals (ratios to model 1)", TOTAL_COLUMNS)
        for i in range(len(comparison.reports)):
            totals.add_row(*total_cells(comparison, i))
        pyramid = self._table(
            f"Pyramid levels ({PYRAMID_TITLES[comparison.reports[0].pyramid_convention]})",
            ["Level"] + [model_label(i, r) for i, r in enumerate(comparison.reports)],
        )
        for n, level in enumerate(comparison.levels):
            cells = [pyramid_cell(r, n) for r in comparison.reports]
            first_shape = (
                comparison.reports[0].pyramid[n].output_shape if n < len(comparison.reports[0].pyramid) else None
            )
            marked = [cells[0]] + [
                self._differs(c, n >= len(r.pyramid) or r.pyramid[n].output_shape != first_shape)
                for c, r in zip(cells[1:], comparison.reports[1:], strict=True)
            ]
            pyramid.add_row(level, *marked)
        header = comparison_header(comparison) + [("Engine", comparison.reports[0].engine)]
        return [_key_value_grid(header), "", stages, "", totals, "", pyramid]

    def scaling_renderables(self, scaling) -> list:
        filters = self._table("round_filters", FILTER_COLUMNS)
        for r in scaling.filters:
            changed = r.rule not in ("nearest multiple",) and not r.rule.startswith("fixed")
            filters.add_row(
                r.row,
                str(r.base),
                exact_text(r.scaled),
                str(r.result),
                Text(r.rule, style="yellow") if changed and self.color else r.rule,
            )
        repeats = self._table("round_repeats", REPEAT_COLUMNS)
        for r in scaling.repeats:
            repeats.add_row(str(r.stage), str(r.base), exact_text(r.scaled), str(r.result), r.rule)
        result = Table(title="Result against the base", title_justify="left", show_header=False)
        result.add_column(style="bold")
        result.add_column()
        for key, value in scaling_result_lines(scaling):
            result.add_row(key, value)
        return [_key_value_grid(scaling_header(scaling)), "", filters, "", repeats, "", result]

    def explanation_renderables(self, explanation) -> list:
        block = explanation.block
        layers = self._table("Layers", LAYER_COLUMNS + ("Share",))
        for layer in block.layers:
            layers.add_row(*layer_cells(layer), share_text(layer.params, block.params))
        why = Table.grid(padding=(0, 1))
        why.add_column()
        why.add_column()
        for reason in explanation.reasons:
            why.add_row("-", reason)
        return [_key_value_grid(explanation_header(explanation)), "", layers, "", Text("Why", style="bold"), why]

    def render_plan(self, result) -> str:
        table = self._table(
            "Frontier: the largest networks within the budget (no other has more params and more MACs)", PLAN_COLUMNS
        )
        for i, candidate in enumerate(result.frontier):
            table.add_row(*plan_cells(i, candidate, result))
        parts = [_key_value_grid(plan_lines(result)), "", table]
        if not result.frontier:
            parts.append(Text("No candidate fits the budget.", style="yellow"))
        return self._print(parts)

    def render_presets(self, entries) -> str:
        table = self._table("Presets (params and MACs at native resolution)", PRESET_COLUMNS)
        table.columns[-1].no_wrap = False
        previous = None
        for entry in entries:
            if previous is not None and entry.family != previous:
                table.add_section()
            previous = entry.family
            table.add_row(*preset_cells(entry))
        return self._print([table])

    def render_explanation(self, explanation) -> str:
        return self._print(self.explanation_renderables(explanation))

    def render_comparison(self, comparison) -> str:
        return self._print(self.comparison_renderables(comparison))

    def render_scaling(self, scaling) -> str:
        return self._print(self.scaling_renderables(scaling))

    def render(self, report: Report) -> str:
        return self._print(self.renderables(report))

    def _print(self, parts) -> str:
        buffer = io.StringIO()
        console = self.recording = Console(
            record=True,
            file=buffer,
            width=self.width or 120,
            force_terminal=self.color,
            no_color=not self.color,
            color_system="standard" if self.color else None,
            highlight=False,
            emoji=False,
        )
        for part in parts:
            console.print(part)
        return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
