"""``effcli compare``."""

from __future__ import annotations

from typing import Annotated

import typer

from effcli.cli.application import app, examples
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
    NoCacheOpt,
    OptimizerOpt,
    Pyramid,
    PyramidOpt,
    ResolutionOpt,
    SvgOpt,
    WideOpt,
    checked_classes,
    complete_model,
    memory_settings,
)
from effcli.cli.output import check_pictures, reports_for, show
from effcli.errors import EffcliError


@app.command(
    epilog=examples(
        "effcli compare b0 b3",
        "effcli compare efficientnetv1_b0 efficientnetlite_b0 efficientnetv2_b0",
        "effcli compare s m l -r native -f markdown",
    )
)
def compare(
    models: Annotated[
        list[str],
        typer.Argument(
            metavar="A B [C ...]",
            help="Two or more presets, aliases, YAML configs or .keras files.",
            show_default=False,
            autocompletion=complete_model,
        ),
    ],
    resolution: ResolutionOpt = None,
    format: FormatOpt = Format.table,
    engine: EngineOpt = Engine.keras,
    force: ForceBuildOpt = False,
    no_cache: NoCacheOpt = False,
    pyramid: PyramidOpt = Pyramid.keras,
    classes: ClassesOpt = None,
    batch: BatchOpt = 1,
    dtype: DTypeOpt = DType.float32,
    optimizer: OptimizerOpt = None,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    wide: WideOpt = False,
) -> None:
    """Compare backbones side by side, stage by stage (any family, presets or YAML files).

    For every stage and each model: block type, kernel, stride, repeats, output
    filters and shape, params and MACs; the stem and the top; totals with the
    ratio to the first model; the pyramid levels side by side. Stages are aligned
    by number (stage 1 with stage 1); a model with fewer stages shows '-' in the
    rows it lacks, and pyramid levels align by level (P1 with P1). In the table
    view, cells that differ from the first model are highlighted (a '*' when there
    is no colour). With '--resolution native' every model uses its own resolution.
    MACs count convolutions, depthwise convolutions and the SE 1x1 convolutions;
    BatchNorm, activations, adds and pooling are excluded.
    """
    from effcli.tools.compare import compare as compare_reports

    check_pictures(format, svg, html, force)
    if len(models) < 2:
        raise EffcliError(f"compare needs two or more models, got {len(models)}", source="A B [C ...]")
    memory = memory_settings(batch, dtype, optimizer)
    reports = reports_for(
        models,
        resolution,
        engine=engine.value,
        force=force,
        pyramid=pyramid.value,
        cache=not no_cache,
        classes=checked_classes(classes),
    )
    comparison = compare_reports(reports)
    show(
        format,
        lambda v: v.compare(comparison, memory=memory),
        svg=svg,
        html=html,
        force=force,
        wide=wide,
        title=f"effcli compare {' '.join(models)}",
    )
