"""The guard before every Keras build: estimate first, refuse what would not fit.

Parameters come from the analytic engine (instant for any size). Memory is a
deliberately rough upper estimate: TensorFlow's own footprint, a little per
layer for the symbolic graph, and, when weights are materialised (`effcli build`),
the float32 weights twice (the model and its serialised copy).
"""

from __future__ import annotations

import os

from effcli.core.plan import BackbonePlan
from effcli.errors import EffcliError

MAX_KERAS_PARAMS = 2_000_000_000
TENSORFLOW_BYTES = 700 * 2**20  # import tensorflow + keras: about 540-600 MB measured
BYTES_PER_LAYER = 64 * 2**10  # symbolic layers and tensors; measured about 30 KB
BYTES_PER_WEIGHT = 4 * 2  # float32, held by the model and by the file being written


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimate(plan: BackbonePlan, *, materialize: bool) -> tuple[int, int]:
    """(parameters, bytes) of a Keras build of this plan."""
    from effcli.engines import analytic

    measured = analytic.measure(plan)
    params = sum(block.count.params for block in measured.blocks)
    layers = sum(len(block.layers) for block in plan.blocks)
    memory = TENSORFLOW_BYTES + layers * BYTES_PER_LAYER + (params * BYTES_PER_WEIGHT if materialize else 0)
    return params, memory


def _gb(value: int) -> str:
    return f"{value / 2**30:.1f} GB"


def check_keras_build(plan: BackbonePlan, *, materialize: bool, force: bool) -> None:
    """Raise EffcliError when a Keras build of ``plan`` is beyond the limits, unless forced."""
    if force:
        return
    params, memory = estimate(plan, materialize=materialize)
    advice = "use --engine analytic for the numbers (no TensorFlow, instant) or --force to build anyway"
    if materialize:
        advice = "use 'effcli summary --engine analytic' for the numbers, or --force to build anyway"
    if params > MAX_KERAS_PARAMS:
        raise EffcliError(
            f"a Keras build would hold {params:,} parameters, more than the limit of {MAX_KERAS_PARAMS:,} "
            f"(estimated memory {_gb(memory)}); {advice}",
            source=plan.info.name,
        )
    free = available_memory()
    if free is not None and memory > free:
        raise EffcliError(
            f"a Keras build needs about {_gb(memory)} ({params:,} parameters) but only {_gb(free)} "
            f"of memory is available; {advice}",
            source=plan.info.name,
        )
