"""Side-by-side comparison of two or more reports, stage by stage.

Stages line up by number (stage 1 with stage 1, ...); the stem and the top are
rows of their own. A model with fewer stages has no entry in the extra rows.
Pyramid levels line up by level (P1 with P1). Ratios are to the first model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from effcli.core.report import BlockReport, Report


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
            totals["blocks"] = sum(1 for b in report.blocks if b.type not in ("stem", "top"))
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


def _entry(blocks: list[BlockReport]) -> StageEntry:
    types = sorted({b.type for b in blocks}, key=["stem", "fused", "mbconv", "top"].index)
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


def _stage_entries(report: Report) -> tuple[StageEntry, dict[int, StageEntry], StageEntry]:
    stages: dict[int, list[BlockReport]] = {}
    for block in report.blocks[1:-1]:
        stages.setdefault(block.stage, []).append(block)
    return _entry([report.blocks[0]]), {s: _entry(b) for s, b in stages.items()}, _entry([report.blocks[-1]])


def compare(reports: list[Report]) -> Comparison:
    parts = [_stage_entries(r) for r in reports]
    stage_count = max(max(stages, default=0) for _, stages, _ in parts)
    rows = [ComparisonRow("stem", None, tuple(stem for stem, _, _ in parts))]
    for stage in range(1, stage_count + 1):
        rows.append(ComparisonRow(f"stage {stage}", stage, tuple(stages.get(stage) for _, stages, _ in parts)))
    rows.append(ComparisonRow("top", None, tuple(top for _, _, top in parts)))
    return Comparison(reports=tuple(reports), rows=tuple(rows))
