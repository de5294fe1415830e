"""Names from every ecosystem, refusals of look-alikes, did-you-mean, `presets --aliases`, examples by name."""

from __future__ import annotations

import csv
import io
import json

import pytest

from effcli.config import names
from effcli.config.names import ALIASES, ECOSYSTEM_NAMES, REFUSED, Match, Refusal, lookup
from effcli.config.presets import canonical_name, example_files, preset_names

# Presets another change adds (configs/efficientnetv1_b8.yaml, ...): their names are in the table already.
UPCOMING = {"efficientnetv1_b8", "efficientnetv1_l2", "efficientnetv2_xl"}

KERAS_APPS = [(f"EfficientNetB{i}", f"efficientnetv1_b{i}") for i in range(8)] + [
    (f"EfficientNetV2{s.upper()}", f"efficientnetv2_{s}") for s in ("b0", "b1", "b2", "b3", "s", "m", "l")
]
TIMM = (
    [(f"tf_efficientnet_b{i}", f"efficientnetv1_b{i}") for i in range(9)]
    + [(f"efficientnet_b{i}", f"efficientnetv1_b{i}") for i in range(9)]
    + [("tf_efficientnet_l2", "efficientnetv1_l2"), ("efficientnet_l2", "efficientnetv1_l2")]
    + [(f"tf_efficientnetv2_{s}", f"efficientnetv2_{s}") for s in ("b0", "b1", "b2", "b3", "s", "m", "l", "xl")]
    + [(f"tf_efficientnet_lite{i}", f"efficientnetlite_b{i}") for i in range(5)]
    + [(f"efficientnet_lite{i}", f"efficientnetlite_b{i}") for i in range(5)]
)
TORCHVISION = [(f"efficientnet_b{i}", f"efficientnetv1_b{i}") for i in range(8)] + [
    (f"efficientnet_v2_{s}", f"efficientnetv2_{s}") for s in ("s", "m", "l")
]
KERAS_CV_HUB = [
    ("EfficientNetV1B3Backbone", "efficientnetv1_b3"),
    ("EfficientNetV2SBackbone", "efficientnetv2_s"),
    ("EfficientNetLiteB4Backbone", "efficientnetlite_b4"),
    ("efficientnetv2_b2_imagenet", "efficientnetv2_b2"),
    ("efficientnet_b0_ra_imagenet", "efficientnetv1_b0"),
    ("efficientnet_b1_ft_imagenet", "efficientnetv1_b1"),
    ("efficientnet_b5_sw_ft_imagenet", "efficientnetv1_b5"),
    ("efficientnet_lite0_ra_imagenet", "efficientnetlite_b0"),
]
SPELLINGS = [("efficientnetb2", "efficientnetv1_b2"), ("EFFICIENTNET-V2-S", "efficientnetv2_s")]
SPELLINGS += [("tf-efficientnet-b4", "efficientnetv1_b4"), ("efficientnet_b3.ra2_in1k", "efficientnetv1_b3")]
EVERY_NAME = KERAS_APPS + TIMM + TORCHVISION + KERAS_CV_HUB + SPELLINGS


@pytest.mark.parametrize(("name", "preset"), EVERY_NAME, ids=[n for n, _ in EVERY_NAME])
def test_the_table_maps_every_ecosystem_name(name, preset):
    found = lookup(name, preset_names())
    assert isinstance(found, Match) and found.preset == preset
    ecosystems = ", ".join(dict.fromkeys(n.ecosystem for n in found.names))
    assert (found.note(name) or "").startswith(f"{name} ({ecosystems}) is effcli's {preset}")


INSTALLED = [(n, p) for n, p in EVERY_NAME if p not in UPCOMING or p in preset_names()]


@pytest.mark.parametrize(("name", "preset"), INSTALLED, ids=[n for n, _ in INSTALLED])
def test_ecosystem_names_resolve_with_a_note_on_stderr(run, name, preset):
    code, out, err = run("summary", name, "-f", "json")
    assert code == 0, err
    assert json.loads(out)["name"] == preset  # stdout: the JSON alone
    assert err.startswith(f"Note: {name} (") and f"is effcli's {preset}" in err and err.count("\n") == 1


def test_effcli_names_and_aliases_still_work_silently(run):
    for alias, preset in ALIASES.items():
        assert canonical_name(alias) == preset
        assert canonical_name(alias.replace("-", "_").upper()) == preset
    for name in ("b0", "v1-b3", "lite0", "s", "efficientnetv2-b1"):
        code, _, err = run("summary", name, "-f", "json")
        assert (code, err) == (0, "")


def test_upcoming_presets_are_named_in_the_table():
    for name, preset in [("EfficientNetB7", "efficientnetv1_b7"), ("tf_efficientnet_b8", "efficientnetv1_b8")]:
        assert lookup(name, []).preset == preset  # type: ignore[union-attr]
    assert {n.preset for n in ECOSYSTEM_NAMES} >= UPCOMING


def test_a_name_for_a_preset_not_installed_is_one_error_line(run):
    if "efficientnetv1_b8" in preset_names():
        pytest.skip("efficientnetv1_b8 is installed")
    code, out, err = run("summary", "tf_efficientnet_b8")
    assert code == 2 and out == ""
    assert err.startswith("Error: tf_efficientnet_b8 (timm) is effcli's efficientnetv1_b8") and err.count("\n") == 1


REFUSALS = [
    ("gc_efficientnetv2_rw_t", "global-context attention", "efficientnetv2_rw_t"),
    ("efficientnet_es_pruned", "channel-pruned", "efficientnetedgetpu_s"),
    ("efficientnet_el_pruned", "channel-pruned", "efficientnetedgetpu_l"),
    ("efficientnet_cc_b0_8e", "CondConv", "efficientnetv1_b0"),
    ("mixnet_xl", "MixNet", "efficientnetv1_b2"),
    ("efficientnet_x_b3", "EfficientNet-X", "efficientnetv1_b3"),
    ("efficientnet_b3_pruned", "pruned", "efficientnetv1_b3"),
    ("efficientnet_b0_gn", "GroupNorm", "efficientnetv1_b0"),
]


@pytest.mark.parametrize(("name", "what", "closest"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_look_alike_names_are_refused_with_what_they_are(run, name, what, closest):
    code, out, err = run("summary", name, "-f", "json")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: '{name}' (")
    assert what in lines[0] and f"closest effcli preset is {closest}" in lines[0]


def test_the_table_is_consistent():
    accepted = {names.key(n.name) for n in ECOSYSTEM_NAMES}
    refused = {names.key(r.name) for r in REFUSED}
    assert not accepted & refused
    presets = set(preset_names()) | UPCOMING
    assert {n.preset for n in ECOSYSTEM_NAMES} <= presets
    assert {r.closest for r in REFUSED if r.closest} <= set(preset_names())
    assert all(isinstance(lookup(r.name, preset_names()), Refusal) for r in REFUSED)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("efficientnetv2_b7", ["efficientnetv2_b3"]),
        ("lite7", ["lite4"]),
        ("v2-s", ["efficientnetv2_s"]),
        ("efficentnet_b3", ["efficientnet_b3"]),
    ],
)
def test_did_you_mean_prefers_the_family_and_size(run, name, expected):
    code, _, err = run("summary", name)
    assert code == 2
    closest = err.split("closest: ", 1)[1].split(" (", 1)[0].split(", ")
    assert closest[: len(expected)] == expected


def test_did_you_mean_b9_points_at_v1_not_v2(run):
    code, _, err = run("summary", "b9")
    closest = err.split("closest: ", 1)[1].split(" (", 1)[0].split(", ")
    assert code == 2 and closest[:2] == (
        ["v1-b8", "v1-b7"] if "efficientnetv1_b8" in preset_names() else ["v1-b7", "v1-b6"]
    )


def test_did_you_mean_efficientnetb9_suggests_v1_names(run):
    code, _, err = run("summary", "efficientnetb9")
    closest = err.split("closest: ", 1)[1].split(" (", 1)[0].split(", ")
    assert code == 2 and all((canonical_name(name) or "").startswith("efficientnetv1_b") for name in closest)
    assert "EfficientNetB7" in closest


def test_did_you_mean_stays_in_the_family():
    for name in ("efficientnetb9", "tf_efficientnet_b12"):
        candidates = {s: p for s, p, _, _ in names.accepted(preset_names())}
        families = {p: p.partition("_")[0] for p in preset_names()}
        assert all(candidates[s].startswith("efficientnetv1") for s in names.suggestions(name, candidates, families))


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_presets_aliases_in_every_format(run, fmt):
    code, out, err = run("presets", "--aliases", "-f", fmt)
    assert (code, err) == (0, "")
    if fmt == "json":
        data = json.loads(out)
        accepted = {e["name"]: e for e in data["accepted"]}
        assert accepted["EfficientNetB2"]["preset"] == "efficientnetv1_b2"
        assert accepted["EfficientNetB2"]["ecosystems"] == ["keras.applications"]
        assert set(accepted["efficientnet_b0"]["ecosystems"]) == {"timm", "torchvision"}
        assert accepted["b0"]["preset"] == "efficientnetv2_b0"
        refused = {e["name"]: e for e in data["refused"]}
        assert refused["gc_efficientnetv2_rw_t"]["closest"] == "efficientnetv2_rw_t"
        assert accepted["efficientnetv2_rw_s"]["preset"] == "efficientnetv2_rw_s"
        assert {e["preset"] for e in data["accepted"]} == set(preset_names())
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert {r["status"] for r in rows} == {"accepted", "refused"}
        row = next(r for r in rows if r["name"] == "efficientnet_v2_s")
        assert (row["preset"], row["ecosystems"]) == ("efficientnetv2_s", "torchvision")
    else:
        for text in ("EfficientNetV2B0", "tf_efficientnet_lite4", "efficientnet_v2_m", "mixnet_s", "edgetpu-s"):
            assert text in out


def test_presets_aliases_keeps_one_family(run):
    code, out, _ = run("presets", "--aliases", "--family", "lite", "-f", "json")
    data = json.loads(out)
    assert code == 0 and {e["preset"] for e in data["accepted"]} == {f"efficientnetlite_b{i}" for i in range(5)}


def test_examples_work_by_name_from_any_folder(run, tmp_path):
    assert set(example_files()) == {"tiny_v2", "keras_cv_efficientnetv2_b2"}
    code, out, err = run("summary", "tiny_v2", "-f", "json")
    assert (code, err) == (0, "") and json.loads(out)["name"] == "tiny_v2"
    code, out, err = run("export", "keras_cv_efficientnetv2_b2")
    assert (code, err) == (0, "") and "stages:" in out
    code, out, err = run("compare", "TINY-V2", "b0", "-f", "json")
    assert code == 0, err


def test_presets_lists_the_examples(run):
    code, out, _ = run("presets", "--examples", "-f", "json")
    assert code == 0 and [e["name"] for e in json.loads(out)] == list(example_files())
    code, out, _ = run("presets")
    assert code == 0 and "tiny_v2" in out and "--examples" in out and "--aliases" in out
    code, out, _ = run("presets", "-f", "json")
    assert [e["name"] for e in json.loads(out)] == preset_names()  # the JSON contract is unchanged
    code, _, err = run("presets", "--examples", "--aliases")
    assert code == 2 and err.startswith("Error: ")


def test_a_preset_name_wins_over_a_file_of_the_same_name(run, tmp_path):
    tiny = example_files()["tiny_v2"].read_text()
    (tmp_path / "b0").write_text(tiny)
    code, out, err = run("summary", "b0", "-f", "json")
    assert code == 0 and json.loads(out)["name"] == "efficientnetv2_b0"
    assert (
        err == "Note: 'b0' is the preset efficientnetv2_b0; a file of that name is here too (write ./b0 for the file)\n"
    )
    code, out, err = run("summary", "./b0", "-f", "json")
    assert (code, err) == (0, "") and json.loads(out)["name"] == "tiny_v2"


def test_an_example_name_wins_over_a_file_and_a_refused_name_yields_to_one(run, tmp_path):
    (tmp_path / "tiny_v2").write_text(example_files()["tiny_v2"].read_text().replace("name: tiny_v2", "name: mine"))
    code, out, err = run("summary", "tiny_v2", "-f", "json")
    assert code == 0 and json.loads(out)["name"] == "tiny_v2" and "the example tiny_v2" in err
    (tmp_path / "mixnet_s").write_text(example_files()["tiny_v2"].read_text())
    code, out, err = run("summary", "mixnet_s", "-f", "json")
    assert (code, err) == (0, "") and json.loads(out)["name"] == "tiny_v2"


def test_a_yaml_file_is_never_taken_for_a_tagged_name(run):
    code, _, err = run("summary", "efficientnet_b0.yaml")
    assert code == 2 and "efficientnet_b0.yaml" in err and "Note" not in err


EDGETPU_AND_RW_NAMES = [
    ("efficientnet_es", "timm", "efficientnetedgetpu_s"),
    ("tf_efficientnet_em", "timm", "efficientnetedgetpu_m"),
    ("efficientnet_el.ra_in1k", "timm", "efficientnetedgetpu_l"),
    ("efficientnet_es_ra_imagenet", "keras-hub", "efficientnetedgetpu_s"),
    ("efficientnet_em_ra2_imagenet", "keras-hub", "efficientnetedgetpu_m"),
    ("efficientnet_el_ra_imagenet", "keras-hub", "efficientnetedgetpu_l"),
    ("efficientnetv2_rw_t", None, "efficientnetv2_rw_t"),  # timm's name is the preset's
    ("EfficientNetV2_RW_S.ra2_in1k", "timm", "efficientnetv2_rw_s"),
    ("efficientnet2_rw_t_ra2_imagenet", "keras-hub", "efficientnetv2_rw_t"),
    ("efficientnet2_rw_s_ra2_imagenet", "keras-hub", "efficientnetv2_rw_s"),
    ("efficientnet2_rw_m_agc_imagenet", "keras-hub", "efficientnetv2_rw_m"),
    ("edgetpu-l", None, "efficientnetedgetpu_l"),
    ("rw-m", None, "efficientnetv2_rw_m"),
]


@pytest.mark.parametrize(("name", "ecosystem", "preset"), EDGETPU_AND_RW_NAMES)
def test_edgetpu_and_rw_names_resolve(run, name, ecosystem, preset):
    code, out, err = run("summary", name, "-f", "json")
    assert code == 0 and json.loads(out)["name"] == preset
    if ecosystem is not None:
        assert err.startswith(f"Note: {name} ({ecosystem}) is effcli's {preset}")


def test_did_you_mean_knows_edgetpu(run):
    code, out, err = run("summary", "efficientnet_edgtpu_m")
    assert code == 2 and out == "" and "efficientnetedgetpu_m" in err and err.count("\n") == 1


def test_presets_aliases_keeps_the_edgetpu_family(run):
    code, out, _ = run("presets", "--aliases", "--family", "edgetpu", "-f", "json")
    data = json.loads(out)
    assert code == 0 and {e["preset"] for e in data["accepted"]} == {f"efficientnetedgetpu_{s}" for s in "sml"}
    assert {e["name"] for e in data["refused"]} == {"efficientnet_es_pruned", "efficientnet_el_pruned"}
