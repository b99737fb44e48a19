"""The pictures in a real browser: headless Chromium at 1,000 px, driven by selenium.

The stepper page is played the way a reader plays it (next, back, the
slider dragged, play), and every frame's gradients are read off the SVG and
compared with what ``backward()`` gives. A drawn graph is shown the way
Jupyter shows it (IPython's display formatter, the front end's preferred
type, inside a notebook-like output area), and both are opened in
JupyterLab itself. They must fit without sideways scrolling, keep text at
9 px or more, keep every node in place from frame to frame, and log no
console errors.

Skipped where selenium, Chromium, its driver or Graphviz is missing (and
the JupyterLab test where JupyterLab is); CI (.ci/run) installs them all.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import autograd_lite as ag
from autograd_lite import Value
from autograd_lite.core.display import fmt
from autograd_lite.core.graph import topological_order

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed")

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
DRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None or DRIVER is None, reason="Chromium or its driver missing"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not installed"),
]

WIDTH = 1000  # px: the browser window, as in a notebook on a laptop screen
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={WIDTH},900",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def no_sideways_scroll(driver: Any) -> None:
    inner, scroll = driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]"
    )
    assert inner == WIDTH
    assert scroll <= inner, f"the page scrolls sideways: {scroll} px wide in a {inner} px window"


# Each visible SVG text: its label and its size on screen, in CSS px.
TEXTS_JS = """
var out = [];
arguments[0].querySelectorAll("svg text").forEach(function (t) {
  var box = t.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) return;
  var px = parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a;
  out.push([t.textContent, px]);
});
return out;
"""

# Each node of the visible SVG: its Graphviz id, its texts, and where it is.
NODES_JS = """
var out = {};
arguments[0].querySelectorAll("svg g.node").forEach(function (g) {
  var box = g.getBoundingClientRect();
  var texts = Array.prototype.map.call(g.querySelectorAll("text"), function (t) {
    return t.textContent;
  });
  out[g.querySelector("title").textContent] = {
    texts: texts, box: [box.left, box.top, box.width, box.height]
  };
});
return out;
"""


def min_text_px(driver: Any, element: Any) -> float:
    sizes = [px for _, px in driver.execute_script(TEXTS_JS, element)]
    assert sizes, "no text visible"
    return min(sizes)


# --- the stepper page -----------------------------------------------------------


def network() -> tuple[Value, list[Value]]:
    """A neuron whose input is used twice, every node labelled (so its box can be found)."""
    x, w, b = Value(2.0, label="x"), Value(-1.5, label="w"), Value(0.5, label="b")
    xw = x * w
    xw.label = "xw"
    n = xw + b
    n.label = "n"
    t = n.tanh()
    t.label = "t"
    y = t * x
    y.label = "y"
    return y, [x, w, b, xw, n, t, y]


class Page:
    """The stepper page in the browser, read the way a person reads it."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.root = driver.find_element("css selector", ".ag-stepper")
        self.frames = self.root.find_elements("css selector", ".ag-frame")
        self.slider = self.root.find_element("css selector", "input[type=range]")
        self.captions = self.root.find_elements("css selector", ".ag-caption")
        self.captions_box = self.root.find_element("css selector", ".ag-captions")

    def press(self, go: str) -> None:
        self.root.find_element("css selector", f'button[data-go="{go}"]').click()

    def shown(self) -> int:
        # One script call reads every frame at once: play may turn a page between two reads.
        visible = self.driver.execute_script(
            "return Array.prototype.map.call(arguments[0].querySelectorAll('.ag-frame'),"
            " function (f) { return f.getClientRects().length > 0; })",
            self.root,
        )
        shown = [i for i, v in enumerate(visible) if v]
        assert len(shown) == 1, f"frames {shown} visible at once"
        return shown[0]

    def caption(self) -> str:
        visible = [c.text for c in self.captions if c.is_displayed()]
        assert len(visible) == 1, f"{len(visible)} captions visible at once"
        return visible[0]

    def position(self) -> str:
        return self.root.find_element("css selector", ".ag-position").text

    def grads(self) -> dict[str, str]:
        """Label -> the gradient its box shows, in the visible frame."""
        frame = self.frames[self.shown()]
        shown = {}
        for node in self.driver.execute_script(NODES_JS, frame).values():
            texts = node["texts"]
            grad = [t[len("grad ") :] for t in texts if t.startswith("grad ")]
            if grad and not texts[0].startswith(("data ", "grad ")):
                shown[texts[0]] = grad[0]
        return shown

    def boxes(self) -> dict[str, list[float]]:
        frame = self.frames[self.shown()]
        top = frame.rect["y"]
        nodes = self.driver.execute_script(NODES_JS, frame)
        # Relative to the frame, so scrolling the page does not count as moving.
        return {k: [v["box"][0], v["box"][1] - top, *v["box"][2:]] for k, v in nodes.items()}


def check_frame(page: Page, index: int, final: dict[str, str], captions: list[str]) -> None:
    """Frame ``index`` is shown under its caption and says only true things about gradients."""
    assert page.shown() == index
    assert page.caption() == captions[index]
    assert page.slider.get_attribute("value") == str(index)
    last = len(page.frames) - 1
    assert page.position() == ("before backward" if index == 0 else f"step {index} of {last}")
    grads = page.grads()
    assert set(grads) == set(final)
    for label, text in grads.items():
        if text == "?" or text.endswith(" so far"):
            assert index < last
        else:  # shown as final: exactly what backward() gives
            assert text == final[label], (index, label)
    if index == last:
        assert grads == final


def test_stepper_page_plays_backward_and_shows_backwards_gradients(
    browser: Any, tmp_path: Path
) -> None:
    started = time.perf_counter()
    y, nodes = network()
    view = ag.stepper(y)
    path = tmp_path / "stepper.html"
    view.save(path)
    y.backward()  # the stepper left .grad alone, so this is a plain backward
    final = {v.label: fmt(v.grad) for v in nodes}
    captions = [frame.caption for frame in view.frames]
    last = len(view.frames) - 1

    browser.get(path.as_uri())
    page = Page(browser)
    assert len(page.frames) == len(view.frames)
    check_frame(page, 0, final, captions)
    layout = page.boxes()
    assert min_text_px(browser, page.frames[0]) >= 9
    no_sideways_scroll(browser)

    for index in range(1, last + 1):  # next, one frame at a time
        page.press("next")
        check_frame(page, index, final, captions)
        assert page.boxes() == layout, f"boxes moved in frame {index}"
        no_sideways_scroll(browser)
    page.press("next")  # past the end: stays
    check_frame(page, last, final, captions)
    for index in range(last - 1, -1, -1):  # and back
        page.press("prev")
        check_frame(page, index, final, captions)
    page.press("last")
    check_frame(page, last, final, captions)
    page.press("first")
    check_frame(page, 0, final, captions)

    # Drag the slider's thumb from the left end to the right end.
    from selenium.webdriver.common.action_chains import ActionChains

    width = page.slider.size["width"]
    ActionChains(browser).move_to_element_with_offset(page.slider, -width // 2 + 2, 0)\
        .click_and_hold().move_by_offset(width // 2, 0).pause(0.1)\
        .move_by_offset(width // 2, 0).release().perform()  # fmt: skip
    check_frame(page, last, final, captions)
    ActionChains(browser).click_and_hold(page.slider).move_by_offset(-width, 0).release().perform()
    check_frame(page, 0, final, captions)

    # Play: every frame in turn, then it stops at the end. The page itself logs
    # each frame it shows (a busy machine polling from here could miss one).
    browser.execute_script(
        "var frames = arguments[0].querySelectorAll('.ag-frame'); window.agSeen = [];"
        "new MutationObserver(function () {"
        "  var shown = [];"
        "  frames.forEach(function (f, i) { if (f.style.display !== 'none') shown.push(i); });"
        "  var seen = window.agSeen, now = shown.join(',');"
        "  if (seen[seen.length - 1] !== now) seen.push(now);"
        "}).observe(arguments[0], {attributes: true, subtree: true, attributeFilter: ['style']});",
        page.root,
    )
    page.press("play")
    deadline = time.monotonic() + 10.0 * len(view.frames)  # a bound for a hang, not a speed test
    while page.shown() != last and time.monotonic() < deadline:
        time.sleep(0.1)
    seen = browser.execute_script("return window.agSeen")
    assert seen == [str(k) for k in range(1, last + 1)]
    check_frame(page, last, final, captions)
    assert page.root.find_element("css selector", 'button[data-go="play"]').text == "play"

    assert console_errors(browser) == []
    browser.save_screenshot(str(tmp_path / "stepper-last.png"))
    print(f"\nstepper page in Chromium: {time.perf_counter() - started:.1f} s")


# --- a drawn graph as a notebook shows it ------------------------------------------

NOTEBOOK_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>output</title>
<style>
  body {{ margin: 0; font-family: sans-serif; }}
  .notebook {{ box-sizing: border-box; width: 100%; padding: 0 16px 0 0; }}
  .output {{ display: flex; }}
  .prompt {{ flex: 0 0 64px; }}
  .output-area {{ flex: 1 1 auto; min-width: 0; }}
</style></head>
<body><div class="notebook"><div class="output"><div class="prompt">[5]:</div>
<div class="output-area">{body}</div></div></div></body></html>
"""


def jupyter_shows(obj: object) -> str:
    """The HTML a notebook front end would display for ``obj``."""
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(obj)
    assert "text/html" in data, sorted(data)  # the front end's first choice
    return data["text/html"]


def whole_network() -> tuple[Value, list[Value]]:
    """A 2-2-2 sigmoid network and its squared error, every parameter labelled."""
    from autograd_lite import losses, nn

    model = nn.MLP(2, [2, 2], activation=["sigmoid", "sigmoid"], seed=0)
    for name, p in model.named_parameters():
        p.label = name.replace("layers.", "L").replace(".neurons.", "n").replace(".", "")
    x = [Value(0.05, label="x1"), Value(0.10, label="x2")]
    out = model(x)
    error = losses.squared_error(out[0], 0.01) + losses.squared_error(out[1], 0.99)
    error.label = "E"
    return error, [v for v in topological_order(error) if v.label]


@pytest.mark.parametrize("rankdir", ["auto", "LR"])
def test_a_drawn_graph_fits_a_notebook_and_shows_backwards_gradients(
    browser: Any, tmp_path: Path, rankdir: str
) -> None:
    error, labelled = whole_network()
    error.backward()
    path = tmp_path / "notebook.html"
    path.write_text(
        NOTEBOOK_PAGE.format(body=jupyter_shows(ag.draw_graph(error, rankdir=rankdir))),
        encoding="utf-8",
    )
    browser.get(path.as_uri())
    no_sideways_scroll(browser)
    box = browser.find_element("css selector", ".ag-graph")
    assert min_text_px(browser, box) >= 9
    # Everything is reachable: the box scrolls to the picture's far edge.
    reach = browser.execute_script(
        "var b = arguments[0]; b.scrollLeft = b.scrollWidth;"
        "var svg = b.querySelector('svg').getBoundingClientRect();"
        "return [svg.right, b.getBoundingClientRect().right, b.clientWidth, b.scrollWidth];",
        box,
    )
    assert reach[0] <= reach[1] + 1
    shown = {}
    for node in browser.execute_script(NODES_JS, box).values():
        texts = node["texts"]
        grads = [t[len("grad ") :] for t in texts if t.startswith("grad ")]
        if grads and not texts[0].startswith("data "):
            shown[texts[0]] = grads[0]
    assert shown == {v.label: fmt(v.grad) for v in labelled}
    assert console_errors(browser) == []
    browser.save_screenshot(str(tmp_path / f"notebook-{rankdir}.png"))


# --- the same in JupyterLab itself -------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """A JupyterLab server on a free port, serving a fresh directory: (url, root, data dir)."""
    import os
    import subprocess
    import sys
    import urllib.request

    pytest.importorskip("jupyterlab", reason="JupyterLab (the notebooks extra) not installed")
    root = tmp_path_factory.mktemp("lab-root")
    home = tmp_path_factory.mktemp("lab-home")
    data = home / "data"
    env = dict(
        os.environ,
        JUPYTER_DATA_DIR=str(data),  # its notebook-trust database, shared with the test
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
    )
    port, token = free_port(), "autograd-lite-test"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--allow-root",
         "--ServerApp.open_browser=False"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start")
                time.sleep(0.3)
        yield f"{url}/lab/tree/{{name}}?token={token}", root, data
    finally:
        server.terminate()
        server.wait(timeout=30)


def trusted_notebook(path: Path, data_dir: Path, objects: list[object]) -> None:
    """A notebook with one cell per object, its output what IPython would display, signed.

    The outputs are what the kernel would send (IPython's display formatter),
    and signing makes JupyterLab trust them, as it trusts the outputs of
    cells the user runs, so their HTML and script are shown as they are.
    """
    import nbformat
    from IPython.core.formatters import DisplayFormatter
    from nbformat.sign import NotebookNotary
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    cells = []
    for i, obj in enumerate(objects, 1):
        data, _ = DisplayFormatter().format(obj)
        output = new_output("execute_result", data=data, execution_count=i)
        cells.append(new_code_cell(f"shown[{i - 1}]", execution_count=i, outputs=[output]))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookNotary(data_dir=str(data_dir)).sign(nb)
    nbformat.write(nb, path)


def test_in_jupyterlab_a_graph_and_the_stepper_fit_and_show_backwards_gradients(
    browser: Any, lab: tuple[str, Path, Path], tmp_path: Path
) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    started = time.perf_counter()
    url, root, data = lab
    error, labelled = whole_network()
    error.backward()
    y, nodes = network()
    view = ag.stepper(y)
    trusted_notebook(root / "pictures.ipynb", data, [ag.draw_graph(error), view])
    y.backward()
    final = {v.label: fmt(v.grad) for v in nodes}
    captions = [frame.caption for frame in view.frames]

    browser.get(url.format(name="pictures.ipynb"))
    WebDriverWait(browser, 90).until(
        lambda d: (
            d.find_elements("css selector", ".ag-stepper .ag-controls")
            and d.find_element("css selector", ".ag-stepper .ag-controls").is_displayed()
        )
    )
    outputs = browser.find_elements("css selector", ".jp-OutputArea-output")
    assert len(outputs) == 2
    area = outputs[0].size["width"]

    # The graph: inside its output area (scrolling within its own box if need be),
    # readable, and every gradient as backward() left it.
    box = outputs[0].find_element("css selector", ".ag-graph")
    assert box.size["width"] <= area + 1
    assert min_text_px(browser, box) >= 9
    shown = {}
    for node in browser.execute_script(NODES_JS, box).values():
        texts = node["texts"]
        grads = [t[len("grad ") :] for t in texts if t.startswith("grad ")]
        if grads and not texts[0].startswith("data "):
            shown[texts[0]] = grads[0]
    assert shown == {v.label: fmt(v.grad) for v in labelled}

    # The stepper: its script runs in Lab, one frame at a time, next and back work.
    page = Page(browser)
    page.root.location_once_scrolled_into_view  # noqa: B018 (scrolls it into view)
    check_frame(page, 0, final, captions)
    assert min_text_px(browser, page.frames[0]) >= 9
    layout = page.boxes()
    last = len(view.frames) - 1
    for index in range(1, last + 1):
        page.press("next")
        check_frame(page, index, final, captions)
        assert page.boxes() == layout
    page.press("prev")
    check_frame(page, last - 1, final, captions)
    for picture in browser.find_elements("css selector", ".ag-graph"):
        assert picture.size["width"] <= area + 1
    errors = console_errors(browser)
    assert errors == []
    browser.save_screenshot(str(tmp_path / "jupyterlab.png"))
    print(f"\nJupyterLab in Chromium: {time.perf_counter() - started:.1f} s")
