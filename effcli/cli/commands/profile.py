"""``effcli profile``."""

from __future__ import annotations

from typing import Annotated

import typer

from effcli.cli.application import app, examples
from effcli.cli.options import (
    ForceBuildOpt,
    Format,
    FormatOpt,
    HtmlOpt,
    ModelArg,
    ResolutionOpt,
    SvgOpt,
    WideOpt,
)
from effcli.cli.output import check_pictures, show, warn
from effcli.errors import EffcliError


@app.command(
    epilog=examples(
        "effcli profile b0",
        "effcli profile tiny_v2 --runs 5 -f json",
        "effcli profile efficientnetv2_s -r 300 --batch 8 --jit",
    )
)
def profile(
    model: ModelArg,
    resolution: ResolutionOpt = None,
    batch: Annotated[int, typer.Option("--batch", help="Images per forward pass (1 to 4096).")] = 1,
    runs: Annotated[int, typer.Option("--runs", "-n", help="Timed forward passes per block (1 to 10000).")] = 10,
    warmup: Annotated[int, typer.Option("--warmup", help="Untimed passes before the timed ones (0 to 1000).")] = 2,
    device: Annotated[
        str, typer.Option("--device", metavar="cpu|gpu", help="Where to run: gpu only if TensorFlow sees one.")
    ] = "cpu",
    jit: Annotated[bool, typer.Option("--jit", help="Compile with XLA (tf.function(jit_compile=True)).")] = False,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            help="TensorFlow's intra- and inter-op threads (default: TensorFlow's, one per core).",
            show_default=False,
        ),
    ] = None,
    format: FormatOpt = Format.table,
    force: ForceBuildOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    wide: WideOpt = False,
) -> None:
    """Measured speed: real forward passes on TensorFlow, per block and for the whole network.

    Builds the network with Keras (random weights), times every block alone and the
    whole network as one model: --warmup untimed passes, then --runs timed ones of a
    random batch, each a compiled tf.function call (XLA with --jit). Per block: the
    median milliseconds and the interquartile range, the share of the blocks' total,
    the MACs and the achieved GMAC/s; for the whole network its median and images per
    second, and the blocks' sum against it. Says which device and how many threads it
    measured on. Timings vary from run to run and machine to machine.
    """
    from effcli.cli.progress import progress_bar
    from effcli.core.limits import check
    from effcli.engines.keras_engine import native_stderr_silenced
    from effcli.tools.profile import DEVICES
    from effcli.tools.profile import profile as measure_profile

    check("profile_batch", batch, source="--batch")
    check("profile_runs", runs, source="--runs")
    check("profile_warmup", warmup, source="--warmup")
    if threads is not None:
        check("profile_threads", threads, source="--threads")
    if device.lower() not in DEVICES:
        raise EffcliError(f"unknown device '{device}'; valid: {', '.join(DEVICES)}", source="--device")
    check_pictures(format, svg, html, force)
    with native_stderr_silenced() as stream, progress_bar(stream, passes=runs + warmup) as (progress, start):
        result = measure_profile(
            model,
            resolution,
            batch=batch,
            runs=runs,
            warmup=warmup,
            device=device.lower(),
            jit=jit,
            threads=threads,
            force=force,
            progress=progress,
            on_plan=lambda plan: start(len(plan.blocks) + 1),
        )
    warn(result.warnings)
    show(
        format,
        lambda v: v.profile(result),
        svg=svg,
        html=html,
        force=force,
        wide=wide,
        title=f"effcli profile {model}",
    )
