"""Cell texts: numbers, shapes, block labels and the key-value lines of every view (effcli.render.views)."""

from __future__ import annotations

from effcli.core.report import BlockReport, Report

TYPE_LABELS = {"stem": "stem", "top": "top", "fused": "Fused-MBConv", "mbconv": "MBConv", "head": "head"}
TYPE_SHORT_LABELS = {**TYPE_LABELS, "fused": "Fused"}  # for a narrow terminal


def type_text(types: str, *, short: bool = False) -> str:
    """A block type, or a stage's types joined by '+' ("fused+mbconv"), as the tables name them."""
    labels = TYPE_SHORT_LABELS if short else TYPE_LABELS
    return "/".join(labels.get(t, t) for t in types.split("+"))


BLOCK_COLUMNS = (
    "Block",
    "Type",
    "Kernel",
    "Stride",
    "Expand",
    "SE",
    "In -> Out",
    "Residual",
    "Output shape",
    "Params",
    "MACs",
    "Drop rate",
)
MACS_LABEL = "MACs (the papers' FLOPs)"
PYRAMID_COLUMNS = ("Level", "Layer", "Block", "Output shape", "Stride", "Channels")


def shape_text(shape) -> str:
    return " x ".join(str(d) for d in shape)


def input_text(report) -> str:
    """The input shape and the default it follows or departs from: "260 x 260 x 3 (default: native)",
    "224 x 224 x 3 (default: native 260)"; a saved model's shape alone (it has no default)."""
    shape = shape_text(report.input_shape)
    if report.default_size is None:
        return shape
    height, width, origin = report.default_size
    at_default = tuple(report.input_shape[:2]) == (height, width)
    if origin == "native":
        return f"{shape} (default: native)" if at_default else f"{shape} (default: native {height})"
    if origin == "input_shape":
        where = "the config's input_shape"
        return f"{shape} (default: {where})" if at_default else f"{shape} (default: {where}, {height} x {width})"
    return f"{shape} (default: 224, no native resolution)"


def gmacs_text(macs: int) -> str:
    """A model's MACs in billions, as every view prints them: "0.717 G"."""
    return f"{macs / 1e9:.3f} G"


def int_text(value: int) -> str:
    return f"{value:,}"


def coefficient_text(value: float | None) -> str:
    return "unknown" if value is None else f"{value:g}"


def published_text(published) -> str:
    """A published ImageNet top-1 and the resolution it was measured at ("78.7 @224"); "-" when there is none."""
    if published is None:
        return "-"
    return f"{published.top1:.1f} @{published.resolution}{training_mark(published)}"


TRAINING_MARK = "+"  # a published accuracy trained on more data than ImageNet-1k (the note says which)
METHOD_MARK = "^"  # trained on ImageNet-1k alone, but with another training method (the note says which)


def training_mark(published) -> str:
    if published.more_data:
        return TRAINING_MARK
    return METHOD_MARK if published.other_method else ""


def training_note(named) -> str | None:
    """The note under a table whose Top-1 cells carry a training mark: ``named`` is (name, published) pairs."""
    named = [(name, p) for name, p in named if p is not None]
    data = [f"{name}: {p.training}" for name, p in named if p.more_data]
    method = [f"{name}: {p.method}" for name, p in named if p.other_method]
    if not data and not method:
        return None
    parts = ["Top-1 is ImageNet top-1 as published, @ the resolution it was measured at"]
    if data:
        parts.append(f"{TRAINING_MARK} trained on more data than ImageNet-1k ({'; '.join(data)})")
    if method:
        parts.append(f"{METHOD_MARK} trained on ImageNet-1k alone, with another training method ({'; '.join(method)})")
    return "; ".join(parts) + "."


def macs_text(macs: int) -> str:
    """Compact MACs: 1.23G, 45.6M, 789.0K."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if macs >= scale:
            return f"{macs / scale:.2f}{suffix}" if scale == 1e9 else f"{macs / scale:.1f}{suffix}"
    return str(macs)


def block_cells(block: BlockReport) -> list[str]:
    """One row of the block table as plain strings."""
    special = block.type in ("stem", "top", "head")
    channels_in = str(block.input_channels)
    if block.input_channels != block.input_filters and not special:
        channels_in += f" (declared {block.input_filters})"
    return [
        block.name,
        TYPE_LABELS.get(block.type, block.type),
        f"{block.kernel_size}x{block.kernel_size}" if block.kernel_size else "-",  # the head has no kernel
        str(block.strides) if block.kernel_size else "-",
        "-" if special else f"x{block.expand_ratio}",
        "-" if not block.se_filters else f"{block.se_ratio:g} ({block.se_filters})",
        f"{channels_in} -> {block.output_filters}",
        "yes" if block.residual else "",
        shape_text(block.output_shape),
        int_text(block.params),
        macs_text(block.macs),
        "-" if block.drop_rate is None else f"{block.drop_rate:.3f}",
    ]


def header_lines(report: Report) -> list[tuple[str, str]]:
    if report.width_coefficient is None:  # a saved model: its coefficients are not recorded in it
        return [
            ("Model", f"{report.name} (saved model {report.source})"),
            ("Family", f"{report.family_title} ({report.family}, recognised from its blocks)"),
            ("Activation", report.activation),
            ("Input shape", input_text(report)),
        ]
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
        ("Input shape", input_text(report)),
    ]


def macs_scope(report: Report) -> str:
    """What the MACs total counts: the convolutions, and the classifier's Dense layer when there is a head."""
    if any(block.type == "head" for block in report.blocks):
        return "convolutions and the classifier"
    return "convolutions only"


def totals_lines(report: Report) -> list[tuple[str, str]]:
    totals = report.totals
    return [
        ("Total params", f"{int_text(totals.params)} ({totals.size_mb:.2f} MB)"),
        ("Trainable params", f"{int_text(totals.trainable)} ({totals.trainable * 4 / 2**20:.2f} MB)"),
        ("Non-trainable params", f"{int_text(totals.non_trainable)} ({totals.non_trainable * 4 / 2**20:.2f} MB)"),
        (MACS_LABEL, f"{gmacs_text(totals.macs)} ({int_text(totals.macs)}; {macs_scope(report)})"),
        ("Activation memory", f"{totals.activation_mb:.2f} MB (block outputs, float32, batch 1)"),
        ("Blocks", str(report.block_count)),
    ]


COMPARE_COLUMNS = (
    "Stage",
    "Model",
    "Type",
    "Kernel",
    "Stride",
    "Repeats",
    "Out filters",
    "Output shape",
    "Params",
    "MACs",
)
FILTER_COLUMNS = ("Row", "Base filters", "x width", "Rounded", "Rule")
REPEAT_COLUMNS = ("Stage", "Base repeats", "x depth", "Repeats", "Rule")
FLOAT_MARK = "!"  # a product whose floating-point value rounds otherwise than the number it stands for
DECIMAL_DIGITS = 10  # significant digits of the number a float product stands for


def exact_text(value: float | None) -> str:
    """The float exactly as computed (shortest repr), so 25 x 0.28 = 7.000000000000001 shows why ceil gives 8."""
    return "-" if value is None else repr(value)


def decimal_text(value: float) -> str:
    """The number a float product stands for, as a person writes it: 48 x 1.2 = 57.599999999999994 is 57.6,
    10 x 1.1 = 11.000000000000002 is 11 (10 significant digits, no trailing zeros)."""
    return f"{value:.{DECIMAL_DIGITS}g}"


def decimal_value(value: float) -> float:
    return float(decimal_text(value))


def product_text(value: float | None, *, float_decides: bool = False) -> str:
    """A scaled count in round_filters / round_repeats: the decimal number, or, where floating point changes
    the rounded result, the exact float and the mark."""
    if value is None:
        return "-"
    return f"{exact_text(value)} {FLOAT_MARK}" if float_decides else decimal_text(value)


def entry_cells(entry) -> list[str]:
    """Type .. MACs cells of one comparison entry ("-" when the model has no such stage)."""
    if entry is None:
        return ["-"] * 8
    return [
        type_text(entry.type),
        f"{entry.kernel_size}x{entry.kernel_size}",
        str(entry.strides),
        str(entry.repeats),
        str(entry.output_filters),
        shape_text(entry.output_shape),
        int_text(entry.params),
        macs_text(entry.macs),
    ]


def model_label(index: int, report) -> str:
    return f"{index + 1}. {report.name}"


def comparison_header(comparison) -> list[tuple[str, str]]:
    reports = comparison.reports
    models = [  # then each model's input on a line of its own: it fits 80 columns
        (
            model_label(i, r),
            f"{r.family_title}, width {coefficient_text(r.width_coefficient)}, depth "
            f"{coefficient_text(r.depth_coefficient)}",
        )
        for i, r in enumerate(reports)
    ]
    return [*models, *((f"Input {i + 1}", input_text(r)) for i, r in enumerate(reports))]


TOTAL_COLUMNS = ("Model", "Blocks", "Params", "Params vs 1", MACS_LABEL, "MACs vs 1", "Activations", "Top-1")


def total_cells(comparison, index: int) -> list[str]:
    report = comparison.reports[index]
    totals = report.totals
    return [
        model_label(index, report),
        str(report.block_count),
        int_text(totals.params),
        f"x{comparison.ratio(index, 'params'):.2f}",
        gmacs_text(totals.macs),
        f"x{comparison.ratio(index, 'macs'):.2f}",
        f"{totals.activation_mb:.2f} MB",
        published_text(report.published),
    ]


def pyramid_cell(report, index: int) -> str:
    if index >= len(report.pyramid):
        return "-"
    level = report.pyramid[index]
    return f"{level.layer} {shape_text(level.output_shape)}"


def scaling_header(scaling) -> list[tuple[str, str]]:
    spec = scaling.scaled
    min_depth = "" if spec.min_depth is None else f", min depth {spec.min_depth}"
    compound = []
    if scaling.compound is not None:
        c = scaling.compound
        compound = [
            (
                "Compound rule",
                f"phi {c.phi:g}: depth {c.alpha:g}^{c.phi:g} = {c.depth:.4g}, "
                f"width {c.beta:g}^{c.phi:g} = {c.width:.4g}, "
                f"resolution {c.base_resolution} x {c.gamma:g}^{c.phi:g} = {c.resolution_exact:.1f} -> {c.resolution}",
            )
        ]
    return compound + [
        ("Base", f"{scaling.base.name} ({spec.rules.title})"),
        (
            "Scaling",
            f"width {coefficient_text(spec.width_coefficient)}, depth {coefficient_text(spec.depth_coefficient)}, "
            f"divisor {spec.depth_divisor}{min_depth}",
        ),
        (
            "Input shape",
            input_text(scaling.scaled_report)
            if scaling.compound is None
            else f"{shape_text(scaling.scaled_report.input_shape)} (the compound rule's resolution)",
        ),
    ]


def scaling_result_lines(scaling) -> list[tuple[str, str]]:
    def blocks(report):
        return report.block_count

    base, new = scaling.base_report, scaling.scaled_report

    def line(a, b, text):
        ratio = f" (x{b / a:.2f})" if a else ""
        return f"{text(a)} -> {text(b)}{ratio}"

    rows = [
        ("Blocks", line(blocks(base), blocks(new), str)),
        ("Params", line(base.totals.params, new.totals.params, int_text)),
        (MACS_LABEL, line(base.totals.macs, new.totals.macs, gmacs_text)),
    ]
    if scaling.matches:
        rows.append(("Equals preset", ", ".join(scaling.matches)))
    else:
        rows.append(("Equals preset", "none"))
    return rows


LAYER_COLUMNS = ("Layer", "Class", "Kernel", "Stride", "Output shape", "Params", "Trainable", "Non-trainable", "MACs")


def layer_cells(layer) -> list[str]:
    conv = bool(layer.kernel_size)
    return [
        layer.name,
        layer.keras_class,
        f"{layer.kernel_size}x{layer.kernel_size}" if conv else "",
        str(layer.strides) if conv else "",
        shape_text(layer.output_shape),
        int_text(layer.params),
        int_text(layer.trainable),
        int_text(layer.non_trainable),
        macs_text(layer.macs) if layer.macs else "",
    ]


def layer_row_in_block_table(layer) -> list[str]:
    """A layer as a row of the block table (summary --layers), a sub-row of its block's."""
    conv = bool(layer.kernel_size)
    return [
        layer.name,
        layer.keras_class,
        f"{layer.kernel_size}x{layer.kernel_size}" if conv else "",
        str(layer.strides) if conv else "",
        "",
        "",
        "",
        "",
        shape_text(layer.output_shape),
        int_text(layer.params) if layer.params else "",
        macs_text(layer.macs) if layer.macs else "",
        "",
    ]


def explanation_header(explanation) -> list[tuple[str, str]]:
    block = explanation.block
    rows = [
        ("Model", explanation.report.name),
        ("Input shape", input_text(explanation.report)),
        ("Block", f"{block.name} (stage {block.stage}, {TYPE_LABELS.get(block.type, block.type)})"),
        ("Channel flow", " -> ".join(explanation.flow)),
        ("Output shape", shape_text(block.output_shape)),
        (
            "Params",
            f"{int_text(block.params)} ({int_text(block.trainable)} trainable, "
            f"{int_text(block.non_trainable)} non-trainable)",
        ),
        ("MACs", f"{macs_text(block.macs)} ({int_text(block.macs)})"),
    ]
    if block.drop_rate is not None:
        rows.append(("Drop rate", f"{block.drop_rate:.3f}"))
    rows.append(("Residual", "yes" if block.residual else "no"))
    return rows


def share_text(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


PRESET_COLUMNS = (
    "Preset",
    "Aliases",
    "Family",
    "Width",
    "Depth",
    "Resolution",
    "Blocks",
    "Params",
    "MACs",
    "Top-1",
    "Description",
)


def preset_cells(entry) -> list[str]:
    return [
        entry.name,
        ", ".join(entry.aliases),
        entry.family_title,
        coefficient_text(entry.width_coefficient),
        coefficient_text(entry.depth_coefficient),
        str(entry.native_resolution),
        str(entry.blocks),
        int_text(entry.params),
        gmacs_text(entry.macs),
        published_text(entry.published),
        entry.description,
    ]


PLAN_COLUMNS = ("#", "Width", "Depth", "Resolution", "Blocks", "Params", "of budget", "MACs", "of budget")
FIT_COLUMNS = ("#", "Preset", "Family", "Resolution", "Blocks", "Params", "of budget", "MACs", "of budget", "Top-1")
COMPOUND_COLUMNS = (
    "Phi",
    "Depth",
    "Width",
    "Resolution",
    "Blocks",
    "Params",
    "of budget",
    "MACs",
    "of budget",
    "Fits",
)


def fit_cells(index: int, fit, recommendation) -> list[str]:
    """A preset within the budget (`effcli plan`)."""
    return [
        str(index + 1),
        fit.name,
        fit.family_title,
        str(fit.resolution),
        str(fit.blocks),
        int_text(fit.params),
        budget_share(fit.params, recommendation.max_params),
        gmacs_text(fit.macs),
        budget_share(fit.macs, recommendation.max_macs),
        published_text(fit.published),
    ]


def compound_cells(fit, recommendation, best: bool) -> list[str]:
    """A compound scaling of the base (`effcli plan`): ``best`` for the largest phi that fits."""
    rule = fit.rule
    return [
        f"{rule.phi:.2f}",
        f"{rule.depth:.3f}",
        f"{rule.width:.3f}",
        str(rule.resolution),
        str(fit.blocks),
        int_text(fit.params),
        budget_share(fit.params, recommendation.max_params),
        gmacs_text(fit.macs),
        budget_share(fit.macs, recommendation.max_macs),
        "best fit" if best else "yes" if fit.fits else "no",
    ]


def budget_share(value: int, budget: int | None) -> str:
    """A candidate's share of one budget ("85%"); "-" when that budget is not set."""
    return "-" if budget is None else f"{100 * value / budget:.0f}%"


def plan_cells(index: int, candidate, result) -> list[str]:
    return [
        str(index + 1),
        f"{candidate.width:g}",
        f"{candidate.depth:g}",
        str(candidate.resolution),
        str(candidate.blocks),
        int_text(candidate.params),
        budget_share(candidate.params, result.max_params),
        gmacs_text(candidate.macs),
        budget_share(candidate.macs, result.max_macs),
    ]


def budget_text(max_params: int | None, max_macs: int | None, classes: int | None = None) -> str:
    """The budget line of `effcli plan`: "params <= 20,000,000, MACs <= 5 G"."""
    parts = [] if max_params is None else [f"params <= {int_text(max_params)}"]
    if max_macs is not None:
        parts.append(f"MACs <= {max_macs / 1e9:.3g} G")
    text = ", ".join(parts)
    return text if classes is None else f"{text}, counting a {classes}-class classifier head"


def plan_lines(result) -> list[tuple[str, str]]:
    return [
        ("Base", f"{result.base.name} ({result.base.rules.title})"),
        ("Budget", budget_text(result.max_params, result.max_macs)),
        (
            "Searched",
            f"width {result.widths[0]:g}..{result.widths[-1]:g} ({len(result.widths)} values), depth "
            f"{result.depths[0]:g}..{result.depths[-1]:g} ({len(result.depths)}), resolution "
            f"{result.resolutions[0]}..{result.resolutions[-1]} ({len(result.resolutions)})",
        ),
    ]


def plan_run_line(result) -> tuple[str, str]:
    """How much the search did and how fast: the timing differs from run to run."""
    return (
        "Evaluated",
        f"{int_text(result.evaluated)} candidates ({int_text(result.networks)} distinct networks) in "
        f"{result.seconds:.2f} s: {int_text(int(result.rate))} candidates/s; "
        f"{int_text(result.within_budget)} within budget; {int_text(result.pruned)} wider ones skipped "
        "(params only grow with the width)",
    )


BAR_WIDTH = 30


def bar(part: int, whole: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a character: part / whole of ``width`` cells."""
    if not whole or part <= 0:
        return ""
    eighths = round(8 * width * part / whole)
    full, rest = divmod(eighths, 8)
    return "\u2588" * full + ("" if not rest else " \u258f\u258e\u258d\u258c\u258b\u258a\u2589"[rest])


class StageShare:
    def __init__(self, label: str, blocks: int, params: int, macs: int):
        self.label, self.blocks, self.params, self.macs = label, blocks, params, macs


def stage_shares(report) -> list[StageShare]:
    """Params and MACs per stage (stem and top included), in order."""
    shares: dict[str, StageShare] = {}
    for block in report.blocks:
        label = block.type if block.type in ("stem", "top", "head") else f"stage {block.stage}"
        share = shares.setdefault(label, StageShare(label, 0, 0, 0))
        share.blocks += 1 if block.type not in ("stem", "top", "head") else 0
        share.params += block.params
        share.macs += block.macs
    return list(shares.values())
