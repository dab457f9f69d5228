#!/usr/bin/env python3
"""How long the explorer blocks the browser: loading, each action, panning and zooming.

    python benchmarks/bench_html_actions.py [--scales 1,10] [--keep DIR] [--json FILE]

Builds ``graph.html`` for the seeds, the sample (digests + vault) and the
scaled corpora (``benchmarks/scale_corpus.py``, digests ×N + the same vault),
opens each page offline in Debian's chromium through Playwright and records,
with a ``PerformanceObserver`` for ``longtask`` entries, the longest
main-thread task:

* while loading (navigation until the page is ready: map drawn, details
  parsed, search indexed), with the page's own marks ``pg-first-draw``,
  ``pg-map-complete`` and ``pg-ready``;
* for each action, from the input event until the page is idle again (no
  chunks pending) and two frames have been drawn;
* while panning (mouse drag) and zooming (wheel): frames per second counted
  with ``requestAnimationFrame``.

Targets (issue 18): first draw ≤ 2 s (sample) / ≤ 2.5 s (10×), no task over
500 ms while loading, none over 200 ms per action, ≥ 20 fps panning and
zooming in the default view. A task of 50 ms or less is not a long task: the
table shows "–" for an action that produced none.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import ensure_scaled  # noqa: E402  (benchmarks/run.py: the shared corpus scaler)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
VAULT = ROOT / "tests" / "data" / "corpus" / "vault"
DIGESTS = ROOT / "tests" / "data" / "corpus" / "digests"
VIEWPORT = {"width": 1400, "height": 1000}

OBSERVER = """
window.__long = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__long.push([e.startTime, e.duration]);
}).observe({type: "longtask", buffered: true});
window.__frames = 0;
(function tick() { window.__frames++; requestAnimationFrame(tick); })();
"""

SETTLE = """async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  while (!(window.papergraph && papergraph.idle())) await new Promise((r) => setTimeout(r, 20));
  await frame(); await frame();
  await new Promise((r) => setTimeout(r, 60));   // let the observer deliver the last entries
}"""


def build_page(name: str, sources: list[Path], folder: Path) -> Path:
    out = folder / name
    command = [sys.executable, "-m", "papergraph", "build", *map(str, sources), "-o", str(out), "-f", "html", "-q"]
    subprocess.run(command, check=True, cwd=ROOT)
    return out / "graph.html"


def longest_since(page, start: float) -> float:
    return page.evaluate("(t) => Math.max(0, ...window.__long.filter((e) => e[0] + e[1] >= t).map((e) => e[1]))", start)


def now(page) -> float:
    return page.evaluate("() => performance.now()")


def act(page, run) -> dict[str, float]:
    """Run one action; the longest task and the time until idle, in ms."""
    start = now(page)
    run()
    page.evaluate(SETTLE)
    return {"long": round(longest_since(page, start)), "ms": round(now(page) - start - 60)}


def fps(page, kind: str) -> dict[str, float]:
    """Frames per second while dragging (pan) or wheeling (zoom) over the graph for ~1.5 s."""
    box = page.locator("#graph").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    start = now(page)
    frames = page.evaluate("() => window.__frames")
    if kind == "pan":
        page.mouse.down()
        for i in range(90):
            page.mouse.move(cx + 200 * ((i % 30) / 30 - 0.5), cy + 80 * ((i % 15) / 15 - 0.5))
            page.wait_for_timeout(16)
        page.mouse.up()
    else:
        for i in range(30):
            page.mouse.wheel(0, -100 if i < 15 else 100)
            page.wait_for_timeout(50)
    elapsed = now(page) - start
    frames = page.evaluate("() => window.__frames") - frames
    longest = longest_since(page, start)
    page.evaluate(SETTLE)
    return {"fps": round(frames / elapsed * 1000, 1), "long": round(longest)}


def measure(browser, path: Path) -> dict[str, object]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:")) else r.abort()
    )
    context.add_init_script(OBSERVER)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function("() => window.papergraph && papergraph.ready", timeout=120_000)
    marks = page.evaluate(
        "() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]))"
    )
    row: dict[str, object] = {
        "nodes": page.evaluate("() => nodes.length"),
        "first draw": marks.get("pg-first-draw"),
        "map complete": marks.get("pg-map-complete"),
        "ready": marks.get("pg-ready"),
        "load: longest task": round(longest_since(page, 0)),
        "shown at start": page.evaluate("() => papergraph.nodeView.length"),
    }
    page.evaluate(SETTLE)
    row["pan fps"] = fps(page, "pan")
    row["zoom fps"] = fps(page, "zoom")
    page.evaluate("() => papergraph.showEverything()")
    page.evaluate(SETTLE)

    def click(selector: str):
        return lambda: page.click(selector)

    top_item = page.evaluate("() => papergraph.inView().sort((a, b) => nodes.get(b).size - nodes.get(a).size)[0]")

    def hover() -> None:
        point = page.evaluate(
            """(id) => { network.moveTo({position: network.getPosition(id), scale: 1}); const p = network.canvasToDOM(network.getPosition(id));
                         const box = network.canvas.frame.canvas.getBoundingClientRect();
                         return {x: box.left + p.x, y: box.top + p.y}; }""",
            top_item,
        )
        page.evaluate(SETTLE)
        page.mouse.move(point["x"], point["y"], steps=2)
        page.wait_for_function("() => papergraph.hover() !== null")

    actions = [
        ("hover", hover),
        ("kind: People on", click("#kinds input[data-kind=person]")),
        ("kind: People off", click("#kinds input[data-kind=person]")),
        ("kind: Notes on", click("#kinds input[data-kind=note]")),
        ("kind: Notes off", click("#kinds input[data-kind=note]")),
        ("tag filter", click("#tags li:first-child")),
        ("reset", click("#reset")),
        ("search", lambda: (page.fill("#search", "diffusion model"), page.press("#search", "Enter"))),
        ("focus (neighbours)", lambda: page.evaluate("(id) => papergraph.focusOn(id, 1)", top_item)),
        ("show everything", click("#show-all")),
        (
            "date filter",
            lambda: page.evaluate(
                "() => { const e = document.querySelector('#date-to'); e.value = String(Math.floor(e.max / 2));"
                " e.dispatchEvent(new Event('input')); }"
            ),
        ),
        ("reset again", click("#reset")),
    ]
    if page.evaluate("() => document.querySelector('#topics button') !== null"):
        actions.append(("topic filter", click("#topics li:first-child button")))
        actions.append(("topic off", click("#topics li:first-child button")))
    for name, run in actions:
        row[name] = act(page, run)
    row["errors"] = len(errors)
    context.close()
    return row


def cell(value: object, key: str = "long") -> str:
    if isinstance(value, dict):
        if "fps" in value:
            return f"{value['fps']} fps (longest {value['long'] or '–'} ms)"
        return f"{value['long'] or '–'} ms ({value['ms']} ms to idle)"
    return "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10", help="comma-separated corpus scales (default: 1,10)")
    parser.add_argument("--keep", type=Path, help="write the pages into this folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-html-actions-") as temporary:
        folder = args.keep or Path(temporary)
        pages = [("seeds", build_page("seeds", [ROOT / "seeds"], folder))]
        for scale in (int(s) for s in args.scales.split(",") if s):
            digests = DIGESTS if scale == 1 else ensure_scaled(scale)
            name = "sample" if scale == 1 else f"sample x{scale}"
            pages.append((name, build_page(name.replace(" ", "-"), [digests, VAULT], folder)))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            rows = {name: measure(browser, path) for name, path in pages}
            browser.close()
    names = list(rows)
    keys = list(dict.fromkeys(k for row in rows.values() for k in row))
    table = [["", *names]] + [[k, *(cell(rows[n].get(k)) for n in names)] for k in keys]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
