"""The preset catalogue behind `effcli presets`: every preset with its size and cost at native resolution.

What `effcli presets` lists comes from the compiled catalogue (:mod:`effcli.config.compiled`): no YAML is read and
nothing is counted on a run. :func:`compile_catalogue` is the slow path it is made from (every YAML file read and
counted with the analytic engine); ``scripts/compile_catalogue.py`` writes it, ``tests/test_catalogue.py`` checks
that the two agree.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from effcli.core.spec import Published
from effcli.errors import EffcliError
from effcli.records import record

FAMILY_FILTERS = {
    "v2": "efficientnetv2",
    "v1": "efficientnetv1",
    "lite": "efficientnetlite",
    "edgetpu": "efficientnetedgetpu",
    "efficientnetv2": "efficientnetv2",
    "efficientnetv1": "efficientnetv1",
    "efficientnetlite": "efficientnetlite",
    "efficientnetedgetpu": "efficientnetedgetpu",
}


@record
class PresetEntry:
    """One row of `effcli presets` (a preset, or an example config with ``published`` None)."""

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


def catalogue(family: str | None = None) -> list[PresetEntry]:
    """Every preset (of one family), counted with the analytic engine at its native resolution (compiled)."""
    from effcli.config import compiled

    return _entries(compiled.presets(), _family_filter(family))


def example_catalogue(family: str | None = None) -> list[PresetEntry]:
    """Every example config shipped in ``configs/examples`` (called by its file name), counted like a preset at
    the input size `effcli summary NAME` uses (its own input_shape, else its native resolution, else 224)
    (compiled)."""
    from effcli.config import compiled

    return _entries(compiled.examples(), _family_filter(family))


def _entries(rows: list[dict[str, Any]], family: str | None) -> list[PresetEntry]:
    """The entries of compiled rows (of one family): a row holds an entry's fields, published as a mapping."""
    entries = []
    for row in rows:
        if family and row["family"] != family:
            continue
        values = {field.name: row[field.name] for field in dataclasses.fields(PresetEntry)}
        values["aliases"] = tuple(values["aliases"])
        if values["published"] is not None:
            values["published"] = Published(**values["published"])
        entries.append(PresetEntry(**values))
    return entries


# --------------------------------------------------------------------------- the slow path


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


def compile_catalogue() -> dict[str, list[dict[str, Any]]]:
    """What :mod:`effcli.config.compiled` holds, made the slow way from the YAML files of ``configs/``.

    ``presets``: one row per preset (in the registry's order): its entry's fields (as ``to_dict`` gives them, with
    ``family_title``), the checksum of its layout (:func:`effcli.tools.scale.layout_digest`) and its config (the
    YAML document as the loader reads it); ``examples``: the same for the example configs, without a layout.
    """
    from effcli.config.grammar import NATIVE, input_shape
    from effcli.config.loader import parse_spec, read_config
    from effcli.config.names import ALIASES
    from effcli.config.presets import scan_configs
    from effcli.core.plan import make_plan
    from effcli.tools.scale import layout_digest

    def row(name: str, path, resolution: str | None, aliases: tuple[str, ...], layout: bool) -> dict[str, Any]:
        config = read_config(path)
        spec = parse_spec(config, source=str(path))
        shape = input_shape(spec, resolution)
        entry = _entry(name, spec, shape, aliases)
        found = {**entry.to_dict(), "family_title": entry.family_title}
        if layout:
            found["layout"] = layout_digest(make_plan(spec, shape))
        return {**found, "config": config}

    presets, examples = scan_configs()
    return {
        "presets": [
            row(name, path, NATIVE, tuple(a for a, target in ALIASES.items() if target == name), True)
            for name, path in presets.items()
        ],
        "examples": [row(name, path, None, (), False) for name, path in examples.items()],
    }


@record
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
        raise EffcliError(f"unknown family '{family}'; valid: v2, v1, lite, edgetpu", source="--family")
    return wanted
