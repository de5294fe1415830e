"""The commands that draw: ``draw`` (the backbone as a diagram), ``chart`` (the family on one picture) and
``report`` (one self-contained HTML page). matplotlib is imported inside them only, and not for a diagram saved
as SVG (effcli writes that itself)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from effcli.cli.application import app, examples
from effcli.cli.options import (
    PICTURE_SUFFIXES,
    ClassesOpt,
    Engine,
    EngineOpt,
    ForcePictureOpt,
    ModelArg,
    NoCacheOpt,
    PictureOpt,
    Pyramid,
    PyramidOpt,
    ResolutionOpt,
    checked_classes,
    complete_model,
)
from effcli.cli.output import emit, reports_for, warn


@contextlib.contextmanager
def drawing() -> Iterator[None]:
    """Draw inside this: the characters the pictures' font lacks become one warning line, not dozens."""
    from effcli.pictures.figure import missing_glyphs

    with missing_glyphs() as missing:
        yield
    if missing:
        characters = " ".join(sorted(missing))
        warn(
            [
                f"the pictures' font (DejaVu Sans) has no glyph for {characters}: a PNG shows boxes for them, an SVG "
                "or HTML file leaves them to the viewer's fonts"
            ]
        )


@app.command(
    epilog=examples(
        "effcli draw efficientnetv2_b0 -o b0.svg",
        "effcli draw b3 --compare v1-b3 -o b3-vs-v1.png",
        "effcli draw my_config.yaml --classes 1000 -o mine.svg",
    )
)
def draw(
    model: ModelArg,
    output: PictureOpt,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            metavar="OTHER",
            help="Draw a second model (preset, alias, YAML or .keras) under the first, aligned stage by stage.",
            show_default=False,
            autocompletion=complete_model,
        ),
    ] = None,
    resolution: ResolutionOpt = None,
    engine: EngineOpt = Engine.keras,
    force: ForcePictureOpt = False,
    no_cache: NoCacheOpt = False,
    pyramid: PyramidOpt = Pyramid.keras,
    classes: ClassesOpt = None,
) -> None:
    """The backbone as a diagram: one shape per block, in order, saved as SVG or PNG.

    Each block's height follows its output resolution and its thickness its
    channels; the colour says its type (stem, Fused-MBConv, MBConv, top, head) and
    an arc over it marks a residual block. Stages are separated and labelled with
    their blocks, channels, resolution, params and MACs; the pyramid taps are
    marked P1..P5. With --compare a second model is drawn under the first, each
    stage starting at the same place in both.
    """
    from effcli.files import check_target
    from effcli.pictures.diagram import backbone_figure
    from effcli.pictures.figure import save_figure

    check_target(output, force=force, option="--output", suffixes=PICTURE_SUFFIXES)
    reports = reports_for(
        [model] if compare is None else [model, compare],
        resolution,
        engine=engine.value,
        force=force,
        pyramid=pyramid.value,
        cache=not no_cache,
        classes=checked_classes(classes),
        prefix=compare is not None,
    )
    with drawing():
        save_figure(backbone_figure(reports), output, force=force, option="--output")
    drawn = " and ".join(f"{report.name} ({_stages_text(report)})" for report in reports)
    emit(f"Saved the diagram of {drawn} to {output}\n")


def _stages_text(report) -> str:
    """What the diagram shows, in words: 21 blocks in 6 stages, P1..P5."""
    from effcli.core.plan import STAGE_KINDS

    stages = len({block.stage for block in report.blocks if block.type in STAGE_KINDS})
    levels = [level.level for level in report.pyramid]
    taps = f", {levels[0]}..{levels[-1]}" if len(levels) > 1 else "".join(f", {level}" for level in levels)
    head = ", head" if any(block.type == "head" for block in report.blocks) else ""
    return f"{report.block_count} blocks in {stages} stages{head}{taps}"


@app.command(
    epilog=examples(
        "effcli chart -o family.svg",
        "effcli chart --classes 1000 -o family.png",
        "effcli chart my_config.yaml b3 --classes 1000 -o chart.png",
    )
)
def chart(
    output: PictureOpt,
    models: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[MODEL ...]",
            help="Presets, aliases, YAML configs or .keras files to place on the chart (presets are highlighted).",
            show_default=False,
            autocompletion=complete_model,
        ),
    ] = None,
    resolution: ResolutionOpt = None,
    engine: EngineOpt = Engine.keras,
    force: ForcePictureOpt = False,
    no_cache: NoCacheOpt = False,
    classes: ClassesOpt = None,
) -> None:
    """The family on one picture, as the papers draw it: params against MACs, and top-1 against MACs.

    Every preset at its native resolution, coloured by family and labelled, on log
    axes; the second panel places the presets by the ImageNet top-1 their papers
    report (hollow: trained on more than ImageNet-1k). Models named on the command
    line are added as stars (a preset named is highlighted). --classes N counts the
    classifier head, as the papers' parameter counts do (--classes 1000).
    """
    from effcli.files import check_target
    from effcli.pictures.chart import chart_figure
    from effcli.pictures.figure import save_figure
    from effcli.tools.family import family_points

    check_target(output, force=force, option="--output", suffixes=PICTURE_SUFFIXES)
    head = checked_classes(classes)
    reports = reports_for(models or [], resolution, engine=engine.value, force=force, cache=not no_cache, classes=head)
    points = family_points(reports, head)
    with drawing():
        save_figure(chart_figure(points, classes=head), output, force=force, option="--output")
    presets = sum(1 for point in points if point.is_preset)
    named = f", {len(reports)} named on the command line" if reports else ""
    emit(f"Saved the chart of {presets} presets{named} to {output}\n")


@app.command(
    epilog=examples(
        "effcli report efficientnetv2_b0 -o b0.html",
        "effcli report v1-b3 --classes 1000 -r native -o b3.html",
    )
)
def report(
    model: ModelArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE.html",
            help="Where to save the page (.html or .htm).",
            show_default=False,
        ),
    ],
    resolution: ResolutionOpt = None,
    engine: EngineOpt = Engine.keras,
    force: ForcePictureOpt = False,
    no_cache: NoCacheOpt = False,
    pyramid: PyramidOpt = Pyramid.keras,
    classes: ClassesOpt = None,
) -> None:
    """One self-contained HTML page: summary, diagram, pyramid, scaling tables and the family chart.

    The page needs no network to be viewed: styles and scripts are inline and the
    fonts are the system's. Tables sort by a click on a column title; a click on a
    block (in the table or the diagram) shows its Keras layers. A config or preset
    also gets its round_filters / round_repeats tables; a saved model has none.
    """
    from effcli.files import check_target, write_text_atomic
    from effcli.pictures.chart import chart_figure
    from effcli.pictures.diagram import backbone_figure
    from effcli.pictures.figure import svg_text
    from effcli.pictures.page import report_page
    from effcli.render import views
    from effcli.tools.family import family_points
    from effcli.tools.sources import scaling_for

    check_target(output, force=force, option="--output", suffixes=(".html", ".htm"))
    head = checked_classes(classes)
    (measured,) = reports_for(
        [model],
        resolution,
        engine=engine.value,
        force=force,
        pyramid=pyramid.value,
        cache=not no_cache,
        classes=head,
        prefix=False,
    )
    scaling = scaling_for(model, measured)
    with drawing():
        diagram = svg_text(backbone_figure([measured]))
        chart = svg_text(chart_figure(family_points([measured], head), classes=head))
    page = report_page(
        measured,
        scaling_document=None if scaling is None else views.scale(scaling),
        diagram_svg=diagram,
        chart_svg=chart,
    )
    write_text_atomic(output, page, force=force, option="--output")
    emit(f"Saved the report of {measured.name} to {output}\n")
