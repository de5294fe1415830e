"""The measurement cache: a repeated Keras report answered from disk, without TensorFlow, and never wrongly.

Most tests seed a cache folder with measurements counted by the analytic engine
(test_keras_engine.py proves the engines count the same), so that the hit path,
the key and the robustness are tested without building anything. The tests
marked ``keras`` build real models: a cached report equals the built one, bad
entries are rebuilt and replaced, concurrent cold runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from effcli.config.presets import resolve
from effcli.core.memory import memory_of
from effcli.core.plan import make_plan
from effcli.core.report import assemble
from effcli.engines import analytic, cache, measure

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "configs" / "examples" / "tiny_v2.yaml"
B0 = ROOT / "configs" / "efficientnetv2_b0.yaml"
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("EFFCLI_ENGINE", "EFFCLI_DEBUG", "EFFCLI_CACHE_DIR")}

# Runs effcli as `python -m effcli` would, then writes which of tensorflow / keras got imported.
PROBE = """
import atexit, json, os, runpy, sys

def _imported():
    with open(os.environ["EFFCLI_TEST_PROBE"], "w") as out:
        json.dump(sorted(m for m in ("keras", "tensorflow") if m in sys.modules), out)

atexit.register(_imported)
sys.argv = ["effcli", *sys.argv[1:]]
runpy.run_module("effcli", run_name="__main__", alter_sys=True)
"""


def effcli(folder: Path, *args: str, cwd: Path | None = None) -> tuple[int, str, str, list[str]]:
    """Run effcli in a fresh interpreter with ``folder`` as the cache; (exit code, stdout, stderr, heavy imports)."""
    probe = folder.parent / f"probe-{os.getpid()}-{threading.get_ident()}.json"
    env = {**CLEAN_ENV, "EFFCLI_CACHE_DIR": str(folder), "EFFCLI_TEST_PROBE": str(probe), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    heavy = json.loads(probe.read_text())
    probe.unlink()
    return result.returncode, result.stdout, result.stderr, heavy


def engine_line(text: str) -> str:
    """The value of the table header's Engine line."""
    return next(line.split(None, 1)[1] for line in text.splitlines() if line.startswith("Engine "))


def without_engine(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("Engine ")]


def plan_of(target: str | Path, shape=None, *, pyramid: str = "keras", **changes):
    spec = resolve(str(target))
    if changes:
        spec = spec.with_changes(**changes)
    if shape is None:
        side = spec.input_shape[0] or spec.native_resolution or 224
        shape = (side, side, 3)
    return make_plan(spec, shape, pyramid=pyramid)


def seed(folder: Path, plan, monkeypatch) -> Path:
    """Store the analytic engine's numbers for ``plan`` as its cache entry; returns the entry's path."""
    monkeypatch.setenv("EFFCLI_CACHE_DIR", str(folder))
    assert cache.store(plan, analytic.measure(plan))
    return cache.entry_path(plan)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def copy_of(source: Path, target: Path, **changes) -> Path:
    data = yaml.safe_load(source.read_text())
    data.update(changes)
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


# --------------------------------------------------------------------------- the key


def test_the_key_ignores_the_name_description_source_and_pyramid_convention(tmp_path, run):
    base = plan_of(TINY)
    renamed = make_plan(
        resolve(str(TINY)).with_changes(name="mine", description="another text", source="elsewhere.yaml"), (160, 160, 3)
    )
    copy = copy_of(TINY, tmp_path / "copy.yaml", name="my_copy", description="the same network under another name")
    assert cache.key(base) == cache.key(renamed) == cache.key(plan_of(copy)) == cache.key(plan_of(TINY, pyramid="timm"))
    # `effcli scale` at the base's own coefficients saves the same network under another name
    code, _, _ = run("scale", "--base", "efficientnetv2_b0", "--width", "1", "--depth", "1", "--save", "scaled.yaml")
    assert code == 0
    assert resolve(str(tmp_path / "scaled.yaml")).name != "efficientnetv2_b0"
    assert cache.key(plan_of(tmp_path / "scaled.yaml")) == cache.key(plan_of("efficientnetv2_b0"))


def test_the_key_follows_everything_that_changes_the_network(monkeypatch):
    variants = [
        plan_of(TINY),
        plan_of(TINY, (160, 192, 3)),
        plan_of(TINY, (160, 160, 1)),
        plan_of(TINY, trainable=False),
        plan_of(TINY, include_rescaling=True),
        plan_of(TINY, activation="relu"),
        plan_of(TINY, drop_rate=0.3),
        plan_of(TINY, width_coefficient=0.8),
    ]
    keys = [cache.key(plan) for plan in variants]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    real = cache.library_versions()
    for library in ("effcli", "keras", "tensorflow"):
        versions = {**real, library: "99.0"}
        monkeypatch.setattr(cache, "library_versions", lambda versions=versions: versions)
        assert cache.key(variants[0]) not in keys


def test_versions_come_from_package_metadata_without_importing_tensorflow():
    code = (
        "import sys\n"
        "from effcli.engines import cache\n"
        "print(sorted(cache.library_versions()), [m for m in ('keras', 'tensorflow') if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=CLEAN_ENV, cwd=ROOT)
    assert result.stdout.strip() == "['effcli', 'keras', 'tensorflow'] []", result.stderr


# --------------------------------------------------------------------------- hits, without TensorFlow


def test_a_hit_answers_without_tensorflow_under_any_name(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    seed(folder, plan_of("efficientnetv2_b0"), monkeypatch)
    copy = copy_of(B0, tmp_path / "mine.yaml", name="mine", description="b0 under another name")
    scaled = tmp_path / "scaled.yaml"
    code, _, err, _ = effcli(
        folder, "scale", "--base", "b0", "-w", "1", "-d", "1", "--save", str(scaled), "-f", "json", cwd=tmp_path
    )
    assert code == 0, err
    analytic_json = effcli(folder, "summary", "efficientnetv2_b0", "-f", "json", "--engine", "analytic")[1]
    for target in ("efficientnetv2_b0", "b0", str(copy), str(scaled)):
        code, out, err, heavy = effcli(folder, "summary", target)
        assert (code, heavy) == (0, []), err
        assert engine_line(out) == "keras (cached build)"
        code, out, err, heavy = effcli(folder, "summary", target, "-f", "json")
        assert (code, heavy) == (0, []), err
        same = {"name": "efficientnetv2_b0", "published": None, "native_resolution": None}  # who, not what it measures
        assert json.loads(out) | same == json.loads(analytic_json) | same
    for args in (
        ("summary", "b0", "--pyramid", "timm", "--layers"),
        ("compare", "b0", str(copy)),
        ("explain", str(scaled), "block4a"),
    ):
        code, out, err, heavy = effcli(folder, *args)
        assert (code, heavy) == (0, []), (args, err)
        if args[0] != "explain":  # (explain's header names no engine)
            assert engine_line(out) == "keras (cached build)"
    assert len(files_in(folder)) == 1


def test_the_analytic_engine_neither_reads_nor_writes_the_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    code, out, err, heavy = effcli(folder, "summary", "b0", "--engine", "analytic")
    assert (code, heavy, engine_line(out)) == (0, [], "analytic"), err
    assert not folder.exists()
    seed(folder, plan_of("efficientnetv2_b0"), monkeypatch)
    code, out, err, heavy = effcli(folder, "summary", "b0", "--engine", "analytic")
    assert (code, heavy, engine_line(out)) == (0, [], "analytic"), err


# --------------------------------------------------------------------------- entries that are not trusted


def _corrupt_json(path: Path, plan) -> None:
    path.write_bytes(b'{"format": 1, "key": "' + path.stem.encode() + b'", "blocks": [')


def _truncated(path: Path, plan) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * 2 // 3])


def _empty(path: Path, plan) -> None:
    path.write_bytes(b"")


def _not_utf8(path: Path, plan) -> None:
    path.write_bytes(b"\xff\xfe" + path.read_bytes())


def _foreign(path: Path, plan) -> None:
    """The (valid) entry of another network, copied under this network's name."""
    other = plan_of(TINY, (160, 192, 3))
    assert cache.store(other, analytic.measure(other))
    shutil.copyfile(cache.entry_path(other), path)
    cache.entry_path(other).unlink()


def _edit(change):
    def mangle(path: Path, plan) -> None:
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))

    return mangle


def _drop_a_layer(data) -> None:
    data["blocks"][3]["layers"].pop()


def _rename_a_layer(data) -> None:
    data["blocks"][2]["layers"][0]["name"] = "block2a_something_else"


def _another_shape(data) -> None:
    data["blocks"][2]["layers"][0]["shape"][0] += 1


def _rename_a_block(data) -> None:
    data["blocks"][1]["name"] = "block9z"


def _an_extra_block(data) -> None:
    data["blocks"].append(data["blocks"][-1])


def _boolean_count(data) -> None:
    data["blocks"][0]["count"] = [True, 0]


def _negative_macs(data) -> None:
    data["blocks"][0]["layers"][0]["macs"] = -1


def _fractional_count(data) -> None:
    data["blocks"][0]["layers"][0]["count"][0] = 1.5


def _emptied(data) -> None:
    data.clear()


def _format(data) -> None:
    data["format"] = cache.FORMAT + 1


def _another_key(data) -> None:
    data["key"] = "0" * 64


BAD_ENTRIES = {
    "corrupt json": _corrupt_json,
    "truncated": _truncated,
    "empty": _empty,
    "not utf-8": _not_utf8,
    "foreign entry under this name": _foreign,
    "another format version": _edit(_format),
    "another key inside": _edit(_another_key),
    "a layer missing": _edit(_drop_a_layer),
    "a layer renamed": _edit(_rename_a_layer),
    "another layer shape": _edit(_another_shape),
    "a block renamed": _edit(_rename_a_block),
    "an extra block": _edit(_an_extra_block),
    "a boolean count": _edit(_boolean_count),
    "negative macs": _edit(_negative_macs),
    "a fractional count": _edit(_fractional_count),
    "an empty object": _edit(_emptied),
}


@pytest.mark.parametrize("mangle", BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_a_bad_entry_is_never_trusted(tmp_path, monkeypatch, mangle):
    plan = plan_of(TINY)
    path = seed(tmp_path / "cache", plan, monkeypatch)
    assert cache.load(plan) is not None
    mangle(path, plan)
    assert cache.load(plan) is None


@pytest.mark.parametrize("kind", ["directory", "fifo", "oversized"])
def test_something_else_under_an_entry_name_is_not_trusted(tmp_path, monkeypatch, kind):
    plan = plan_of(TINY)
    path = seed(tmp_path / "cache", plan, monkeypatch)
    path.unlink()
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(path)  # must not hang
    else:
        path.write_bytes(b" " * (cache.MAX_ENTRY_BYTES + 1))
    assert cache.load(plan) is None


def test_an_unusable_folder_loads_nothing_and_stores_nothing(tmp_path, monkeypatch):
    plan = plan_of(TINY)
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    for folder in (blocker / "cache", tmp_path / "missing"):
        monkeypatch.setenv("EFFCLI_CACHE_DIR", str(folder))
        assert cache.load(plan) is None
    monkeypatch.setenv("EFFCLI_CACHE_DIR", str(blocker / "cache"))
    assert cache.store(plan, analytic.measure(plan)) is False
    assert files_in(tmp_path) == ["file"]


def test_readers_never_see_a_half_written_entry(tmp_path, monkeypatch):
    """One process rewrites the entry over and over while this one reads it."""
    plan = plan_of("efficientnetv2_b0")
    folder = tmp_path / "cache"
    seed(folder, plan, monkeypatch)
    expected = assemble(plan, cache.load(plan)).to_dict(layers=True)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from effcli.config.presets import resolve\n"
            "from effcli.core.plan import make_plan\n"
            "from effcli.engines import analytic, cache\n"
            "plan = make_plan(resolve('efficientnetv2_b0'), (224, 224, 3))\n"
            "measured = analytic.measure(plan)\n"
            "for _ in range(300):\n"
            "    assert cache.store(plan, measured)\n",
        ],
        env={**CLEAN_ENV, "EFFCLI_CACHE_DIR": str(folder)},
        cwd=ROOT,
    )
    reads = 0
    while writer.poll() is None or reads < 50:
        measured = cache.load(plan)
        assert measured is not None
        assert assemble(plan, measured).to_dict(layers=True) == expected
        reads += 1
    assert writer.returncode == 0
    assert files_in(folder) == [cache.entry_path(plan).name]


# --------------------------------------------------------------------------- cache info / clear


def test_cache_info_and_clear(tmp_path, monkeypatch, run):
    folder = tmp_path / "cache"
    entries = [seed(folder, plan_of(TINY, shape), monkeypatch) for shape in ((160, 160, 3), (96, 96, 3))]
    (folder / ".tmp-abandoned.json").write_text("{")  # a write that was killed half-way
    (folder / "notes.json").write_text("{}")  # not effcli's: EFFCLI_CACHE_DIR may point anywhere
    size = sum(p.stat().st_size for p in entries)
    env = {"EFFCLI_CACHE_DIR": str(folder)}

    code, out, _ = run("cache", "info", env=env)
    assert code == 0
    assert out.splitlines() == [
        f"Folder   {folder}",
        "Entries  2",
        f"Size     {size / 2**20:.2f} MB ({size:,} bytes)",
    ]
    code, out, _ = run("cache", "info", "-f", "json", env=env)
    assert (code, json.loads(out)) == (0, {"folder": str(folder), "exists": True, "entries": 2, "bytes": size})
    code, _, err = run("cache", "info", "-f", "csv", env=env)
    assert code == 2 and "table or json" in err

    code, out, _ = run("cache", "clear", env=env)
    assert (code, out) == (0, f"Folder   {folder}\nRemoved  2 cached networks\n")
    assert files_in(folder) == ["notes.json"]
    code, out, _ = run("cache", "info", "-f", "json", env=env)
    assert json.loads(out)["entries"] == 0
    code, out, _ = run("cache", "clear", env=env)
    assert (code, out) == (0, f"Folder   {folder}\nRemoved  0 cached networks\n")


def test_cache_info_of_a_folder_not_created_yet(tmp_path, run):
    folder = tmp_path / "not" / "yet"
    env = {"EFFCLI_CACHE_DIR": str(folder)}
    code, out, _ = run("cache", "info", env=env)
    assert code == 0 and out.splitlines()[:2] == [f"Folder   {folder} (not created yet)", "Entries  0"]
    code, out, _ = run("cache", "info", "-f", "json", env=env)
    assert json.loads(out) == {"folder": str(folder), "exists": False, "entries": 0, "bytes": 0}
    assert run("cache", "clear", env=env)[:2] == (0, f"Folder   {folder}\nRemoved  0 cached networks\n")
    assert not folder.exists()


def test_the_default_folder_is_the_platforms_user_cache(monkeypatch):
    import platformdirs

    monkeypatch.delenv("EFFCLI_CACHE_DIR", raising=False)
    assert cache.cache_dir() == Path(platformdirs.user_cache_dir("effcli", appauthor=False)) / "measurements"
    monkeypatch.setenv("EFFCLI_CACHE_DIR", "~/elsewhere")
    assert cache.cache_dir() == Path.home() / "elsewhere"


# --------------------------------------------------------------------------- real Keras builds


@pytest.fixture(scope="module")
def keras_engine():
    from effcli.engines import keras_engine

    keras_engine.import_keras()
    return keras_engine


CASES = {
    "tiny v2": (TINY, (160, 160, 3), {}),
    "tiny v2, frozen, rescaling": (TINY, (96, 128, 3), {"trainable": False, "include_rescaling": True}),
    "v1 b0, odd size": ("efficientnetv1_b0", (97, 131, 3), {}),
    "lite b0": ("efficientnetlite_b0", (128, 128, 3), {}),
}


@pytest.mark.keras
@pytest.mark.parametrize(("target", "shape", "changes"), CASES.values(), ids=CASES.keys())
def test_a_cached_report_is_the_built_report(tmp_path, monkeypatch, keras_engine, target, shape, changes):
    monkeypatch.setenv("EFFCLI_CACHE_DIR", str(tmp_path / "cache"))
    for pyramid in ("keras", "timm"):
        plan = plan_of(target, shape, pyramid=pyramid, **changes)
        built = measure(plan, "keras", cache=False)
        assert built.engine == "keras"
        if pyramid == "keras":
            assert measure(plan, "keras").engine == "keras"  # a miss: builds and stores
        cached = measure(plan, "keras")  # the timm plan hits the entry the keras plan stored
        assert cached.engine == "keras (cached build)"
        assert assemble(plan, cached).to_dict(layers=True) == assemble(plan, built).to_dict(layers=True)
        assert assemble(plan, cached).engine == "keras (cached build)"
    assert len(files_in(tmp_path / "cache")) == 1


@pytest.mark.keras
@pytest.mark.parametrize("mangle", BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_a_bad_entry_is_rebuilt_and_replaced(tmp_path, monkeypatch, keras_engine, mangle):
    plan = plan_of(TINY)
    folder = tmp_path / "cache"
    monkeypatch.setenv("EFFCLI_CACHE_DIR", str(folder))
    built = measure(plan, "keras")
    path = cache.entry_path(plan)
    mangle(path, plan)
    rebuilt = measure(plan, "keras")
    assert rebuilt.engine == "keras"
    assert rebuilt == built
    assert files_in(folder) == [path.name]
    replaced = cache.load(plan)
    assert replaced is not None and replaced.engine == "keras (cached build)"
    assert assemble(plan, replaced).to_dict(layers=True) == assemble(plan, built).to_dict(layers=True)


@pytest.mark.keras
def test_the_second_run_is_a_cached_build_without_tensorflow(tmp_path):
    folder = tmp_path / "cache"
    code, cold, err, heavy = effcli(folder, "summary", str(TINY))
    assert (code, heavy) == (0, ["keras", "tensorflow"]), err
    assert err == ""
    assert engine_line(cold) == "keras"
    assert len(files_in(folder)) == 1
    code, warm, err, heavy = effcli(folder, "summary", str(TINY))
    assert (code, heavy, err) == (0, [], "")
    assert engine_line(warm) == "keras (cached build)"
    assert without_engine(warm) == without_engine(cold)


@pytest.mark.keras
def test_no_cache_builds_and_stores_nothing(tmp_path, run, monkeypatch, keras_engine):
    builds = []
    real_measure = keras_engine.measure
    monkeypatch.setattr(keras_engine, "measure", lambda plan: builds.append(plan.info.name) or real_measure(plan))
    folder = tmp_path / "cache"
    env = {"EFFCLI_ENGINE": "keras", "EFFCLI_CACHE_DIR": str(folder)}
    code, out, _ = run("summary", str(TINY), "--no-cache", env=env)
    assert (code, engine_line(out), len(builds)) == (0, "keras", 1)
    assert files_in(folder) == []
    code, out, _ = run("summary", str(TINY), env=env)
    assert (code, engine_line(out), len(builds)) == (0, "keras", 2)
    (entry,) = files_in(folder)
    before = (folder / entry).stat().st_mtime_ns
    for args in (("summary", str(TINY)), ("explain", str(TINY), "block2a"), ("compare", str(TINY), str(TINY))):
        networks = 2 if args[0] == "compare" else 1
        builds.clear()
        code, out, _ = run(*args, "--no-cache", env=env)
        assert (code, len(builds)) == (0, networks), args
        assert args[0] == "explain" or engine_line(out) == "keras"  # (explain's header names no engine)
        code, out, _ = run(*args, env=env)
        assert (code, len(builds)) == (0, networks), args
        assert args[0] == "explain" or engine_line(out) == "keras (cached build)"
    assert files_in(folder) == [entry] and (folder / entry).stat().st_mtime_ns == before


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["read-only", "missing"])
def test_an_unwritable_or_missing_folder_only_costs_the_speed(tmp_path, run, keras_engine, kind):
    expected = without_engine(run("summary", str(TINY), "--layers")[1])  # the analytic engine
    if kind == "missing":
        folder = tmp_path / "not" / "there" / "yet"
    else:
        folder = tmp_path / "cache"
        folder.mkdir()
        folder.chmod(0o500)
        if os.access(folder, os.W_OK):  # root writes anyway: a folder under a regular file can never be made
            folder.chmod(0o700)
            (tmp_path / "file").write_text("a file, not a folder")
            folder = tmp_path / "file" / "cache"
    env = {"EFFCLI_ENGINE": "keras", "EFFCLI_CACHE_DIR": str(folder)}
    try:
        for _ in range(2):
            code, out, err = run("summary", str(TINY), "--layers", env=env)
            assert (code, err) == (0, "")
            assert without_engine(out) == expected
        if kind == "missing":  # created on the way, then answered from it
            assert engine_line(out) == "keras (cached build)" and len(files_in(folder)) == 1
        else:
            assert engine_line(out) == "keras"
            assert files_in(folder) == []
    finally:
        if folder.is_dir():
            folder.chmod(0o700)


@pytest.mark.keras
def test_concurrent_cold_runs_leave_only_whole_entries(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    env = {**CLEAN_ENV, "EFFCLI_CACHE_DIR": str(folder)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "effcli", "summary", str(TINY), "-f", "json", "--layers"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=300) for process in runs]
    assert [process.returncode for process in runs] == [0, 0, 0, 0], [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    plan = plan_of(TINY)
    assert files_in(folder) == [cache.entry_path(plan).name]  # no temporary file left behind
    for name in files_in(folder):
        assert re.fullmatch(r"[0-9a-f]{64}\.json", name)
        data = json.loads((folder / name).read_text())
        assert data["key"] == Path(name).stem
    monkeypatch.setenv("EFFCLI_CACHE_DIR", str(folder))
    measured = cache.load(plan)
    assert measured is not None
    report = assemble(plan, measured)
    assert json.loads(outputs[0][0]) == {**report.to_dict(layers=True), "memory": memory_of(report).to_dict()}
