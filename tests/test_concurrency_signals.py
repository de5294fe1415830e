"""No clobbering (exclusive create of every output) and Ctrl-C / SIGTERM at any moment, through the real `effcli`.

Every output (--save, -o, --svg, --html, build's .keras) is written to a hidden
temporary file beside the target and published with an exclusive create unless
--force: parallel runs on one name leave exactly one winner, a file that appears
while effcli works is left untouched, and a signal leaves either no file or the
complete one, never a temporary. Every case runs the installed console script in
a process of its own, with a timeout, so that a regression fails instead of hanging.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
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

from effcli.errors import EffcliError
from effcli.files import atomic_target

# =============================================================== 1. no clobbering: parallel runs on one name

MODELS = ["b0", "b1", "b2", "b3", "s", "v1-b0", "v1-b1", "lite0"]
N = 8

# name: (the i-th run's arguments, option, target)
RACES = {
    "scale --save": (lambda i: ["scale", "-w", f"1.{i + 1}", "-d", "1", "--save", "same.yaml"], "--save", "same.yaml"),
    "export -o": (lambda i: ["export", MODELS[i], "-o", "same.yaml"], "--output", "same.yaml"),
    "export --form keras-hub": (
        lambda i: ["export", MODELS[i], "--output", "same.yml", "--form", "keras-hub"],
        "--output",
        "same.yml",
    ),
    "summary --svg": (lambda i: ["summary", MODELS[i], "--svg", "same.svg"], "--svg", "same.svg"),
    "compare --html": (lambda i: ["compare", MODELS[i], "b0", "--html", "same.html"], "--html", "same.html"),
    "draw -o": (lambda i: ["draw", MODELS[i], "-o", "same.png"], "--output", "same.png"),
}

# Makes every process wait, just before it publishes its file, until all N have got there: the
# exclusive create at the end (not the check at the start) must be what stops the losers.
BARRIER = textwrap.dedent(
    """
    import os, time

    _folder = os.environ.get("EFFCLI_TEST_BARRIER")
    if _folder:
        _link = os.link

        def link(*args, **kwargs):
            open(os.path.join(_folder, str(os.getpid())), "w").close()
            deadline = time.monotonic() + 30
            while len(os.listdir(_folder)) < int(os.environ["EFFCLI_TEST_PARTIES"]) and time.monotonic() < deadline:
                time.sleep(0.005)
            return _link(*args, **kwargs)

        os.link = link
    """
)


def start(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    """The console script with ``args``, running; stdout and stderr are text pipes."""
    return subprocess.Popen(
        [*EFFCLI, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def race(work: Path, env: dict[str, str], make_args, n: int = N) -> list[tuple[list[str], subprocess.Popen]]:
    started = []
    for i in range(n):
        args = make_args(i)
        started.append((args, start(args, work, env)))
    results = []
    for args, process in started:
        try:
            out, err = process.communicate(timeout=TIMEOUT * 2)
        except subprocess.TimeoutExpired:
            for _, other in started:
                other.kill()
            raise
        results.append((args, process.returncode, out, err))
    return results


def solo(args: list[str], tmp_path: Path, target: str) -> bytes:
    """The target that ``args`` writes when alone (in a folder of its own)."""
    folder = fresh(tmp_path, "solo-")
    result = run(args, folder, make_env(tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    return (folder / target).read_bytes()


def check_one_winner(results, work: Path, tmp_path: Path, option: str, target: str, *, exact: bool) -> None:
    created = (
        f"Error: {option}: '{target}' was created by another program while effcli was working; it was left alone "
        "and nothing was written (use --force to overwrite it)"
    )
    exists = f"Error: {option}: '{target}' exists; use --force to overwrite it"
    winners = [r for r in results if r[1] == 0]
    assert len(winners) == 1, [(r[1], r[3]) for r in results]
    for args, code, out, err in results:
        if code == 0:
            continue
        assert code == 2, (args, err)
        assert out == "", (args, out)
        lines = err.splitlines()
        assert len(lines) == 1, (args, err)
        assert lines[0] == created or (not exact and lines[0] == exists), (args, err)
    assert names(work) == [target]  # the one file; no `.same.yaml.*` temporary left
    published = (work / target).read_bytes()
    if target.endswith((".yaml", ".yml")):
        assert isinstance(yaml.safe_load(published), dict)
    winner_args = winners[0][0]
    assert published == solo(winner_args, tmp_path, target)  # the winner's file, whole


@pytest.mark.parametrize("kind", ["scale --save", "export -o", "summary --svg", "compare --html"])
def test_parallel_runs_on_one_name_leave_exactly_one_winner(work, env, tmp_path, kind):
    make_args, option, target = RACES[kind]
    results = race(work, env, make_args)
    check_one_winner(results, work, tmp_path, option, target, exact=False)


@pytest.mark.parametrize("kind", ["scale --save", "export --form keras-hub", "summary --svg"])
def test_the_exclusive_create_stops_the_losers_at_the_end(work, tmp_path, kind):
    """All runs pass the up-front check; the publish itself decides."""
    make_args, option, target = RACES[kind]
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(BARRIER)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = make_env(
        tmp_path / "cache", PYTHONPATH=str(hooks), EFFCLI_TEST_BARRIER=str(barrier), EFFCLI_TEST_PARTIES=str(N)
    )
    results = race(work, env, make_args)
    assert len(os.listdir(barrier)) == N  # every run reached the publish
    check_one_winner(results, work, tmp_path, option, target, exact=True)


# how to tell from its file which run wrote it
AUTHOR = {
    "scale --save": lambda text, i: yaml.safe_load(text)["name"] == f"efficientnetv2_b0_w1.{i + 1}_d1",
    "export -o": lambda text, i: f" from {MODELS[i]}\n" in text.splitlines(keepends=True)[1],
}


@pytest.mark.parametrize("kind", list(AUTHOR))
def test_parallel_runs_with_force_all_succeed_and_leave_one_whole_file(work, env, tmp_path, kind):
    make_args, _, target = RACES[kind]

    def forced(i):
        return [*make_args(i), "--force"]

    results = race(work, env, forced)
    assert [r[1] for r in results] == [0] * N, [r[3] for r in results]
    assert names(work) == [target]
    published = (work / target).read_bytes()
    authors = [i for i in range(N) if AUTHOR[kind](published.decode(), i)]
    assert len(authors) == 1, published[:200]
    assert published == solo(forced(authors[0]), tmp_path, target)  # one run's file, whole, not a mix


# ---------------------------------------------------------------- a target that appears while effcli works

FILE_NAMES = st.text(
    st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x24F), min_size=1, max_size=60
)
INTRUDERS = st.sampled_from(["file", "symlink", "dangling symlink", "directory"])


def _intrude(path: Path, kind: str, content: bytes, elsewhere: Path) -> None:
    if kind == "file":
        path.write_bytes(content)
    elif kind == "symlink":
        elsewhere.write_bytes(content)
        path.symlink_to(elsewhere)
    elif kind == "dangling symlink":
        path.symlink_to(elsewhere.with_name("nowhere"))
    else:
        path.mkdir()
        (path / "inside").write_bytes(content)


@contextmanager
def _out_and_elsewhere() -> Iterator[tuple[Path, Path]]:
    """A new empty folder for the target, and a path outside it for a symlink (a fresh pair per Hypothesis example)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "out").mkdir()
        yield Path(folder) / "out", Path(folder) / "elsewhere"


def _state(path: Path) -> tuple:
    if path.is_symlink():
        return ("symlink", os.readlink(path))
    if path.is_dir():
        return ("directory", sorted(os.listdir(path)))
    return ("file", path.read_bytes())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stem=FILE_NAMES,
    suffix=st.sampled_from([".yaml", ".yml", ".svg", ".html", ".keras"]),
    theirs=st.binary(max_size=2048),
    ours=st.binary(max_size=4096),
    kind=INTRUDERS,
)
def test_a_target_that_appears_while_effcli_works_is_left_untouched(stem, suffix, theirs, ours, kind):
    with _out_and_elsewhere() as (out, elsewhere):
        path = out / f"{stem}{suffix}"
        with pytest.raises(EffcliError) as caught, atomic_target(path, force=False, option="--output") as temporary:
            assert temporary.parent == out and temporary.name.startswith(".") and temporary != path
            temporary.write_bytes(ours)
            _intrude(path, kind, theirs, elsewhere)
            before = _state(path)
        assert str(caught.value) == (
            f"--output: '{path}' was created by another program while effcli was working; it was left alone "
            "and nothing was written (use --force to overwrite it)"
        )
        assert _state(path) == before  # untouched
        assert names(out) == [path.name]  # no temporary left
        if kind == "symlink":
            assert elsewhere.read_bytes() == theirs  # not written through the link either


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stem=FILE_NAMES,
    theirs=st.binary(max_size=2048),
    ours=st.binary(max_size=4096),
    kind=st.sampled_from(["file", "symlink", "dangling symlink"]),
)
def test_with_force_a_target_that_appears_is_replaced(stem, theirs, ours, kind):
    with _out_and_elsewhere() as (out, elsewhere):
        path = out / f"{stem}.yaml"
        with atomic_target(path, force=True, option="--output") as temporary:
            temporary.write_bytes(ours)
            _intrude(path, kind, theirs, elsewhere)
        assert not path.is_symlink() and path.read_bytes() == ours
        assert names(out) == [path.name]
        if kind == "symlink":
            assert elsewhere.read_bytes() == theirs  # the link was replaced, not written through


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("failure", [OSError, RuntimeError, KeyboardInterrupt])
def test_a_failed_write_leaves_the_target_as_it_was(tmp_path, force, failure):
    path = tmp_path / "out.yaml"
    path.write_bytes(b"old")
    expected = EffcliError if failure is OSError else failure
    with pytest.raises(expected), atomic_target(path, force=force, option="--save") as temporary:
        temporary.write_bytes(b"half a fi")
        raise failure(28, "No space left on device") if failure is OSError else failure("stop")
    assert path.read_bytes() == b"old" and names(tmp_path) == ["out.yaml"]


@settings(max_examples=80, deadline=None)
@given(length=st.integers(1, 255), suffix=st.sampled_from([".yaml", ".yml", ".svg", ".html", ".htm", ".keras"]))
def test_temporary_names_are_short_hidden_and_keep_the_suffix(length, suffix):
    from effcli.files import _temporary_name

    path = Path("/some/folder") / ("n" * max(1, length - len(suffix)) + suffix)
    temporary = _temporary_name(path)
    assert temporary.parent == path.parent and temporary.name.startswith(".")
    assert temporary.suffix == suffix and len(os.fsencode(temporary.name)) <= 255


# ---------------------------------------------------------------- a real slow run: a Keras build

KERAS_BUILD = ["build", "efficientnetv2_b0", "-o", "m.keras"]


def wait_for_the_temporary(process: subprocess.Popen, work: Path) -> None:
    """Until the build's temporary ``.m.keras.*`` appears in ``work`` (or the build ends)."""
    deadline = time.monotonic() + KERAS_TIMEOUT
    while not any(n.startswith(".m.keras.") for n in os.listdir(work)) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)


@pytest.mark.keras
@pytest.mark.parametrize("when", ["after 1 s", "when the temporary file appears"])
def test_a_keras_file_that_appears_during_the_build_is_left_untouched(work, env, when):
    known = b"precious bytes, not a model\n" * 10
    process = start(KERAS_BUILD, work, env)
    try:
        if when == "after 1 s":
            time.sleep(1.0)
        else:
            wait_for_the_temporary(process, work)
        assert process.poll() is None, "the build ended before the file could appear"
        fd = os.open(work / "m.keras", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(known)
        out, err = process.communicate(timeout=KERAS_TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == 2, err
    assert out == ""
    assert err.splitlines() == [
        "Error: --output: 'm.keras' was created by another program while effcli was working; it was left alone "
        "and nothing was written (use --force to overwrite it)"
    ]
    assert (work / "m.keras").read_bytes() == known
    assert names(work) == ["m.keras"]


# ---------------------------------------------------------------- long names: the temporary name stays legal

LONG_NAMES = {
    "export -o": (lambda name: ["export", "b0", "-o", name], ".yaml", "--output"),
    "export --form keras-hub": (lambda name: ["export", "b0", "-o", name, "--form", "keras-hub"], ".yml", "--output"),
    "scale --save": (lambda name: ["scale", "-w", "1.2", "-d", "1.1", "--save", name], ".yaml", "--save"),
    "summary --svg": (lambda name: ["summary", "b0", "--svg", name], ".svg", "--svg"),
    "summary --html": (lambda name: ["summary", "b0", "--html", name], ".html", "--html"),
}


@pytest.mark.parametrize("length", [250, 255])
@pytest.mark.parametrize("kind", list(LONG_NAMES))
def test_a_long_legal_file_name_works(work, env, kind, length):
    make_args, suffix, _ = LONG_NAMES[kind]
    name = "a" * (length - len(suffix)) + suffix
    result = run(make_args(name), work, env)
    assert result.returncode == 0, result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.rstrip("\n").endswith(name)
    assert names(work) == [name]
    content = (work / name).read_text()
    if suffix in (".yaml", ".yml"):
        assert isinstance(yaml.safe_load(content), dict)
    else:
        assert content.rstrip().endswith("</svg>" if suffix == ".svg" else "</html>")


@pytest.mark.parametrize("kind", list(LONG_NAMES))
def test_a_file_name_too_long_is_one_error(work, env, kind):
    make_args, suffix, option = LONG_NAMES[kind]
    name = "a" * (256 - len(suffix)) + suffix
    result = run(make_args(name), work, env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [f"Error: {option}: '{name}': file name too long for the file system"]
    assert names(work) == []


# =============================================================== 4. signals at any moment

STOPPED = {
    signal.SIGINT: ({130, -signal.SIGINT}, "Interrupted."),
    signal.SIGTERM: ({143, -signal.SIGTERM}, "Terminated."),
}

# name: (arguments, the file it writes or None, its stderr line on success)
SIGNALLED = {
    "summary": (["summary", "b0"], None, None),
    "summary --svg": (["summary", "b0", "--svg", "t.svg"], "t.svg", "Saved the table as t.svg"),
    "scale --save": (
        ["scale", "-w", "1.3", "-d", "1.2", "--save", "s.yaml"],
        "s.yaml",
        "Saved efficientnetv2_b0_w1.3_d1.2 to s.yaml",
    ),
    "export -o": (["export", "b0", "-o", "e.yaml"], "e.yaml", "Wrote efficientnetv2_b0 to e.yaml"),
    "draw": (["draw", "b0", "-o", "d.svg"], "d.svg", None),  # its "Saved ..." line goes to stdout
}
DELAYS = [0.0, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3]


@pytest.fixture(scope="module")
def complete_runs(tmp_path_factory) -> dict[str, tuple[str, bytes | None, list[str]]]:
    """Each signalled command's output when left alone: stdout, the file's bytes, the stderr lines."""
    found = {}
    for kind, (args, target, _) in SIGNALLED.items():
        folder = tmp_path_factory.mktemp("complete")
        result = run(args, folder, make_env(folder / "cache"))
        assert result.returncode == 0, result.stderr
        found[kind] = (result.stdout, (folder / target).read_bytes() if target else None, result.stderr.splitlines())
    return found


def check_stopped_or_complete(code, out, err, sig, folder: Path, target: str | None, saved_line, complete) -> None:
    codes, message = STOPPED[sig]
    full_out, full_file, full_err = complete
    if sig == signal.SIGINT and "KeyboardInterrupt" in err and not _effcli_frames(err):
        # Python's own start-up (site, the import system), before effcli's first line: the interpreter's
        # default Ctrl-C handling, as for any Python program (docs/reliability.md). It stops (1, -SIGINT) with
        # nothing written, or, interrupted while importing `site`, goes on and runs effcli to the end.
        assert code in (0, 1, -signal.SIGINT), (code, err)
        if code == 0:
            assert out == full_out and (target is None or (folder / target).read_bytes() == full_file)
        else:
            assert out == "" and names(folder) == [], (code, err)
        return
    assert "Traceback" not in err, err
    lines = err.splitlines()
    if saved_line and saved_line in lines:  # the file was published before the signal: it is whole
        assert lines.index(saved_line) == 0
        lines = lines[1:]
        assert (folder / target).read_bytes() == full_file
    assert len(lines) <= 1, err
    if code == 0:  # finished before the signal
        assert out == full_out and err.splitlines() == full_err
    else:
        assert code in codes, (code, err)
        assert lines == ([message] if code > 0 else []), err
        assert full_out.startswith(out)  # a prefix of the output, nothing garbled
    if target is not None:
        assert names(folder) in ([], [target])  # no temporary, ever
        if (folder / target).exists():
            assert (folder / target).read_bytes() == full_file  # complete, never partial
    else:
        assert names(folder) == []


def _effcli_frames(err: str) -> list[str]:
    """The traceback's frames in effcli's own package (not the console script's import line)."""
    return [line for line in err.splitlines() if line.strip().startswith("File ") and "/effcli/" in line]


def signal_run(args, folder: Path, env, sig, delay: float, timeout: float = TIMEOUT):
    process = start(args, folder, env)
    try:
        time.sleep(delay)
        process.send_signal(sig)  # nothing if it has finished
        out, err = process.communicate(timeout=timeout)
    finally:
        process.kill()
    return process.returncode, out, err


@pytest.mark.parametrize("delay", DELAYS)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("kind", list(SIGNALLED))
def test_a_signal_at_any_moment_stops_cleanly(work, env, complete_runs, kind, sig, delay):
    args, target, saved_line = SIGNALLED[kind]
    code, out, err = signal_run(args, work, env, sig, delay)
    check_stopped_or_complete(code, out, err, sig, work, target, saved_line, complete_runs[kind])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(list(SIGNALLED)),
    sig=st.sampled_from([signal.SIGINT, signal.SIGTERM]),
    delay=st.floats(0.0, 0.4),
)
def test_a_signal_at_a_generated_moment_stops_cleanly(tmp_path, complete_runs, kind, sig, delay):
    args, target, saved_line = SIGNALLED[kind]
    folder = fresh(tmp_path)
    code, out, err = signal_run(args, folder, make_env(tmp_path / "cache"), sig, delay)
    check_stopped_or_complete(code, out, err, sig, folder, target, saved_line, complete_runs[kind])


@pytest.mark.keras
@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0, 4.5, "temporary"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_keras_build_stops_cleanly(work, env, sig, delay):
    process = start(KERAS_BUILD, work, env)
    try:
        if delay == "temporary":  # in the middle of the save
            wait_for_the_temporary(process, work)
        else:
            time.sleep(delay)
        process.send_signal(sig)
        out, err = process.communicate(timeout=KERAS_TIMEOUT)
    finally:
        process.kill()
    codes, message = STOPPED[sig]
    assert "Traceback" not in err, err
    if process.returncode == 0:  # the build won
        assert out.startswith("Saved efficientnetv2_b0 (224 x 224 x 3 input, 5,919,312 params) to m.keras")
        assert err == ""
        whole_keras_file(work / "m.keras")
    else:
        assert process.returncode in codes, (process.returncode, err)
        assert err.splitlines() == ([message] if process.returncode > 0 else []), err
        assert "Saved efficientnetv2_b0 (224 x 224 x 3 input, 5,919,312 params) to m.keras\n".startswith(out)
    assert names(work) in ([], ["m.keras"])
    if (work / "m.keras").exists():
        whole_keras_file(work / "m.keras")


def run_signalling_script(template: str, sig: str, folder: Path, env) -> tuple[subprocess.CompletedProcess, tuple]:
    """Run a script that signals itself (``signal.SIG`` in it becomes ``sig``); also the exit code and stderr
    that a clean stop gives."""
    script = template.replace("signal.SIG)", f"signal.{sig})")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    codes, message = STOPPED[getattr(signal, sig)]
    return result, (max(codes), message + "\n")


# A signal that arrives while a compiled module initialises (here the standard library's _decimal,
# whose initialisation calls Python's abc.register) must not be raised inside it: pybind11 modules
# (matplotlib's) turn it into "ImportError: initialization failed", and the half-made module can
# abort the interpreter at exit ("Fatal Python error: PyThreadState_Get", once in ~120 `draw` runs
# signalled at random moments before this hold existed). The tracer sends the signal from the first
# Python frame that runs inside _decimal's initialisation, so the moment is exact, not a timing.
INSIDE_AN_EXTENSION = textwrap.dedent(
    """
    import _imp, os, signal, sys, traceback
    from effcli.cli.application import run_guarded
    from effcli.interrupts import Stop

    assert "_decimal" not in sys.modules
    calls_after_the_signal = []

    def inside_decimal_init(frame):
        while frame is not None:
            if frame.f_code.co_name == "_call_with_frames_removed" and frame.f_locals.get("f") is _imp.create_dynamic:
                return frame.f_locals["args"][0].name == "_decimal"
            frame = frame.f_back
        return False

    def tracer(frame, event, arg):
        if event == "call" and inside_decimal_init(frame.f_back):
            if not calls_after_the_signal:
                os.kill(os.getpid(), signal.SIG)
            calls_after_the_signal.append(frame.f_code.co_name)

    def job():
        sys.settrace(tracer)
        try:
            import decimal
        except Stop as stop:
            sys.settrace(None)
            ours = [f.name for f in traceback.extract_tb(stop.__traceback__) if f.filename.endswith("interrupts.py")]
            # (past effcli's stdout, which prints nothing once a Stop is asked for)
            sys.__stdout__.write(f"raised in {','.join(ours) or '-'} after {len(calls_after_the_signal)}")
            raise
        print("not stopped")

    sys.exit(run_guarded(job))
    """
)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_while_a_compiled_module_initialises_stops_after_it(tmp_path, env, sig):
    result, stopped = run_signalling_script(INSIDE_AN_EXTENSION, sig, tmp_path, env)
    where, calls = result.stdout.split()[2], int(result.stdout.split()[-1])
    assert (result.returncode, result.stderr) == stopped, result
    # the Stop came from effcli's hold, once the module had been made and run...
    assert where == "exec_module,_close_hold,raise_if_stopped"
    assert calls > 1  # ...and the initialisation went on running Python code after the signal


SWALLOWED = textwrap.dedent(
    """
    import os, signal, sys
    from effcli.cli.application import run_guarded

    def job():
        try:
            os.kill(os.getpid(), signal.SIG)
            signal.pause()
        except BaseException:
            raise ImportError("initialization failed") from None

    sys.exit(run_guarded(job))
    """
)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_stop_that_a_library_turned_into_its_own_error_still_stops(tmp_path, env, sig):
    """pybind11 reports an exception raised while its module initialises as ImportError: not 'unexpected'."""
    result, stopped = run_signalling_script(SWALLOWED, sig, tmp_path, env)
    assert (result.returncode, result.stderr) == stopped


IN_A_CALLBACK = textwrap.dedent(
    """
    import os, signal, sys, weakref
    from effcli.cli.application import run_guarded

    class Node:
        pass

    def forget(_):
        os.kill(os.getpid(), signal.SIG)
        for _ in range(100):  # the handler runs between two of these bytecodes, inside the callback
            pass

    def job():
        node = Node()
        reference = weakref.ref(node, forget)
        del node  # the callback runs here: Python can only report an exception raised in it, not raise it
        print("went on", reference() is None)

    sys.exit(run_guarded(job))
    """
)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_inside_a_weakref_callback_is_one_line_and_still_stops(tmp_path, env, sig):
    """matplotlib's transforms drop their parents in weakref callbacks: a Ctrl-C there printed "Exception ignored"."""
    result, stopped = run_signalling_script(IN_A_CALLBACK, sig, tmp_path, env)
    # the job went on after the callback, but printed nothing: its print met the remembered Stop
    assert (result.returncode, result.stderr, result.stdout) == (*stopped, "")


# matplotlib's ft2font (pybind11, multi-phase) builds Python objects in its C++ static constructors and turns
# them into enum classes in its exec step. A Stop raised between the two steps (importlib's own bookkeeping)
# left those objects to be freed after Python had shut down: "Fatal Python error: PyThreadState_Get", exit 134.
# The signal is sent from the first Python frame after ft2font was loaded, so the moment is exact.
BETWEEN_LOAD_AND_RUN = textwrap.dedent(
    """
    import os, signal, sys

    sent = []

    def tracer(frame, event, arg):
        if event == "call" and not sent and frame.f_code.co_name == "_init_module_attrs":
            spec = frame.f_locals.get("spec")
            if spec is not None and spec.name == "matplotlib.ft2font":
                sent.append(1)
                os.kill(os.getpid(), signal.SIG)

    sys.argv = ["effcli", "draw", "b0", "-o", "d.png"]
    import effcli.entry

    sys.settrace(tracer)
    effcli.entry.main()
    """
)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_between_loading_and_running_a_compiled_module_stops_cleanly(tmp_path, env, sig):
    result, stopped = run_signalling_script(BETWEEN_LOAD_AND_RUN, sig, tmp_path, env)
    assert (result.returncode, result.stderr, result.stdout) == (*stopped, "")
    assert names(tmp_path) == []
