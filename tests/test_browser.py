"""The report page and the table's --svg/--html exports in a real browser: headless Chromium, offline.

Skipped when no Chromium (chromium, chromium-browser, google-chrome) is on PATH. Chromium runs with
no way to reach the network (a dead proxy, every host name unresolvable, its own background services
off); its log must show no console message from the page, and its network log no request made by
the page. The page carries no test hooks: where a test clicks, it appends a script of its own to a
copy of the page, which clicks as a reader would (HTMLElement.click, a MouseEvent on the diagram)
and writes what it then sees into the DOM that --dump-dom prints.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from test_report_page import EVIL_CONFIG, b0_page, elements, make_page, report

from effcli.render.text import int_text

BROWSER = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on PATH")
TIMEOUT = 60  # seconds for one browser run
OFFLINE = [
    "--headless=new",
    "--no-sandbox",  # tests may run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9",  # the discard port: a request that got past the resolver goes nowhere
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-pings",
    "--disable-client-side-phishing-detection",
    "--disable-features=Translate,OptimizationHints,MediaRouter,SpellCheck",
    "--enable-logging=stderr",
    "--v=0",
]
CONSOLE = re.compile(r":CONSOLE[(:]")  # Chromium logs a page's console messages (and uncaught errors) so
_runs = itertools.count()


class Run:
    def __init__(self, stdout: str, stderr: str, net_log: Path):
        self.stdout, self.stderr, self.net_log = stdout, stderr, net_log

    def console(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if CONSOLE.search(line)]

    def page_requests(self) -> list[str]:
        """The network requests the page made (Chromium's own background requests have no origin)."""
        log = json.loads(self.net_log.read_text())
        start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        requests = []
        for event in log["events"]:
            params = event.get("params") or {}
            if event["type"] == start and params.get("url") and params.get("initiator") != "not an origin":
                requests.append(f"{params.get('url')} (from {params.get('initiator')})")
        return requests


def chromium(tmp_path: Path, target: Path, *flags: str) -> Run:
    """Open ``target`` (a file) in headless Chromium with ``flags``; the run and its whole process group are
    killed after TIMEOUT seconds."""
    n = next(_runs)
    net_log = tmp_path / f"net-{n}.json"
    command = [
        str(BROWSER),
        *OFFLINE,
        f"--user-data-dir={tmp_path / f'profile-{n}'}",
        f"--log-net-log={net_log}",
        *flags,
        target.resolve().as_uri(),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        process.communicate()
        pytest.fail(f"Chromium did not finish within {TIMEOUT} s: {' '.join(command)}")
    finally:
        _kill_group(process.pid)  # helpers (zygote, GPU process) that outlived the browser
    assert process.returncode == 0, stderr[-2000:]
    return Run(stdout, stderr, net_log)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def dump(tmp_path: Path, page: str, name: str = "page.html", *flags: str) -> Run:
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    return chromium(tmp_path, path, "--dump-dom", *flags)


def with_script(page: str, script: str) -> str:
    """A copy of the page with the test's script after the page's own, writing its findings as JSON."""
    wrapper = (
        "<script>(function () { var log = (function () {" + script + "})();"
        " var pre = document.createElement('pre'); pre.id = 'test-log'; pre.textContent = JSON.stringify(log);"
        " document.body.appendChild(pre); })();</script>\n</body>"
    )
    assert page.count("</body>") == 1
    return page.replace("</body>", wrapper)


def page_log(run: Run):
    match = re.search(r'<pre id="test-log">(.*?)</pre>', run.stdout, re.S)
    assert match, run.stdout[-2000:] + run.stderr[-2000:]
    return json.loads(html.unescape(match.group(1)))


# ------------------------------------------------------------------ the checks check


def test_the_offline_checks_see_errors_and_requests(tmp_path):
    page = (
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('seen'); notDefined();</script>"
        '<img src="http://example.invalid/a.png" alt=""></body></html>'
    )
    run = dump(tmp_path, page)
    console = "\n".join(run.console())
    assert "seen" in console and "notDefined" in console
    assert any("example.invalid" in r for r in run.page_requests())


# ------------------------------------------------------------------ the report page


def test_report_opens_offline_with_every_block(tmp_path):
    run = dump(tmp_path, b0_page())
    assert run.console() == []
    assert run.page_requests() == []
    dom = elements(run.stdout)
    for block in report().blocks:
        row = " ".join(dom.rows[block.name])
        assert block.name in row and int_text(block.params) in row
    assert re.search(r'<html lang="en" class="js">', run.stdout)  # the script ran
    layer_rows = [a for tag, a in dom.tags if tag == "tr" and a.get("class", "").startswith("layers")]
    assert layer_rows and all(a["class"] == "layers collapsed" for a in layer_rows)


def test_a_config_with_markup_in_its_name(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(EVIL_CONFIG)
    rep = report(str(path))
    run = dump(tmp_path, make_page(rep, scaling=False))
    assert run.console() == [] and run.page_requests() == []
    title = re.search(r"<title>(.*?)</title>", run.stdout)
    assert title and html.unescape(title.group(1)) == f"{rep.name} - effcli report"
    assert "<i>" not in run.stdout


SORT_SCRIPT = """
var table = document.querySelector('table.data');
function rows() {
  return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return [r.className, r.getAttribute('data-block') || r.id];
  });
}
function header(name) {
  var buttons = table.tHead.querySelectorAll('button.sort');
  for (var i = 0; i < buttons.length; i++) if (buttons[i].textContent === name) return buttons[i];
}
var params = header('Params'), log = {};
params.click(); log.ascending = rows(); log.ascendingSort = params.parentNode.getAttribute('aria-sort');
params.click(); log.descending = rows(); log.descendingSort = params.parentNode.getAttribute('aria-sort');
params.click(); log.restored = rows(); log.restoredSort = params.parentNode.getAttribute('aria-sort');
log.sortedClass = table.classList.contains('sorted');
var expand = table.querySelector('tr[data-block="block1a"] button.expand');
var layers = document.getElementById('layers-block1a');
expand.click(); log.expanded = [expand.getAttribute('aria-expanded'), layers.className];
expand.click(); log.collapsed = [expand.getAttribute('aria-expanded'), layers.className];
table.querySelector('tr[data-block="block2a"] td:nth-child(3)').click();
log.rowClick = document.getElementById('layers-block2a').className;
var shape = document.getElementById('diagram-block-block2b');
shape.dispatchEvent(new MouseEvent('click', {bubbles: true}));
var row = table.querySelector('tr[data-block="block2b"]');
log.diagram = [row.className, document.getElementById('layers-block2b').className, shape.getAttribute('class')];
return log;
"""


def test_sorting_expanding_and_clicking_the_diagram(tmp_path):
    blocks = report().blocks
    log = page_log(dump(tmp_path, with_script(b0_page(), SORT_SCRIPT)))

    def order(rows):
        names = [key for kind, key in rows if kind.startswith("block")]
        for (kind, key), (next_kind, next_key) in itertools.pairwise(rows):
            if kind.startswith("block"):  # its layers row travels with it
                assert next_kind.startswith("layers") and next_key == f"layers-{key}"
        return names

    by_params = sorted(blocks, key=lambda b: b.params)  # stable: equal params keep the table's order
    assert order(log["ascending"]) == [b.name for b in by_params]
    assert log["ascendingSort"] == "ascending"
    assert order(log["descending"]) == [b.name for b in sorted(blocks, key=lambda b: -b.params)]
    assert log["descendingSort"] == "descending"
    assert order(log["restored"]) == [b.name for b in blocks] and log["restoredSort"] is None
    assert not log["sortedClass"]
    assert log["expanded"] == ["true", "layers"] and log["collapsed"] == ["false", "layers collapsed"]
    assert log["rowClick"] == "layers"  # a click anywhere on a block's row opens it too
    assert log["diagram"] == ["block highlight", "layers", "selected"]


KEYBOARD_SCRIPT = """
var log = {};
var shapes = document.querySelectorAll('[id^="diagram-block-"][tabindex="0"][role="button"]');
log.reachable = Array.prototype.map.call(shapes, function (s) { return s.id.slice('diagram-block-'.length); });
var shape = document.getElementById('diagram-block-block3a');
shape.focus();
log.focused = document.activeElement === shape;
log.label = shape.getAttribute('aria-label');
shape.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}));
var row = document.querySelector('tr[data-block="block3a"]');
log.enter = [row.className, document.getElementById('layers-block3a').className, shape.getAttribute('class')];
var other = document.getElementById('diagram-block-block4b');
other.focus();
var space = new KeyboardEvent('keydown', {key: ' ', bubbles: true, cancelable: true});
other.dispatchEvent(space);
log.space = [document.querySelector('tr[data-block="block4b"]').className, row.className, space.defaultPrevented];
var letter = new KeyboardEvent('keydown', {key: 'a', bubbles: true, cancelable: true});
other.dispatchEvent(letter);
log.letterIgnored = !letter.defaultPrevented;
return log;
"""


def test_the_diagrams_blocks_work_from_the_keyboard(tmp_path):
    """Tab reaches every block of the diagram in order; Enter or Space opens its row as a click does."""
    blocks = report().blocks
    log = page_log(dump(tmp_path, with_script(b0_page(), KEYBOARD_SCRIPT)))
    assert log["reachable"] == [b.name for b in blocks]
    assert log["focused"] and log["label"] == "Block block3a: show its layers in the table"
    row_class, layers_class, shape_class = log["enter"]
    assert "highlight" in row_class.split() and (layers_class, shape_class) == ("layers", "selected")
    block4b, block3a, prevented = log["space"]
    assert "highlight" in block4b.split() and "highlight" not in block3a.split() and prevented  # it moved
    assert log["letterIgnored"]


NUMBERS_SCRIPT = """
var values = [['1,234', 'stage 10'], ['10.8M', 'stem'], ['0.25 (12)', 'stage 2'], ['x4', 'top'], ['-', 'stage 1'],
              ['999', ''], ['2.5K', 'P5'], ['', 'P1'], ['3x3', 'stage 3']];
var html = '<table class="data" id="t"><thead><tr><th><button type="button" class="sort">N</button></th>' +
  '<th><button type="button" class="sort">T</button></th></tr></thead><tbody>';
values.forEach(function (v, i) { html += '<tr id="r' + i + '"><td>' + v[0] + '</td><td>' + v[1] + '</td></tr>'; });
document.body.insertAdjacentHTML('beforeend', html + '</tbody></table>');
var table = document.getElementById('t'), log = {};
function ids() { return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.id; }); }
var buttons = table.tHead.querySelectorAll('button');
buttons[0].click(); log.numbers = ids();
buttons[0].click(); log.numbersDown = ids();
buttons[1].click(); log.texts = ids();
return log;
"""


def test_numbers_sort_as_numbers(tmp_path):
    log = page_log(dump(tmp_path, with_script(b0_page(), NUMBERS_SCRIPT)))
    # 0.25 (12) < 3x3 < x4 < 999 < 1,234 < 2.5K < 10.8M, then "-" and the empty cell in the table's order
    assert log["numbers"] == ["r2", "r8", "r3", "r5", "r0", "r6", "r1", "r4", "r7"]
    assert log["numbersDown"] == ["r1", "r6", "r0", "r5", "r3", "r8", "r2", "r4", "r7"]
    # text: natural order ("stage 2" before "stage 10"), the empty cell last
    assert log["texts"] == ["r7", "r6", "r4", "r2", "r8", "r0", "r1", "r3", "r5"]


def test_a_narrow_window_scrolls_tables_not_the_page(tmp_path):
    script = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"
    run = dump(tmp_path, with_script(b0_page(), script), "page.html", "--window-size=500,900")
    scroll_width, client_width = page_log(run)
    assert client_width <= 520 and scroll_width <= client_width


# ------------------------------------------------------------------ pictures of the pages


def _not_blank(png: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    with image.open(png) as picture:
        picture.load()
        width, height = picture.size
        colours = picture.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert width >= 400 and height >= 300
    colours.sort(reverse=True)
    background = colours[0][0]
    assert len(colours) > 20  # text, borders and antialiasing, not one flat colour
    assert width * height - background > 0.01 * width * height  # more than 1% drawn on the background


def test_screenshot_of_the_report(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(b0_page(), encoding="utf-8")
    png = tmp_path / "report.png"
    run = chromium(tmp_path, page, f"--screenshot={png}", "--window-size=1280,2400")
    assert run.console() == [] and run.page_requests() == []
    _not_blank(png)


@pytest.mark.parametrize("suffix", ["svg", "html"])
def test_screenshot_of_the_table_export(tmp_path, run, suffix):
    code, _, err = run("summary", "b0", f"--{suffix}", f"table.{suffix}")
    assert code == 0, err
    png = tmp_path / "table.png"
    shot = chromium(tmp_path, tmp_path / f"table.{suffix}", f"--screenshot={png}", "--window-size=1280,900")
    assert shot.console() == [] and shot.page_requests() == []
    _not_blank(png)
