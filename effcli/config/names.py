"""Every name effcli accepts for a preset, and the look-alike names it refuses: the one name table.

Three kinds of names reach a preset:

- effcli's own: the preset names (``configs/*.yaml``) and the short aliases (``b0``, ``s``, ``v1-b3``, ``lite0``);
- other ecosystems' names for the same network: keras.applications and keras-cv class names, keras-cv and
  keras-hub preset names, timm and torchvision model names. Only names whose network is the paper's (same
  blocks, channels, repeats; padding and weights may differ) are accepted;
- names that look alike but mean another network (timm's own EfficientNetV2 variants, EdgeTPU, CondConv,
  MixNet, EfficientNet-X, pruned or GroupNorm experiments) are refused with what they are.

Names compare case-insensitively, with ``-`` and ``_`` alike; a timm pretrained tag (``efficientnet_b3.ra2_in1k``)
names weights, not a network, and is ignored. Pure data and string matching: no file is read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from effcli.records import record

V2, V1, LITE, EDGETPU = "efficientnetv2", "efficientnetv1", "efficientnetlite", "efficientnetedgetpu"
V2_SIZES = ("b0", "b1", "b2", "b3", "s", "m", "l")
EFFCLI, ALIAS = "effcli", "effcli alias"
KERAS_APPS, KERAS_CV, KERAS_HUB, TIMM, TORCHVISION = (
    "keras.applications",
    "keras-cv",
    "keras-hub",
    "timm",
    "torchvision",
)

ALIASES: dict[str, str] = {
    **{f"b{i}": f"{V2}_b{i}" for i in range(4)},
    **{size: f"{V2}_{size}" for size in ("s", "m", "l", "xl")},
    **{f"v1-b{i}": f"{V1}_b{i}" for i in range(9)},
    "v1-l2": f"{V1}_l2",
    **{f"lite{i}": f"{LITE}_b{i}" for i in range(5)},
    **{f"edgetpu-{size}": f"{EDGETPU}_{size}" for size in ("s", "m", "l")},
    **{f"rw-{size}": f"{V2}_rw_{size}" for size in ("t", "s", "m")},
}

FILE_SUFFIXES = ("yaml", "yml", "keras", "json")  # b0.yaml is a file, never b0 with a timm tag
TAG_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")  # of a timm pretrained tag (lower case)
TIMM_TRAINED = "timm-trained weights ported to keras-hub, on the paper's network"
TIMM_TRAINED_EDGETPU = "timm-trained weights ported to keras-hub, on Google's EdgeTPU network"
TIMM_TRAINED_RW = "timm's own EfficientNetV2 variant and weights, ported to keras-hub"
TIMM_RESOLUTION = "timm's pretrained weights use their own default resolution; effcli's native one is the paper's"


def key(name: str) -> str:
    """The form names are compared in: lower case, ``-`` as ``_``, no surrounding spaces."""
    return name.strip().lower().replace("-", "_")


@record
class Name:
    """A name another ecosystem (or effcli) gives to one of effcli's presets."""

    name: str  # as the ecosystem spells it
    preset: str
    ecosystem: str
    remark: str = ""


@record
class Refusal:
    """A name that looks like a preset's but means another network."""

    name: str
    ecosystem: str
    what: str  # what the network is, in a few words
    closest: str | None = None  # the nearest effcli preset, if any


def _ecosystem_names() -> list[Name]:
    names: list[Name] = []
    add = names.append
    for i in range(8):  # EfficientNet (V1) B0..B7
        preset = f"{V1}_b{i}"
        add(Name(f"EfficientNetB{i}", preset, KERAS_APPS))
        add(Name(f"EfficientNetV1B{i}Backbone", preset, KERAS_CV))
        add(Name(f"efficientnet_b{i}", preset, TORCHVISION))
    for i in range(9):
        preset = f"{V1}_b{i}"
        remark = TIMM_RESOLUTION if 1 <= i <= 5 else ""
        add(Name(f"efficientnet_b{i}", preset, TIMM, remark))
        add(Name(f"tf_efficientnet_b{i}", preset, TIMM))
    add(Name("efficientnet_l2", f"{V1}_l2", TIMM))
    add(Name("tf_efficientnet_l2", f"{V1}_l2", TIMM))
    for hub, i in (
        ("efficientnet_b0_ra_imagenet", 0),
        ("efficientnet_b0_ra4_e3600_r224_imagenet", 0),
        ("efficientnet_b1_ft_imagenet", 1),
        ("efficientnet_b1_ra4_e3600_r240_imagenet", 1),
        ("efficientnet_b2_ra_imagenet", 2),
        ("efficientnet_b3_ra2_imagenet", 3),
        ("efficientnet_b4_ra2_imagenet", 4),
        ("efficientnet_b5_sw_imagenet", 5),
        ("efficientnet_b5_sw_ft_imagenet", 5),
    ):
        add(Name(hub, f"{V1}_b{i}", KERAS_HUB, TIMM_TRAINED))
    for size in V2_SIZES:  # EfficientNetV2
        preset = f"{V2}_{size}"
        upper = size.upper()
        add(Name(f"EfficientNetV2{upper}", preset, KERAS_APPS))
        add(Name(f"EfficientNetV2{upper}Backbone", preset, KERAS_CV))
        add(Name(preset, preset, TIMM))
        add(Name(f"tf_efficientnetv2_{size}", preset, TIMM))
        if size in ("s", "m", "l"):
            add(Name(f"efficientnet_v2_{size}", preset, TORCHVISION))
    for size in ("s", "b0", "b1", "b2"):
        add(Name(f"{V2}_{size}_imagenet", f"{V2}_{size}", KERAS_CV))
    add(Name(f"{V2}_xl", f"{V2}_xl", TIMM))
    add(Name("tf_efficientnetv2_xl", f"{V2}_xl", TIMM))
    for i in range(5):  # EfficientNet-Lite
        preset = f"{LITE}_b{i}"
        add(Name(f"EfficientNetLiteB{i}Backbone", preset, KERAS_CV))
        add(Name(f"efficientnet_lite{i}", preset, TIMM))
        add(Name(f"tf_efficientnet_lite{i}", preset, TIMM))
    add(Name("efficientnet_lite0_ra_imagenet", f"{LITE}_b0", KERAS_HUB, TIMM_TRAINED))
    for size in ("s", "m", "l"):  # EfficientNet-EdgeTPU
        preset = f"{EDGETPU}_{size}"
        add(Name(f"efficientnet_e{size}", preset, TIMM))
        add(Name(f"tf_efficientnet_e{size}", preset, TIMM))
    for hub, size in (("efficientnet_es_ra_imagenet", "s"), ("efficientnet_em_ra2_imagenet", "m")):
        add(Name(hub, f"{EDGETPU}_{size}", KERAS_HUB, TIMM_TRAINED_EDGETPU))
    add(Name("efficientnet_el_ra_imagenet", f"{EDGETPU}_l", KERAS_HUB, TIMM_TRAINED_EDGETPU))
    for size, hub in (("t", "ra2"), ("s", "ra2"), ("m", "agc")):  # timm's own EfficientNetV2 variants
        add(Name(f"efficientnetv2_rw_{size}", f"{V2}_rw_{size}", TIMM))
        add(Name(f"efficientnet2_rw_{size}_{hub}_imagenet", f"{V2}_rw_{size}", KERAS_HUB, TIMM_TRAINED_RW))
    return names


def _refusals() -> list[Refusal]:
    refused: list[Refusal] = []
    add = refused.append
    gc = "Ross Wightman's own EfficientNetV2-T variant in timm with global-context attention (not the paper's V2)"
    add(Refusal("gc_efficientnetv2_rw_t", TIMM, gc, f"{V2}_rw_t"))
    edge = "EfficientNet-EdgeTPU-{}, channel-pruned (other filter counts in every stage)"
    add(Refusal("efficientnet_es_pruned", TIMM, edge.format("S"), f"{EDGETPU}_s"))
    add(Refusal("efficientnet_el_pruned", TIMM, edge.format("L"), f"{EDGETPU}_l"))
    for experts, size in (("4e", 0), ("8e", 0), ("8e", 1)):
        what = f"CondConv EfficientNet-B{size} ({experts[0]} experts per convolution)"
        add(Refusal(f"efficientnet_cc_b{size}_{experts}", TIMM, what, f"{V1}_b{size}"))
        add(Refusal(f"tf_efficientnet_cc_b{size}_{experts}", TIMM, what, f"{V1}_b{size}"))
    mixnet = "MixNet (mixed-kernel depthwise convolutions), a different network searched by the same authors"
    for tier, closest in (("s", 0), ("m", 0), ("l", 1), ("xl", 2), ("xxl", 3)):
        add(Refusal(f"mixnet_{tier}", TIMM, mixnet, f"{V1}_b{closest}"))
        if tier in ("s", "m", "l"):
            add(Refusal(f"tf_mixnet_{tier}", TIMM, mixnet, f"{V1}_b{closest}"))
    for size in (3, 5):
        add(
            Refusal(
                f"efficientnet_x_b{size}",
                TIMM,
                "EfficientNet-X (space-to-depth stem, TPU/GPU-searched)",
                f"{V1}_b{size}",
            )
        )
    add(Refusal("efficientnet_h_b5", TIMM, "timm's EfficientNet-H experiment (a wider head)", f"{V1}_b5"))
    for variant, what, size in (
        ("b0_gn", "GroupNorm instead of BatchNorm", 0),
        ("b0_g8_gn", "grouped convolutions and GroupNorm", 0),
        ("b0_g16_evos", "grouped convolutions and EvoNorm", 0),
        ("b3_gn", "GroupNorm instead of BatchNorm", 3),
        ("b3_g8_gn", "grouped convolutions and GroupNorm", 3),
        ("blur_b0", "blur-pool downsampling", 0),
    ):
        add(
            Refusal(
                f"efficientnet_{variant}", TIMM, f"timm's EfficientNet-B{size} experiment with {what}", f"{V1}_b{size}"
            )
        )
    for size in (1, 2, 3):
        what = f"a channel-pruned EfficientNet-B{size} (narrower layers than B{size})"
        add(Refusal(f"efficientnet_b{size}_pruned", TIMM, what, f"{V1}_b{size}"))
    return refused


def _merged(names: Iterable[Name]) -> dict[str, list[Name]]:
    table: dict[str, list[Name]] = {}
    for name in names:
        table.setdefault(key(name.name), []).append(name)
    return table


ECOSYSTEM_NAMES: tuple[Name, ...] = tuple(_ecosystem_names())
REFUSED: tuple[Refusal, ...] = tuple(_refusals())
_BY_KEY = _merged(ECOSYSTEM_NAMES)
_REFUSED_BY_KEY = {key(r.name): r for r in REFUSED}
_ALIAS_BY_KEY = {key(alias): preset for alias, preset in ALIASES.items()}
assert not set(_BY_KEY) & set(_REFUSED_BY_KEY), "a name is both accepted and refused"
assert all(len({n.preset for n in found}) == 1 for found in _BY_KEY.values()), "a name means two presets"


@record
class Match:
    """What a name means: a preset (through effcli's own name, an alias or another ecosystem's names)."""

    preset: str
    names: tuple[Name, ...] = ()  # the ecosystem names matched, empty for effcli's own names and aliases
    tag: str = ""  # a timm pretrained tag that was ignored

    def note(self, given: str) -> str | None:
        """The one-line note saying what an ecosystem name resolved to, or None for effcli's own names."""
        if not self.names:
            return None
        ecosystems = ", ".join(dict.fromkeys(n.ecosystem for n in self.names))
        remarks = [n.remark for n in self.names if n.remark]
        extra = f"; the tag .{self.tag} names weights, not a network" if self.tag else ""
        extra += f" ({remarks[0]})" if remarks else ""
        return f"{given.strip()} ({ecosystems}) is effcli's {self.preset}{extra}"


def _split_tag(lowered: str) -> tuple[str, str]:
    name, _, tag = lowered.partition(".")
    return name, tag


def lookup(name: str, presets: Iterable[str]) -> Match | Refusal | None:
    """What ``name`` means: a :class:`Match`, a :class:`Refusal`, or None (not a name effcli knows).

    ``presets``: the preset names available (``configs/*.yaml``); an effcli name is matched against these, an
    ecosystem name may map to a preset that is not installed (the caller says so).
    """
    wanted = key(name)
    available = {key(p): p for p in presets}
    for candidate, tag in ((wanted, ""), _split_tag(wanted)):
        if tag and (tag in FILE_SUFFIXES or not TAG_CHARACTERS.issuperset(tag)):
            continue
        if candidate in _REFUSED_BY_KEY:
            return _REFUSED_BY_KEY[candidate]
        ecosystem = tuple(_BY_KEY.get(candidate, ()))
        if not tag:
            if candidate in available:
                return Match(available[candidate])
            if candidate in _ALIAS_BY_KEY:
                return Match(_ALIAS_BY_KEY[candidate])
        if ecosystem:
            return Match(ecosystem[0].preset, ecosystem, tag)
    return None


def accepted(presets: Iterable[str]) -> list[tuple[str, str, str, str]]:
    """Every accepted name as (name, preset, ecosystems, remark), effcli's names first, in preset order."""
    order = list(presets)
    rows: dict[str, list] = {}
    for preset in order:
        rows[key(preset)] = [preset, preset, [EFFCLI], ""]
    for alias, preset in ALIASES.items():
        if preset in order:
            rows[key(alias)] = [alias, preset, [ALIAS], ""]
    for name in ECOSYSTEM_NAMES:
        if name.preset not in order:
            continue
        row = rows.setdefault(key(name.name), [name.name, name.preset, [], name.remark])
        if name.ecosystem not in row[2]:
            row[2].append(name.ecosystem)
        row[3] = row[3] or name.remark
    rank = {p: i for i, p in enumerate(order)}
    ordered = sorted(rows.values(), key=lambda r: rank[r[1]])  # stable: effcli, aliases, then ecosystems
    return [(name, preset, ", ".join(ecosystems), remark) for name, preset, ecosystems, remark in ordered]


# ------------------------------------------------------------------ did-you-mean


def family_of(name: str) -> str | None:
    """The family a (mistyped) name points at, when its spelling says so: ``efficientnetb9`` is V1."""
    k = key(name)
    if "edgetpu" in k or re.fullmatch(r"(tf_)?efficientnet_?e[sml]\d*.*", k):
        return EDGETPU
    if "lite" in k:
        return LITE
    if "v2" in k or re.search(r"efficientnet_?v2", k):
        return V2
    if "v1" in k or re.fullmatch(r"(tf_)?efficientnet_?b\d+.*", k):
        return V1
    return None


def _size(name: str) -> int | None:
    found = re.search(r"(?:^|[_a-z])b(\d+)", key(name))
    if found is None:
        found = re.search(r"lite(\d+)", key(name))
    return int(found.group(1)) if found else None


def suggestions(name: str, candidates: dict[str, str], families: dict[str, str], n: int = 4) -> list[str]:
    """The closest names to ``name``: ``candidates`` maps each spelling to its preset, ``families`` a preset to
    its family. Prefers the family the name's spelling points at and the nearest size; one spelling per preset."""
    import difflib

    wanted = key(name)
    family = family_of(name)
    size = _size(name)
    best: dict[str, tuple[float, int, str]] = {}
    for spelling, preset in candidates.items():
        if family is not None and families.get(preset) != family:
            continue
        score = difflib.SequenceMatcher(None, wanted, key(spelling)).ratio()
        if key(preset).partition("_")[2] == wanted.partition("_")[2]:
            score += 0.3  # the same size: v2-s and efficientnetv2_s (not efficientnetv2_rw_s)
        other = _size(preset)
        distance = abs(size - other) if size is not None and other is not None else 99
        score += max(0.0, 0.5 - 0.1 * distance)
        if score > best.get(preset, (0.0, 0, ""))[0]:
            best[preset] = (round(score, 6), distance, spelling)
    ranked = sorted(best.values(), key=lambda found: (-found[0], found[1]))  # ties: the nearest size first
    return [spelling for score, _, spelling in ranked if score >= 0.5][:n]
