"""The habits that keep the code readable: ruff (lint and format) and mypy, run as tests.

They run inside the test suite so that the one test command of the README (and
of .ci/run) checks them too. Settings live in pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.quality


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_lint():
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_over_the_package():
    result = _run("mypy", "--cache-dir", str(ROOT / ".mypy_cache"))
    assert result.returncode == 0, result.stdout + result.stderr


# the packages of docs/architecture.md's code map, top to bottom: a module imports only from its own package and
# those below it (errors, files and interrupts, outside this list, serve every level)
LAYERS = ("cli", "tui", "pictures", "render", "tools", "engines", "config", "core")


def _effcli_imports(path: Path) -> list[tuple[int, str]]:
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("effcli.")]


def test_imports_point_down_the_code_map():
    wrong = []
    for path in sorted((ROOT / "effcli").rglob("*.py")):
        package = path.relative_to(ROOT / "effcli").parts[0]
        if package not in LAYERS:
            continue
        for line, name in _effcli_imports(path):
            imported = name.split(".")[1]
            if imported in LAYERS and LAYERS.index(imported) < LAYERS.index(package):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)
    assert _effcli_imports(ROOT / "effcli" / "tools" / "family.py"), "the check reads no import"
