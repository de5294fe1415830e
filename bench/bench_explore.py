"""`effcli explore`: the time to the first screen in a real terminal, and the time one edit takes to redraw.

    python bench/bench_explore.py [--runs N] [--model NAME]

1. First screen (goal: within 1 s on a 2-core machine). `effcli explore NAME` runs in a pseudo-terminal of
   80 x 24; the time is from the start of the process until the terminal has received the whole first screen
   (the footer's keys, the first block in the tree and the totals), then q is sent. Paired in the same run with
   analytic `effcli summary NAME` to a pipe (the floor of an effcli answer) and `python -c "import textual.app"`
   (what Textual itself costs before anything is drawn), alternately, in fresh processes.
2. One edit (no goal; it has to feel instant). In the app, headless, at 120 x 40: a new width is set and the
   whole explorer is recounted and redrawn (`ExploreApp.recompute`: the analytic engine, round_filters, every
   pane laid out again), for a small and for the largest preset.

Bytecode is written and used as an installed effcli has it (PYTHONDONTWRITEBYTECODE is not passed on, and one run
of each command before timing compiles it).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import platform
import pty
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

PYTHON = sys.executable
EFFCLI = str(Path(sys.executable).with_name("effcli"))
DROPPED = ("EFFCLI_ENGINE", "EFFCLI_DEBUG", "COLUMNS", "LINES", "NO_COLOR", "PYTHONDONTWRITEBYTECODE")
ENV = {**{k: v for k, v in os.environ.items() if k not in DROPPED}, "TERM": "xterm-256color"}
MARKERS = (b"Views", b"block1a", b"Params")  # the footer, the tree and the totals: the first screen is whole


def first_screen(model: str, timeout: float = 30.0) -> float:
    """Seconds from starting `effcli explore MODEL` in an 80 x 24 pty until its first screen has arrived."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(
        [EFFCLI, "explore", model], stdin=slave, stdout=slave, stderr=slave, env=ENV, start_new_session=True
    )
    os.close(slave)
    received, elapsed = b"", None
    deadline = start + timeout
    try:
        while elapsed is None:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.perf_counter()))
            if not ready:
                raise SystemExit(f"effcli explore {model}: no first screen within {timeout} s: {received[-500:]!r}")
            received += os.read(master, 65536)
            if all(marker in received for marker in MARKERS):
                elapsed = time.perf_counter() - start
        os.write(master, b"q")
        while True:  # drain until it has quit
            ready, _, _ = select.select([master], [], [], 5)
            if not ready:
                break
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
        if process.wait(timeout=10) != 0:
            raise SystemExit(f"effcli explore {model} exited with {process.returncode}")
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return elapsed


def run_once(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=ENV)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr.decode()}")
    return elapsed


def edit_times(model: str, runs: int) -> list[float]:
    """Seconds per recount and redraw of the whole explorer after the width changed, headless at 120 x 40."""
    from textual.widgets import Input

    from effcli.tools.session import Session
    from effcli.tui.app import ExploreApp

    async def main() -> list[float]:
        app = ExploreApp(Session(model))
        times = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            width = app.query_one("#control-width", Input)
            base = float(width.value)
            for n in range(runs):
                app._live = False  # set the text without the Changed event's own recount: time one recount
                width.value = f"{base + 0.05 * (n % 2 + 1):g}"
                await pilot.pause()
                app._live = True
                start = time.perf_counter()
                app.recompute()
                await pilot.pause()  # the redraw
                times.append(time.perf_counter() - start)
        return times

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--model", default="efficientnetv2_b0")
    args = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {args.runs} runs")

    summary = [EFFCLI, "summary", args.model, "-e", "analytic"]
    textual = [PYTHON, "-c", "import textual.app"]
    first_screen(args.model), run_once(summary), run_once(textual)  # compile the bytecode
    screens, summaries, imports = [], [], []
    for _ in range(args.runs):
        screens.append(first_screen(args.model))
        summaries.append(run_once(summary))
        imports.append(run_once(textual))
    screen, floor, textual_floor = (statistics.median(x) for x in (screens, summaries, imports))
    goal = "met" if screen <= 1.0 else "NOT met"
    print(f"\nFirst screen of `effcli explore {args.model}` in an 80 x 24 pty:")
    spread = f"spread {min(screens):.3f}-{max(screens):.3f}"
    print(f"  explore, first screen       {screen:.3f} s ({spread})  [{goal}: goal 1 s]")
    print(f"  summary -e analytic (pipe)  {floor:.3f} s   explore is x{screen / floor:.2f} of it")
    print(f"  python -c 'import textual.app'  {textual_floor:.3f} s")

    print("\nOne edit: recount and redraw of the whole explorer (headless, 120 x 40):")
    for model in (args.model, "efficientnetv2_xl"):
        times = edit_times(model, args.runs)
        print(f"  {model:<20} median {statistics.median(times) * 1000:.0f} ms (max {max(times) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
