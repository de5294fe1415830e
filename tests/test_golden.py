"""Golden files: the whole table view (plain, at 60, 80, 120 and 200 columns) and the Markdown of every view.

Each case builds its document with the view function and the analytic engine (no
TensorFlow), writes it, and compares the text with ``tests/golden/<case>.w<N>.txt``
or ``tests/golden/<case>.md`` exactly. After an intended change of the output,
``pytest tests/test_golden.py --update-golden`` rewrites the files; review the diff
before committing it. The plan's timing is fixed (a PlanResult with 1 second), so
its rate line is stable too.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from effcli.render import get_writer, views
from effcli.render.document import Document

GOLDEN = Path(__file__).resolve().parent / "golden"
WIDTHS = (60, 80, 120, 200)


def _report(name: str):
    from effcli.tools.sources import report_for

    return report_for(name, None, engine="analytic", force=False)


def _compare():
    from effcli.tools.compare import compare

    return views.compare(
        compare([_report(n) for n in ("efficientnetv1_b0", "efficientnetlite_b0", "efficientnetv2_b0")])
    )


def _scale():
    from effcli.config.presets import resolve
    from effcli.tools.scale import scale

    return views.scale(scale(resolve("efficientnetv1_b0"), width=None, depth=None, phi=2))


def _explain():
    from effcli.tools.explain import explain

    return views.explain(explain(_report("efficientnetv2_b2"), "block4b"))


def _presets():
    from effcli.tools.catalog import catalogue

    return views.presets(catalogue())


def _plan():
    from effcli.config.presets import resolve
    from effcli.tools.budget import search

    result = search(
        resolve("efficientnetv2_b0"),
        max_params=20_000_000,
        max_macs=2_000_000_000,
        resolutions=[192, 224, 256],
        widths=tuple(round(0.5 + 0.1 * i, 4) for i in range(16)),
        depths=tuple(round(0.5 + 0.1 * i, 4) for i in range(16)),
        top=8,
    )
    return views.plan(dataclasses.replace(result, seconds=1.0))  # the rate line: evaluated / 1 s


def _recommend():
    from effcli.config.presets import resolve
    from effcli.tools.budget import recommend

    return views.recommendation(recommend(resolve("efficientnetv2_b0"), max_params=20_000_000, max_macs=None))


CASES: dict[str, Callable[[], Document]] = {
    "summary-v2": lambda: views.summary(_report("efficientnetv2_b0")),
    "summary-v1": lambda: views.summary(_report("efficientnetv1_b0")),
    "summary-lite": lambda: views.summary(_report("efficientnetlite_b0")),
    "summary-layers": lambda: views.summary(_report("efficientnetlite_b0"), layers=True),
    "compare": _compare,
    "scale": _scale,
    "explain": _explain,
    "presets": _presets,
    "plan": _plan,
    "recommend": _recommend,
}
OUTPUTS = [(case, f"w{width}.txt") for case in CASES for width in WIDTHS] + [(case, "md") for case in CASES]


@functools.cache
def document(case: str) -> Document:
    return CASES[case]()


def written(case: str, suffix: str) -> str:
    if suffix == "md":
        return get_writer("markdown").write(document(case))
    width = int(suffix.removeprefix("w").removesuffix(".txt"))
    return get_writer("table", color=False, width=width).write(document(case))


@pytest.mark.parametrize(("case", "suffix"), OUTPUTS, ids=[f"{c}.{s}" for c, s in OUTPUTS])
def test_golden(request, case, suffix):
    path = GOLDEN / f"{case}.{suffix}"
    actual = written(case, suffix)
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != actual:
            path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path.name} is missing; create it with: pytest tests/test_golden.py --update-golden"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                f"tests/golden/{path.name}",
                "actual",
            )
        )
        pytest.fail(f"the output differs from {path.name} (--update-golden rewrites it):\n{diff}", pytrace=False)


def test_no_stale_golden_files():
    expected = {f"{case}.{suffix}" for case, suffix in OUTPUTS}
    stale = sorted(p.name for p in GOLDEN.iterdir() if p.name not in expected)
    assert not stale, f"golden files no case writes (delete them): {stale}"


def test_table_writer_saves_what_it_printed():
    from effcli.render.table import TableWriter

    writer = TableWriter(color=False, width=120)
    text = writer.write(document("explain"))
    svg, html = writer.export_svg("effcli-explain"), writer.export_html()
    assert svg.startswith("<svg") and "effcli-explain" in svg and "<html>" in html.lower()
    assert "block4b_dwconv2" in text and "block4b_dwconv2" in html
