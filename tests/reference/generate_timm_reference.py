"""Regenerate tests/data/timm_reference.json from real timm builds of the presets keras-cv does not define.

keras-cv and keras.applications have none of these networks: EfficientNet-B8, L2 and
EfficientNetV2-XL come from timm's TensorFlow-compatible ports (``tf_`` models: TF's
BatchNorm epsilon and TF/Keras "same" padding); EfficientNet-EdgeTPU S/M/L from timm's
``efficientnet_es/em/el`` (the networks keras-hub's ``efficientnet_el_ra_imagenet`` and
timm's ``tf_efficientnet_es/em/el`` weights are loaded into); timm's own EfficientNetV2
variants from ``efficientnetv2_rw_t/s/m``. All are built from timm's own architecture
definitions, never from effcli's configs. effcli does not depend on
timm or torch; run this in a scratch environment:

    python -m venv /tmp/timmref && /tmp/timmref/bin/pip install torch timm
    /tmp/timmref/bin/python tests/reference/generate_timm_reference.py

(The CPU-only torch wheel is enough: ``pip install torch --index-url
https://download.pytorch.org/whl/cpu`` then ``pip install timm``.)

Each model is built with ``timm.create_model(NAME, pretrained=False,
num_classes=0, drop_path_rate=0.2)``: the backbone (stem, blocks, head conv)
without the classifier, as effcli counts it. It is run on a random input at
224x224, at the preset's native resolution and at 193x257 (odd and unequal
sides test the "same" padding), with forward hooks on every module. Recorded:

- per block (timm's ``model.blocks[i][j]``, named as effcli / Keras name it:
  ``block{i+1}{a..z, aa, ab, ...}``; ``conv_stem`` + ``bn1`` is ``stem``,
  ``conv_head`` + ``bn2`` is ``top``): trainable and non-trainable parameters,
  the output shape (H, W, C), the drop-path rate timm gives it, its MACs, and
  every convolution in execution order (kernel, stride, groups, in/out
  channels, output shape, parameters, MACs);
- the totals (parameters, trainable, non-trainable, MACs);
- the pyramid: ``model.feature_info`` (timm's stage-end taps) with the shapes
  that a real ``features_only=True`` build of the same model returns.

Counting, converted explicitly to Keras' convention:

- Keras' BatchNormalization holds 4*C weights: gamma and beta (trainable) and the
  moving mean and variance (non-trainable). timm's ``BatchNorm2d`` holds 2*C
  parameters (weight, bias) plus the buffers ``running_mean`` and
  ``running_var`` (2*C) and ``num_batches_tracked`` (one int64 counter that Keras
  does not have). So: trainable = every ``nn.Parameter``; non-trainable =
  ``running_mean`` + ``running_var`` of every BatchNorm; ``num_batches_tracked``
  is not counted.
- MACs of a convolution (``nn.Conv2d`` and timm's ``Conv2dSame``), read from
  the module and its real output in a forward hook:
  ``kh * kw * (cin / groups) * cout * H_out * W_out`` (no bias, no BatchNorm,
  no activation, as effcli's "convolutions only" MACs). The squeeze-excite
  1x1 convolutions on the pooled 1x1 map count too.
- Shapes are written channels-last (H, W, C) as Keras and effcli write them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import timm
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "tests" / "data" / "timm_reference.json"

# effcli preset -> (timm model name, native resolution of the preset, source of the numbers)
MODELS = {
    "efficientnetv1_b8": ("tf_efficientnet_b8", 672),
    "efficientnetv1_l2": ("tf_efficientnet_l2", 800),
    "efficientnetv2_xl": ("tf_efficientnetv2_xl", 512),
    "efficientnetv2_rw_t": ("efficientnetv2_rw_t", 224),
    "efficientnetv2_rw_s": ("efficientnetv2_rw_s", 288),
    "efficientnetv2_rw_m": ("efficientnetv2_rw_m", 320),
    "efficientnetedgetpu_s": ("efficientnet_es", 224),
    "efficientnetedgetpu_m": ("efficientnet_em", 240),
    "efficientnetedgetpu_l": ("efficientnet_el", 300),
}
DROP_PATH_RATE = 0.2


def block_letters(index: int) -> str:
    """a..z, then aa, ab, ... (effcli's block names past 26 repeats)."""
    if index < 26:
        return chr(97 + index)
    return chr(97 + index // 26 - 1) + chr(97 + index % 26)


def counts(module: nn.Module) -> tuple[int, int]:
    """(trainable, non-trainable) as Keras counts them; see the module docstring."""
    trainable = sum(p.numel() for p in module.parameters())
    non_trainable = sum(
        m.running_mean.numel() + m.running_var.numel()
        for m in module.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is not None
    )
    return int(trainable), int(non_trainable)


def hwc(tensor: torch.Tensor) -> list[int]:
    _, channels, height, width = tensor.shape
    return [int(height), int(width), int(channels)]


def groups_of(model: nn.Module) -> list[tuple[str, str, list[nn.Module]]]:
    """(effcli block name, timm module path(s), modules) in execution order."""
    out = [("stem", "conv_stem+bn1", [model.conv_stem, model.bn1])]
    for i, stage in enumerate(model.blocks):
        for j, block in enumerate(stage):
            out.append((f"block{i + 1}{block_letters(j)}", f"blocks.{i}.{j}", [block]))
    out.append(("top", "conv_head+bn2", [model.conv_head, model.bn2]))
    return out


def describe(model: nn.Module, height: int, width: int) -> dict:
    convs: dict[nn.Module, list[dict]] = {}
    outputs: dict[nn.Module, list[int]] = {}

    def conv_hook(module: nn.Conv2d, _inputs, output: torch.Tensor) -> None:
        kh, kw = module.kernel_size
        _, cout, h_out, w_out = output.shape
        macs = kh * kw * (module.in_channels // module.groups) * cout * h_out * w_out
        convs.setdefault(module, []).append(
            {
                "kernel": [kh, kw],
                "strides": list(module.stride),
                "groups": module.groups,
                "in_channels": module.in_channels,
                "out_channels": module.out_channels,
                "output_shape": hwc(output),
                "params": int(sum(p.numel() for p in module.parameters())),
                "macs": int(macs),
            }
        )

    def output_hook(module: nn.Module, _inputs, output: torch.Tensor) -> None:
        outputs[module] = hwc(output)

    groups = groups_of(model)
    handles = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    handles += [modules[-1].register_forward_hook(output_hook) for _, _, modules in groups]
    order: list[nn.Module] = []
    handles += [
        m.register_forward_hook(lambda mod, _i, _o: order.append(mod))
        for m in model.modules()
        if isinstance(m, nn.Conv2d)
    ]
    with torch.no_grad():
        model(torch.randn(1, 3, height, width))
    for handle in handles:
        handle.remove()

    blocks = []
    for name, path, modules in groups:
        members = {m for top in modules for m in top.modules() if isinstance(m, nn.Conv2d)}
        block_convs = [convs[m].pop(0) for m in order if m in members]
        trainable = sum(counts(m)[0] for m in modules)
        non_trainable = sum(counts(m)[1] for m in modules)
        entry = {
            "name": name,
            "timm_module": path,
            "params": trainable + non_trainable,
            "trainable": trainable,
            "non_trainable": non_trainable,
            "output_shape": outputs[modules[-1]],
            "macs": sum(c["macs"] for c in block_convs),
        }
        drop_path = getattr(modules[0], "drop_path", None)
        if drop_path is not None:
            entry["drop_path_rate"] = float(getattr(drop_path, "drop_prob", 0.0))
        entry["convs"] = block_convs
        blocks.append(entry)
    assert not any(convs.values()), "every convolution call belongs to one block"
    trainable, non_trainable = counts(model)
    assert trainable == sum(b["trainable"] for b in blocks), "the classifier is empty (num_classes=0)"
    return {
        "totals": {
            "params": trainable + non_trainable,
            "trainable": trainable,
            "non_trainable": non_trainable,
            "macs": sum(b["macs"] for b in blocks),
        },
        "blocks": blocks,
    }


def pyramid(features: nn.Module, height: int, width: int, names: dict[str, str]) -> list[dict]:
    with torch.no_grad():
        maps = features(torch.randn(1, 3, height, width))
    return [
        {
            "level": f"P{i + 1}",
            "timm_module": info["module"],
            "block": names[info["module"]],
            "reduction": info["reduction"],
            "num_chs": info["num_chs"],
            "output_shape": hwc(tensor),
        }
        for i, (info, tensor) in enumerate(zip(features.feature_info.get_dicts(), maps, strict=True))
    ]


def dump(data: dict) -> str:
    """JSON with one line per block: small, and diffs stay readable."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace('{"name"', '\n{"name"').replace('"pyramid"', '\n"pyramid"') + "\n"


def main() -> None:
    torch.manual_seed(0)
    out = {
        "generator": "tests/reference/generate_timm_reference.py",
        "timm": timm.__version__,
        "torch": torch.__version__,
        "counting": (
            "Keras convention: trainable = nn.Parameters; non_trainable = BatchNorm running_mean + running_var "
            "(timm BatchNorm2d: 2*C parameters + 2*C buffers = Keras' 4*C weights); num_batches_tracked not "
            "counted. MACs = kh*kw*(cin/groups)*cout*H_out*W_out of every Conv2d, from forward hooks. "
            "Shapes are (H, W, C)."
        ),
        "models": {},
    }
    for preset, (timm_name, native) in MODELS.items():
        sizes = sorted({(224, 224), (native, native), (193, 257)})
        model = timm.create_model(timm_name, pretrained=False, num_classes=0, drop_path_rate=DROP_PATH_RATE).eval()
        entry = {
            "timm_model": f"timm.create_model('{timm_name}', pretrained=False, num_classes=0, drop_path_rate=0.2)",
            "num_features": int(model.num_features),
            "pretrained_cfg": {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in model.pretrained_cfg.items()
                if key in ("architecture", "tag", "hf_hub_id", "input_size", "test_input_size", "crop_pct")
            },
            "stage_repeats": [len(stage) for stage in model.blocks],
            "sizes": {},
        }
        names = {f"blocks.{i}": f"block{i + 1}{block_letters(len(s) - 1)}" for i, s in enumerate(model.blocks)}
        for height, width in sizes:
            entry["sizes"][f"{height}x{width}"] = describe(model, height, width)
            print(preset, timm_name, height, width, entry["sizes"][f"{height}x{width}"]["totals"], flush=True)
        del model
        features = timm.create_model(timm_name, pretrained=False, features_only=True).eval()
        for height, width in sizes:
            entry["sizes"][f"{height}x{width}"]["pyramid"] = pyramid(features, height, width, names)
        del features
        out["models"][preset] = entry
    TARGET.write_text(dump(out))
    print("wrote", TARGET, file=sys.stderr)


if __name__ == "__main__":
    main()
