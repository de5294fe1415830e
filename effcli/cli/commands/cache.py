"""``effcli cache``."""

from __future__ import annotations

from typing import Annotated

import typer

from effcli.cli.application import app, examples
from effcli.cli.options import (
    Format,
)
from effcli.cli.output import emit
from effcli.errors import EffcliError

cache_app = typer.Typer(
    name="cache",
    help="The measurement cache: Keras builds answered again without TensorFlow.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("info", epilog=examples("effcli cache info", "effcli cache info -f json"))
def cache_info(
    format: Annotated[
        Format, typer.Option("--format", "-f", help="Output format (table or json).", case_sensitive=False)
    ] = Format.table,
) -> None:
    """Where the cache is, how many networks it holds and their size.

    Move it with EFFCLI_CACHE_DIR; bypass it with --no-cache on the commands that build with Keras.
    """
    import json

    from effcli.engines import cache

    details = cache.info()
    if format is Format.json:
        emit(json.dumps(details.to_dict(), indent=2) + "\n")
        return
    if format is not Format.table:
        raise EffcliError(f"cache info prints a table or json, not {format.value}", source="--format")
    state = "" if details.exists else " (not created yet)"
    emit(
        f"Folder   {details.folder}{state}\n"
        f"Entries  {details.entries:,}\n"
        f"Size     {details.bytes / 2**20:.2f} MB ({details.bytes:,} bytes)\n"
    )


@cache_app.command("clear", epilog=examples("effcli cache clear"))
def cache_clear() -> None:
    """Remove every cached measurement (the next Keras report builds again)."""
    from effcli.engines import cache

    removed = cache.clear()
    emit(f"Folder   {cache.cache_dir()}\nRemoved  {removed:,} cached {'network' if removed == 1 else 'networks'}\n")
