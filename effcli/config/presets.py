"""The preset registry: configs/*.yaml, the example configs, names from every ecosystem, did-you-mean.

``configs/`` is the single source of truth. In a source checkout it sits beside
the package; in an installed wheel it is packaged as ``effcli/configs``. What it
gives (the names, each preset's validated config and its counts) is compiled once
into :mod:`effcli.config.compiled` (``python scripts/compile_catalogue.py``;
``tests/test_catalogue.py`` checks it against the YAML files), so that naming or
loading a preset reads no YAML. Which names mean which preset (aliases, keras /
timm / torchvision names, refusals) is the table in :mod:`effcli.config.names`.

A name effcli knows (a preset, an alias, an ecosystem name, an example) wins over
a file of the same name in the current folder (``./b0`` is the file); when both
exist, a note on stderr says which was used.
"""

from __future__ import annotations

import os
import sys
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from effcli.config import compiled, names
from effcli.config.names import ALIASES, Match, Refusal
from effcli.core.limits import strip_invisible
from effcli.core.spec import BackboneSpec
from effcli.errors import EffcliError

__all__ = ["ALIASES", "canonical_name", "example_files", "load_preset", "preset_files", "preset_names", "resolve"]


def configs_dir() -> Path:
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "configs", package.parent / "configs"):  # installed wheel, source checkout
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    raise EffcliError("cannot find the preset configs (configs/*.yaml); reinstall effcli", source="effcli")


def scan_configs() -> tuple[dict[str, Path], dict[str, Path]]:
    """The YAML files in ``configs/`` (preset name -> file, in the stable order V2, V1, Lite, then by name) and in
    ``configs/examples/`` (example name, the file's stem -> file): what the compiled catalogue is made from."""
    order = {"efficientnetv2": 0, "efficientnetv1": 1, "efficientnetlite": 2, "efficientnetedgetpu": 3}

    def key(path: Path):
        family, _, size = path.stem.partition("_")
        if size[:1] == "b" and size[1:].isdigit():
            rank = (0, int(size[1:]), "")
        elif size in ("s", "m", "l"):
            rank = (1, "sml".index(size), "")
        elif size in ("rw_t", "rw_s", "rw_m"):  # timm's own V2 variants, after the paper's
            rank = (3, "tsm".index(size[-1]), "")
        else:
            rank = (2, 0, size)
        return (order.get(family, 3), *rank)

    folder = configs_dir()
    presets = {path.stem: path for path in sorted(folder.glob("*.yaml"), key=key)}
    return presets, {path.stem: path for path in sorted((folder / "examples").glob("*.yaml"))}


@cache
def _configs(examples: bool) -> dict[str, dict[str, Any]]:
    """Preset (or example) name -> its compiled config, the YAML document as the loader reads it."""
    return {row["name"]: row["config"] for row in (compiled.examples() if examples else compiled.presets())}


def preset_names() -> list[str]:
    """Every preset, in the stable order (V2, V1, Lite; then by size)."""
    return [row["name"] for row in compiled.presets()]


def example_names() -> list[str]:
    """Every example config of ``configs/examples/`` (its file's stem), by name."""
    return [row["name"] for row in compiled.examples()]


@lru_cache(maxsize=1)
def preset_files() -> dict[str, Path]:
    """Preset name -> YAML file, in a stable order (V2, V1, Lite; then by name)."""
    folder = configs_dir()
    return {name: folder / f"{name}.yaml" for name in preset_names()}


@lru_cache(maxsize=1)
def example_files() -> dict[str, Path]:
    """Example config name (the file's stem) -> YAML file, from ``configs/examples/``."""
    folder = configs_dir() / "examples"
    return {name: folder / f"{name}.yaml" for name in example_names()}


def canonical_name(name: str) -> str | None:
    """The installed preset a name, alias or ecosystem name refers to, or None."""
    presets = preset_names()
    found = names.lookup(name, presets)
    if isinstance(found, Match) and found.preset in presets:
        return found.preset
    return None


def _example(name: str) -> str | None:
    wanted = names.key(name)
    return next((stem for stem in example_names() if names.key(stem) == wanted), None)


def _compiled_spec(name: str, *, example: bool = False) -> BackboneSpec:
    """A preset's (or an example's) spec from its compiled config: what the loader reads from its YAML file."""
    from effcli.config.loader import parse_spec

    path = (example_files() if example else preset_files())[name]
    return parse_spec(_configs(example)[name], source=str(path))


@cache
def load_preset(name: str) -> BackboneSpec:
    canonical = canonical_name(name)
    if canonical is None:
        raise unknown_model(name)
    return _compiled_spec(canonical)


def _family(preset: str) -> str:
    return preset.partition("_")[0]


def unknown_model(name: str) -> EffcliError:
    presets = preset_names()
    candidates = {spelling: preset for spelling, preset, _, _ in names.accepted(presets)}
    candidates.update({stem: stem for stem in example_names()})
    families = {preset: _family(preset) for preset in presets}
    close = names.suggestions(name, candidates, families)
    hint = f"closest: {', '.join(close)}" if close else f"presets: {', '.join(presets)}"
    return EffcliError(
        f"unknown model '{name}': not a preset, an alias, an example or an existing YAML file; {hint} "
        "(effcli presets --aliases lists every name)"
    )


def refused(name: str, refusal: Refusal) -> EffcliError:
    closest = f"; the closest effcli preset is {refusal.closest}" if refusal.closest else ""
    return EffcliError(f"'{name}' ({refusal.ecosystem}) is {refusal.what}, not an effcli preset{closest}")


def _note(message: str) -> None:
    """A one-line note on stderr (stdout stays clean for JSON and CSV)."""
    print(f"Note: {message}", file=sys.stderr)


def _name_exists(target: str) -> bool:
    """Whether a file system entry of that name is there, even a dangling symbolic link or a loop.

    An error other than 'no such file' (a name too long, an unreadable folder, a NUL) counts as there:
    the config loader then reports it against the file.
    """
    try:
        os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        return True
    return True


def _file_exists(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _note_file_too(target: str, path: Path, what: str) -> None:
    if _file_exists(path):
        _note(f"'{target}' is {what}; a file of that name is here too (write ./{target} for the file)")


def resolve(target: str) -> BackboneSpec:
    """A preset name, an alias, another ecosystem's name, an example's name or a path to a YAML config -> a spec.

    Says on stderr which preset an ecosystem name resolved to, and which was used when a file in the current
    folder has the same name as a preset or example (the name wins; ``./NAME`` is the file).
    """
    if not strip_invisible(target) and not _name_exists(target):
        what = "an empty name" if not target else "an empty name (only invisible characters)"
        raise EffcliError(f"{what}; give a preset name or the path of a YAML config file", source=repr(target))
    if target.lower().endswith(".keras"):  # the commands that read saved models take these before calling resolve
        raise EffcliError(
            "is a saved Keras model; this command takes a preset name or a YAML/JSON stage config "
            "(summary, explain, compare, draw, chart and report read .keras files)",
            source=target,
        )
    presets = preset_names()
    found = names.lookup(target, presets)
    path = Path(target)
    if isinstance(found, Refusal):
        if _file_exists(path):
            return _load_file(path)
        raise refused(target, found)
    example = None if found is not None else _example(target)
    if example is not None:
        _note_file_too(target, path, f"the example {example}")
        return _compiled_spec(example, example=True)
    if found is not None:
        _note_file_too(target, path, f"the preset {found.preset}")
        note = found.note(target)
        if found.preset not in presets:
            where = f"{note}, which" if note else f"{target} is {found.preset}, which"
            raise EffcliError(f"{where} is not among this effcli's presets (effcli presets lists them)")
        if note:
            _note(note)
        return load_preset(found.preset)
    looks_like_file = path.suffix.lower() in (".yaml", ".yml", ".json") or "/" in target or "\\" in target
    if looks_like_file or _name_exists(target):  # a dangling link or a loop too: reported against the file
        return _load_file(target)
    raise unknown_model(target)


def _load_file(path: str | Path) -> BackboneSpec:
    """A user's own config file, read and validated by the loader."""
    from effcli.config.loader import load_spec

    return load_spec(path)
