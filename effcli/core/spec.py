"""Validated, frozen backbone specs: what a config describes, before any rule is applied.

``effcli.config.loader`` turns a YAML document into a :class:`BackboneSpec`;
``effcli.core.plan`` turns a spec into the concrete block plan.
"""

from __future__ import annotations

from dataclasses import asdict, field, replace
from typing import Any

from effcli.core.families import FAMILIES, V2, FamilyRules, round_filters
from effcli.records import record

ACTIVATIONS = (
    "swish",
    "silu",
    "relu",
    "relu6",
    "gelu",
    "elu",
    "selu",
    "sigmoid",
    "tanh",
    "hard_swish",
    "hard_silu",
    "hard_sigmoid",
    "leaky_relu",
    "mish",
    "softplus",
    "softsign",
    "linear",
)
BLOCK_ALIASES = {"fused": "fused", "mbconv": "mbconv", "unfused": "mbconv"}
# keras-hub's block types (stackwise_block_types) and the plan kind each is shown as: "v1" is
# keras.applications' MBConv, "unfused" keras-hub's MBConvBlock, "fused" its FusedMBConvBlock,
# "cba" its CBABlock (conv, batch norm, activation: a full conv, so shown as Fused).
KERAS_HUB_BLOCKS = {"v1": "mbconv", "unfused": "mbconv", "fused": "fused", "cba": "fused"}

_COMMON_KEYS = (
    "name",
    "description",
    "family",
    "native_resolution",
    "width_coefficient",
    "depth_coefficient",
    "depth_divisor",
    "min_depth",
    "activation",
    "input_shape",
    "include_rescaling",
    "trainable",
)
READABLE_KEYS = _COMMON_KEYS + ("drop_rate", "dropout_rate", "published", "stages")
STAGE_KEYS = (
    "block",
    "kernel_size",
    "repeats",
    "input_filters",
    "output_filters",
    "expand_ratio",
    "se_ratio",
    "strides",
)
STACKWISE_KEYS = {
    "stackwise_kernel_sizes": "kernel_size",
    "stackwise_num_repeats": "repeats",
    "stackwise_input_filters": "input_filters",
    "stackwise_output_filters": "output_filters",
    "stackwise_expansion_ratios": "expand_ratio",
    "stackwise_squeeze_and_excite_ratios": "se_ratio",
    "stackwise_strides": "strides",
    "stackwise_conv_types": "block",
}


def stackwise_lists(stages: tuple[StageSpec, ...] | list[StageSpec], *fields: str) -> dict[str, list[Any]]:
    """keras-cv's / keras-hub's per-stage lists of the given stage fields, in that order, by their stackwise_* names."""
    names = {field: key for key, field in STACKWISE_KEYS.items()}
    return {names[field]: [getattr(stage, field) for stage in stages] for field in fields}


# keras-hub's get_config() form: stackwise_* list -> its field in the table of config fields.
KERAS_HUB_STACKWISE_KEYS = {
    **{key: stage_key for key, stage_key in STACKWISE_KEYS.items() if key != "stackwise_conv_types"},
    "stackwise_block_types": "hub_block_type",
    "stackwise_width_coefficients": "width_coefficient",
    "stackwise_depth_coefficients": "depth_coefficient",
    "stackwise_force_input_filters": "force_input_filters",
    "stackwise_nores_option": "nores",
}
KERAS_HUB_KEYS = (
    "name",
    "description",
    "family",  # effcli's label (EdgeTPU); keras-hub's block types decide the network
    "native_resolution",
    "published",
    "width_coefficient",
    "depth_coefficient",
    "depth_divisor",
    "min_depth",
    "activation",
    "input_shape",
    "trainable",
    "dtype",
    "data_format",
    "dropout",
    "include_stem_padding",
    "use_depth_divisor_as_min_depth",
    "cap_round_filter_decrease",
    "stem_conv_padding",
    "batch_norm_momentum",
    "batch_norm_epsilon",
    "projection_activation",
    "num_features",
    *KERAS_HUB_STACKWISE_KEYS,
)
KERAS_CV_KEYS = (
    _COMMON_KEYS
    + tuple(STACKWISE_KEYS)
    + (
        "skip_connection_dropout",
        "drop_connect_rate",
        "dropout_rate",
        "input_tensor",
    )
)


DEFAULT_DROPOUT_RATE = 0.2


@record
class StageSpec:
    """One stage as written in the config (before width/depth scaling)."""

    block: str  # "fused" | "mbconv"
    kernel_size: int
    repeats: int
    input_filters: int
    output_filters: int
    expand_ratio: int
    se_ratio: float
    strides: int


@record
class KerasHubSettings:
    """What a keras-hub EfficientNetBackbone config says beyond the stages: its own block semantics.

    A spec with these settings is planned by keras-hub's rules (``effcli.core.plan``):
    per-stage coefficients, its four block types, forced input filters, no-residual
    stages, its stem padding and rounding options, ``num_features`` for the top.
    """

    block_types: tuple[str, ...]  # per stage: "v1" | "unfused" | "fused" | "cba"
    width_coefficients: tuple[float, ...]  # per stage, as configured
    depth_coefficients: tuple[float, ...]
    force_input_filters: tuple[int, ...]  # per stage, 0 = not forced
    nores: tuple[bool, ...]  # per stage, True = no residual connection (ignored by "v1" blocks)
    include_stem_padding: bool = True
    stem_conv_padding: str = "valid"
    use_depth_divisor_as_min_depth: bool = False
    cap_round_filter_decrease: bool = False
    num_features: int = 1280
    projection_activation: str | None = None
    batch_norm_momentum: float = 0.9
    batch_norm_epsilon: float = 1e-5


DEFAULT_SIZE = 224  # the input of a config with neither a concrete input_shape nor a native resolution
PLAIN_TRAINING = "ImageNet-1k"  # a published accuracy trained on ImageNet-1k alone


@record
class Published:
    """What a preset's paper reports for it: ImageNet top-1 at an evaluation resolution, and where."""

    top1: float
    resolution: int
    source: str
    training: str = PLAIN_TRAINING

    @property
    def data(self) -> str:
        """The training data: ``training`` up to its first ", " (what follows is how it was trained)."""
        return self.training.split(", ", 1)[0]

    @property
    def method(self) -> str:
        """How it was trained beyond the plain recipe ("AdvProp + AutoAugment"); "" for the plain recipe."""
        return self.training.split(", ", 1)[1] if ", " in self.training else ""

    @property
    def more_data(self) -> bool:
        """Trained on more data than ImageNet-1k (the tables mark it, the chart draws it hollow)."""
        return self.data != PLAIN_TRAINING

    @property
    def other_method(self) -> bool:
        """ImageNet-1k alone, but trained another way than the paper's plain recipe (B8: AdvProp)."""
        return not self.more_data and bool(self.method)

    def to_dict(self) -> dict[str, Any]:
        return {"top1": self.top1, "resolution": self.resolution, "training": self.training, "source": self.source}


@record
class BackboneSpec:
    """A whole backbone as configured: stages plus the global settings."""

    name: str
    family: str
    stages: tuple[StageSpec, ...]
    width_coefficient: float = 1.0
    depth_coefficient: float = 1.0
    depth_divisor: int = 8
    min_depth: int | None = 8
    activation: str = "swish"
    drop_rate: float = 0.2
    input_shape: tuple[int | None, int | None, int] = (None, None, 3)
    include_rescaling: bool = False
    trainable: bool = True
    description: str = ""
    native_resolution: int | None = None
    dropout_rate: float = 0.2  # the classifier's dropout (top_dropout) when a head is added
    published: Published | None = None  # a preset's published accuracy
    source: str = field(default="<config>", compare=False)
    form: str = field(default="readable", compare=False)  # "readable" | "keras-cv" | "keras-hub"
    keras_hub: KerasHubSettings | None = None  # keras-hub's block semantics (the keras-hub form only)

    def field_path(self, stage_index: int, key: str) -> str:
        """How the config file spells a stage field, for error messages."""
        if self.form in ("keras-cv", "keras-hub"):
            keys = STACKWISE_KEYS if self.form == "keras-cv" else KERAS_HUB_STACKWISE_KEYS
            list_key = next(k for k, v in keys.items() if v == key)
            return f"{list_key}[{stage_index}]"
        return f"stages[{stage_index}].{key}"

    @property
    def rules(self) -> FamilyRules:
        return FAMILIES[self.family]

    @property
    def default_size(self) -> tuple[int, int, str]:
        """(height, width, where from) of the input without --resolution: the config's concrete input_shape
        ("input_shape"), else its native resolution, as for every preset ("native"), else 224 x 224 ("224")."""
        height, width, _ = self.input_shape
        if height is not None and width is not None:
            return (height, width, "input_shape")
        if self.native_resolution is not None:
            return (self.native_resolution, self.native_resolution, "native")
        return (DEFAULT_SIZE, DEFAULT_SIZE, "224")

    def rounded_filters(self, filters: int) -> int:
        """round_filters(filters) with this spec's family rules, width coefficient, divisor and minimum depth."""
        return round_filters(
            filters,
            rules=self.rules,
            width_coefficient=self.width_coefficient,
            depth_divisor=self.depth_divisor,
            min_depth=self.min_depth,
        )

    def with_changes(self, **changes: Any) -> BackboneSpec:
        return replace(self, **changes)

    def to_readable_dict(self) -> dict[str, Any]:
        """The readable stage-list form, as effcli writes it (loads back identically)."""
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        data["family"] = self.family
        if self.native_resolution is not None:
            data["native_resolution"] = self.native_resolution
        data["width_coefficient"] = self.width_coefficient
        data["depth_coefficient"] = self.depth_coefficient
        data["depth_divisor"] = self.depth_divisor
        if self.rules.uses_min_depth:
            data["min_depth"] = self.min_depth
        data["activation"] = self.activation
        data["drop_rate"] = self.drop_rate
        if self.dropout_rate != DEFAULT_DROPOUT_RATE:
            data["dropout_rate"] = self.dropout_rate
        data["input_shape"] = list(self.input_shape)
        if self.include_rescaling:
            data["include_rescaling"] = True
        if not self.trainable:
            data["trainable"] = False
        stages = []
        for stage in self.stages:
            entry = asdict(stage)
            if not self.rules.has_se:
                del entry["se_ratio"]
            stages.append(entry)
        data["stages"] = stages
        if self.published is not None:
            data["published"] = self.published.to_dict()
        return data

    def to_keras_cv_config(self) -> dict[str, Any]:
        """Keyword arguments for keras-cv 0.9's backbone class of this family."""
        config: dict[str, Any] = {
            "include_rescaling": self.include_rescaling,
            "width_coefficient": self.width_coefficient,
            "depth_coefficient": self.depth_coefficient,
            **stackwise_lists(
                self.stages, "kernel_size", "repeats", "input_filters", "output_filters", "expand_ratio", "strides"
            ),
            "depth_divisor": self.depth_divisor,
            "activation": self.activation,
            "input_shape": list(self.input_shape),
            "name": self.name,
            "trainable": self.trainable,
        }
        if self.rules.has_se:
            config["stackwise_squeeze_and_excite_ratios"] = [s.se_ratio for s in self.stages]
        if self.family == V2:
            config["stackwise_conv_types"] = ["fused" if s.block == "fused" else "unfused" for s in self.stages]
            config["min_depth"] = self.min_depth
            config["skip_connection_dropout"] = self.drop_rate
        else:
            config["drop_connect_rate"] = self.drop_rate
            config["dropout_rate"] = self.dropout_rate
        return config
