"""Engines turn a block plan into measurements (params, shapes, pyramid shapes).

``keras`` builds the real Keras 3 model and reads the numbers off it (the
default); ``analytic`` counts in pure Python without importing TensorFlow. Every
engine has the same interface, ``measure(plan) -> Measurements``, and
:func:`summarize` is the one way to get a report. A Keras measurement is stored
in the measurement cache (:mod:`effcli.engines.cache`) and answered from it the
next time the same network is asked for, without importing TensorFlow.
"""

from __future__ import annotations

from effcli.core.plan import BackbonePlan, make_plan
from effcli.core.report import Measurements, Report, assemble
from effcli.core.spec import BackboneSpec
from effcli.errors import EffcliError

ENGINES = ("keras", "analytic")
DEFAULT_ENGINE = "keras"


def measure(plan: BackbonePlan, engine: str, *, force: bool = False, cache: bool = True) -> Measurements:
    """``force`` skips the Keras build guard; ``cache`` False neither reads nor writes the measurement cache."""
    if engine == "analytic":
        from effcli.engines import analytic

        return analytic.measure(plan)
    if engine == "keras":
        from effcli.engines import cache as measurement_cache

        if cache:
            cached = measurement_cache.load(plan)
            if cached is not None:
                return cached
        from effcli.engines.guard import check_keras_build

        check_keras_build(plan, materialize=False, force=force)
        from effcli.engines import keras_engine

        measured = keras_engine.measure(plan)
        if cache:
            measurement_cache.store(plan, measured)
        return measured
    raise EffcliError(f"unknown engine '{engine}'; valid engines: {', '.join(ENGINES)}", source="--engine")


def summarize(
    spec: BackboneSpec,
    input_shape: tuple[int, int, int],
    *,
    engine: str = DEFAULT_ENGINE,
    force: bool = False,
    pyramid: str = "keras",
    cache: bool = True,
    classes: int | None = None,
) -> Report:
    """The report of ``spec`` at ``input_shape``; ``force`` skips the Keras build guard.

    ``classes`` adds keras.applications' classification head of that many classes.
    """
    plan = make_plan(spec, input_shape, pyramid=pyramid, classes=classes)
    return assemble(plan, measure(plan, engine, force=force, cache=cache))
