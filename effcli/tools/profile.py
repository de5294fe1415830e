"""`effcli profile`: measured speed per block, next to the MACs the analytic engine counts.

Whatever the user named becomes a plan (a preset, an alias or a YAML config through
``make_plan``; a ``.keras`` file through the saved-model reader, whose archive checks
run before Keras is imported); the build guard runs; then
:func:`effcli.engines.timing.time_plan` times every block alone and the whole network
on TensorFlow. This module holds the statistics: median and interquartile range per
block, each block's share of the blocks' total, achieved GMAC/s, images per second,
and the Fused-MBConv versus MBConv rates (the EfficientNetV2 paper's point: in the
early stages a fused block does more MACs per second than a depthwise one).

The sum of the blocks' medians is not the whole network's median: each block timed
alone pays a tf.function call, a read of its output and the wake-up of TensorFlow's
threads of its own, and cannot overlap with its neighbours. The smaller the blocks,
the larger that share. On a 2-core CPU the ratio came out 1.1-1.4 for EfficientNetV2-B0
at 224x224, 1.1-1.9 for EfficientNetV2-S and 0.84-2.4 for the tiny_v2 example at
160x160, the high ones with few runs on a busy machine (bench/bench_profile.py prints
the figures). :data:`SUM_RATIO_RANGE` is the documented tolerance.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from effcli.core.plan import BackbonePlan
from effcli.core.report import Report
from effcli.engines.timing import Environment
from effcli.records import record

# The sum of the blocks' medians over the whole network's median is expected in this range
# (bench/bench_profile.py; docs/commands.md, "effcli profile").
SUM_RATIO_RANGE = (0.75, 2.5)
DEVICES = ("cpu", "gpu")


@record
class Spread:
    """The median and the interquartile range of a series of times, in milliseconds."""

    median: float
    q1: float
    q3: float
    low: float  # the fastest run
    high: float  # the slowest run

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        ms = sorted(1000.0 * s for s in seconds)
        if len(ms) == 1:
            q1 = q3 = ms[0]
        else:
            q1, _, q3 = statistics.quantiles(ms, n=4, method="inclusive")
        return cls(statistics.median(ms), q1, q3, ms[0], ms[-1])

    def to_dict(self) -> dict[str, float]:
        return {
            "ms_median": round(self.median, 6),
            "ms_q1": round(self.q1, 6),
            "ms_q3": round(self.q3, 6),
            "ms_min": round(self.low, 6),
            "ms_max": round(self.high, 6),
        }


@record
class BlockTiming:
    name: str
    stage: int
    type: str
    macs: int  # per image
    spread: Spread
    share: float  # of the sum of the blocks' medians
    batch: int

    @property
    def gmacs_per_s(self) -> float:
        """MACs done per second: the block's MACs times the batch over its median time."""
        return self.macs * self.batch / (self.spread.median / 1000.0) / 1e9 if self.spread.median > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.stage,
            "type": self.type,
            **self.spread.to_dict(),
            "share": round(self.share, 9),
            "macs": self.macs,
            "gmacs_per_s": round(self.gmacs_per_s, 6),
        }


@record
class TypeRate:
    """The achieved MAC rate of one kind of block: the mean over its blocks and the total MACs / total time."""

    type: str
    blocks: int
    mean_gmacs_per_s: float
    overall_gmacs_per_s: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "blocks": self.blocks,
            "mean_gmacs_per_s": round(self.mean_gmacs_per_s, 6),
            "overall_gmacs_per_s": round(self.overall_gmacs_per_s, 6),
        }


@record
class Profile:
    name: str
    source: str
    input_shape: tuple[int, int, int]
    batch: int
    runs: int
    warmup: int
    jit: bool
    environment: Environment
    blocks: tuple[BlockTiming, ...]
    whole: Spread
    macs: int  # the whole network's, per image
    warnings: tuple[str, ...] = ()

    @property
    def tolerance(self) -> tuple[float, float]:
        return SUM_RATIO_RANGE

    @property
    def sum_of_blocks_ms(self) -> float:
        return sum(block.spread.median for block in self.blocks)

    @property
    def sum_ratio(self) -> float:
        """The sum of the blocks' medians over the whole network's median."""
        return self.sum_of_blocks_ms / self.whole.median

    @property
    def within_tolerance(self) -> bool:
        low, high = SUM_RATIO_RANGE
        return low <= self.sum_ratio <= high

    @property
    def images_per_s(self) -> float:
        return self.batch / (self.whole.median / 1000.0)

    @property
    def whole_gmacs_per_s(self) -> float:
        return self.macs * self.batch / (self.whole.median / 1000.0) / 1e9

    def rates(self) -> tuple[TypeRate, ...]:
        """Fused-MBConv and MBConv blocks' MAC rates (a kind without blocks is left out)."""
        found = []
        for kind in ("fused", "mbconv"):
            blocks = [b for b in self.blocks if b.type == kind]
            if not blocks:
                continue
            mean = statistics.fmean(b.gmacs_per_s for b in blocks)
            seconds = sum(b.spread.median for b in blocks) / 1000.0
            overall = sum(b.macs for b in blocks) * self.batch / seconds / 1e9
            found.append(TypeRate(kind, len(blocks), mean, overall))
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        env = self.environment
        return {
            "profile": {
                "name": self.name,
                "source": self.source,
                "device": env.device,
                "device_name": env.device_name,
                "device_detail": env.device_detail,
                "threads": {
                    "intra_op": env.intra_op_threads,
                    "inter_op": env.inter_op_threads,
                    "default": env.threads_default,
                },
                "tensorflow": env.tensorflow,
                "keras": env.keras,
                "batch": self.batch,
                "input_shape": [self.batch, *self.input_shape],
                "runs": self.runs,
                "warmup": self.warmup,
                "jit": self.jit,
                "spread": "interquartile range (ms_q1..ms_q3); ms_min and ms_max are the fastest and slowest runs",
                "blocks": [block.to_dict() for block in self.blocks],
                "whole": {
                    **self.whole.to_dict(),
                    "images_per_s": round(self.images_per_s, 6),
                    "macs": self.macs,
                    "gmacs_per_s": round(self.whole_gmacs_per_s, 6),
                },
                "sum_of_blocks_ms": round(self.sum_of_blocks_ms, 6),
                "sum_ratio": round(self.sum_ratio, 6),
                "sum_ratio_range": list(SUM_RATIO_RANGE),
                "rates": [rate.to_dict() for rate in self.rates()],
                "warnings": list(self.warnings),
            }
        }


def _plan_and_report(target: str, resolution: str | None, *, force: bool) -> tuple[BackbonePlan, Report]:
    from effcli.core.report import assemble

    if target.lower().endswith(".keras"):
        from effcli.config.grammar import saved_model_size
        from effcli.engines.saved_model import read_saved_model

        plan, measured = read_saved_model(Path(target), saved_model_size(resolution), force=force)
        return plan, assemble(plan, measured)
    from effcli.config.grammar import input_shape
    from effcli.config.presets import resolve
    from effcli.core.plan import make_plan
    from effcli.engines import analytic

    spec = resolve(target)
    plan = make_plan(spec, input_shape(spec, resolution))
    return plan, assemble(plan, analytic.measure(plan))


def profile(
    target: str,
    resolution: str | None,
    *,
    batch: int,
    runs: int,
    warmup: int,
    device: str = "cpu",
    jit: bool = False,
    threads: int | None = None,
    force: bool = False,
    progress: Callable[[str, int], None] = lambda label, advance: None,
    on_plan: Callable[[BackbonePlan], None] = lambda plan: None,
) -> Profile:
    """Time ``target`` per block and as one model (see the module's documentation)."""
    from effcli.engines.guard import check_keras_build
    from effcli.engines.timing import time_plan

    plan, report = _plan_and_report(target, resolution, force=force)
    check_keras_build(plan, materialize=True, force=force)
    on_plan(plan)
    timings = time_plan(
        plan, batch=batch, runs=runs, warmup=warmup, device=device, jit=jit, threads=threads, progress=progress
    )
    spreads = [Spread.of(times) for times in timings.blocks]
    total = sum(s.median for s in spreads)
    blocks = tuple(
        BlockTiming(b.name, b.stage, b.type, b.macs, s, s.median / total if total else 0.0, batch)
        for b, s in zip(report.blocks, spreads, strict=True)
    )
    return Profile(
        name=report.name,
        source=report.source,
        input_shape=plan.input_shape,
        batch=batch,
        runs=runs,
        warmup=warmup,
        jit=jit,
        environment=timings.environment,
        blocks=blocks,
        whole=Spread.of(timings.whole),
        macs=report.totals.macs,
        warnings=tuple(report.warnings),
    )
