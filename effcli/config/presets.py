"""The preset registry: configs/*.yaml, the example configs, names from every ecosystem, did-you-mean.

``configs/`` is the single source of truth. In a source checkout it sits beside
the package; in an installed wheel it is packaged as ``effcli/configs``. Which
names mean which preset (aliases, keras / timm / torchvision names, refusals)
is the table in :mod:`effcli.config.names`.

A name effcli knows (a preset, an alias, an ecosystem name, an example) wins over
a file of the same name in the current folder (``./b0`` is the file); when both
exist, a note on stderr says which was used.
"""

from __future__ import annotations

import os
import sys
from functools import cache, lru_cache
from pathlib import Path

from effcli.config import names
from effcli.config.loader import load_spec
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


@lru_cache(maxsize=1)
def preset_files() -> dict[str, Path]:
    """Preset name -> YAML file, in a stable order (V2, V1, Lite; then by name)."""
    order = {"efficientnetv2": 0, "efficientnetv1": 1, "efficientnetlite": 2}

    def key(path: Path):
        family, _, size = path.stem.partition("_")
        if size[:1] == "b" and size[1:].isdigit():
            rank = (0, int(size[1:]), "")
        elif size in ("s", "m", "l"):
            rank = (1, "sml".index(size), "")
        else:
            rank = (2, 0, size)
        return (order.get(family, 3), *rank)

    return {path.stem: path for path in sorted(configs_dir().glob("*.yaml"), key=key)}


def preset_names() -> list[str]:
    return list(preset_files())


@lru_cache(maxsize=1)
def example_files() -> dict[str, Path]:
    """Example config name (the file's stem) -> YAML file, from ``configs/examples/``."""
    return {path.stem: path for path in sorted((configs_dir() / "examples").glob("*.yaml"))}


def canonical_name(name: str) -> str | None:
    """The installed preset a name, alias or ecosystem name refers to, or None."""
    found = names.lookup(name, preset_files())
    if isinstance(found, Match) and found.preset in preset_files():
        return found.preset
    return None


def _example(name: str) -> Path | None:
    wanted = names.key(name)
    return next((path for stem, path in example_files().items() if names.key(stem) == wanted), None)


@cache
def load_preset(name: str) -> BackboneSpec:
    canonical = canonical_name(name)
    if canonical is None:
        raise unknown_model(name)
    return load_spec(preset_files()[canonical])


def _family(preset: str) -> str:
    return preset.partition("_")[0]


def unknown_model(name: str) -> EffcliError:
    candidates = {spelling: preset for spelling, preset, _, _ in names.accepted(preset_files())}
    candidates.update({stem: stem for stem in example_files()})
    families = {preset: _family(preset) for preset in preset_files()}
    close = names.suggestions(name, candidates, families)
    hint = f"closest: {', '.join(close)}" if close else f"presets: {', '.join(preset_files())}"
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
    found = names.lookup(target, preset_files())
    path = Path(target)
    if isinstance(found, Refusal):
        if _file_exists(path):
            return load_spec(path)
        raise refused(target, found)
    example = None if found is not None else _example(target)
    if example is not None:
        _note_file_too(target, path, f"the example {example.stem}")
        return load_spec(example)
    if found is not None:
        _note_file_too(target, path, f"the preset {found.preset}")
        note = found.note(target)
        if found.preset not in preset_files():
            where = f"{note}, which" if note else f"{target} is {found.preset}, which"
            raise EffcliError(f"{where} is not among this effcli's presets (effcli presets lists them)")
        if note:
            _note(note)
        return load_preset(found.preset)
    looks_like_file = path.suffix.lower() in (".yaml", ".yml", ".json") or "/" in target or "\\" in target
    if looks_like_file or _name_exists(target):  # a dangling link or a loop too: reported against the file
        return load_spec(target)
    raise unknown_model(target)
