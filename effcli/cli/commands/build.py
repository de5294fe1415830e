"""``effcli build``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from effcli.cli.application import app, examples
from effcli.cli.options import (
    ClassesOpt,
    ModelArg,
    ResolutionOpt,
    checked_classes,
)
from effcli.cli.output import emit, warn


@app.command(
    epilog=examples(
        "effcli build b0 --output b0.keras", "effcli build efficientnetv2_s -r native -o s.keras --include-rescaling"
    )
)
def build(
    model: ModelArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE.keras",
            help="Where to save the model (a new .keras file).",
            show_default=False,
        ),
    ],
    resolution: ResolutionOpt = None,
    include_rescaling: Annotated[
        bool, typer.Option("--include-rescaling", help="Start with a Rescaling(1/255) layer, as keras-cv can.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite FILE.keras if it exists, and build even when the guard estimates the model too large.",
        ),
    ] = False,
    classes: ClassesOpt = None,
) -> None:
    """Build the backbone with Keras (initialised weights) and save it as a .keras file.

    The file is written atomically (a temporary file in the same folder, then a
    rename). It holds only standard Keras layers: plain keras.saving.load_model
    loads it, without effcli. It also carries effcli's description of the model,
    so `effcli summary FILE.keras` reports it like its preset or config.
    """
    from effcli.config.grammar import input_shape
    from effcli.config.presets import resolve
    from effcli.core.plan import make_plan
    from effcli.engines import keras_engine
    from effcli.engines.guard import check_keras_build
    from effcli.files import check_target

    head = checked_classes(classes)
    spec = resolve(model)
    if include_rescaling:
        spec = spec.with_changes(include_rescaling=True)
    shape = input_shape(spec, resolution)
    check_target(output, force=force, option="--output", suffixes=(".keras",))
    plan = make_plan(spec, shape, classes=head)
    check_keras_build(plan, materialize=True, force=force)
    warn(plan.warnings)
    params = keras_engine.save_model(plan, output, force=force)
    emit(f"Saved {spec.name} ({' x '.join(map(str, shape))} input, {params:,} params) to {output}\n")
