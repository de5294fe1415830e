"""``--format csv``: the block table, one row per block (stem and top included)."""

from __future__ import annotations

import csv
import io

from effcli.core.report import Report

COLUMNS = (
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


COMPARE_COLUMNS = (
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
SCALE_COLUMNS = ("table", "row", "base", "scaled", "result", "rule")


def _writer():
    buffer = io.StringIO()
    return buffer, csv.writer(buffer, lineterminator="\n")


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


class CsvRenderer:
    def __init__(self, *, layers: bool = False):
        self.layers = layers

    def _layer_rows(self, writer, blocks) -> None:
        writer.writerow(LAYER_CSV_COLUMNS)
        for block in blocks:
            for layer in block.layers:
                writer.writerow(
                    [
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
                    ]
                )

    def render_plan(self, result) -> str:
        buffer, writer = _writer()
        columns = ("width_coefficient", "depth_coefficient", "resolution", "blocks", "params", "macs")
        writer.writerow(columns)
        for candidate in result.frontier:
            row = candidate.to_dict()
            writer.writerow([row[c] for c in columns])
        return buffer.getvalue()

    def render_presets(self, entries) -> str:
        buffer, writer = _writer()
        columns = (
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
        writer.writerow(columns)
        for entry in entries:
            row = entry.to_dict()
            row["aliases"] = " ".join(row["aliases"])
            writer.writerow([row[c] for c in columns])
        return buffer.getvalue()

    def render_explanation(self, explanation) -> str:
        """The block's layers, one line each."""
        buffer, writer = _writer()
        self._layer_rows(writer, [explanation.block])
        return buffer.getvalue()

    def render_comparison(self, comparison) -> str:
        """The stage table, one line per (row, model)."""
        buffer, writer = _writer()
        writer.writerow(COMPARE_COLUMNS)
        for row in comparison.rows:
            for report, entry in zip(comparison.reports, row.entries, strict=True):
                if entry is None:
                    continue
                height, width, channels = entry.output_shape
                writer.writerow(
                    [
                        row.label,
                        "" if row.stage is None else row.stage,
                        report.name,
                        entry.type,
                        entry.kernel_size,
                        entry.strides,
                        entry.repeats,
                        entry.output_filters,
                        height,
                        width,
                        channels,
                        entry.params,
                        entry.macs,
                    ]
                )
        return buffer.getvalue()

    def render_scaling(self, scaling) -> str:
        """The round_filters and round_repeats tables, one line per decision."""
        buffer, writer = _writer()
        writer.writerow(SCALE_COLUMNS)
        for row in scaling.filters:
            writer.writerow(
                [
                    "round_filters",
                    row.row,
                    row.base,
                    "" if row.scaled is None else repr(row.scaled),
                    row.result,
                    row.rule,
                ]
            )
        for row in scaling.repeats:
            writer.writerow(["round_repeats", f"stage {row.stage}", row.base, repr(row.scaled), row.result, row.rule])
        return buffer.getvalue()

    def render(self, report: Report) -> str:
        buffer, writer = _writer()
        if self.layers:  # one line per Keras layer
            self._layer_rows(writer, report.blocks)
            return buffer.getvalue()
        writer.writerow(COLUMNS)
        for block in report.blocks:
            row = block.to_dict()
            height, width, channels = block.output_shape
            row.update(output_height=height, output_width=width, output_channels=channels)
            writer.writerow(
                ["" if row[c] is None else str(row[c]).lower() if isinstance(row[c], bool) else row[c] for c in COLUMNS]
            )
        return buffer.getvalue()
