"""``effcli schema``."""

from __future__ import annotations

from effcli.cli.application import app, examples
from effcli.cli.output import emit


@app.command(
    epilog=examples(
        "effcli schema > effcli.schema.json",
        "then start a config with:",
        "# yaml-language-server: $schema=./effcli.schema.json",
    )
)
def schema() -> None:
    """Print a JSON Schema of the config format, for editors that validate and complete YAML."""
    import json

    from effcli.config.schema import config_schema

    emit(json.dumps(config_schema(), indent=2) + "\n")
