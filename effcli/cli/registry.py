"""The commands' table: name, the module that defines it, and the line ``effcli --help`` lists for it.

``effcli X`` imports X's module only (``application.EffcliGroup`` loads it on demand), and ``effcli --help``
lists the commands from this table without importing any of them. ``tests/test_help.py`` checks that every
line equals the first paragraph of the command's own help, and that every command is here.
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "summary": (
        "effcli.cli.commands.summary",
        "Per-block parameters, output shapes, pyramid levels and totals of one backbone.",
    ),
    "explain": (
        "effcli.cli.commands.explain",
        "One block up close: its layers, the channel flow, the parameter breakdown and why it is built so.",
    ),
    "compare": (
        "effcli.cli.commands.compare",
        "Compare backbones side by side, stage by stage (any family, presets or YAML files).",
    ),
    "explore": (
        "effcli.cli.commands.explore",
        "The backbone as an interactive explorer in the terminal: navigate, rescale live, compare.",
    ),
    "scale": (
        "effcli.cli.commands.scale",
        "Explore round_filters / round_repeats: how width and depth coefficients become filters and repeats.",
    ),
    "plan": (
        "effcli.cli.commands.plan",
        "Plan a network for a params and/or MACs budget: the presets that fit, and the best compound scaling.",
    ),
    "presets": (
        "effcli.cli.commands.presets",
        "Every preset: family, width, depth, native resolution, blocks, params, MACs (at native resolution).",
    ),
    "export": (
        "effcli.cli.commands.export",
        "The readable stage-list YAML of a preset or config: a starting point for a custom design.",
    ),
    "schema": (
        "effcli.cli.commands.schema",
        "Print a JSON Schema of the config format, for editors that validate and complete YAML.",
    ),
    "build": (
        "effcli.cli.commands.build",
        "Build the backbone with Keras (initialised weights) and save it as a .keras file.",
    ),
    "profile": (
        "effcli.cli.commands.profile",
        "Measured speed: real forward passes on TensorFlow, per block and for the whole network.",
    ),
    "draw": (
        "effcli.cli.drawing",
        "The backbone as a diagram: one shape per block, in order, saved as SVG or PNG.",
    ),
    "chart": (
        "effcli.cli.drawing",
        "The family on one picture, as the papers draw it: params against MACs, and top-1 against MACs.",
    ),
    "report": (
        "effcli.cli.drawing",
        "One self-contained HTML page: summary, diagram, pyramid, scaling tables and the family chart.",
    ),
    "cache": (
        "effcli.cli.commands.cache",
        "The measurement cache: Keras builds answered again without TensorFlow.",
    ),
}
