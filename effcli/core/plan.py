"""Spec -> the concrete block plan: every block, every Keras layer, every pyramid tap.

``make_plan`` is the only place the family rules (docs/configs.md) are applied
(rounding, Lite's fixed stem/top and unscaled end stages, declared versus actual
channels, residual tests, drop rates, layer names and roles). Every engine
consumes its result, so engines can only disagree about counting, never about
structure.

A :class:`BackbonePlan` is also what ``effcli.engines.saved_model`` reads a saved
.keras file into, so :func:`pyramid_taps` (the one pyramid rule) and
``effcli.core.report.assemble`` serve configs and saved models alike.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from effcli.core.families import FAMILIES, TOP_BASE_FILTERS, V1, FamilyRules, stage_repeats
from effcli.core.limits import MAX_BLOCKS
from effcli.core.spec import KERAS_HUB_BLOCKS, BackboneSpec, Published
from effcli.errors import EffcliError
from effcli.records import record

Shape = tuple[int, int, int]

# What a layer does in its block (LayerPlan.role), independent of how it is named.
SE_ROLES = frozenset({"se_squeeze", "se_reshape", "se_reduce", "se_expand", "se_excite"})
CONV_ROLES = frozenset({"stem_conv", "expand_conv", "depthwise", "se_reduce", "se_expand", "project_conv", "top_conv"})
ROLES = (
    CONV_ROLES
    | SE_ROLES
    | {"rescaling", "normalization", "pad", "bn", "activation", "dropout", "add"}
    | {"head_pool", "head_dropout", "classifier", "other"}
)


@record
class LayerPlan:
    """One Keras layer: what it is, its role in the block, its channels and the shape it produces.

    ``role`` is what the layer does, whatever its name (one of ``ROLES``):

    - convolutions: ``stem_conv`` (the stem's 3x3 stride-2 conv), ``expand_conv``
      (MBConv's 1x1 expansion, or Fused-MBConv's kxk one), ``depthwise`` (MBConv's
      kxk depthwise conv), ``project_conv`` (the conv to the block's output
      filters: 1x1, or kxk in a Fused-MBConv without expansion), ``top_conv``
      (the 1x1 head conv);
    - squeeze-excite, in order: ``se_squeeze`` (global pooling), ``se_reshape``
      (to 1x1xC), ``se_reduce`` (1x1 conv to the SE width), ``se_expand`` (1x1
      conv back, sigmoid), ``se_excite`` (the multiply); all in ``SE_ROLES``;
    - generic: ``bn``, ``activation``, ``pad`` (ZeroPadding2D before a "valid"
      stride-2 conv), ``dropout`` (stochastic depth before the residual add),
      ``add`` (the residual add), ``rescaling`` and ``normalization`` (input
      preprocessing in the stem);
    - the classification head (``--classes``, or read from a saved model):
      ``head_pool`` (global average pooling), ``head_dropout``, ``classifier``
      (the Dense layer); ``other``: a saved layer effcli does not recognise.
    """

    name: str
    op: str  # conv | dwconv | bn | activation | pad | pool | reshape | multiply | dropout | add | rescaling | dense
    output_shape: tuple[int, ...]  # (H, W, C); (C,) after global pooling and in the head
    role: str
    input_channels: int = 0
    filters: int = 0  # output channels of a conv, units of a Dense layer
    kernel_size: int = 0
    strides: int = 1
    use_bias: bool = False
    padding: str = "same"  # conv padding; for op == "pad": the explicit padding below
    pad: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    activation: str = ""  # for op == "activation" and for convs with a fused activation
    rate: float = 0.0  # dropout rate


@record
class BlockPlan:
    """One row of the summary: the stem, a block, the top, or the classification head (``--classes``)."""

    name: str  # "stem", "block1a", ..., "top", "head"
    kind: str  # "stem" | "fused" | "mbconv" | "top" | "head"
    stage: int  # 0 for the stem, 1..n for the stages, n + 1 for the top (and the head)
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
    output_shape: Shape  # (classes,) for the head, whose output is a vector
    layers: tuple[LayerPlan, ...]
    output_layer: str  # the model-level Keras layer whose output leaves this block
    keras_layer: str | None  # V2 blocks are one Keras layer of their own (keras-cv: "block1a_")


@record
class PyramidTap:
    level: str  # "P1", "P2", ...
    block: str  # the block whose output is tapped
    layer: str  # model-level Keras layer name
    output_shape: Shape
    stride: int  # input size / output size, cumulative strides


@record
class ModelInfo:
    """What a report says about the whole model: from a spec, or read off a saved file.

    The coefficients and the drop rate are None when unknown (a saved model does
    not record them).
    """

    name: str
    family: str
    family_title: str
    source: str
    activation: str
    width_coefficient: float | None = None
    depth_coefficient: float | None = None
    depth_divisor: int | None = None
    min_depth: int | None = None
    drop_rate: float | None = None
    trainable: bool = True
    published: Published | None = None  # a preset's published accuracy; None for anything else
    native_resolution: int | None = None  # the config's native_resolution (every preset's); None for a saved model
    default_size: tuple[int, int, str] | None = None  # BackboneSpec.default_size; None for a saved model

    @classmethod
    def from_spec(cls, spec: BackboneSpec) -> ModelInfo:
        return cls(
            name=spec.name,
            family=spec.family,
            family_title=spec.rules.title,
            source=spec.source,
            activation=spec.activation,
            width_coefficient=spec.width_coefficient,
            depth_coefficient=spec.depth_coefficient,
            depth_divisor=spec.depth_divisor,
            min_depth=spec.min_depth,
            drop_rate=spec.drop_rate,
            trainable=spec.trainable,
            published=spec.published,
            native_resolution=spec.native_resolution,
            default_size=spec.default_size,
        )


@record
class BackbonePlan:
    """Blocks, layers and pyramid taps of one model, from a config (``make_plan``) or a saved file.

    ``info`` is always set; ``spec`` only for a plan made from a config (``source_spec``
    is None for a saved model).
    """

    info: ModelInfo
    input_shape: Shape
    blocks: tuple[BlockPlan, ...]
    pyramid: tuple[PyramidTap, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    pyramid_convention: str = "keras"
    source_spec: BackboneSpec | None = None  # None for a saved model
    classes: int | None = None  # the classifier head's units; None without a head

    @property
    def spec(self) -> BackboneSpec:
        """The spec this plan was made from, for the code that needs one; a saved model's plan has none."""
        if self.source_spec is None:
            raise AttributeError(f"the plan of {self.info.name} was read from a saved model and has no spec")
        return self.source_spec


def block_letters(index: int) -> str:
    """keras-cv's per-repeat letter: a..z, then aa, ab, ... (keras-cv itself breaks past z)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(97 + rest) + letters
    return letters


def _spatial_out(layer: LayerPlan) -> Shape:
    """The (H, W, C) output of a layer on the main path (every one but the SE squeeze)."""
    height, width, channels = layer.output_shape
    return (height, width, channels)


def _down(size: int, strides: int) -> int:
    return math.ceil(size / strides)


def _bn(name: str, shape: Shape) -> LayerPlan:
    return LayerPlan(name=name, op="bn", role="bn", output_shape=shape, input_channels=shape[2])


def _act(name: str, shape: Shape, activation: str) -> LayerPlan:
    return LayerPlan(name=name, op="activation", role="activation", output_shape=shape, activation=activation)


def _spatial(shape_in: Shape, kernel: int, strides: int, padding: str) -> tuple[int, int]:
    """Output height and width of a convolution ("same": ceil(H / stride); "valid": no padding)."""
    h, w, _ = shape_in
    if padding == "same":
        return _down(h, strides), _down(w, strides)
    return (h - kernel) // strides + 1, (w - kernel) // strides + 1


def _conv(
    name: str,
    role: str,
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
        role=role,
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
        role="depthwise",
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
    return LayerPlan(name=name, op="pad", role="pad", output_shape=out, input_channels=c, pad=pad)


def _squeeze_excite(prefix: str, shape: Shape, se_filters: int, expanded: int, activation: str):
    channels = shape[2]
    return [
        LayerPlan(name=prefix + "se_squeeze", op="pool", role="se_squeeze", output_shape=(channels,)),  # a vector
        LayerPlan(name=prefix + "se_reshape", op="reshape", role="se_reshape", output_shape=(1, 1, channels)),
        _conv(prefix + "se_reduce", "se_reduce", (1, 1, channels), se_filters, 1, use_bias=True, activation=activation),
        _conv(prefix + "se_expand", "se_expand", (1, 1, se_filters), expanded, 1, use_bias=True, activation="sigmoid"),
        LayerPlan(name=prefix + "se_excite", op="multiply", role="se_excite", output_shape=shape),
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
            layers.append(_conv(prefix + "expand_conv", "expand_conv", shape, expanded, kernel, strides))
            shape = _spatial_out(layers[-1])
            layers.append(_bn(prefix + "expand_bn", shape))
            layers.append(_act(prefix + "expand_activation", shape, activation))
        if se_filters:
            layers += _squeeze_excite(prefix, shape, se_filters, expanded, activation)
        if expand_ratio != 1:
            layers.append(_conv(prefix + "project_conv", "project_conv", shape, output_filters, 1))
        else:
            layers.append(_conv(prefix + "project_conv", "project_conv", shape, output_filters, kernel, strides))
        shape = _spatial_out(layers[-1])
        layers.append(_bn(prefix + "project_bn", shape))
        if expand_ratio == 1:  # keras-cv reuses its expand activation layer here
            layers.append(_act(prefix + "expand_activation", shape, activation))
    else:
        if expand_ratio != 1:
            layers.append(_conv(prefix + "expand_conv", "expand_conv", shape, expanded, 1))
            shape = _spatial_out(layers[-1])
            layers.append(_bn(prefix + "expand_bn", shape))
            layers.append(_act(prefix + ("activation" if v2 else "expand_activation"), shape, activation))
        padding = "same"
        if rules.explicit_padding and strides == 2:
            layers.append(_pad(prefix + "dwconv_pad", shape, kernel))
            shape = _spatial_out(layers[-1])
            padding = "valid"
        dw_name = "dwconv2" if v2 else "dwconv"
        layers.append(_dwconv(prefix + dw_name, shape, kernel, strides, padding))
        shape = _spatial_out(layers[-1])
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
        layers.append(_conv(prefix + project_name, "project_conv", shape, output_filters, project_kernel))
        shape = _spatial_out(layers[-1])
        layers.append(_bn(prefix + "project_bn", shape))
    if residual:
        if drop_rate > 0:
            layers.append(
                LayerPlan(name=prefix + "drop", op="dropout", role="dropout", output_shape=shape, rate=drop_rate)
            )
        layers.append(LayerPlan(name=prefix + "add", op="add", role="add", output_shape=shape))
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
STAGE_KINDS = ("fused", "mbconv")


def check_pyramid_convention(convention: str) -> None:
    if convention not in PYRAMID_CONVENTIONS:
        raise EffcliError(f"unknown convention '{convention}'; valid: keras, timm", source="--pyramid")


def pyramid_taps(blocks: Sequence[BlockPlan], convention: str = "keras") -> tuple[PyramidTap, ...]:
    """The feature-pyramid taps of a block sequence: the one pyramid rule of effcli.

    "keras" (keras-cv): the tensor entering every stride-2 block (the previous
    block's output), then the top's output. "timm": the same stage ends, but the
    last level is the last block's output instead of the top (also "keras" when
    there is no top). A classification head (kind "head") is never tapped. Each
    tap's stride is the product of the strides up to and including its block.
    """
    check_pyramid_convention(convention)
    body = [block for block in blocks if block.kind != "head"]
    cumulative: dict[str, int] = {}
    stride = 1
    for block in body:
        stride *= block.strides
        cumulative[block.name] = stride
    tapped = [body[i - 1] for i, block in enumerate(body) if i > 0 and block.kind in STAGE_KINDS and block.strides != 1]
    top = next((block for block in body if block.kind == "top"), None)
    if convention == "timm" or top is None:
        tapped.append([block for block in body if block.kind in STAGE_KINDS][-1])
    else:
        tapped.append(top)
    return tuple(
        PyramidTap(
            level=f"P{i + 1}",
            block=block.name,
            layer=block.output_layer,
            output_shape=block.output_shape,
            stride=cumulative[block.name],
        )
        for i, block in enumerate(tapped)
    )


def _stem_block(
    spatial: tuple[int, int], channels: int, stem_filters: int, shape: Shape, layers: list[LayerPlan]
) -> BlockPlan:
    """The stem row: a 3x3 stride-2 conv (and its padding or rescaling) to ``stem_filters``, BN, activation."""
    return BlockPlan(
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
        input_shape=(spatial[0], spatial[1], channels),
        output_shape=shape,
        layers=tuple(layers),
        output_layer="stem_activation",
        keras_layer=None,
    )


def _top_block(shape: Shape, top_filters: int, stage: int, activation: str) -> BlockPlan:
    """The top: a 1x1 conv to ``top_filters``, BatchNorm and the activation (every family and form)."""
    layers = [_conv("top_conv", "top_conv", shape, top_filters, 1)]
    top_shape = _spatial_out(layers[0])
    layers += [_bn("top_bn", top_shape), _act("top_activation", top_shape, activation)]
    return BlockPlan(
        name="top",
        kind="top",
        stage=stage,
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


HEAD_LAYER_NAMES = ("avg_pool", "top_dropout", "predictions")  # as keras.applications names them
V1_NORMALIZATION_NOTE = (
    "keras.applications' EfficientNetB0..B7 also hold a Normalization layer with 7 non-trainable weights "
    "(mean, variance, count) that effcli does not build, so their include_top totals are 7 higher"
)


def head_block(top: BlockPlan, classes: int, dropout_rate: float) -> BlockPlan:
    """The classification head keras.applications adds with ``include_top=True, classes=N``.

    GlobalAveragePooling2D ``avg_pool``, Dropout ``top_dropout`` at the config's
    dropout rate (left out at rate 0, as keras.applications does), Dense
    ``predictions`` with ``classes`` units, a bias and softmax. The row mirrors what
    the saved-model reader makes of such a head (kind "head", the top's stage).
    """
    channels = top.output_shape[-1]
    layers = [LayerPlan(name="avg_pool", op="pool", role="head_pool", output_shape=(channels,))]
    if dropout_rate > 0:
        layers.append(
            LayerPlan(
                name="top_dropout", op="dropout", role="head_dropout", output_shape=(channels,), rate=dropout_rate
            )
        )
    layers.append(
        LayerPlan(
            name="predictions",
            op="dense",
            role="classifier",
            output_shape=(classes,),
            input_channels=channels,
            filters=classes,
            use_bias=True,
            activation="softmax",
        )
    )
    return BlockPlan(
        name="head",
        kind="head",
        stage=top.stage,
        input_filters=channels,
        input_channels=channels,
        output_filters=classes,
        expanded_filters=channels,
        se_filters=0,
        kernel_size=0,
        strides=1,
        expand_ratio=None,
        se_ratio=None,
        drop_rate=None,
        residual=False,
        input_shape=top.output_shape,
        output_shape=(classes,),  # type: ignore[arg-type]  # a vector: the head's output
        layers=tuple(layers),
        output_layer="predictions",
        keras_layer=None,
    )


def with_head(plan: BackbonePlan, classes: int | None) -> BackbonePlan:
    """``plan`` with the classification head of ``classes`` units after its top (unchanged for None).

    The pyramid is the backbone's (a head is never tapped). A V1 plan gets a note:
    keras.applications' EfficientNetB0..B7 have a Normalization layer effcli does not build.
    """
    if classes is None:
        return plan
    spec = plan.spec
    notes = plan.notes
    if spec.family == V1:
        notes = (*notes, V1_NORMALIZATION_NOTE)
    return dataclasses.replace(
        plan,
        blocks=(*plan.blocks, head_block(plan.blocks[-1], classes, spec.dropout_rate)),
        notes=notes,
        classes=classes,
    )


def make_plan(
    spec: BackboneSpec, input_shape: Shape, *, pyramid: str = "keras", classes: int | None = None
) -> BackbonePlan:
    """The concrete block plan of ``spec`` for an input of ``input_shape`` (H, W, C).

    ``pyramid`` picks the feature-pyramid taps: "keras" (keras-cv: the tensor
    entering every stride-2 block, then the top activation) or "timm" (the same
    stage ends, but the last level is the last block's output, not the head);
    see :func:`pyramid_taps`. ``classes`` adds the classification head that
    keras.applications builds with ``include_top=True, classes=N`` (see
    :func:`with_head`).
    """
    check_pyramid_convention(pyramid)
    if spec.keras_hub is not None:
        return with_head(_make_keras_hub_plan(spec, input_shape, pyramid), classes)
    rules = spec.rules

    rf = spec.rounded_filters

    warnings: list[str] = []
    notes: list[str] = []
    blocks: list[BlockPlan] = []
    height, width, channels = input_shape

    # Stem
    stem_filters = rules.fixed_stem_filters or rf(spec.stages[0].input_filters)
    shape: Shape = (height, width, channels)
    layers: list[LayerPlan] = []
    if spec.include_rescaling:
        layers.append(LayerPlan(name="rescaling", op="rescaling", role="rescaling", output_shape=shape))
    if rules.explicit_padding:
        layers.append(_pad("stem_conv_pad", shape, 3))
        layers.append(_conv("stem_conv", "stem_conv", _spatial_out(layers[-1]), stem_filters, 3, 2, padding="valid"))
    else:
        layers.append(_conv("stem_conv", "stem_conv", shape, stem_filters, 3, 2))
    shape = _spatial_out(layers[-1])
    layers.append(_bn("stem_bn", shape))
    layers.append(_act("stem_activation", shape, spec.activation))
    blocks.append(_stem_block((height, width), channels, stem_filters, shape, layers))

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
            stage_layers = block_layers_for(
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
            output_shape = _spatial_out(stage_layers[-1])
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
                    layers=stage_layers,
                    output_layer=prefix if v2 else stage_layers[-1].name,
                    keras_layer=prefix if v2 else None,
                )
            )
            shape = output_shape
            block_index += 1

    # Top
    top_filters = rules.fixed_top_filters or rf(TOP_BASE_FILTERS)
    blocks.append(_top_block(shape, top_filters, len(spec.stages) + 1, spec.activation))
    return with_head(
        BackbonePlan(
            info=ModelInfo.from_spec(spec),
            input_shape=(height, width, channels),
            blocks=tuple(blocks),
            pyramid=pyramid_taps(blocks, pyramid),
            warnings=tuple(warnings),
            notes=tuple(notes),
            pyramid_convention=pyramid,
            source_spec=spec,
        ),
        classes,
    )


# --------------------------------------------------------------------------- keras-hub


def keras_hub_round_filters(
    filters: int,
    width_coefficient: float,
    *,
    depth_divisor: int,
    min_depth: int | None,
    use_depth_divisor_as_min_depth: bool,
    cap_round_filter_decrease: bool,
) -> int:
    """keras-hub's round_filters, operation for operation."""
    scaled = filters * width_coefficient
    floor = depth_divisor if use_depth_divisor_as_min_depth else min_depth
    result = max(floor or 0, int(scaled + depth_divisor / 2) // depth_divisor * depth_divisor)
    if cap_round_filter_decrease and result < 0.9 * scaled:
        result += depth_divisor
    return int(result)


def keras_hub_coefficients(spec: BackboneSpec) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The per-stage width and depth coefficients of a keras-hub spec: as configured, or one value for every stage
    once the spec's width or depth was changed after loading (scale, plan), as keras-hub's own single
    ``width_coefficient`` overrides its list. Per-stage values that differ cannot be replaced by one."""
    hub = spec.keras_hub
    assert hub is not None
    count = len(spec.stages)
    out = []
    for key, values, now in (
        ("width_coefficient", hub.width_coefficients, spec.width_coefficient),
        ("depth_coefficient", hub.depth_coefficients, spec.depth_coefficient),
    ):
        if now == values[0]:
            out.append(values)
            continue
        if len(set(values)) != 1:  # changed after loading (scale, plan, ...)
            raise EffcliError(
                f"this keras-hub config has per-stage {key}s; effcli cannot replace them by one value",
                source=spec.source,
                field=key,
            )
        out.append((now,) * count)
    return out[0], out[1]


def keras_hub_round_filters_explained(spec: BackboneSpec, filters: int, width_coefficient: float) -> tuple[int, str]:
    """keras-hub's round_filters with a keras-hub spec's options, and the rule that decided it (as
    :func:`effcli.core.families.round_filters_explained` names them)."""
    hub = spec.keras_hub
    assert hub is not None
    result = keras_hub_round_filters(
        filters,
        width_coefficient,
        depth_divisor=spec.depth_divisor,
        min_depth=spec.min_depth,
        use_depth_divisor_as_min_depth=hub.use_depth_divisor_as_min_depth,
        cap_round_filter_decrease=hub.cap_round_filter_decrease,
    )
    scaled = filters * width_coefficient
    nearest = int(scaled + spec.depth_divisor / 2) // spec.depth_divisor * spec.depth_divisor
    floor = (spec.depth_divisor if hub.use_depth_divisor_as_min_depth else spec.min_depth) or 0
    if result != max(floor, nearest):
        rule = "+divisor (10% rule)"
    elif nearest >= floor:
        rule = "nearest multiple"
    else:
        rule = "divisor floor" if hub.use_depth_divisor_as_min_depth else "minimum depth"
    return result, rule


def _pad_same(name: str, shape_in: Shape, half: int) -> LayerPlan:
    """keras-hub's ZeroPadding2D(kernel // 2) on every side, before a "valid" conv."""
    h, w, c = shape_in
    pad = ((half, half), (half, half))
    return LayerPlan(
        name=name, op="pad", role="pad", output_shape=(h + 2 * half, w + 2 * half, c), input_channels=c, pad=pad
    )


def _keras_hub_block_layers(
    block_type: str,
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
    projection_activation: str | None,
) -> list[LayerPlan]:
    """The layers of one keras-hub block (v1, unfused, fused, cba), named as keras-hub names them.

    keras-hub's MBConvBlock calls its one activation layer twice; the plan names the
    second call ``activation_2`` (a Keras model needs unique layer names).
    """
    layers: list[LayerPlan] = []
    expanded = declared_in * expand_ratio
    shape = shape_in

    def add(layer: LayerPlan) -> None:
        nonlocal shape
        layers.append(layer)
        if layer.op not in ("pool", "reshape") and layer.role not in ("se_reduce", "se_expand"):
            shape = _spatial_out(layer)

    if block_type == "cba":
        add(_pad_same(prefix + "conv_pad", shape, kernel // 2))
        add(_conv(prefix + "conv", "project_conv", shape, output_filters, kernel, strides, padding="valid"))
        add(_bn(prefix + "bn", shape))
        add(_act(prefix + "activation", shape, activation))
    elif block_type == "fused":
        add(_pad_same(prefix + "expand_conv_pad", shape, kernel // 2))
        add(_conv(prefix + "expand_conv", "expand_conv", shape, expanded, kernel, strides, padding="valid"))
        add(_bn(prefix + "expand_bn", shape))
        add(_act(prefix + "expand_activation", shape, activation))
        if se_filters:
            layers.extend(_squeeze_excite(prefix, shape, se_filters, expanded, activation))
        add(_pad_same(prefix + "project_conv_pad", shape, 0))
        add(_conv(prefix + "project_conv", "project_conv", shape, output_filters, 1, padding="valid"))
        add(_bn(prefix + "project_bn", shape))
        if expand_ratio == 1 and projection_activation:
            add(_act(prefix + "projection_act", shape, projection_activation))
    else:  # "unfused" (keras-hub's MBConvBlock) and "v1" (keras.applications' block)
        v1 = block_type == "v1"
        act_name = prefix + ("dwconv_activation" if v1 else "activation")
        if expand_ratio != 1:
            add(_conv(prefix + "expand_conv", "expand_conv", shape, expanded, 1))
            add(_bn(prefix + "expand_bn", shape))
            add(_act(prefix + ("expand_activation" if v1 else "activation"), shape, activation))
            if not v1:
                act_name = prefix + "activation_2"
        if v1:
            add(_pad_same(prefix + "dwconv_pad", shape, kernel // 2))
            add(_dwconv(prefix + "dwconv", shape, kernel, strides, "valid"))
            add(_bn(prefix + "dwconv_bn", shape))
        else:
            add(_dwconv(prefix + "dwconv2", shape, kernel, strides))
            add(_bn(prefix + "bn", shape))
        add(_act(act_name, shape, activation))
        if se_filters:
            layers.extend(_squeeze_excite(prefix, shape, se_filters, expanded, activation))
        if v1:
            add(_conv(prefix + "project", "project_conv", shape, output_filters, 1))
        else:
            project_kernel = 1 if expand_ratio != 1 else kernel
            add(_pad_same(prefix + "project_conv_pad", shape, project_kernel // 2))
            add(_conv(prefix + "project_conv", "project_conv", shape, output_filters, project_kernel, padding="valid"))
        add(_bn(prefix + "project_bn", shape))
        if v1 and projection_activation:
            add(_act(prefix + "projection_activation", shape, projection_activation))
    if residual:
        if drop_rate > 0:
            add(LayerPlan(name=prefix + "drop", op="dropout", role="dropout", output_shape=shape, rate=drop_rate))
        add(LayerPlan(name=prefix + "add", op="add", role="add", output_shape=shape))
    return layers


def _make_keras_hub_plan(spec: BackboneSpec, input_shape: Shape, pyramid: str) -> BackbonePlan:
    """The plan of a keras-hub config: keras-hub's EfficientNetBackbone, rule for rule."""
    hub = spec.keras_hub
    assert hub is not None  # make_plan's dispatch
    count = len(spec.stages)
    widths, depths = keras_hub_coefficients(spec)

    def rf(filters: int, stage: int) -> int:
        return keras_hub_round_filters_explained(spec, filters, widths[stage])[0]

    height, width, channels = input_shape
    shape: Shape = (height, width, channels)
    stem_filters = rf(spec.stages[0].input_filters, 0)
    layers: list[LayerPlan] = []
    if hub.include_stem_padding:
        layers.append(_pad_same("stem_conv_pad", shape, 1))
        shape = _spatial_out(layers[-1])
    layers.append(_conv("stem_conv", "stem_conv", shape, stem_filters, 3, 2, padding=hub.stem_conv_padding))
    shape = _spatial_out(layers[-1])
    if shape[0] < 1 or shape[1] < 1:
        raise EffcliError(
            f"an input of {height}x{width} is too small for keras-hub's stem (stem_conv_padding valid)",
            source=spec.source,
            field="input_shape",
        )
    layers += [_bn("stem_bn", shape), _act("stem_activation", shape, spec.activation)]
    blocks: list[BlockPlan] = [_stem_block((height, width), channels, stem_filters, shape, layers)]
    repeats = [math.ceil(depths[i] * stage.repeats) for i, stage in enumerate(spec.stages)]
    if sum(repeats) > MAX_BLOCKS:
        raise EffcliError(
            f"the network would have {sum(repeats):,} blocks; effcli handles at most {MAX_BLOCKS:,}",
            source=spec.source,
            field="depth_coefficient",
        )
    unscaled = float(sum(stage.repeats for stage in spec.stages))  # keras-hub divides by the configured repeats
    warnings: list[str] = []
    notes: list[str] = []
    block_index = 0
    for i, stage in enumerate(spec.stages):
        block_type = hub.block_types[i]
        stage_in, stage_out = rf(stage.input_filters, i), rf(stage.output_filters, i)
        for j in range(repeats[i]):
            declared_in = stage_in if j == 0 else stage_out
            if hub.force_input_filters[i] > 0:
                declared_in = rf(hub.force_input_filters[i], i)
            strides = stage.strides if j == 0 else 1
            name = f"block{i + 1}{block_letters(j)}"
            actual_in = shape[2]
            residual = strides == 1 and declared_in == stage_out and (block_type == "v1" or not hub.nores[i])
            se_filters = (
                max(1, int(declared_in * stage.se_ratio)) if block_type != "cba" and 0 < stage.se_ratio <= 1 else 0
            )
            expanded = declared_in * stage.expand_ratio
            if actual_in != declared_in and block_type != "cba" and hub.force_input_filters[i] > 0:
                notes.append(  # asked for (EdgeTPU's first stage, as timm's force_in_chs): a note, not a warning
                    f"{name} declares {declared_in} input filters (stackwise_force_input_filters) and receives "
                    f"{actual_in} channels from {blocks[-1].name}, as keras-hub and timm build it: its kernels "
                    f"follow the {actual_in} channels, its expanded width the declared {declared_in}"
                )
            elif actual_in != declared_in and block_type != "cba":
                warnings.append(
                    f"{name} declares {declared_in} input filters but receives {actual_in} channels "
                    f"from {blocks[-1].name}; kernels follow the {actual_in} real channels, the "
                    f"expanded width, SE width and residual test follow the declared {declared_in}"
                )
            main = actual_in if (block_type in ("v1", "unfused") and stage.expand_ratio == 1) else expanded
            if se_filters and main != expanded:
                raise EffcliError(
                    f"{name}'s squeeze-excite produces {expanded} channels for a {main}-channel tensor; "
                    "keras-hub cannot build it",
                    source=spec.source,
                    field=spec.field_path(i, "input_filters"),
                )
            if residual and actual_in != stage_out:
                raise EffcliError(
                    f"{name} adds its {stage_out}-channel output to its {actual_in}-channel input "
                    "(stride 1 and declared input == output filters), which cannot work; keras-hub cannot build it",
                    source=spec.source,
                    field=spec.field_path(i, "input_filters"),
                )
            drop_rate = spec.drop_rate * block_index / unscaled
            prefix = name + "_"
            block_layers = _keras_hub_block_layers(
                block_type,
                prefix,
                shape,
                declared_in=declared_in,
                output_filters=stage_out,
                expand_ratio=stage.expand_ratio,
                kernel=stage.kernel_size,
                strides=strides,
                se_filters=se_filters,
                residual=residual,
                drop_rate=drop_rate,
                activation=spec.activation,
                projection_activation=hub.projection_activation,
            )
            output_shape = _spatial_out(block_layers[-1])
            blocks.append(
                BlockPlan(
                    name=name,
                    kind=KERAS_HUB_BLOCKS[block_type],
                    stage=i + 1,
                    input_filters=declared_in,
                    input_channels=actual_in,
                    output_filters=stage_out,
                    expanded_filters=expanded if block_type != "cba" else stage_out,
                    se_filters=se_filters,
                    kernel_size=stage.kernel_size,
                    strides=strides,
                    expand_ratio=stage.expand_ratio if block_type != "cba" else None,
                    se_ratio=stage.se_ratio if block_type != "cba" else None,
                    drop_rate=drop_rate,
                    residual=residual,
                    input_shape=shape,
                    output_shape=output_shape,
                    layers=tuple(block_layers),
                    output_layer=block_layers[-1].name,
                    keras_layer=None,
                )
            )
            shape = output_shape
            block_index += 1

    top_filters = rf(hub.num_features, count - 1)
    blocks.append(_top_block(shape, top_filters, count + 1, spec.activation))
    return BackbonePlan(
        info=ModelInfo.from_spec(spec),
        input_shape=(height, width, channels),
        blocks=tuple(blocks),
        pyramid=pyramid_taps(blocks, pyramid),
        warnings=tuple(warnings),
        notes=tuple(notes),
        pyramid_convention=pyramid,
        source_spec=spec,
    )
