"""Layer roles: every planned layer says what it does, and nothing reads a role off a layer's name."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from effcli.config.presets import load_preset, preset_names
from effcli.core.plan import CONV_ROLES, ROLES, SE_ROLES, make_plan, pyramid_taps
from effcli.engines import summarize
from effcli.engines.saved_model import ROLE_BY_NAME, layer_role
from effcli.tools.budget import cost_model
from effcli.tools.explain import channel_flow

PLANS = {name: make_plan(load_preset(name), (224, 224, 3)) for name in preset_names()}
OLD_LAYER_KEYS = {
    "name",
    "class",
    "kernel_size",
    "strides",
    "output_shape",
    "params",
    "trainable",
    "non_trainable",
    "macs",
}


def roles(block):
    return [layer.role for layer in block.layers]


@pytest.mark.parametrize("name", preset_names())
def test_every_layer_of_every_preset_has_a_role(name):
    for block in PLANS[name].blocks:
        for layer in block.layers:
            assert layer.role in ROLES - {"other", "head_pool", "head_dropout", "classifier"}, layer
            assert (layer.op in ("conv", "dwconv")) == (layer.role in CONV_ROLES), layer
            assert (layer.op == "dwconv") == (layer.role == "depthwise"), layer


@pytest.mark.parametrize("name", preset_names())
def test_roles_describe_each_block(name):
    for block in PLANS[name].blocks:
        by_role = {}
        for layer in block.layers:
            by_role.setdefault(layer.role, []).append(layer)
        if block.kind == "stem":
            assert [l.strides for l in by_role["stem_conv"]] == [2]
            continue
        if block.kind == "top":
            assert [l.filters for l in by_role["top_conv"]] == [block.output_filters]
            continue
        # the SE layers found by role match the SE widths
        if block.se_filters:
            se = [l.role for l in block.layers if l.role in SE_ROLES]
            assert se == ["se_squeeze", "se_reshape", "se_reduce", "se_expand", "se_excite"]
            assert [l.filters for l in by_role["se_reduce"]] == [block.se_filters]
            assert [l.filters for l in by_role["se_expand"]] == [block.expanded_filters]
        else:
            assert not SE_ROLES & by_role.keys()
        assert [l.filters for l in by_role["project_conv"]] == [block.output_filters]
        hub = PLANS[name].source_spec.keras_hub
        if hub is None:
            expands = block.expand_ratio != 1
        else:  # keras-hub: its fused block always expands (ratio 1 too), its cba block never
            kind = hub.block_types[block.stage - 1]
            expands = kind == "fused" or (kind != "cba" and block.expand_ratio != 1)
        assert len(by_role.get("expand_conv", [])) == expands
        assert len(by_role.get("depthwise", [])) == (block.kind == "mbconv")
        assert len(by_role.get("add", [])) == block.residual
        assert len(by_role.get("dropout", [])) == bool(block.residual and block.drop_rate)


@pytest.mark.parametrize("name", preset_names())
def test_the_saved_model_name_table_gives_the_plan_roles(name):
    """effcli's own layer names, read back through saved_model's one table, carry the roles the plan gave them."""
    for block in PLANS[name].blocks:
        assert [layer_role(l.name, l.op) for l in block.layers] == roles(block)


def test_the_name_table_covers_keras_applications_names():
    # keras.applications' names that effcli does not write itself
    assert layer_role("block1a_project_activation", "activation") == "activation"
    assert layer_role("block2b_project_conv", "conv") == "project_conv"
    assert layer_role("block3a_dwconv2", "dwconv") == "depthwise"
    assert layer_role("normalization", "Normalization") == "normalization"
    assert layer_role("rescaling_1", "rescaling") == "rescaling"  # Keras' suffix of a repeated default name
    assert [layer_role(n, "") for n in ("avg_pool", "max_pool", "top_dropout", "predictions")] == [
        "head_pool",
        "head_pool",
        "head_dropout",
        "classifier",
    ]
    assert layer_role("block2a_mystery", "conv") == "other"
    assert layer_role("block2a_mystery", "dwconv") == "depthwise"  # the class alone decides
    assert set(ROLE_BY_NAME.values()) <= ROLES


def test_json_layers_carry_the_role_and_keep_every_old_key(run):
    code, out, _ = run("summary", "b0", "--layers", "-f", "json")
    data = json.loads(out)
    plan = PLANS["efficientnetv2_b0"]
    assert code == 0
    for block, planned in zip(data["blocks"], plan.blocks, strict=True):
        for layer, ours in zip(block["layers"], planned.layers, strict=True):
            assert OLD_LAYER_KEYS | {"role"} == set(layer)
            assert layer["role"] == ours.role


def renamed(plan):
    """The plan with every layer renamed to something meaningless: only the roles say what is what."""
    blocks = tuple(
        replace(block, layers=tuple(replace(layer, name=f"layer{i}") for i, layer in enumerate(block.layers)))
        for block in plan.blocks
    )
    return replace(plan, blocks=blocks)


def test_channel_flow_follows_roles_not_names():
    plan = PLANS["efficientnetv2_b2"]
    report = summarize(plan.spec, (224, 224, 3), engine="analytic")
    block = next(b for b in report.blocks if b.name == "block4b")
    anonymous = replace(block, layers=tuple(replace(l, name=f"layer{i}") for i, l in enumerate(block.layers)))
    assert channel_flow(block) == channel_flow(anonymous) == ["104", "416", "416", "SE 26", "104"]


@pytest.mark.parametrize("name", ["efficientnetv2_b0", "efficientnetv1_b3", "efficientnetlite_b1"])
def test_cost_model_follows_roles_not_names(name):
    plan = PLANS[name]
    model = cost_model(plan)
    assert cost_model(renamed(plan)) == model
    assert (model.fixed > 0) == plan.spec.rules.has_se


@pytest.mark.parametrize("name", preset_names())
@pytest.mark.parametrize("convention", ["keras", "timm"])
def test_make_plan_uses_the_one_pyramid_rule(name, convention):
    plan = make_plan(load_preset(name), (256, 192, 3), pyramid=convention)
    assert plan.pyramid == pyramid_taps(plan.blocks, convention)
    assert [tap.stride for tap in plan.pyramid] == [2, 4, 8, 16, 32]
    last = plan.pyramid[-1]
    assert (last.block, last.layer) == (
        ("top", "top_activation") if convention == "keras" else (plan.blocks[-2].name, plan.blocks[-2].output_layer)
    )


def test_pyramid_rule_without_a_top_or_with_a_head():
    blocks = PLANS["efficientnetlite_b0"].blocks
    without_top = pyramid_taps(blocks[:-1], "keras")
    assert without_top == pyramid_taps(blocks, "timm")
    head = replace(blocks[-1], name="head", kind="head", strides=2, output_layer="predictions")
    assert pyramid_taps((*blocks, head), "keras") == pyramid_taps(blocks, "keras")


def test_plan_info_carries_what_the_report_needs():
    plan = PLANS["efficientnetv1_b2"]
    report = summarize(plan.spec, (224, 224, 3), engine="analytic")
    info = plan.info
    assert (info.name, info.family, info.family_title, info.source, info.activation) == (
        report.name,
        report.family,
        report.family_title,
        report.source,
        report.activation,
    )
    assert (info.width_coefficient, info.depth_coefficient, info.drop_rate) == (1.1, 1.2, report.drop_rate)
