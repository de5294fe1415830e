"""``effcli summary``."""

from __future__ import annotations

from typing import Annotated

import typer

from effcli.cli.application import EPILOG, app
from effcli.cli.options import (
    BatchOpt,
    ClassesOpt,
    DType,
    DTypeOpt,
    Engine,
    EngineOpt,
    ForceBuildOpt,
    Format,
    FormatOpt,
    HtmlOpt,
    ModelArg,
    NoCacheOpt,
    OptimizerOpt,
    Pyramid,
    PyramidOpt,
    ResolutionOpt,
    SvgOpt,
    WideOpt,
    checked_classes,
    memory_settings,
)
from effcli.cli.output import check_pictures, reports_for, show


@app.command(epilog=EPILOG)
def summary(
    model: ModelArg,
    resolution: ResolutionOpt = None,
    format: FormatOpt = Format.table,
    engine: EngineOpt = Engine.keras,
    force: ForceBuildOpt = False,
    no_cache: NoCacheOpt = False,
    layers: Annotated[
        bool, typer.Option("--layers", help="Expand every block into its Keras layers (params, output shapes).")
    ] = False,
    pyramid: PyramidOpt = Pyramid.keras,
    classes: ClassesOpt = None,
    batch: BatchOpt = 1,
    dtype: DTypeOpt = DType.float32,
    optimizer: OptimizerOpt = None,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    wide: WideOpt = False,
) -> None:
    """Per-block parameters, output shapes, pyramid levels and totals of one backbone.

    The block table lists the stem, every block and the top: type, kernel, stride,
    expand ratio, squeeze-excite width, channels in -> out, output shape, parameters
    (BatchNorm moving statistics count as non-trainable) and the drop rate of the
    residual branch. Pyramid levels follow keras-cv: the tensor entering each
    stride-2 block, then the top activation.
    """
    check_pictures(format, svg, html, force)
    memory = memory_settings(batch, dtype, optimizer)
    (report,) = reports_for(
        [model],
        resolution,
        engine=engine.value,
        force=force,
        pyramid=pyramid.value,
        cache=not no_cache,
        classes=checked_classes(classes),
        prefix=False,
    )
    show(
        format,
        lambda v: v.summary(report, layers=layers, memory=memory),
        svg=svg,
        html=html,
        force=force,
        wide=wide,
        title=f"effcli summary {model}",
    )
