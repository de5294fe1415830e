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
from dataclasses import dataclass
from typing import Any

from effcli.core import limits
from effcli.core.families import TOP_BASE_FILTERS, stage_repeats
from effcli.core.limits import MAX_RESOLUTION
from effcli.core.plan import SE_ROLES, BackbonePlan, make_plan
from effcli.core.spec import BackboneSpec
from effcli.engines.analytic import layer_macs
from effcli.errors import EffcliError

ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15  # depth, width, resolution (EfficientNet paper, section 3.3)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class CostModel:
    """Params and MACs of one network at any resolution, from one plan."""

    params: int
    blocks: int
    costs: tuple[int, ...]  # per-position MACs of the layers behind k stride-2 layers, k = 0, 1, ...
    fixed: int = 0  # MACs that do not depend on the resolution (the SE convolutions on a 1x1 map)

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
    fixed = costs.pop(-1, 0)
    table = [0] * (max(costs, default=0) + 1)
    for k, c in costs.items():
        table[k] += c
    params = sum(analytic.count_layer(layer).params for block in plan.blocks for layer in block.layers)
    return CostModel(params=params, blocks=len(plan.blocks) - 2, costs=tuple(table), fixed=fixed)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class PlanResult:
    base: BackboneSpec
    max_params: int
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
    max_params: int,
    max_macs: int | None,
    resolutions: list[int],
    widths: tuple[float, ...] = _grid(0.25, 4.0, 0.05),
    depths: tuple[float, ...] = _grid(0.25, 4.0, 0.1),
    channels: int = 3,
    prune: bool = True,
    top: int | None = None,
) -> PlanResult:
    """Every width x depth x resolution within the budget, reduced to the frontier.

    ``top``: keep at most this many frontier candidates (the largest first).
    ``prune``: params never shrink as the width grows (round_filters is
    non-decreasing in the width, and every layer's params grow with its filters),
    so once a width exceeds the params budget, the wider ones at that depth are
    skipped without being built. The tests check that pruning changes no result.
    """
    start = time.perf_counter()
    models: dict[tuple, CostModel] = {}
    candidates: list[Candidate] = []
    evaluated = pruned = 0
    widths = tuple(sorted(widths))
    for depth in depths:
        for position, width in enumerate(widths):
            spec = base.with_changes(width_coefficient=width, depth_coefficient=depth)
            key = _structure_key(spec)
            model = models.get(key)
            if model is None:
                try:
                    model = cost_model(make_plan(spec, (resolutions[0], resolutions[0], channels)))
                except EffcliError:  # a width/depth the family cannot build (channel conflicts, too many blocks)
                    model = CostModel(params=max_params + 1, blocks=0, costs=())
                models[key] = model
            evaluated += len(resolutions)
            if model.params > max_params:
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
