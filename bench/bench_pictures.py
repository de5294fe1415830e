"""What a picture costs: the commands that draw, against the analytic summary of the same model.

    python bench/bench_pictures.py [--runs N]

Each drawing command runs alternately with `effcli summary efficientnetv2_b0
--engine analytic` (summary, command, summary, command, ...) in fresh processes,
so both see the same machine state; the script prints the medians and the ratio
of the medians. An SVG diagram or block is written by effcli itself, so it costs
little more than the summary; a PNG, the chart and the report import matplotlib
(about 0.5 s, which no other command loads) and draw with it. Files go to a
temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile

from bench_startup import EFFCLI, run_once  # the script's folder is on sys.path

SUMMARY = [EFFCLI, "summary", "efficientnetv2_b0", "-e", "analytic"]
COMMANDS = {
    "effcli draw b0 -o b0.svg": ["draw", "efficientnetv2_b0", "-o", "b0.svg"],
    "effcli draw b0 -o b0.png": ["draw", "efficientnetv2_b0", "-o", "b0.png"],
    "effcli draw l --compare xl -o l.svg": [
        "draw",
        "efficientnetv2_l",
        "--compare",
        "efficientnetv2_xl",
        "-o",
        "l.svg",
    ],
    "effcli explain b2 block4b --draw b.svg": ["explain", "efficientnetv2_b2", "block4b", "--draw", "b.svg"],
    "effcli chart --classes 1000 -o chart.svg": ["chart", "--classes", "1000", "-o", "chart.svg"],
    "effcli report b0 -o b0.html": ["report", "efficientnetv2_b0", "-o", "b0.html"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {args.runs} runs")
    with tempfile.TemporaryDirectory() as work:
        for arguments in COMMANDS.values():  # warm the file cache, the bytecode and matplotlib's font cache
            run_once([EFFCLI, *arguments, "-e", "analytic", "--force"], work)
        for label, arguments in COMMANDS.items():
            base, times = [], []
            for _ in range(args.runs):
                base.append(run_once(SUMMARY, work))
                times.append(run_once([EFFCLI, *arguments, "-e", "analytic", "--force"], work))
            summary, median = statistics.median(base), statistics.median(times)
            print(f"{label:44s} {median:6.3f} s   summary {summary:6.3f} s   x{median / summary:.2f}")


if __name__ == "__main__":
    main()
