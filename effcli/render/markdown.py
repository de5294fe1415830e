"""``--format markdown``: the header, block, pyramid and totals tables as GitHub tables."""

from __future__ import annotations

from effcli.render.common import (
    BLOCK_COLUMNS, PYRAMID_COLUMNS, block_cells, header_lines, int_text, shape_text, totals_lines,
)  # fmt: skip
from effcli.report import Report

RIGHT = {"Kernel", "Stride", "Params", "Drop rate", "Channels"}


def _table(columns, rows) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |"]
    lines.append("|" + "|".join("---:" if c in RIGHT else "---" for c in columns) + "|")
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return lines


class MarkdownRenderer:
    def render(self, report: Report) -> str:
        lines = [f"## {report.name}", ""]
        lines += _table(("", ""), [(f"**{key}**", value) for key, value in header_lines(report)])
        lines += ["", "### Blocks", ""]
        lines += _table(BLOCK_COLUMNS, [block_cells(b) for b in report.blocks])
        lines += ["", "### Pyramid levels", ""]
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
