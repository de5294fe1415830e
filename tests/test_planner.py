"""Compound scaling (scale --phi), the budget planner (effcli plan), pictures and shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from effcli.config.grammar import parse_count, parse_resolutions
from effcli.config.presets import load_preset, preset_names
from effcli.core.plan import make_plan
from effcli.engines import summarize
from effcli.errors import EffcliError
from effcli.render.text import stage_shares
from effcli.tools.budget import Candidate, cost_model, frontier, search
from effcli.tools.scale import scaled_spec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_phi_applies_the_compound_rule(run):
    code, out, _ = run("scale", "--phi", "1", "--base", "v1-b0", "-f", "json")
    data = json.loads(out)
    compound = data["compound"]
    assert code == 0 and compound["depth_coefficient"] == pytest.approx(1.2)
    assert compound["width_coefficient"] == pytest.approx(1.1) and compound["resolution"] == 258
    assert data["input_shape"] == [258, 258, 3]
    expected = summarize(scaled_spec(load_preset("v1-b0"), width=1.1, depth=1.2), (258, 258, 3), engine="analytic")
    assert data["result"]["params"] == expected.totals.params and data["result"]["macs"] == expected.totals.macs
    base = summarize(load_preset("v1-b0"), (224, 224, 3), engine="analytic")
    assert data["base_result"]["macs"] == base.totals.macs  # the base at its own resolution


def test_phi_overrides(run):
    code, out, _ = run("scale", "--phi", "2", "--alpha", "1.1", "--beta", "1.2", "--gamma", "1.0", "-f", "json")
    compound = json.loads(out)["compound"]
    assert code == 0 and compound["depth_coefficient"] == pytest.approx(1.21)
    assert compound["width_coefficient"] == pytest.approx(1.44) and compound["resolution"] == 224
    code, out, _ = run("scale", "--phi", "0", "-f", "json")
    assert json.loads(out)["equals_presets"] == ["efficientnetv2_b0"]


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(preset_names()), height=st.integers(1, 700), width=st.integers(1, 700))
def test_cost_model_equals_the_full_analytic_report(name, height, width):
    spec = load_preset(name)
    model = cost_model(make_plan(spec, (224, 224, 3)))
    report = summarize(spec, (height, width, 3), engine="analytic")
    assert model.macs(height, width) == report.totals.macs
    assert model.params == report.totals.params


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 50), st.integers(1, 50)), min_size=1, max_size=40))
def test_frontier_is_exactly_the_undominated_candidates(points):
    candidates = [Candidate(1.0, 1.0, 224, 1, p, m) for p, m in points]
    best = frontier(candidates)
    undominated = {
        (c.params, c.macs)
        for c in candidates
        if not any(
            (o.params >= c.params and o.macs >= c.macs) and (o.params, o.macs) != (c.params, c.macs) for o in candidates
        )
    }
    assert {(c.params, c.macs) for c in best} == undominated


def test_search_candidates_are_exact_and_within_budget():
    base = load_preset("efficientnetlite_b0")
    result = search(
        base,
        max_params=6_000_000,
        max_macs=800_000_000,
        resolutions=[192, 224, 256],
        widths=(0.8, 1.0, 1.2, 1.4),
        depths=(1.0, 1.4, 1.8),
    )
    assert result.evaluated + result.pruned == 4 * 3 * 3 and result.frontier
    for c in result.frontier:
        report = summarize(
            scaled_spec(base, width=c.width, depth=c.depth), (c.resolution, c.resolution, 3), engine="analytic"
        )
        assert (c.params, c.macs, c.blocks) == (report.totals.params, report.totals.macs, len(report.blocks) - 2)
        assert c.params <= 6_000_000 and c.macs <= 800_000_000
    assert [c.macs for c in result.frontier] == sorted((c.macs for c in result.frontier), reverse=True)


@pytest.mark.parametrize("name", ["efficientnetv2_b0", "efficientnetv1_b2", "efficientnetlite_b0"])
def test_pruning_changes_nothing(name):
    kwargs = {
        "max_params": 9_000_000,
        "max_macs": 2_000_000_000,
        "resolutions": [160, 224, 288],
        "widths": tuple(x / 10 for x in range(3, 31, 2)),
        "depths": (0.5, 1.0, 1.5, 2.5),
    }
    pruned = search(load_preset(name), **kwargs)
    full = search(load_preset(name), prune=False, **kwargs)
    assert pruned.frontier == full.frontier and pruned.within_budget == full.within_budget
    assert pruned.pruned > 0 and pruned.evaluated + pruned.pruned == full.evaluated


def test_plan_command(run):
    grid = ("--grid", "--allow-shrink", "--resolution", "192:288:32")
    code, out, _ = run("plan", "--max-params", "8M", "--max-macs", "1G", *grid, "-f", "json", "--top", "5")
    data = json.loads(out)
    assert code == 0 and data["max_params"] == 8_000_000 and data["max_macs"] == 1_000_000_000
    assert 1 <= len(data["frontier"]) <= 5 and data["evaluated"] + data["pruned"] == 76 * 38 * 4
    for c in data["frontier"]:
        assert c["params"] <= 8_000_000 and c["macs"] <= 1_000_000_000
    code, out, _ = run("plan", "--max-params", "8M", "--max-macs", "1G", *grid)
    assert code == 0 and "candidates/s" in out and "Frontier" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--max-params", "lots"), "--max-params: expected a count"),
        (("--max-params", "0"), "--max-params: must be from 1"),
        (("--max-params", "5M", "--max-macs", "-1G"), "--max-macs: expected a count"),
        (("--max-params", "5M", "--resolution", "300:200"), "--resolution: sizes must satisfy"),
        (("--max-params", "5M", "--resolution", "1:8000:1"), "resolutions is too many"),
        (("--max-params", "5M", "--base", "b9"), "unknown model 'b9'"),
    ],
)
def test_plan_errors(run, args, words):
    code, out, err = run("plan", *args)
    assert code == 2 and out == "" and words in err and len(err.strip().splitlines()) == 1


def test_count_and_resolution_parsing():
    assert [parse_count(t, "x") for t in ("20M", "1.5g", "5e6", "300000", "2B", " 7k ")] == [
        20_000_000,
        1_500_000_000,
        5_000_000,
        300_000,
        2_000_000_000,
        7_000,
    ]
    assert parse_resolutions("224") == [224] and parse_resolutions("100:164") == [100, 132, 164]
    assert parse_resolutions("96:128:16") == [96, 112, 128]
    with pytest.raises(EffcliError):
        parse_resolutions("a:b")


# ---------------------------------------------------------------- pictures


def test_stage_bars_add_up(run):
    report = summarize(load_preset("efficientnetv2_s"), (224, 224, 3), engine="analytic")
    shares = stage_shares(report)
    assert [s.label for s in shares] == ["stem"] + [f"stage {i}" for i in range(1, 7)] + ["top"]
    assert sum(s.params for s in shares) == report.totals.params and sum(s.macs for s in shares) == report.totals.macs
    assert sum(s.blocks for s in shares) == 40
    _code, out, _ = run("summary", "s")
    assert "Where the params and MACs are" in out and "\u2588" in out


@pytest.mark.parametrize(
    "args",
    [
        ("summary", "b0"),
        ("compare", "b0", "b1"),
        ("scale", "-w", "1.1", "-d", "1.2"),
        ("explain", "b0", "block4a"),
        ("presets", "--family", "lite"),
    ],
)
def test_svg_and_html_save_what_was_printed(run, tmp_path, args):
    code, out, err = run(*args, "--svg", "out.svg", "--html", "out.html")
    assert code == 0 and "Saved the table as out.svg" in err
    svg, html = (tmp_path / "out.svg").read_text(), (tmp_path / "out.html").read_text()
    assert svg.startswith("<svg") and "<html" in html.lower()
    first_line = out.splitlines()[0].split()[0]
    assert first_line in html
    code, _, err = run(*args, "--svg", "out.svg")
    assert code == 2 and "exists; use --force" in err
    code, _, err = run(*args, "-f", "json", "--html", "new.html")
    assert code == 2 and "--html: saves the table view" in err and not (tmp_path / "new.html").exists()


# ---------------------------------------------------------------- completion


def complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "_EFFCLI_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    result = subprocess.run(
        [sys.executable, "-c", "from effcli.cli import main; main()"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    return result.stdout.split()


def test_shell_completion_of_commands_options_and_presets():
    assert set(complete("effcli s", 1)) >= {"summary", "scale", "schema"}
    assert "--resolution" in complete("effcli summary b0 --re", 3)
    assert complete("effcli summary efficientnetlite_", 2) == [f"efficientnetlite_b{i}" for i in range(5)]
    assert "lite3" in complete("effcli compare b0 lite", 3)
    assert "configs/efficientnetv2_b0.yaml" in complete("effcli summary configs/efficientnetv2_b", 2)
    assert "efficientnetv1_b7" in complete("effcli scale --base efficientnetv1_", 3)
