"""``effcli export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from effcli import __version__
from effcli.cli.application import app, examples
from effcli.cli.options import (
    ModelArg,
)
from effcli.cli.output import emit
from effcli.errors import EffcliError


@app.command(
    epilog=examples(
        "effcli export efficientnetv2_s > my_net.yaml",
        "effcli export lite2 -o lite2.yaml",
        "effcli export keras_cv_efficientnetv2_b2",
    )
)
def export(
    model: ModelArg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE.yaml", help="Write here instead of stdout.", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE.yaml if it exists.")] = False,
    form: Annotated[
        str | None,
        typer.Option(
            "--form",
            metavar="readable|keras-hub",
            help="readable: effcli's stage list; keras-hub: EfficientNetBackbone keyword arguments. "
            "Default: readable, keras-hub for a keras-hub config (the EdgeTPU and rw presets).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The readable stage-list YAML of a preset or config: a starting point for a custom design.

    `effcli summary` of the exported file gives exactly the numbers of the original.
    keras-cv get_config() files come out in the readable form; `--form keras-hub` writes
    a config keras-hub's EfficientNetBackbone builds into the same network.
    """
    from effcli.config.loader import dump_spec_yaml
    from effcli.config.presets import resolve
    from effcli.files import check_target, write_text_atomic

    if form not in (None, "readable", "keras-hub"):
        raise EffcliError(f"unknown form '{form}'; valid: readable, keras-hub", source="--form")
    spec = resolve(model)
    if form is None:  # keras-hub's block semantics have no readable form
        form = "keras-hub" if spec.keras_hub is not None else "readable"
    header = f"# {spec.description}\n" if spec.description else ""
    text = header + f"# exported by effcli {__version__} from {model}\n" + dump_spec_yaml(spec, form)
    if output is None:
        emit(text)
        return
    check_target(output, force=force, option="--output", suffixes=(".yaml", ".yml"))
    write_text_atomic(output, text, force=force, option="--output")
    print(f"Wrote {spec.name} to {output}", file=sys.stderr)
