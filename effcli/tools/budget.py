"""Compound scaling (`scale --phi`) and the budget planner (`effcli plan`).

The planner searches width x depth x resolution with the analytic engine. One
plan is built per distinct network (widths that round to the same filters share
it); its MACs at any resolution then follow from the plan itself: every layer
sits behind some number k of stride-2 layers, its output is ceil(H / 2^k) x
ceil(W / 2^k), so MACs(H, W) = sum over k of C_k * ceil(H / 2^k) * ceil(W / 2^k),
with C_k the per-position cost of the layers at depth k. Tests check this against
full analytic reports.
"""

from __future__ import annotations

import math
import time
from typing import Any

from effcli.core import limits
from effcli.core.families import TOP_BASE_FILTERS, stage_repeats
from effcli.core.limits import MAX_RESOLUTION
from effcli.core.plan import SE_ROLES, BackbonePlan, make_plan
from effcli.core.spec import BackboneSpec, Published
from effcli.engines.analytic import layer_macs
from effcli.errors import EffcliError
from effcli.records import record

ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15  # depth, width, resolution (EfficientNet paper, section 3.3)


@record
class Compound:
    phi: float
    alpha: float
    beta: float
    gamma: float
    base_resolution: int
    depth: float
    width: float
    resolution_exact: float
    resolution: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "phi": self.phi,
            "alpha": self.alpha,
            "beta": self.beta,
            "gamma": self.gamma,
            "base_resolution": self.base_resolution,
            "depth_coefficient": self.depth,
            "width_coefficient": self.width,
            "resolution_exact": self.resolution_exact,
            "resolution": self.resolution,
        }


def compound(
    phi: float, *, base_resolution: int, alpha: float = ALPHA, beta: float = BETA, gamma: float = GAMMA
) -> Compound:
    """depth alpha^phi, width beta^phi, resolution base * gamma^phi (rounded to the nearest integer)."""
    for name, value in (("--phi", phi), ("--alpha", alpha), ("--beta", beta), ("--gamma", gamma)):
        if not math.isfinite(value):
            raise EffcliError(f"must be a finite number, got {value:g}", source=name)
    for name, value in (("--alpha", alpha), ("--beta", beta), ("--gamma", gamma)):
        if value <= 0:
            raise EffcliError(f"must be positive, got {value:g}", source=name)
    try:
        depth, width, scale = alpha**phi, beta**phi, gamma**phi
    except OverflowError:
        raise EffcliError(f"{phi:g} makes the coefficients overflow", source="--phi") from None
    resolution_exact = base_resolution * scale
    for key, value in (("depth_coefficient", depth), ("width_coefficient", width)):
        what = key.replace("_", " ")
        limits.check(
            key,
            value,
            source="--phi",
            message=f"{phi:g} gives a {what} of {{value:.4g}}; coefficients must be in {{bounds}}",
        )
    resolution = round(resolution_exact) if resolution_exact <= 2 * MAX_RESOLUTION else MAX_RESOLUTION + 1
    if not 1 <= resolution <= MAX_RESOLUTION:
        raise EffcliError(
            f"{phi:g} gives a resolution of {resolution_exact:.6g}; it must be from 1 to {MAX_RESOLUTION}",
            source="--phi",
        )
    return Compound(phi, alpha, beta, gamma, base_resolution, depth, width, resolution_exact, resolution)


@record
class CostModel:
    """Params and MACs of one network at any resolution, from one plan."""

    params: int
    blocks: int
    costs: tuple[int, ...]  # per-position MACs of the layers behind k stride-2 layers, k = 0, 1, ...
    fixed: int = 0  # MACs that do not depend on the resolution (SE convolutions on a 1x1 map, a classifier head)
    buildable: bool = True

    def macs(self, height: int, width: int) -> int:
        spatial = sum(c * -(-height // 2**k) * -(-width // 2**k) for k, c in enumerate(self.costs) if c)
        return spatial + self.fixed


def cost_model(plan: BackbonePlan) -> CostModel:
    from effcli.engines import analytic

    costs: dict[int, int] = {}
    depth = 0
    for block in plan.blocks:
        for layer in block.layers:
            if layer.op in ("conv", "dwconv"):
                depth += layer.strides == 2
                per_position = layer_macs(layer) // (layer.output_shape[0] * layer.output_shape[1])
                # SE convs act on a 1x1 map: their cost does not grow with the resolution
                level = -1 if layer.output_shape[:2] == (1, 1) and layer.role in SE_ROLES else depth
                costs[level] = costs.get(level, 0) + per_position
            elif len(layer.output_shape) != 3:  # a classifier head's dense layer, on the pooled vector
                costs[-1] = costs.get(-1, 0) + layer_macs(layer)
    fixed = costs.pop(-1, 0)
    table = [0] * (max(costs, default=0) + 1)
    for k, c in costs.items():
        table[k] += c
    params = sum(analytic.count_layer(layer).params for block in plan.blocks for layer in block.layers)
    blocks = sum(1 for block in plan.blocks if block.kind not in ("stem", "top", "head"))
    return CostModel(params=params, blocks=blocks, costs=tuple(table), fixed=fixed)


@record
class Candidate:
    width: float
    depth: float
    resolution: int
    blocks: int
    params: int
    macs: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "width_coefficient": self.width,
            "depth_coefficient": self.depth,
            "resolution": self.resolution,
            "blocks": self.blocks,
            "params": self.params,
            "macs": self.macs,
        }


@record
class PlanResult:
    base: BackboneSpec
    max_params: int | None
    max_macs: int | None
    widths: tuple[float, ...]
    depths: tuple[float, ...]
    resolutions: tuple[int, ...]
    evaluated: int  # candidates whose params (and MACs, when within the params budget) were computed
    pruned: int  # candidates skipped because a narrower network at the same depth already exceeded the budget
    networks: int
    within_budget: int
    seconds: float
    frontier: tuple[Candidate, ...]

    @property
    def rate(self) -> float:
        """Computed candidates per second (pruned ones not counted)."""
        return self.evaluated / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base.name,
            "family": self.base.family,
            "max_params": self.max_params,
            "max_macs": self.max_macs,
            "search": {
                "widths": [self.widths[0], self.widths[-1], len(self.widths)],
                "depths": [self.depths[0], self.depths[-1], len(self.depths)],
                "resolutions": [self.resolutions[0], self.resolutions[-1], len(self.resolutions)],
            },
            "evaluated": self.evaluated,
            "pruned": self.pruned,
            "networks": self.networks,
            "within_budget": self.within_budget,
            "frontier": [c.to_dict() for c in self.frontier],
        }


def _grid(low: float, high: float, step: float) -> tuple[float, ...]:
    count = math.floor((high - low) / step + 1e-9)
    return tuple(round(low + i * step, 4) for i in range(count + 1))


def _structure_key(spec: BackboneSpec) -> tuple:
    """What decides the network: rounded filters and repeats (cheap, before any plan is built)."""
    rules = spec.rules

    rf = spec.rounded_filters

    count = len(spec.stages)
    return (
        tuple((rf(s.input_filters), rf(s.output_filters)) for s in spec.stages),
        tuple(
            stage_repeats(
                s.repeats, rules=rules, stage_index=i, stage_count=count, depth_coefficient=spec.depth_coefficient
            )
            for i, s in enumerate(spec.stages)
        ),
        rf(TOP_BASE_FILTERS),
    )


def frontier(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates no other candidate beats on both params and MACs (the largest networks within budget)."""
    best: list[Candidate] = []
    top_params = -1
    for c in sorted(candidates, key=lambda c: (-c.macs, -c.params, c.resolution, c.depth, c.width)):
        if c.params > top_params:
            best.append(c)
            top_params = c.params
    return best


def search(
    base: BackboneSpec,
    *,
    max_params: int | None,
    max_macs: int | None,
    resolutions: list[int],
    widths: tuple[float, ...] = _grid(0.25, 4.0, 0.05),
    depths: tuple[float, ...] = _grid(0.25, 4.0, 0.1),
    channels: int = 3,
    prune: bool = True,
    top: int | None = None,
    classes: int | None = None,
) -> PlanResult:
    """Every width x depth x resolution within the budget, reduced to the frontier.

    ``top``: keep at most this many frontier candidates (the largest first).
    ``prune``: params never shrink as the width grows (round_filters is
    non-decreasing in the width, and every layer's params grow with its filters),
    so once a width exceeds the params budget, the wider ones at that depth are
    skipped without being built. The tests check that pruning changes no result.
    ``max_params`` None: MACs only; ``classes``: the networks carry a classifier head, and the budget counts it.
    """
    params_limit = math.inf if max_params is None else max_params
    start = time.perf_counter()
    models: dict[tuple, CostModel] = {}
    candidates: list[Candidate] = []
    evaluated = pruned = 0
    widths = tuple(sorted(widths))
    for depth in depths:
        for position, width in enumerate(widths):
            spec = base.with_changes(width_coefficient=width, depth_coefficient=depth, published=None)
            key = _structure_key(spec)
            model = models.get(key)
            if model is None:
                try:
                    model = cost_model(measured_plan(spec, (resolutions[0], resolutions[0], channels), classes))
                except EffcliError:  # a width/depth the family cannot build (channel conflicts, too many blocks)
                    model = CostModel(params=0, blocks=0, costs=(), buildable=False)
                models[key] = model
            evaluated += len(resolutions)
            if not model.buildable or model.params > params_limit:
                if prune:
                    pruned += len(resolutions) * (len(widths) - position - 1)
                    break
                continue
            for resolution in resolutions:
                macs = model.macs(resolution, resolution)
                if max_macs is not None and macs > max_macs:
                    break  # MACs grow with the resolution
                candidates.append(Candidate(width, depth, resolution, model.blocks, model.params, macs))
    best = frontier(candidates)
    return PlanResult(
        base=base,
        max_params=max_params,
        max_macs=max_macs,
        widths=widths,
        depths=depths,
        resolutions=tuple(resolutions),
        evaluated=evaluated,
        pruned=pruned,
        networks=len(models),
        within_budget=len(candidates),
        seconds=time.perf_counter() - start,
        frontier=tuple(best[:top] if top else best),
    )


# ------------------------------------------------------------------ recommendation (the default answer of `plan`)

DEFAULT_RESOLUTIONS = "128:640:32"  # the grid's resolutions when --resolution is not given
SHRINK_WIDTHS = _grid(0.25, 4.0, 0.05)  # the grid with --allow-shrink (the old, unbounded search)
SHRINK_DEPTHS = _grid(0.25, 4.0, 0.1)
GROW_WIDTHS = _grid(1.0, 4.0, 0.05)  # the grid by default: no fewer channels or blocks than the base
GROW_DEPTHS = _grid(1.0, 4.0, 0.1)
PHI_STEP = 100  # phi is searched in hundredths


def measured_plan(spec: BackboneSpec, shape: tuple[int, int, int], classes: int | None = None) -> BackbonePlan:
    """``make_plan``, with a classifier head of ``classes`` outputs when given (the budget counts it)."""
    return make_plan(spec, shape, classes=classes)


def _fits(params: int, macs: int, max_params: int | None, max_macs: int | None) -> bool:
    return (max_params is None or params <= max_params) and (max_macs is None or macs <= max_macs)


@record
class PresetFit:
    """A preset within the budget, counted at its native resolution."""

    name: str
    family: str
    family_title: str
    width_coefficient: float
    depth_coefficient: float
    resolution: int
    blocks: int
    params: int
    macs: int
    published: Published | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "family": self.family,
            "width_coefficient": self.width_coefficient,
            "depth_coefficient": self.depth_coefficient,
            "resolution": self.resolution,
            "blocks": self.blocks,
            "params": self.params,
            "macs": self.macs,
            "published": None if self.published is None else self.published.to_dict(),
        }


@record
class CompoundFit:
    """The base scaled by phi with EfficientNet's rule, and what it costs."""

    rule: Compound
    blocks: int
    params: int
    macs: int
    fits: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.rule.to_dict(),
            "blocks": self.blocks,
            "params": self.params,
            "macs": self.macs,
            "fits": self.fits,
        }


@record
class Recommendation:
    """What `effcli plan` answers: the presets within the budget, the best compound scaling of the base, and
    (with --grid) the width x depth x resolution search."""

    base: BackboneSpec
    base_blocks: int
    base_params: int
    base_macs: int
    base_resolution: int
    max_params: int | None
    max_macs: int | None
    classes: int | None
    allow_shrink: bool
    presets: tuple[PresetFit, ...]
    compound: CompoundFit | None  # the largest phi (in hundredths) whose network fits; None if none does
    context: tuple[CompoundFit, ...]  # the whole phis around it, for context (the one above does not fit)
    capped: bool  # the compound search stopped at effcli's limits, not at the budget
    grid: PlanResult | None
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "base": self.base.name,
            "family": self.base.family,
            "max_params": self.max_params,
            "max_macs": self.max_macs,
            "classes": self.classes,
            "allow_shrink": self.allow_shrink,
            "base_network": {
                "resolution": self.base_resolution,
                "blocks": self.base_blocks,
                "params": self.base_params,
                "macs": self.base_macs,
            },
            "presets": [p.to_dict() for p in self.presets],
            "compound": None if self.compound is None else self.compound.to_dict(),
            "compound_context": [c.to_dict() for c in self.context],
            "compound_capped": self.capped,
            "notes": list(self.notes),
        }
        if self.grid is not None:  # the search's keys, with the meaning they have always had
            grid = self.grid.to_dict()
            for key in ("search", "evaluated", "pruned", "networks", "within_budget", "frontier"):
                data[key] = grid[key]
        return data


def preset_costs(classes: int | None = None) -> tuple[PresetFit, ...]:
    """Every preset, counted at its native resolution (with a classifier head of ``classes`` outputs if given)."""
    from effcli.config.grammar import NATIVE, input_shape
    from effcli.config.presets import load_preset, preset_names

    entries = []
    for name in preset_names():
        spec = load_preset(name)
        shape = input_shape(spec, NATIVE)
        model = cost_model(measured_plan(spec, shape, classes))
        macs = model.macs(shape[0], shape[1])
        entries.append(
            PresetFit(
                name,
                spec.family,
                spec.rules.title,
                spec.width_coefficient,
                spec.depth_coefficient,
                shape[0],
                model.blocks,
                model.params,
                macs,
                spec.published,
            )
        )
    return tuple(entries)


def presets_within(
    max_params: int | None, max_macs: int | None, *, classes: int | None = None
) -> tuple[PresetFit, ...]:
    """Every preset whose params and MACs at its native resolution fit, the best published top-1 first."""
    fits = [p for p in preset_costs(classes) if _fits(p.params, p.macs, max_params, max_macs)]
    return tuple(sorted(fits, key=lambda p: (-(p.published.top1 if p.published else -1.0), p.params, p.name)))


def _compound_fit(
    base: BackboneSpec,
    phi: float,
    base_resolution: int,
    channels: int,
    max_params: int | None,
    max_macs: int | None,
    classes: int | None,
) -> CompoundFit | None:
    """The base scaled by ``phi``; None where effcli's limits or the family cannot build it."""
    try:
        rule = compound(phi, base_resolution=base_resolution)
        spec = base.with_changes(width_coefficient=rule.width, depth_coefficient=rule.depth, published=None)
        model = cost_model(measured_plan(spec, (rule.resolution, rule.resolution, channels), classes))
    except EffcliError:
        return None
    macs = model.macs(rule.resolution, rule.resolution)
    return CompoundFit(rule, model.blocks, model.params, macs, _fits(model.params, macs, max_params, max_macs))


def best_compound(
    base: BackboneSpec,
    *,
    max_params: int | None,
    max_macs: int | None,
    classes: int | None = None,
    allow_shrink: bool = False,
) -> tuple[CompoundFit | None, tuple[CompoundFit, ...], bool]:
    """The largest phi (in hundredths) whose compound-scaled base fits the budget, the whole phis around it, and
    whether effcli's limits (not the budget) stopped the search.

    Params and MACs never shrink as phi grows (round_filters and ceil are non-decreasing, and so is the rounded
    resolution), so the fitting phis are an interval reaching down to the smallest one; the largest is found by
    doubling, then bisection. Without ``allow_shrink`` phi starts at 0 (the base itself): a network smaller than
    the base is not proposed.
    """
    base_resolution = base.native_resolution or base.input_shape[0] or 224
    channels = base.input_shape[2]
    cache: dict[int, CompoundFit | None] = {}

    def at(k: int) -> CompoundFit | None:
        if k not in cache:
            cache[k] = _compound_fit(base, k / PHI_STEP, base_resolution, channels, max_params, max_macs, classes)
        return cache[k]

    def fits(k: int) -> bool:
        fit = at(k)
        return fit is not None and fit.fits

    low = 0
    if not fits(low):
        if not allow_shrink:
            return None, (), False
        low = -PHI_STEP  # down one whole phi at a time, until a network fits or effcli's limits stop it
        while at(low) is not None and not fits(low):
            low -= PHI_STEP
        if not fits(low):
            return None, (), False
    # the smallest whole step past low that does not fit (or cannot be built)
    step = PHI_STEP
    while fits(low + step):
        step *= 2
    high = low + step  # fits(low) and not fits(high)
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    best = at(low)
    capped = at(high) is None
    context = []
    floor, ceiling = math.floor(low / PHI_STEP) * PHI_STEP, math.ceil((low + 1) / PHI_STEP) * PHI_STEP
    for k in (floor, ceiling):
        fit = at(k)
        if k != low and fit is not None and (allow_shrink or k >= 0):
            context.append(fit)
    return best, tuple(context), capped


def recommend(
    base: BackboneSpec,
    *,
    max_params: int | None,
    max_macs: int | None,
    classes: int | None = None,
    grid: bool = False,
    allow_shrink: bool = False,
    resolutions: list[int] | None = None,
    top: int | None = None,
) -> Recommendation:
    """`effcli plan`: the presets within the budget, the best compound scaling of ``base``, and with ``grid`` the
    width x depth x resolution search (by default no narrower, shallower or lower-resolution than the base)."""
    if max_params is None and max_macs is None:
        raise EffcliError("give a budget: --max-params, --max-macs or both", source="--max-params")
    base_resolution = base.native_resolution or base.input_shape[0] or 224
    channels = base.input_shape[2]
    base_model = cost_model(measured_plan(base, (base_resolution, base_resolution, channels), classes))
    base_macs = base_model.macs(base_resolution, base_resolution)
    every = preset_costs(classes)
    presets = presets_within(max_params, max_macs, classes=classes)
    best, context, capped = best_compound(
        base, max_params=max_params, max_macs=max_macs, classes=classes, allow_shrink=allow_shrink
    )
    base_text = f"{base.name} has {base_model.params:,} params and {base_macs / 1e9:.3g} G MACs at {base_resolution}"
    notes = []
    if not presets and best is None:
        smallest = min(every, key=lambda p: (p.params, p.macs))
        notes.append(
            f"Nothing fits the budget: the smallest preset, {smallest.name}, has {smallest.params:,} params and "
            f"{smallest.macs / 1e9:.3g} G MACs at {smallest.resolution}; {base_text}"
            + ("" if allow_shrink else " (--allow-shrink scales it down)")
            + "."
        )
    elif best is None:
        if allow_shrink:
            notes.append(f"No compound scaling of {base.name} fits the budget.")
        else:
            notes.append(f"{base_text}: over the budget; --allow-shrink scales it down (phi < 0).")
    if capped:
        notes.append("The budget allows more than effcli's limits on the coefficients and the resolution.")
    search_result = None
    if grid:
        wanted = sorted(resolutions or [])
        if not allow_shrink:
            wanted = [r for r in wanted if r >= base_resolution]
            if not wanted:
                raise EffcliError(
                    f"every resolution is below {base.name}'s native {base_resolution}; add --allow-shrink",
                    source="--resolution",
                )
        search_result = search(
            base,
            max_params=max_params,
            max_macs=max_macs,
            resolutions=wanted,
            widths=SHRINK_WIDTHS if allow_shrink else GROW_WIDTHS,
            depths=SHRINK_DEPTHS if allow_shrink else GROW_DEPTHS,
            channels=channels,
            top=top,
            classes=classes,
        )
    return Recommendation(
        base=base,
        base_blocks=base_model.blocks,
        base_params=base_model.params,
        base_macs=base_macs,
        base_resolution=base_resolution,
        max_params=max_params,
        max_macs=max_macs,
        classes=classes,
        allow_shrink=allow_shrink,
        presets=presets,
        compound=best,
        context=context,
        capped=capped,
        grid=search_result,
        notes=tuple(notes),
    )
