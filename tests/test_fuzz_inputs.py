"""Fuzz suite for hostile inputs outside a config's fields: special files, odd names, huge numbers.

Every case must end with exit code 2, nothing on stdout and exactly one `Error:` line
on stderr naming the file, the field or the option, with no traceback. Classes:
FIFOs, devices, sockets and directories given as a config (in a separate process
under a timeout, so that a regression fails instead of hanging the suite); symbolic
link loops and dangling links; empty and invisible names (on the command line and in
a config's `name:`); names longer than the file system allows; integers of thousands
of digits in every YAML base (10, 16, 8, 2 and 60) at many fields and in unknown
places; huge, tiny and non-finite values of every `effcli scale` number option; huge
counts of `effcli plan`; huge resolutions; .keras files given where a config is needed.
"""

from __future__ import annotations

import copy
import os
import socket
import stat
import subprocess
import sys
import time
import unicodedata

import pytest
import yaml
from _processes import python_env
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effcli.cli import app
from effcli.config.presets import load_preset, preset_files

SECONDS_PER_CASE = 5.0
PROCESS_TIMEOUT = 60  # a process that blocks on a FIFO is killed and the test fails


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def check_one_error(runner, args: list[str], names: list[str]) -> str:
    """Run the CLI in this process: exit 2, empty stdout, one 'Error:' line containing every string of ``names``."""
    start = time.perf_counter()
    result = runner.invoke(app, args, env={"EFFCLI_ENGINE": "analytic"}, catch_exceptions=True)
    elapsed = time.perf_counter() - start
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return _assert_one_error(result.exit_code, result.stdout, result.stderr, names, elapsed)


def _assert_one_error(code: int, out: str, err: str, names: list[str], elapsed: float) -> str:
    assert code == 2, (code, out[:300], err[:300])
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err[:600]
    assert "Traceback" not in err and "unexpected" not in lines[0], lines[0][:600]
    for name in names:
        assert name in lines[0], (name[:200], lines[0][:600])
    assert elapsed < SECONDS_PER_CASE, elapsed
    return lines[0]


def run_process(args: list[str], cwd) -> tuple[int, str, str, float]:
    """Run effcli in a separate process; a hang is killed after PROCESS_TIMEOUT seconds and fails the test."""
    command = [sys.executable, "-c", "from effcli.cli import main; main()", *args]
    env = python_env(EFFCLI_ENGINE="analytic")
    start = time.perf_counter()
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=cwd, env=env, timeout=PROCESS_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"effcli {' '.join(args)} hung (killed after {PROCESS_TIMEOUT} s)")
    return result.returncode, result.stdout, result.stderr, time.perf_counter() - start


# Every command that reads a config, with the model's place in its arguments.
COMMANDS = {
    "summary": lambda model: ["summary", model],
    "explain": lambda model: ["explain", model, "stem"],
    "compare": lambda model: ["compare", "b0", model],
    "export": lambda model: ["export", model],
    "scale": lambda model: ["scale", "-b", model, "-w", "1", "-d", "1"],
    "plan": lambda model: ["plan", "--max-params", "20M", "--base", model],
    "draw": lambda model: ["draw", model, "-o", "fuzz.svg"],
    "chart": lambda model: ["chart", model, "-o", "fuzz.png"],
    "report": lambda model: ["report", model, "-o", "fuzz.html"],
}


# ---------------------------------------------------------------- FIFOs, devices, sockets, directories


def _special(tmp_path, kind: str, name: str) -> str:
    """Make a special file ``name`` in tmp_path (or name a system one); return the argument that names it."""
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))  # closed with the process; the socket file stays
        server.close()
    else:  # a device, reached through a link of the wanted name
        os.symlink(kind, path)
    return name


SPECIAL_NAMES = ["f.yaml", "pipe", "conf.json"]
SPECIAL_WORDS = {  # what the error says of each kind
    "directory": "is a directory, expected a",
    "socket": "cannot read",  # opening a socket file fails (ENXIO)
    "/dev/zero": "not a regular file; expected a",
    "/dev/null": "not a regular file; expected a",
    "/dev/urandom": "not a regular file; expected a",
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", SPECIAL_NAMES)
def test_fifos_are_refused_at_once(tmp_path, command, name):
    """In a separate process under a timeout: a regression blocks on the FIFO, is killed, and fails."""
    target = _special(tmp_path, "fifo", name)
    code, out, err, elapsed = run_process(COMMANDS[command](target), tmp_path)
    _assert_one_error(code, out, err, [f"Error: {target}: ", "is a FIFO (named pipe), not a regular file"], elapsed)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", sorted(SPECIAL_WORDS))
@pytest.mark.parametrize("name", SPECIAL_NAMES)
def test_directories_devices_and_sockets_are_refused(runner, tmp_path, monkeypatch, command, kind, name):
    if kind.startswith("/dev/") and not os.path.exists(kind):
        pytest.skip(f"no {kind} here")
    monkeypatch.chdir(tmp_path)
    target = _special(tmp_path, kind, name)
    check_one_error(runner, COMMANDS[command](target), [f"Error: {target}: ", SPECIAL_WORDS[kind]])


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "/dev/tty", "/dev/stdin", "/proc/self/mem"])
def test_system_files_as_a_config(tmp_path, path):
    if not os.path.lexists(path):
        pytest.skip(f"no {path} here")
    code, out, err, elapsed = run_process(["summary", path], tmp_path)
    _assert_one_error(code, out, err, [f"Error: {path}: "], elapsed)


def test_a_fifo_named_like_a_preset(tmp_path):
    """The preset wins without touching the FIFO; ./b0 reads the FIFO, which is refused at once."""
    os.mkfifo(tmp_path / "b0")
    code, out, err, _ = run_process(["summary", "b0", "-f", "json"], tmp_path)
    assert code == 0 and '"efficientnetv2_b0"' in out
    code, out, err, elapsed = run_process(["summary", "./b0"], tmp_path)
    _assert_one_error(code, out, err, ["Error: ./b0: ", "FIFO"], elapsed)


def test_a_fifo_with_a_writer_is_still_refused(tmp_path):
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer (and reader) that never writes a byte
    try:
        code, out, err, elapsed = run_process(["summary", "f.yaml"], tmp_path)
    finally:
        os.close(fd)
    _assert_one_error(code, out, err, ["Error: f.yaml: ", "FIFO"], elapsed)


# ---------------------------------------------------------------- symbolic links


LINK_CASES = {
    "loop": ("loop", [("loop", "loop")], "symbolic links"),
    "loop.yaml": ("loop.yaml", [("loop.yaml", "loop.yaml")], "symbolic links"),
    "pair": ("a.yaml", [("a.yaml", "b.yaml"), ("b.yaml", "a.yaml")], "symbolic links"),
    "b0 loop in a folder": ("sub/b0", [("sub/b0", "b0")], "symbolic links"),
    "dangling": ("gone", [("gone", "missing.yaml")], "the symbolic link points to 'missing.yaml'"),
    "dangling yaml": ("gone.yaml", [("gone.yaml", "nowhere/x.yaml")], "the symbolic link points to 'nowhere/x.yaml'"),
    "dangling absolute": ("abs", [("abs", "/nonexistent/effcli/x.yaml")], "no such file: the symbolic link"),
    "through a loop": ("loopdir/x.yaml", [("loopdir", "loopdir")], "symbolic links"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(LINK_CASES))
def test_symlink_loops_and_dangling_links_name_the_file(runner, tmp_path, monkeypatch, command, case):
    target, links, words = LINK_CASES[case]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    for name, points_to in links:
        os.symlink(points_to, tmp_path / name)
    line = check_one_error(runner, COMMANDS[command](target), [f"Error: {target}: ", words])
    assert "unknown model" not in line


# ---------------------------------------------------------------- empty, invisible and long names


def _invisible_characters() -> list[str]:
    found = []
    for code in range(0x110000):
        char = chr(code)
        if char != "\0" and unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            found.append(char)
    return found


INVISIBLE = _invisible_characters()
INVISIBLE_NAMES = st.text(st.sampled_from(INVISIBLE), min_size=1, max_size=6)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", ["", " ", "\t", "\u200b", "\ufeff", "\u2060", "\u00a0", " \u200b\u3000 "])
def test_empty_and_invisible_model_names(runner, tmp_path, monkeypatch, command, name):
    monkeypatch.chdir(tmp_path)
    line = check_one_error(runner, COMMANDS[command](name), [f"Error: {name!r}: ", "an empty name"])
    assert "is a directory" not in line


@fuzz_settings(150)
@given(name=INVISIBLE_NAMES)
def test_generated_invisible_model_names(runner, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    check_one_error(runner, ["summary", name], [f"Error: {name!r}: ", "an empty name"])


def _readable(name: str = "efficientnetv2_b0") -> dict:
    return yaml.safe_load(preset_files()[name].read_text())


def _keras_cv(name: str = "efficientnetv1_b0") -> dict:
    spec = load_preset(name)
    return {**spec.to_keras_cv_config(), "family": spec.family}


def _write(tmp_path, data, file: str = "fuzz.yaml") -> str:
    path = tmp_path / file
    if file.endswith(".json"):
        import json

        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return file


@fuzz_settings(200)
@given(
    name=st.one_of(INVISIBLE_NAMES, st.sampled_from(["\u200b", "\ufeff", "\u2060", "\u00a0", "\u200b \ufeff", ""])),
    form=st.sampled_from(["readable", "keras-cv", "json"]),
)
def test_invisible_config_names_are_refused(runner, tmp_path, monkeypatch, name, form):
    monkeypatch.chdir(tmp_path)
    data = _keras_cv() if form == "keras-cv" else _readable()
    data["name"] = name
    file = _write(tmp_path, data, "fuzz.json" if form == "json" else "fuzz.yaml")
    if form != "json":  # YAML may fold a line break into a space: what it reads back is invisible all the same
        read_back = yaml.safe_load((tmp_path / file).read_text(encoding="utf-8"))["name"]
        assert all(unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp") for char in read_back)
    line = check_one_error(runner, ["summary", file], [f"Error: {file}: name: must not be empty"])
    assert line.startswith(f"Error: {file}: name: ")


@fuzz_settings(200)
@given(name=st.one_of(INVISIBLE_NAMES, st.text(min_size=1, max_size=8)))
def test_the_schema_and_the_loader_agree_on_a_name(runner, tmp_path_factory, name):
    """An editor validating with `effcli schema` refuses exactly the names the loader refuses (invisible
    ones), within the Basic Multilingual Plane (JSON Schema regexes have no Unicode categories)."""
    import json

    import jsonschema

    from effcli.config.schema import config_schema

    assume(all(ord(char) < 0x10000 for char in name))
    data = _readable()
    data["name"] = name
    folder = tmp_path_factory.mktemp("name")
    (folder / "n.json").write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["summary", str(folder / "n.json"), "-f", "json"], env={"EFFCLI_ENGINE": "analytic"})
    errors = list(jsonschema.Draft7Validator(config_schema()).iter_errors(data))  # the rest is a valid preset
    loader_refuses = result.exit_code == 2 and "name: must not be empty" in result.stderr
    assert loader_refuses == bool(errors), (name, result.stderr, [e.message for e in errors])


def test_a_visible_name_keeps_its_inner_characters_and_loses_invisible_ends(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = _readable()
    data["name"] = "\u200b\ufeffmy\u00a0net\u2060 "
    file = _write(tmp_path, data)
    result = runner.invoke(app, ["summary", file, "-f", "json"], env={"EFFCLI_ENGINE": "analytic"})
    assert result.exit_code == 0, result.stderr
    import json

    assert json.loads(result.stdout)["name"] == "my\u00a0net"


def _name_max(folder) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


@fuzz_settings(60)
@given(
    extra=st.integers(1, 3000),
    suffix=st.sampled_from(["", ".yaml", ".yml", ".json", ".keras"]),
    command=st.sampled_from(sorted(COMMANDS)),
    folder=st.booleans(),
)
def test_names_longer_than_the_file_system_allows(runner, tmp_path, monkeypatch, extra, suffix, command, folder):
    monkeypatch.chdir(tmp_path)
    long = "n" * (_name_max(tmp_path) + extra)
    target = f"{long}/x{suffix}" if folder else f"{long}{suffix}"
    if suffix == ".keras" and command in ("summary", "explain", "compare", "draw", "chart", "report"):
        return  # a saved model: the .keras reader's own tests
    words = ["is a saved Keras model"] if suffix == ".keras" else []
    line = check_one_error(runner, COMMANDS[command](target), [f"Error: {target}: ", *words])
    if not words and (suffix or folder):
        assert "too long" in line, line[-200:]


# ---------------------------------------------------------------- .keras where a config is needed


@pytest.mark.parametrize("exists", [True, False])
@pytest.mark.parametrize(
    "args",
    [
        ["export", "m.keras"],
        ["export", "m.keras", "-o", "x.yaml"],
        ["build", "m.keras", "-o", "y.keras"],
        ["scale", "-b", "m.keras", "-w", "1", "-d", "1"],
        ["scale", "--base", "m.keras", "--phi", "1"],
        ["plan", "--max-params", "20M", "--base", "m.keras"],
    ],
)
def test_a_keras_file_where_a_config_is_needed(runner, tmp_path, monkeypatch, args, exists):
    monkeypatch.chdir(tmp_path)
    if exists:
        (tmp_path / "m.keras").write_text("x")
    line = check_one_error(runner, args, ["Error: m.keras: is a saved Keras model", "summary, explain, compare, draw"])
    assert "(top level)" not in line and "too large" not in line


def test_a_file_named_like_a_preset_yields_to_it_with_a_note(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b0").write_text("not: a config\n")
    result = runner.invoke(app, ["export", "b0"], env={"EFFCLI_ENGINE": "analytic"})
    assert result.exit_code == 0 and "name: efficientnetv2_b0" in result.stdout
    assert result.stderr == (
        "Note: 'b0' is the preset efficientnetv2_b0; a file of that name is here too (write ./b0 for the file)\n"
    )
    check_one_error(runner, ["export", "./b0"], ["Error: ./b0: stages: missing"])


# ---------------------------------------------------------------- integers of thousands of digits


def _huge_integer(base: str, digits: int, negative: bool) -> str:
    """The YAML 1.1 text of an integer of about ``digits`` decimal digits, in ``base``."""
    sign = "-" if negative else ""
    if base == "hex":
        return f"{sign}0x{'f' * (digits * 5 // 6)}"
    if base == "octal":
        return f"{sign}0{'7' * (digits * 10 // 9)}"
    if base == "binary":
        return f"{sign}0b{'1' * (digits * 10 // 3)}"
    if base == "sexagesimal":
        return f"{sign}1:{':'.join(['59'] * (digits * 4 // 7))}"
    if base == "underscored":
        return f"{sign}1_{'000_' * (digits // 3)}0"
    return f"{sign}{'9' * digits}"


BASES = ["decimal", "hex", "octal", "binary", "sexagesimal", "underscored"]


INTEGER = "got an integer of"
# place: (the keys that lead to it in a readable config, the field the error names, the text that must follow it);
# any other place is a top-level key of that name
FIELDS = {
    "stage": (("stages", 2, "output_filters"), "stages[2].output_filters", INTEGER),
    "stage kernel": (("stages", 0, "kernel_size"), "stages[0].kernel_size", INTEGER),
    "stage strides": (("stages", 1, "strides"), "stages[1].strides", INTEGER),
    "se_ratio": (("stages", 4, "se_ratio"), "stages[4].se_ratio", INTEGER),
    "input_shape": (("input_shape",), "input_shape (width)", INTEGER),
    "unknown key": (("mystery",), "mystery", "unknown key"),
    "unknown stage key": (("stages", 3, "mystery"), "stages[3].mystery", "unknown key"),
    "name": (("name",), "name", "expected a string, got an integer of"),
    "description": (("description",), "description", "expected a string, got an integer of"),
    "family": (("family",), "family", "an integer of"),
}


def _set_field(data: dict, place: str, text_marker: str) -> tuple[str, str]:
    """Put the marker at ``place``; return (the field the error names, the text that must follow it)."""
    (*parents, key), field, words = FIELDS.get(place, ((place,), place, INTEGER))
    for parent in parents:
        data = data[parent]
    data[key] = [224, text_marker, 3] if place == "input_shape" else text_marker
    return field, words


PLACES = [
    "width_coefficient",
    "depth_coefficient",
    "depth_divisor",
    "min_depth",
    "native_resolution",
    "drop_rate",
    "stage",
    "stage kernel",
    "stage strides",
    "se_ratio",
    "input_shape",
    "name",
    "description",
    "family",
    "unknown key",
    "unknown stage key",
]
MARKER = "HUGE-INTEGER-HERE"


@fuzz_settings(300)
@given(
    base=st.sampled_from(BASES),
    digits=st.one_of(st.integers(45, 200), st.integers(4200, 12_000), st.just(5000)),
    negative=st.booleans(),
    place=st.sampled_from(PLACES),
)
def test_huge_integers_in_a_config_name_the_field(runner, tmp_path, monkeypatch, base, digits, negative, place):
    monkeypatch.chdir(tmp_path)
    data = copy.deepcopy(_readable())
    field, words = _set_field(data, place, MARKER)
    text = yaml.safe_dump(data, sort_keys=False).replace(MARKER, _huge_integer(base, digits, negative))
    (tmp_path / "huge.yaml").write_text(text)
    line = check_one_error(runner, ["summary", "huge.yaml"], [f"Error: huge.yaml: {field}", words])
    assert "4300" not in line and len(line) < 1000


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(
    ("key", "where"),
    [
        ("stackwise_output_filters", "stackwise_output_filters[1]"),
        ("stackwise_kernel_sizes", "stackwise_kernel_sizes[0]"),
        ("width_coefficient", "width_coefficient"),
        ("depth_divisor", "depth_divisor"),
    ],
)
def test_huge_integers_in_a_keras_cv_config(runner, tmp_path, monkeypatch, base, key, where):
    monkeypatch.chdir(tmp_path)
    data = _keras_cv()
    if key.startswith("stackwise_"):
        data[key][int(where[-2])] = MARKER
    else:
        data[key] = MARKER
    text = yaml.safe_dump(data, sort_keys=False).replace(MARKER, _huge_integer(base, 5000, False))
    (tmp_path / "cv.yaml").write_text(text)
    check_one_error(runner, ["summary", "cv.yaml"], [f"Error: cv.yaml: {where}", "an integer of"])


@pytest.mark.parametrize("digits", [41, 4301, 5000, 100_000])
@pytest.mark.parametrize("place", ["width_coefficient", "stage", "mystery"])
def test_huge_integers_in_a_json_config(runner, tmp_path, monkeypatch, digits, place):
    monkeypatch.chdir(tmp_path)
    data = _readable()
    field, words = _set_field(data, place if place != "mystery" else "unknown key", MARKER)
    import json

    (tmp_path / "c.json").write_text(json.dumps(data).replace(f'"{MARKER}"', "9" * digits))
    check_one_error(runner, ["summary", "c.json"], [f"Error: c.json: {field}", words])


@pytest.mark.parametrize("base", BASES)
def test_a_huge_integer_as_a_key(runner, tmp_path, monkeypatch, base):
    monkeypatch.chdir(tmp_path)
    text = yaml.safe_dump(_readable(), sort_keys=False) + f"? {_huge_integer(base, 5000, False)}\n: 1\n"  # a long key
    (tmp_path / "key.yaml").write_text(text)
    check_one_error(runner, ["summary", "key.yaml"], ["Error: key.yaml: (top level): keys must be strings"])


@pytest.mark.parametrize("base", BASES)
def test_a_config_of_a_megabyte_of_digits_is_quick(runner, tmp_path, monkeypatch, base):
    """Close to MAX_CONFIG_BYTES of one integer (base 60's naive conversion is quadratic): still instant."""
    monkeypatch.chdir(tmp_path)
    digits = {"decimal": 900_000, "hex": 700_000, "octal": 800_000, "binary": 250_000}.get(base, 400_000)
    text = yaml.safe_dump(_readable(), sort_keys=False).replace("depth_divisor: 8", "depth_divisor: " + MARKER)
    (tmp_path / "mb.yaml").write_text(text.replace(MARKER, _huge_integer(base, digits, False)))
    check_one_error(runner, ["summary", "mb.yaml"], ["Error: mb.yaml: depth_divisor: must be from 1 to 1024"])


# ---------------------------------------------------------------- scale's number options

HUGE_DECIMAL = "9" * 5000
FLOAT_OPTIONS = ["--width", "--depth", "--phi", "--alpha", "--beta", "--gamma"]
BAD_FLOATS = ["nan", "-nan", "inf", "-inf", "1e308", "-1e308", "1e400", HUGE_DECIMAL, "-" + HUGE_DECIMAL, "1e-308"]


def _scale_args(option: str, value: str) -> list[str]:
    if option in ("--width", "--depth"):
        other = "--depth" if option == "--width" else "--width"
        return ["scale", f"{option}={value}", other, "1"]
    if option == "--phi":
        return ["scale", f"--phi={value}"]
    return ["scale", "--phi", "1", f"{option}={value}"]


@pytest.mark.parametrize("option", FLOAT_OPTIONS)
@pytest.mark.parametrize("value", BAD_FLOATS, ids=lambda v: f"{v[:6]}..{len(v)}")
def test_non_finite_and_huge_scale_options(runner, tmp_path, monkeypatch, option, value):
    monkeypatch.chdir(tmp_path)
    if value == "1e-308" and option in ("--phi", "--width", "--depth"):
        return  # a valid value of these (the compound bases start at 0.01)
    line = check_one_error(runner, _scale_args(option, value), [f"Error: {option}: must be a number in "])
    assert len(line) < 300


@fuzz_settings(200)
@given(
    option=st.sampled_from(FLOAT_OPTIONS),
    value=st.one_of(
        st.floats(min_value=100.0, exclude_min=True),
        st.floats(max_value=-100.0, exclude_max=True),
        st.sampled_from([float("nan"), float("inf"), float("-inf")]),
    ),
)
def test_generated_out_of_range_scale_options(runner, tmp_path, monkeypatch, option, value):
    monkeypatch.chdir(tmp_path)
    check_one_error(runner, _scale_args(option, repr(value)), [f"Error: {option}: "])


@pytest.mark.parametrize("option", ["--phi", "--alpha", "--beta", "--gamma"])
@pytest.mark.parametrize("value", ["100", "-100", "0.01", "99.9"])
def test_extreme_valid_compound_values_never_overflow(runner, tmp_path, monkeypatch, option, value):
    """At the bounds the compound rule stays finite: an error about the result, or a result; never a crash."""
    monkeypatch.chdir(tmp_path)
    for phi in ("100", "-100", "1"):
        args = ["scale", "--phi", phi] if option != "--phi" else ["scale"]
        args += [option, value]
        result = runner.invoke(app, args, env={"EFFCLI_ENGINE": "analytic"}, catch_exceptions=True)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 2), result.stderr
        if result.exit_code == 2:
            assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: --"), result.stderr


@pytest.mark.parametrize("option", ["--divisor", "--min-depth"])
@pytest.mark.parametrize("value", ["0", "-1", "1025", str(10**30), "-" + str(10**30), HUGE_DECIMAL, "nan", "1e3"])
def test_integer_scale_options(runner, tmp_path, monkeypatch, option, value):
    monkeypatch.chdir(tmp_path)
    if option == "--min-depth" and value == "1025":
        return  # a valid minimum depth
    check_one_error(runner, ["scale", "--width", "1", "--depth", "1", f"{option}={value}"], [option])


# ---------------------------------------------------------------- plan's counts, resolutions

HUGE_COUNTS = [
    HUGE_DECIMAL,
    "9" * 100_000,
    "9" * 100_000 + "x",
    "1" + "0" * 5000 + "M",
    "0." + "0" * 5000 + "1",
    "1e999999",
    "1e-999999",
    "0x" + "f" * 5000,
    "-" + HUGE_DECIMAL,
    "." * 5000,
    "1" * 50_000 + "." + "1" * 50_000 + "e",
]


@pytest.mark.parametrize("option", ["--max-params", "--max-macs"])
@pytest.mark.parametrize("value", HUGE_COUNTS, ids=lambda v: f"{v[:6]}..{len(v)}")
def test_huge_counts(runner, tmp_path, monkeypatch, option, value):
    monkeypatch.chdir(tmp_path)
    args = ["plan", "--max-params", "20M"] if option == "--max-macs" else ["plan"]
    line = check_one_error(runner, [*args, f"{option}={value}"], [f"Error: {option}: "])
    assert len(line) < 300


@fuzz_settings(100)
@given(
    digits=st.integers(16, 20_000),
    suffix=st.sampled_from(["", "k", "M", "G", "B", "x", ".5", "e5", " "]),
)
def test_generated_huge_counts(runner, tmp_path, monkeypatch, digits, suffix):
    monkeypatch.chdir(tmp_path)
    check_one_error(runner, ["plan", f"--max-params={'7' * digits}{suffix}"], ["Error: --max-params: "])


RESOLUTIONS = [HUGE_DECIMAL, f"{HUGE_DECIMAL}x224", f"224x{HUGE_DECIMAL}", "0x" + "f" * 5000, "9" * 100_000]


@pytest.mark.parametrize("value", RESOLUTIONS, ids=lambda v: f"{v[:6]}..{len(v)}")
@pytest.mark.parametrize("command", ["summary", "scale", "plan"])
def test_huge_resolutions(runner, tmp_path, monkeypatch, value, command):
    monkeypatch.chdir(tmp_path)
    args = {
        "summary": ["summary", "b0"],
        "scale": ["scale", "--phi", "1"],
        "plan": ["plan", "--max-params", "20M"],
    }[command]
    if command == "plan" and "x" in value[1:]:
        value = value.replace("x", ":")
    line = check_one_error(runner, [*args, f"--resolution={value}"], ["Error: --resolution: "])
    assert len(line) < 300


def test_a_huge_plan_resolution_range(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    value = f"1:{HUGE_DECIMAL}:{HUGE_DECIMAL}"
    check_one_error(runner, ["plan", "--max-params", "20M", f"--resolution={value}"], ["Error: --resolution: "])


def test_every_special_kind_is_not_a_regular_file():
    """The premise of the special-file tests: each kind really is no regular file."""
    for path in ("/dev/zero", "/dev/null"):
        if os.path.exists(path):
            assert not stat.S_ISREG(os.stat(path).st_mode)
