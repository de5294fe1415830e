"""Start-up of the commands that need no TensorFlow, against the floor of their libraries.

    python bench/bench_startup.py [--runs N]

The floor is `python -c "import typer, rich, yaml"`: what any Typer + Rich +
PyYAML program pays before it does anything. Each command runs alternately with
the floor (floor, command, floor, command, ...) in fresh processes, stdout to a
pipe (the full 200-column table view), so both see the same machine state; the
script prints the medians and the ratio of the medians. Target (issue 9): each
command within 1.6x of the floor.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable
EFFCLI = str(Path(sys.executable).with_name("effcli"))
ENV = {k: v for k, v in os.environ.items() if k not in ("EFFCLI_ENGINE", "EFFCLI_DEBUG", "COLUMNS")}
FLOOR = [PYTHON, "-c", "import typer, rich, yaml"]
COMMANDS = {
    "effcli scale --width 1.2 --depth 1.4": [EFFCLI, "scale", "--width", "1.2", "--depth", "1.4"],
    "effcli presets": [EFFCLI, "presets"],
    "effcli summary efficientnetv2_b2 --engine analytic": [EFFCLI, "summary", "efficientnetv2_b2", "-e", "analytic"],
    "effcli --help": [EFFCLI, "--help"],
}


def run_once(command: list[str], cwd: str | None = None) -> float:
    """Wall time of one run of ``command`` in a fresh process (in folder ``cwd``); a failure stops the script."""
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=ENV, cwd=cwd)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {args.runs} runs")
    for command in (FLOOR, *COMMANDS.values()):
        run_once(command)  # warm the file cache and the bytecode
    for label, command in COMMANDS.items():
        floor, times = [], []
        for _ in range(args.runs):
            floor.append(run_once(FLOOR))
            times.append(run_once(command))
        base, median = statistics.median(floor), statistics.median(times)
        print(f"{label:52s} {median:6.3f} s   floor {base:6.3f} s   x{median / base:.2f}")


if __name__ == "__main__":
    main()
