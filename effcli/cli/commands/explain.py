"""``effcli explain``."""

from __future__ import annotations

import sys
from pathlib import Path
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
    ModelArg,
    NoCacheOpt,
    OptimizerOpt,
    ResolutionOpt,
    SvgOpt,
    WideOpt,
    checked_classes,
    memory_settings,
)
from effcli.cli.output import check_pictures, show


@app.command(
    epilog=examples(
        "effcli explain efficientnetv2_b2 block4b",
        "effcli explain v1-b0 block2a -f json",
        "effcli explain lite3 stem",
        "effcli explain b0 block6b --draw block6b.svg",
    )
)
def explain(
    model: ModelArg,
    block: Annotated[
        str,
        typer.Argument(
            metavar="BLOCK",
            help="A block name (block4b), 'stem', 'top' or 'head' (with --classes).",
            show_default=False,
        ),
    ],
    resolution: ResolutionOpt = None,
    format: FormatOpt = Format.table,
    engine: EngineOpt = Engine.keras,
    force: ForceBuildOpt = False,
    no_cache: NoCacheOpt = False,
    classes: ClassesOpt = None,
    batch: BatchOpt = 1,
    dtype: DTypeOpt = DType.float32,
    optimizer: OptimizerOpt = None,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    wide: WideOpt = False,
    draw: Annotated[
        Path | None,
        typer.Option(
            "--draw",
            metavar="FILE.svg|FILE.png",
            help="Also draw the block: its channel flow narrow -> wide -> narrow (or the fused conv), the SE "
            "squeeze, kernel, stride and the numbers of each layer.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """One block up close: its layers, the channel flow, the parameter breakdown and why it is built so.

    Shows the block's Keras layers (class, kernel, stride, output shape, params,
    MACs, share of the block's params), the channel flow (e.g. 104 -> 416 -> 416 ->
    SE 26 -> 104: narrow -> wide -> narrow), the drop rate, whether it is residual
    and why (Fused-MBConv or MBConv, stride, input == output filters).
    """
    from effcli.tools.explain import explain as explain_block
    from effcli.tools.sources import report_for

    check_pictures(format, svg, html, force)
    if draw is not None:
        from effcli.cli.options import PICTURE_SUFFIXES
        from effcli.files import check_target

        check_target(draw, force=force, option="--draw", suffixes=PICTURE_SUFFIXES)
    memory = memory_settings(batch, dtype, optimizer)
    explanation = explain_block(
        report_for(
            model, resolution, engine=engine.value, force=force, cache=not no_cache, classes=checked_classes(classes)
        ),
        block,
    )
    if draw is not None:  # before stdout: a closed stdout must not lose the file
        from effcli.cli.drawing import drawing
        from effcli.pictures.block import block_figure
        from effcli.pictures.figure import save_figure

        with drawing():
            save_figure(block_figure(explanation), draw, force=force, option="--draw")
        print(f"Saved the drawing of {explanation.block.name} as {draw}", file=sys.stderr)
    show(
        format,
        lambda v: v.explain(explanation, memory=memory),
        svg=svg,
        html=html,
        force=force,
        wide=wide,
        title=f"effcli explain {model} {block}",
    )
