"""The preset registry: configs/*.yaml, short aliases, did-you-mean.

``configs/`` is the single source of truth. In a source checkout it sits beside
the package; in an installed wheel it is packaged as ``effcli/configs``.
"""

from __future__ import annotations

import difflib
from functools import cache, lru_cache
from pathlib import Path

from effcli.config.loader import load_spec
from effcli.core.spec import BackboneSpec
from effcli.errors import EffcliError

ALIASES: dict[str, str] = {
    **{f"b{i}": f"efficientnetv2_b{i}" for i in range(4)},
    **{size: f"efficientnetv2_{size}" for size in ("s", "m", "l")},
    **{f"v1-b{i}": f"efficientnetv1_b{i}" for i in range(8)},
    **{f"lite{i}": f"efficientnetlite_b{i}" for i in range(5)},
}


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


def canonical_name(name: str) -> str | None:
    """The preset a name or alias refers to, or None."""
    lowered = name.strip().lower()
    if lowered in preset_files():
        return lowered
    if lowered in ALIASES:
        return ALIASES[lowered]
    dashed = lowered.replace("-", "_")
    if dashed in preset_files():
        return dashed
    return None


@cache
def load_preset(name: str) -> BackboneSpec:
    canonical = canonical_name(name)
    if canonical is None:
        raise unknown_model(name)
    return load_spec(preset_files()[canonical])


def unknown_model(name: str) -> EffcliError:
    candidates = list(preset_files()) + list(ALIASES)
    close = difflib.get_close_matches(name.lower(), candidates, n=4, cutoff=0.5)
    hint = f"closest: {', '.join(close)}" if close else f"presets: {', '.join(preset_files())}"
    return EffcliError(f"unknown model '{name}': not a preset, an alias or an existing YAML file; {hint}")


def resolve(target: str) -> BackboneSpec:
    """A preset name, an alias or a path to a YAML config -> a validated spec."""
    if canonical_name(target) is not None:
        return load_preset(target)
    path = Path(target)
    looks_like_file = path.suffix.lower() in (".yaml", ".yml") or "/" in target or "\\" in target
    try:
        exists = path.exists()
    except (OSError, ValueError):  # unreadable parent folder, or a name no file system accepts
        exists = True  # let load_spec report it against the file
    if exists or looks_like_file:
        return load_spec(path)
    raise unknown_model(target)
