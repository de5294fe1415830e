"""``--format table``: Rich tables (header, blocks by stage, pyramid, totals)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from effcli.render.common import (
    BLOCK_COLUMNS, PYRAMID_COLUMNS, block_cells, header_lines, int_text, shape_text, totals_lines,
)  # fmt: skip
from effcli.report import Report

NUMERIC = {"Kernel", "Stride", "Expand", "Params", "Drop rate", "Channels"}
TYPE_STYLES = {"stem": "magenta", "top": "magenta", "fused": "cyan", "mbconv": "green"}


def _key_value_grid(rows) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for key, value in rows:
        grid.add_row(key, value)
    return grid


class TableRenderer:
    def __init__(self, *, color: bool = False, width: int | None = None):
        self.color = color
        self.width = width

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
        pyramid = Table(title="Pyramid levels (keras-cv rule)", title_justify="left", header_style="bold")
        for column in PYRAMID_COLUMNS:
            pyramid.add_column(column, justify="right" if column in NUMERIC | {"Stride"} else "left", no_wrap=True)
        for level in report.pyramid:
            pyramid.add_row(
                level.level, level.layer, level.block, shape_text(level.output_shape),
                str(level.stride), int_text(level.channels),
            )  # fmt: skip
        parts: list = [_key_value_grid(header_lines(report)), "", blocks, "", pyramid, ""]
        parts.append(_key_value_grid(totals_lines(report)))
        for message in report.warnings:
            parts.append(Text(f"Warning: {message}", style="yellow"))
        for message in report.notes:
            parts.append(Text(f"Note: {message}", style="dim"))
        return parts

    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=self.width or 120,
            force_terminal=self.color,
            no_color=not self.color,
            color_system="standard" if self.color else None,
            highlight=False,
            emoji=False,
        )
        for part in self.renderables(report):
            console.print(part)
        return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
