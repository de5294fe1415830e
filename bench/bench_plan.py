"""How fast `effcli plan` evaluates candidates (width x depth x resolution), in-process.

    python bench/bench_plan.py [--runs N]

Prints the median candidates per second over N runs of the default search
(width 0.25..4 step 0.05, depth 0.25..4 step 0.1, resolution 128..640 step 32)
for three bases, and the distinct networks each run built.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from effcli.config.grammar import parse_resolutions
from effcli.config.presets import load_preset
from effcli.tools.budget import search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, "
        f"{args.runs} runs each\n"
    )
    for base in ("efficientnetv2_b0", "efficientnetv1_b0", "efficientnetv2_l"):
        rates, seconds = [], []
        for _ in range(args.runs):
            result = search(
                load_preset(base), max_params=50_000_000, max_macs=None, resolutions=parse_resolutions(None)
            )
            rates.append(result.rate)
            seconds.append(result.seconds)
        print(
            f"{base:20s} {result.evaluated:,} candidates computed, {result.pruned:,} pruned "
            f"({result.networks:,} networks): "
            f"median {statistics.median(seconds):.2f} s, {statistics.median(rates):,.0f} candidates/s"
        )


if __name__ == "__main__":
    main()
