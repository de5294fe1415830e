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


class DType(str, Enum):  # effcli.core.memory.DTYPES
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    mixed_float16 = "mixed_float16"


class Optimizer(str, Enum):  # effcli.core.memory.OPTIMIZERS
    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"
    adamw = "adamw"


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
        "Default: the config's input_shape if it has one, else its native resolution (every preset has one: "
        "b2 is 260), else 224x224.",
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
ClassesOpt = Annotated[
    int | None,
    typer.Option(
        "--classes",
        metavar="N",
        help="Add the classifier head keras.applications builds with include_top=True, classes=N (global "
        "average pooling, dropout, Dense N with softmax) as a last row 'head'; totals include it (1 to 1,000,000).",
        show_default=False,
    ),
]


def checked_classes(classes: int | None) -> int | None:
    """The checked --classes value (None: no head)."""
    from effcli.core.limits import check

    return None if classes is None else check("classes", classes, source="--classes")


ForceBuildOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Build with Keras even when the guard estimates it too large "
        "(over 2 billion parameters or more memory than is free), and overwrite the files it is asked to save.",
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
PictureOpt = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE.svg|FILE.png",
        help="Where to save the picture: .svg (text stays text, scales to any size) or .png (150 dpi).",
        show_default=False,
    ),
]
ForcePictureOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Overwrite the output file if it exists, and build with Keras even when the guard estimates the "
        "model too large.",
    ),
]
PICTURE_SUFFIXES = (".svg", ".png")
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
BatchOpt = Annotated[
    int,
    typer.Option(
        "--batch",
        metavar="N",
        help="Batch size of the memory lines: activations scale with it (1 to 1,000,000).",
    ),
]
DTypeOpt = Annotated[
    DType,
    typer.Option(
        "--dtype",
        metavar="DTYPE",
        case_sensitive=False,
        help="Dtype policy of the memory lines: float32, float16, bfloat16, or mixed_float16 (Keras's mixed "
        "precision: float32 variables, float16 activations).",
    ),
]
OptimizerOpt = Annotated[
    Optimizer | None,
    typer.Option(
        "--optimizer",
        metavar="OPTIMIZER",
        case_sensitive=False,
        help="Also estimate a training step's memory with this optimizer: variables, gradients, optimizer slots "
        "(sgd 0, momentum 1, adam and adamw 2 per trainable param) and the activations kept for the backward pass.",
        show_default=False,
    ),
]


def memory_settings(batch: int, dtype: DType, optimizer: Optimizer | None):
    """The checked --batch, --dtype and --optimizer, as effcli.core.memory.MemorySettings."""
    from effcli.core.limits import check
    from effcli.core.memory import MemorySettings

    check("batch", batch, source="--batch")
    return MemorySettings(batch=batch, dtype=dtype.value, optimizer=None if optimizer is None else optimizer.value)
