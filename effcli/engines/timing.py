"""Real forward passes on TensorFlow: the timing half of `effcli profile`.

Like :mod:`effcli.engines.keras_engine` (whose builders it reuses), this module
imports Keras / TensorFlow only inside its functions. It builds every block of a
plan alone (``keras.Input`` of the block's input shape, then the block's layers
from its LayerPlans, exactly as ``build_model(plan, portable=True)`` builds them
inside the whole network) and the whole network as one model, wraps each model's
call in a ``tf.function`` (``jit_compile=True`` with ``--jit``: XLA), warms it up and
times ``runs`` forward passes of one random batch with ``time.perf_counter()``.

A pass is over when its output is ready: on a CPU the call of a ``tf.function``
returns when its ops have run; every pass then reads one element of the output
back to the host (``.numpy()`` of a scalar the function returns with the output),
which also waits for an asynchronous device such as a GPU. Weights are random
(fresh initialisers): the time of a forward pass does not depend on their values.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from effcli.core.plan import BackbonePlan
from effcli.errors import EffcliError
from effcli.records import record


@record
class Environment:
    """Where the passes ran: the device, the threads, the TensorFlow version."""

    device: str  # "cpu" | "gpu"
    device_name: str  # TensorFlow's name of it: "/device:CPU:0"
    device_detail: str  # what TensorFlow says the device is (a GPU's model), or the CPU count
    intra_op_threads: int  # as used (TensorFlow's default resolved to the number of cores)
    inter_op_threads: int  # 0: TensorFlow's default
    threads_default: bool  # intra-op threads not set: TensorFlow's default, one per core
    tensorflow: str
    keras: str


@record
class Timings:
    blocks: tuple[tuple[float, ...], ...]  # seconds of each run, per block in plan order
    whole: tuple[float, ...]  # seconds of each run of the whole network
    environment: Environment


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _configure(tf, device: str, threads: int | None) -> Environment:
    """Threads (before TensorFlow's runtime starts) and the device; raises EffcliError without a GPU."""
    if threads is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:  # the runtime already started (a second profile in one process): keep its threads
            pass
    physical = tf.config.list_physical_devices(device.upper())
    if not physical:
        raise EffcliError(f"no {device.upper()} visible to TensorFlow", source="--device")
    detail = f"{usable_cores()} cores usable" if device == "cpu" else ""
    if device == "gpu":
        try:
            detail = str(tf.config.experimental.get_device_details(physical[0]).get("device_name", ""))
        except (ValueError, RuntimeError):  # pragma: no cover - depends on the driver
            detail = ""
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    return Environment(
        device=device,
        device_name=f"/device:{device.upper()}:0",
        device_detail=detail,
        intra_op_threads=intra or usable_cores(),
        inter_op_threads=inter,
        threads_default=intra == 0,
        tensorflow=tf.__version__,
        keras="",
    )


def gpu_available() -> bool:
    from effcli.engines.keras_engine import import_keras, native_stderr_silenced

    import_keras()
    with native_stderr_silenced():
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))


def _block_model(keras, plan: BackbonePlan, index: int):
    """Block ``index`` of the plan alone: its layers, as the whole network's portable build makes them."""
    from effcli.engines.keras_engine import _bn_momentum, _functional_block

    block = plan.blocks[index]
    inputs = keras.Input(shape=block.input_shape, name=f"{block.name}_input")
    try:
        outputs = _functional_block(block.layers, inputs, bn_momentum=_bn_momentum(plan))
    except ValueError as exc:  # a saved model's layer effcli cannot rebuild (a classifier head, a Normalization)
        raise EffcliError(
            f"cannot rebuild {block.name} of {plan.info.name} for timing ({exc}); profile its config or preset instead",
            source=plan.info.name,
        ) from None
    return keras.Model(inputs, outputs, name=f"{block.name}_alone")


def _compiled(tf, model, jit: bool):
    """A tf.function of one inference pass; it returns the output's first element as well, for the host read."""

    def forward(x):
        y = model(x, training=False)
        return y, tf.reshape(y, [-1])[0]

    return tf.function(forward, jit_compile=jit, reduce_retracing=True)


def _time(tf, function, x, runs: int, warmup: int, step: Callable[[], None]) -> tuple[float, ...]:
    for _ in range(warmup):
        _, first = function(x)
        first.numpy()
        step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        _, first = function(x)
        first.numpy()
        times.append(time.perf_counter() - start)
        step()
    return tuple(times)


def time_plan(
    plan: BackbonePlan,
    *,
    batch: int,
    runs: int,
    warmup: int,
    device: str = "cpu",
    jit: bool = False,
    threads: int | None = None,
    progress: Callable[[str, int], None] = lambda label, advance: None,
) -> Timings:
    """Time every block of ``plan`` alone and the whole network, ``runs`` passes each after ``warmup``.

    ``progress(label, advance)`` is called when a model starts (advance 0, label the
    block's name) and after every pass (advance 1).
    """
    from effcli.engines.keras_engine import build_model, import_keras

    keras = import_keras()
    import tensorflow as tf

    environment = _configure(tf, device, threads)
    environment = Environment(**{**environment.__dict__, "keras": keras.__version__})

    def step() -> None:
        progress("", 1)

    block_times = []
    try:
        with tf.device(environment.device_name):
            for index, block in enumerate(plan.blocks):
                progress(block.name, 0)
                model = _block_model(keras, plan, index)
                x = tf.random.uniform((batch, *block.input_shape), dtype=tf.float32)
                block_times.append(_time(tf, _compiled(tf, model, jit), x, runs, warmup, step))
                del model
            progress("whole network", 0)
            model = build_model(plan, portable=True)
            x = tf.random.uniform((batch, *plan.input_shape), dtype=tf.float32)
            whole = _time(tf, _compiled(tf, model, jit), x, runs, warmup, step)
    except tf.errors.ResourceExhaustedError:
        raise EffcliError(
            f"{device.upper()} out of memory at batch {batch}; try a smaller --batch or --resolution", source="--batch"
        ) from None
    finally:
        keras.backend.clear_session()
    return Timings(tuple(block_times), whole, environment)
