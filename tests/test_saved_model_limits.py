"""Hostile and wrong saved .keras models: refused before Keras loads anything, in one line, with exit code 2.

Every case ends with exit code 2, nothing on stdout and exactly one ``Error: <file>: ...``
line on stderr, never a traceback, never exit 1, never a hang. The archives are
generated here (zip bombs, lying headers, too many members, absurd layer settings,
too many layers, models that are not 2-D image backbones); the few cases that need a
real Keras file build a tiny one (marked ``keras``). The memory cases run as separate
processes under a memory limit and must finish in seconds.
"""

from __future__ import annotations

import errno
import json
import os
import struct
import time
import zipfile
from pathlib import Path

import pytest
from _processes import as_nobody_if_root, run_limited
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from effcli.core.limits import (
    MAX_FILTERS,
    MAX_KERAS_CONFIG_BYTES,
    MAX_KERAS_LAYERS,
    MAX_KERAS_MEMBERS,
    MAX_KERNEL,
)

SECONDS = 10.0  # a hang guard for a refusal made before TensorFlow is imported (it takes ~0.1 s)
PEAK_RSS = 300 * 2**20  # a refusal reads the zip's directory and at most 16 MiB of config.json

# ---------------------------------------------------------------- building archives


def layer(kind: str, name: str, shape: list | None = None, previous: str | None = None, **config) -> dict:
    """A layer as Keras 3 writes it into config.json (with its build config and inbound tensor)."""
    entry: dict = {
        "module": "keras.layers",
        "class_name": kind,
        "config": {"name": name, "trainable": True, **config},
        "registered_name": None,
        "name": name,
        "inbound_nodes": [],
    }
    if previous is not None:
        tensor = {"class_name": "__keras_tensor__", "config": {"shape": shape, "keras_history": [previous, 0, 0]}}
        entry["inbound_nodes"] = [{"args": [tensor], "kwargs": {}}]
        entry["build_config"] = {"input_shape": shape}
    return entry


def model(layers: list[dict], kind: str = "Functional", name: str = "backbone") -> dict:
    return {
        "module": "keras.src.models.functional",
        "class_name": kind,
        "config": {
            "name": name,
            "trainable": True,
            "layers": layers,
            "input_layers": [["input_layer", 0, 0]],
            "output_layers": [[layers[-1]["name"], 0, 0]],
        },
        "registered_name": kind,
        "build_config": {"input_shape": None},
        "name": name,
    }


def backbone(*extra: dict, input_shape: list | None = None) -> dict:
    """A small valid-looking backbone: an input, a stem Conv2D, then ``extra`` layers after it."""
    shape = [None, 32, 32, 3] if input_shape is None else input_shape
    layers = [
        layer("InputLayer", "input_layer", batch_shape=shape),
        layer("Conv2D", "stem_conv", shape, "input_layer", filters=8, kernel_size=[3, 3], strides=[2, 2]),
    ]
    previous = "stem_conv"
    for entry in extra:
        if entry["class_name"] not in ("Functional", "Sequential") and not entry["inbound_nodes"]:
            settings = {k: v for k, v in entry["config"].items() if k not in ("name", "trainable")}
            entry = layer(entry["class_name"], entry["name"], [None, 16, 16, 8], previous, **settings)
        layers.append(entry)
        previous = entry["name"]
    return model(layers)


def write_keras(
    path: Path,
    config: dict | bytes,
    *,
    weights: bytes = b"\x89HDF\r\n\x1a\n" + bytes(56),
    compression: int = zipfile.ZIP_STORED,
    extra: dict[str, bytes] | None = None,
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", config if isinstance(config, bytes) else json.dumps(config))
        archive.writestr("model.weights.h5", weights)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def lie_about_size(path: Path, member: str, declared: int, *, compressed: int | None = None) -> None:
    """Rewrite the sizes the zip headers declare for ``member`` (the data is left as it is)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(member).header_offset
    struct.pack_into("<L", data, offset + 22, declared)
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        if data[at + 46 : at + 46 + len(name)] == name:
            struct.pack_into("<L", data, at + 24, declared)
            if compressed is not None:
                struct.pack_into("<L", data, at + 20, compressed)
        at = data.find(b"PK\x01\x02", at + 1)
    path.write_bytes(bytes(data))


def assert_one_error(code: int, out: str, err: str, name: str, *words: str) -> None:
    assert code == 2, (code, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"Error: {name}: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], err


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@pytest.fixture
def refuse(run, tmp_path):
    """Write ``config`` as name.keras, run `effcli summary` on it and assert one error line with ``words``."""

    def check(config: dict | bytes, *words: str, name: str = "model.keras", args: tuple = (), **archive) -> str:
        write_keras(tmp_path / name, config, **archive)
        start = time.perf_counter()
        code, out, err = run("summary", name, *args)
        assert time.perf_counter() - start < SECONDS
        assert_one_error(code, out, err, name, *words)
        return err

    return check


def test_a_valid_backbone_passes_the_checks(tmp_path):
    """The generated backbone is within every limit: the refusals below are the variations, not the base."""
    from effcli.engines.archive import check_saved_model

    declared = check_saved_model(write_keras(tmp_path / "ok.keras", backbone()))
    assert declared.layers == 2 and declared.params == 3 * 3 * 3 * 8 + 8
    assert declared.input_shape == (None, 32, 32, 3)


# ---------------------------------------------------------------- the zip archive


@given(data=st.binary(max_size=2000))
@fuzz_settings(60)
def test_not_a_zip(run, tmp_path, data):
    if b"PK\x05\x06" in data:
        return
    (tmp_path / "junk.keras").write_bytes(data)
    assert_one_error(*run("summary", "junk.keras"), "junk.keras", "cannot load the model: not a .keras file (not a zip")


def test_not_a_zip_from_the_first_byte(run, tmp_path):
    for index, data in enumerate([b"", b"PK", b"PK\x05\x06", b"PK\x03\x04" + bytes(100), b"\x89HDF\r\n"]):
        name = f"junk{index}.keras"
        (tmp_path / name).write_bytes(data)
        assert_one_error(*run("summary", name), name, "not a zip archive")


def test_no_config_json(run, tmp_path):
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("model.weights.h5", b"")
    assert_one_error(*run("summary", "empty.keras"), "empty.keras", "has no config.json")


@pytest.mark.parametrize("size", [MAX_KERAS_CONFIG_BYTES + 1, 64 * 2**20, 512 * 2**20])
def test_zip_bomb_config(refuse, size):
    """A highly compressible config.json (valid JSON: spaces, then {}) declaring more than the limit."""
    raw = b" " * (size - 2) + b"{}"
    refuse(raw, "'config.json' declares", f"{size:,} bytes", compression=zipfile.ZIP_DEFLATED)


@pytest.mark.parametrize("declared", [MAX_KERAS_CONFIG_BYTES + 1, 2**31, 2**32 - 1])
def test_declared_config_size_is_checked_before_reading(tmp_path, run, declared):
    path = write_keras(tmp_path / "declared.keras", backbone())
    lie_about_size(path, "config.json", declared)
    assert_one_error(*run("summary", "declared.keras"), "declared.keras", f"{declared:,}")


@pytest.mark.parametrize("declared", [0, 10, 100, 1000])
def test_header_lying_about_a_small_size(run, tmp_path, declared):
    """The header declares a few bytes; the member inflates to 40 MB: the read stops at the declared size."""
    path = write_keras(tmp_path / "liar.keras", b" " * (40 * 2**20) + b"{}", compression=zipfile.ZIP_DEFLATED)
    lie_about_size(path, "config.json", declared)
    assert_one_error(*run("summary", "liar.keras"), "liar.keras", "config.json")


@pytest.mark.parametrize("members", [MAX_KERAS_MEMBERS + 1, 5000])
def test_too_many_members(run, tmp_path, members):
    path = write_keras(tmp_path / "many.keras", backbone(), extra={f"assets/{i}": b"" for i in range(members)})
    assert_one_error(*run("summary", "many.keras"), "many.keras", "members")
    # the end record lies (3 members): zipfile's own count is checked too
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 3, 3)
    path.write_bytes(bytes(data))
    assert_one_error(*run("summary", "many.keras"), "many.keras", "members")


def test_a_huge_central_directory(run, tmp_path):
    names = {("x" * 200 + f"{i:06d}"): b"" for i in range(6000)}  # 6,000 x ~250 bytes of directory
    write_keras(tmp_path / "names.keras", backbone(), extra=names)
    assert_one_error(*run("summary", "names.keras"), "names.keras")


@pytest.mark.parametrize("member", ["model.weights.h5", "assets/vocabulary.txt"])
def test_weights_bomb(run, tmp_path, member):
    path = write_keras(tmp_path / "bomb.keras", backbone(), extra={} if member == "model.weights.h5" else {member: b""})
    lie_about_size(path, member, 4 * 2**30 - 1)
    assert_one_error(*run("summary", "bomb.keras"), "bomb.keras", repr(member))


def test_encrypted_config(run, tmp_path):
    path = write_keras(tmp_path / "secret.keras", backbone())
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        struct.pack_into("<H", data, at + 8, struct.unpack_from("<H", data, at + 8)[0] | 1)
        at = data.find(b"PK\x01\x02", at + 1)
    path.write_bytes(bytes(data))
    assert_one_error(*run("summary", "secret.keras"), "secret.keras", "encrypted")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"filters": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"[]", "not a mapping"),
        (b'"Functional"', "not a mapping"),
        (b'{"class_name": "Dense", "config": {}}', "not a functional or Sequential Keras model"),
        (b'{"class_name": "EfficientNetV2Backbone", "config": {}}', "not a functional or Sequential"),
        (b'{"class_name": "Functional", "config": {"layers": 3}}', "no list of layers"),
        (b'{"class_name": "Functional", "config": {"layers": [3]}}', "not a layer config"),
        (b'{"class_name": "Functional", "config": {"layers": [{"config": {}}]}}', "no class name"),
    ],
)
def test_config_json_that_is_no_model(refuse, raw, words):
    refuse(raw, words)


# ---------------------------------------------------------------- what the layers declare

BAD_COUNT = st.one_of(
    st.integers(max_value=0, min_value=-(10**30)),
    st.integers(min_value=MAX_FILTERS + 1, max_value=10**30),
    st.sampled_from([24_000_000, 2**31, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.booleans(),
    st.none(),
    st.lists(st.integers(1, 8), max_size=3),
)
BAD_KERNEL = st.one_of(
    st.integers(max_value=0, min_value=-(10**6)),
    st.integers(min_value=MAX_KERNEL + 1, max_value=10**12),
    st.lists(st.integers(1, 3), min_size=3, max_size=5),
    st.lists(st.integers(MAX_KERNEL + 1, 10**9), min_size=1, max_size=2),
    st.just([]),
    st.text(max_size=4),
    st.floats(),
    st.booleans(),
)


def test_24_million_filters_is_refused_at_once(refuse):
    """The issue's Conv2D edited to 24,000,000 filters (8.5 GB before failing): refused from config.json."""
    conv = layer("Conv2D", "block1a_project_conv", filters=24_000_000, kernel_size=[1, 1])
    refuse(backbone(conv), "'block1a_project_conv'", "filters", "24,000,000", "from 1 to 100,000")


@given(kind=st.sampled_from(["Conv2D", "Conv2DTranspose", "SeparableConv2D"]), filters=BAD_COUNT)
@fuzz_settings(120)
def test_bad_filters(refuse, kind, filters):
    refuse(backbone(layer(kind, "top_conv", filters=filters, kernel_size=[1, 1])), "'top_conv'", "filters")


@given(units=BAD_COUNT)
@fuzz_settings(60)
def test_bad_units(refuse, units):
    refuse(backbone(layer("Dense", "predictions", units=units)), "'predictions'", "units")


@given(
    kind=st.sampled_from(["Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose"]),
    kernel=BAD_KERNEL,
)
@fuzz_settings(120)
def test_bad_kernel_size(refuse, kind, kernel):
    refuse(backbone(layer(kind, "block1a_dwconv", filters=8, kernel_size=kernel)), "'block1a_dwconv'", "kernel_size")


@given(multiplier=BAD_COUNT)
@fuzz_settings(40)
def test_bad_depth_multiplier(refuse, multiplier):
    conv = layer("DepthwiseConv2D", "block1a_dwconv", kernel_size=3, depth_multiplier=multiplier)
    refuse(backbone(conv), "'block1a_dwconv'", "depth_multiplier")


@pytest.mark.parametrize("channels", [MAX_FILTERS + 1, 24_000_000, 2**40])
def test_declared_input_channels(refuse, channels):
    shape = [None, 16, 16, channels]
    conv = layer("Conv2D", "block2a_expand_conv", shape, "stem_conv", filters=8, kernel_size=1)
    refuse(backbone(conv), "'block2a_expand_conv'", f"{channels:,} channels")


def compact(count: int) -> list[dict]:
    """``count`` short layer entries (a Keras-written layer is ~1 KB; these keep config.json small)."""
    return [{"class_name": "Activation", "config": {}, "name": f"a{i}", "inbound_nodes": [1]} for i in range(count)]


@pytest.mark.parametrize("count", [MAX_KERAS_LAYERS + 1, 100_000])
def test_too_many_layers(refuse, count):
    layers = compact(count)
    refuse(backbone(*layers), f"more than {MAX_KERAS_LAYERS:,} layers")


def test_too_many_layers_through_nested_models(refuse):
    inner = model([layer("Activation", f"a{i}", activation="relu") for i in range(MAX_KERAS_LAYERS // 4)], name="m")
    refuse(backbone(*[dict(inner, name=f"nested_{i}") for i in range(5)]), "layers")


def test_models_nested_too_deeply(refuse):
    nested = model([layer("Activation", "a", activation="relu")])
    for depth in range(40):
        nested = {**model([nested]), "name": f"level_{depth}"}
    refuse(backbone(nested), "nested more than")


@pytest.mark.parametrize("layers", [30, 300])
def test_the_build_guard_applies_to_saved_models(refuse, layers):
    """Each layer within the bounds, together far beyond 2e9 parameters: the guard refuses (--force is the way out)."""
    wide = [None, 16, 16, MAX_FILTERS]
    convs = [layer("Conv2D", f"conv_{i}", wide, "stem_conv", filters=MAX_FILTERS, kernel_size=3) for i in range(layers)]
    err = refuse(backbone(*convs), "more than the limit of 2,000,000,000", "--force")
    assert "parameters" in err


def test_the_memory_guard_applies_to_saved_models(refuse, monkeypatch):
    import effcli.engines.archive as archive

    monkeypatch.setattr(archive, "available_memory", lambda: 2**30)
    shape = [None, 16, 16, 4096]
    convs = [layer("Conv2D", f"conv_{i}", shape, "stem_conv", filters=4096, kernel_size=3) for i in range(4)]
    refuse(backbone(*convs), "needs about", "of memory is available", "--force")


# ---------------------------------------------------------------- not a 2-D image backbone


@pytest.mark.parametrize(
    "kind",
    [
        "Conv1D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv3DTranspose",
        "SeparableConv1D",
        "DepthwiseConv1D",
        "MaxPooling1D",
        "AveragePooling3D",
        "GlobalAveragePooling1D",
        "ZeroPadding3D",
        "UpSampling1D",
        "ConvLSTM3D",
    ],
)
@pytest.mark.parametrize("name", ["block1a_conv", "stem_conv_pad", "top_conv"])
def test_other_ranks_are_refused(refuse, kind, name):
    refuse(backbone(layer(kind, name, filters=8, kernel_size=3)), f"not a 2-D image backbone: layer '{name}' is {kind}")


@pytest.mark.parametrize("kind", ["Embedding", "LSTM", "MultiHeadAttention", "EinsumDense", "Lambda", "TFSMLayer"])
def test_layers_no_image_backbone_has(refuse, kind):
    refuse(backbone(layer(kind, "odd", units=4)), "not a 2-D image backbone", f"'odd' is {kind}")


def test_a_conv3d_inside_a_nested_model(refuse):
    inner = model([layer("InputLayer", "input_layer", batch_shape=[None, 4, 8, 8, 3]), layer("Conv3D", "block1a_conv")])
    refuse(backbone(inner), "layer 'block1a_conv' is Conv3D")


@pytest.mark.parametrize(
    "shape", [[None, 16], [None, 100, 8], [None, 4, 32, 32, 3], [None], [], [None, 32, 32, 3, 1, 1]]
)
def test_inputs_that_are_not_images(refuse, shape):
    refuse(backbone(input_shape=shape), "not a 2-D image backbone: its input has the shape", "(batch, height, width")


@pytest.mark.parametrize(
    ("shape", "words"),
    [
        ([None, 100_000, 32, 3], "height"),
        ([None, 32, 0, 3], "width"),
        ([None, 32, 32, 24_000_000], "channels"),
        ([None, 32, 32, "3"], "channels"),
        ([None, 32.5, 32, 3], "height"),
    ],
)
def test_input_sizes_beyond_the_limits(refuse, shape, words):
    refuse(backbone(input_shape=shape), f"its input {words} must be")


def test_two_inputs(refuse):
    config = backbone()
    config["config"]["layers"].insert(1, layer("InputLayer", "second", batch_shape=[None, 32, 32, 3]))
    refuse(config, "not a single-input model")


def test_dense_only_config(refuse):
    config = model(
        [layer("InputLayer", "input_layer", batch_shape=[None, 32, 32, 3]), layer("Dense", "block1a_dense", units=8)]
    )
    refuse(config, "not a 2-D image backbone: it has no Conv2D layer")


# ---------------------------------------------------------------- the file itself


def test_a_directory_named_like_a_model(run, tmp_path):
    (tmp_path / "x.keras").mkdir()
    assert_one_error(*run("summary", "x.keras"), "x.keras")


def test_missing_and_dangling(run, tmp_path):
    assert_one_error(*run("summary", "missing.keras"), "missing.keras", "no such file")
    (tmp_path / "dangling.keras").symlink_to(tmp_path / "nowhere.keras")
    assert_one_error(*run("summary", "dangling.keras"), "dangling.keras")
    (tmp_path / "loop.keras").symlink_to(tmp_path / "loop.keras")
    assert_one_error(*run("summary", "loop.keras"), "loop.keras")


def test_a_name_too_long(run):
    name = "m" * 300 + ".keras"
    assert_one_error(*run("summary", name), name)


def test_an_unreadable_folder_in_process(run, tmp_path, monkeypatch):
    """The folder holding the model denies access (EACCES on every look at the file, as for a chmod 000 folder)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    write_keras(locked / "model.keras", backbone())
    real_stat, real_lstat, real_open = os.stat, os.lstat, os.open

    def denied(real):
        def call(path, *args, **kwargs):
            if "locked" in os.fsdecode(path) and not isinstance(path, int):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "stat", denied(real_stat))
    monkeypatch.setattr(os, "lstat", denied(real_lstat))
    monkeypatch.setattr(os, "open", denied(real_open))
    assert_one_error(*run("summary", "locked/model.keras"), "locked/model.keras", "permission denied")


# ---------------------------------------------------------------- separate processes: FIFO, time, memory


# The child reports its own peak: VmHWM belongs to the process image (ru_maxrss would include
# the pytest process it was forked from, TensorFlow and all, on Linux).
_PEAK = (
    "import resource, sys\n"
    "from effcli.cli import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    try:\n"
    "        peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
    "    except (OSError, StopIteration):\n"
    "        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    print('peak', peak * 1024)\n"
)


def run_process(args, cwd, *, as_nobody: bool = False):
    """effcli in a process of its own under a memory limit; (result, seconds, peak RSS bytes)."""
    result, elapsed = run_limited(_PEAK, args, cwd, as_nobody=as_nobody)
    out, _, peak = result.stdout.rpartition("peak ")
    return result.returncode, out, result.stderr, elapsed, int(peak or 0)


def assert_refused_quickly(tmp_path, name, *words, as_nobody=False):
    code, out, err, elapsed, peak = run_process(["summary", name], tmp_path, as_nobody=as_nobody)
    assert_one_error(code, out, err, name, *words)
    assert elapsed < SECONDS, elapsed
    assert peak < PEAK_RSS, f"peak RSS {peak / 2**20:.0f} MiB"
    return err


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """The issue's file: a config.json that unpacks to 2 GiB (valid JSON: spaces, then {}), a few MB on disk."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.keras"
    chunk = b" " * 2**24
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("config.json", "w", force_zip64=True) as member:
            for _ in range(2**31 // len(chunk)):
                member.write(chunk)
            member.write(b"{}")
        archive.writestr("model.weights.h5", b"")
    return path


def test_the_2_gib_config_bomb_in_a_process(tmp_path, bomb):
    (tmp_path / "bomb.keras").symlink_to(bomb)
    assert bomb.stat().st_size < 32 * 2**20
    assert_refused_quickly(tmp_path, "bomb.keras", "'config.json' declares", "2,147,483,650 bytes")


def test_the_2_gib_config_bomb_with_a_lying_header(tmp_path, bomb):
    """The same bomb with its header declaring 1,000 bytes: at most 1,000 are ever inflated."""
    target = tmp_path / "liar.keras"
    target.write_bytes(bomb.read_bytes())
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo("config.json")
    assert info.file_size > 2**31  # zip64: patch the zip64 extra fields instead of the 32-bit ones
    data = bytearray(target.read_bytes())
    packed = struct.pack("<Q", info.file_size)
    at = data.find(packed)
    while at >= 0:
        struct.pack_into("<Q", data, at, 1000)
        at = data.find(packed, at + 1)
    target.write_bytes(bytes(data))
    assert_refused_quickly(tmp_path, "liar.keras", "config.json")


def test_24_million_filters_in_a_process(tmp_path):
    conv = layer("Conv2D", "block1a_project_conv", filters=24_000_000, kernel_size=[1, 1])
    write_keras(tmp_path / "wide.keras", backbone(conv))
    assert_refused_quickly(tmp_path, "wide.keras", "24,000,000")


def test_100000_layers_in_a_process(tmp_path):
    layers = compact(100_000)
    write_keras(tmp_path / "deep.keras", backbone(*layers))
    assert_refused_quickly(tmp_path, "deep.keras", "layers")


def test_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe.keras")
    assert_refused_quickly(tmp_path, "pipe.keras")


def test_an_unreadable_folder(tmp_path):
    """chmod 000 on the folder holding the model (as root, the check runs as user nobody: root reads everything)."""
    as_nobody = as_nobody_if_root()
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    tmp_path.chmod(0o755)
    locked = shared / "locked"
    locked.mkdir()
    write_keras(locked / "model.keras", backbone())
    locked.chmod(0)
    try:
        err = assert_refused_quickly(shared, "locked/model.keras", as_nobody=as_nobody)
    finally:
        locked.chmod(0o755)
    assert "permission denied" in err.lower()


# ---------------------------------------------------------------- real Keras files


@pytest.fixture(scope="module")
def keras_module():
    from effcli.engines import keras_engine

    return keras_engine.import_keras()


@pytest.mark.keras
def test_real_models_that_are_not_2d_backbones(run, tmp_path, keras_module):
    keras = keras_module
    inputs = keras.Input((4, 16, 16, 3))
    volume = keras.Model(inputs, keras.layers.Conv3D(8, 3, name="block1a_conv")(inputs), name="efficientnetv2-b0")
    volume.save(tmp_path / "conv3d.keras")
    inputs = keras.Input((64, 3))
    keras.Model(inputs, keras.layers.Conv1D(8, 3, name="block1a_conv")(inputs)).save(tmp_path / "conv1d.keras")
    inputs = keras.Input((16,))
    keras.Model(inputs, keras.layers.Dense(4, name="predictions")(inputs)).save(tmp_path / "dense.keras")
    inputs = keras.Input((32, 32, 3))
    flat = keras.layers.Dense(4, name="block1a_dense")(keras.layers.Flatten()(inputs))
    keras.Model(inputs, flat).save(tmp_path / "flat.keras")
    cases = {
        "conv3d.keras": "layer 'block1a_conv' is Conv3D",
        "conv1d.keras": "layer 'block1a_conv' is Conv1D",
        "dense.keras": "its input has the shape",
        "flat.keras": "it has no Conv2D layer",
    }
    for name, words in cases.items():
        assert_one_error(*run("summary", name), name, "not a 2-D image backbone", words)
        assert_one_error(*run("summary", name, "-r", "64"), name, "not a 2-D image backbone")


@pytest.mark.keras
def test_loaded_models_are_checked_again(tmp_path, keras_module):
    """After loading (whatever config.json said), the model itself must be a single-input 2-D backbone."""
    from effcli.engines.saved_model import _check_backbone
    from effcli.errors import EffcliError

    keras = keras_module
    inputs = keras.Input((4, 16, 16, 3))
    volume = keras.Model(inputs, keras.layers.Conv3D(8, 3, name="block1a_conv")(inputs))
    with pytest.raises(EffcliError, match="not a 2-D image backbone"):
        _check_backbone(keras, volume, tmp_path / "v.keras")
    inputs = keras.Input((16, 16, 3))
    dense = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    with pytest.raises(EffcliError, match="no Conv2D layer"):
        _check_backbone(keras, dense, tmp_path / "d.keras")


@pytest.mark.keras
def test_a_resolution_too_small_for_the_strides(run, tmp_path, keras_module):
    """`summary v1.keras -r 1`: the re-trace fails inside Keras; the error names the file and the smallest size."""
    model = keras_module.applications.EfficientNetB0(include_top=True, weights=None)
    model.save(tmp_path / "v1.keras")
    for resolution in ("1", "2x64", "31"):
        code, out, err = run("summary", "v1.keras", "-r", resolution)
        assert_one_error(code, out, err, "v1.keras", "too small for this model", "give --resolution 32 or more")
    code, out, err = run("summary", "v1.keras", "-r", "32", "-f", "json")
    assert code == 0 and json.loads(out)["input_shape"] == [32, 32, 3], err
