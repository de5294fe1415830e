"""The preset catalogue behind `effcli presets`: every preset with its size and cost at native resolution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
        }


def catalogue(family: str | None = None) -> list[PresetEntry]:
    """Every preset (of one family), counted with the analytic engine at its native resolution."""
    from effcli.config.grammar import NATIVE, input_shape
    from effcli.config.presets import ALIASES, load_preset, preset_names
    from effcli.engines import summarize

    wanted = None
    if family is not None:
        wanted = FAMILY_FILTERS.get(family.strip().lower())
        if wanted is None:
            raise EffcliError(f"unknown family '{family}'; valid: v2, v1, lite", source="--family")
    entries = []
    for name in preset_names():
        spec = load_preset(name)
        if wanted and spec.family != wanted:
            continue
        shape = input_shape(spec, NATIVE)
        report = summarize(spec, shape, engine="analytic")
        entries.append(
            PresetEntry(
                name=name,
                aliases=tuple(a for a, target in ALIASES.items() if target == name),
                family=spec.family,
                family_title=spec.rules.title,
                width_coefficient=spec.width_coefficient,
                depth_coefficient=spec.depth_coefficient,
                native_resolution=shape[0],
                blocks=sum(1 for b in report.blocks if b.type not in ("stem", "top")),
                params=report.totals.params,
                macs=report.totals.macs,
                description=spec.description,
            )
        )
    return entries
