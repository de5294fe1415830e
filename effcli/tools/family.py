"""The data behind `effcli chart`: every preset as a point (params, MACs, published top-1), plus what the user named.

No matplotlib and no TensorFlow here: every preset is counted with the analytic engine at its native
resolution; the picture itself is :mod:`effcli.pictures.chart`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from effcli.core.report import Report

SHORT_FAMILIES = {
    "efficientnetv2": "v2",
    "efficientnetv1": "v1",
    "efficientnetlite": "lite",
    "efficientnetedgetpu": "edgetpu",
}
FAMILY_ORDER = ("v2", "v1", "lite", "edgetpu")  # the legend's order; any other family after these


@dataclass(frozen=True)
class ChartPoint:
    """One model on the chart.

    ``label`` is the compact name drawn beside the point: "V2-B0" .. "V2-XL" for EfficientNetV2,
    "B0" .. "B8" and "L2" for EfficientNet (V1), as the papers write them, "Lite0" .. "Lite4" for
    EfficientNet-Lite, "V2-rw-T" .. "V2-rw-M" for timm's V2 variants, "EdgeTPU-S" .. "EdgeTPU-L", and the
    model's own name for a config or saved model the user named.
    """

    name: str  # the preset name, or the report's name for a config / saved model (unique on one chart)
    label: str
    family: str  # "v2" | "v1" | "lite" | "edgetpu" | the report's family when it is none of these
    family_title: str
    params: int
    macs: int
    top1: float | None  # published ImageNet top-1, when known
    top1_marked: bool  # that top-1 is not the plain ImageNet-1k recipe: more data or another training method
    resolution: int  # the input height the point was counted at (a preset: its native resolution)
    is_preset: bool
    highlighted: bool  # named on the command line
    training: str | None = None  # the published accuracy's training data, when there is one


def short_family(family: str) -> str:
    """ "v2", "v1", "lite", "edgetpu" for the families effcli knows; any other family name unchanged."""
    return SHORT_FAMILIES.get(family, family)


def preset_label(name: str) -> str:
    """The compact label of a preset: efficientnetv2_b0 -> V2-B0, efficientnetv1_b7 -> B7, efficientnetlite_b4 ->
    Lite4; a name of no known family is returned unchanged."""
    family, _, size = name.partition("_")
    short = SHORT_FAMILIES.get(family)
    if short == "v2":
        return f"V2-rw-{size[3:].upper()}" if size.startswith("rw_") else f"V2-{size.upper()}"
    if short == "edgetpu":
        return f"EdgeTPU-{size.upper()}"
    if short == "v1":
        return size.upper()
    if short == "lite":
        return f"Lite{size[1:]}" if size[:1] == "b" and size[1:].isdigit() else f"Lite-{size.upper()}"
    return name


def _marked(published) -> bool:
    """Not the plain ImageNet-1k recipe: more data (L2, XL) or another training method (B8's AdvProp)."""
    return published is not None and (published.more_data or published.other_method)


def preset_points(classes: int | None) -> list[ChartPoint]:
    """Every preset at its native resolution, counted with the analytic engine (with the classifier head of
    ``classes`` classes when given), in the registry's order (V2, V1, Lite; by size). Without a head the counts
    are the compiled catalogue's (:func:`effcli.tools.catalog.catalogue`): no preset is loaded or planned."""
    from effcli.tools.catalog import catalogue

    entries = catalogue()
    if classes is None:
        counts = [(entry.params, entry.macs) for entry in entries]
    else:
        from effcli.config.grammar import NATIVE, input_shape
        from effcli.config.presets import load_preset
        from effcli.engines import summarize

        counts = []
        for entry in entries:
            spec = load_preset(entry.name)
            totals = summarize(spec, input_shape(spec, NATIVE), engine="analytic", classes=classes).totals
            counts.append((totals.params, totals.macs))
    return [
        ChartPoint(
            name=entry.name,
            label=preset_label(entry.name),
            family=short_family(entry.family),
            family_title=entry.family_title,
            params=params,
            macs=macs,
            top1=None if entry.published is None else entry.published.top1,
            top1_marked=_marked(entry.published),
            resolution=entry.native_resolution,
            is_preset=True,
            highlighted=False,
            training=None if entry.published is None else entry.published.training,
        )
        for entry, (params, macs) in zip(entries, counts, strict=True)
    ]


def _preset_of(report: Report) -> str | None:
    """The preset a report was made from (its config is a preset's file), or None for anything else."""
    from effcli.config.presets import preset_files

    if not report.source:
        return None
    try:
        source = Path(report.source).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    for name, path in preset_files().items():
        try:
            if path.resolve() == source:
                return name
        except (OSError, RuntimeError):
            continue
    return None


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name}-{number}" in taken:
        number += 1
    return f"{name}-{number}"


def family_points(extra: Sequence[Report], classes: int | None) -> list[ChartPoint]:
    """Every preset (see :func:`preset_points`), then one point per report in ``extra``.

    A report of a preset highlights that preset's point instead of adding a second one (the preset stays at its
    native resolution); a custom config or a saved model is a point of its own, at the size it was reported at,
    named after the report (``-2``, ``-3`` added when two share a name) and labelled with that name, or with its
    file name for a saved model or when the name is already on the chart.
    """
    points = preset_points(classes)
    index = {point.name: i for i, point in enumerate(points)}
    taken = set(index)
    labels = {point.label for point in points} | set(index)
    seen_sources: dict[tuple[str, str, int, int], str] = {}
    for report in extra:
        preset = _preset_of(report)
        if preset is not None and preset in index:
            i = index[preset]
            points[i] = _replace_highlighted(points[i])
            continue
        identity = (report.name, report.source, report.totals.params, report.totals.macs)
        if identity in seen_sources:  # the same model named twice: one point
            continue
        name = _unique(report.name, taken)
        taken.add(name)
        seen_sources[identity] = name
        label = _user_label(report, labels)
        labels.add(label)
        published = report.published
        points.append(
            ChartPoint(
                name=name,
                label=label,
                family=short_family(report.family),
                family_title=report.family_title,
                params=report.totals.params,
                macs=report.totals.macs,
                top1=None if published is None else published.top1,
                top1_marked=_marked(published),
                resolution=report.input_shape[0],
                is_preset=False,
                highlighted=True,
                training=None if published is None else published.training,
            )
        )
    return points


def _user_label(report: Report, taken: set[str]) -> str:
    """A named model's label: its name (a config's ``name``); the file name for a saved model, or for a config whose
    name is already on the chart (a preset's, another model's)."""
    file_name = Path(report.source).name if report.source else ""
    if report.source.lower().endswith(".keras") or report.name in taken:
        label = file_name or report.name
    else:
        label = report.name
    if label in taken:
        label = _unique(label, taken)
    return label


def _replace_highlighted(point: ChartPoint) -> ChartPoint:
    from dataclasses import replace

    return replace(point, highlighted=True)


def family_order(points: Sequence[ChartPoint]) -> list[str]:
    """The families of the preset points, V2, V1, Lite first, then any other in order of appearance."""
    present = list(dict.fromkeys(point.family for point in points if point.is_preset))
    known = [family for family in FAMILY_ORDER if family in present]
    return known + [family for family in present if family not in FAMILY_ORDER]
