"""The compiled preset catalogue: what ``configs/`` gives, made once and read on every run without YAML.

``catalogue.json`` beside this module is generated from the YAML files of ``configs/`` and
``configs/examples/`` by ``python scripts/compile_catalogue.py`` (the slow path,
:func:`effcli.tools.catalog.compile_catalogue`: every file read and validated by the loader and
counted with the analytic engine); ``tests/test_catalogue.py`` recomputes it and fails until it is
regenerated. Each row of ``presets`` (in the registry's order: V2, V1, Lite; by size) and of
``examples`` (by name) holds the entry `effcli presets` lists (name, aliases, family, coefficients,
native resolution, blocks, params, MACs, description, published accuracy), the checksum of the
preset's layout (:func:`effcli.tools.scale.layout_digest`, presets only) and its ``config``: the
YAML document as the loader reads it, validated again when a preset is loaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from effcli.errors import EffcliError

FILE = Path(__file__).with_name("catalogue.json")
REGENERATE = "python scripts/compile_catalogue.py"


@cache
def _tables() -> dict[str, list[dict[str, Any]]]:
    import json

    try:
        return json.loads(FILE.read_bytes())
    except (OSError, ValueError) as exc:
        raise EffcliError(
            f"cannot read the compiled preset catalogue ({exc}); reinstall effcli, or in a source checkout run "
            f"{REGENERATE}",
            source=str(FILE),
        ) from None


def presets() -> list[dict[str, Any]]:
    """One row per preset, in the registry's order."""
    return _tables()["presets"]


def examples() -> list[dict[str, Any]]:
    """One row per example config of ``configs/examples/``, by name."""
    return _tables()["examples"]
