"""The compiled preset catalogue (effcli/config/catalogue.json) is what configs/ gives, and the fast paths use it.

The catalogue is recomputed here the slow way (every YAML file read, validated and counted with the analytic
engine: effcli.tools.catalog.compile_catalogue) and compared with the stored one, field by field; a YAML file
changed, added or removed without regenerating fails with the command that regenerates it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from effcli.config import compiled
from effcli.config import presets as registry
from effcli.config.grammar import NATIVE, input_shape
from effcli.config.loader import load_spec
from effcli.core.plan import make_plan
from effcli.tools import catalog
from effcli.tools.scale import matching_presets, scaled_spec, structure

ROOT = Path(__file__).resolve().parents[1]
REGENERATE = f"regenerate it: {compiled.REGENERATE}"


def _script():
    spec = importlib.util.spec_from_file_location("compile_catalogue", ROOT / "scripts" / "compile_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def differences(fresh: dict, stored: dict) -> list[str]:
    """What differs between two catalogues, one line a preset or example field."""
    found = []
    for table in ("presets", "examples"):
        new = {row["name"]: row for row in fresh.get(table, [])}
        old = {row["name"]: row for row in stored.get(table, [])}
        found += [f"{table}: {name} is new" for name in new.keys() - old.keys()]
        found += [f"{table}: {name} is gone" for name in old.keys() - new.keys()]
        if list(new) != list(old) and new.keys() == old.keys():
            found.append(f"{table}: the order changed")
        for name in new.keys() & old.keys():
            a, b = new[name], old[name]
            found += [f"{table}: {name}.{k} differs" for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]
    return sorted(found)


def _fresh() -> dict:
    return json.loads(json.dumps(catalog.compile_catalogue()))  # tuples as the JSON file has them: lists


def test_the_compiled_catalogue_is_what_configs_gives():
    fresh = _fresh()
    stored = json.loads(compiled.FILE.read_text(encoding="utf-8"))
    wrong = differences(fresh, stored)
    assert not wrong, f"{compiled.FILE.name} is out of date with configs/ ({'; '.join(wrong)}); {REGENERATE}"
    assert fresh == stored, f"{compiled.FILE.name} is out of date with configs/; {REGENERATE}"
    text = compiled.FILE.read_text(encoding="utf-8")
    assert text == _script().render(fresh), f"{compiled.FILE.name} is not as the script writes it; {REGENERATE}"


def test_a_changed_yaml_is_caught(tmp_path, monkeypatch):
    """A YAML edited (or added) without regenerating: the comparison names the preset and field."""
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    b0 = tmp_path / "configs" / "efficientnetv2_b0.yaml"
    b0.write_text(b0.read_text().replace("width_coefficient: 1.0", "width_coefficient: 1.05"))
    shutil.copy(b0, tmp_path / "configs" / "efficientnetv2_b9.yaml")
    monkeypatch.setattr(registry, "configs_dir", lambda: tmp_path / "configs")
    wrong = differences(_fresh(), json.loads(compiled.FILE.read_text(encoding="utf-8")))
    assert "presets: efficientnetv2_b0.width_coefficient differs" in wrong
    assert "presets: efficientnetv2_b0.config differs" in wrong
    assert "presets: efficientnetv2_b9 is new" in wrong


def test_the_script_checks_and_regenerates():
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_catalogue.py"), "--check"], capture_output=True, text=True
    )
    assert check.returncode == 0 and "up to date" in check.stdout, check.stdout + check.stderr


def test_presets_load_from_the_catalogue_as_from_their_yaml_files():
    files, examples = registry.scan_configs()
    assert registry.preset_files() == files and registry.example_files() == examples
    assert registry.preset_names() == list(files)
    for name, path in files.items():
        spec, expected = registry.load_preset(name), load_spec(path)
        assert spec == expected and (spec.source, spec.form) == (expected.source, expected.form), name
    for name, path in examples.items():
        spec, expected = registry.resolve(name), load_spec(path)
        assert spec == expected and (spec.source, spec.form) == (expected.source, expected.form), name


@pytest.mark.parametrize("family", [None, "v2", "v1", "lite"])
def test_the_listed_entries_are_the_counted_ones(family):
    files, examples = registry.scan_configs()
    wanted = catalog.FAMILY_FILTERS.get(family or "", None)
    counted = []
    for name, path in files.items():
        spec = load_spec(path)
        aliases = tuple(a for a, target in registry.ALIASES.items() if target == name)
        counted.append(catalog._entry(name, spec, input_shape(spec, NATIVE), aliases))
    assert catalog.catalogue(family) == [e for e in counted if wanted is None or e.family == wanted]
    counted = [catalog._entry(name, spec, input_shape(spec, None), ()) for name, spec in _specs(examples)]
    assert catalog.example_catalogue(family) == [e for e in counted if wanted is None or e.family == wanted]


def _specs(files):
    return [(name, load_spec(path)) for name, path in files.items()]


def _every_equal_preset(spec, shape) -> list[str]:
    """The slow way: every preset planned at ``shape`` and compared."""
    target = structure(make_plan(spec, shape))
    return [n for n in registry.preset_names() if structure(make_plan(registry.load_preset(n), shape)) == target]


@pytest.mark.parametrize("shape", [None, (97, 131, 3), (64, 64, 1)])
def test_equal_presets_are_found_as_by_planning_every_preset(shape):
    for name in registry.preset_names():
        spec = registry.load_preset(name)
        at = shape or input_shape(spec, NATIVE)
        assert matching_presets(spec, at) == _every_equal_preset(spec, at) == [name], name
    b0 = registry.load_preset("b0")
    for width, depth in ((1.2, 1.4), (1.1, 1.2), (1.3, 1.0), (0.5, 0.5)):
        scaled = scaled_spec(b0, width=width, depth=depth)
        at = shape or (224, 224, 3)
        assert matching_presets(scaled, at) == _every_equal_preset(scaled, at)


def test_scale_plans_only_the_presets_it_may_equal(monkeypatch):
    from effcli.tools import scale

    planned = []
    real = scale.make_plan
    monkeypatch.setattr(scale, "make_plan", lambda spec, shape: planned.append(spec.name) or real(spec, shape))
    b0 = registry.load_preset("b0")
    assert matching_presets(scaled_spec(b0, width=1.2, depth=1.4), (224, 224, 3)) == ["efficientnetv2_b3"]
    assert planned == ["efficientnetv2_b0_w1.2_d1.4", "efficientnetv2_b3"]
    planned.clear()
    assert matching_presets(scaled_spec(b0, width=1.25, depth=1.4), (224, 224, 3)) == []
    assert planned == ["efficientnetv2_b0_w1.25_d1.4"]


# every command that names or lists presets, then the number of plans it makes (None: not counted)
COMMANDS = (
    (["presets"], 0),
    (["presets", "--family", "v1", "-f", "json"], 0),
    (["presets", "--examples"], 0),
    (["presets", "--aliases"], 0),
    (["summary", "nope"], 0),  # did-you-mean
    (["scale", "--width", "1.2", "--depth", "1.4"], 4),  # base, scaled, and to find efficientnetv2_b3: both again
    (["summary", "b2", "-e", "analytic"], None),
    (["summary", "tiny_v2", "-e", "analytic"], None),
    (["summary", "EfficientNetB0", "-e", "analytic"], None),
)


# runs COMMANDS in one process, counting the plans each makes and whether yaml was imported by then
PROBE = """
import json, sys
import effcli.core.plan as plan
real, calls = plan.make_plan, []
plan.make_plan = lambda *a, **k: calls.append(1) or real(*a, **k)
from typer.testing import CliRunner
from effcli.cli import app
found = []
for args in json.loads(sys.argv[1]):
    calls.clear()
    result = CliRunner().invoke(app, args)
    found.append([result.exit_code, len(calls), "yaml" in sys.modules])
print(json.dumps(found))
"""


def test_naming_listing_and_scaling_read_no_yaml_and_plan_only_what_they_show():
    env = {k: v for k, v in os.environ.items() if k != "EFFCLI_ENGINE"}
    commands = json.dumps([args for args, _ in COMMANDS])
    result = subprocess.run([sys.executable, "-c", PROBE, commands], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    for (args, plans), (exit_code, calls, yaml) in zip(COMMANDS, json.loads(result.stdout), strict=True):
        assert exit_code == (2 if args[-1] == "nope" else 0), args
        assert not yaml, f"effcli {' '.join(args)} imported yaml"
        assert plans is None or calls == plans, f"effcli {' '.join(args)} made {calls} plans"


def test_a_users_yaml_file_still_goes_through_the_loader(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.yaml"
    mine.write_text(registry.example_files()["tiny_v2"].read_text().replace("name: tiny_v2", "name: mine"))
    spec = registry.resolve("mine.yaml")
    assert spec.name == "mine" and spec.source == "mine.yaml"
