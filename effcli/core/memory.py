"""Memory at a batch size and a dtype: the variables, the activations, and a training-step estimate.

Computed from a report (its totals and every layer's output shape), never from a
build. Sizes in bytes; 1 MB = 2**20 bytes, as elsewhere in effcli.

- **Variables**: every parameter (trainable and BatchNorm's moving statistics) x
  the variable dtype's size.
- **Activations** (inference, the report's existing measure): the sum of the
  block outputs (stem and top included, the input image not) x batch x the
  activation dtype's size. At float32 and batch 1 it is ``Totals.activation_bytes``.
- **Training step** (with an optimizer): variables + gradients (trainable params
  x the variable dtype's size) + optimizer slots (sgd 0, momentum 1, adam / adamw
  2 per trainable param, in the variable dtype) + the activations kept for the
  backward pass: the input tensor plus every layer's output (not only the block
  outputs) x batch x the activation dtype's size. An estimate: it ignores the
  framework's workspace, temporary buffers, operator fusion (which keeps fewer
  tensors), recomputation (gradient checkpointing), the optimizer's step counter
  and the batch of labels.

``mixed_float16`` is Keras's mixed precision policy: float32 variables (so float32
gradients and optimizer slots) and float16 activations.

Import-light on purpose: the standard library and effcli's own core only.
"""

from __future__ import annotations

import math
from typing import Any

from effcli.core.report import BYTES_PER_ACTIVATION, BlockReport, Report
from effcli.records import record

# dtype -> (variable dtype, activation dtype), as Keras's dtype policy of that name.
POLICIES = {
    "float32": ("float32", "float32"),
    "float16": ("float16", "float16"),
    "bfloat16": ("bfloat16", "bfloat16"),
    "mixed_float16": ("float32", "float16"),
}
DTYPES = tuple(POLICIES)
ITEM_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
# Optimizer slots per trainable parameter: momentum's velocity; Adam's (and AdamW's) first and second moments.
OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
OPTIMIZERS = tuple(OPTIMIZER_SLOTS)
DEFAULT_BATCH, DEFAULT_DTYPE = 1, "float32"


@record
class MemorySettings:
    """What ``--batch``, ``--dtype`` and ``--optimizer`` ask for (checked by the CLI)."""

    batch: int = DEFAULT_BATCH
    dtype: str = DEFAULT_DTYPE
    optimizer: str | None = None  # None: no training estimate

    @property
    def is_default(self) -> bool:
        """None of the options given (or given at their defaults): views keep their default output."""
        return self.batch == DEFAULT_BATCH and self.dtype == DEFAULT_DTYPE and self.optimizer is None

    @property
    def variable_dtype(self) -> str:
        return POLICIES[self.dtype][0]

    @property
    def activation_dtype(self) -> str:
        return POLICIES[self.dtype][1]

    @property
    def variable_size(self) -> int:
        return ITEM_BYTES[self.variable_dtype]

    @property
    def activation_size(self) -> int:
        return ITEM_BYTES[self.activation_dtype]

    def label(self) -> str:
        """``float32, batch 1``; ``mixed_float16, batch 32``."""
        return f"{self.dtype}, batch {self.batch}"

    def activation_label(self) -> str:
        """The activations' dtype and batch: ``float32, batch 1``; ``float16 under mixed_float16, batch 32``."""
        under = f" under {self.dtype}" if self.activation_dtype != self.dtype else ""
        return f"{self.activation_dtype}{under}, batch {self.batch}"


DEFAULT_SETTINGS = MemorySettings()


@record
class Training:
    """The training-step estimate, line by line (bytes)."""

    optimizer: str
    slots_per_param: int
    variable_bytes: int
    gradient_bytes: int
    slot_bytes: int
    activation_bytes: int  # kept for the backward pass: the input and every layer's output

    @property
    def total_bytes(self) -> int:
        return self.variable_bytes + self.gradient_bytes + self.slot_bytes + self.activation_bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer,
            "slots_per_param": self.slots_per_param,
            "variable_bytes": self.variable_bytes,
            "gradient_bytes": self.gradient_bytes,
            "optimizer_slot_bytes": self.slot_bytes,
            "activation_bytes": self.activation_bytes,
            "total_bytes": self.total_bytes,
            "total_mb": round(self.total_bytes / 2**20, 2),
        }


@record
class Memory:
    """A network's (or one block's) memory at the given settings."""

    settings: MemorySettings
    params: int
    trainable: int
    variable_bytes: int  # params x the variable dtype's size
    activation_bytes: int  # inference: the block outputs x batch x the activation dtype's size
    layer_activation_bytes: int  # the input (whole network only) and every layer's output, x batch x dtype size
    training: Training | None  # None without an optimizer

    @property
    def variable_mb(self) -> float:
        return self.variable_bytes / 2**20

    @property
    def activation_mb(self) -> float:
        return self.activation_bytes / 2**20

    def to_dict(self) -> dict[str, Any]:
        settings = self.settings
        return {
            "batch": settings.batch,
            "dtype": settings.dtype,
            "variable_dtype": settings.variable_dtype,
            "activation_dtype": settings.activation_dtype,
            "variable_bytes": self.variable_bytes,
            "variable_mb": round(self.variable_mb, 2),
            "activation_bytes": self.activation_bytes,
            "activation_mb": round(self.activation_mb, 2),
            "layer_activation_bytes": self.layer_activation_bytes,
            "training": None if self.training is None else self.training.to_dict(),
        }


def layer_elements(blocks: tuple[BlockReport, ...] | list[BlockReport]) -> int:
    """Elements of every layer's output (batch 1), over ``blocks``."""
    return sum(math.prod(layer.output_shape) for block in blocks for layer in block.layers)


def _memory(
    settings: MemorySettings, *, params: int, trainable: int, output_elements: int, kept_elements: int
) -> Memory:
    variable_size, activation_size, batch = settings.variable_size, settings.activation_size, settings.batch
    variable_bytes = params * variable_size
    kept_bytes = kept_elements * batch * activation_size
    training = None
    if settings.optimizer is not None:
        slots = OPTIMIZER_SLOTS[settings.optimizer]
        training = Training(
            optimizer=settings.optimizer,
            slots_per_param=slots,
            variable_bytes=variable_bytes,
            gradient_bytes=trainable * variable_size,
            slot_bytes=slots * trainable * variable_size,
            activation_bytes=kept_bytes,
        )
    return Memory(
        settings=settings,
        params=params,
        trainable=trainable,
        variable_bytes=variable_bytes,
        activation_bytes=output_elements * batch * activation_size,
        layer_activation_bytes=kept_bytes,
        training=training,
    )


def memory_of(report: Report, settings: MemorySettings = DEFAULT_SETTINGS) -> Memory:
    """The network's memory at ``settings``.

    The inference activations start from the report's own measure (``Totals.activation_bytes``, float32 batch 1);
    the backward pass keeps the input tensor too (the stem convolution's weight gradient needs it).
    """
    totals = report.totals
    return _memory(
        settings,
        params=totals.params,
        trainable=totals.trainable,
        output_elements=totals.activation_bytes // BYTES_PER_ACTIVATION,
        kept_elements=math.prod(report.input_shape) + layer_elements(report.blocks),
    )


def block_memory(block: BlockReport, settings: MemorySettings = DEFAULT_SETTINGS) -> Memory:
    """One block's share: its variables, its output, its layers' outputs (its input belongs to the block before)."""
    return _memory(
        settings,
        params=block.params,
        trainable=block.trainable,
        output_elements=math.prod(block.output_shape),
        kept_elements=layer_elements([block]),
    )
