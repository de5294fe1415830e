"""``--format csv``: the block table, one row per block (stem and top included)."""

from __future__ import annotations

import csv
import io

from effcli.report import Report

COLUMNS = (
    "name", "stage", "type", "kernel_size", "strides", "expand_ratio", "se_ratio", "se_filters",
    "input_filters", "input_channels", "expanded_filters", "output_filters", "residual",
    "output_height", "output_width", "output_channels", "params", "trainable", "non_trainable",
    "drop_rate",
)  # fmt: skip


class CsvRenderer:
    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for block in report.blocks:
            row = block.to_dict()
            height, width, channels = block.output_shape
            row.update(output_height=height, output_width=width, output_channels=channels)
            writer.writerow(["" if row[c] is None else str(row[c]).lower() if isinstance(row[c], bool) else row[c]
                             for c in COLUMNS])  # fmt: skip
        return buffer.getvalue()
