"""The memory lines of the views (``--batch``, ``--dtype``, ``--optimizer``): texts, tables, JSON and CSV parts.

The numbers come from :mod:`effcli.core.memory`; :mod:`effcli.render.views` calls
these helpers so that every view words memory the same way. With the default
settings (batch 1, float32, no optimizer) the table, Markdown and CSV output is
unchanged: only the JSON gains its ``memory`` key.
"""

from __future__ import annotations

from typing import Any

from effcli.core.memory import DEFAULT_SETTINGS, Memory, MemorySettings, block_memory, memory_of
from effcli.core.report import BlockReport, Report
from effcli.render.document import Column, Records, Table, row
from effcli.render.text import int_text

ACTIVATION_LINE = "Activation memory"
BLOCK_MEMORY_COLUMNS = ("batch", "dtype", "variable_bytes", "output_bytes", "layer_output_bytes")


def mb_text(size: int) -> str:
    return f"{size / 2**20:,.2f} MB"


def _bytes(size: int) -> str:
    return "byte" if size == 1 else "bytes"


def activation_text(memory: Memory) -> str:
    return f"{memory.activation_mb:.2f} MB (block outputs, {memory.settings.activation_label()})"


def memory_lines(memory: Memory) -> list[tuple[str, str]]:
    """The lines a non-default setting adds after the activation line: the variables, then the training step."""
    settings = memory.settings
    lines = [
        (
            "Variable memory",
            f"{mb_text(memory.variable_bytes)} ({int_text(memory.params)} params x {settings.variable_size} "
            f"{_bytes(settings.variable_size)}, {settings.variable_dtype})",
        )
    ]
    training = memory.training
    if training is None:
        return lines
    v, a = settings.variable_size, settings.activation_size
    slots = training.slots_per_param
    lines += [
        ("Training: variables", f"{mb_text(training.variable_bytes)} (params x {v} {_bytes(v)})"),
        (
            "Training: gradients",
            f"{mb_text(training.gradient_bytes)} ({int_text(memory.trainable)} trainable params x {v} {_bytes(v)})",
        ),
        (
            "Training: optimizer slots",
            f"{mb_text(training.slot_bytes)} ({slots} per trainable param x {v} {_bytes(v)}, {training.optimizer})",
        ),
        (
            "Training: kept activations",
            f"{mb_text(training.activation_bytes)} (the input and every layer's output x batch {settings.batch} "
            f"x {a} {_bytes(a)})",
        ),
        (
            f"Training step ({training.optimizer})",
            f"{mb_text(training.total_bytes)} estimated, the sum of the four lines above (no framework "
            "workspace, fusion or recomputation)",
        ),
    ]
    return lines


def with_memory(lines: list[tuple[str, str]], report: Report, settings: MemorySettings) -> list[tuple[str, str]]:
    """The summary's totals lines at ``settings``: the activation line relabelled, the memory lines after it."""
    if settings.is_default:
        return lines
    memory = memory_of(report, settings)
    result = []
    for key, value in lines:
        if key == ACTIVATION_LINE:
            result.append((key, activation_text(memory)))
            result += memory_lines(memory)
        else:
            result.append((key, value))
    return result


def report_data(report: Report, settings: MemorySettings = DEFAULT_SETTINGS) -> dict[str, Any]:
    """The ``memory`` key of a report's JSON."""
    return memory_of(report, settings).to_dict()


def block_records(report: Report, base: Records, settings: MemorySettings) -> Records:
    """The summary's block CSV, with each block's memory columns at the end when a setting is not the default."""
    if settings.is_default:
        return base
    extra = []
    for block in report.blocks:
        memory = block_memory(block, settings)
        extra.append(
            (
                settings.batch,
                settings.dtype,
                memory.variable_bytes,
                memory.activation_bytes,
                memory.layer_activation_bytes,
            )
        )
    return Records(
        base.columns + BLOCK_MEMORY_COLUMNS,
        tuple(values + more for values, more in zip(base.rows, extra, strict=True)),
    )


def compare_table(reports, settings: MemorySettings, label) -> Table | None:
    """One row per model at ``settings`` (None at the default settings: the totals' Activations column suffices).

    ``label(index, report)`` names the model as the other comparison tables do."""
    if settings.is_default:
        return None
    memories = [memory_of(report, settings) for report in reports]
    titles = ["Model", "Variables", "Activations"]
    if settings.optimizer is not None:
        titles += ["Gradients", "Optimizer slots", "Kept activations", "Training step"]
    columns = tuple(Column(title, "left" if title == "Model" else "right") for title in titles)
    rows = []
    for index, (report, memory) in enumerate(zip(reports, memories, strict=True)):
        cells = [label(index, report), mb_text(memory.variable_bytes), mb_text(memory.activation_bytes)]
        if memory.training is not None:
            t = memory.training
            cells += [mb_text(t.gradient_bytes), mb_text(t.slot_bytes), mb_text(t.activation_bytes)]
            cells += [mb_text(t.total_bytes)]
        rows.append(row(*cells))
    optimizer = "" if settings.optimizer is None else f", training with {settings.optimizer} (estimate)"
    return Table(f"Memory ({settings.label()}{optimizer})", columns, (tuple(rows),))


def comparison_data(data: dict[str, Any], reports, settings: MemorySettings) -> dict[str, Any]:
    """``compare``'s JSON with each model's ``memory`` key."""
    for model, report in zip(data["models"], reports, strict=True):
        model["memory"] = report_data(report, settings)
    return data


def block_lines(report: Report, block: BlockReport, settings: MemorySettings) -> list[tuple[str, str]]:
    """``explain``'s header lines: the block's share of the memory (none at the default settings)."""
    if settings.is_default:
        return []
    whole, part = memory_of(report, settings), block_memory(block, settings)
    share = part.layer_activation_bytes / whole.layer_activation_bytes if whole.layer_activation_bytes else 0.0
    lines = [
        ("Output memory", f"{mb_text(part.activation_bytes)} ({settings.activation_label()})"),
        (
            "Layer outputs",
            f"{mb_text(part.layer_activation_bytes)}, {100 * share:.1f}% of the activations the model keeps "
            "for the backward pass",
        ),
        ("Variable memory", f"{mb_text(part.variable_bytes)} ({settings.variable_dtype})"),
    ]
    if part.training is not None:
        lines.append(
            (
                f"Training step ({part.training.optimizer})",
                f"{mb_text(part.training.total_bytes)} of the model's {mb_text(whole.training.total_bytes)} (estimate)"
                if whole.training is not None
                else mb_text(part.training.total_bytes),
            )
        )
    return lines


def block_data(report: Report, block: BlockReport, settings: MemorySettings = DEFAULT_SETTINGS) -> dict[str, Any]:
    """``explain``'s ``memory`` key: the block's memory and its share of the model's kept activations."""
    whole, part = memory_of(report, settings), block_memory(block, settings)
    data = part.to_dict()
    data["layer_activation_share"] = (
        round(part.layer_activation_bytes / whole.layer_activation_bytes, 6) if whole.layer_activation_bytes else None
    )
    return data


def scaling_lines(base: Report, scaled: Report, settings: MemorySettings) -> list[tuple[str, str]]:
    """``scale``'s result lines against the base (none at the default settings)."""
    if settings.is_default:
        return []
    a, b = memory_of(base, settings), memory_of(scaled, settings)

    def line(x: int, y: int) -> str:
        ratio = f" (x{y / x:.2f})" if x else ""
        return f"{mb_text(x)} -> {mb_text(y)}{ratio}"

    lines = [
        ("Variable memory", line(a.variable_bytes, b.variable_bytes)),
        (f"Activations ({settings.activation_label()})", line(a.activation_bytes, b.activation_bytes)),
    ]
    if a.training is not None and b.training is not None:
        lines.append((f"Training step ({settings.optimizer})", line(a.training.total_bytes, b.training.total_bytes)))
    return lines


def scaling_data(data: dict[str, Any], base: Report, scaled: Report, settings: MemorySettings) -> dict[str, Any]:
    """``scale``'s JSON with the ``memory`` key in its result and base_result."""
    data["result"]["memory"] = report_data(scaled, settings)
    data["base_result"]["memory"] = report_data(base, settings)
    return data
