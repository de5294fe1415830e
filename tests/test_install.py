"""Presets work from a non-editable `pip install .` into a fresh virtual environment.

The wheel is built from this checkout and installed without dependencies into a
new venv; the runtime dependencies are borrowed from the running environment
through a .pth file appended after the venv's own site-packages, so the run
needs no network and the effcli that answers is the installed one.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.install
def test_non_editable_install_has_every_preset(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "venv", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis", "build", "dist"
        ),
    )
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [str(python), "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob("effcli-*.whl"))
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    shutil.rmtree(source)  # nothing may come from the checkout
    target_site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    here = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (target_site / "zz_borrowed_deps.pth").write_text("\n".join(dict.fromkeys(here)) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EFFCLI_ENGINE")}
    effcli = env_dir / "bin" / "effcli"
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import effcli, effcli.config.presets as p; print(effcli.__file__); print(len(p.preset_names()))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert where.returncode == 0, where.stderr
    location, count = where.stdout.split()
    shipped = len(list((ROOT / "configs").glob("*.yaml")))  # every preset YAML of the checkout
    assert location.startswith(str(env_dir)) and int(count) == shipped
    result = subprocess.run(
        [str(effcli), "summary", "efficientnetlite_b3", "--resolution", "native", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "efficientnetlite_b3" and data["input_shape"] == [280, 280, 3]
    # the example configs ship in the wheel and work by name from any folder
    example = subprocess.run(
        [str(effcli), "summary", "tiny_v2", "--engine", "analytic", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert example.returncode == 0 and example.stderr == "", example.stderr
    assert json.loads(example.stdout)["name"] == "tiny_v2"
