"""The commands, one module each: ``effcli X`` imports ``effcli.cli.commands.X`` and no other command
(the table in :mod:`effcli.cli.registry` names them)."""
