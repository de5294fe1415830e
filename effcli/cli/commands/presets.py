"""``effcli presets``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from effcli.cli.application import app, examples
from effcli.cli.options import (
    ForceOpt,
    Format,
    FormatOpt,
    HtmlOpt,
    SvgOpt,
    WideOpt,
)
from effcli.cli.output import check_pictures, show
from effcli.errors import EffcliError

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from effcli.render.document import Document


@app.command(
    epilog=examples(
        "effcli presets",
        "effcli presets --family lite",
        "effcli presets -f json",
        "effcli presets --aliases --family v1",
        "effcli presets --examples",
    )
)
def presets(
    family: Annotated[
        str | None, typer.Option("--family", metavar="v2|v1|lite|edgetpu", help="Only this family.", show_default=False)
    ] = None,
    aliases: Annotated[
        bool,
        typer.Option(
            "--aliases",
            help="List every accepted name (effcli's, keras, timm, torchvision) with its preset, and the refused ones.",
        ),
    ] = False,
    examples_: Annotated[
        bool, typer.Option("--examples", help="List the example configs (configs/examples), which work by name.")
    ] = False,
    format: FormatOpt = Format.table,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    wide: WideOpt = False,
    force: ForceOpt = False,
) -> None:
    """Every preset: family, width, depth, native resolution, blocks, params, MACs (at native resolution).

    Counted with the analytic engine (the tests prove it equal to the Keras engine).
    Aliases, other libraries' names (EfficientNetB0, tf_efficientnet_b0,
    efficientnet_v2_s, ...) and the examples' names work wherever a model name does:
    --aliases lists every name, --examples the example configs.
    """
    from effcli.config.presets import example_files
    from effcli.tools.catalog import catalogue, example_catalogue, name_table

    check_pictures(format, svg, html, force)
    if aliases and examples_:
        raise EffcliError("use one of --aliases and --examples", source="--aliases")
    view: Callable[[ModuleType], Document]
    if aliases:
        accepted, refused = name_table(family)
        view = lambda v: v.preset_names(accepted, refused)  # noqa: E731
    elif examples_:
        found = example_catalogue(family)
        view = lambda v: v.example_presets(found)  # noqa: E731
    else:
        entries = catalogue(family)
        names = list(example_files()) if family is None else []
        view = lambda v: v.presets_with_pointers(entries, names)  # noqa: E731
    show(format, view, svg=svg, html=html, force=force, wide=wide, title="effcli presets")
