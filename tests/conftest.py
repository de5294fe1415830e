from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"

# Keras measurements are cached per user (effcli.engines.cache). The tests, and the
# effcli processes they start, use a cache of their own that starts empty each run.
_CACHE = tempfile.mkdtemp(prefix="effcli-test-cache-")
os.environ["EFFCLI_CACHE_DIR"] = _CACHE


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _own_measurement_cache(tmp_path_factory, monkeypatch):
    """Each test starts with an empty cache: a Keras report that an earlier test cached must not
    turn a test's build (the memory guard, TensorFlow's import) into a cache hit."""
    monkeypatch.setenv("EFFCLI_CACHE_DIR", str(tmp_path_factory.mktemp("effcli-cache")))


# The folders of the checkout a test could litter (an example run in the wrong folder, say `explain --draw
# block4b.svg`): every test must leave them as it found them. Caches and build metadata do not count.
_WATCHED = (ROOT, ROOT / "docs", ROOT / "configs", ROOT / "tests")


def _entries() -> set[Path]:
    return {
        folder / name
        for folder in _WATCHED
        for name in os.listdir(folder)
        if not name.startswith(".") and name != "__pycache__" and not name.endswith(".egg-info")
    }


@pytest.fixture(autouse=True)
def _leaves_the_checkout_clean():
    before = _entries()
    yield
    left = sorted(str(path.relative_to(ROOT)) for path in _entries() - before)
    assert not left, f"the test left {', '.join(left)} in the checkout; tests write under tmp_path"


@pytest.fixture(scope="session")
def reference() -> dict:
    """Numbers read off real keras-cv 0.9 / keras.applications builds (tests/reference/generate_reference.py)."""
    return json.loads((DATA / "reference.json").read_text())


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run the real CLI entry point; returns (exit_code, stdout, stderr)."""
    from effcli.cli import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, env: dict | None = None):
        # The analytic engine unless a test asks otherwise: it is instant, and the
        # engines are proven equal in test_keras_engine.py.
        env = {"EFFCLI_ENGINE": "analytic", **(env or {})}
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def write_yaml(tmp_path):
    import yaml

    def write(data, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path

    return write


def pytest_addoption(parser):
    parser.addoption(
        "--update-docs",
        action="store_true",
        default=False,
        help="tests/test_docs.py: rewrite the outputs shown in README.md and docs/*.md instead of comparing them",
    )
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="tests/test_golden.py: rewrite tests/golden/* with the current output instead of comparing",
    )
