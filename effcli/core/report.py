"""The report: what every view is built from and what ``--format json`` emits.

Engines measure a block plan (``Measurements``); :func:`assemble` joins the plan's
structure with those numbers. The JSON layout (``Report.to_dict``) is a stable
contract: keys are only ever added.
"""

from __future__ import annotations

import math
from typing import Any

from effcli.core.plan import STAGE_KINDS, BackbonePlan, Shape
from effcli.core.spec import Published
from effcli.records import record

BYTES_PER_PARAM = 4  # float32
BYTES_PER_ACTIVATION = 4  # float32, batch 1
KERAS_CLASSES = {
    "conv": "Conv2D",
    "dwconv": "DepthwiseConv2D",
    "bn": "BatchNormalization",
    "activation": "Activation",
    "pad": "ZeroPadding2D",
    "pool": "GlobalAveragePooling2D",
    "reshape": "Reshape",
    "multiply": "Multiply",
    "dropout": "Dropout",
    "add": "Add",
    "rescaling": "Rescaling",
    "dense": "Dense",
}


@record
class Count:
    """Parameters of one layer or block, as an engine measured them."""

    trainable: int
    non_trainable: int

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    def __add__(self, other: Count) -> Count:
        return Count(self.trainable + other.trainable, self.non_trainable + other.non_trainable)


ZERO = Count(0, 0)


@record
class LayerMeasure:
    name: str
    count: Count
    output_shape: tuple[int, ...]
    macs: int  # multiply-accumulates of a conv / depthwise conv, 0 for every other layer


@record
class BlockMeasure:
    name: str
    count: Count
    output_shape: Shape
    layers: tuple[LayerMeasure, ...]

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)


@record
class Measurements:
    """What an engine read off (or computed for) a plan."""

    engine: str
    blocks: tuple[BlockMeasure, ...]
    pyramid_shapes: tuple[Shape, ...]  # one per plan.pyramid tap


@record
class LayerReport:
    name: str
    op: str
    output_shape: tuple[int, ...]
    params: int
    trainable: int
    non_trainable: int
    macs: int
    kernel_size: int = 0  # convolutions only
    strides: int = 1
    role: str = ""  # what the layer does in its block (effcli.core.plan.LayerPlan.role)

    @property
    def keras_class(self) -> str:
        return KERAS_CLASSES.get(self.op, self.op)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class": self.keras_class,
            "kernel_size": self.kernel_size or None,
            "strides": self.strides if self.kernel_size else None,
            "output_shape": list(self.output_shape),
            "params": self.params,
            "trainable": self.trainable,
            "non_trainable": self.non_trainable,
            "macs": self.macs,
            "role": self.role,
        }


@record
class BlockReport:
    name: str
    stage: int
    type: str
    input_filters: int
    input_channels: int
    output_filters: int
    expanded_filters: int
    se_filters: int
    kernel_size: int
    strides: int
    expand_ratio: int | None
    se_ratio: float | None
    residual: bool
    output_shape: Shape
    params: int
    trainable: int
    non_trainable: int
    macs: int
    drop_rate: float | None
    layers: tuple[LayerReport, ...]

    @property
    def activation_bytes(self) -> int:
        """float32 size of the block's output tensor at batch 1."""
        return math.prod(self.output_shape) * BYTES_PER_ACTIVATION

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.stage,
            "type": self.type,
            "input_filters": self.input_filters,
            "input_channels": self.input_channels,
            "output_filters": self.output_filters,
            "expanded_filters": self.expanded_filters,
            "se_filters": self.se_filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "expand_ratio": self.expand_ratio,
            "se_ratio": self.se_ratio,
            "residual": self.residual,
            "output_shape": list(self.output_shape),
            "params": self.params,
            "trainable": self.trainable,
            "non_trainable": self.non_trainable,
            "macs": self.macs,
            "activation_bytes": self.activation_bytes,
            "drop_rate": None if self.drop_rate is None else round(self.drop_rate, 6),
        }


@record
class PyramidLevel:
    level: str
    layer: str
    block: str
    output_shape: Shape
    stride: int

    @property
    def channels(self) -> int:
        return self.output_shape[2]

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "layer": self.layer,
            "block": self.block,
            "output_shape": list(self.output_shape),
            "stride": self.stride,
            "channels": self.channels,
        }


@record
class Totals:
    params: int
    trainable: int
    non_trainable: int
    macs: int = 0
    activation_bytes: int = 0  # sum of the block outputs (stem and top included), float32, batch 1

    @property
    def size_mb(self) -> float:
        """float32 size in MB (1 MB = 2**20 bytes, as Keras' summary counts)."""
        return self.params * BYTES_PER_PARAM / 2**20

    @property
    def gmacs(self) -> float:
        return self.macs / 1e9

    @property
    def activation_mb(self) -> float:
        return self.activation_bytes / 2**20

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": self.params,
            "trainable": self.trainable,
            "non_trainable": self.non_trainable,
            "size_mb": round(self.size_mb, 2),
            "macs": self.macs,
            "gmacs": round(self.gmacs, 4),
            "activation_bytes": self.activation_bytes,
            "activation_mb": round(self.activation_mb, 2),
        }


@record
class Report:
    name: str
    family: str
    family_title: str
    source: str
    engine: str
    input_shape: Shape
    width_coefficient: float | None  # None for a saved model (not recorded in it)
    depth_coefficient: float | None
    depth_divisor: int | None
    min_depth: int | None
    activation: str
    drop_rate: float | None
    blocks: tuple[BlockReport, ...]
    pyramid: tuple[PyramidLevel, ...]
    totals: Totals
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    pyramid_convention: str = "keras"
    published: Published | None = None  # a preset's published accuracy (ModelInfo.published)
    classes: int | None = None  # the classifier head's units (--classes); None without a head
    native_resolution: int | None = None  # the config's native resolution (ModelInfo.native_resolution)
    default_size: tuple[int, int, str] | None = None  # the input without --resolution (ModelInfo.default_size)

    @property
    def block_count(self) -> int:
        """The blocks of the stages: neither the stem, the top nor a classification head."""
        return sum(1 for block in self.blocks if block.type in STAGE_KINDS)

    def to_dict(self, *, layers: bool = False) -> dict[str, Any]:
        """The JSON contract; ``layers`` adds each block's Keras layers (`summary --layers`)."""
        blocks = [block.to_dict() for block in self.blocks]
        if layers:
            for entry, block in zip(blocks, self.blocks, strict=True):
                entry["layers"] = [layer.to_dict() for layer in block.layers]
        return {
            "name": self.name,
            "family": self.family,
            "input_shape": list(self.input_shape),
            "native_resolution": self.native_resolution,
            "width_coefficient": self.width_coefficient,
            "depth_coefficient": self.depth_coefficient,
            "depth_divisor": self.depth_divisor,
            "min_depth": self.min_depth,
            "activation": self.activation,
            "drop_rate": self.drop_rate,
            "classes": self.classes,
            "totals": self.totals.to_dict(),
            "blocks": blocks,
            "pyramid_convention": self.pyramid_convention,
            "pyramid": [level.to_dict() for level in self.pyramid],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "published": None if self.published is None else self.published.to_dict(),
        }


def assemble(plan: BackbonePlan, measured: Measurements) -> Report:
    """Join the plan's structure with an engine's numbers (a config's plan or a saved model's)."""
    info = plan.info
    blocks = []
    for block, measure in zip(plan.blocks, measured.blocks, strict=True):
        layers = tuple(
            LayerReport(
                name=layer.name,
                op=plan_layer.op,
                output_shape=layer.output_shape,
                params=layer.count.params,
                trainable=layer.count.trainable,
                non_trainable=layer.count.non_trainable,
                macs=layer.macs,
                kernel_size=plan_layer.kernel_size,
                strides=plan_layer.strides,
                role=plan_layer.role,
            )
            for plan_layer, layer in zip(block.layers, measure.layers, strict=True)
        )
        blocks.append(
            BlockReport(
                name=block.name,
                stage=block.stage,
                type=block.kind,
                input_filters=block.input_filters,
                input_channels=block.input_channels,
                output_filters=block.output_filters,
                expanded_filters=block.expanded_filters,
                se_filters=block.se_filters,
                kernel_size=block.kernel_size,
                strides=block.strides,
                expand_ratio=block.expand_ratio,
                se_ratio=block.se_ratio,
                residual=block.residual,
                output_shape=measure.output_shape,
                params=measure.count.params,
                trainable=measure.count.trainable,
                non_trainable=measure.count.non_trainable,
                macs=measure.macs,
                drop_rate=block.drop_rate,
                layers=layers,
            )
        )
    pyramid = tuple(
        PyramidLevel(level=tap.level, layer=tap.layer, block=tap.block, output_shape=shape, stride=tap.stride)
        for tap, shape in zip(plan.pyramid, measured.pyramid_shapes, strict=True)
    )
    total = sum((m.count for m in measured.blocks), ZERO)
    return Report(
        name=info.name,
        family=info.family,
        family_title=info.family_title,
        source=info.source,
        engine=measured.engine,
        input_shape=plan.input_shape,
        width_coefficient=info.width_coefficient,
        depth_coefficient=info.depth_coefficient,
        depth_divisor=info.depth_divisor,
        min_depth=info.min_depth,
        activation=info.activation,
        drop_rate=info.drop_rate,
        blocks=tuple(blocks),
        pyramid=pyramid,
        totals=Totals(
            params=total.params,
            trainable=total.trainable,
            non_trainable=total.non_trainable,
            macs=sum(b.macs for b in blocks),
            activation_bytes=sum(b.activation_bytes for b in blocks),
        ),
        warnings=plan.warnings,
        notes=plan.notes,
        pyramid_convention=plan.pyramid_convention,
        published=info.published,
        classes=plan.classes,
        native_resolution=info.native_resolution,
        default_size=info.default_size,
    )
