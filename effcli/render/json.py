"""``--format json``: Report.to_dict(), indented, keys in a fixed order."""

from __future__ import annotations

import json

from effcli.core.report import Report


class JsonRenderer:
    def __init__(self, *, layers: bool = False):
        self.layers = layers

    def render(self, report: Report) -> str:
        return json.dumps(report.to_dict(layers=self.layers), indent=2) + "\n"

    def render_explanation(self, explanation) -> str:
        return json.dumps(explanation.to_dict(), indent=2) + "\n"

    def render_comparison(self, comparison) -> str:
        return json.dumps(comparison.to_dict(), indent=2) + "\n"

    def render_scaling(self, scaling) -> str:
        return json.dumps(scaling.to_dict(), indent=2) + "\n"

    def render_presets(self, entries) -> str:
        return json.dumps([entry.to_dict() for entry in entries], indent=2) + "\n"

    def render_plan(self, result) -> str:
        data = result.to_dict()
        data.pop("evaluated_per_second", None)
        return json.dumps(data, indent=2) + "\n"
