"""The one exception type for user mistakes."""

from __future__ import annotations


class EffcliError(Exception):
    """A mistake in the user's input (config file, preset name, option value).

    The message names the file / field / option and says what would be valid.
    ``effcli.cli.main`` prints it as one ``Error: ...`` line on stderr and exits
    with code 2.
    """

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        parts = [p for p in (source, field) if p]
        parts.append(message)
        super().__init__(": ".join(parts))
        self.source = source
        self.field = field
        self.detail = message
