"""``effcli plan``."""

from __future__ import annotations

from typing import Annotated

import typer

from effcli.cli.application import app, examples
from effcli.cli.options import (
    ForceOpt,
    Format,
    FormatOpt,
    HtmlOpt,
    SvgOpt,
    WideOpt,
    checked_classes,
    complete_model,
)
from effcli.cli.output import check_pictures, show
from effcli.errors import EffcliError


@app.command(
    epilog=examples(
        "effcli plan --max-params 20M",
        "effcli plan --max-params 10M --max-macs 2G --base v1-b0",
        "effcli plan --max-macs 1G --classes 1000",
        "effcli plan --max-params 20M --grid --top 5",
        "effcli plan --max-params 8M --grid --allow-shrink --resolution 224",
    )
)
def plan(
    max_params: Annotated[
        str | None,
        typer.Option("--max-params", metavar="P", help="Parameter budget: 20M, 1.5G, 5000000.", show_default=False),
    ] = None,
    max_macs: Annotated[
        str | None,
        typer.Option("--max-macs", metavar="M", help="MACs budget: 2G, 500M.", show_default=False),
    ] = None,
    base: Annotated[
        str,
        typer.Option(
            "--base",
            "-b",
            metavar="NAME|PATH",
            autocompletion=complete_model,
            help="The network that is compound-scaled (and whose width, depth and resolution --grid searches).",
        ),
    ] = "efficientnetv2_b0",
    classes: Annotated[
        int | None,
        typer.Option(
            "--classes",
            metavar="N",
            help="Count a classifier head of N classes (keras.applications' include_top=True) in the budget.",
            show_default=False,
        ),
    ] = None,
    grid: Annotated[
        bool,
        typer.Option(
            "--grid",
            help="Also search width x depth x resolution freely and list the frontier: the networks within the "
            "budget that no other beats on both params and MACs, the most MACs first. By default no narrower, "
            "shallower or lower-resolution than the base.",
        ),
    ] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Allow networks smaller than the base: a negative phi, and with --grid widths and depths from "
            "0.25 and resolutions below the base's.",
        ),
    ] = False,
    resolution: Annotated[
        str | None,
        typer.Option(
            "--resolution",
            "-r",
            metavar="N|MIN:MAX[:STEP]",
            help="With --grid: resolutions to try (default 128:640:32, from the base's own up).",
            show_default=False,
        ),
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(
            "--top", metavar="K", min=1, max=1000, help="With --grid: show at most this many candidates (default 15)."
        ),
    ] = None,
    format: FormatOpt = Format.table,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    wide: WideOpt = False,
    force: ForceOpt = False,
) -> None:
    """Plan a network for a params and/or MACs budget: the presets that fit, and the best compound scaling.

    First the presets whose params and MACs at their native resolution fit the
    budget, the best published ImageNet top-1 first. Then EfficientNet's compound
    scaling of --base (depth 1.2^phi, width 1.1^phi, resolution x 1.15^phi): the
    largest phi, to 0.01, whose network fits, with the whole phis around it. With
    --classes N the budget counts the classifier head. --grid adds the free width x
    depth x resolution search. Everything is counted with the analytic engine. When
    nothing fits, one line says so (exit code 0).
    """
    from effcli.config.grammar import parse_count, parse_resolutions
    from effcli.config.presets import resolve
    from effcli.tools.budget import recommend

    check_pictures(format, svg, html, force)
    params_budget = None if max_params is None else parse_count(max_params, "--max-params")
    macs_budget = None if max_macs is None else parse_count(max_macs, "--max-macs")
    if params_budget is None and macs_budget is None:
        raise EffcliError("give a budget: --max-params, --max-macs or both", source="--max-params")
    resolutions = parse_resolutions(resolution)
    if not grid:
        for option, value in (("--resolution", resolution), ("--top", top)):
            if value is not None:
                raise EffcliError("only with --grid (it sets the grid search)", source=option)
    answer = recommend(
        resolve(base),
        max_params=params_budget,
        max_macs=macs_budget,
        classes=checked_classes(classes),
        grid=grid,
        allow_shrink=allow_shrink,
        resolutions=resolutions,
        top=15 if top is None else top,
    )
    show(format, lambda v: v.recommendation(answer), svg=svg, html=html, force=force, wide=wide, title="effcli plan")
