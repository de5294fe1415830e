"""The build guard, atomic writes, Ctrl-C / SIGTERM, closed pipes, debug tracebacks, determinism."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from effcli.config.presets import preset_files
from effcli.errors import EffcliError

ROOT = Path(__file__).resolve().parents[1]
EFFCLI = [sys.executable, "-c", "from effcli.cli import main; main()"]
ENV = {k: v for k, v in os.environ.items() if k not in ("EFFCLI_ENGINE", "EFFCLI_DEBUG")}


def huge_config(tmp_path) -> Path:
    """EfficientNetV2-L at width 20: valid, about 46 billion parameters."""
    data = yaml.safe_load(preset_files()["efficientnetv2_l"].read_text())
    data["width_coefficient"] = 20.0
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


# ---------------------------------------------------------------- the guard


def test_guard_refuses_a_huge_keras_build_before_importing_tensorflow(tmp_path):
    path = huge_config(tmp_path)
    start = time.perf_counter()
    result = subprocess.run(
        [*EFFCLI, "summary", str(path)], capture_output=True, text=True, env=ENV, cwd=tmp_path, timeout=120
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: efficientnetv2_l: a Keras build would hold ")
    assert "more than the limit of 2,000,000,000" in lines[0] and "--engine analytic" in lines[0]
    assert "--force" in lines[0] and "GB" in lines[0]
    assert elapsed < 30  # refused from the estimate: no TensorFlow was loaded (a hang guard, not a speed target)


def test_the_analytic_engine_stays_instant_on_absurd_sizes(run, tmp_path):
    path = huge_config(tmp_path)
    code, out, _ = run("summary", str(path), "-f", "json", "--engine", "analytic")
    import json

    assert code == 0 and json.loads(out)["totals"]["params"] > 2_000_000_000
    code, out, _ = run("scale", "--width", "50", "--depth", "20", "-f", "json")
    assert code == 0


def test_guard_refuses_when_memory_is_short(run, monkeypatch, tmp_path):
    import effcli.engines.guard as guard

    monkeypatch.setattr(guard, "available_memory", lambda: 100 * 2**20)
    code, out, err = run("summary", "b0", env={"EFFCLI_ENGINE": "keras"})
    assert code == 2 and out == ""
    assert "a Keras build needs about 0.7 GB (5,919,312 parameters) but only 0.1 GB" in err
    code, _, err = run("build", "b0", "--output", str(tmp_path / "b0.keras"))
    assert code == 2 and "needs about" in err and not (tmp_path / "b0.keras").exists()
    code, _, err = run("compare", "b0", "b1", "--engine", "keras")
    assert code == 2 and err.startswith("Error: efficientnetv2_b0: a Keras build needs")


@pytest.mark.keras
def test_force_overrides_the_guard(run, monkeypatch):
    import effcli.engines.guard as guard

    monkeypatch.setattr(guard, "available_memory", lambda: 100 * 2**20)
    code, out, _ = run("summary", "b0", "--force", env={"EFFCLI_ENGINE": "keras"})
    assert code == 0 and "5,919,312" in out


def test_guard_estimates_materialised_weights():
    from effcli.config.presets import load_preset
    from effcli.core.plan import make_plan
    from effcli.engines.guard import BYTES_PER_WEIGHT, estimate

    plan = make_plan(load_preset("efficientnetv2_l"), (224, 224, 3))
    params, lazy = estimate(plan, materialize=False)
    _, eager = estimate(plan, materialize=True)
    assert params == 117_746_848 and eager - lazy == params * BYTES_PER_WEIGHT


# ---------------------------------------------------------------- atomic writes


def test_atomic_target_leaves_nothing_on_failure(tmp_path):
    from effcli.files import atomic_target, write_text_atomic

    target = tmp_path / "out.yaml"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_target(target, force=True, option="--output") as temporary:
        temporary.write_text("half a fi")
        raise RuntimeError("disk full")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.yaml"]
    with pytest.raises(EffcliError, match="was created by another program"):
        write_text_atomic(target, "new", force=False, option="--output")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.yaml"]
    write_text_atomic(target, "new", force=True, option="--output")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["out.yaml"]


def _interrupt_build(tmp_path, sig):
    target = tmp_path / "l.keras"
    process = subprocess.Popen(
        [*EFFCLI, "build", "efficientnetv2_l", "--output", str(target), "-r", "224"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the temporary file exists: the save is under way
        if any(p.name.startswith(".l.keras.") for p in tmp_path.iterdir()) or process.poll() is not None:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the build ended before it could be interrupted"
    process.send_signal(sig)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err, target


@pytest.mark.keras
@pytest.mark.parametrize(
    ("sig", "code", "line"), [(signal.SIGINT, 130, "Interrupted."), (signal.SIGTERM, 143, "Terminated.")]
)
def test_interrupted_build_leaves_no_file(tmp_path, sig, code, line):
    returncode, out, err, target = _interrupt_build(tmp_path, sig)
    assert returncode == code, err
    assert err.strip().splitlines() == [line] and out == ""
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary


@pytest.mark.keras
def test_ctrl_c_is_one_line_and_130(tmp_path):
    """SIGINT while effcli works (here: importing TensorFlow for a build)."""
    process = subprocess.Popen(
        [*EFFCLI, "summary", "efficientnetv2_b0", "--engine", "keras", "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=tmp_path,
    )
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and out == "" and err.strip().splitlines() == ["Interrupted."]


# ---------------------------------------------------------------- pipes and unexpected errors


@pytest.mark.parametrize("engine", ["analytic", pytest.param("keras", marks=pytest.mark.keras)])
def test_closed_pipe_exits_quietly(tmp_path, engine):
    process = subprocess.Popen(
        [*EFFCLI, "summary", "efficientnetv2_l", "--engine", engine],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
        cwd=tmp_path,
    )
    process.stdout.close()  # the reader is gone before anything is written, like `| head -0`
    err = process.stderr.read().decode()
    process.wait(timeout=120)
    assert err == "" and process.returncode == 141


def test_head_of_a_pipe(tmp_path):
    result = subprocess.run(
        " ".join([f"'{a}'" for a in [*EFFCLI, "summary", "efficientnetv2_l", "--engine", "analytic"]]) + " | head -3",
        shell=True,
        capture_output=True,
        text=True,
        env=ENV,
        cwd=tmp_path,
    )
    assert result.stdout.splitlines()[0].startswith("Model") and len(result.stdout.splitlines()) == 3
    assert result.stderr == ""


def test_unexpected_errors_are_one_line_unless_debugging(run, monkeypatch):
    import effcli.engines as engines

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engines, "summarize", broken)
    code, out, err = run("summary", "b0")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == ["Error: unexpected RuntimeError: boom (set EFFCLI_DEBUG=1 for the traceback)"]
    with pytest.raises(RuntimeError, match="boom"):
        run("summary", "b0", env={"EFFCLI_DEBUG": "1"})


def test_debug_shows_the_traceback_in_a_real_process(tmp_path):
    code = (
        "import effcli.engines as e\ndef f(*a, **k): raise RuntimeError('boom')\ne.summarize = f\n"
        "from effcli.cli import main\nmain()"
    )
    for debug, expect_traceback in (("1", True), (None, False)):
        env = dict(ENV, EFFCLI_ENGINE="analytic")
        if debug:
            env["EFFCLI_DEBUG"] = debug
        result = subprocess.run(
            [sys.executable, "-c", code, "summary", "b0"], capture_output=True, text=True, env=env, cwd=tmp_path
        )
        assert ("Traceback" in result.stderr) is expect_traceback
        assert result.returncode == 1


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_byte_identical_across_processes(tmp_path, fmt):
    outputs = []
    for seed in ("1", "2"):
        env = dict(ENV, PYTHONHASHSEED=seed, EFFCLI_ENGINE="analytic")
        for args in (
            ["summary", "lite3", "-r", "193x257"],
            ["compare", "b0", "v1-b1", "lite2"],
            ["scale", "--width", "1.3", "--depth", "1.7"],
        ):
            result = subprocess.run([*EFFCLI, *args, "-f", fmt], capture_output=True, env=env, cwd=tmp_path)
            assert result.returncode == 0
            outputs.append(result.stdout)
    assert outputs[:3] == outputs[3:] and all(outputs)
