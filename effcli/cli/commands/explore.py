"""``effcli explore``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from effcli.cli.application import app, examples
from effcli.cli.options import ClassesOpt, DType, DTypeOpt, ResolutionOpt, complete_model
from effcli.errors import EffcliError

OPTIONS = {"Width": "--width", "Depth": "--depth", "Resolution": "--resolution", "Classes": "--classes"}


@app.command(
    epilog=examples(
        "effcli explore efficientnetv2_b2",
        "effcli explore b0 --width 1.2 --depth 1.4",
        "effcli explore v1-b0 --compare v1-b3 -r 300",
        "effcli explore my_backbone.yaml",
    )
)
def explore(
    model: Annotated[
        str,
        typer.Argument(
            metavar="NAME|PATH",
            help="A preset (efficientnetv2_b2), an alias (b2, s, v1-b3, lite0) or a YAML stage config.",
            show_default=False,
            autocompletion=complete_model,
        ),
    ],
    width: Annotated[
        float | None,
        typer.Option(
            "--width", "-w", help="Start at this width coefficient (default: the network's).", show_default=False
        ),
    ] = None,
    depth: Annotated[
        float | None,
        typer.Option(
            "--depth", "-d", help="Start at this depth coefficient (default: the network's).", show_default=False
        ),
    ] = None,
    resolution: ResolutionOpt = None,
    classes: ClassesOpt = None,
    batch: Annotated[int, typer.Option("--batch", help="Start at this batch size (the memory figures).")] = 1,
    dtype: DTypeOpt = DType.float32,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            "-c",
            metavar="NAME|PATH",
            autocompletion=complete_model,
            help="Start with a second model in the Compare view.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The backbone as an interactive explorer in the terminal: navigate, rescale live, compare.

    A stage/block tree beside the block table (Enter opens a block's layers, channel
    flow and explanation; pyramid taps are marked), controls for width, depth,
    resolution, classes, batch and dtype whose every edit recounts the network with
    the analytic engine and shows the change against the network you started from,
    the round_filters / round_repeats tables, a second model stage by stage, search
    (/), and saving the network as YAML (s). Press ? inside for every key; q quits.
    Needs a terminal: for output a program reads, use effcli summary.
    """
    from effcli.core import limits
    from effcli.tools.session import Session

    session = Session(model)
    start = session.defaults()
    for name, option, value in (("width_coefficient", "--width", width), ("depth_coefficient", "--depth", depth)):
        if value is not None:
            limits.check(name, value, source=option)
            start["Width" if option == "--width" else "Depth"] = f"{value:g}"
    if resolution is not None:
        start["Resolution"] = resolution
    if classes is not None:
        start["Classes"] = str(limits.check("classes", classes, source="--classes"))
    start["Batch"] = str(limits.check("batch", batch, source="--batch"))
    start["dtype"] = dtype.value
    try:
        session.settings(start)
    except EffcliError as error:
        raise EffcliError(error.detail, source=OPTIONS.get(error.source or "", error.source)) from None
    if compare is not None:
        session.notes += session.set_other(compare)
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        stream = "stdout" if not sys.stdout.isatty() else "stdin"
        raise EffcliError(
            f"is not a terminal; explore is interactive. For output a program or a file reads, use "
            f"'effcli summary {model}' (with -f json, csv or markdown)",
            source=stream,
        )
    from effcli.tui.app import ExploreApp

    ExploreApp(session, start=start).run()
