"""effcli's command line: parse arguments, call the core, print. No maths here.

Results go to stdout; warnings and errors to stderr. A user mistake is one
``Error: ...`` line and exit code 2; an unexpected failure is one line and exit
code 1 (``EFFCLI_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import os
import shutil
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from effcli import __version__
from effcli.errors import EffcliError

EPILOG = (
    "Examples:  effcli summary efficientnetv2_b2   |   effcli summary b0 --resolution native   |   "
    "effcli summary configs/examples/tiny_v2.yaml --format json"
)


class EffcliGroup(TyperGroup):
    """Runs the Typer app and turns every failure into one line on stderr."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, **extra: Any):
        extra.pop("standalone_mode", None)
        code = run_guarded(
            lambda: super(EffcliGroup, self).main(
                args=args,
                prog_name=prog_name or "effcli",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        )
        sys.exit(code)


def _error(message: str) -> None:
    message = " ".join(str(message).split())
    print(f"Error: {message}", file=sys.stderr)


def run_guarded(function) -> int:
    from effcli.interrupts import Stop, handled, raise_if_stopped

    try:
        with handled():
            result = function()
            raise_if_stopped()  # a signal that some library swallowed still stops us
    except Stop as stop:
        if stop.code == 141:
            _silence_broken_pipe()
        elif stop.message:
            print(stop.message, file=sys.stderr)
        return stop.code
    except EffcliError as exc:
        _error(str(exc))
        return exc.exit_code
    except typer.exceptions.TyperException as exc:  # click usage errors: bad option, missing argument
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        _error(exc.format_message() + hint)
        return getattr(exc, "exit_code", 2)
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`effcli ... | head`): stop quietly, as SIGPIPE would
        _silence_broken_pipe()
        return 141
    except Exception as exc:  # anything unexpected: one line unless debugging
        if os.environ.get("EFFCLI_DEBUG"):
            raise
        _error(f"unexpected {type(exc).__name__}: {exc} (set EFFCLI_DEBUG=1 for the traceback)")
        return 1
    return result if isinstance(result, int) else 0


def _silence_broken_pipe() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


app = typer.Typer(
    cls=EffcliGroup,
    name="effcli",
    help=(
        "Explore EfficientNet backbones (V2, V1, Lite, or your own YAML stage config): "
        "per-block parameters, output shapes and feature-pyramid levels, exact to the unit."
    ),
    epilog=EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class Engine(str, Enum):
    keras = "keras"
    analytic = "analytic"


def _version(value: bool) -> None:
    if value:
        print(f"effcli {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[
        bool | None,
        typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = None,
) -> None:
    """Explore EfficientNet backbones."""


def parse_resolution(value: str | None, spec=None) -> tuple[int, int] | None:
    """``N``, ``HxW`` or ``native`` -> (height, width); None when not given."""
    from effcli.core.limits import MAX_RESOLUTION

    if value is None:
        return None
    text = value.strip().lower()
    if text == "native":
        if spec.native_resolution is None:
            raise EffcliError(
                f"{spec.source} has no native_resolution; give a size such as 224 or 193x257",
                source="--resolution",
            )
        return (spec.native_resolution, spec.native_resolution)
    parts = [p.strip() for p in text.replace("*", "x").split("x")]
    if len(parts) not in (1, 2) or not all(p.isascii() and p.isdigit() for p in parts):
        raise EffcliError(
            f"expected N, HxW or 'native', got '{value}' (e.g. 224, 193x257, native)", source="--resolution"
        )
    sizes = [int(p) for p in parts]
    for size in sizes:
        if not 1 <= size <= MAX_RESOLUTION:
            raise EffcliError(f"sizes must be from 1 to {MAX_RESOLUTION}, got {size}", source="--resolution")
    return (sizes[0], sizes[-1])


def input_shape_for(spec, resolution: str | None) -> tuple[int, int, int]:
    """--resolution if given, else the config's concrete input_shape, else 224x224."""
    size = parse_resolution(resolution, spec)
    height, width, channels = spec.input_shape
    if size is None:
        size = (height, width) if height is not None and width is not None else (224, 224)
    return (size[0], size[1], channels)


def _wants_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _emit(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # raised past Typer, which would exit 1 on it
        from effcli.interrupts import Stop

        raise Stop(141, None) from None
    except OSError as exc:  # e.g. stdout on a full disk
        raise EffcliError(f"cannot write the output: {exc.strerror or exc}", source="stdout") from None


def complete_model(incomplete: str) -> list[str]:
    """Shell completion: presets, aliases, and YAML / .keras files in the current folder."""
    from effcli.config.presets import ALIASES, preset_names

    words = preset_names() + list(ALIASES)
    folder, _, stem = incomplete.rpartition("/")
    try:
        base = Path(folder or ".")
        files = [
            (f"{folder}/" if folder else "") + entry.name + ("/" if entry.is_dir() else "")
            for entry in base.iterdir()
            if entry.name.startswith(stem)
            and not entry.name.startswith(".")
            and (entry.is_dir() or entry.suffix.lower() in (".yaml", ".yml", ".keras"))
        ]
    except OSError:
        files = []
    return [w for w in words if w.startswith(incomplete.lower())] + sorted(files)


def report_for(target: str, resolution: str | None, *, engine: str, force: bool, pyramid: str = "keras"):
    """The report of a preset, a YAML config or a saved .keras model."""
    if target.lower().endswith(".keras"):
        from effcli.engines.keras_engine import inspect_saved_model

        path = Path(target)
        if not path.is_file():
            raise EffcliError("no such file" if not path.exists() else "not a file", source=target)
        size = None
        if resolution is not None:
            if resolution.strip().lower() == "native":
                raise EffcliError("a saved model has no native resolution; give a size", source="--resolution")
            size = parse_resolution(resolution, None)
        return inspect_saved_model(path, size, pyramid=pyramid)
    from effcli.config.presets import resolve
    from effcli.engines import summarize

    spec = resolve(target)
    return summarize(spec, input_shape_for(spec, resolution), engine=engine, force=force, pyramid=pyramid)


ModelArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME|PATH",
        help="A preset (efficientnetv2_b2), an alias (b2, s, v1-b3, lite0), a YAML stage config or a saved "
        ".keras model.",
        show_default=False,
        autocompletion=complete_model,
    ),
]
ResolutionOpt = Annotated[
    str | None,
    typer.Option(
        "--resolution",
        "-r",
        metavar="N|HxW|native",
        help="Input size: 224, 193x257, or 'native' for the preset's own resolution. "
        "Default: the config's input_shape if it has one, else 224x224.",
        show_default=False,
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)]


class Pyramid(str, Enum):
    keras = "keras"
    timm = "timm"


PyramidOpt = Annotated[
    Pyramid,
    typer.Option(
        "--pyramid",
        case_sensitive=False,
        help="Pyramid taps: 'keras' (keras-cv: the tensor entering each stride-2 block, then the head) or "
        "'timm' (the same stage ends, but the last stage's output instead of the 1280-channel head).",
    ),
]
ForceBuildOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Build with Keras even when the guard estimates it too large "
        "(over 2 billion parameters or more memory than is free), and overwrite --svg/--html files.",
    ),
]
EngineOpt = Annotated[
    Engine,
    typer.Option(
        "--engine",
        "-e",
        envvar="EFFCLI_ENGINE",
        case_sensitive=False,
        help="How the numbers are obtained: 'keras' builds the real Keras model (weights not "
        "materialised) and reads them off it; 'analytic' counts in pure Python, without TensorFlow.",
    ),
]


@app.command(epilog=EPILOG)
def summary(
    model: ModelArg,
    resolution: ResolutionOpt = None,
    format: FormatOpt = Format.table,
    engine: EngineOpt = Engine.keras,
    force: ForceBuildOpt = False,
    layers: Annotated[
        bool, typer.Option("--layers", help="Expand every block into its Keras layers (params, output shapes).")
    ] = False,
    pyramid: PyramidOpt = Pyramid.keras,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Per-block parameters, output shapes, pyramid levels and totals of one backbone.

    The block table lists the stem, every block and the top: type, kernel, stride,
    expand ratio, squeeze-excite width, channels in -> out, output shape, parameters
    (BatchNorm moving statistics count as non-trainable) and the drop rate of the
    residual branch. Pyramid levels follow keras-cv: the tensor entering each
    stride-2 block, then the top activation.
    """
    _check_pictures(format, svg, html, force)
    report = report_for(model, resolution, engine=engine.value, force=force, pyramid=pyramid.value)
    for message in report.warnings:
        print(f"Warning: {message}", file=sys.stderr)
    _show(format, lambda r: r.render(report), svg=svg, html=html, layers=layers, title=f"effcli summary {model}")


@app.command(
    epilog="Examples:  effcli explain efficientnetv2_b2 block4b   |   effcli explain v1-b0 block2a -f json"
    "   |   effcli explain lite3 stem"
)
def explain(
    model: ModelArg,
    block: Annotated[
        str, typer.Argument(metavar="BLOCK", help="A block name (block4b), 'stem' or 'top'.", show_default=False)
    ],
    resolution: ResolutionOpt = None,
    format: FormatOpt = Format.table,
    engine: EngineOpt = Engine.keras,
    force: ForceBuildOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """One block up close: its layers, the channel flow, the parameter breakdown and why it is built so.

    Shows the block's Keras layers (class, kernel, stride, output shape, params,
    MACs, share of the block's params), the channel flow (e.g. 104 -> 416 -> 416 ->
    SE 26 -> 104: narrow -> wide -> narrow), the drop rate, whether it is residual
    and why (Fused-MBConv or MBConv, stride, input == output filters).
    """
    from effcli.tools.explain import explain as explain_block

    _check_pictures(format, svg, html, force)
    report = report_for(model, resolution, engine=engine.value, force=force)
    explanation = explain_block(report, block)
    _show(
        format, lambda r: r.render_explanation(explanation), svg=svg, html=html, title=f"effcli explain {model} {block}"
    )


SvgOpt = Annotated[
    Path | None,
    typer.Option(
        "--svg", metavar="FILE.svg", help="Also save exactly what the table view printed as SVG.", show_default=False
    ),
]
HtmlOpt = Annotated[
    Path | None,
    typer.Option(
        "--html", metavar="FILE.html", help="Also save exactly what the table view printed as HTML.", show_default=False
    ),
]


def _check_pictures(format: Format, svg: Path | None, html: Path | None, force: bool) -> None:
    """Validate --svg / --html before any work: table view only, no silent overwrite."""
    from effcli.files import check_target

    for path, option, suffixes in ((svg, "--svg", (".svg",)), (html, "--html", (".html", ".htm"))):
        if path is None:
            continue
        if format is not Format.table:
            raise EffcliError(f"saves the table view; use it with --format table, not {format.value}", source=option)
        check_target(path, force=force, option=option, suffixes=suffixes)


def _show(
    format: Format,
    render,
    *,
    svg: Path | None = None,
    html: Path | None = None,
    layers: bool = False,
    title: str = "effcli",
) -> None:
    """Render with the format's renderer, print, and save the recorded table view if asked."""
    from effcli.files import write_text_atomic
    from effcli.render import get_renderer

    color, width = _output_options(format)
    renderer = get_renderer(format.value, color=color, width=width, layers=layers)
    _emit(render(renderer))
    if svg is not None:
        write_text_atomic(svg, renderer.recording.export_svg(title=title, clear=False))
        print(f"Saved the table as {svg}", file=sys.stderr)
    if html is not None:
        write_text_atomic(html, renderer.recording.export_html(clear=False))
        print(f"Saved the table as {html}", file=sys.stderr)


def _output_options(format: Format):
    color = format is Format.table and _wants_color()
    width = shutil.get_terminal_size((160, 40)).columns if sys.stdout.isatty() else 200
    return color, width


@app.command(
    epilog="Examples:  effcli compare b0 b3   |   effcli compare efficientnetv1_b0 efficientnetlite_b0 "
    "efficientnetv2_b0   |   effcli compare s m l -r native -f markdown"
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
    pyramid: PyramidOpt = Pyramid.keras,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
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

    _check_pictures(format, svg, html, force)
    if len(models) < 2:
        raise EffcliError(f"compare needs two or more models, got {len(models)}", source="A B [C ...]")
    reports = []
    for target in models:
        report = report_for(target, resolution, engine=engine.value, force=force, pyramid=pyramid.value)
        for message in report.warnings:
            print(f"Warning: {report.name}: {message}", file=sys.stderr)
        reports.append(report)
    comparison = compare_reports(reports)
    _show(
        format,
        lambda r: r.render_comparison(comparison),
        svg=svg,
        html=html,
        title=f"effcli compare {' '.join(models)}",
    )


@app.command(
    epilog="Examples:  effcli scale --width 1.2 --depth 1.4   |   effcli scale --base efficientnetv1_b0 "
    "--width 2.0 --depth 3.1   |   effcli scale --phi 2 --base v1-b0   |   effcli scale -w 0.75 -d 0.8 --save tiny.yaml"
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
    svg: SvgOpt = None,
    html: HtmlOpt = None,
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
    from effcli.tools.scale import explore, scaled_spec

    _check_pictures(format, svg, html, force)
    base_spec = resolve(base)
    base_shape = input_shape_for(base_spec, resolution)
    compound_rule = None
    if phi is not None:
        if width is not None or depth is not None:
            raise EffcliError("give --phi or --width/--depth, not both", source="--phi")
        from effcli.tools.budget import compound

        if resolution is None and base_spec.native_resolution is not None:
            base_shape = (base_spec.native_resolution, base_spec.native_resolution, base_shape[2])
        compound_rule = compound(phi, base_resolution=base_shape[0], alpha=alpha, beta=beta, gamma=gamma)
        width, depth = compound_rule.width, compound_rule.depth
        shape = (compound_rule.resolution, compound_rule.resolution, base_shape[2])
    else:
        if width is None or depth is None:
            missing = "--width" if width is None else "--depth"
            raise EffcliError("missing; give --width and --depth, or --phi for compound scaling", source=missing)
        shape = base_shape
    scaled = scaled_spec(base_spec, width=width, depth=depth, divisor=divisor, min_depth=min_depth)
    if save is not None:
        check_target(save, force=force, option="--save", suffixes=(".yaml", ".yml"))
    scaling = explore(base_spec, scaled, shape, base_shape=base_shape, compound=compound_rule)
    for message in scaling.scaled_report.warnings:
        print(f"Warning: {message}", file=sys.stderr)
    _show(format, lambda r: r.render_scaling(scaling), svg=svg, html=html, title="effcli scale")
    if save is not None:
        write_text_atomic(save, dump_spec_yaml(scaled.with_changes(input_shape=shape, native_resolution=None)))
        print(f"Saved {scaled.name} to {save}", file=sys.stderr)


@app.command(
    epilog="Examples:  effcli plan --max-params 20M   |   effcli plan --max-params 10M --max-macs 2G "
    "--base v1-b0   |   effcli plan --max-params 8M --resolution 224"
)
def plan(
    max_params: Annotated[
        str, typer.Option("--max-params", metavar="P", help="Parameter budget: 20M, 1.5G, 5000000.", show_default=False)
    ],
    max_macs: Annotated[
        str | None,
        typer.Option("--max-macs", metavar="M", help="MACs budget (optional): 2G, 500M.", show_default=False),
    ] = None,
    base: Annotated[
        str,
        typer.Option(
            "--base",
            "-b",
            metavar="NAME|PATH",
            autocompletion=complete_model,
            help="The network whose width, depth and resolution are searched.",
        ),
    ] = "efficientnetv2_b0",
    resolution: Annotated[
        str | None,
        typer.Option(
            "--resolution",
            "-r",
            metavar="N|MIN:MAX[:STEP]",
            help="Resolutions to try (default 128:640:32).",
            show_default=False,
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=1000, help="Show at most this many candidates.")] = 15,
    format: FormatOpt = Format.table,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --svg and --html files if they exist.")] = False,
) -> None:
    """Plan a scaled network for a budget: search width x depth x resolution, list the frontier.

    Every width 0.25..4 (step 0.05), depth 0.25..4 (step 0.1) and resolution is
    counted with the analytic engine; the listed candidates are the frontier of
    the ones within budget: no other candidate has both more params and more MACs.
    They run from the widest/deepest at a lower resolution to the highest
    resolution with fewer params. The table reports how many candidates were
    evaluated per second.
    """
    from dataclasses import replace

    from effcli.config.presets import resolve
    from effcli.tools.budget import parse_count, parse_resolutions, search

    _check_pictures(format, svg, html, force)
    base_spec = resolve(base)
    result = search(
        base_spec,
        max_params=parse_count(max_params, "--max-params"),
        max_macs=None if max_macs is None else parse_count(max_macs, "--max-macs"),
        resolutions=parse_resolutions(resolution),
        channels=base_spec.input_shape[2],
    )
    result = replace(result, frontier=result.frontier[:top])
    _show(format, lambda r: r.render_plan(result), svg=svg, html=html, title="effcli plan")


@app.command(epilog="Examples:  effcli presets   |   effcli presets --family lite   |   effcli presets -f json")
def presets(
    family: Annotated[
        str | None, typer.Option("--family", metavar="v2|v1|lite", help="Only this family.", show_default=False)
    ] = None,
    format: FormatOpt = Format.table,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --svg and --html files if they exist.")] = False,
) -> None:
    """Every preset: family, width, depth, native resolution, blocks, params, MACs (at native resolution).

    Counted with the analytic engine (the tests prove it equal to the Keras engine).
    Aliases work wherever a model name does.
    """
    from effcli.tools.catalog import catalogue

    _check_pictures(format, svg, html, force)
    entries = catalogue(family)
    _show(format, lambda r: r.render_presets(entries), svg=svg, html=html, title="effcli presets")


@app.command(
    epilog="Examples:  effcli export efficientnetv2_s > my_net.yaml   |   effcli export lite2 -o lite2.yaml"
    "   |   effcli export configs/examples/keras_cv_efficientnetv2_b2.yaml"
)
def export(
    model: ModelArg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE.yaml", help="Write here instead of stdout.", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE.yaml if it exists.")] = False,
) -> None:
    """The readable stage-list YAML of a preset or config: a starting point for a custom design.

    `effcli summary` of the exported file gives exactly the numbers of the original.
    keras-cv get_config() files come out in the readable form.
    """
    from effcli.config.loader import dump_spec_yaml
    from effcli.config.presets import resolve
    from effcli.files import check_target, write_text_atomic

    spec = resolve(model)
    header = f"# {spec.description}\n" if spec.description else ""
    text = header + f"# exported by effcli {__version__} from {model}\n" + dump_spec_yaml(spec)
    if output is None:
        _emit(text)
        return
    check_target(output, force=force, option="--output", suffixes=(".yaml", ".yml"))
    write_text_atomic(output, text)
    print(f"Wrote {spec.name} to {output}", file=sys.stderr)


@app.command(
    epilog="Example:  effcli schema > effcli.schema.json   (then, first line of a config: "
    "# yaml-language-server: $schema=./effcli.schema.json)"
)
def schema() -> None:
    """Print a JSON Schema of the config format, for editors that validate and complete YAML."""
    import json

    from effcli.config.schema import config_schema

    _emit(json.dumps(config_schema(), indent=2) + "\n")


@app.command(
    epilog="Examples:  effcli build b0 --output b0.keras   |   "
    "effcli build efficientnetv2_s -r native -o s.keras --include-rescaling"
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
) -> None:
    """Build the backbone with Keras (initialised weights) and save it as a .keras file.

    The file is written atomically (a temporary file in the same folder, then a
    rename). Load it back with keras.saving.load_model after
    `import effcli.engines.keras_engine`, which registers effcli's EfficientNetV2
    block layer.
    """
    from effcli.config.presets import resolve
    from effcli.core.plan import make_plan
    from effcli.engines import keras_engine
    from effcli.engines.guard import check_keras_build
    from effcli.files import check_target

    spec = resolve(model)
    if include_rescaling:
        spec = spec.with_changes(include_rescaling=True)
    shape = input_shape_for(spec, resolution)
    check_target(output, force=force, option="--output", suffixes=(".keras",))
    plan = make_plan(spec, shape)
    check_keras_build(plan, materialize=True, force=force)
    for message in plan.warnings:
        print(f"Warning: {message}", file=sys.stderr)
    params = keras_engine.save_model(plan, output)
    print(f"Saved {spec.name} ({' x '.join(map(str, shape))} input, {params:,} params) to {output}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="effcli")


if __name__ == "__main__":
    main()
