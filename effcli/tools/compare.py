"""Side-by-side comparison of two or more reports, stage by stage.

Stages line up by number (stage 1 with stage 1, ...); the stem and the top are
rows of their own. A model with fewer stages has no entry in the extra rows.
Pyramid levels line up by level (P1 with P1). Ratios are to the first model.
"""

from __future__ import annotations

from typing import Any

from effcli.core.report import BlockReport, Report
from effcli.records import record


@record
class StageEntry:
    """One model's share of one comparison row."""

    type: str  # "stem", "top", "fused", "mbconv", or "fused+mbconv" for a mixed custom stage
    kernel_size: int
    strides: int
    repeats: int
    output_filters: int
    output_shape: tuple[int, int, int]
    params: int
    macs: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "repeats": self.repeats,
            "output_filters": self.output_filters,
            "output_shape": list(self.output_shape),
            "params": self.params,
            "macs": self.macs,
        }

    def key(self) -> tuple:
        """What counts as 'the same' for highlighting differences."""
        return (self.type, self.kernel_size, self.strides, self.repeats, self.output_filters, self.params, self.macs)


@record
class ComparisonRow:
    label: str  # "stem", "stage 1", ..., "top"
    stage: int | None  # None for stem and top
    entries: tuple[StageEntry | None, ...]  # one per model

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.label,
            "stage": self.stage,
            "models": [None if e is None else e.to_dict() for e in self.entries],
        }


@record
class Comparison:
    reports: tuple[Report, ...]
    rows: tuple[ComparisonRow, ...]

    @property
    def levels(self) -> list[str]:
        count = max(len(r.pyramid) for r in self.reports)
        return [f"P{i + 1}" for i in range(count)]

    def ratio(self, index: int, attribute: str) -> float:
        first = getattr(self.reports[0].totals, attribute)
        return getattr(self.reports[index].totals, attribute) / first if first else float("nan")

    def to_dict(self) -> dict[str, Any]:
        models = []
        for i, report in enumerate(self.reports):
            totals = report.totals.to_dict()
            totals["blocks"] = report.block_count
            totals["params_ratio"] = round(self.ratio(i, "params"), 4)
            totals["macs_ratio"] = round(self.ratio(i, "macs"), 4)
            models.append(
                {
                    "name": report.name,
                    "family": report.family,
                    "input_shape": list(report.input_shape),
                    "width_coefficient": report.width_coefficient,
                    "depth_coefficient": report.depth_coefficient,
                    "totals": totals,
                    "published": None if report.published is None else report.published.to_dict(),
                }
            )
        pyramid = []
        for index, level in enumerate(self.levels):
            pyramid.append(
                {
                    "level": level,
                    "models": [
                        None
                        if index >= len(r.pyramid)
                        else {
                            "layer": r.pyramid[index].layer,
                            "output_shape": list(r.pyramid[index].output_shape),
                            "stride": r.pyramid[index].stride,
                            "channels": r.pyramid[index].channels,
                        }
                        for r in self.reports
                    ],
                }
            )
        return {
            "models": models,
            "stages": [row.to_dict() for row in self.rows],
            "pyramid": pyramid,
        }


TYPE_ORDER = ("stem", "fused", "mbconv", "top", "head")


def _entry(blocks: list[BlockReport]) -> StageEntry:
    types = sorted({b.type for b in blocks}, key=TYPE_ORDER.index)
    first = blocks[0]
    return StageEntry(
        type="+".join(types),
        kernel_size=first.kernel_size,
        strides=first.strides,
        repeats=len(blocks),
        output_filters=blocks[-1].output_filters,
        output_shape=blocks[-1].output_shape,
        params=sum(b.params for b in blocks),
        macs=sum(b.macs for b in blocks),
    )


def _row_key(block: BlockReport) -> tuple[int, int]:
    """Where a block's row sits: the stem, the stages by number, the top, a classifier head."""
    if block.type in ("stem", "top", "head"):
        return ({"stem": 0, "top": 2, "head": 3}[block.type], 0)
    return (1, block.stage)


def _row_label(row_key: tuple[int, int]) -> tuple[str, int | None]:
    group, stage = row_key
    if group == 1:
        return f"stage {stage}", stage
    return ("stem", "", "top", "head")[group], None


def compare(reports: list[Report]) -> Comparison:
    """Stage by stage: rows for the stem, stages 1..n (by number), the top, and a head if a model has one."""
    groups: list[dict[tuple[int, int], list[BlockReport]]] = []
    for report in reports:
        rows: dict[tuple[int, int], list[BlockReport]] = {}
        for block in report.blocks:
            rows.setdefault(_row_key(block), []).append(block)
        groups.append(rows)
    stage_count = max((key[1] for rows in groups for key in rows if key[0] == 1), default=0)
    keys = [(0, 0), *((1, s) for s in range(1, stage_count + 1)), (2, 0)]
    if any((3, 0) in rows for rows in groups):
        keys.append((3, 0))
    result = []
    for key in keys:
        label, stage = _row_label(key)
        entries = tuple(_entry(rows[key]) if key in rows else None for rows in groups)
        result.append(ComparisonRow(label, stage, entries))
    return Comparison(reports=tuple(reports), rows=tuple(result))
