"""The analytic engine: parameters, shapes and MACs counted from the plan, in pure Python.

No tensorflow, no keras. A Conv2D holds k*k*in*out weights (+ out biases), a
DepthwiseConv2D k*k*channels, a BatchNormalization gamma and beta (trainable)
plus moving mean and variance (non-trainable), a Dense layer (the classifier
head's ``predictions``) in*units weights + units biases; every other layer holds none.
MACs: a conv costs k*k*in*out per output position, a depthwise conv k*k*channels,
a Dense layer in*units; BatchNorm, activations, adds, multiplies, pooling and
dropout are not counted.
"""

from __future__ import annotations

from effcli.core.plan import BackbonePlan, LayerPlan
from effcli.core.report import ZERO, BlockMeasure, Count, LayerMeasure, Measurements

NAME = "analytic"


def count_layer(layer: LayerPlan, trainable: bool = True) -> Count:
    if layer.op == "conv":
        weights = layer.kernel_size * layer.kernel_size * layer.input_channels * layer.filters
        count = Count(weights + (layer.filters if layer.use_bias else 0), 0)
    elif layer.op == "dwconv":
        count = Count(layer.kernel_size * layer.kernel_size * layer.input_channels, 0)
    elif layer.op == "bn":
        count = Count(2 * layer.input_channels, 2 * layer.input_channels)
    elif layer.op == "dense":
        count = Count(layer.input_channels * layer.filters + (layer.filters if layer.use_bias else 0), 0)
    else:
        count = ZERO
    if not trainable:
        count = Count(0, count.params)
    return count


def layer_macs(layer: LayerPlan) -> int:
    """Multiply-accumulates of one conv / depthwise conv / Dense layer (bias adds not counted); 0 otherwise."""
    if layer.op == "dense":
        return layer.input_channels * layer.filters
    if layer.op not in ("conv", "dwconv"):
        return 0
    height, width = layer.output_shape[0], layer.output_shape[1]
    per_position = layer.kernel_size * layer.kernel_size * layer.input_channels
    if layer.op == "conv":
        per_position *= layer.filters
    return height * width * per_position


def measure(plan: BackbonePlan) -> Measurements:
    trainable = plan.info.trainable
    blocks = []
    for block in plan.blocks:
        layers = tuple(
            LayerMeasure(
                name=layer.name,
                count=count_layer(layer, trainable),
                output_shape=layer.output_shape,
                macs=layer_macs(layer),
            )
            for layer in block.layers
        )
        total = sum((layer.count for layer in layers), ZERO)
        blocks.append(BlockMeasure(name=block.name, count=total, output_shape=block.output_shape, layers=layers))
    return Measurements(
        engine=NAME,
        blocks=tuple(blocks),
        pyramid_shapes=tuple(tap.output_shape for tap in plan.pyramid),
    )
