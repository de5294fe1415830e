"""Paired wall-time and peak-memory benchmark of effcli's engines against keras.applications.

    python bench/bench_engines.py [--runs N]

Each comparison runs its commands alternately (A, B, A, B, ...) in fresh
processes, so both see the same machine state; it prints medians, the ratio of
the medians and the peak resident memory (ru_maxrss of the child). Targets
(issue 3): the keras engine on EfficientNetV2-L at most 0.75x the wall time of
the keras.applications line and below its peak memory; the analytic engine on
EfficientNetV2-B2 at least 20x faster than the keras.applications line;
`effcli --help` under 0.3 s median.
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
ENV = {k: v for k, v in os.environ.items() if k not in ("EFFCLI_ENGINE", "EFFCLI_DEBUG")}


def keras_applications(function: str) -> list[str]:
    return [PYTHON, "-c", f"import keras; keras.applications.{function}(weights=None, include_top=False).summary()"]


def run_once(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss / 1024


def compare(label: str, ours: list[str], theirs: list[str] | None, runs: int) -> dict:
    times: dict[str, list[float]] = {"ours": [], "theirs": []}
    memory: dict[str, list[float]] = {"ours": [], "theirs": []}
    for i in range(runs):
        order = [("ours", ours), ("theirs", theirs)] if i % 2 == 0 else [("theirs", theirs), ("ours", ours)]
        for key, command in order:
            if command is None:
                continue
            seconds, megabytes = run_once(command)
            times[key].append(seconds)
            memory[key].append(megabytes)
    result = {
        "label": label,
        "ours": " ".join(Path(c).name if c in (PYTHON, EFFCLI) else c for c in ours),
        "ours_s": statistics.median(times["ours"]),
        "ours_mb": max(memory["ours"]),
    }
    if theirs is not None:
        result.update(
            theirs=" ".join(Path(c).name if c == PYTHON else c for c in theirs),
            theirs_s=statistics.median(times["theirs"]),
            theirs_mb=max(memory["theirs"]),
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (default 5)")
    args = parser.parse_args()
    # versions from metadata: importing tensorflow here would inflate every child's ru_maxrss (fork)
    from importlib.metadata import version

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print(
        f"python {platform.python_version()}, tensorflow {version('tensorflow')}, keras {version('keras')}, "
        f"typer {version('typer')}, {args.runs} paired runs\n"
    )
    results = [
        compare(
            "keras engine, V2-L",
            [EFFCLI, "summary", "efficientnetv2_l", "--engine", "keras"],
            keras_applications("EfficientNetV2L"),
            args.runs,
        ),
        compare(
            "analytic engine, V2-B2",
            [EFFCLI, "summary", "efficientnetv2_b2", "--engine", "analytic"],
            keras_applications("EfficientNetV2B2"),
            args.runs,
        ),
        compare("effcli --help", [EFFCLI, "--help"], None, args.runs),
    ]
    for r in results:
        print(f"{r['label']}")
        print(f"  effcli:             {r['ours_s']:6.2f} s median, peak {r['ours_mb']:7.0f} MB   ({r['ours']})")
        if "theirs" in r:
            print(f"  keras.applications: {r['theirs_s']:6.2f} s median, peak {r['theirs_mb']:7.0f} MB")
            print(
                f"  time ratio effcli / keras.applications: {r['ours_s'] / r['theirs_s']:.3f} "
                f"(speed-up {r['theirs_s'] / r['ours_s']:.1f}x); memory ratio {r['ours_mb'] / r['theirs_mb']:.2f}"
            )
        print()
    large, small, helptext = results
    checks = [
        ("keras engine V2-L <= 0.75x keras.applications time", large["ours_s"] <= 0.75 * large["theirs_s"]),
        ("keras engine V2-L peak memory below keras.applications", large["ours_mb"] < large["theirs_mb"]),
        ("analytic V2-B2 >= 20x faster than keras.applications", small["theirs_s"] >= 20 * small["ours_s"]),
        ("effcli --help median < 0.3 s", helptext["ours_s"] < 0.3),
    ]
    for text, ok in checks:
        print(f"[{'met' if ok else 'MISSED'}] {text}")


if __name__ == "__main__":
    main()
