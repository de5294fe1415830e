"""Paired wall-time benchmark of the measurement cache: a repeated Keras report against the analytic engine.

    python bench/bench_cache.py [--runs N] [--cold-runs N]

Runs `effcli summary efficientnetv2_b2` with the default (Keras) engine and a
warm measurement cache, and `effcli summary efficientnetv2_b2 --engine analytic`,
alternately (A, B, B, A, ...) in fresh processes, so both see the same machine
state; prints the medians and their ratio. For context it also times the cold,
uncached Keras build (`--no-cache`) a few times. The cache is a temporary folder
of its own (EFFCLI_CACHE_DIR), filled by one run before timing and removed at
the end; the user's cache is never touched. Target: the warm Keras
report within 2x of the analytic engine's time.
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

EFFCLI = str(Path(sys.executable).with_name("effcli"))
MODEL = "efficientnetv2_b2"
WARM = [EFFCLI, "summary", MODEL]
ANALYTIC = [EFFCLI, "summary", MODEL, "--engine", "analytic"]
COLD = [EFFCLI, "summary", MODEL, "--no-cache"]


def run_once(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run (stdout and stderr discarded)."""
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed


def engine_of(command: list[str], env: dict[str, str]) -> str:
    """What the table header's Engine line says for ``command``."""
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    return next((line.split(None, 1)[1] for line in out.splitlines() if line.startswith("Engine ")), "?")


def summary(times: list[float]) -> str:
    return f"{statistics.median(times):6.3f} s median (min {min(times):.3f}, max {max(times):.3f}, n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="paired runs of each command (default 15)")
    parser.add_argument("--cold-runs", type=int, default=3, help="uncached Keras builds, for context (default 3)")
    args = parser.parse_args()
    from importlib.metadata import version

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print(
        f"python {platform.python_version()}, tensorflow {version('tensorflow')}, keras {version('keras')}, "
        f"{args.runs} paired runs\n"
    )
    folder = tempfile.mkdtemp(prefix="effcli-bench-cache-")
    env = {k: v for k, v in os.environ.items() if k not in ("EFFCLI_ENGINE", "EFFCLI_DEBUG")}
    env["EFFCLI_CACHE_DIR"] = folder
    try:
        first, again = engine_of(WARM, env), engine_of(WARM, env)  # the first run builds and fills the cache
        print(f"cache folder {folder}: first run '{first}', then '{again}'")
        if again != "keras (cached build)":
            raise SystemExit("the second run was not answered from the cache")

        times: dict[str, list[float]] = {"warm": [], "analytic": []}
        for i in range(args.runs):
            order = [("warm", WARM), ("analytic", ANALYTIC)]
            for key, command in order if i % 2 == 0 else order[::-1]:
                times[key].append(run_once(command, env))
        cold = [run_once(COLD, env) for _ in range(args.cold_runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    warm, analytic = statistics.median(times["warm"]), statistics.median(times["analytic"])
    print()
    print(f"keras engine, warm cache:   {summary(times['warm'])}   (effcli summary {MODEL})")
    print(f"analytic engine:            {summary(times['analytic'])}   (... --engine analytic)")
    if cold:
        print(f"keras engine, no cache:     {summary(cold)}   (... --no-cache)")
    print()
    print(f"ratio warm keras / analytic: {warm / analytic:.2f}")
    if cold:
        print(f"speed-up of the cache over a cold build: {statistics.median(cold) / warm:.1f}x")
    print(f"[{'met' if warm <= 2 * analytic else 'MISSED'}] repeated default-engine summary within 2x of analytic")


if __name__ == "__main__":
    main()
