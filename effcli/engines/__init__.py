"""Engines turn a block plan into measurements (params, shapes, pyramid shapes).

``analytic`` counts in pure Python. Every engine has the same interface:
``measure(plan) -> Measurements``; :func:`summarize` is the one way to get a report.
"""

from __future__ import annotations

from effcli.errors import EffcliError
from effcli.plan import BackbonePlan, make_plan
from effcli.report import Report, assemble
from effcli.spec import BackboneSpec

ENGINES = ("analytic",)
DEFAULT_ENGINE = "analytic"


def measure(plan: BackbonePlan, engine: str):
    if engine == "analytic":
        from effcli.engines import analytic

        return analytic.measure(plan)
    raise EffcliError(f"unknown engine '{engine}'; valid engines: {', '.join(ENGINES)}", source="--engine")


def summarize(spec: BackboneSpec, input_shape: tuple[int, int, int], *, engine: str = DEFAULT_ENGINE) -> Report:
    plan = make_plan(spec, input_shape)
    return assemble(plan, measure(plan, engine))
