"""``effcli scale``."""

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
    Format,
    FormatOpt,
    HtmlOpt,
    OptimizerOpt,
    ResolutionOpt,
    SvgOpt,
    WideOpt,
    checked_classes,
    complete_model,
    memory_settings,
)
from effcli.cli.output import check_pictures, show, warn


@app.command(
    epilog=examples(
        "effcli scale --width 1.2 --depth 1.4",
        "effcli scale --base efficientnetv1_b0 --width 2.0 --depth 3.1",
        "effcli scale --phi 2 --base v1-b0",
        "effcli scale -w 0.75 -d 0.8 --save tiny.yaml",
    )
)
def scale(
    width: Annotated[
        float | None,
        typer.Option("--width", "-w", help="Width coefficient (multiplies filters).", show_default=False),
    ] = None,
    depth: Annotated[
        float | None,
        typer.Option("--depth", "-d", help="Depth coefficient (multiplies repeats).", show_default=False),
    ] = None,
    phi: Annotated[
        float | None,
        typer.Option(
            "--phi",
            help="Compound scaling instead of --width/--depth: depth "
            "alpha^phi, width beta^phi, resolution gamma^phi x the base's.",
            show_default=False,
        ),
    ] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="Compound rule: depth base (with --phi).")] = 1.2,
    beta: Annotated[float, typer.Option("--beta", help="Compound rule: width base (with --phi).")] = 1.1,
    gamma: Annotated[float, typer.Option("--gamma", help="Compound rule: resolution base (with --phi).")] = 1.15,
    base: Annotated[
        str,
        typer.Option(
            "--base",
            "-b",
            metavar="NAME|PATH",
            autocompletion=complete_model,
            help="The network to scale; its own coefficients are replaced.",
        ),
    ] = "efficientnetv2_b0",
    divisor: Annotated[
        int | None, typer.Option("--divisor", help="Depth divisor (default: the base's, 8).", show_default=False)
    ] = None,
    min_depth: Annotated[
        int | None,
        typer.Option(
            "--min-depth", help="Minimum filters (EfficientNetV2 only; default: the base's).", show_default=False
        ),
    ] = None,
    resolution: ResolutionOpt = None,
    format: FormatOpt = Format.table,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save", metavar="FILE.yaml", help="Write the scaled network as a YAML stage config.", show_default=False
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --save, --svg and --html files if they exist.")
    ] = False,
    classes: ClassesOpt = None,
    batch: BatchOpt = 1,
    dtype: DTypeOpt = DType.float32,
    optimizer: OptimizerOpt = None,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    wide: WideOpt = False,
) -> None:
    """Explore round_filters / round_repeats: how width and depth coefficients become filters and repeats.

    Shows every rounding decision with the rule that made it (nearest multiple of
    the divisor, the minimum-depth floor, V1/Lite's '+divisor when rounding lost
    more than 10%', Lite's fixed stem and top), the repeats (ceil(repeats x depth),
    Lite's unscaled first and last stage), and the resulting network against the
    base: blocks, params, MACs. Says so when the result is a preset. With --phi,
    EfficientNet's compound rule picks width, depth and resolution together
    (alpha 1.2, beta 1.1, gamma 1.15 unless given; the resolution is the base's
    native one, or --resolution, times gamma^phi, rounded). Counts with the
    analytic engine (no TensorFlow).
    """
    from effcli.config.loader import dump_spec_yaml
    from effcli.config.presets import resolve
    from effcli.files import check_target, write_text_atomic
    from effcli.tools.scale import saved_config
    from effcli.tools.scale import scale as scale_network

    check_pictures(format, svg, html, force)
    memory = memory_settings(batch, dtype, optimizer)
    if save is not None:
        check_target(save, force=force, option="--save", suffixes=(".yaml", ".yml"))
    scaling = scale_network(
        resolve(base),
        width=width,
        depth=depth,
        phi=phi,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        divisor=divisor,
        min_depth=min_depth,
        resolution=resolution,
        classes=checked_classes(classes),
    )
    warn(scaling.scaled_report.warnings)
    if save is not None:  # before the table: a closed stdout must not lose the file
        write_text_atomic(save, dump_spec_yaml(saved_config(scaling)), force=force, option="--save")
        print(f"Saved {scaling.scaled.name} to {save}", file=sys.stderr)
    show(
        format,
        lambda v: v.scale(scaling, memory=memory),
        svg=svg,
        html=html,
        force=force,
        wide=wide,
        title="effcli scale",
    )
