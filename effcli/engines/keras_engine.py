"""The Keras engine: builds the real Keras 3 backbone from the block plan and reads its numbers.

This module and ``effcli.engines.saved_model`` (which reads saved .keras files
with the helpers below) are the only ones of effcli that import keras /
tensorflow, and only when one of their functions runs. The layers it creates
come one for one from the plan's ``LayerPlan`` lists (``make_layer``), so this
module holds no family rule of its own; what it adds is Keras: the
EfficientNetV2 block as a Layer of its own (as in keras-cv), the functional
V1/Lite blocks, the model, and reading parameter counts and shapes back off the
built layers.

Counting only needs shapes, so :func:`measure` builds inside
``keras.StatelessScope()``: variables are declared but never initialised. Every
layer, including the V2 block, answers ``compute_output_shape``, so Keras derives
the symbolic shapes without tracing ``call`` (that tracing is what makes a plain
functional build of EfficientNetV2-L slow).

:func:`save_model` writes a *portable* file instead: every block, V2 included, is
built functionally from its LayerPlans (``build_model(plan, portable=True)``), so
plain ``keras.saving.load_model`` (safe mode) loads it without effcli. The model
keeps its plain name (``efficientnetv2_b0``); the file carries effcli's
description of the model (:func:`description_of`) as a readable ``effcli.json``
member of the zip (kept by a plain load, dropped by a re-save, after which the
reader matches a preset's name and layers instead). See docs/engines.md, "Saved
models".
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import math
import os
import re
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from effcli import __version__
from effcli.core.plan import BackbonePlan, LayerPlan, Shape, block_layers_for
from effcli.core.report import BlockMeasure, Count, LayerMeasure, Measurements
from effcli.errors import EffcliError
from effcli.files import atomic_target

NAME = "keras"
PACKAGE = "effcli"
_keras = None
_block_class = None


# --------------------------------------------------------------------------- quiet import


@contextlib.contextmanager
def native_stderr_silenced():
    """Send what C++ code (TensorFlow, absl, oneDNN, CUDA) writes on fd 2 to a temporary file.

    Yields a text stream on the *real* stderr, for a spinner. With EFFCLI_DEBUG set
    nothing is hidden.
    """
    if os.environ.get("EFFCLI_DEBUG"):
        yield sys.stderr
        return
    try:
        stderr_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # a captured stderr without a descriptor (tests)
        stderr_fd = None
    if stderr_fd is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(stderr_fd)
    real_stderr = os.fdopen(os.dup(saved), "w", buffering=1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), stderr_fd)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield real_stderr
        finally:
            sys.stderr.flush()
            os.dup2(saved, stderr_fd)
            os.close(saved)
            real_stderr.close()


def import_keras():
    """Import keras (TensorFlow backend) once, with its start-up chatter silenced."""
    global _keras
    if _keras is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        backend = os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        if backend.strip().lower() == "tensorflow":
            os.environ["KERAS_BACKEND"] = "tensorflow"  # Keras itself takes only the exact spelling
        else:
            raise EffcliError(
                f"'{backend}': effcli builds with Keras on TensorFlow; unset KERAS_BACKEND or set it to tensorflow "
                "(or use --engine analytic, which needs no Keras)",
                source="KERAS_BACKEND",
            )
        with native_stderr_silenced():
            try:
                import keras
            except ImportError as exc:  # a broken or partial install, not a bug of effcli's
                raise EffcliError(
                    f"cannot import Keras on TensorFlow ({exc}); reinstall effcli with pip "
                    "(or use --engine analytic, which needs no Keras)",
                    source="keras",
                ) from None

            try:
                import absl.logging

                absl.logging.set_verbosity(absl.logging.ERROR)
            except ImportError:  # pragma: no cover - absl comes with tensorflow
                pass
            _keras = keras
            _register_block_class(keras)
    return _keras


# --------------------------------------------------------------------------- layers


def _initializer(keras):
    return keras.initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="truncated_normal")


def make_layer(plan: LayerPlan, *, bn_momentum: float):
    """The Keras layer a LayerPlan describes."""
    keras = import_keras()
    layers = keras.layers
    if plan.op == "conv":
        return layers.Conv2D(
            filters=plan.filters,
            kernel_size=plan.kernel_size,
            strides=plan.strides,
            padding=plan.padding,
            use_bias=plan.use_bias,
            activation=plan.activation or None,
            kernel_initializer=_initializer(keras),
            name=plan.name,
        )
    if plan.op == "dwconv":
        return layers.DepthwiseConv2D(
            kernel_size=plan.kernel_size,
            strides=plan.strides,
            padding=plan.padding,
            use_bias=False,
            depthwise_initializer=_initializer(keras),
            name=plan.name,
        )
    if plan.op == "bn":
        return layers.BatchNormalization(axis=-1, momentum=bn_momentum, name=plan.name)
    if plan.op == "activation":
        return layers.Activation(plan.activation, name=plan.name)
    if plan.op == "pad":
        return layers.ZeroPadding2D(padding=plan.pad, name=plan.name)
    if plan.op == "pool":
        return layers.GlobalAveragePooling2D(name=plan.name)
    if plan.op == "reshape":
        return layers.Reshape(plan.output_shape, name=plan.name)
    if plan.op == "multiply":
        return layers.Multiply(name=plan.name)
    if plan.op == "dropout" and plan.role == "head_dropout":  # keras.applications' top_dropout: plain dropout
        return layers.Dropout(plan.rate, name=plan.name)
    if plan.op == "dropout":
        return layers.Dropout(plan.rate, noise_shape=(None, 1, 1, 1), name=plan.name)
    if plan.op == "dense":  # keras.applications' predictions
        return layers.Dense(
            plan.filters,
            activation=plan.activation or None,
            use_bias=plan.use_bias,
            kernel_initializer=keras.initializers.VarianceScaling(
                scale=1.0 / 3.0, mode="fan_out", distribution="uniform"
            ),
            name=plan.name,
        )
    if plan.op == "add":
        return layers.Add(name=plan.name)
    if plan.op == "rescaling":
        return layers.Rescaling(1.0 / 255.0, name=plan.name)
    raise ValueError(f"no Keras layer for op {plan.op!r}")  # a plan bug, not a user mistake


def _walk(plans, layers, x, block_input, apply):
    """Run a block's layers in plan order: the main path, the squeeze-excite side branch, the residual add.

    ``apply(layer, value)`` is a call (tensors) or a shape step (shapes); the same
    walk serves the functional build, the V2 block's call() and its build().
    """
    branch = None
    for plan, layer in zip(plans, layers, strict=True):
        if plan.op == "pool" and plan.role != "head_pool":  # the SE squeeze; the head's pool is the main path
            branch = apply(layer, x)
        elif branch is not None and plan.op in ("reshape", "conv"):
            branch = apply(layer, branch)
        elif plan.op == "multiply":
            x, branch = apply(layer, [x, branch]), None
        elif plan.op == "add":
            x = apply(layer, [x, block_input])
        else:
            x = apply(layer, x)
    return x


def _register_block_class(keras):
    global _block_class

    @keras.saving.register_keras_serializable(package=PACKAGE)
    class EfficientNetV2Block(keras.layers.Layer):  # type: ignore[name-defined]  # keras, imported at run time
        """An EfficientNetV2 Fused-MBConv or MBConv block, one Keras layer as in keras-cv.

        Its sublayers come from effcli's block plan (``effcli.plan.block_layers_for``)
        and carry keras-cv's names (``block2b_expand_conv``, ``block2b_add``, ...).
        """

        def __init__(
            self,
            *,
            kind,
            input_filters,
            input_channels,
            output_filters,
            expand_ratio,
            kernel_size,
            strides,
            se_filters,
            drop_rate,
            activation="swish",
            bn_momentum=0.9,
            **kwargs,
        ):
            super().__init__(**kwargs)
            self.kind = kind
            self.input_filters = input_filters
            self.input_channels = input_channels
            self.output_filters = output_filters
            self.expand_ratio = expand_ratio
            self.kernel_size = kernel_size
            self.strides = strides
            self.se_filters = se_filters
            self.drop_rate = drop_rate
            self.activation = activation
            self.bn_momentum = bn_momentum
            self.plans = block_layers_for(
                "efficientnetv2",
                kind,
                self.name,
                input_channels=input_channels,
                declared_in=input_filters,
                output_filters=output_filters,
                expand_ratio=expand_ratio,
                kernel_size=kernel_size,
                strides=strides,
                se_filters=se_filters,
                drop_rate=drop_rate,
                activation=activation,
            )
            self.block_layers = [make_layer(plan, bn_momentum=bn_momentum) for plan in self.plans]
            self.layer_shapes: list[tuple] = []  # per sublayer, in plan order (names may repeat)

        @property
        def residual(self) -> bool:
            return any(plan.op == "add" for plan in self.plans)

        def _shapes(self, input_shape, *, build: bool):
            shapes = {}

            def step(layer, shape):
                if build and not layer.built:
                    layer.build(shape)
                out = tuple(layer.compute_output_shape(shape))
                shapes[id(layer)] = out
                return out

            out = _walk(self.plans, self.block_layers, tuple(input_shape), tuple(input_shape), step)
            return out, [shapes[id(layer)] for layer in self.block_layers]

        def build(self, input_shape):
            _, self.layer_shapes = self._shapes(input_shape, build=True)

        def compute_output_shape(self, input_shape):
            return self._shapes(input_shape, build=False)[0]

        def call(self, inputs, training=None):
            def step(layer, value):
                if isinstance(layer, keras.layers.Dropout):
                    return layer(value, training=training)
                return layer(value)

            return _walk(self.plans, self.block_layers, inputs, inputs, step)

        def get_config(self):
            config = super().get_config()
            config.update(
                kind=self.kind,
                input_filters=self.input_filters,
                input_channels=self.input_channels,
                output_filters=self.output_filters,
                expand_ratio=self.expand_ratio,
                kernel_size=self.kernel_size,
                strides=self.strides,
                se_filters=self.se_filters,
                drop_rate=self.drop_rate,
                activation=self.activation,
                bn_momentum=self.bn_momentum,
            )
            return config

    _block_class = EfficientNetV2Block


def block_class():
    import_keras()
    return _block_class


# --------------------------------------------------------------------------- model


def _bn_momentum(plan: BackbonePlan) -> float:
    return 0.9 if plan.info.family == "efficientnetv2" else 0.99  # keras-cv's choices


def functional_names(layers: Sequence[LayerPlan]) -> list[str]:
    """The model-level names of a block's layers in a functional graph, which needs unique names.

    keras-cv's V2 MBConv block names two activations ``blockNx_activation`` (inside
    its own layer that is allowed); the second and later uses of a name get Keras'
    own ``_1``, ``_2`` suffix, which the saved-model reader strips to find the role.
    """
    seen: dict[str, int] = {}
    names = []
    for layer in layers:
        count = seen.get(layer.name, 0)
        seen[layer.name] = count + 1
        names.append(layer.name if count == 0 else f"{layer.name}_{count}")
    return names


def _functional_block(block_layers: Sequence[LayerPlan], x, *, bn_momentum: float):
    renamed = [
        dataclasses.replace(layer, name=name)
        for layer, name in zip(block_layers, functional_names(block_layers), strict=True)
    ]
    layers = [make_layer(layer, bn_momentum=bn_momentum) for layer in renamed]
    return _walk(renamed, layers, x, x, lambda layer, value: layer(value))


def build_model(plan: BackbonePlan, *, portable: bool = False, name: str | None = None):
    """The functional Keras model of a plan (variables as the current scope makes them).

    By default a V2 block is one effcli layer (``effcli>EfficientNetV2Block``: fast to
    build, shapes without tracing). ``portable=True`` builds every block from its
    layers, so the model needs nothing of effcli to load; ``name`` is the model's
    name (default: the plan's).
    """
    keras = import_keras()
    momentum = _bn_momentum(plan)
    inputs = keras.Input(shape=plan.input_shape, name="input_layer")
    x = inputs
    for block in plan.blocks:
        if block.keras_layer and not portable:
            x = block_class()(
                name=block.keras_layer,
                kind=block.kind,
                input_filters=block.input_filters,
                input_channels=block.input_channels,
                output_filters=block.output_filters,
                expand_ratio=block.expand_ratio,
                kernel_size=block.kernel_size,
                strides=block.strides,
                se_filters=block.se_filters,
                drop_rate=block.drop_rate,
                activation=plan.info.activation,
                bn_momentum=momentum,
            )(x)
        else:
            x = _functional_block(block.layers, x, bn_momentum=momentum)
    model = keras.Model(inputs, x, name=name or plan.info.name)
    if not plan.info.trainable:
        model.trainable = False
    return model


def count_weights(layer) -> Count:
    """Trainable and non-trainable parameters of a built layer (or model)."""

    def size(weights):
        return sum(math.prod(int(d) for d in w.shape) for w in weights)

    return Count(size(layer.trainable_weights), size(layer.non_trainable_weights))


def conv_macs(layer, output_shape) -> int:
    """MACs of a built Conv2D / DepthwiseConv2D / Dense: kernel size times output positions.

    A Dense layer on a vector (the classifier head's predictions) has one position.
    """
    keras = import_keras()
    if not isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.Dense)):
        return 0
    kernel = math.prod(int(d) for d in layer.kernel.shape)
    return kernel * math.prod(int(d) for d in output_shape[:-1])


def _layer_measure(layer, shape) -> LayerMeasure:
    return LayerMeasure(name=layer.name, count=count_weights(layer), output_shape=shape, macs=conv_macs(layer, shape))


def shape_of(tensor_or_shape) -> tuple[int, ...]:
    """A tensor's (or a shape's) dimensions without the batch axis."""
    shape = getattr(tensor_or_shape, "shape", tensor_or_shape)
    return tuple(int(d) for d in tuple(shape)[1:])


def _hwc(tensor) -> Shape:
    height, width, channels = shape_of(tensor)
    return (height, width, channels)


def read_model(plan: BackbonePlan, model) -> Measurements:
    """Every number of the report, read off a built model."""
    blocks = []
    for block in plan.blocks:
        if block.keras_layer:
            layer = model.get_layer(block.keras_layer)
            layers = tuple(
                _layer_measure(sub, shape_of(shape))
                for sub, shape in zip(layer.block_layers, layer.layer_shapes, strict=True)
            )
            blocks.append(BlockMeasure(block.name, count_weights(layer), _hwc(layer.output), layers))
        else:
            layers = tuple(
                _layer_measure(model.get_layer(p.name), shape_of(model.get_layer(p.name).output)) for p in block.layers
            )
            total = sum((m.count for m in layers), Count(0, 0))
            output = model.get_layer(block.output_layer).output
            shape = shape_of(output) if block.kind == "head" else _hwc(output)  # the head's output is a vector
            blocks.append(BlockMeasure(block.name, total, shape, layers))  # type: ignore[arg-type]
    pyramid = tuple(_hwc(model.get_layer(tap.layer).output) for tap in plan.pyramid)
    return Measurements(engine=NAME, blocks=tuple(blocks), pyramid_shapes=pyramid)


@contextlib.contextmanager
def spinner(stream, message: str):
    if not getattr(stream, "isatty", lambda: False)():
        yield
        return
    from rich.console import Console

    with Console(file=stream).status(message):
        yield


def measure(plan: BackbonePlan) -> Measurements:
    """Build the model without materialising weights and read every number off it."""
    with native_stderr_silenced() as stream, spinner(stream, f"Building {plan.info.name} with Keras..."):
        keras = import_keras()
        # Variables are declared, never filled: initialize_variables=False keeps the
        # scope's exit from initialising them all; clear_session() forgets them.
        with keras.StatelessScope(initialize_variables=False):
            model = build_model(plan)
            measured = read_model(plan, model)
        keras.backend.clear_session()
        return measured


# --------------------------------------------------------------------------- the description

DESCRIPTION_FORMAT = 1
DESCRIPTION_MEMBER = "effcli.json"  # the readable copy inside the .keras zip
NAME_MARK = "__effcli__"  # older builds' model names: <name>__effcli__<base64url(zlib(JSON))>
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def description_of(plan: BackbonePlan) -> dict[str, Any]:
    """What effcli knows about a plan made from a config, as saved with the model.

    The family, the config in effcli's readable form (coefficients, activation as
    written, drop rate, stages), the input shape built and the effcli version, and
    ``classes`` when the model has the classification head (``build --classes``). The
    pyramid convention is a reading choice, not part of the model.
    """
    spec = plan.spec
    description: dict[str, Any] = {
        "format": DESCRIPTION_FORMAT,
        "effcli_version": __version__,
        "family": spec.family,
        "input_shape": list(plan.input_shape),
        "config": spec.to_readable_dict(),
    }
    if plan.classes is not None:
        description["classes"] = plan.classes
    return description


def model_name(name: str) -> str:
    """The saved model's name: ``name`` in the characters every Keras / TensorFlow name accepts."""
    return _UNSAFE_NAME.sub("_", name) or "model"


def encode_name(name: str, description: dict[str, Any]) -> str:
    """A model name that carries ``description``, as earlier effcli builds named their models.

    Kept so tests can make such a file; :func:`decode_name` reads them.
    """
    packed = zlib.compress(json.dumps(description, sort_keys=True, separators=(",", ":")).encode("utf-8"), 9)
    payload = base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
    return f"{model_name(name)}{NAME_MARK}{payload}"


def decode_name(model_name: str) -> tuple[str, dict[str, Any] | None]:
    """(the plain name, the description) of a model name; the description is None if absent.

    Raises ValueError when the name carries a description that cannot be read.
    """
    plain, mark, payload = model_name.partition(NAME_MARK)
    if not mark:
        return model_name, None
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        description = json.loads(zlib.decompress(packed).decode("utf-8"))
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"the description in the model's name cannot be read ({exc})") from None
    if not isinstance(description, dict):
        raise ValueError("the description in the model's name is not a mapping")
    return plain, description


def save_model(plan: BackbonePlan, path: Path, *, force: bool = False) -> int:
    """Build with real weights and save a portable .keras file atomically; returns the parameter count.

    Every block is built from its layers (no custom class); the model has its plain
    name and the file carries :func:`description_of` the plan as ``effcli.json``.
    """
    description = description_of(plan)
    with native_stderr_silenced() as stream, spinner(stream, f"Building {plan.info.name} with Keras..."):
        import_keras()
        model = build_model(plan, portable=True, name=model_name(plan.info.name))
        with atomic_target(path, force=force, option="--output") as temporary:
            model.save(temporary)
            with zipfile.ZipFile(temporary, "a") as archive:
                archive.writestr(DESCRIPTION_MEMBER, json.dumps(description, indent=2) + "\n")
        return model.count_params()
