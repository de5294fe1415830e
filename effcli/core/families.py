"""Width and depth scaling: round_filters, round_repeats and the per-family rules.

These reproduce keras-cv 0.9 (and keras.applications) to the unit, including the
order of the floating-point operations, so that a coefficient such as 1.1 rounds
exactly as it does there.
"""

from __future__ import annotations

import math

from effcli.records import record

V2 = "efficientnetv2"
V1 = "efficientnetv1"
LITE = "efficientnetlite"
EDGETPU = "efficientnetedgetpu"  # written in keras-hub's config form only (its fused blocks need it)


@record
class FamilyRules:
    """What distinguishes one EfficientNet family from another."""

    name: str
    title: str
    block_types: tuple[str, ...]  # allowed block types, the first is the default
    default_activation: str
    has_se: bool  # squeeze-excite allowed
    uses_min_depth: bool  # V2's round_filters floor
    ten_percent_rule: bool  # V1/Lite: +divisor when rounding lost more than 10%
    fixed_stem_filters: int | None  # Lite: 32, whatever the width
    fixed_top_filters: int | None  # Lite: 1280, whatever the width
    unscaled_end_stages: bool  # Lite: first and last stage repeats not scaled
    explicit_padding: bool  # V1/Lite: ZeroPadding2D + "valid" conv before stride 2


FAMILIES: dict[str, FamilyRules] = {
    V2: FamilyRules(
        name=V2,
        title="EfficientNetV2",
        block_types=("fused", "mbconv"),
        default_activation="swish",
        has_se=True,
        uses_min_depth=True,
        ten_percent_rule=False,
        fixed_stem_filters=None,
        fixed_top_filters=None,
        unscaled_end_stages=False,
        explicit_padding=False,
    ),
    V1: FamilyRules(
        name=V1,
        title="EfficientNet V1",
        block_types=("mbconv",),
        default_activation="swish",
        has_se=True,
        uses_min_depth=False,
        ten_percent_rule=True,
        fixed_stem_filters=None,
        fixed_top_filters=None,
        unscaled_end_stages=False,
        explicit_padding=True,
    ),
    LITE: FamilyRules(
        name=LITE,
        title="EfficientNet-Lite",
        block_types=("mbconv",),
        default_activation="relu6",
        has_se=False,
        uses_min_depth=False,
        ten_percent_rule=True,
        fixed_stem_filters=32,
        fixed_top_filters=1280,
        unscaled_end_stages=True,
        explicit_padding=True,
    ),
    EDGETPU: FamilyRules(
        name=EDGETPU,
        title="EfficientNet-EdgeTPU",
        block_types=("fused", "mbconv"),
        default_activation="relu",
        has_se=False,
        uses_min_depth=False,
        ten_percent_rule=True,
        fixed_stem_filters=None,
        fixed_top_filters=None,
        unscaled_end_stages=False,
        explicit_padding=True,
    ),
}
# The families a readable (stage-list) or keras-cv config may name; EdgeTPU is keras-hub's form only.
STAGE_LIST_FAMILIES = (V2, V1, LITE)

TOP_BASE_FILTERS = 1280


@record
class RoundedFilters:
    """One round_filters decision, with the rule that made it."""

    base: int
    scaled: float  # base * width, exactly as computed
    result: int
    rule: str  # "nearest multiple", "minimum depth", "+divisor (10% rule)", "fixed"


def round_filters_explained(
    filters: int,
    *,
    rules: FamilyRules,
    width_coefficient: float,
    depth_divisor: int,
    min_depth: int | None,
) -> RoundedFilters:
    scaled = filters * width_coefficient
    nearest = int(scaled + depth_divisor / 2) // depth_divisor * depth_divisor
    if rules.uses_min_depth:
        floor = min_depth or depth_divisor
        floor_rule = "minimum depth"
    else:
        floor = depth_divisor
        floor_rule = "divisor floor"
    result = max(floor, nearest)
    rule = "nearest multiple" if nearest >= floor else floor_rule
    if rules.ten_percent_rule and result < 0.9 * scaled:
        result += depth_divisor
        rule = "+divisor (10% rule)"
    return RoundedFilters(base=filters, scaled=scaled, result=int(result), rule=rule)


def round_filters(
    filters: int,
    *,
    rules: FamilyRules,
    width_coefficient: float,
    depth_divisor: int,
    min_depth: int | None,
) -> int:
    return round_filters_explained(
        filters,
        rules=rules,
        width_coefficient=width_coefficient,
        depth_divisor=depth_divisor,
        min_depth=min_depth,
    ).result


def round_repeats(repeats: int, *, depth_coefficient: float) -> int:
    return math.ceil(depth_coefficient * repeats)


def stage_repeats(
    repeats: int, *, rules: FamilyRules, stage_index: int, stage_count: int, depth_coefficient: float
) -> int:
    """Repeats of one stage after depth scaling (Lite leaves its first and last stage alone)."""
    if rules.unscaled_end_stages and stage_index in (0, stage_count - 1):
        return repeats
    return round_repeats(repeats, depth_coefficient=depth_coefficient)
