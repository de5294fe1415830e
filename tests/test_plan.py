"""The block plan: naming, family rules, drop rates, and invariants over random valid specs."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from effcli.config.loader import parse_spec
from effcli.config.presets import load_preset
from effcli.core.families import FAMILIES, STAGE_LIST_FAMILIES, round_filters_explained
from effcli.core.plan import block_letters, make_plan
from effcli.core.spec import BackboneSpec, StageSpec
from effcli.engines import summarize
from effcli.errors import EffcliError


def test_block_letters_match_keras_cv_then_stay_readable():
    assert [block_letters(j) for j in range(26)] == [chr(97 + j) for j in range(26)]  # keras-cv: chr(97 + j)
    assert [block_letters(j) for j in (26, 27, 51, 52, 701, 702)] == ["aa", "ab", "az", "ba", "zz", "aaa"]


def test_past_26_repeats_names_stay_unique_and_readable():
    # EfficientNetV2-L at depth 1.4: stage 6 has ceil(25 * 1.4) = 35 blocks
    spec = load_preset("efficientnetv2_l").with_changes(depth_coefficient=1.4)
    names = [b.name for b in make_plan(spec, (224, 224, 3)).blocks]
    assert len(names) == len(set(names))
    stage6 = [n for n in names if n.startswith("block6")]
    assert len(stage6) == 35
    assert stage6[25:28] == ["block6z", "block6aa", "block6ab"] and stage6[-1] == "block6ai"


def test_lite_keeps_first_and_last_stage_unscaled_and_fixed_stem_top():
    spec = load_preset("efficientnetlite_b4")  # depth 1.8, width 1.4
    plan = make_plan(spec, (300, 300, 3))
    per_stage = [sum(1 for b in plan.blocks if b.stage == i + 1) for i in range(len(spec.stages))]
    assert per_stage[0] == spec.stages[0].repeats and per_stage[-1] == spec.stages[-1].repeats
    assert per_stage[1:-1] == [math.ceil(1.8 * s.repeats) for s in spec.stages[1:-1]]
    assert plan.blocks[0].output_filters == 32 and plan.blocks[-1].output_filters == 1280
    # block 1 declares round_filters(32 * 1.4) = 48 but receives the fixed stem's 32 channels
    assert (plan.blocks[1].input_filters, plan.blocks[1].input_channels) == (48, 32)
    assert plan.notes and not plan.warnings


def test_declared_versus_actual_channels_in_a_custom_config():
    spec = load_preset("efficientnetv2_b0")
    stages = list(spec.stages)
    stages[4] = StageSpec("mbconv", 3, 2, 104, 112, 6, 0.25, 1)  # previous stage delivers 96
    plan = make_plan(spec.with_changes(stages=tuple(stages)), (224, 224, 3))
    first = next(b for b in plan.blocks if b.name == "block5a")
    assert (first.input_filters, first.input_channels) == (104, 96)
    assert first.expanded_filters == 104 * 6 and first.se_filters == 26
    expand = next(layer for layer in first.layers if layer.name == "block5a_expand_conv")
    assert (expand.input_channels, expand.filters) == (96, 624)  # kernel follows the real channels
    assert any("block5a declares 104" in w for w in plan.warnings)


def test_residual_mismatch_is_a_config_error():
    spec = load_preset("efficientnetv2_b0")
    stages = list(spec.stages)
    stages[4] = StageSpec("mbconv", 3, 2, 112, 112, 6, 0.25, 1)
    with pytest.raises(EffcliError, match=r"stages\[4\]\.input_filters: block5a adds"):
        make_plan(spec.with_changes(stages=tuple(stages)), (224, 224, 3))


def test_fused_expand_one_applies_its_stride():
    """keras.applications applies it; keras-cv 0.9 drops it (README: deliberate differences)."""
    spec = load_preset("efficientnetv2_b0")
    stages = list(spec.stages)
    stages[1] = StageSpec("fused", 3, 2, 16, 32, 1, 0.0, 2)
    plan = make_plan(spec.with_changes(stages=tuple(stages)), (224, 224, 3))
    block = next(b for b in plan.blocks if b.name == "block2a")
    assert block.output_shape == (56, 56, 32)
    project = next(layer for layer in block.layers if layer.name == "block2a_project_conv")
    assert (project.kernel_size, project.strides) == (3, 2)


def test_drop_rates_grow_linearly_to_the_drop_rate():
    plan = make_plan(load_preset("efficientnetv2_b2"), (224, 224, 3))
    blocks = [b for b in plan.blocks if b.kind not in ("stem", "top")]
    assert [b.drop_rate for b in blocks] == [0.2 * i / len(blocks) for i in range(len(blocks))]


def test_round_filters_rules_are_named():
    v1, v2 = FAMILIES["efficientnetv1"], FAMILIES["efficientnetv2"]
    # V1-B7: 16 * 2.0 = 32 -> 32 (nearest multiple); 4 * 0.5 = 2 -> 8 (divisor floor)
    assert (
        round_filters_explained(16, rules=v1, width_coefficient=2.0, depth_divisor=8, min_depth=None).rule
        == "nearest multiple"
    )
    assert round_filters_explained(4, rules=v1, width_coefficient=0.5, depth_divisor=8, min_depth=None).result == 8
    # 16 * 1.2 = 19.2: nearest multiple of 8 is 16, which loses more than 10% -> 24 (V1), 16 (V2)
    lost = round_filters_explained(16, rules=v1, width_coefficient=1.2, depth_divisor=8, min_depth=None)
    assert (lost.result, lost.rule) == (24, "+divisor (10% rule)")
    assert round_filters_explained(16, rules=v2, width_coefficient=1.2, depth_divisor=8, min_depth=8).result == 16
    floor = round_filters_explained(16, rules=v2, width_coefficient=0.25, depth_divisor=8, min_depth=16)
    assert (floor.result, floor.rule) == (16, "minimum depth")


# ---------------------------------------------------------------- random valid specs


@st.composite
def specs(draw):
    family = draw(st.sampled_from(sorted(STAGE_LIST_FAMILIES)))  # EdgeTPU: keras-hub's form only
    rules = FAMILIES[family]
    count = draw(st.integers(1, 7))
    stages = []
    filters = draw(st.sampled_from([16, 24, 32, 40]))
    for _ in range(count):
        out = draw(st.integers(1, 40)) * 8
        stages.append(
            StageSpec(
                block=draw(st.sampled_from(rules.block_types)),
                kernel_size=draw(st.sampled_from([1, 3, 5, 7]))
                if family == "efficientnetv2"
                else draw(st.sampled_from([3, 5])),
                repeats=draw(st.integers(1, 4)),
                input_filters=filters,
                output_filters=out,
                expand_ratio=draw(st.sampled_from([1, 2, 4, 6])),
                se_ratio=draw(st.sampled_from([0.0, 0.25, 0.5])) if rules.has_se else 0.0,
                strides=draw(st.sampled_from([1, 2])),
            )
        )
        filters = out
    return BackboneSpec(
        name="random",
        family=family,
        stages=tuple(stages),
        width_coefficient=draw(st.sampled_from([0.5, 0.75, 1.0, 1.1, 1.4, 2.0])),
        depth_coefficient=draw(st.sampled_from([0.5, 1.0, 1.2, 1.8, 3.1])),
        min_depth=8 if rules.uses_min_depth else None,
        activation=rules.default_activation,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), height=st.integers(1, 400), width=st.integers(1, 400))
def test_random_specs_are_self_consistent(spec, height, width):
    try:
        report = summarize(spec, (height, width, 3), engine="analytic")
    except EffcliError as exc:  # only the documented channel conflicts may refuse a valid-looking spec
        assert "cannot work" in str(exc) or "squeeze-excite produces" in str(exc)
        return
    assert sum(b.params for b in report.blocks) == report.totals.params
    assert sum(b.trainable for b in report.blocks) == report.totals.trainable
    for block in report.blocks:
        assert block.params == sum(layer.params for layer in block.layers)
        assert block.output_shape[2] == block.output_filters
    # spatial size halves (rounding up) at every stride 2 and nowhere else
    h, w = height, width
    for block in report.blocks:
        h, w = math.ceil(h / block.strides), math.ceil(w / block.strides)
        assert block.output_shape[:2] == (h, w), block.name
    assert report.pyramid[-1].layer == "top_activation"
    assert len(report.pyramid) == 1 + sum(1 for b in report.blocks[1:-1] if b.strides == 2)
    # the spec survives the readable YAML form unchanged
    assert parse_spec(spec.to_readable_dict(), source="x") == spec
