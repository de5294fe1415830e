"""The preset catalogue behind `effcli presets`: every preset with its size and cost at native resolution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from effcli.core.spec import Published
from effcli.errors import EffcliError

FAMILY_FILTERS = {
    "v2": "efficientnetv2",
    "v1": "efficientnetv1",
    "lite": "efficientnetlite",
    "efficientnetv2": "efficientnetv2",
    "efficientnetv1": "efficientnetv1",
    "efficientnetlite": "efficientnetlite",
}


@dataclass(frozen=True)
class PresetEntry:
    name: str
    aliases: tuple[str, ...]
    family: str
    family_title: str
    width_coefficient: float
    depth_coefficient: float
    native_resolution: int
    blocks: int
    params: int
    macs: int
    description: str
    published: Published | None = None  # the accuracy its paper reports; None for an example config

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "family": self.family,
            "width_coefficient": self.width_coefficient,
            "depth_coefficient": self.depth_coefficient,
            "native_resolution": self.native_resolution,
            "blocks": self.blocks,
            "params": self.params,
            "macs": self.macs,
            "description": self.description,
            "published": None if self.published is None else self.published.to_dict(),
        }


def _entry(name: str, spec, shape: tuple[int, int, int], aliases: tuple[str, ...]) -> PresetEntry:
    """One row of the catalogue: the spec counted with the analytic engine at ``shape``."""
    from effcli.engines import summarize

    report = summarize(spec, shape, engine="analytic")
    return PresetEntry(
        name=name,
        aliases=aliases,
        family=spec.family,
        family_title=spec.rules.title,
        width_coefficient=spec.width_coefficient,
        depth_coefficient=spec.depth_coefficient,
        native_resolution=shape[0],
        blocks=report.block_count,
        params=report.totals.params,
        macs=report.totals.macs,
        description=spec.description,
        published=spec.published,
    )


def catalogue(family: str | None = None) -> list[PresetEntry]:
    """Every preset (of one family), counted with the analytic engine at its native resolution."""
    from effcli.config.grammar import NATIVE, input_shape
    from effcli.config.presets import ALIASES, load_preset, preset_names

    wanted = _family_filter(family)
    entries = []
    for name in preset_names():
        spec = load_preset(name)
        if wanted and spec.family != wanted:
            continue
        shape = input_shape(spec, NATIVE)
        entries.append(_entry(name, spec, shape, tuple(a for a, target in ALIASES.items() if target == name)))
    return entries


def example_catalogue(family: str | None = None) -> list[PresetEntry]:
    """Every example config shipped in ``configs/examples`` (called by its file name), counted like a preset at
    the input size `effcli summary NAME` uses (its own input_shape, else 224)."""
    from effcli.config.grammar import input_shape
    from effcli.config.loader import load_spec
    from effcli.config.presets import example_files

    wanted = _family_filter(family)
    entries = []
    for name, path in example_files().items():
        spec = load_spec(path)
        if wanted and spec.family != wanted:
            continue
        shape = input_shape(spec, None)
        entries.append(_entry(name, spec, shape, ()))
    return entries


@dataclass(frozen=True)
class NameEntry:
    """One name `effcli presets --aliases` lists: accepted (``preset`` set) or refused (``reason`` set)."""

    name: str
    ecosystems: tuple[str, ...]
    preset: str | None = None
    note: str = ""
    reason: str = ""
    closest: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.preset is not None:
            return {"name": self.name, "preset": self.preset, "ecosystems": list(self.ecosystems), "note": self.note}
        return {"name": self.name, "ecosystems": list(self.ecosystems), "reason": self.reason, "closest": self.closest}


def name_table(family: str | None = None) -> tuple[list[NameEntry], list[NameEntry]]:
    """Every accepted name with its preset and ecosystems, and every refused look-alike with what it is."""
    from effcli.config import names
    from effcli.config.presets import preset_names

    wanted = _family_filter(family)

    def keep(preset: str | None) -> bool:
        return wanted is None or (preset is not None and preset.partition("_")[0] == wanted)

    accepted = [
        NameEntry(name, tuple(ecosystems.split(", ")), preset=preset, note=remark)
        for name, preset, ecosystems, remark in names.accepted(preset_names())
        if keep(preset)
    ]
    refused = [
        NameEntry(r.name, (r.ecosystem,), reason=r.what, closest=r.closest)
        for r in names.REFUSED
        if wanted is None or keep(r.closest)
    ]
    return accepted, refused


def _family_filter(family: str | None) -> str | None:
    if family is None:
        return None
    wanted = FAMILY_FILTERS.get(family.strip().lower())
    if wanted is None:
        raise EffcliError(f"unknown family '{family}'; valid: v2, v1, lite", source="--family")
    return wanted
