"""Where the output goes wrong: closed stdout, closed pipes, full disks, huge COLUMNS, narrow encodings, odd backends.

Files are written before stdout (a closed stdout loses none); a reader that goes
away is a quiet exit 141; a write that fails (EFBIG, ENOSPC) is one ``Error:``
line naming the option and the file, exit 2, and no file or temporary left;
COLUMNS is bounded; an ASCII or Latin-1 stdout gets aligned ASCII tables and the
same JSON; a KERAS_BACKEND other than TensorFlow is one clear error. Every case
runs the installed console script in a process of its own, with a timeout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from _processes import (
    EFFCLI,
    KERAS_TIMEOUT,
    TIMEOUT,
    env_fixture,  # noqa: F401 (the fixture env)
    fresh,
    make_env,
    names,
    run,
    whole_keras_file,
    work_fixture,  # noqa: F401 (the fixture work)
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def batch(jobs: dict, root: Path, workers: int = 3) -> dict:
    """Run ``{key: (args, extra env)}`` concurrently, each in a folder and with a cache of its own; bytes out."""

    def one(item):
        key, (args, extra) = item
        folder = fresh(root)
        start = time.perf_counter()
        result = run(args, folder, make_env(folder / ".cache", **extra), text=False)
        return key, (result, time.perf_counter() - start)

    with ThreadPoolExecutor(workers) as pool:
        return dict(pool.map(one, jobs.items()))


def reference(args, tmp_path: Path) -> tuple[subprocess.CompletedProcess, Path]:
    """A normal run of ``args`` (stdout to a pipe) in a folder of its own, to compare files and messages with."""
    folder = fresh(tmp_path, "reference-")
    result = run(args, folder, make_env(tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    return result, folder


# =============================================================== 2. outputs before stdout

# arguments, the files written (in this order), their stderr lines
SAVING = {
    "scale --save": (["scale", "-w", "2", "-d", "2", "--save", "x.yaml"], ["Saved efficientnetv2_b0_w2_d2 to x.yaml"]),
    "summary --svg": (["summary", "b0", "--svg", "b0.svg"], ["Saved the table as b0.svg"]),
    "summary --html": (["summary", "b0", "--html", "b0.html"], ["Saved the table as b0.html"]),
    "summary --svg --html": (
        ["summary", "b0", "--svg", "b0.svg", "--html", "b0.html"],
        ["Saved the table as b0.svg", "Saved the table as b0.html"],
    ),
    "scale --save --svg": (
        ["scale", "-w", "1.1", "-d", "1.2", "--save", "s.yaml", "--svg", "s.svg"],
        ["Saved efficientnetv2_b0_w1.1_d1.2 to s.yaml", "Saved the table as s.svg"],
    ),
    "compare --html": (["compare", "b0", "lite1", "--html", "c.htm"], ["Saved the table as c.htm"]),
    "explain --svg": (["explain", "v1-b2", "block3a", "--svg", "e.svg"], ["Saved the table as e.svg"]),
    "presets --svg": (["presets", "--svg", "p.svg"], ["Saved the table as p.svg"]),
}


def _close_stdout() -> None:
    os.close(1)


def run_with_stdout_closed(args, folder: Path, env, how: str) -> subprocess.CompletedProcess:
    if how == "closed fd":
        return subprocess.run(
            [*EFFCLI, *args],
            cwd=folder,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            preexec_fn=_close_stdout,
        )
    return subprocess.run(  # the shell's `>&-`
        ["sh", "-c", '"$@" >&-', "sh", *EFFCLI, *args],
        cwd=folder,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        timeout=TIMEOUT,
    )


@pytest.mark.parametrize("how", ["closed fd", "sh >&-"])
@pytest.mark.parametrize("kind", list(SAVING))
def test_files_are_written_before_a_closed_stdout(work, env, tmp_path, kind, how):
    args, saved = SAVING[kind]
    expected, folder = reference(args, tmp_path)
    result = run_with_stdout_closed(args, work, env, how)
    assert result.returncode == 141, result.stderr
    assert result.stderr.splitlines() == saved == expected.stderr.splitlines()
    assert names(work) == names(folder)  # every file, no temporary
    for name in names(folder):
        assert (work / name).read_bytes() == (folder / name).read_bytes(), name


@pytest.mark.parametrize("how", ["closed fd", "sh >&-"])
def test_export_to_a_file_needs_no_stdout(work, env, tmp_path, how):
    args = ["export", "lite2", "-o", "l.yaml"]
    expected, folder = reference(args, tmp_path)
    result = run_with_stdout_closed(args, work, env, how)
    assert result.stderr == expected.stderr
    assert result.returncode == 0 and result.stderr.splitlines() == ["Wrote efficientnetlite_b2 to l.yaml"]
    assert names(work) == ["l.yaml"] and (work / "l.yaml").read_bytes() == (folder / "l.yaml").read_bytes()


@pytest.mark.keras
@pytest.mark.parametrize("how", ["closed fd", "sh >&-"])
def test_a_keras_build_is_saved_before_a_closed_stdout(work, env, how):
    result = run_with_stdout_closed(["build", "b0", "-o", "m.keras"], work, env, how)
    assert result.returncode == 141, result.stderr
    assert result.stderr == ""
    assert names(work) == ["m.keras"]
    whole_keras_file(work / "m.keras")


# ---------------------------------------------------------------- a pipe whose reader is gone

CLOSED_PIPE = {
    "no arguments": ([], []),
    "--help": (["--help"], []),
    "-h": (["-h"], []),
    "--version": (["--version"], []),
    "summary --help": (["summary", "--help"], []),
    "cache --help": (["cache", "--help"], []),
    "summary": (["summary", "b0"], []),
    "summary -f json": (["summary", "b1", "-f", "json"], []),
    "compare -f csv": (["compare", "b0", "v1-b0", "-f", "csv"], []),
    "scale": (["scale", "-w", "1.2", "-d", "1.4"], []),
    "explain -f markdown": (["explain", "b0", "block2a", "-f", "markdown"], []),
    "presets": (["presets"], []),
    "export": (["export", "b0"], []),
    "schema": (["schema"], []),
    "cache info": (["cache", "info"], []),
    "scale --save": (
        ["scale", "-w", "1.5", "-d", "1", "--save", "p.yaml"],
        ["Saved efficientnetv2_b0_w1.5_d1 to p.yaml"],
    ),
}


@pytest.mark.parametrize("kind", list(CLOSED_PIPE))
def test_a_pipe_closed_before_the_first_write_is_a_quiet_141(work, env, kind):
    args, saved = CLOSED_PIPE[kind]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before effcli starts
    try:
        result = subprocess.run(
            [*EFFCLI, *args], cwd=work, env=env, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141, result.stderr
    assert result.stderr.splitlines() == saved
    if saved:
        assert names(work) == ["p.yaml"] and yaml.safe_load((work / "p.yaml").read_text())["width_coefficient"] == 1.5
    else:
        assert names(work) == []


def test_python_m_effcli_into_a_closed_pipe(work, env):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "effcli", "--version"],
            cwd=work,
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141 and result.stderr == ""


# outputs of more than a 4 KB pipe's worth: the reader leaves with most of it unwritten
LONG_OUTPUTS = {
    "summary": ["summary", "b0"],
    "summary l": ["summary", "l", "-f", "markdown"],
    "compare": ["compare", "b0", "b1"],
    "presets": ["presets"],
    "presets --aliases": ["presets", "--aliases", "-f", "csv"],
    "schema": ["schema"],
}


@pytest.mark.parametrize("unbuffered", [None, "1"], ids=["buffered", "PYTHONUNBUFFERED=1"])
@pytest.mark.parametrize("kind", list(LONG_OUTPUTS))
def test_a_reader_that_leaves_after_one_byte_is_a_quiet_141(work, env, kind, unbuffered):
    """With PYTHONUNBUFFERED=1 (common in containers) stdout is unbuffered: a short write must not be the end."""
    import fcntl

    if unbuffered:
        env = {**env, "PYTHONUNBUFFERED": unbuffered}

    read_end, write_end = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    capacity = fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ) if hasattr(fcntl, "F_GETPIPE_SZ") else 65536
    process = subprocess.Popen(
        [*EFFCLI, *LONG_OUTPUTS[kind]], cwd=work, env=env, stdout=write_end, stderr=subprocess.PIPE
    )
    os.close(write_end)
    try:
        first = os.read(read_end, 1)  # `| head -c 1`
        os.close(read_end)
        err = process.communicate(timeout=TIMEOUT)[1].decode()
    finally:
        process.kill()
    complete = run(LONG_OUTPUTS[kind], work, env).stdout
    assert len(complete.encode()) > capacity + 1  # effcli cannot have written it all
    assert first == complete.encode()[:1]
    assert process.returncode == 141, err
    assert err == ""


# =============================================================== 3. disk faults


def _limit_file_size(limit: int):
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


# arguments, option, file
TOO_LARGE = {
    "export -o": (["export", "b0", "-o", "x.yaml"], "--output", "x.yaml"),
    "export --form keras-hub": (["export", "s", "-o", "x.yml", "--form", "keras-hub"], "--output", "x.yml"),
    "scale --save": (["scale", "-w", "1.2", "-d", "1.1", "--save", "x.yaml"], "--save", "x.yaml"),
    "summary --svg": (["summary", "b0", "--svg", "x.svg"], "--svg", "x.svg"),
    "summary --html": (["summary", "b0", "--html", "x.html"], "--html", "x.html"),
    "compare --svg": (["compare", "b0", "b1", "--svg", "c.svg"], "--svg", "c.svg"),
    "scale --svg": (["scale", "-w", "2", "-d", "3", "--svg", "s.svg"], "--svg", "s.svg"),
    "draw -o png": (["draw", "b0", "-o", "d.png"], "--output", "d.png"),
    "chart -o svg": (["chart", "-o", "c.svg"], "--output", "c.svg"),
    "report -o": (["report", "lite0", "-o", "r.html"], "--output", "r.html"),
    "explain --draw": (["explain", "b0", "block2a", "--draw", "e.svg"], "--draw", "e.svg"),
}


@pytest.mark.parametrize("limit", [0, 512])
@pytest.mark.parametrize("kind", list(TOO_LARGE))
def test_a_file_too_large_is_one_error_and_leaves_nothing(work, env, kind, limit):
    args, option, name = TOO_LARGE[kind]
    result = run(args, work, env, preexec_fn=_limit_file_size(limit))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {option}: '{name}'") and "file too large" in lines[0], lines[0]
    assert names(work) == []  # no target, no temporary


@pytest.mark.keras
def test_a_keras_file_too_large_is_one_error_and_leaves_nothing(work, env):
    result = run(["build", "b0", "-o", "m.keras"], work, env, timeout=KERAS_TIMEOUT, preexec_fn=_limit_file_size(2**20))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: --output: 'm.keras'") and "file too large" in lines[0], lines[0]
    assert names(work) == []


FULL = "Error: stdout: cannot write the output: no space left on the device"

# arguments, stderr lines before the error, the file written first
FULL_DEVICE = {
    "summary -f json": (["summary", "b0", "-f", "json"], [], None),
    "summary": (["summary", "b0"], [], None),
    "compare -f csv": (["compare", "b0", "b1", "-f", "csv"], [], None),
    "scale -f markdown": (["scale", "-w", "1.2", "-d", "1.4", "-f", "markdown"], [], None),
    "explain": (["explain", "b0", "block2a"], [], None),
    "presets -f json": (["presets", "-f", "json"], [], None),
    "export": (["export", "b0"], [], None),
    "schema": (["schema"], [], None),
    "cache info": (["cache", "info"], [], None),
    "scale --save": (
        ["scale", "-w", "1.2", "-d", "1.4", "--save", "f.yaml"],
        ["Saved efficientnetv2_b0_w1.2_d1.4 to f.yaml"],
        "f.yaml",
    ),
    "summary --svg": (["summary", "b0", "--svg", "f.svg"], ["Saved the table as f.svg"], "f.svg"),
    "draw": (["draw", "b0", "-o", "f.svg"], [], "f.svg"),
    "report": (["report", "b0", "-o", "f.html"], [], "f.html"),
    "explain --draw": (
        ["explain", "b0", "block2a", "--draw", "f.png"],
        ["Saved the drawing of block2a as f.png"],
        "f.png",
    ),
}


def run_into_full_device(args, work: Path, env, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    with open("/dev/full", "wb") as full:
        return run(args, work, env, stdout=full, timeout=timeout)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("kind", list(FULL_DEVICE))
def test_stdout_on_a_full_device_is_one_error(work, env, tmp_path, kind):
    args, before, target = FULL_DEVICE[kind]
    result = run_into_full_device(args, work, env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [*before, FULL]
    if target is None:
        assert names(work) == []
    else:  # the file was written before stdout, whole
        _, folder = reference(args, tmp_path)
        assert names(work) == [target] and (work / target).read_bytes() == (folder / target).read_bytes()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], [], ["scale", "--help"]], ids=lambda a: " ".join(a) or "none"
)
def test_help_and_version_on_a_full_device_are_one_error(work, env, args):
    result = run_into_full_device(args, work, env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [FULL]


@pytest.mark.keras
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_keras_build_is_saved_before_stdout_fills_the_device(work, env):
    result = run_into_full_device(["build", "b0", "-o", "m.keras"], work, env, timeout=KERAS_TIMEOUT)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [FULL]
    assert names(work) == ["m.keras"]
    whole_keras_file(work / "m.keras")


# =============================================================== 5. bounded COLUMNS

HUGE = "100000000"
COLUMNS_COMMANDS = {
    "--help": ["--help"],
    "summary --help": ["summary", "--help"],
    "summary": ["summary", "b0"],
    "summary --wide": ["summary", "b0", "--layers", "--wide"],
    "compare": ["compare", "b0", "b1", "lite0"],
    "scale": ["scale", "-w", "1.2", "-d", "1.4"],
    "presets": ["presets"],
}
ODD_COLUMNS = [
    "abc",
    "-5",
    "0",
    " 80 ",
    "80",
    "",
    "1e9",
    "99999999999999999999",
    "\u0663\u0660",
    "20",
    "1",
    "1000",
    "1001",
]


@pytest.fixture(scope="module")
def columns_runs(tmp_path_factory) -> dict:
    jobs = {}
    for name, args in COLUMNS_COMMANDS.items():
        jobs[(name, HUGE)] = (args, {"COLUMNS": HUGE})
        jobs[(name, None)] = (args, {})
    for value in ODD_COLUMNS:
        for name in ("--help", "summary"):
            jobs[(name, value)] = (COLUMNS_COMMANDS[name], {"COLUMNS": value})
    return batch(jobs, tmp_path_factory.mktemp("columns"))


def check_bounded(result: subprocess.CompletedProcess, elapsed: float) -> list[str]:
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    lines = result.stdout.decode().splitlines()
    assert lines and max(map(len, lines)) <= 1000
    assert elapsed < 20  # seconds, with three runs at once on two cores: COLUMNS=100000000 took tens of seconds
    return lines


@pytest.mark.parametrize("name", list(COLUMNS_COMMANDS))
def test_a_huge_columns_is_bounded(columns_runs, name):
    check_bounded(*columns_runs[(name, HUGE)])
    if (name, "1000") in columns_runs:  # clamped to the widest table
        assert columns_runs[(name, HUGE)][0].stdout == columns_runs[(name, "1000")][0].stdout


# a value that is not a number is dropped (as if unset); a number is clamped to 20..1000
SAME_AS = {
    " 80 ": "80",
    "abc": None,
    "-5": None,
    "1e9": None,
    "\u0663\u0660": None,
    "": None,
    "0": "20",
    "1": "20",
    "99999999999999999999": "1000",
    "1001": "1000",
}


@pytest.mark.parametrize("value", ODD_COLUMNS, ids=repr)
@pytest.mark.parametrize("name", ["--help", "summary"])
def test_odd_columns_values_behave(columns_runs, name, value):
    lines = check_bounded(*columns_runs[(name, value)])
    if name == "--help" and value in ("20", "80"):
        assert max(map(len, lines)) <= int(value)
    if value in SAME_AS:
        expected = columns_runs[(name, SAME_AS[value])][0].stdout
        assert columns_runs[(name, value)][0].stdout == expected


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.one_of(
        st.integers(-(10**30), 10**30).map(str),
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    ),
    name=st.sampled_from(["--help", "summary"]),
)
def test_generated_columns_values_behave(tmp_path, value, name):
    folder = fresh(tmp_path)
    start = time.perf_counter()
    result = run(COLUMNS_COMMANDS[name], folder, make_env(folder / ".cache", COLUMNS=value), text=False)
    check_bounded(result, time.perf_counter() - start)


# =============================================================== 6. no arguments


@pytest.mark.parametrize("command", [EFFCLI, [sys.executable, "-m", "effcli"]], ids=["effcli", "python -m effcli"])
def test_no_arguments_print_the_help(work, env, command):
    alone = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    helped = run(["--help"], work, env)
    assert alone.returncode == 0 and alone.stderr == ""
    assert alone.stdout == helped.stdout and alone.stdout.lstrip().startswith("Usage:")
    assert "Commands" in alone.stdout and "summary" in alone.stdout


# =============================================================== 7. encodings

ENCODING_COMMANDS = {
    "summary": ["summary", "b0"],
    "compare": ["compare", "b0", "b1"],
    "scale": ["scale", "-w", "1.2", "-d", "1.4"],
    "explain": ["explain", "b0", "block2a"],
    "presets": ["presets"],
}
FORMATS = ["table", "markdown", "csv", "json"]
# name: (environment, the encoding stdout is read in, the formats tried); LANG=C alone is coerced to C.UTF-8
ENCODINGS = {
    "ascii": ({"PYTHONIOENCODING": "ascii"}, "ascii", FORMATS),
    "latin-1": ({"PYTHONIOENCODING": "latin-1"}, "latin-1", ["table", "json"]),
    "LANG=C PYTHONUTF8=0": ({"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}, "utf-8", ["table"]),
    "LANG=C, no coercion": (
        {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
        "ascii",
        ["table", "json"],
    ),
}
ENCODING_CASES = [(e, c, f) for e, (_, _, formats) in ENCODINGS.items() for c in ENCODING_COMMANDS for f in formats]
BOX = set("+|─━│┃┌┐└┘├┤┬┴┼┏┓┡┩┳╇")


@pytest.fixture(scope="module")
def encoding_runs(tmp_path_factory) -> dict:
    jobs = {}
    for command, args in ENCODING_COMMANDS.items():
        for fmt in FORMATS:
            jobs[("utf-8", command, fmt)] = ([*args, "-f", fmt], {"PYTHONIOENCODING": "utf-8"})
    for name, command, fmt in ENCODING_CASES:
        jobs[(name, command, fmt)] = ([*ENCODING_COMMANDS[command], "-f", fmt], ENCODINGS[name][0])
    return batch(jobs, tmp_path_factory.mktemp("encodings"))


def boxes(lines: list[str]) -> list[list[str]]:
    """The runs of consecutive lines that start with a box-drawing character (a table's frame)."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line[:1] in BOX:
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


@pytest.mark.parametrize(("encoding", "command", "fmt"), ENCODING_CASES)
def test_narrow_encodings_keep_tables_aligned_and_json_equal(encoding_runs, encoding, command, fmt):
    result, _ = encoding_runs[(encoding, command, fmt)]
    utf8, _ = encoding_runs[("utf-8", command, fmt)]
    assert utf8.returncode == 0
    assert result.returncode == 0, result.stderr
    assert result.stderr == utf8.stderr == b""
    codec = ENCODINGS[encoding][1]
    out = result.stdout.decode(codec)  # fails unless pure ASCII for ascii
    expected = utf8.stdout.decode()
    if codec == "ascii":
        assert out.isascii()
    if fmt == "json":
        assert json.loads(out) == json.loads(expected)
        return
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(out))) == list(csv.reader(io.StringIO(expected)))
        return
    lines, expected_lines = out.splitlines(), expected.splitlines()
    assert [len(line) for line in lines] == [len(line) for line in expected_lines]  # one character for one
    assert "\\u" not in out
    if fmt == "table":
        frames = boxes(lines)
        assert frames and len(frames) == len(boxes(expected_lines))
        for frame in frames:
            assert len({len(line) for line in frame}) == 1, frame


# =============================================================== 8. KERAS_BACKEND

BACKENDS = ["jax", "torch", "nonsense", "JAX", "numpy", ""]
KERAS_COMMANDS = {
    "summary": ["summary", "b0", "--engine", "keras", "--no-cache"],
    "compare": ["compare", "b0", "b1", "--engine", "keras", "--no-cache"],
    "explain": ["explain", "b0", "block1a", "--engine", "keras"],
    "build": ["build", "b0", "-o", "m.keras"],
}


@pytest.mark.parametrize("backend", BACKENDS, ids=repr)
def test_another_keras_backend_is_one_error(work, tmp_path, backend):
    env = make_env(tmp_path / "cache", KERAS_BACKEND=backend)
    result = run(KERAS_COMMANDS["summary"], work, env)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: KERAS_BACKEND: '{backend}': effcli builds with Keras on TensorFlow"), lines[0]
    assert "--engine analytic" in lines[0]
    assert names(work) == []


@pytest.mark.parametrize("command", ["compare", "explain", "build"])
def test_another_keras_backend_is_one_error_for_every_keras_command(work, tmp_path, command):
    env = make_env(tmp_path / "cache", KERAS_BACKEND="jax")
    result = run(KERAS_COMMANDS[command], work, env)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: KERAS_BACKEND: 'jax': ")
    assert names(work) == []


@pytest.mark.parametrize("backend", ["jax", "torch", "nonsense"])
def test_the_analytic_engine_ignores_keras_backend(work, tmp_path, backend):
    plain = run(["summary", "b0", "--engine", "analytic"], work, make_env(tmp_path / "cache"))
    result = run(["summary", "b0", "--engine", "analytic"], work, make_env(tmp_path / "cache", KERAS_BACKEND=backend))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == plain.stdout and "5,919,312" in result.stdout


@pytest.mark.keras
@pytest.mark.parametrize("backend", ["tensorflow", " TensorFlow "], ids=repr)
def test_tensorflow_spelt_otherwise_is_accepted(work, tmp_path, backend):
    env = make_env(tmp_path / "cache", KERAS_BACKEND=backend)
    result = run(["summary", "b0", "--engine", "keras", "--no-cache", "-f", "json"], work, env, timeout=KERAS_TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["params"] == 5_919_312
