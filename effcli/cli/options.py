"""The options that several commands share, declared once."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class Engine(str, Enum):
    keras = "keras"
    analytic = "analytic"


class Pyramid(str, Enum):
    keras = "keras"
    timm = "timm"


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
FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format", "-f", metavar="FORMAT", help="Output format: table, json, csv or markdown.", case_sensitive=False
    ),
]
PyramidOpt = Annotated[
    Pyramid,
    typer.Option(
        "--pyramid",
        case_sensitive=False,
        help="Pyramid taps: 'keras' (keras-cv: the tensor entering each stride-2 block, then the top's "
        "output) or 'timm' (the same stage ends, but the last stage's output instead of the top's).",
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
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite the --svg and --html files if they exist.")]
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
WideOpt = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="Print every column of the table view, however wide (by default a narrow terminal gets the "
        "most important columns and a line naming the ones left out).",
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Build with Keras even when the measurements of this network are cached, and do not store them.",
    ),
]
