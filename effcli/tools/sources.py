"""Whatever the user named -> a report: a preset, an alias, a YAML config or a saved .keras model."""

from __future__ import annotations

from pathlib import Path

from effcli.core.report import Report
from effcli.errors import EffcliError


def report_for(
    target: str,
    resolution: str | None,
    *,
    engine: str,
    force: bool,
    pyramid: str = "keras",
    cache: bool = True,
    classes: int | None = None,
) -> Report:
    """The report of ``target`` at ``resolution`` (the --resolution text, or None for the default).

    ``classes`` (--classes) adds the classification head to a config; a saved model is
    reported with its own layers, so it refuses ``classes``.
    """
    from effcli.config.grammar import input_shape, saved_model_size

    if target.lower().endswith(".keras"):
        from effcli.engines.saved_model import inspect_saved_model

        if classes is not None:
            raise EffcliError(
                "--classes adds a head to a config; this saved model's own layers are reported as they are",
                source=target,
            )

        # missing, FIFO, directory, unreadable, too large: checked by inspect_saved_model before Keras is imported
        return inspect_saved_model(Path(target), saved_model_size(resolution), pyramid=pyramid, force=force)
    from effcli.config.presets import resolve
    from effcli.engines import summarize

    spec = resolve(target)
    return summarize(
        spec, input_shape(spec, resolution), engine=engine, force=force, pyramid=pyramid, cache=cache, classes=classes
    )


def scaling_for(target: str, report: Report):
    """The round_filters / round_repeats of ``target`` (a preset or config) as `effcli scale` shows them:
    its stage list at width and depth 1, scaled by its own coefficients, at the report's input. None for a
    saved model (its stage list is not recorded as a config)."""
    if target.lower().endswith(".keras"):
        return None
    from effcli.config.presets import resolve
    from effcli.tools.scale import explore

    spec = resolve(target)
    base = spec.with_changes(
        name=f"{spec.name}_w1_d1",
        width_coefficient=1.0,
        depth_coefficient=1.0,
        description=f"{spec.name}'s stage list before scaling",
        published=None,
    )
    return explore(base, spec, report.input_shape, classes=report.classes)
