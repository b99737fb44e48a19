"""The pictures in a real browser: headless Chromium at 1,000 px, driven by selenium.

The stepper page is played the way a reader plays it (next, back, the
slider dragged, play), and every frame's gradients are read off the SVG and
compared with what ``backward()`` gives. A drawn graph is shown the way
Jupyter shows it (IPython's display formatter, the front end's preferred
type, inside a notebook-like output area). Both must fit the page without
sideways scrolling, keep text at 9 px or more, and log no console errors.

Skipped where selenium, Chromium, its driver or Graphviz is missing; CI
(.ci/run) installs all four.
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

    def press(self, go: str) -> None:
        self.root.find_element("css selector", f'button[data-go="{go}"]').click()

    def shown(self) -> int:
        visible = [i for i, f in enumerate(self.frames) if f.is_displayed()]
        assert len(visible) == 1, f"frames {visible} visible at once"
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


def check_frame(page: Page, index: int, final: dict[str, str]) -> None:
    """Frame ``index`` is shown and says only true things about the gradients."""
    assert page.shown() == index
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
    last = len(view.frames) - 1

    browser.get(path.as_uri())
    page = Page(browser)
    assert len(page.frames) == len(view.frames)
    check_frame(page, 0, final)
    layout = page.boxes()
    assert min_text_px(browser, page.frames[0]) >= 9
    no_sideways_scroll(browser)

    for index in range(1, last + 1):  # next, one frame at a time
        page.press("next")
        check_frame(page, index, final)
        assert page.boxes() == layout, f"boxes moved in frame {index}"
        no_sideways_scroll(browser)
    page.press("next")  # past the end: stays
    check_frame(page, last, final)
    for index in range(last - 1, -1, -1):  # and back
        page.press("prev")
        check_frame(page, index, final)
    page.press("last")
    check_frame(page, last, final)
    page.press("first")
    check_frame(page, 0, final)

    # Drag the slider's thumb from the left end to the right end.
    from selenium.webdriver.common.action_chains import ActionChains

    width = page.slider.size["width"]
    ActionChains(browser).move_to_element_with_offset(page.slider, -width // 2 + 2, 0)\
        .click_and_hold().move_by_offset(width // 2, 0).pause(0.1)\
        .move_by_offset(width // 2, 0).release().perform()  # fmt: skip
    check_frame(page, last, final)
    ActionChains(browser).click_and_hold(page.slider).move_by_offset(-width, 0).release().perform()
    check_frame(page, 0, final)

    # Play: every frame in turn, then it stops at the end.
    page.press("play")
    seen = [page.shown()]
    deadline = time.monotonic() + 2.0 * len(view.frames)
    while seen[-1] != last and time.monotonic() < deadline:
        time.sleep(0.1)
        if page.shown() != seen[-1]:
            seen.append(page.shown())
            check_frame(page, seen[-1], final)
    assert seen == list(range(last + 1))
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
