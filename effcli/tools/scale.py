"""The round_filters / round_repeats explorer behind `effcli scale`.

Takes a base spec, replaces its coefficients (and optionally divisor and minimum
depth), and explains every rounding decision with the family's own rules.
"""

from __future__ import annotations

from typing import Any

from effcli.core import limits
from effcli.core.families import TOP_BASE_FILTERS, round_filters_explained, round_repeats, stage_repeats
from effcli.core.plan import BackbonePlan, keras_hub_coefficients, keras_hub_round_filters_explained, make_plan
from effcli.core.report import Report
from effcli.core.spec import BackboneSpec
from effcli.errors import EffcliError
from effcli.records import record


@record
class FilterRow:
    """One round_filters decision: a base filter count, scaled by the width coefficient and rounded."""

    row: str  # "stem", "stage 1 input", "stage 1 output", ..., "top"
    base: int
    scaled: float | None  # base * width exactly; None when the family fixes the value
    result: int
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "base": self.base, "scaled": self.scaled, "result": self.result, "rule": self.rule}


@record
class RepeatRow:
    """One round_repeats decision: a stage's repeats, scaled by the depth coefficient and rounded up."""

    stage: int
    base: int
    scaled: float  # base * depth exactly
    result: int
    rule: str  # "ceil" or "not scaled (Lite first/last stage)"

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "base": self.base, "scaled": self.scaled, "result": self.result, "rule": self.rule}


@record
class Scaling:
    """Everything `effcli scale` shows: both networks, every rounding decision, both reports, equal presets."""

    base: BackboneSpec
    scaled: BackboneSpec
    filters: tuple[FilterRow, ...]
    repeats: tuple[RepeatRow, ...]
    base_report: Report
    scaled_report: Report
    matches: tuple[str, ...]  # presets with exactly the scaled structure
    compound: Any = None  # effcli.planner.Compound when scaled with --phi

    def to_dict(self) -> dict[str, Any]:
        def summary(report: Report) -> dict[str, Any]:
            return {
                "name": report.name,
                "blocks": report.block_count,
                "params": report.totals.params,
                "macs": report.totals.macs,
            }

        return {
            "base": self.base.name,
            "family": self.base.family,
            "width_coefficient": self.scaled.width_coefficient,
            "depth_coefficient": self.scaled.depth_coefficient,
            "depth_divisor": self.scaled.depth_divisor,
            "min_depth": self.scaled.min_depth,
            "input_shape": list(self.scaled_report.input_shape),
            "round_filters": [row.to_dict() for row in self.filters],
            "round_repeats": [row.to_dict() for row in self.repeats],
            "result": summary(self.scaled_report),
            "base_result": summary(self.base_report),
            "equals_presets": list(self.matches),
            "compound": None if self.compound is None else self.compound.to_dict(),
        }


def scaled_spec(
    base: BackboneSpec, *, width: float, depth: float, divisor: int | None = None, min_depth: int | None = None
) -> BackboneSpec:
    changes: dict[str, Any] = {
        "width_coefficient": limits.check("width_coefficient", width, source="--width"),
        "depth_coefficient": limits.check("depth_coefficient", depth, source="--depth"),
    }
    if divisor is not None:
        changes["depth_divisor"] = limits.check("depth_divisor", divisor, source="--divisor")
    if min_depth is not None:
        if not base.rules.uses_min_depth:
            raise EffcliError(f"{base.family} has no minimum depth (only efficientnetv2 uses it)", source="--min-depth")
        changes["min_depth"] = limits.check("min_depth", min_depth, source="--min-depth")
    changes["name"] = f"{base.name}_w{width:g}_d{depth:g}"
    changes["description"] = f"{base.name} scaled to width {width:g}, depth {depth:g} by effcli scale"
    changes["source"] = f"{base.name} scaled by --width {width:g} --depth {depth:g}"
    changes["published"] = None  # another network: the base's published accuracy is not its
    return base.with_changes(**changes)


def _keras_hub_filter_rows(spec: BackboneSpec) -> list[FilterRow]:
    """keras-hub's rounding, stage by stage with each stage's width (its stem with stage 1's, its top,
    num_features, with the last stage's); a forced input (stackwise_force_input_filters) is a row of its own."""
    hub = spec.keras_hub
    assert hub is not None
    widths, _ = keras_hub_coefficients(spec)

    def explain(label: str, filters: int, width: float) -> FilterRow:
        result, rule = keras_hub_round_filters_explained(spec, filters, width)
        return FilterRow(label, filters, filters * width, result, rule)

    rows = [explain("stem", spec.stages[0].input_filters, widths[0])]
    for i, stage in enumerate(spec.stages):
        rows.append(explain(f"stage {i + 1} input", stage.input_filters, widths[i]))
        if hub.force_input_filters[i] > 0:
            rows.append(explain(f"stage {i + 1} forced input", hub.force_input_filters[i], widths[i]))
        rows.append(explain(f"stage {i + 1} output", stage.output_filters, widths[i]))
    rows.append(explain("top", hub.num_features, widths[-1]))
    return rows


def filter_rows(spec: BackboneSpec) -> list[FilterRow]:
    if spec.keras_hub is not None:
        return _keras_hub_filter_rows(spec)
    rules = spec.rules

    def explain(label: str, filters: int, fixed: int | None) -> FilterRow:
        if fixed is not None:
            return FilterRow(label, fixed, None, fixed, f"fixed ({rules.title})")
        decision = round_filters_explained(
            filters,
            rules=rules,
            width_coefficient=spec.width_coefficient,
            depth_divisor=spec.depth_divisor,
            min_depth=spec.min_depth,
        )
        return FilterRow(label, filters, decision.scaled, decision.result, decision.rule)

    rows = [explain("stem", spec.stages[0].input_filters, rules.fixed_stem_filters)]
    for i, stage in enumerate(spec.stages, start=1):
        rows.append(explain(f"stage {i} input", stage.input_filters, None))
        rows.append(explain(f"stage {i} output", stage.output_filters, None))
    rows.append(explain("top", TOP_BASE_FILTERS, rules.fixed_top_filters))
    return rows


def repeat_rows(spec: BackboneSpec) -> list[RepeatRow]:
    rows = []
    count = len(spec.stages)
    if spec.keras_hub is not None:  # keras-hub: ceil(depth * repeats) with each stage's own depth
        _, depths = keras_hub_coefficients(spec)
        for i, stage in enumerate(spec.stages):
            result = round_repeats(stage.repeats, depth_coefficient=depths[i])
            rows.append(RepeatRow(i + 1, stage.repeats, depths[i] * stage.repeats, result, "ceil"))
        return rows
    for i, stage in enumerate(spec.stages):
        result = stage_repeats(
            stage.repeats,
            rules=spec.rules,
            stage_index=i,
            stage_count=count,
            depth_coefficient=spec.depth_coefficient,
        )
        unscaled = spec.rules.unscaled_end_stages and i in (0, count - 1)
        rule = f"not scaled ({spec.rules.title} {'first' if i == 0 else 'last'} stage)" if unscaled else "ceil"
        rows.append(RepeatRow(i + 1, stage.repeats, spec.depth_coefficient * stage.repeats, result, rule))
    return rows


def structure(plan: BackbonePlan) -> tuple:
    """What makes two networks the same network (names and drop rates follow from it)."""
    blocks = tuple(_block_structure(b) + (b.output_shape,) for b in plan.blocks)
    return blocks + (plan.spec.family, plan.spec.activation)


def layout_digest(plan: BackbonePlan) -> int:
    """A checksum of the part of :func:`structure` that no input size or channel count changes: every block after
    the stem, without its output shape. Two plans of one structure have one digest (the compiled catalogue keeps
    each preset's, so that `effcli scale` plans only the presets that may equal its network)."""
    import zlib

    layout = tuple(_block_structure(b) for b in plan.blocks[1:]) + (plan.spec.family, plan.spec.activation)
    return zlib.crc32(repr(layout).encode())


def _block_structure(b) -> tuple:
    return (
        b.kind,
        b.input_filters,
        b.input_channels,
        b.output_filters,
        b.expanded_filters,
        b.se_filters,
        b.kernel_size,
        b.strides,
        b.residual,
    )


def matching_presets(spec: BackboneSpec, shape: tuple[int, int, int]) -> list[str]:
    """The presets whose network at ``shape`` has the structure of ``spec``'s (only those of its layout digest are
    planned)."""
    from effcli.config import compiled
    from effcli.config.presets import load_preset

    plan = make_plan(spec, shape)
    digest, target = layout_digest(plan), structure(plan)
    return [
        row["name"]
        for row in compiled.presets()
        if row["layout"] == digest and structure(make_plan(load_preset(row["name"]), shape)) == target
    ]


def explore(
    base: BackboneSpec,
    scaled: BackboneSpec,
    shape: tuple[int, int, int],
    *,
    base_shape: tuple[int, int, int] | None = None,
    compound=None,
    classes: int | None = None,
) -> Scaling:
    """Everything `effcli scale` shows, counted with the analytic engine (no TensorFlow).

    ``base_shape``: the base's input when it differs (compound scaling changes the resolution too).
    ``classes`` (--classes) adds the classification head to both reports.
    """
    from effcli.engines import summarize

    return Scaling(
        base=base,
        scaled=scaled,
        filters=tuple(filter_rows(scaled)),
        repeats=tuple(repeat_rows(scaled)),
        base_report=summarize(base, base_shape or shape, engine="analytic", classes=classes),
        scaled_report=summarize(scaled, shape, engine="analytic", classes=classes),
        matches=tuple(matching_presets(scaled, shape)),
        compound=compound,
    )


def scale(
    base: BackboneSpec,
    *,
    width: float | None,
    depth: float | None,
    phi: float | None = None,
    alpha: float = 1.2,
    beta: float = 1.1,
    gamma: float = 1.15,
    divisor: int | None = None,
    min_depth: int | None = None,
    resolution: str | None = None,
    classes: int | None = None,
) -> Scaling:
    """`effcli scale`: --width/--depth, or --phi (the compound rule), reconciled with the resolution.

    With --phi the base's resolution is ``resolution`` if given, else the base's
    native one, else its default input; the scaled network runs at that times
    gamma^phi. Without it both coefficients are needed and the resolution is kept.
    """
    from effcli.config.grammar import input_shape

    # Every number option within the table's bounds first (nan and inf included), whether or not --phi
    # uses it: the bounds keep base^phi and the resolution finite (at most 100^100 x 8192).
    for name, value in (("phi", phi), ("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        if value is not None:
            limits.check(name, value, source=f"--{name}")
    for name, option, value in (("width_coefficient", "--width", width), ("depth_coefficient", "--depth", depth)):
        if value is not None:
            limits.check(name, value, source=option)
    base_shape = input_shape(base, resolution)
    rule = None
    if phi is not None:
        if width is not None or depth is not None:
            raise EffcliError("give --phi or --width/--depth, not both", source="--phi")
        from effcli.tools.budget import compound

        if resolution is None and base.native_resolution is not None:
            base_shape = (base.native_resolution, base.native_resolution, base_shape[2])
        rule = compound(phi, base_resolution=base_shape[0], alpha=alpha, beta=beta, gamma=gamma)
        width, depth = rule.width, rule.depth
        shape = (rule.resolution, rule.resolution, base_shape[2])
    elif width is None or depth is None:
        missing = "--width" if width is None else "--depth"
        raise EffcliError("missing; give --width and --depth, or --phi for compound scaling", source=missing)
    else:
        shape = base_shape
    scaled = scaled_spec(base, width=width, depth=depth, divisor=divisor, min_depth=min_depth)
    return explore(base, scaled, shape, base_shape=base_shape, compound=rule, classes=classes)


def saved_config(scaling: Scaling) -> BackboneSpec:
    """The scaled network as `scale --save` writes it: at the input it was counted at, no native resolution."""
    return scaling.scaled.with_changes(input_shape=scaling.scaled_report.input_shape, native_resolution=None)
