"""Start-up of the commands that need no TensorFlow, against the floor of their libraries.

    python bench/bench_startup.py [--runs N]

Three targets (issue 19), each measured as paired medians in one run:

1. `--help`, `presets`, `scale --width 1.2 --depth 1.4`, analytic `summary
   efficientnetv2_b2` and analytic `explain b2 block4b`, each within 1.6x of
   the floor `python -c "import typer, rich, yaml"`: what any Typer + Rich +
   PyYAML program pays before it does anything.
2. `draw b0 -o x.svg` within 2x of analytic `summary efficientnetv2_b0`.
3. A keras-engine `summary efficientnetv2_b2` answered from a warm measurement
   cache within 1.2x of the analytic one (the cache is a temporary folder of its
   own, filled by one TensorFlow build before timing; the user's is never touched).

Each pair runs alternately (base, command, base, command, ...) in fresh
processes, stdout to a pipe (the full 200-column table view), so both see the
same machine state; the script prints the medians and the ratio of the medians.
Bytecode is written and used as an installed effcli has it (a
PYTHONDONTWRITEBYTECODE in the caller's environment is not passed on, and one
run of every command before timing compiles it).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
EFFCLI = str(Path(sys.executable).with_name("effcli"))
DROPPED = ("EFFCLI_ENGINE", "EFFCLI_DEBUG", "COLUMNS", "PYTHONDONTWRITEBYTECODE")
ENV = {k: v for k, v in os.environ.items() if k not in DROPPED}
FLOOR = [PYTHON, "-c", "import typer, rich, yaml"]
ANALYTIC_B2 = [EFFCLI, "summary", "efficientnetv2_b2", "-e", "analytic"]
ANALYTIC_B0 = [EFFCLI, "summary", "efficientnetv2_b0", "-e", "analytic"]
COMMANDS = {
    "effcli --help": [EFFCLI, "--help"],
    "effcli presets": [EFFCLI, "presets"],
    "effcli scale --width 1.2 --depth 1.4": [EFFCLI, "scale", "--width", "1.2", "--depth", "1.4"],
    "effcli summary efficientnetv2_b2 --engine analytic": ANALYTIC_B2,
    "effcli explain b2 block4b --engine analytic": [EFFCLI, "explain", "b2", "block4b", "-e", "analytic"],
}
DRAW = [EFFCLI, "draw", "b0", "-o", "x.svg", "--force"]
CACHED = [EFFCLI, "summary", "efficientnetv2_b2"]  # the default engine is keras


def run_once(command: list[str], cwd: str | None = None, env: dict[str, str] | None = None) -> float:
    """Wall time of one run of ``command`` in a fresh process (in folder ``cwd``); a failure stops the script."""
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=ENV if env is None else env, cwd=cwd)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr.decode()}")
    return elapsed


def paired(base: list[str], command: list[str], runs: int, **where: object) -> tuple[float, float]:
    """Medians of ``base`` and ``command``, run alternately ``runs`` times each."""
    bases, times = [], []
    for _ in range(runs):
        bases.append(run_once(base, **where))  # type: ignore[arg-type]
        times.append(run_once(command, **where))  # type: ignore[arg-type]
    return statistics.median(bases), statistics.median(times)


def verdict(ratio: float, target: float) -> str:
    return f"[{'met' if ratio <= target else 'NOT met'}: target x{target}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {args.runs} runs")
    work = tempfile.mkdtemp(prefix="effcli-bench-")
    env = {**ENV, "EFFCLI_CACHE_DIR": os.path.join(work, "cache")}
    try:
        for command in (FLOOR, *COMMANDS.values(), ANALYTIC_B0):
            run_once(command)  # warm the file cache and write the bytecode
        run_once(DRAW, cwd=work)
        run_once(CACHED, env=env)  # one TensorFlow build fills the temporary cache

        print("\n1. against the floor (python -c 'import typer, rich, yaml')")
        for label, command in COMMANDS.items():
            base, median = paired(FLOOR, command, args.runs)
            ratio = median / base
            print(f"{label:52s} {median:6.3f} s   floor {base:6.3f} s   x{ratio:.2f}  {verdict(ratio, 1.6)}")

        print("\n2. a picture against the analytic summary of the same model")
        base, median = paired(ANALYTIC_B0, DRAW, args.runs, cwd=work)
        ratio = median / base
        label = "effcli draw b0 -o x.svg"
        print(f"{label:52s} {median:6.3f} s   summary {base:6.3f} s   x{ratio:.2f}  {verdict(ratio, 2.0)}")

        print("\n3. a cached keras-engine summary against the analytic one")
        base, median = paired(ANALYTIC_B2, CACHED, args.runs, env=env)
        ratio = median / base
        label = "effcli summary efficientnetv2_b2 (keras, cached)"
        print(f"{label:52s} {median:6.3f} s   analytic {base:6.3f} s   x{ratio:.2f}  {verdict(ratio, 1.2)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
