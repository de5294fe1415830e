"""Saved .keras models through the pipeline: the file -> a BackbonePlan and its Keras numbers -> a Report.

A saved model has no spec, but it describes the same things a config does: the
reader turns it into the :class:`~effcli.core.plan.BackbonePlan` a config produces
(blocks of LayerPlans with their roles, the pyramid from
:func:`~effcli.core.plan.pyramid_taps`, a :class:`~effcli.core.plan.ModelInfo`
read off the file) plus the :class:`~effcli.core.report.Measurements` read off the
loaded layers, and :func:`~effcli.core.report.assemble` makes the report, exactly
as for a config.

Blocks are the layers grouped by their name prefix (``block2b_...``), the stem
(``stem_*`` and input preprocessing) and the top (``top_*``); a classification
head, if any, is a row of its own (kind "head", never a pyramid level). A layer's
role comes from :data:`ROLE_BY_NAME`, the one table of keras-cv /
keras.applications / effcli layer names. The family is recognised from the
blocks: Fused-MBConv blocks make it EfficientNetV2, squeeze-excite without them
EfficientNet (V1), neither EfficientNet-Lite.

A file effcli built carries effcli's description of the model (the config,
the input shape; see ``keras_engine.description_of``) as an ``effcli.json`` zip
member (older builds also in the model's name). A plain Keras re-save drops the
member; a model still named after a preset is then checked against that preset's
plan instead. When a description is there, the reader rebuilds the plan
with :func:`~effcli.core.plan.make_plan` and checks the file's layers against it
(names, classes, shapes, settings, parameters): the report is then the config's
own (coefficients, activation as written, drop rates). When it is absent, or the
layers do not match it (the model was edited), everything is read off the graph
(with a warning in the second case) and what a graph does not record stays
unknown.

keras is imported only when a function here runs (via ``keras_engine.import_keras``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from effcli.core.families import FAMILIES, LITE, V1, V2
from effcli.core.limits import MAX_CLASSES, MAX_KERAS_DESCRIPTION_BYTES
from effcli.core.plan import (
    SE_ROLES,
    STAGE_KINDS,
    BackbonePlan,
    BlockPlan,
    LayerPlan,
    ModelInfo,
    Shape,
    check_pyramid_convention,
    make_plan,
    pyramid_taps,
)
from effcli.core.report import (
    KERAS_CLASSES,
    ZERO,
    BlockMeasure,
    LayerMeasure,
    Measurements,
    Report,
    assemble,
)
from effcli.engines.archive import NOT_A_BACKBONE, check_saved_model, read_member
from effcli.engines.keras_engine import (
    DESCRIPTION_MEMBER,
    conv_macs,
    count_weights,
    decode_name,
    functional_names,
    import_keras,
    native_stderr_silenced,
    shape_of,
    spinner,
)
from effcli.errors import EffcliError

ENGINE = "keras (saved model)"

# The one name -> role table. Keys are layer names as keras-cv, keras.applications
# and effcli write them, without a block's "block2b_" prefix and without the "_1",
# "_2" Keras appends to a repeated default name (see LayerPlan for the roles).
ROLE_BY_NAME = {
    # input preprocessing and the stem
    "rescaling": "rescaling",
    "normalization": "normalization",
    "stem_conv_pad": "pad",
    "stem_conv": "stem_conv",
    "stem_bn": "bn",
    "stem_activation": "activation",
    # inside a block
    "expand_conv": "expand_conv",
    "expand_bn": "bn",
    "expand_activation": "activation",
    "dwconv_pad": "pad",
    "dwconv": "depthwise",  # V1, Lite
    "dwconv2": "depthwise",  # V2
    "bn": "bn",
    "dwconv_bn": "bn",
    "activation": "activation",
    "dwconv_activation": "activation",
    "se_squeeze": "se_squeeze",
    "se_reshape": "se_reshape",
    "se_reduce": "se_reduce",
    "se_expand": "se_expand",
    "se_excite": "se_excite",
    "project_conv": "project_conv",
    "project": "project_conv",  # keras-cv's EfficientNet (V1)
    "conv": "project_conv",  # keras-hub's CBABlock: one kxk conv to the output filters (rw-T's first stage)
    "project_bn": "bn",
    "project_activation": "activation",  # keras.applications' Fused-MBConv without expansion
    "drop": "dropout",
    "add": "add",
    # the top and a classification head
    "top_conv": "top_conv",
    "top_bn": "bn",
    "top_activation": "activation",
    "avg_pool": "head_pool",
    "max_pool": "head_pool",
    "top_dropout": "head_dropout",
    "predictions": "classifier",
}
# A layer whose name is not in the table: the roles its class alone decides.
_ROLE_BY_OP = {
    "dwconv": "depthwise",
    "bn": "bn",
    "activation": "activation",
    "pad": "pad",
    "dropout": "dropout",
    "add": "add",
    "rescaling": "rescaling",
}
_HEAD_ROLES = frozenset({"head_pool", "head_dropout", "classifier"})
_OPS = {keras_class: op for op, keras_class in KERAS_CLASSES.items()}  # "Conv2D" -> "conv", ...
_BLOCK_NAME = re.compile(r"^block(\d+)([a-z]+)_")
_REPEAT_SUFFIX = re.compile(r"_\d+$")
_PREPROCESSING = ("rescaling", "normalization", "input")


def layer_role(name: str, op: str) -> str:
    """The role of a saved layer, from its name (ROLE_BY_NAME), else from its class, else "other"."""
    match = _BLOCK_NAME.match(name)
    key = name[match.end() :] if match else name
    role = ROLE_BY_NAME.get(key) or ROLE_BY_NAME.get(_REPEAT_SUFFIX.sub("", key))
    return role or _ROLE_BY_OP.get(op, "other")


def _op(layer) -> str:
    name = type(layer).__name__
    return _OPS.get(name, name)


def _group(name: str, role: str) -> str:
    """The row a model-level layer belongs to: its block, "stem", "top" or "head"."""
    match = _BLOCK_NAME.match(name)
    if match:
        return f"block{match.group(1)}{match.group(2)}"
    if name.startswith(("stem_", *_PREPROCESSING)):
        return "stem"
    return "top" if name.startswith("top_") and role not in _HEAD_ROLES else "head"


def _is_block_layer(layer) -> bool:
    """An effcli EfficientNetV2 block: one Keras layer holding the block's layers."""
    return hasattr(layer, "block_layers") and hasattr(layer, "layer_shapes")


def _leaf_layers(layer, output_shape):
    """(layer, output shape) pairs inside one model-level layer (an effcli V2 block is opened up)."""
    if _is_block_layer(layer):
        return list(zip(layer.block_layers, [shape_of(s) for s in layer.layer_shapes], strict=True))
    return [(layer, output_shape)]


def _activation_name(function) -> str:
    return function.__name__ if callable(function) else str(function)


def _pad(padding) -> tuple[tuple[int, int], tuple[int, int]]:
    (top, bottom), (left, right) = padding
    return (int(top), int(bottom)), (int(left), int(right))


def _layer_plan(keras, layer, shape: tuple[int, ...]) -> LayerPlan:
    """The LayerPlan of a loaded layer: what make_plan would have written for it."""
    op = _op(layer)
    conv = isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D))
    dense = isinstance(layer, keras.layers.Dense)
    kernel = int(layer.kernel_size[0]) if conv else 0
    input_channels = int(layer.kernel.shape[-2]) if conv or dense else (shape[-1] if op in ("bn", "pad") else 0)
    activation = _activation_name(layer.activation) if op in ("conv", "activation", "dense") else ""
    filters = 0
    if op == "conv":
        filters = int(layer.filters)
    elif op == "dwconv":
        filters = input_channels * int(layer.depth_multiplier)
    elif dense:
        filters = int(layer.units)
    return LayerPlan(
        name=layer.name,
        op=op,
        output_shape=shape,
        role=layer_role(layer.name, op),
        input_channels=input_channels,
        filters=filters,
        kernel_size=kernel,
        strides=int(layer.strides[0]) if kernel else 1,
        use_bias=bool(getattr(layer, "use_bias", False)) if conv or dense else False,
        padding=str(layer.padding) if conv else "same",
        pad=_pad(layer.padding) if op == "pad" else ((0, 0), (0, 0)),
        activation=activation if op == "activation" or activation != "linear" else "",
        rate=float(layer.rate) if op == "dropout" else 0.0,
    )


def _block(keras, name: str, members, input_shape, stage: int) -> tuple[BlockPlan, BlockMeasure]:
    """The plan and the numbers of one row, from its model-level layers and their output shapes."""
    leaves = [leaf for layer, shape in members for leaf in _leaf_layers(layer, shape)]
    layers = tuple(_layer_plan(keras, leaf, shape) for leaf, shape in leaves)
    measures = tuple(
        LayerMeasure(
            name=leaf.name,
            count=count_weights(leaf),
            output_shape=shape,
            macs=conv_macs(leaf, shape),  # convolutions and Dense (a classifier head's predictions)
        )
        for leaf, shape in leaves
    )

    def first(role: str) -> LayerPlan | None:
        return next((layer for layer in layers if layer.role == role), None)

    convs = [l for l in layers if l.op in ("conv", "dwconv") and l.role not in SE_ROLES]
    depthwise = [l for l in layers if l.role == "depthwise"]
    se, expand, drop = first("se_reduce"), first("expand_conv"), first("dropout")
    kind = {"stem": "stem", "top": "top", "head": "head"}.get(name) or ("mbconv" if depthwise else "fused")
    is_block = kind in STAGE_KINDS
    main = depthwise[0] if depthwise else (convs[0] if convs else None)
    input_channels = input_shape[-1]
    last_layer, output_shape = members[-1]  # (H, W, C); (classes,) for a classification head
    expanded = expand.output_shape[-1] if expand else input_channels
    se_filters = se.output_shape[-1] if se else 0
    plan = BlockPlan(
        name=name,
        kind=kind,
        stage=stage,
        input_filters=input_channels,
        input_channels=input_channels,
        output_filters=output_shape[-1],
        expanded_filters=expanded,
        se_filters=se_filters,
        kernel_size=main.kernel_size if main else 0,
        strides=max((l.strides for l in convs), default=1),
        expand_ratio=(expanded // input_channels if expanded % input_channels == 0 else None) if is_block else None,
        se_ratio=(round(se_filters / input_channels, 4) if se else 0.0) if is_block else None,
        drop_rate=(drop.rate if drop else None) if is_block else None,
        residual=first("add") is not None,
        input_shape=input_shape,
        output_shape=output_shape,
        layers=layers,
        output_layer=last_layer.name,
        keras_layer=last_layer.name if _is_block_layer(last_layer) else None,
    )
    count = sum((count_weights(layer) for layer, _ in members), ZERO)
    return plan, BlockMeasure(name=name, count=count, output_shape=output_shape, layers=measures)


def _family(blocks: list[BlockPlan]) -> str:
    if any(block.kind == "fused" for block in blocks):
        return V2
    return V1 if any(block.se_filters for block in blocks) else LITE


def _total_stride(keras, model) -> int:
    """The product of the strides of the model's 2-D layers (32 for an EfficientNet): its smallest input side."""
    total = 1
    for layer, _ in (leaf for top in model.layers for leaf in _leaf_layers(top, ())):
        strides = getattr(layer, "strides", None)
        if isinstance(layer, keras.layers.Layer) and isinstance(strides, (tuple, list)) and len(strides) == 2:
            total *= max(int(strides[0]), 1)
    return total


def _check_backbone(keras, model, path: Path) -> None:
    """Refuse a loaded model that is not a single-input 2-D image backbone (config.json was checked already)."""
    if not isinstance(getattr(model, "inputs", None), list) or len(model.inputs) != 1:
        raise EffcliError("not a single-input functional Keras model", source=str(path))
    leaves = [leaf for top in model.layers for leaf, _ in _leaf_layers(top, ())]
    for layer in leaves:
        kind = type(layer).__name__
        if kind.endswith(("1D", "3D", "1DTranspose", "3DTranspose")):
            raise EffcliError(f"{NOT_A_BACKBONE}: layer {layer.name!r} is {kind}", source=str(path))
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4:
        raise EffcliError(
            f"{NOT_A_BACKBONE}: its input has the shape {shape}; expected (batch, height, width, channels)",
            source=str(path),
        )
    if not any(isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)) for layer in leaves):
        raise EffcliError(f"{NOT_A_BACKBONE}: it has no Conv2D layer", source=str(path))


def _retrace(keras, model, path: Path, size: tuple[int, int], channels: int):
    """The model re-traced at ``size``; a size its strides cannot take is the user's error."""
    stride = _total_stride(keras, model)
    too_small = (
        f"the resolution {size[0]}x{size[1]} is too small for this model: its strides reduce the input "
        f"{stride} times; give --resolution {stride} or more"
    )
    try:
        new_input = keras.Input(shape=(size[0], size[1], channels), name="input_layer")
        traced = keras.models.clone_model(model, input_tensors=new_input)
    except Exception as exc:  # a negative dimension inside Keras, ...
        if min(size) < stride:
            raise EffcliError(too_small, source=str(path)) from None
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EffcliError(f"cannot re-trace the model at {size[0]}x{size[1]}: {first}", source=str(path)) from None
    for layer in traced.layers:
        output = shape_of(layer.output) if hasattr(layer, "output") else ()
        if len(output) == 3 and 0 in output[:2]:
            raise EffcliError(too_small, source=str(path))
    return traced


def _load(keras, path: Path, size: tuple[int, int] | None):
    """The loaded model, re-traced at ``size`` if given; every refusal is an EffcliError."""
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # a broken zip, an unknown layer, a Lambda refused by safe_mode, ...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EffcliError(f"cannot load the model: {first}", source=str(path)) from None
    _check_backbone(keras, model, path)
    saved = tuple(model.input_shape[1:])
    if size is not None or None in saved[:2]:
        if size is None:
            raise EffcliError(f"the model accepts any input size {saved}; give one with --resolution", source=str(path))
        model = _retrace(keras, model, path, size, saved[2])
    return model


def _read(keras, model, path: Path, pyramid: str, model_name: str) -> tuple[BackbonePlan, Measurements]:
    """The plan and the numbers read off the graph alone (names, classes, shapes, weights)."""
    groups: dict[str, list] = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        group = _group(layer.name, layer_role(layer.name, _op(layer)))
        groups.setdefault(group, []).append((layer, shape_of(layer.output)))
    if not any(name.startswith("block") for name in groups):
        raise EffcliError("no EfficientNet blocks (layers named block1a_...) in this model", source=str(path))
    height, width, channels = shape_of(model.inputs[0])
    input_shape: Shape = (height, width, channels)
    stages = {name: int(m.group(1)) for name in groups if (m := _BLOCK_NAME.match(name + "_"))}
    after_last_stage = max(stages.values()) + 1  # the top (and a head) come after the last stage
    blocks: list[BlockPlan] = []
    measures: list[BlockMeasure] = []
    shape = input_shape
    for name, members in groups.items():
        stage = stages.get(name, 0 if name == "stem" else after_last_stage)
        block, measure = _block(keras, name, members, shape, stage)
        blocks.append(block)
        measures.append(measure)
        shape = block.output_shape
    family = _family(blocks)
    activation = next(
        (layer.activation for block in blocks for layer in block.layers if layer.op == "activation"), "unknown"
    )
    taps = pyramid_taps(blocks, pyramid)
    head = next((block for block in blocks if block.kind == "head"), None)
    classes = head.output_filters if head and any(l.role == "classifier" for l in head.layers) else None
    plan = BackbonePlan(
        info=ModelInfo(
            name=model_name,
            family=family,
            family_title=FAMILIES[family].title,
            source=str(path),
            activation=activation,
            trainable=bool(model.trainable),
        ),
        input_shape=input_shape,
        blocks=tuple(blocks),
        pyramid=taps,
        warnings=(),
        notes=(),
        pyramid_convention=pyramid,
        classes=classes,
    )
    measured = Measurements(
        engine=ENGINE,
        blocks=tuple(measures),
        pyramid_shapes=tuple(tap.output_shape for tap in taps),
    )
    return plan, measured


# --------------------------------------------------------------------------- effcli's description


def _find_description(path: Path, model) -> tuple[str, dict[str, Any] | None, str | None]:
    """(the model's plain name, effcli's description or None, why a description present is unusable).

    A copy in the model's name (files of earlier effcli builds) first, then the
    ``effcli.json`` member (effcli's builds).
    """
    try:
        name, description = decode_name(model.name)
    except ValueError as exc:
        return model.name, None, str(exc)
    if description is not None:
        return name, description, None
    try:
        with zipfile.ZipFile(path) as archive:
            if DESCRIPTION_MEMBER not in archive.namelist():
                return name, None, None
            raw = read_member(archive, DESCRIPTION_MEMBER, MAX_KERAS_DESCRIPTION_BYTES, str(path))
        description = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError, zipfile.BadZipFile) as exc:
        return name, None, f"its {DESCRIPTION_MEMBER} cannot be read ({exc})"
    except EffcliError as exc:
        return name, None, exc.detail
    if not isinstance(description, dict):
        return name, None, f"its {DESCRIPTION_MEMBER} is not a mapping"
    return name, description, None


def _preset_description(name: str, graph: BackbonePlan) -> dict[str, Any] | None:
    """The description a preset of this name would carry, for a file without one (a plain re-save).

    Only a guess from the model's name: :func:`_described` keeps it only when every
    layer of the file matches the preset's plan at the file's input shape.
    """
    from effcli.config import presets

    if name not in presets.preset_names():
        return None
    spec = presets.load_preset(name)
    description: dict[str, Any] = {"config": spec.to_readable_dict()}  # what _described reads
    if graph.classes is not None:
        description["classes"] = graph.classes
    return description


def _signature(keras, layer: LayerPlan, *, activation_names: bool) -> tuple:
    """What must agree between a planned layer and a saved one (the name aside)."""
    activation = layer.activation
    if activation_names and activation:
        activation = _activation_name(keras.activations.get(activation))  # "swish" -> Keras' "silu"
    return (
        layer.op,
        tuple(layer.output_shape),
        layer.input_channels,
        layer.filters,
        layer.kernel_size,
        layer.strides,
        layer.use_bias,
        layer.padding,
        layer.pad,
        layer.rate,
        activation,
    )


def _mismatch(keras, expected: BackbonePlan, graph: BackbonePlan, measured: Measurements) -> str | None:
    """Where the saved layers differ from the plan the description makes, or None if they match."""
    from effcli.engines import analytic

    names = [block.name for block in expected.blocks]
    if [block.name for block in graph.blocks] != names:
        return f"its rows are {', '.join(b.name for b in graph.blocks)}, the description's {', '.join(names)}"
    counted = analytic.measure(expected)
    for plan_block, file_block, counts, file_counts in zip(
        expected.blocks, graph.blocks, counted.blocks, measured.blocks, strict=True
    ):
        planned = functional_names(plan_block.layers)
        saved = [layer.name for layer in file_block.layers]
        if saved != planned:
            return f"{plan_block.name} has the layers {', '.join(saved)}, the description {', '.join(planned)}"
        for plan_layer, file_layer, count, file_count in zip(
            plan_block.layers, file_block.layers, counts.layers, file_counts.layers, strict=True
        ):
            if _signature(keras, plan_layer, activation_names=True) != _signature(
                keras, file_layer, activation_names=False
            ):
                return f"{file_layer.name} is not the layer the description makes"
            if count.count != file_count.count:
                found, planned_params = file_count.count.params, count.count.params
                return f"{file_layer.name} has {found:,} parameters, the description {planned_params:,}"
    return None


def _described(
    keras, description: dict[str, Any], graph: BackbonePlan, measured: Measurements, path: Path, pyramid: str
) -> tuple[BackbonePlan, Measurements] | str:
    """The config's plan with the file's numbers, or why the description cannot be used."""
    from effcli.config.loader import parse_spec

    config = description.get("config")
    if not isinstance(config, dict):
        return "it has no config"
    classes = description.get("classes")
    if classes is not None and (type(classes) is not int or not 1 <= classes <= MAX_CLASSES):
        return f"its classes ({classes!r}) is not a number of classes"
    try:
        spec = parse_spec(config, source=str(path))
        expected = make_plan(spec, graph.input_shape, pyramid=pyramid, classes=classes)
    except EffcliError as exc:
        return f"its config is not valid ({exc})"
    problem = _mismatch(keras, expected, graph, measured)
    if problem:
        return problem
    blocks = tuple(
        dataclasses.replace(
            measure,
            layers=tuple(
                dataclasses.replace(layer, name=planned.name)
                for layer, planned in zip(measure.layers, block.layers, strict=True)
            ),
        )
        for measure, block in zip(measured.blocks, expected.blocks, strict=True)
    )
    outputs = {block.name: measure.output_shape for block, measure in zip(expected.blocks, blocks, strict=True)}
    plan = dataclasses.replace(expected, info=dataclasses.replace(expected.info, source=str(path)))
    return plan, Measurements(
        engine=ENGINE, blocks=blocks, pyramid_shapes=tuple(outputs[tap.block] for tap in expected.pyramid)
    )


def _read_with_description(keras, model, path: Path, pyramid: str) -> tuple[BackbonePlan, Measurements]:
    name, description, problem = _find_description(path, model)
    plan, measured = _read(keras, model, path, pyramid, name)
    if description is not None:
        described = _described(keras, description, plan, measured, path, pyramid)
        if not isinstance(described, str):
            return described
        problem = described
    elif problem is None and (guess := _preset_description(name, plan)) is not None:
        described = _described(keras, guess, plan, measured, path, pyramid)
        if not isinstance(described, str):  # a preset re-saved by other code: its layers are the preset's
            return described
    if problem:
        warning = (
            f"{path.name}: effcli's description of this model is not usable: {problem}; "
            "everything is read off its layers"
        )
        plan = dataclasses.replace(plan, warnings=(*plan.warnings, warning))
    return plan, measured


def read_saved_model(
    path: Path, size: tuple[int, int] | None, *, pyramid: str = "keras", force: bool = False
) -> tuple[BackbonePlan, Measurements]:
    """The block plan of a saved .keras model (safe_mode=True) and the numbers read off its layers.

    With ``size`` the model is re-traced at that input size (needed when it was
    saved with a free input size). A file with effcli's description reads into the
    plan of its config (verified against its layers), any other from its graph.

    Before Keras is imported, :func:`effcli.engines.archive.check_saved_model`
    checks the file, its zip and what its config.json declares against effcli's
    limits and the build guard (``force`` skips only the guard).
    """
    check_pyramid_convention(pyramid)
    check_saved_model(path, resized=size is not None, force=force)
    with native_stderr_silenced() as stream, spinner(stream, f"Loading {path.name} with Keras..."):
        keras = import_keras()
        try:
            return _read_with_description(keras, _load(keras, path, size), path, pyramid)
        finally:
            keras.backend.clear_session()


def inspect_saved_model(
    path: Path, size: tuple[int, int] | None, *, pyramid: str = "keras", force: bool = False
) -> Report:
    """A Report of a saved .keras model: effcli's own builds, keras-cv and keras.applications EfficientNets."""
    return assemble(*read_saved_model(path, size, pyramid=pyramid, force=force))
