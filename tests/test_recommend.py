"""`effcli plan` recommends: the presets within the budget, the best compound scaling of the base, the grid
behind --grid; and the published accuracy `presets` and `compare` show."""

from __future__ import annotations

import csv
import io
import json

import pytest

from effcli.config.grammar import NATIVE, input_shape
from effcli.config.presets import load_preset, preset_names
from effcli.engines import summarize
from effcli.tools.budget import GROW_DEPTHS, GROW_WIDTHS, best_compound, compound, frontier, recommend
from effcli.tools.scale import scaled_spec

V2_B0 = "efficientnetv2_b0"


def _plan(run, *args: str) -> dict:
    code, out, err = run("plan", *args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def _counted(name: str, classes: int | None = None):
    spec = load_preset(name)
    return summarize(spec, input_shape(spec, NATIVE), engine="analytic", classes=classes)


def _scaled(base_name: str, phi: float, classes: int | None = None):
    base = load_preset(base_name)
    rule = compound(phi, base_resolution=base.native_resolution)
    spec = scaled_spec(base, width=rule.width, depth=rule.depth)
    return rule, summarize(spec, (rule.resolution, rule.resolution, 3), engine="analytic", classes=classes)


def test_20m_from_v2_b0_is_sensible(run):
    data = _plan(run, "--max-params", "20M", "--base", V2_B0)
    base_blocks = data["base_network"]["blocks"]
    best = data["compound"]
    assert best["blocks"] >= base_blocks == 21
    assert best["width_coefficient"] >= 1 and best["depth_coefficient"] >= 1 and best["resolution"] >= 224
    assert best["params"] <= 20_000_000 and best["params"] >= 0.9 * 20_000_000  # it uses the budget
    for item in data["compound_context"]:
        assert item["blocks"] >= base_blocks and item["width_coefficient"] >= 1 and item["depth_coefficient"] >= 1
    assert "frontier" not in data  # the free grid only with --grid
    names = [p["name"] for p in data["presets"]]
    assert V2_B0 in names and "efficientnetv2_b3" in names and "efficientnetv2_s" not in names


@pytest.mark.parametrize(
    ("budget", "max_params", "max_macs"),
    [
        (("--max-params", "20M"), 20_000_000, None),
        (("--max-macs", "2G"), None, 2_000_000_000),
        (("--max-params", "10M", "--max-macs", "1.5G"), 10_000_000, 1_500_000_000),
    ],
)
def test_presets_listed_fit_and_are_sorted_by_top1(run, budget, max_params, max_macs):
    data = _plan(run, *budget)
    assert data["max_params"] == max_params and data["max_macs"] == max_macs
    listed = {p["name"]: p for p in data["presets"]}
    for name in preset_names():
        report = _counted(name)
        fits = (max_params is None or report.totals.params <= max_params) and (
            max_macs is None or report.totals.macs <= max_macs
        )
        assert (name in listed) == fits, name
        if fits:
            assert (listed[name]["params"], listed[name]["macs"]) == (report.totals.params, report.totals.macs)
            assert listed[name]["published"] == load_preset(name).published.to_dict()
    top1 = [p["published"]["top1"] for p in data["presets"]]
    assert top1 == sorted(top1, reverse=True) and top1


@pytest.mark.parametrize(
    ("base", "max_params", "max_macs"),
    [
        (V2_B0, 20_000_000, None),
        (V2_B0, None, 2_000_000_000),
        ("efficientnetv1_b0", 10_000_000, 1_500_000_000),
        ("efficientnetlite_b0", 8_000_000, None),
    ],
)
def test_compound_phi_is_the_largest_that_fits(base, max_params, max_macs):
    best, context, capped = best_compound(load_preset(base), max_params=max_params, max_macs=max_macs)
    assert best is not None and not capped
    phi = best.rule.phi
    assert phi == round(phi, 2) and phi >= 0

    def fits(report) -> bool:
        return (max_params is None or report.totals.params <= max_params) and (
            max_macs is None or report.totals.macs <= max_macs
        )

    rule, report = _scaled(base, phi)
    assert fits(report) and (best.params, best.macs, best.blocks) == (
        report.totals.params,
        report.totals.macs,
        sum(1 for b in report.blocks if b.type not in ("stem", "top")),
    )
    assert rule.resolution == best.rule.resolution
    _, above = _scaled(base, round(phi + 0.01, 2))
    assert not fits(above)  # phi + 0.01 exceeds the budget
    assert [c.rule.phi for c in context] == [p for p in (float(int(phi)), float(int(phi) + 1)) if p != phi]
    assert all(c.fits for c in context if c.rule.phi < phi) and not any(c.fits for c in context if c.rule.phi > phi)


def test_classes_count_in_the_budget(run):
    without = _plan(run, "--max-params", "7M")
    with_head = _plan(run, "--max-params", "7M", "--classes", "1000")
    assert with_head["classes"] == 1000 and without["classes"] is None
    assert V2_B0 in [p["name"] for p in without["presets"]]
    assert V2_B0 not in [p["name"] for p in with_head["presets"]]  # 5.9M + 1.28M for the head
    for item in with_head["presets"]:
        assert item["params"] == _counted(item["name"], classes=1000).totals.params <= 7_000_000
    assert with_head["compound"] is None and "allow-shrink" in with_head["notes"][0]
    shrunk = _plan(run, "--max-params", "7M", "--classes", "1000", "--allow-shrink")
    best = shrunk["compound"]
    _, report = _scaled(V2_B0, best["phi"], classes=1000)
    assert best["phi"] < 0 and best["params"] == report.totals.params <= 7_000_000


def test_an_impossible_budget_says_so_in_one_line(run):
    code, out, err = run("plan", "--max-params", "1000")
    assert code == 0 and err == ""
    lines = [line for line in out.splitlines() if line.startswith("Nothing fits")]
    assert len(lines) == 1 and "efficientnetlite_b0" in lines[0] and "Presets within" not in out
    data = _plan(run, "--max-params", "1000")
    assert data["presets"] == [] and data["compound"] is None and len(data["notes"]) == 1
    assert data["notes"][0].startswith("Nothing fits the budget")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "--max-params: give a budget: --max-params, --max-macs or both"),
        (("--max-params", "5M", "--resolution", "224"), "--resolution: only with --grid"),
        (("--max-params", "5M", "--top", "3"), "--top: only with --grid"),
        (("--max-params", "5M", "--grid", "--resolution", "128:192"), "add --allow-shrink"),
        (("--max-macs", "1G", "--classes", "0"), "--classes: must be"),
    ],
)
def test_plan_option_errors(run, args, words):
    code, out, err = run("plan", *args)
    assert code == 2 and out == "" and words in err and len(err.strip().splitlines()) == 1


def test_grid_keeps_its_guarantees_within_the_new_bounds(run):
    data = _plan(run, "--max-params", "12M", "--max-macs", "2G", "--grid", "--resolution", "160:288:32")
    assert data["search"]["widths"] == [1.0, 4.0, len(GROW_WIDTHS)]
    assert data["search"]["depths"] == [1.0, GROW_DEPTHS[-1], len(GROW_DEPTHS)]
    assert data["search"]["resolutions"] == [224, 288, 3]  # from the base's native resolution up
    rows = data["frontier"]
    assert rows and all(c["width_coefficient"] >= 1 and c["depth_coefficient"] >= 1 for c in rows)
    assert all(c["blocks"] >= 21 and c["resolution"] >= 224 for c in rows)
    assert all(c["params"] <= 12_000_000 and c["macs"] <= 2_000_000_000 for c in rows)
    for c in rows[:3]:
        spec = scaled_spec(load_preset(V2_B0), width=c["width_coefficient"], depth=c["depth_coefficient"])
        report = summarize(spec, (c["resolution"], c["resolution"], 3), engine="analytic")
        assert (c["params"], c["macs"]) == (report.totals.params, report.totals.macs)
    # the frontier property: no listed candidate beats another on both params and MACs; the most MACs first
    for a in rows:
        assert not any(b is not a and b["params"] >= a["params"] and b["macs"] >= a["macs"] for b in rows)
    assert [c["macs"] for c in rows] == sorted((c["macs"] for c in rows), reverse=True)
    shrink = _plan(run, "--max-params", "12M", "--grid", "--allow-shrink", "--resolution", "160:288:32")
    assert shrink["search"]["widths"][0] == 0.25 and shrink["search"]["resolutions"][0] == 160


def test_grid_with_a_macs_budget_only():
    answer = recommend(
        load_preset(V2_B0), max_params=None, max_macs=1_000_000_000, grid=True, resolutions=[224, 256], top=None
    )
    assert answer.grid is not None and answer.grid.frontier
    assert list(answer.grid.frontier) == frontier(list(answer.grid.frontier))
    assert all(c.macs <= 1_000_000_000 for c in answer.grid.frontier)


def test_plan_formats_carry_every_section(run):
    code, out, _ = run("plan", "--max-params", "20M", "--max-macs", "5G", "--grid", "--top", "3", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["section"] for r in rows} == {"preset", "compound", "frontier"}
    assert sum(r["section"] == "frontier" for r in rows) <= 3
    assert [r["name"] for r in rows if r["section"] == "compound" and r["name"] == "best"] == ["best"]
    code, out, _ = run("plan", "--max-params", "20M", "--max-macs", "5G", "--grid", "--top", "3", "-f", "markdown")
    assert code == 0 and "Presets within the budget" in out and "Compound scaling from" in out and "Frontier" in out
    code, out, _ = run("plan", "--max-params", "20M")
    assert code == 0 and "best fit" in out and "78.7 @224" in out and "Frontier" not in out


def test_plan_help_says_what_the_tables_show(run):
    code, out, _ = run("plan", "--help", env={"COLUMNS": "200"})
    text = " ".join(out.replace("\u2502", " ").split())  # without the help box's borders
    assert code == 0
    for words in (
        "the best published ImageNet top-1 first",
        "the largest phi",
        "--allow-shrink",
        "no other beats on both params and MACs, the most MACs first",
        "no narrower, shallower or lower-resolution than the base",
        "counts the classifier head",
    ):
        assert words in text, words


# ---------------------------------------------------------------- published accuracy


def test_presets_show_the_published_accuracy(run):
    code, out, _ = run("presets", "-f", "json")
    data = json.loads(out)
    assert code == 0 and all(entry["published"]["top1"] > 0 for entry in data)
    b0 = next(e for e in data if e["name"] == V2_B0)
    assert b0["published"]["top1"] == 78.7 and b0["published"]["resolution"] == 224 and b0["published"]["source"]
    code, out, _ = run("presets", "--family", "v1", "--wide", env={"COLUMNS": "250"})
    assert code == 0 and "Top-1" in out and "77.1 @224" in out and "84.0 @528" in out
    code, out, _ = run("presets", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["top1"] == "78.7" and rows[0]["top1_resolution"] == "224"
    code, out, _ = run("presets", "--examples", "-f", "json")
    assert code == 0 and all(entry["published"] is None for entry in json.loads(out))


def test_compare_shows_the_published_accuracy(run):
    code, out, _ = run("compare", "b0", "tiny_v2", "-f", "json")
    models = json.loads(out)["models"]
    assert code == 0 and models[0]["published"]["top1"] == 78.7 and models[1]["published"] is None
    code, out, _ = run("compare", "v1-b0", "v1-b1", "--wide", env={"COLUMNS": "250"})
    assert code == 0 and "Top-1" in out and "77.1 @224" in out and "79.1 @240" in out
    assert "Top-1 is published at" not in out  # each model at its native resolution: nothing to explain
    code, out, _ = run("compare", "v1-b0", "v1-b1", "-r", "224", "--wide", env={"COLUMNS": "250"})
    assert code == 0 and "79.1 @240" in out  # v1-b1's accuracy is at 240, the comparison at 224
    assert (
        "Top-1 is published at each model's own resolution. 2. efficientnetv1_b1 is counted at 224 x 224, "
        "its top-1 was measured at 240." in out
    )
    code, out, _ = run("summary", "b0", "-f", "json")
    assert json.loads(out)["published"]["top1"] == 78.7
    code, out, _ = run("scale", "--phi", "1", "-f", "json")
    assert code == 0
