"""One block, explained: its layers, the channel flow, and why it is built the way it is."""

from __future__ import annotations

import difflib
from typing import Any

from effcli.core.plan import STAGE_KINDS
from effcli.core.report import BlockReport, Report
from effcli.errors import EffcliError
from effcli.records import record


@record
class Explanation:
    report: Report
    block: BlockReport
    index: int | None  # position among the blocks (0-based), None for the stem and top
    count: int  # number of blocks
    flow: tuple[str, ...]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        block = self.block.to_dict()
        block["layers"] = [layer.to_dict() for layer in self.block.layers]
        return {
            "model": self.report.name,
            "family": self.report.family,
            "input_shape": list(self.report.input_shape),
            "block": block,
            "channel_flow": list(self.flow),
            "reasons": list(self.reasons),
        }


def channel_flow(block: BlockReport) -> list[str]:
    """Channels through the block: input, each conv on the main path, the SE squeeze width, output."""
    flow = [str(block.input_channels)]
    for layer in block.layers:
        if layer.op not in ("conv", "dwconv", "dense"):
            continue
        if layer.role == "se_expand":
            continue
        channels = layer.output_shape[-1]
        flow.append(f"SE {channels}" if layer.role == "se_reduce" else str(channels))
    return flow


def _reasons(report: Report, block: BlockReport, index: int | None, count: int) -> list[str]:
    k = f"{block.kernel_size}x{block.kernel_size}"
    reasons = []
    if block.type == "stem":
        return [
            f"stem: a {k} convolution with stride 2 turns the {block.input_channels}-channel image into "
            f"{block.output_filters} channels at half the resolution, then BatchNorm and {report.activation}",
        ]
    if block.type == "head":
        return _head_reasons(block)
    if block.type == "top":
        return [
            f"top: a 1x1 convolution widens the last stage's {block.input_channels} channels to "
            f"{block.output_filters} features, then BatchNorm and {report.activation}; its output is the last "
            "pyramid level",
        ]
    expanded = block.expanded_filters
    if block.type == "fused":
        if block.expand_ratio == 1:
            reasons.append(
                f"Fused-MBConv with expand ratio 1: no expansion; one {k} convolution maps "
                f"{block.input_channels} -> {block.output_filters} channels directly"
            )
        else:
            reasons.append(
                f"Fused-MBConv: a single {k} convolution expands {block.input_channels} -> {expanded} channels "
                f"(x{block.expand_ratio}) where MBConv would use a 1x1 expand and a {k} depthwise convolution; "
                "EfficientNetV2 puts it in the early, narrow stages, where a full convolution is cheap and runs "
                f"fast on accelerators; a 1x1 convolution projects back to {block.output_filters}"
            )
    else:
        se = (
            f", squeeze-excite reweights the {expanded} channels through {block.se_filters}" if block.se_filters else ""
        )
        expand = (
            f"a 1x1 convolution expands {block.input_channels} -> {expanded} channels (x{block.expand_ratio}, "
            "narrow -> wide), "
            if block.expand_ratio != 1
            else "no expansion (expand ratio 1), "
        )
        reasons.append(
            f"MBConv (inverted residual): {expand}a {k} depthwise convolution mixes space channel by channel"
            f"{se}, and a 1x1 convolution projects to {block.output_filters} (wide -> narrow, no activation)"
        )
    if block.strides == 1:
        reasons.append("stride 1: the spatial size is kept")
    else:
        reasons.append(
            f"stride {block.strides}: the first block of stage {block.stage} halves the spatial size, so the "
            "tensor entering it is a pyramid level"
        )
    if block.residual:
        drop = f"; during training the branch is dropped with rate {block.drop_rate:.3f}" if block.drop_rate else ""
        reasons.append(
            f"residual: stride 1 and input filters {block.input_filters} == output filters {block.output_filters}, "
            f"so the block's input is added to its output{drop}"
        )
    elif block.strides != 1:
        reasons.append(f"no residual: stride {block.strides} changes the spatial size")
    else:
        reasons.append(f"no residual: input filters {block.input_filters} != output filters {block.output_filters}")
    if index is not None and report.drop_rate is not None and block.drop_rate is not None:
        reasons.append(
            f"drop rate {block.drop_rate:.3f} = {report.drop_rate:g} x {index} / {count}: it grows linearly "
            "from 0 at the first block, so deeper blocks are skipped more often (stochastic depth)"
        )
    if block.input_channels != block.input_filters:
        reasons.append(
            f"declared {block.input_filters} input filters but receives {block.input_channels} channels: "
            "the kernels follow the real channels; expansion, SE width and the residual test the declared ones"
        )
    return reasons


def _head_reasons(block: BlockReport) -> list[str]:
    """The classifier head keras.applications adds with include_top=True (--classes)."""
    dropout = next((layer for layer in block.layers if layer.role == "head_dropout"), None)
    reasons = [
        f"head: global average pooling turns the top's {block.input_channels}-channel feature map into one "
        f"vector of {block.input_channels} features, whatever the input size",
    ]
    if dropout is not None:
        reasons.append(
            f"{dropout.name}: dropout zeroes features at random during training, at the model's classifier "
            "dropout rate (no weights)"
        )
    reasons.append(
        f"a Dense layer with softmax maps the {block.input_channels} features to {block.output_filters} class "
        f"probabilities: {block.input_channels} x {block.output_filters} weights + {block.output_filters} biases, "
        f"{block.input_channels * block.output_filters:,} MACs; this is keras.applications' include_top=True "
        "head, which the backbone (include_top=False) leaves out"
    )
    return reasons


def find_block(report: Report, name: str) -> BlockReport:
    wanted = name.strip().lower().rstrip("_")
    for block in report.blocks:
        if block.name == wanted:
            return block
    if wanted == "head":
        raise EffcliError(
            f"{report.name} has no classification head; add --classes N to add keras.applications' head",
            source="BLOCK",
        )
    names = [b.name for b in report.blocks]
    stages = [b.name for b in report.blocks if b.type in STAGE_KINDS]
    close = difflib.get_close_matches(wanted, names, n=4, cutoff=0.5)
    hint = (
        f"closest: {', '.join(close)}"
        if close
        else f"blocks run from {stages[0]} to {stages[-1]}, plus stem and top"
        + (" and head" if any(b.type == "head" for b in report.blocks) else "")
    )
    raise EffcliError(f"{report.name} has no block '{name}'; {hint}", source="BLOCK")


def explain(report: Report, name: str) -> Explanation:
    block = find_block(report, name)
    blocks = [b for b in report.blocks if b.type in STAGE_KINDS]
    index = next((i for i, b in enumerate(blocks) if b.name == block.name), None)
    return Explanation(
        report=report,
        block=block,
        index=index,
        count=len(blocks),
        flow=tuple(channel_flow(block)),
        reasons=tuple(_reasons(report, block, index, len(blocks))),
    )
