"""How the blocks' sum compares with the whole network in `effcli profile`, and the Fused versus MBConv rates.

    python bench/bench_profile.py [--repeat N] [--runs N] [--jit]

Runs ``effcli profile -f json`` for a few networks, each ``--repeat`` times in fresh
processes, and prints per run: the whole network's median, the sum of the blocks'
medians, their ratio against the documented range (``SUM_RATIO_RANGE`` in
effcli/tools/profile.py), images/s, and the Fused-MBConv and MBConv blocks' mean
GMAC/s. It checks nothing about speed and fails only when a run fails; a ratio
outside the range is printed with "OUTSIDE". Timings are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys

from effcli.tools.profile import SUM_RATIO_RANGE

CASES = (
    ("efficientnetv2_b0", "224"),
    ("tiny_v2", "160"),
    ("efficientnetv2_s", "224"),
)
ENV = {k: v for k, v in os.environ.items() if k not in ("EFFCLI_ENGINE", "EFFCLI_DEBUG", "COLUMNS")}


def profile(name: str, resolution: str, runs: int, jit: bool) -> dict:
    command = [sys.executable, "-m", "effcli", "profile", name, "-r", resolution, "--runs", str(runs), "-f", "json"]
    result = subprocess.run(command + (["--jit"] if jit else []), capture_output=True, text=True, env=ENV)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return json.loads(result.stdout)["profile"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--jit", action="store_true")
    options = parser.parse_args()
    low, high = SUM_RATIO_RANGE
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; documented range {low}..{high}")
    print(f"{'network':<20} {'whole ms':>9} {'sum ms':>9} {'ratio':>6}  {'img/s':>8} {'Fused':>7} {'MBConv':>7}")
    for name, resolution in CASES:
        for _ in range(options.repeat):
            data = profile(name, resolution, options.runs, options.jit)
            rates = {r["type"]: r["mean_gmacs_per_s"] for r in data["rates"]}
            ratio = data["sum_ratio"]
            flag = "" if low <= ratio <= high else "  OUTSIDE"
            print(
                f"{name + ' @' + resolution:<20} {data['whole']['ms_median']:9.2f} {data['sum_of_blocks_ms']:9.2f} "
                f"{ratio:6.2f}  {data['whole']['images_per_s']:8.1f} {rates.get('fused', 0):7.2f} "
                f"{rates.get('mbconv', 0):7.2f}{flag}"
            )


if __name__ == "__main__":
    main()
