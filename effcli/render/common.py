"""Text helpers shared by the renderers (numbers, shapes, block labels)."""

from __future__ import annotations

from effcli.report import BlockReport, Report

TYPE_LABELS = {"stem": "stem", "top": "top", "fused": "Fused-MBConv", "mbconv": "MBConv"}
BLOCK_COLUMNS = (
    "Block", "Type", "Kernel", "Stride", "Expand", "SE", "In -> Out", "Residual",
    "Output shape", "Params", "Drop rate",
)  # fmt: skip
PYRAMID_COLUMNS = ("Level", "Layer", "Block", "Output shape", "Stride", "Channels")


def shape_text(shape) -> str:
    return " x ".join(str(d) for d in shape)


def int_text(value: int) -> str:
    return f"{value:,}"


def coefficient_text(value: float) -> str:
    return f"{value:g}"


def block_cells(block: BlockReport) -> list[str]:
    """One row of the block table as plain strings."""
    special = block.type in ("stem", "top")
    channels_in = str(block.input_channels)
    if block.input_channels != block.input_filters and not special:
        channels_in += f" (declared {block.input_filters})"
    return [
        block.name,
        TYPE_LABELS.get(block.type, block.type),
        f"{block.kernel_size}x{block.kernel_size}",
        str(block.strides),
        "-" if special else f"x{block.expand_ratio}",
        "-" if not block.se_filters else f"{block.se_ratio:g} ({block.se_filters})",
        f"{channels_in} -> {block.output_filters}",
        "yes" if block.residual else "",
        shape_text(block.output_shape),
        int_text(block.params),
        "-" if block.drop_rate is None else f"{block.drop_rate:.3f}",
    ]


def header_lines(report: Report) -> list[tuple[str, str]]:
    min_depth = "" if report.min_depth is None else f", min depth {report.min_depth}"
    return [
        ("Model", report.name),
        ("Family", f"{report.family_title} ({report.family})"),
        (
            "Coefficients",
            f"width {coefficient_text(report.width_coefficient)}, depth "
            f"{coefficient_text(report.depth_coefficient)}, divisor {report.depth_divisor}{min_depth}",
        ),
        ("Activation", f"{report.activation}, drop rate {report.drop_rate:g}"),
        ("Input shape", shape_text(report.input_shape)),
        ("Engine", report.engine),
    ]


def totals_lines(report: Report) -> list[tuple[str, str]]:
    totals = report.totals
    return [
        ("Total params", f"{int_text(totals.params)} ({totals.size_mb:.2f} MB)"),
        ("Trainable params", f"{int_text(totals.trainable)} ({totals.trainable * 4 / 2**20:.2f} MB)"),
        ("Non-trainable params", f"{int_text(totals.non_trainable)} ({totals.non_trainable * 4 / 2**20:.2f} MB)"),
        ("Blocks", str(sum(1 for b in report.blocks if b.type not in ("stem", "top")))),
    ]
