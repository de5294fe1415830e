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
from typing import Annotated, Any, Optional

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

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, **extra: Any):  # noqa: D102
        extra.pop("standalone_mode", None)
        code = run_guarded(
            lambda: super(EffcliGroup, self).main(
                args=args, prog_name=prog_name or "effcli", complete_var=complete_var,
                standalone_mode=False, **extra,
            )
        )  # fmt: skip
        sys.exit(code)


def _error(message: str) -> None:
    message = " ".join(str(message).split())
    print(f"Error: {message}", file=sys.stderr)


def run_guarded(function) -> int:
    try:
        result = function()
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
    except BrokenPipeError:
        _silence_broken_pipe()
        return 0
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
    add_completion=False,
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
        Optional[bool],
        typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = None,
) -> None:
    """Explore EfficientNet backbones."""


def parse_resolution(value: str | None, spec) -> tuple[int, int] | None:
    """``N``, ``HxW`` or ``native`` -> (height, width); None when not given."""
    from effcli.spec import MAX_RESOLUTION

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
    parts = text.replace("*", "x").split("x")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
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
    sys.stdout.write(text)
    sys.stdout.flush()


ModelArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME|PATH",
        help="A preset (efficientnetv2_b2), an alias (b2, s, v1-b3, lite0) or a YAML stage config.",
        show_default=False,
    ),
]
ResolutionOpt = Annotated[
    Optional[str],
    typer.Option(
        "--resolution", "-r", metavar="N|HxW|native",
        help="Input size: 224, 193x257, or 'native' for the preset's own resolution. "
        "Default: the config's input_shape if it has one, else 224x224.",
        show_default=False,
    ),
]  # fmt: skip
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)]
EngineOpt = Annotated[
    Engine,
    typer.Option(
        "--engine", "-e", envvar="EFFCLI_ENGINE", case_sensitive=False,
        help="How the numbers are obtained: 'keras' builds the real Keras model (weights not "
        "materialised) and reads them off it; 'analytic' counts in pure Python, without TensorFlow.",
    ),
]  # fmt: skip


@app.command(epilog=EPILOG)
def summary(
    model: ModelArg,
    resolution: ResolutionOpt = None,
    format: FormatOpt = Format.table,
    engine: EngineOpt = Engine.keras,
) -> None:
    """Per-block parameters, output shapes, pyramid levels and totals of one backbone.

    The block table lists the stem, every block and the top: type, kernel, stride,
    expand ratio, squeeze-excite width, channels in -> out, output shape, parameters
    (BatchNorm moving statistics count as non-trainable) and the drop rate of the
    residual branch. Pyramid levels follow keras-cv: the tensor entering each
    stride-2 block, then the top activation.
    """
    from effcli.engines import summarize
    from effcli.presets import resolve
    from effcli.render import get_renderer

    spec = resolve(model)
    shape = input_shape_for(spec, resolution)
    report = summarize(spec, shape, engine=engine.value)
    for message in report.warnings:
        print(f"Warning: {message}", file=sys.stderr)
    color = format is Format.table and _wants_color()
    width = shutil.get_terminal_size((160, 40)).columns if sys.stdout.isatty() else 160
    _emit(get_renderer(format.value, color=color, width=width).render(report))


@app.command(epilog="Examples:  effcli build b0 --output b0.keras   |   effcli build efficientnetv2_s -r native -o s.keras --include-rescaling")
def build(
    model: ModelArg,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="FILE.keras", help="Where to save the model (a new .keras file).",
                     show_default=False),
    ],
    resolution: ResolutionOpt = None,
    include_rescaling: Annotated[
        bool, typer.Option("--include-rescaling", help="Start with a Rescaling(1/255) layer, as keras-cv can.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE.keras if it exists.")] = False,
) -> None:
    """Build the backbone with Keras (initialised weights) and save it as a .keras file.

    The file is written atomically (a temporary file in the same folder, then a
    rename). Load it back with keras.saving.load_model after
    `import effcli.engines.keras_engine`, which registers effcli's EfficientNetV2
    block layer.
    """
    from effcli.engines import keras_engine
    from effcli.plan import make_plan
    from effcli.presets import resolve

    spec = resolve(model)
    if include_rescaling:
        spec = spec.with_changes(include_rescaling=True)
    shape = input_shape_for(spec, resolution)
    if output.suffix != ".keras":
        raise EffcliError(f"'{output}' must end in .keras (the Keras 3 model format)", source="--output")
    if output.is_dir():
        raise EffcliError(f"'{output}' is a directory; give a file name ending in .keras", source="--output")
    if not output.parent.is_dir():
        raise EffcliError(f"folder '{output.parent}' does not exist", source="--output")
    if output.exists() and not force:
        raise EffcliError(f"'{output}' exists; use --force to overwrite it", source="--output")
    plan = make_plan(spec, shape)
    for message in plan.warnings:
        print(f"Warning: {message}", file=sys.stderr)
    params = keras_engine.save_model(plan, output)
    print(f"Saved {spec.name} ({' x '.join(map(str, shape))} input, {params:,} params) to {output}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="effcli")


if __name__ == "__main__":
    main()
