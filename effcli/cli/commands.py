"""The commands. Each parses its options, calls one function of the core and hands the result to a view and a writer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from effcli import __version__
from effcli.cli.application import EPILOG, app, examples
from effcli.cli.options import (
    BatchOpt,
    ClassesOpt,
    DType,
    DTypeOpt,
    Engine,
    EngineOpt,
    ForceBuildOpt,
    ForceOpt,
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
    complete_model,
    memory_settings,
)
from effcli.cli.output import check_pictures, emit, reports_for, show, warn
from effcli.errors import EffcliError

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from effcli.render.document import Document


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
        str | None, typer.Option("--family", metavar="v2|v1|lite", help="Only this family.", show_default=False)
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
        str,
        typer.Option(
            "--form",
            metavar="readable|keras-hub",
            help="readable: effcli's stage list; keras-hub: EfficientNetBackbone keyword arguments.",
        ),
    ] = "readable",
) -> None:
    """The readable stage-list YAML of a preset or config: a starting point for a custom design.

    `effcli summary` of the exported file gives exactly the numbers of the original.
    keras-cv get_config() files come out in the readable form; `--form keras-hub` writes
    a config keras-hub's EfficientNetBackbone builds into the same network.
    """
    from effcli.config.loader import dump_spec_yaml
    from effcli.config.presets import resolve
    from effcli.files import check_target, write_text_atomic

    if form not in ("readable", "keras-hub"):
        raise EffcliError(f"unknown form '{form}'; valid: readable, keras-hub", source="--form")
    spec = resolve(model)
    header = f"# {spec.description}\n" if spec.description else ""
    text = header + f"# exported by effcli {__version__} from {model}\n" + dump_spec_yaml(spec, form)
    if output is None:
        emit(text)
        return
    check_target(output, force=force, option="--output", suffixes=(".yaml", ".yml"))
    write_text_atomic(output, text, force=force, option="--output")
    print(f"Wrote {spec.name} to {output}", file=sys.stderr)


@app.command(
    epilog=examples(
        "effcli schema > effcli.schema.json",
        "then start a config with:",
        "# yaml-language-server: $schema=./effcli.schema.json",
    )
)
def schema() -> None:
    """Print a JSON Schema of the config format, for editors that validate and complete YAML."""
    import json

    from effcli.config.schema import config_schema

    emit(json.dumps(config_schema(), indent=2) + "\n")


@app.command(
    epilog=examples(
        "effcli build b0 --output b0.keras", "effcli build efficientnetv2_s -r native -o s.keras --include-rescaling"
    )
)
def build(
    model: ModelArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE.keras",
            help="Where to save the model (a new .keras file).",
            show_default=False,
        ),
    ],
    resolution: ResolutionOpt = None,
    include_rescaling: Annotated[
        bool, typer.Option("--include-rescaling", help="Start with a Rescaling(1/255) layer, as keras-cv can.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite FILE.keras if it exists, and build even when the guard estimates the model too large.",
        ),
    ] = False,
    classes: ClassesOpt = None,
) -> None:
    """Build the backbone with Keras (initialised weights) and save it as a .keras file.

    The file is written atomically (a temporary file in the same folder, then a
    rename). It holds only standard Keras layers: plain keras.saving.load_model
    loads it, without effcli. It also carries effcli's description of the model,
    so `effcli summary FILE.keras` reports it like its preset or config.
    """
    from effcli.config.grammar import input_shape
    from effcli.config.presets import resolve
    from effcli.core.plan import make_plan
    from effcli.engines import keras_engine
    from effcli.engines.guard import check_keras_build
    from effcli.files import check_target

    head = checked_classes(classes)
    spec = resolve(model)
    if include_rescaling:
        spec = spec.with_changes(include_rescaling=True)
    shape = input_shape(spec, resolution)
    check_target(output, force=force, option="--output", suffixes=(".keras",))
    plan = make_plan(spec, shape, classes=head)
    check_keras_build(plan, materialize=True, force=force)
    warn(plan.warnings)
    params = keras_engine.save_model(plan, output, force=force)
    emit(f"Saved {spec.name} ({' x '.join(map(str, shape))} input, {params:,} params) to {output}\n")


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


cache_app = typer.Typer(
    name="cache",
    help="The measurement cache: Keras builds answered again without TensorFlow.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("info", epilog=examples("effcli cache info", "effcli cache info -f json"))
def cache_info(
    format: Annotated[
        Format, typer.Option("--format", "-f", help="Output format (table or json).", case_sensitive=False)
    ] = Format.table,
) -> None:
    """Where the cache is, how many networks it holds and their size.

    Move it with EFFCLI_CACHE_DIR; bypass it with --no-cache on the commands that build with Keras.
    """
    import json

    from effcli.engines import cache

    details = cache.info()
    if format is Format.json:
        emit(json.dumps(details.to_dict(), indent=2) + "\n")
        return
    if format is not Format.table:
        raise EffcliError(f"cache info prints a table or json, not {format.value}", source="--format")
    state = "" if details.exists else " (not created yet)"
    emit(
        f"Folder   {details.folder}{state}\n"
        f"Entries  {details.entries:,}\n"
        f"Size     {details.bytes / 2**20:.2f} MB ({details.bytes:,} bytes)\n"
    )


@cache_app.command("clear", epilog=examples("effcli cache clear"))
def cache_clear() -> None:
    """Remove every cached measurement (the next Keras report builds again)."""
    from effcli.engines import cache

    removed = cache.clear()
    emit(f"Folder   {cache.cache_dir()}\nRemoved  {removed:,} cached {'network' if removed == 1 else 'networks'}\n")
