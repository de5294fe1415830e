"""Running effcli in processes of its own, for the tests that need a real process (not pytest's).

Two kinds: the installed console script with an environment of its own (``make_env``,
``run``: tests/test_concurrency_signals.py, tests/test_output_faults.py), and the
entry point under Python with an address-space limit, as user nobody if asked
(``run_limited``: tests/test_fuzz.py, tests/test_saved_model_limits.py).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

_SCRIPT = Path(sys.executable).parent / "effcli"
EFFCLI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "effcli"]
TIMEOUT = 60  # seconds for one analytic run: a hang guard, not a speed target
KERAS_TIMEOUT = 300
_DROPPED = (
    "EFFCLI_ENGINE",
    "EFFCLI_DEBUG",
    "COLUMNS",
    "LINES",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "PYTHONCOERCECLOCALE",
    "KERAS_BACKEND",
    "NO_COLOR",
    "FORCE_COLOR",
    "TERM",
    "PYTHONPATH",
    "PYTHONUNBUFFERED",
)


def make_env(cache: Path, **extra: str) -> dict[str, str]:
    """The environment of one effcli process: its own cache, the analytic engine, nothing inherited that matters."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env.update(EFFCLI_CACHE_DIR=str(cache), EFFCLI_ENGINE="analytic", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def run(args, cwd: Path, env, *, timeout: float = TIMEOUT, text: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """The console script with ``args``; stdout and stderr are captured unless ``kwargs`` say otherwise."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([*EFFCLI, *args], cwd=cwd, env=env, timeout=timeout, text=text, **kwargs)


# The fixtures ``work`` and ``env``: a test module imports work_fixture and env_fixture (importing them under
# their fixture names would make every test that takes them a redefinition, ruff's F811).


@pytest.fixture(name="work")
def work_fixture(tmp_path) -> Path:
    """An empty folder to run effcli in (its cache, in ``env``, is elsewhere)."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture(name="env")
def env_fixture(tmp_path) -> dict[str, str]:
    return make_env(tmp_path / "cache")


def fresh(tmp_path: Path, prefix: str = "w") -> Path:
    """A new empty folder below ``tmp_path``."""
    return Path(tempfile.mkdtemp(dir=tmp_path, prefix=prefix))


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def whole_keras_file(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert "effcli.json" in archive.namelist()


# ---------------------------------------------------------------- under a memory limit, as user nobody

MEMORY_LIMIT = 1536 * 2**20  # address space of a process that refuses a hostile input
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def python_env(**extra: str) -> dict[str, str]:
    """This environment, with this interpreter's import path, without EFFCLI_DEBUG."""
    env = {**os.environ, **extra, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("EFFCLI_DEBUG", None)
    return env


def run_limited(
    code: str, args: list[str], cwd, *, as_nobody: bool = False, **extra: str
) -> tuple[subprocess.CompletedProcess, float]:
    """``python -c code *args`` in a process of its own under MEMORY_LIMIT; (result, seconds)."""
    command = [sys.executable, "-c", code, *args]
    if as_nobody:
        command = [*NOBODY, *command]
    start = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, env=python_env(**extra), timeout=60, preexec_fn=_limit_memory
    )
    return result, time.perf_counter() - start


def _nobody_can_run_effcli() -> bool:
    probe = [*NOBODY, sys.executable, "-c", "import effcli.cli"]
    try:
        return subprocess.run(probe, capture_output=True, env=python_env(), cwd="/", timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def as_nobody_if_root() -> bool:
    """Whether a permission check must run as user nobody (root reads everything); skips if nobody cannot run effcli."""
    as_nobody = os.geteuid() == 0
    if as_nobody and not _nobody_can_run_effcli():
        pytest.skip("user nobody cannot read this Python environment (keep it in a world-readable folder)")
    return as_nobody
