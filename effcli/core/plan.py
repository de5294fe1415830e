"""Spec -> the concrete block plan: every block, every Keras layer, every pyramid tap.

``make_plan`` is the only place the family rules of DESIGN.md are applied
(rounding, Lite's fixed stem/top and unscaled end stages, declared versus actual
channels, residual tests, drop rates, layer names, pyramid taps). Every engine
consumes its result, so engines can only disagree about counting, never about
structure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from effcli.core.families import FAMILIES, TOP_BASE_FILTERS, FamilyRules, round_filters, stage_repeats
from effcli.core.limits import MAX_BLOCKS
from effcli.core.spec import BackboneSpec
from effcli.errors import EffcliError

Shape = tuple[int, int, int]


@dataclass(frozen=True)
class LayerPlan:
    """One Keras layer: what it is, its channels and the shape it produces."""

    name: str
    op: str  # conv | dwconv | bn | activation | pad | pool | reshape | multiply | dropout | add | rescaling
    output_shape: tuple[int, ...]  # (H, W, C); (C,) after global pooling
    input_channels: int = 0
    filters: int = 0  # output channels of a conv
    kernel_size: int = 0
    strides: int = 1
    use_bias: bool = False
    padding: str = "same"  # conv padding; for op == "pad": the explicit padding below
    pad: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    activation: str = ""  # for op == "activation" and for convs with a fused activation
    rate: float = 0.0  # dropout rate


@dataclass(frozen=True)
class BlockPlan:
    """One row of the summary: the stem, a block, or the top."""

    name: str  # "stem", "block1a", ..., "top"
    kind: str  # "stem" | "fused" | "mbconv" | "top"
    stage: int  # 0 for the stem, 1..n for the stages, n + 1 for the top
    input_filters: int  # declared (width-rounded config value)
    input_channels: int  # of the tensor that actually arrives
    output_filters: int
    expanded_filters: int  # declared input_filters * expand_ratio
    se_filters: int  # 0 without squeeze-excite
    kernel_size: int
    strides: int
    expand_ratio: int | None
    se_ratio: float | None
    drop_rate: float | None
    residual: bool
    input_shape: Shape
    output_shape: Shape
    layers: tuple[LayerPlan, ...]
    output_layer: str  # the model-level Keras layer whose output leaves this block
    keras_layer: str | None  # V2 blocks are one Keras layer of their own (keras-cv: "block1a_")


@dataclass(frozen=True)
class PyramidTap:
    level: str  # "P1", "P2", ...
    block: str  # the block whose output is tapped
    layer: str  # model-level Keras layer name
    output_shape: Shape
    stride: int  # input size / output size, cumulative strides


@dataclass(frozen=True)
class BackbonePlan:
    spec: BackboneSpec
    input_shape: Shape
    blocks: tuple[BlockPlan, ...]
    pyramid: tuple[PyramidTap, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    pyramid_convention: str = "keras"


def block_letters(index: int) -> str:
    """keras-cv's per-repeat letter: a..z, then aa, ab, ... (keras-cv itself breaks past z)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(97 + rest) + letters
    return letters


def _down(size: int, strides: int) -> int:
    return math.ceil(size / strides)


def _bn(name: str, shape: Shape) -> LayerPlan:
    return LayerPlan(name=name, op="bn", output_shape=shape, input_channels=shape[2])


def _act(name: str, shape: Shape, activation: str) -> LayerPlan:
    return LayerPlan(name=name, op="activation", output_shape=shape, activation=activation)


def _spatial(shape_in: Shape, kernel: int, strides: int, padding: str) -> tuple[int, int]:
    """Output height and width of a convolution ("same": ceil(H / stride); "valid": no padding)."""
    h, w, _ = shape_in
    if padding == "same":
        return _down(h, strides), _down(w, strides)
    return (h - kernel) // strides + 1, (w - kernel) // strides + 1


def _conv(
    name: str,
    shape_in: Shape,
    filters: int,
    kernel: int,
    strides: int = 1,
    *,
    use_bias: bool = False,
    padding: str = "same",
    activation: str = "",
) -> LayerPlan:
    return LayerPlan(
        name=name,
        op="conv",
        output_shape=(*_spatial(shape_in, kernel, strides, padding), filters),
        input_channels=shape_in[2],
        filters=filters,
        kernel_size=kernel,
        strides=strides,
        use_bias=use_bias,
        padding=padding,
        activation=activation,
    )


def _dwconv(name: str, shape_in: Shape, kernel: int, strides: int, padding: str = "same") -> LayerPlan:
    channels = shape_in[2]
    return LayerPlan(
        name=name,
        op="dwconv",
        output_shape=(*_spatial(shape_in, kernel, strides, padding), channels),
        input_channels=channels,
        filters=channels,
        kernel_size=kernel,
        strides=strides,
        padding=padding,
    )


def _pad(name: str, shape_in: Shape, kernel: int) -> LayerPlan:
    """keras' correct_pad: ZeroPadding2D that makes a valid stride-2 conv give ceil(H / 2)."""
    h, w, c = shape_in
    adjust = (1 - h % 2, 1 - w % 2)
    half = kernel // 2
    pad = ((half - adjust[0], half), (half - adjust[1], half))
    out = (h + sum(pad[0]), w + sum(pad[1]), c)
    return LayerPlan(name=name, op="pad", output_shape=out, input_channels=c, pad=pad)


def _squeeze_excite(prefix: str, shape: Shape, se_filters: int, expanded: int, activation: str):
    channels = shape[2]
    return [
        LayerPlan(name=prefix + "se_squeeze", op="pool", output_shape=(channels,)),  # pooled to a vector
        LayerPlan(name=prefix + "se_reshape", op="reshape", output_shape=(1, 1, channels)),
        _conv(prefix + "se_reduce", (1, 1, channels), se_filters, 1, use_bias=True, activation=activation),
        _conv(prefix + "se_expand", (1, 1, se_filters), expanded, 1, use_bias=True, activation="sigmoid"),
        LayerPlan(name=prefix + "se_excite", op="multiply", output_shape=shape),
    ]


def _block_layers(
    rules: FamilyRules,
    kind: str,
    prefix: str,
    shape_in: Shape,
    *,
    declared_in: int,
    output_filters: int,
    expand_ratio: int,
    kernel: int,
    strides: int,
    se_filters: int,
    residual: bool,
    drop_rate: float,
    activation: str,
) -> list[LayerPlan]:
    """The Keras layers of one block, named as keras-cv names them."""
    layers: list[LayerPlan] = []
    expanded = declared_in * expand_ratio
    shape = shape_in
    v2 = rules.name == "efficientnetv2"
    if kind == "fused":
        # Fused-MBConv: a kxk conv does the expansion (and the stride); with
        # expand_ratio 1 the kxk project conv takes the stride (keras.applications;
        # keras-cv 0.9 drops it there, see README "Deliberate differences").
        if expand_ratio != 1:
            layers.append(_conv(prefix + "expand_conv", shape, expanded, kernel, strides))
            shape = layers[-1].output_shape
            layers.append(_bn(prefix + "expand_bn", shape))
            layers.append(_act(prefix + "expand_activation", shape, activation))
        if se_filters:
            layers += _squeeze_excite(prefix, shape, se_filters, expanded, activation)
        if expand_ratio != 1:
            layers.append(_conv(prefix + "project_conv", shape, output_filters, 1))
        else:
            layers.append(_conv(prefix + "project_conv", shape, output_filters, kernel, strides))
        shape = layers[-1].output_shape
        layers.append(_bn(prefix + "project_bn", shape))
        if expand_ratio == 1:  # keras-cv reuses its expand activation layer here
            layers.append(_act(prefix + "expand_activation", shape, activation))
    else:
        if expand_ratio != 1:
            layers.append(_conv(prefix + "expand_conv", shape, expanded, 1))
            shape = layers[-1].output_shape
            layers.append(_bn(prefix + "expand_bn", shape))
            layers.append(_act(prefix + ("activation" if v2 else "expand_activation"), shape, activation))
        padding = "same"
        if rules.explicit_padding and strides == 2:
            layers.append(_pad(prefix + "dwconv_pad", shape, kernel))
            shape = layers[-1].output_shape
            padding = "valid"
        dw_name = "dwconv2" if v2 else "dwconv"
        layers.append(_dwconv(prefix + dw_name, shape, kernel, strides, padding))
        shape = layers[-1].output_shape
        if v2:
            layers.append(_bn(prefix + "bn", shape))
            layers.append(_act(prefix + "activation", shape, activation))
        elif rules.has_se:  # V1
            layers.append(_bn(prefix + "dwconv_bn", shape))
            layers.append(_act(prefix + "dwconv_activation", shape, activation))
        else:  # Lite
            layers.append(_bn(prefix + "bn", shape))
            layers.append(_act(prefix + "activation", shape, activation))
        if se_filters:
            layers += _squeeze_excite(prefix, shape, se_filters, expanded, activation)
        project_kernel = 1 if (expand_ratio != 1 or not v2) else kernel
        project_name = "project" if (rules.has_se and not v2) else "project_conv"
        layers.append(_conv(prefix + project_name, shape, output_filters, project_kernel))
        shape = layers[-1].output_shape
        layers.append(_bn(prefix + "project_bn", shape))
    if residual:
        if drop_rate > 0:
            layers.append(LayerPlan(name=prefix + "drop", op="dropout", output_shape=shape, rate=drop_rate))
        layers.append(LayerPlan(name=prefix + "add", op="add", output_shape=shape))
    return layers


def is_residual(strides: int, declared_in: int, output_filters: int) -> bool:
    """keras-cv's test: stride 1 and declared input filters == output filters."""
    return strides == 1 and declared_in == output_filters


def block_layers_for(
    family: str,
    kind: str,
    prefix: str,
    *,
    input_channels: int,
    declared_in: int,
    output_filters: int,
    expand_ratio: int,
    kernel_size: int,
    strides: int,
    se_filters: int,
    drop_rate: float,
    activation: str,
    spatial: tuple[int, int] = (1, 1),
) -> tuple[LayerPlan, ...]:
    """The layers of one block from its settings alone (the Keras engine's V2 block uses this)."""
    return tuple(
        _block_layers(
            FAMILIES[family],
            kind,
            prefix,
            (spatial[0], spatial[1], input_channels),
            declared_in=declared_in,
            output_filters=output_filters,
            expand_ratio=expand_ratio,
            kernel=kernel_size,
            strides=strides,
            se_filters=se_filters,
            residual=is_residual(strides, declared_in, output_filters),
            drop_rate=drop_rate,
            activation=activation,
        )
    )


PYRAMID_CONVENTIONS = ("keras", "timm")


def make_plan(spec: BackboneSpec, input_shape: Shape, *, pyramid: str = "keras") -> BackbonePlan:
    """The concrete block plan of ``spec`` for an input of ``input_shape`` (H, W, C).

    ``pyramid`` picks the feature-pyramid taps: "keras" (keras-cv: the tensor
    entering every stride-2 block, then the top activation) or "timm" (the same
    stage ends, but the last level is the last block's output, not the head).
    """
    if pyramid not in PYRAMID_CONVENTIONS:
        raise EffcliError(f"unknown convention '{pyramid}'; valid: keras, timm", source="--pyramid")
    rules = spec.rules

    def rf(filters: int) -> int:
        return round_filters(
            filters,
            rules=rules,
            width_coefficient=spec.width_coefficient,
            depth_divisor=spec.depth_divisor,
            min_depth=spec.min_depth,
        )

    warnings: list[str] = []
    notes: list[str] = []
    blocks: list[BlockPlan] = []
    pyramid_taps: list[PyramidTap] = []
    height, width, channels = input_shape

    # Stem
    stem_filters = rules.fixed_stem_filters or rf(spec.stages[0].input_filters)
    shape: Shape = (height, width, channels)
    layers: list[LayerPlan] = []
    if spec.include_rescaling:
        layers.append(LayerPlan(name="rescaling", op="rescaling", output_shape=shape))
    if rules.explicit_padding:
        layers.append(_pad("stem_conv_pad", shape, 3))
        layers.append(_conv("stem_conv", layers[-1].output_shape, stem_filters, 3, 2, padding="valid"))
    else:
        layers.append(_conv("stem_conv", shape, stem_filters, 3, 2))
    shape = layers[-1].output_shape
    layers.append(_bn("stem_bn", shape))
    layers.append(_act("stem_activation", shape, spec.activation))
    blocks.append(
        BlockPlan(
            name="stem",
            kind="stem",
            stage=0,
            input_filters=channels,
            input_channels=channels,
            output_filters=stem_filters,
            expanded_filters=stem_filters,
            se_filters=0,
            kernel_size=3,
            strides=2,
            expand_ratio=None,
            se_ratio=None,
            drop_rate=None,
            residual=False,
            input_shape=(height, width, channels),
            output_shape=shape,
            layers=tuple(layers),
            output_layer="stem_activation",
            keras_layer=None,
        )
    )
    stride_so_far = 2

    repeats = [
        stage_repeats(
            stage.repeats,
            rules=rules,
            stage_index=i,
            stage_count=len(spec.stages),
            depth_coefficient=spec.depth_coefficient,
        )
        for i, stage in enumerate(spec.stages)
    ]
    total_blocks = sum(repeats)
    if total_blocks > MAX_BLOCKS:
        raise EffcliError(
            f"the network would have {total_blocks:,} blocks (repeats scaled by depth "
            f"{spec.depth_coefficient:g}); effcli handles at most {MAX_BLOCKS:,}",
            source=spec.source,
            field="depth_coefficient",
        )
    block_index = 0
    for stage_index, stage in enumerate(spec.stages):
        stage_in = rf(stage.input_filters)
        stage_out = rf(stage.output_filters)
        for j in range(repeats[stage_index]):
            declared_in = stage_in if j == 0 else stage_out
            strides = stage.strides if j == 0 else 1
            name = f"block{stage_index + 1}{block_letters(j)}"
            actual_in = shape[2]
            if strides != 1:
                previous = blocks[-1]
                pyramid_taps.append(
                    PyramidTap(
                        level=f"P{len(pyramid_taps) + 1}",
                        block=previous.name,
                        layer=previous.output_layer,
                        output_shape=previous.output_shape,
                        stride=stride_so_far,
                    )
                )
            residual = is_residual(strides, declared_in, stage_out)
            se_filters = max(1, int(declared_in * stage.se_ratio)) if 0 < stage.se_ratio <= 1 else 0
            expanded = declared_in * stage.expand_ratio
            if actual_in != declared_in:
                lite_stem = rules.fixed_stem_filters is not None and block_index == 0
                message = (
                    f"{name} declares {declared_in} input filters but receives {actual_in} channels "
                    f"from {blocks[-1].name}; kernels follow the {actual_in} real channels, the "
                    f"expanded width, SE width and residual test follow the declared {declared_in}"
                )
                (notes if lite_stem else warnings).append(
                    message
                    if not lite_stem
                    else f"{name}: {rules.title} fixes the stem at {actual_in} filters while block 1 "
                    f"declares round_filters({stage.input_filters}) = {declared_in}; "
                    "keras-cv builds it this way, so does effcli"
                )
                if residual:
                    raise EffcliError(
                        f"{name} adds its {stage_out}-channel output to its {actual_in}-channel input "
                        f"(stride 1 and declared input == output filters), which cannot work; make "
                        f"input_filters of this stage equal the previous stage's output_filters",
                        source=spec.source,
                        field=spec.field_path(stage_index, "input_filters"),
                    )
                if se_filters and stage.expand_ratio == 1:
                    raise EffcliError(
                        f"{name}'s squeeze-excite produces {expanded} channels for a {actual_in}-channel "
                        f"tensor (expand_ratio 1 keeps the real {actual_in} channels); make "
                        f"input_filters match the previous stage's output_filters or use se_ratio 0",
                        source=spec.source,
                        field=spec.field_path(stage_index, "input_filters"),
                    )
            drop_rate = spec.drop_rate * block_index / total_blocks
            prefix = name + "_"
            layers = block_layers_for(
                rules.name,
                stage.block,
                prefix,
                input_channels=actual_in,
                declared_in=declared_in,
                output_filters=stage_out,
                expand_ratio=stage.expand_ratio,
                kernel_size=stage.kernel_size,
                strides=strides,
                se_filters=se_filters,
                drop_rate=drop_rate,
                activation=spec.activation,
                spatial=shape[:2],
            )
            output_shape = layers[-1].output_shape
            v2 = rules.name == "efficientnetv2"
            blocks.append(
                BlockPlan(
                    name=name,
                    kind=stage.block,
                    stage=stage_index + 1,
                    input_filters=declared_in,
                    input_channels=actual_in,
                    output_filters=stage_out,
                    expanded_filters=expanded,
                    se_filters=se_filters,
                    kernel_size=stage.kernel_size,
                    strides=strides,
                    expand_ratio=stage.expand_ratio,
                    se_ratio=stage.se_ratio,
                    drop_rate=drop_rate,
                    residual=residual,
                    input_shape=shape,
                    output_shape=output_shape,
                    layers=tuple(layers),
                    output_layer=prefix if v2 else layers[-1].name,
                    keras_layer=prefix if v2 else None,
                )
            )
            shape = output_shape
            stride_so_far *= strides
            block_index += 1

    last_block = blocks[-1]
    # Top
    top_filters = rules.fixed_top_filters or rf(TOP_BASE_FILTERS)
    layers = [_conv("top_conv", shape, top_filters, 1)]
    top_shape = layers[0].output_shape
    layers += [_bn("top_bn", top_shape), _act("top_activation", top_shape, spec.activation)]
    blocks.append(
        BlockPlan(
            name="top",
            kind="top",
            stage=len(spec.stages) + 1,
            input_filters=shape[2],
            input_channels=shape[2],
            output_filters=top_filters,
            expanded_filters=top_filters,
            se_filters=0,
            kernel_size=1,
            strides=1,
            expand_ratio=None,
            se_ratio=None,
            drop_rate=None,
            residual=False,
            input_shape=shape,
            output_shape=top_shape,
            layers=tuple(layers),
            output_layer="top_activation",
            keras_layer=None,
        )
    )
    last = last_block if pyramid == "timm" else None
    pyramid_taps.append(
        PyramidTap(
            level=f"P{len(pyramid_taps) + 1}",
            block=last.name if last else "top",
            layer=last.output_layer if last else "top_activation",
            output_shape=last.output_shape if last else top_shape,
            stride=stride_so_far,
        )
    )
    return BackbonePlan(
        spec=spec,
        input_shape=(height, width, channels),
        blocks=tuple(blocks),
        pyramid=tuple(pyramid_taps),
        warnings=tuple(warnings),
        notes=tuple(notes),
        pyramid_convention=pyramid,
    )
