"""The saved-model reader produces the plan a config does: same blocks, roles and pyramid (both conventions)."""

from __future__ import annotations

import dataclasses

import pytest

from effcli.config.presets import load_preset
from effcli.core.plan import make_plan
from effcli.core.report import assemble
from effcli.engines import analytic

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def engines():
    from effcli.engines import keras_engine, saved_model

    keras_engine.import_keras()
    return keras_engine, saved_model


def structure(plan):
    return [
        (b.name, b.kind, b.stage, b.strides, b.output_shape, b.output_layer, [(l.name, l.role) for l in b.layers])
        for b in plan.blocks
    ]


def graph_structure(plan):
    """What a plan looks like read off a portable file's graph alone: functional layer names, no V2 block layer."""
    from effcli.engines.keras_engine import functional_names

    rows = []
    for b in plan.blocks:
        names = functional_names(b.layers)
        output_layer = names[-1] if b.keras_layer else b.output_layer
        roles = [l.role for l in b.layers]
        rows.append(
            (b.name, b.kind, b.stage, b.strides, b.output_shape, output_layer, list(zip(names, roles, strict=True)))
        )
    return rows


@pytest.mark.parametrize(
    ("preset", "shape"),
    [("efficientnetv2_b0", (128, 96, 3)), ("efficientnetv1_b0", (97, 113, 3)), ("efficientnetlite_b0", (96, 96, 3))],
)
def test_an_effcli_build_reads_back_into_the_same_plan(engines, tmp_path, preset, shape):
    keras_engine, saved_model = engines
    keras = keras_engine.import_keras()
    spec = load_preset(preset)
    path = tmp_path / "model.keras"
    keras_engine.save_model(make_plan(spec, shape), path)
    # without effcli's description (a model renamed and re-saved): read off the graph alone (a model still named
    # after its preset would be recognised as the preset: test_portable.py)
    bare = tmp_path / "bare.keras"
    loaded = keras.saving.load_model(path)
    keras.Model(loaded.inputs, loaded.outputs, name=f"my_{spec.name}").save(bare)
    for convention in ("keras", "timm"):
        expected = make_plan(spec, shape, pyramid=convention)
        # with the description: the config's own plan, verified against the file's layers
        plan, measured = saved_model.read_saved_model(path, None, pyramid=convention)
        assert plan.warnings == expected.warnings and plan.info.source == str(path)
        assert plan.source_spec == spec and plan.info == dataclasses.replace(expected.info, source=str(path))
        assert plan.pyramid == expected.pyramid and structure(plan) == structure(expected)
        assert [b.drop_rate for b in plan.blocks] == [b.drop_rate for b in expected.blocks]
        ours, theirs = assemble(expected, analytic.measure(expected)).to_dict(), assemble(plan, measured).to_dict()
        assert ours == theirs

        plan, measured = saved_model.read_saved_model(bare, None, pyramid=convention)
        tap = [(t.level, t.block, t.output_shape, t.stride) for t in plan.pyramid]
        assert tap == [(t.level, t.block, t.output_shape, t.stride) for t in expected.pyramid]
        assert plan.pyramid_convention == convention and plan.source_spec is None and plan.warnings == ()
        with pytest.raises(AttributeError, match="has no spec"):
            plan.spec  # noqa: B018
        assert structure(plan) == graph_structure(expected)
        keras_activation = {"swish": "silu"}.get(spec.activation, spec.activation)  # Keras' name for swish
        assert (plan.info.name, plan.info.family, plan.info.activation) == (
            f"my_{spec.name}",
            spec.family,
            keras_activation,
        )
        assert plan.info.width_coefficient is None and plan.info.drop_rate is None
        # the plan read off the file counts like the config's own: analytic engine == Keras' numbers
        ours, theirs = assemble(plan, analytic.measure(plan)).to_dict(), assemble(plan, measured).to_dict()
        params = sum(b.count.params for b in analytic.measure(expected).blocks)
        assert ours["totals"]["params"] == theirs["totals"]["params"] == params
        assert ours["totals"]["macs"] == theirs["totals"]["macs"]
        assert ours["pyramid"] == theirs["pyramid"]


def test_keras_applications_layers_get_the_preset_roles(engines, tmp_path):
    keras_engine, saved_model = engines
    keras = keras_engine.import_keras()
    model = keras.applications.EfficientNetB0(include_top=True, weights=None, input_shape=(224, 224, 3))
    model.save(tmp_path / "b0.keras")
    plan, _ = saved_model.read_saved_model(tmp_path / "b0.keras", None)
    expected = make_plan(load_preset("efficientnetv1_b0"), (224, 224, 3))
    stem, *body, top, head = plan.blocks
    assert [l.role for l in stem.layers] == ["rescaling", "normalization"] + [l.role for l in expected.blocks[0].layers]
    assert [[l.role for l in b.layers] for b in body + [top]] == [
        [l.role for l in b.layers] for b in expected.blocks[1:]
    ]
    assert [l.role for l in head.layers] == ["head_pool", "head_dropout", "classifier"]
    assert plan.pyramid == expected.pyramid
