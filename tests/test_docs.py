"""The documentation is tested: every example in README.md and docs/*.md runs, and shows what it prints.

Examples
    In a ```console block, a line ``$ effcli ...`` is a command and the lines after it
    (up to the next ``$ `` line or the end of the block) are what it prints. A block
    is one shell session in a fresh folder: each command is one test case, run after
    the block's earlier commands (whose own cases check their output). Lines starting
    ``$ `` with another program (``$ pip ...``) are not run.

    A command runs as ``python -m effcli`` in a temporary folder holding a copy of
    ``configs/`` (so ``configs/examples/tiny_v2.yaml`` works and nothing is ever
    written into the repository), with stdout and stderr not a terminal, NO_COLOR=1,
    and neither EFFCLI_ENGINE nor COLUMNS / LINES / FORCE_COLOR set. Its output is
    its stdout followed by its stderr (an ``Error:`` example shows stderr). Both
    sides are compared after stripping trailing whitespace on every line and blank
    lines at the start and the end, and after replacing the volatile text listed in
    ``VOLATILE``. An example whose output starts with ``Error:`` must exit with code
    2, every other one with 0.

    A line ``...`` in an expected output stands for any number of lines (zero or
    more), to show only part of a long output. A command line is split into words
    as a shell would (``# comments`` dropped) but runs no shell: no pipes, no
    redirections.

Python snippets
    Every ```python block runs as a script in such a folder and must exit 0 (a
    snippet checks its own results with ``assert``).

Directives (HTML comments right above a block's opening fence, invisible on GitHub)
    ``<!-- docs-test: setup effcli build b0 -o b0.keras -->`` runs that command in
    the folder before the block's examples (several may be given).
    ``<!-- docs-test: file bad.yaml -->`` above a block writes the block's text to
    ``bad.yaml`` in the folder of every example of that Markdown file.
    ``<!-- docs-test: picture b0.svg docs/images/b0.svg -->`` above a console block:
    after the block's commands, the SVG ``b0.svg`` they wrote shows what the
    repository's ``docs/images/b0.svg`` (the picture the page displays) shows: the
    same texts in the same order and the same element ids. Bytes are not compared
    (another matplotlib version draws the same picture with other path data);
    ``--update-docs`` replaces the stored picture when anything differs.

Cases that run the Keras engine (``summary``, ``compare``, ``explain`` without
``--engine analytic``, ``build``, anything touching a ``.keras`` file, Python that
mentions keras) are marked ``keras``.

The pages are also checked for links that leave the repository or point nowhere,
for effcli output shown outside a ```console block (it would not be tested), and
docs/commands.md for a synopsis of every command that names exactly its options.

``pytest tests/test_docs.py --update-docs`` writes the real outputs into the
Markdown files instead of comparing (an output that already matches is left
alone, so volatile numbers do not churn). Around a ``...`` the update keeps the
shape of the excerpt: the part before the first ``...`` keeps its number of
lines, every later part is found again by its first line (the last part then
runs to the end of the output). Setup commands, a crash or a wrong exit code
still fail in this mode.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Text that differs from run to run, replaced in both the expected and the actual output.
VOLATILE = [
    # effcli plan: "Evaluated 16,643 candidates (979 distinct networks) in 1.12 s: 14,821 candidates/s; ..."
    (re.compile(r"in \d+(?:\.\d+)? s: [\d,]+ candidates/s"), "in <seconds> s: <rate> candidates/s"),
]
ELLIPSIS = "..."
# The environment variables that would change what effcli prints.
UNSET = ("EFFCLI_ENGINE", "EFFCLI_DEBUG", "COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
ANALYTIC_COMMANDS = {"scale", "plan", "presets", "export", "schema"}

FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")
DIRECTIVE = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<body>.*?)\s*-->\s*$")


# --------------------------------------------------------------------------- reading the pages


@dataclass(frozen=True)
class Block:
    index: int  # the n-th fenced block of its page
    lang: str
    fence: int  # line index of the opening fence
    indent: str
    lines: tuple[str, ...]  # the content, the fence's indentation removed
    directives: tuple[str, ...]


def read_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, lang = match["indent"], match["lang"]
        directives: list[str] = []
        j = i - 1
        while j >= 0 and (found := DIRECTIVE.match(lines[j])):
            directives.insert(0, found["body"])
            j -= 1
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        content = tuple(
            line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : end]
        )
        blocks.append(Block(len(blocks), lang, i, indent, content, tuple(directives)))
        i = end + 1
    return blocks


@dataclass(frozen=True)
class Command:
    text: str  # what follows "$ "
    offset: int  # line of the command within the block
    expected: tuple[str, ...]


def read_commands(block: Block) -> list[Command]:
    commands: list[Command] = []
    for offset, line in enumerate(block.lines):
        if line.startswith("$ "):
            commands.append(Command(line[2:].strip(), offset, ()))
        elif commands:
            last = commands[-1]
            commands[-1] = Command(last.text, last.offset, (*last.expected, line))
    return commands


def effcli_args(text: str) -> list[str] | None:
    """The arguments of an ``effcli ...`` command line (shell comments dropped), None for other programs."""
    words = shlex.split(text, comments=True)
    return words[1:] if words and words[0] == "effcli" else None


def needs_keras(args: list[str]) -> bool:
    if any(arg.endswith(".keras") for arg in args):
        return True
    if not args or {"--help", "-h", "--version"} & set(args):
        return False
    if args[0] == "build":
        return True
    if args[0] in ANALYTIC_COMMANDS or args[0] not in ("summary", "compare", "explain", "draw", "chart", "report"):
        return False
    for i, arg in enumerate(args):
        if arg == "--engine=analytic" or (arg in ("--engine", "-e") and args[i + 1 : i + 2] == ["analytic"]):
            return False
    return True


@dataclass(frozen=True)
class Case:
    page: Path
    block: int
    kind: str  # "command" or "python"
    line: int  # 1-based line in the page
    text: str  # the command (without "$ ") or the Python source
    number: int = 0  # the n-th command of its block
    before: tuple[tuple[str, ...], ...] = ()  # the block's earlier effcli commands
    expected: tuple[str, ...] = ()
    setup: tuple[tuple[str, ...], ...] = ()
    files: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    keras: bool = False

    @property
    def name(self) -> str:
        where = f"{self.page.relative_to(ROOT)}:{self.line}"
        return f"{where}: {self.text}" if self.kind == "command" else f"{where}: python"


def read_setup(block: Block) -> tuple[tuple[str, ...], ...]:
    setup = []
    for directive in block.directives:
        if directive.startswith("setup "):
            args = effcli_args(directive[len("setup ") :])
            assert args is not None, f"a setup directive runs effcli commands only: {directive!r}"
            setup.append(tuple(args))
    return tuple(setup)


def read_page(page: Path) -> list[Case]:
    lines = page.read_text(encoding="utf-8").split("\n")
    blocks = read_blocks(lines)
    files = tuple(
        (directive[len("file ") :].strip(), "\n".join(block.lines) + "\n")
        for block in blocks
        for directive in block.directives
        if directive.startswith("file ")
    )
    cases: list[Case] = []
    for block in blocks:
        setup = read_setup(block)
        setup_keras = any(needs_keras(list(args)) for args in setup)
        if block.lang == "python":
            source = "\n".join(block.lines) + "\n"
            keras = setup_keras or "keras" in source
            cases.append(
                Case(page, block.index, "python", block.fence + 1, source, setup=setup, files=files, keras=keras)
            )
        if block.lang != "console":
            continue
        before: list[tuple[str, ...]] = []
        for number, command in enumerate(read_commands(block)):
            args = effcli_args(command.text)
            if args is None:
                continue
            cases.append(
                Case(
                    page,
                    block.index,
                    "command",
                    block.fence + 2 + command.offset,
                    command.text,
                    number=number,
                    before=tuple(before),
                    expected=command.expected,
                    setup=setup,
                    files=files,
                    keras=setup_keras or any(needs_keras(list(a)) for a in [*before, args]),
                )
            )
            before.append(tuple(args))
    return cases


def all_cases() -> list[Case]:
    return [case for page in PAGES for case in read_page(page)]


def params(kind: str):
    return [
        pytest.param(case, id=case.name, marks=[pytest.mark.keras] if case.keras else [])
        for case in all_cases()
        if case.kind == kind
    ]


# --------------------------------------------------------------------------- running


def environment(work: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env["NO_COLOR"] = "1"
    # a measurement cache of the block's own: the block's first Keras report builds, a repeat is cached
    env["EFFCLI_CACHE_DIR"] = str(work / ".effcli-cache")
    # the `effcli` script of this interpreter first on PATH, for snippets that run it
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def folder(case: Case, tmp_path: Path) -> Path:
    """A fresh folder with a copy of configs/, the page's files and the block's setup done."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "configs", work / "configs")
    for name, text in case.files:
        (work / name).write_text(text, encoding="utf-8")
    for args in case.setup:
        result = run_effcli(list(args), work)
        if result.returncode != 0:
            pytest.fail(
                f"{case.name}: setup `effcli {shlex.join(args)}` failed:\n{result.stdout}{result.stderr}", False
            )
    for args in case.before:
        run_effcli(list(args), work)
    return work


def run_effcli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "effcli", *args],
        cwd=cwd,
        env=environment(cwd),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )


# --------------------------------------------------------------------------- comparing


def clean(lines) -> list[str]:
    """Trailing whitespace stripped, blank lines at both ends dropped."""
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def normalise(line: str) -> str:
    for pattern, replacement in VOLATILE:
        line = pattern.sub(replacement, line)
    return line


def segments(expected: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for line in expected:
        if line == ELLIPSIS:
            parts.append([])
        else:
            parts[-1].append(line)
    return parts


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line after normalising; ``...`` matches any run of lines."""
    parts = [[normalise(line) for line in part] for part in segments(expected)]
    lines = [normalise(line) for line in actual]
    if len(parts) == 1:
        return parts[0] == lines

    def fits(part: list[str], at: int) -> bool:
        return lines[at : at + len(part)] == part

    def search(index: int, at: int) -> bool:
        part = parts[index]
        if index == len(parts) - 1:
            return len(lines) - len(part) >= at and fits(part, len(lines) - len(part))
        return any(fits(part, start) and search(index + 1, start + len(part)) for start in range(at, len(lines) + 1))

    return fits(parts[0], 0) and search(1, len(parts[0]))


def regenerate(expected: list[str], actual: list[str]) -> list[str]:
    """The new expected output: ``actual``, cut to the same excerpt shape as ``expected``."""
    parts = segments(expected)
    if len(parts) == 1:
        return actual
    lines = [normalise(line) for line in actual]
    result: list[str] = []
    at = 0
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if index:
            result.append(ELLIPSIS)
        if not part:
            continue
        if index == 0:
            start, stop = 0, len(part)
        else:
            lead = next((k for k, line in enumerate(part) if line), 0)  # blank lines first: anchor on the next one
            anchor = normalise(part[lead])
            found = next((i for i in range(at + lead, len(lines)) if lines[i] == anchor), None)
            if found is not None:
                start = found - lead
            elif last:
                start = max(at, len(lines) - len(part))
            else:
                raise AssertionError(
                    f"cannot update the excerpt: no line {part[lead]!r} in the output; edit it by hand:\n"
                    + "\n".join(actual)
                )
            stop = len(lines) if last else start + len(part)
        result.extend(actual[start:stop])
        at = stop
    return result


def update_page(case: Case, new: list[str]) -> None:
    """Write ``new`` as the output of the case's command in its page (found again by block and command)."""
    lines = case.page.read_text(encoding="utf-8").split("\n")
    block = read_blocks(lines)[case.block]
    commands = read_commands(block)
    command = commands[case.number]
    assert block.lang == "console" and command.text == case.text, f"{case.name}: the page changed while updating"
    first = block.fence + 1 + command.offset + 1
    stop = block.fence + 1 + (commands[case.number + 1].offset if case.number + 1 < len(commands) else len(block.lines))
    lines[first:stop] = [block.indent + line if line else "" for line in new]
    case.page.write_text("\n".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("case", params("command"))
def test_example(case: Case, tmp_path, request):
    args = effcli_args(case.text) or []
    if {"|", ">", ">>", "<", "2>", "&&", "||", ";"} & set(args):
        pytest.fail(
            f"{case.name}: pipes, redirections and command lists are not run; show such a line without $", False
        )
    work = folder(case, tmp_path)
    result = run_effcli(args, work)
    actual = clean((result.stdout + result.stderr).split("\n"))
    expected = clean(case.expected)
    expects_error = bool(expected) and expected[0].startswith("Error:")
    code = 2 if expects_error else 0
    if result.returncode != code:
        pytest.fail(
            f"{case.name}: exit code {result.returncode}, expected {code}:\n{result.stdout}{result.stderr}", False
        )
    if matches(expected, actual):
        return
    if request.config.getoption("--update-docs"):
        update_page(case, regenerate(expected, actual))
        return
    try:  # the same excerpt of what was printed, so that the diff shows only what really differs
        printed = regenerate(expected, actual)
    except AssertionError:
        printed = actual
    diff = "\n".join(difflib.unified_diff(expected, printed, "shown in the page", "printed", lineterm=""))
    pytest.fail(
        f"{case.name}: the output differs from the page "
        f"(pytest tests/test_docs.py --update-docs rewrites the page):\n{diff}",
        pytrace=False,
    )


@pytest.mark.parametrize("case", params("python"))
def test_python_snippet(case: Case, tmp_path):
    work = folder(case, tmp_path)
    (work / "snippet.py").write_text(case.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "snippet.py"],
        cwd=work,
        env=environment(work),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail(f"{case.name} failed:\n{case.text}\n{result.stdout}{result.stderr}", False)


def _pictures() -> list:
    cases = []
    for page in PAGES:
        for block in read_blocks(page.read_text(encoding="utf-8").split("\n")):
            for directive in block.directives:
                if directive.startswith("picture "):
                    made, stored = directive[len("picture ") :].split()
                    commands = [tuple(a) for c in read_commands(block) if (a := effcli_args(c.text)) is not None]
                    name = f"{page.relative_to(ROOT)}:{block.fence + 1}: {stored}"
                    keras = any(needs_keras(list(args)) for args in commands)
                    cases.append(
                        pytest.param(made, stored, commands, id=name, marks=[pytest.mark.keras] if keras else [])
                    )
    return cases


def svg_content(data: bytes) -> tuple[list[str], list[str]]:
    """What a picture shows, independent of how the library encodes its paths: its texts and element ids."""
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(data)
    texts = [" ".join("".join(element.itertext()).split()) for element in root.iter("{http://www.w3.org/2000/svg}text")]
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    return texts, [i for i in ids if i is not None]


@pytest.mark.parametrize(("made", "stored", "commands"), _pictures())
def test_picture(made: str, stored: str, commands: list[tuple[str, ...]], tmp_path, request):
    work = tmp_path / "work"
    shutil.copytree(ROOT / "configs", work / "configs")
    for args in commands:
        result = run_effcli(list(args), work)
        assert result.returncode == 0, f"effcli {shlex.join(args)}: {result.stdout}{result.stderr}"
    produced = (work / made).read_bytes()
    target = ROOT / stored
    if target.exists() and svg_content(target.read_bytes()) == svg_content(produced):
        return
    if request.config.getoption("--update-docs"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(produced)
        return
    pytest.fail(f"{stored} is not what the commands above it draw now (pytest --update-docs rewrites it)", False)


# Pictures no command writes, each checked by a test of its own: the explorer's screenshot is a terminal app's
# screen (scripts/explore_screenshot.py makes it; the test compares it with the explorer of today).
TESTED_ELSEWHERE = {
    "docs/images/explore.svg": ("test_explore.py", "test_the_readme_screenshot_shows_the_explorer_of_today")
}


def test_pages_show_pictures_that_are_tested():
    """Every picture a page displays from docs/images/ is made by a tested command (a picture directive), or is
    checked by the test named in TESTED_ELSEWHERE."""
    for module, test in TESTED_ELSEWHERE.values():
        assert f"def {test}(" in (ROOT / "tests" / module).read_text(encoding="utf-8"), test
    tested = {param.values[1] for param in _pictures()} | set(TESTED_ELSEWHERE)
    for page in PAGES:
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            path = (page.parent / target).resolve().relative_to(ROOT).as_posix()
            assert path in tested, f"{page.name} shows {target}, which no docs-test picture directive makes"


def test_excerpts_match_and_update():
    printed = ["a", "b", "in 1.5 s: 1,000 candidates/s", "c", "d", "e"]
    assert matches(["a", "b", "in 9 s: 7 candidates/s", "c", "d", "e"], printed)
    assert matches(["...", "c", "...", "e"], printed)
    assert matches(["a", "...", "c", "d", "e"], printed)
    assert matches(["..."], printed) and matches(["a", "...", "...", "e"], printed)
    assert not matches(["a", "...", "d"], printed) and not matches(["b", "..."], printed)
    assert not matches(["a", "b"], printed) and not matches(["...", "x", "..."], printed)
    # an update keeps the excerpt: the head keeps its length, later parts are found by their first line
    assert regenerate(["a", "...", "c", "x", "..."], printed) == ["a", "...", "c", "d", "..."]
    assert regenerate(["a", "...", "d"], printed) == ["a", "...", "d", "e"]
    assert regenerate(["...", "gone"], printed) == ["...", "e"]
    assert regenerate(["x"], printed) == printed
    spaced = ["a", "", "b", "", "c", "", "d", "e"]
    assert regenerate(["a", "", "...", "", "d", "x"], spaced) == ["a", "", "...", "", "d", "e"]


def test_the_pages_have_examples():
    cases = all_cases()
    readme = [case for case in cases if case.page.name == "README.md"]
    assert (ROOT / "docs").is_dir() and len(PAGES) > 1
    assert any(case.text == "effcli summary efficientnetv2_b2" for case in readme), "the quick start is not tested"
    assert len(cases) >= 20


def test_shown_output_is_only_in_console_blocks():
    """An effcli command shown with its output anywhere else would not be tested."""
    for page in PAGES:
        for block in read_blocks(page.read_text(encoding="utf-8").split("\n")):
            if block.lang != "console":
                shown = [line for line in block.lines if line.startswith("$ effcli")]
                assert not shown, f"{page.name}: a ```{block.lang} block shows {shown[0]!r}; make it ```console"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^\s*```.*?^\s*```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {_slug(m[1]) for m in re.finditer(r"^#+\s+(.*)$", text, flags=re.M)}


def test_links_stay_inside_the_repository():
    """Links point at files of the repository (and headings that exist); every Markdown file named exists here."""
    markdown = set()
    for _, folders, files in os.walk(ROOT):
        folders[:] = [name for name in folders if not name.startswith(".")]  # not .git, .venv, ...
        markdown.update(name for name in files if name.endswith(".md"))
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # a web address, not a file
            path_part, _, anchor = target.partition("#")
            path = (page.parent / path_part).resolve() if path_part else page
            assert path.is_relative_to(ROOT), f"{page.name}: {target} is outside the repository"
            assert path.exists(), f"{page.name}: {target} does not exist"
            if anchor and path.suffix == ".md":
                assert anchor in _anchors(path), f"{page.name}: {target}: no such heading"
        for name in re.findall(r"[\w.-]+\.md\b", text):
            assert Path(name).name in markdown, f"{page.name} mentions {name}, which is not in the repository"


def test_synopses_list_every_option():
    """Each command's synopsis in docs/commands.md names exactly the command's options."""
    import typer.main

    from effcli.cli import app

    group = typer.main.get_command(app)
    page = ROOT / "docs" / "commands.md"
    synopses = {}
    for block in read_blocks(page.read_text(encoding="utf-8").split("\n")):
        words = block.lines[0].split() if block.lang == "text" and block.lines else []
        if len(words) > 1 and words[0] == "effcli" and words[1] in group.commands:
            synopses[words[1]] = set(re.findall(r"--[a-z][a-z-]*", "\n".join(block.lines)))
    assert set(synopses) == set(group.commands), "docs/commands.md: a command without its synopsis"
    for name, shown in synopses.items():
        options = {o for p in group.commands[name].params for o in p.opts if o.startswith("--")} - {"--help"}
        assert shown == options, (
            f"docs/commands.md, effcli {name}: missing {options - shown}, unknown {shown - options}"
        )
