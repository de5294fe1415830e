"""Fuzz suite: over 2,000 generated bad inputs through the real CLI entry point.

Every case must end with exit code 2 and exactly one `Error:` line on stderr that
names the file and the field (or the option), with no traceback, within a few
seconds and bounded memory. Generated cases run in-process through the Typer app
(its `main` is the console script's); hand-picked hostile files run as separate
processes under a memory limit (test_hostile_inputs).
"""

from __future__ import annotations

import copy
import os
import resource
import time

import pytest
import yaml
from _processes import as_nobody_if_root, run_limited
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effcli.cli import app
from effcli.config.presets import load_preset, preset_files

SECONDS_PER_CASE = 5.0
PEAK_GROWTH_PER_CASE = 64 * 2**20  # growth of the process's peak resident memory during one case
COUNTS = {"readable": 0, "keras-cv": 0, "command line": 0}


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


READABLE = {
    name: yaml.safe_load(preset_files()[name].read_text())
    for name in ("efficientnetv2_b2", "efficientnetv1_b3", "efficientnetlite_b1")
}
KERAS_CV = {}
for _name in READABLE:
    _config = load_preset(_name).to_keras_cv_config()
    _config["family"] = load_preset(_name).family
    KERAS_CV[_name] = _config

# ---------------------------------------------------------------- invalid values

SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12)
NESTED = st.integers(1, 60).map(lambda depth: _nest(depth))
OTHER_TYPES = st.one_of(
    st.lists(st.integers(), max_size=3),
    st.dictionaries(SAFE_TEXT, st.integers(), min_size=1, max_size=2),
    NESTED,
    st.binary(max_size=4),
)
NON_FINITE = st.sampled_from([float("nan"), float("inf"), float("-inf")])


def _nest(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def bad_int(low: int, high: int, *, nullable_ok: bool = False, extra=()):
    options = [
        st.integers(max_value=low - 1, min_value=-(10**40)),
        st.integers(min_value=high + 1, max_value=10**40),
        st.floats(allow_nan=True, allow_infinity=True),
        NON_FINITE,
        SAFE_TEXT,
        st.booleans(),
        OTHER_TYPES,
        *extra,
    ]
    if not nullable_ok:
        options.append(st.none())
    return st.one_of(options)


def bad_float(low: float, high: float, *, low_open: bool, nullable_ok: bool = False):
    below = st.floats(max_value=low, exclude_max=not low_open, allow_nan=False, allow_infinity=False)
    options = [
        below,
        st.floats(min_value=high, exclude_min=True, allow_nan=False, allow_infinity=False),
        st.integers(min_value=int(high) + 1, max_value=10**30),
        NON_FINITE,
        SAFE_TEXT,
        st.booleans(),
        OTHER_TYPES,
    ]
    if low_open:
        options.append(st.just(0))
    if not nullable_ok:
        options.append(st.none())
    return st.one_of(options)


def bad_choice(valid):
    return st.one_of(SAFE_TEXT.filter(lambda t: t not in valid), st.integers(), st.none(), st.booleans(), OTHER_TYPES)


BAD_BOOL = st.one_of(st.integers(), SAFE_TEXT, st.none(), st.floats(), OTHER_TYPES)
BAD_TEXT = st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), OTHER_TYPES, st.sampled_from(["", "  "]))
KEY = st.text(
    st.characters(whitelist_categories=("Ll", "Lu", "Lo", "Nd"), whitelist_characters="_-"), min_size=1, max_size=15
)

STAGE_FIELDS = {
    "kernel_size": bad_int(1, 31, extra=(st.sampled_from([2, 4, 6, 30]),)),
    "repeats": bad_int(1, 1000),
    "input_filters": bad_int(1, 100_000),
    "output_filters": bad_int(1, 100_000),
    "expand_ratio": bad_int(1, 64),
    "strides": bad_int(1, 2, extra=(st.sampled_from([0, 3, 4, -1]),)),
}
GLOBAL_FIELDS = {
    "width_coefficient": bad_float(0.0, 100.0, low_open=True),
    "depth_coefficient": bad_float(0.0, 100.0, low_open=True),
    "drop_rate": bad_float(0.0, 1.0, low_open=False),
    "depth_divisor": bad_int(1, 1024),
    "native_resolution": bad_int(1, 8192, nullable_ok=True),
    "include_rescaling": BAD_BOOL,
    "trainable": BAD_BOOL,
    "name": BAD_TEXT,
    "description": st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), OTHER_TYPES),
    "input_shape": st.one_of(
        st.lists(st.integers(1, 300), max_size=2),
        st.lists(st.integers(1, 300), min_size=4, max_size=6),
        st.tuples(st.integers(max_value=0), st.integers(1, 300), st.just(3)).map(list),
        st.tuples(st.integers(1, 300), st.integers(1, 300), st.integers(max_value=0)).map(list),
        st.tuples(st.integers(1, 300), st.none(), st.just(3)).map(list),
        SAFE_TEXT,
        st.integers(),
        st.floats(),
    ),
}


@st.composite
def readable_mutation(draw):
    name = draw(st.sampled_from(sorted(READABLE)))
    data = copy.deepcopy(READABLE[name])
    family = data["family"]
    kind = draw(st.sampled_from(["stage", "global", "choice", "missing", "unknown"]))
    stages = data["stages"]
    if kind == "stage":
        index = draw(st.integers(0, len(stages) - 1))
        fields = dict(STAGE_FIELDS)
        if family != "efficientnetlite":
            fields["se_ratio"] = bad_float(0.0, 1.0, low_open=False, nullable_ok=True)
        key = draw(st.sampled_from(sorted(fields)))
        stages[index][key] = draw(fields[key])
        return name, data, f"stages[{index}].{key}"
    if kind == "global":
        fields = dict(GLOBAL_FIELDS)
        if family == "efficientnetv2":
            fields["min_depth"] = bad_int(1, 100_000, nullable_ok=True)
        key = draw(st.sampled_from(sorted(fields)))
        data[key] = draw(fields[key])
        return name, data, key
    if kind == "choice":
        target = draw(st.sampled_from(["family", "activation", "block"]))
        if target == "block":
            index = draw(st.integers(0, len(stages) - 1))
            stages[index]["block"] = draw(bad_choice({"fused", "mbconv", "unfused"}))
            return name, data, f"stages[{index}].block"
        from effcli.core.families import FAMILIES
        from effcli.core.spec import ACTIVATIONS

        data[target] = draw(bad_choice(set(FAMILIES) if target == "family" else set(ACTIVATIONS)))
        return name, data, target
    if kind == "missing":
        if draw(st.booleans()):
            index = draw(st.integers(0, len(stages) - 1))
            required = ["kernel_size", "repeats", "input_filters", "output_filters", "expand_ratio", "strides"]
            if family == "efficientnetv2":
                required.append("block")
            key = draw(st.sampled_from(required))
            del stages[index][key]
            return name, data, f"stages[{index}].{key}"
        del data["stages"]
        return name, data, "stages"
    # unknown key, at the top level or in a stage
    if draw(st.booleans()):
        key = draw(
            KEY.filter(
                lambda k: (
                    k not in READABLE[name]
                    and k not in ("stages",)
                    and k not in GLOBAL_FIELDS
                    and k not in ("min_depth", "family", "activation")
                )
            )
        )
        data[key] = draw(st.one_of(st.integers(), SAFE_TEXT))
        return name, data, key
    index = draw(st.integers(0, len(stages) - 1))
    key = draw(KEY.filter(lambda k: k not in STAGE_FIELDS and k not in ("block", "se_ratio")))
    stages[index][key] = 1
    return name, data, f"stages[{index}].{key}"


STACKWISE_FIELDS = {
    "stackwise_kernel_sizes": STAGE_FIELDS["kernel_size"],
    "stackwise_num_repeats": STAGE_FIELDS["repeats"],
    "stackwise_input_filters": STAGE_FIELDS["input_filters"],
    "stackwise_output_filters": STAGE_FIELDS["output_filters"],
    "stackwise_expansion_ratios": STAGE_FIELDS["expand_ratio"],
    "stackwise_strides": STAGE_FIELDS["strides"],
}


@st.composite
def keras_cv_mutation(draw):
    name = draw(st.sampled_from(sorted(KERAS_CV)))
    data = copy.deepcopy(KERAS_CV[name])
    lists = [k for k in data if k.startswith("stackwise_")]
    kind = draw(st.sampled_from(["element", "length", "empty", "missing", "global"]))
    if kind == "element":
        fields = dict(STACKWISE_FIELDS)
        if "stackwise_squeeze_and_excite_ratios" in data:
            fields["stackwise_squeeze_and_excite_ratios"] = bad_float(0.0, 1.0, low_open=False, nullable_ok=True)
        if "stackwise_conv_types" in data:
            fields["stackwise_conv_types"] = bad_choice({"fused", "mbconv", "unfused"})
        key = draw(st.sampled_from(sorted(fields)))
        index = draw(st.integers(0, len(data[key]) - 1))
        data[key][index] = draw(fields[key])
        return name, data, f"{key}[{index}]"
    if kind == "length":
        key = draw(st.sampled_from([k for k in lists if k != "stackwise_kernel_sizes"]))
        if draw(st.booleans()):
            data[key].pop(draw(st.integers(0, len(data[key]) - 1)))
        else:
            data[key].append(data[key][0])
        return name, data, key
    if kind == "empty":
        key = draw(st.sampled_from(lists))
        data[key] = draw(st.sampled_from([[], None, 0, "list", {}]))
        return name, data, key
    if kind == "missing":
        key = draw(st.sampled_from(lists + ["width_coefficient", "depth_coefficient"]))
        del data[key]
        return name, data, key
    key = draw(st.sampled_from(["width_coefficient", "depth_coefficient", "depth_divisor"]))
    fields = {
        "width_coefficient": GLOBAL_FIELDS["width_coefficient"],
        "depth_coefficient": GLOBAL_FIELDS["depth_coefficient"],
        "depth_divisor": GLOBAL_FIELDS["depth_divisor"],
    }
    data[key] = draw(fields[key])
    return name, data, key


# ---------------------------------------------------------------- running


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def check_one_error(runner, args: list[str], names: list[str], env=None):
    """Run the CLI; exit code 2, one 'Error:' line naming every string in ``names``, fast, small."""
    peak_before = _peak_rss()
    start = time.perf_counter()
    result = runner.invoke(app, args, env={"EFFCLI_ENGINE": "analytic", **(env or {})}, catch_exceptions=True)
    elapsed = time.perf_counter() - start
    growth = _peak_rss() - peak_before
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (args, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    for name in names:
        assert " ".join(name.split()) in lines[0], (name, lines[0])
    assert elapsed < SECONDS_PER_CASE, elapsed
    assert growth < PEAK_GROWTH_PER_CASE, growth
    return lines[0]


def write_config(tmp_path, data) -> str:
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path.name


@fuzz_settings(900)
@given(case=readable_mutation())
def test_fuzz_readable_configs(runner, tmp_path, monkeypatch, case):
    _, data, field = case
    monkeypatch.chdir(tmp_path)
    file = write_config(tmp_path, data)
    line = check_one_error(runner, ["summary", file], [file])
    assert line.startswith(f"Error: {file}: {field}"), (field, line)
    COUNTS["readable"] += 1


@fuzz_settings(700)
@given(case=keras_cv_mutation())
def test_fuzz_keras_cv_configs(runner, tmp_path, monkeypatch, case):
    _, data, field = case
    monkeypatch.chdir(tmp_path)
    file = write_config(tmp_path, data)
    line = check_one_error(runner, ["summary", file, "-f", "json"], [file])
    assert line.startswith(f"Error: {file}: {field}"), (field, line)
    COUNTS["keras-cv"] += 1


BAD_NUMBERS = st.one_of(
    st.sampled_from(["0", "-1", "nan", "inf", "-inf", "1e9", "101", "-0.0", "", "1,2", "0x10"]),
    st.floats(max_value=0, allow_nan=False).map(repr),
    st.floats(min_value=100.0001, allow_infinity=False).map(repr),
    SAFE_TEXT.filter(lambda t: not _is_valid_coefficient(t) and not t.startswith("-")),
)


def _is_valid_coefficient(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return 0 < value <= 100


def _is_valid_resolution(text: str) -> bool:
    parts = text.strip().lower().replace("*", "x").split("x")
    if text.strip().lower() == "native":
        return True
    return len(parts) in (1, 2) and all(
        p.strip().isascii() and p.strip().isdigit() and 1 <= int(p) <= 8192 for p in parts
    )


@st.composite
def command_line_mutation(draw):
    kind = draw(st.sampled_from(["width", "depth", "resolution", "format", "engine", "model", "divisor"]))
    if kind in ("width", "depth"):
        value = draw(BAD_NUMBERS)
        args = (
            ["scale", "--width", value, "--depth", "1"]
            if kind == "width"
            else ["scale", "--width", "1", "--depth", value]
        )
        return list(args), f"--{kind}"
    if kind == "divisor":
        value = draw(st.one_of(st.integers(max_value=0), st.integers(min_value=1025)).map(str))
        return ["scale", "--width", "1", "--depth", "1", "--divisor", value], "--divisor"
    if kind == "resolution":
        value = draw(
            st.one_of(
                st.integers(max_value=0).map(str),
                st.integers(min_value=8193).map(str),
                st.sampled_from(["0", "100000", "224x0", "x", "224x224x3", "natve", "-5", ""]),
                SAFE_TEXT.filter(lambda t: not _is_valid_resolution(t) and not t.startswith("-")),
            )
        )
        return ["summary", "b0", "--resolution", value], "--resolution"
    if kind == "format":
        value = draw(
            SAFE_TEXT.filter(lambda t: t.lower() not in ("table", "json", "csv", "markdown") and not t.startswith("-"))
        )
        return ["summary", "b0", "--format", value], "--format"
    if kind == "engine":
        value = draw(SAFE_TEXT.filter(lambda t: t.lower() not in ("keras", "analytic") and not t.startswith("-")))
        return ["compare", "b0", "b1", "--engine", value], "--engine"
    from effcli.config.presets import canonical_name

    name = draw(
        SAFE_TEXT.filter(
            lambda t: (
                t.strip()
                and canonical_name(t) is None
                and not t.startswith("-")
                and not os.path.exists(t)
                and "/" not in t
                and "\\" not in t
            )
        )
    )
    from effcli.core.limits import strip_invisible

    if not strip_invisible(name):  # a soft hyphen alone, say: the error shows it escaped, as repr() does
        return ["summary", name], repr(name)
    return ["summary", name], name


@fuzz_settings(450)
@given(case=command_line_mutation())
def test_fuzz_command_line(runner, tmp_path, monkeypatch, case):
    args, named = case
    monkeypatch.chdir(tmp_path)
    check_one_error(runner, args, [named])
    COUNTS["command line"] += 1


def test_fuzz_case_count():
    """CI runs at least 2,000 generated bad inputs (when the three fuzz tests above ran)."""
    if not all(COUNTS.values()):
        pytest.skip("the fuzz tests did not all run in this session")
    assert sum(COUNTS.values()) >= 2000, COUNTS


# ---------------------------------------------------------------- hand-picked, in separate processes


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, letter in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(
            f"{letter}: &{letter} [*{previous},*{previous},*{previous},*{previous},*{previous},"
            f"*{previous},*{previous},*{previous},*{previous}]"
        )
    lines.append("stages: *i")
    return "\n".join(lines) + "\n"


def _hostile_files(tmp_path):
    files = {
        "empty.yaml": ("", "empty document"),
        "binary.yaml": (bytes(range(256)) * 8, "not a text file"),
        "syntax.yaml": ("stages: [\n  {block: fused,\n", "invalid YAML: line"),
        "colon.yaml": ("a: b: c\n", "invalid YAML: line"),
        "tab.yaml": ("stages:\n\t- 1\n", "invalid YAML"),
        "quote.yaml": ("name: 'unclosed\n", "invalid YAML"),
        "duplicate.yaml": ("name: a\nname: b\nstages: []\n", "duplicate key 'name'"),
        "apply.yaml": ("!!python/object/apply:os.system ['touch pwned']\n", "invalid YAML"),
        "name.yaml": ("stages: !!python/name:os.system\n", "invalid YAML"),
        "new.yaml": ("!!python/object/new:os.system [echo]\n", "invalid YAML"),
        "module.yaml": ("x: !!python/module:os\n", "invalid YAML"),
        "laughs.yaml": (_billion_laughs(), "laughs.yaml: "),
        "deep.yaml": ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
        "huge.yaml": (None, "too large"),
        "date.yaml": ("name: 2001-02-30\nstages: []\n", "invalid YAML"),
        "unicode.yaml": ("famille: efficientnetv2\nstages: [{block: fusé}]\n", "famille"),
    }
    paths = {}
    for name, (content, words) in files.items():
        path = tmp_path / name
        if content is None:  # 50 MB of valid-looking YAML
            with open(path, "w") as handle:
                handle.write("stages:\n")
                chunk = "  - {block: fused, kernel_size: 3, repeats: 1, input_filters: 32, output_filters: 16}\n"
                while handle.tell() < 50 * 2**20:
                    handle.write(chunk * 1000)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        paths[name] = words
    (tmp_path / "adir.yaml").mkdir()
    paths["adir.yaml"] = "is a directory"
    paths["missing.yaml"] = "no such file"
    return paths


def _run_limited(args, cwd, as_nobody=False):
    return run_limited("from effcli.cli import main; main()", args, cwd, as_nobody=as_nobody, EFFCLI_ENGINE="analytic")


def _assert_one_error(result, elapsed, words):
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], result.stderr
    assert elapsed < 10, elapsed


def test_hostile_files(tmp_path):
    for name, words in _hostile_files(tmp_path).items():
        result, elapsed = _run_limited(["summary", name], tmp_path)
        _assert_one_error(result, elapsed, words)
        assert result.stderr.startswith(f"Error: {name}: ")
    assert not (tmp_path / "pwned").exists()


def test_unreadable_file(tmp_path):
    """A file effcli may not read (as root, the check runs as user nobody: root reads everything)."""
    as_nobody = as_nobody_if_root()
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    path = folder / "secret.yaml"
    path.write_text(preset_files()["efficientnetv2_b0"].read_text())
    path.chmod(0)
    result, elapsed = _run_limited(["summary", str(path)], folder, as_nobody=as_nobody)
    _assert_one_error(result, elapsed, "permission denied")
    assert result.stderr.startswith(f"Error: {path}: cannot read")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["scale", "--width", "0", "--depth", "1"], "--width"),
        (["scale", "--width", "-1", "--depth", "1"], "--width"),
        (["scale", "--width", "nan", "--depth", "1"], "--width"),
        (["scale", "--width", "1e9", "--depth", "1"], "--width"),
        (["summary", "b0", "--resolution", "0"], "--resolution"),
        (["summary", "b0", "--resolution", "100000"], "--resolution"),
        (["summary", "efficientnetv2_b7"], "unknown model 'efficientnetv2_b7'"),
        (["summary", "b0", "--format", "yaml"], "--format"),
        (["compare", "b0"], "two or more"),
        (["build", "b0", "--output", "x.h5"], "--output"),
    ],
)
def test_bad_command_line_in_a_real_process(tmp_path, args, words):
    result, elapsed = _run_limited(args, tmp_path)
    _assert_one_error(result, elapsed, words)
