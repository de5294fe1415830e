"""`--help` reads well at 80 and 120 columns: examples whole on lines of their own, choices unsplit, no overflow."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [[], ["summary"], ["explain"], ["compare"], ["scale"], ["plan"], ["presets"], ["export"], ["schema"]]
COMMANDS += [["build"], ["profile"], ["draw"], ["chart"], ["report"], ["cache"], ["cache", "info"], ["cache", "clear"]]


def help_text(command: list[str], columns: int) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(COLUMNS=str(columns), TERM="dumb")
    result = subprocess.run(
        [sys.executable, "-m", "effcli", *command, "--help"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _examples(command: list[str]) -> list[str]:
    """The examples of the command's epilog, as the code declares them."""
    import typer.main

    from effcli.cli import app

    node = typer.main.get_command(app)
    for name in command:
        node = node.get_command(None, name)  # type: ignore[attr-defined]  # (loads the command on demand)
    epilog = node.epilog or ""
    lines = epilog.splitlines()
    return [line for line in lines[1:] if line.startswith("effcli ")] if lines[:1] == ["Examples:"] else []


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "effcli")
def test_help_reads_well(command, columns):
    text = help_text(command, columns)
    lines = [line.strip() for line in text.splitlines()]
    assert max(len(line) for line in text.splitlines()) <= columns
    for example in _examples(command):
        assert example in lines, f"example broken or missing: {example!r}\n{text}"
    for line in lines:  # a choice list <a|b|c> is never split over two lines
        for _, closing in re.findall(r"<([\w-]+(?:\|[\w-]+)+)(>?)", line):
            assert closing, f"choices split in {line!r}\n{text}"


def test_every_command_has_examples():
    for command in COMMANDS:
        if command in ([], ["cache"]):
            continue
        assert _examples(command), f"effcli {' '.join(command)} has no examples in its help"


def test_pyramid_help_names_no_fixed_width():
    """The top's width depends on the model (1280 in B0, 1408 in B2): the help must not claim one."""
    text = help_text(["summary"], 200)
    assert "1280" not in text and "1408" not in text


def test_the_command_table_says_what_each_command_says():
    """`effcli --help` lists the commands from effcli.cli.registry without importing them: every line there is
    the first paragraph of the command's own help, and every command the modules define is in the table."""
    import typer.main

    from effcli.cli import app
    from effcli.cli.registry import COMMANDS

    group = typer.main.get_command(app)
    for name, (_, line) in COMMANDS.items():
        command = group.get_command(None, name)  # type: ignore[attr-defined]
        assert command is not None and command.name == name
        assert (command.help or "").split("\n\n")[0] == line, name
    defined = {info.name or info.callback.__name__ for info in app.registered_commands} | {
        group.name for group in app.registered_groups
    }
    assert defined == set(COMMANDS)


def test_a_command_imports_no_other_command():
    code = (
        "import sys\nfrom effcli.cli import main\nsys.argv = ['effcli', 'schema']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('effcli.cli.commands.') or m == 'effcli.cli.drawing'),"
        " file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stderr.strip().splitlines()[-1] == "['effcli.cli.commands.schema']"
