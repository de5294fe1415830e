"""What `effcli explore` shows: one base network, the user's live edits, and every number they change.

Pure Python, no terminal: :class:`Session` turns the text of the explorer's controls (width, depth, resolution,
classes, batch, dtype) into a :class:`View` (the network's report, its round_filters / round_repeats, the base's
report to measure the change against, and a comparison with a second model), counted with the analytic engine.
A control's text that is not valid raises :class:`~effcli.errors.EffcliError` naming the control, and the
explorer keeps showing the last valid view.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from effcli.core import limits
from effcli.core.memory import DTYPES, MemorySettings
from effcli.core.plan import STAGE_KINDS
from effcli.core.report import BlockReport, Report
from effcli.core.spec import BackboneSpec
from effcli.errors import EffcliError
from effcli.records import record

# The explorer's controls, in the order they appear; each name is the one its errors give.
CONTROLS = ("Width", "Depth", "Resolution", "Classes", "Batch", "dtype")


@record
class Settings:
    """The controls' values, checked."""

    width: float
    depth: float
    resolution: str | None  # the --resolution text; None: the network's default input
    classes: int | None  # None: no classification head
    batch: int
    dtype: str

    @property
    def memory(self) -> MemorySettings:
        return MemorySettings(batch=self.batch, dtype=self.dtype)


@record
class Match:
    """A search hit: a block, and the layer of it whose name matched (None: the block's name matched)."""

    block: str
    layer: str | None


@record
class View:
    """Everything the explorer shows at one setting of its controls."""

    settings: Settings
    spec: BackboneSpec  # the network at these settings
    scaling: object  # effcli.tools.scale.Scaling: round_filters / round_repeats and the report at these settings
    base: Report  # the base network at its own coefficients and default input, no head: what changes are against
    other: Report | None  # the second model of the comparison, at the same input and head
    comparison: object | None  # effcli.tools.compare.Comparison of this network and ``other``

    @property
    def report(self) -> Report:
        return self.scaling.scaled_report  # type: ignore[attr-defined]

    def block(self, name: str | None) -> BlockReport | None:
        """The block of that name (None for a stage's name, or None)."""
        return next((b for b in self.report.blocks if b.name == name), None)

    def explanation(self, name: str):
        from effcli.tools.explain import explain

        return explain(self.report, name)

    def search(self, text: str) -> list[Match]:
        """The blocks whose name, or one of whose layers' names, contains ``text`` (case-insensitive), in order."""
        wanted = text.strip().lower()
        if not wanted:
            return []
        found = []
        for block in self.report.blocks:
            if wanted in block.name:
                found.append(Match(block.name, None))
                continue
            layer = next((layer.name for layer in block.layers if wanted in layer.name.lower()), None)
            if layer is not None:
                found.append(Match(block.name, layer))
        return found

    def stages(self) -> list[tuple[int, list[BlockReport]]]:
        """The blocks grouped as the explorer's tree shows them: stem, each stage, top (and head), in order."""
        groups: list[tuple[int, list[BlockReport]]] = []
        for block in self.report.blocks:
            key = block.stage if block.type in STAGE_KINDS else -1
            if groups and groups[-1][0] == key and key != -1:
                groups[-1][1].append(block)
            else:
                groups.append((key, [block]))
        return groups


def _number(text: str, control: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise EffcliError(f"expected a number such as 1.1, got '{text.strip()[:20]}'", source=control) from None
    return value


def _whole(text: str, control: str) -> int:
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or len(stripped) > 12:
        raise EffcliError(f"expected a whole number such as 8, got '{stripped[:20]}'", source=control)
    return int(stripped)


class Session:
    """One explorer session: the base network named on the command line and, optionally, a second model.

    ``target``: a preset, an alias, another library's name or a YAML config (resolved as every command does).
    ``notes``: what resolving a name said (which preset an ecosystem name stands for), for the explorer to show.
    """

    def __init__(self, target: str):
        from effcli.config.grammar import input_shape
        from effcli.engines import summarize

        if target.lower().endswith(".keras"):
            raise EffcliError(
                "is a saved Keras model; explore scales and compares configs, so it takes a preset name or a "
                "YAML config (effcli summary reads .keras files)",
                source=target,
            )
        self.target = target
        self.spec, notes = _resolved(target)
        self.notes: list[str] = notes
        self.base_shape = input_shape(self.spec, None)
        self.base = summarize(self.spec, self.base_shape, engine="analytic")
        self.other_target: str | None = None
        self.other_spec: BackboneSpec | None = None

    # ---------------------------------------------------------------- the controls

    def defaults(self) -> dict[str, str]:
        """The controls' text at the start: the base's own coefficients and input, no head, batch 1, float32."""
        height, width, _ = self.base_shape
        return {
            "Width": f"{self.spec.width_coefficient:g}",
            "Depth": f"{self.spec.depth_coefficient:g}",
            "Resolution": str(height) if height == width else f"{height}x{width}",
            "Classes": "",
            "Batch": "1",
            "dtype": "float32",
        }

    def settings(self, texts: dict[str, str]) -> Settings:
        """The controls' text, checked: the first control that is not valid raises, naming it."""
        from effcli.config.grammar import input_shape

        width = limits.check("width_coefficient", _number(texts["Width"], "Width"), source="Width")
        depth = limits.check("depth_coefficient", _number(texts["Depth"], "Depth"), source="Depth")
        resolution = texts["Resolution"].strip() or None
        if resolution is not None:
            try:
                input_shape(self.spec, resolution)
            except EffcliError as error:
                raise EffcliError(error.detail, source="Resolution") from None
        classes_text = texts["Classes"].strip()
        classes = (
            None if not classes_text else limits.check("classes", _whole(classes_text, "Classes"), source="Classes")
        )
        batch = limits.check("batch", _whole(texts["Batch"], "Batch"), source="Batch")
        dtype = texts["dtype"].strip()
        if dtype not in DTYPES:
            raise EffcliError(f"expected one of {', '.join(DTYPES)}, got '{dtype[:20]}'", source="dtype")
        return Settings(width, depth, resolution, classes, batch, dtype)

    # ---------------------------------------------------------------- what is shown

    def network(self, settings: Settings) -> BackboneSpec:
        """The base at the settings' coefficients: the base itself when they are its own."""
        if (settings.width, settings.depth) == (self.spec.width_coefficient, self.spec.depth_coefficient):
            return self.spec
        from effcli.tools.scale import scaled_spec

        return scaled_spec(self.spec, width=settings.width, depth=settings.depth)

    def view(self, settings: Settings) -> View:
        from effcli.config.grammar import input_shape
        from effcli.tools.scale import explore

        spec = self.network(settings)
        shape = input_shape(spec, settings.resolution)
        scaling = explore(self.spec, spec, shape, base_shape=self.base_shape, classes=settings.classes)
        other = comparison = None
        if self.other_spec is not None:
            from effcli.engines import summarize
            from effcli.tools.compare import compare

            # at the same --resolution, as `compare -r` gives both
            other_shape = input_shape(self.other_spec, settings.resolution)
            other = summarize(self.other_spec, other_shape, engine="analytic", classes=settings.classes)
            comparison = compare([scaling.scaled_report, other])
        return View(settings, spec, scaling, self.base, other, comparison)

    def set_other(self, target: str | None) -> list[str]:
        """Compare with ``target`` from now on (None or empty: no comparison); returns what resolving it said."""
        if target is None or not target.strip():
            self.other_target = self.other_spec = None
            return []
        if target.lower().endswith(".keras"):
            raise EffcliError("is a saved Keras model; compare with a preset or a YAML config", source=target)
        spec, notes = _resolved(target.strip())
        self.other_target, self.other_spec = target.strip(), spec
        return notes

    def save(self, view: View, path: Path) -> Path:
        """Write ``view``'s network as a YAML stage config, as `scale --save` does: atomically, never over a file."""
        from effcli.config.loader import dump_spec_yaml
        from effcli.files import check_target, write_text_atomic
        from effcli.tools.scale import saved_config

        path = path.expanduser()
        if path.exists() or path.is_symlink():
            raise EffcliError(f"'{path}' exists; give another name (explore never writes over a file)", source="Save")
        check_target(path, force=False, option="Save", suffixes=(".yaml", ".yml"))
        text = dump_spec_yaml(saved_config(view.scaling))  # type: ignore[arg-type]
        write_text_atomic(path, text, force=False, option="Save")
        return path


def _resolved(target: str) -> tuple[BackboneSpec, list[str]]:
    """``resolve(target)`` and the lines it wrote on stderr (a terminal app must not print under its screen)."""
    from effcli.config.presets import resolve

    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        spec = resolve(target)
    return spec, [line.strip() for line in said.getvalue().splitlines() if line.strip()]
