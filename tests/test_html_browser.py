"""The HTML explorer driven in a real browser (Debian's chromium via Playwright).

Every request that is not ``file:`` is blocked and recorded; every test
asserts that none was attempted and that the page logged no error.
Expected values come from the graph in Python, not from the page.

Screenshots go to ``tests/artifacts/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pytest

from papergraph.build import load_graph
from papergraph.exporters import ExportContext
from papergraph.exporters.html import generate_html_files
from papergraph.graph import Attr

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
# The same flags as ../shared/tools/htmlcheck: no GPU, no QUIC, no background traffic.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DATA = Path(__file__).resolve().parent / "data"
VIEWPORT = {"width": 1400, "height": 1000}


@dataclass
class Log:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.requests == []
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.dialogs == []


@pytest.fixture(scope="module")
def browser():
    # scripts/test installs both; a missing browser must fail, not skip, so CI never passes without them
    assert CHROMIUM.exists(), "Debian's chromium is not installed: run scripts/test, which installs it"
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield browser
        browser.close()


def _write_page(G: nx.MultiDiGraph, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "graph.html"
    path.write_bytes(generate_html_files(G, ExportContext(G))["graph.html"])
    return path


@pytest.fixture(scope="module")
def seeds_html(seeds_graph, tmp_path_factory) -> Path:
    return _write_page(seeds_graph, tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="module", params=["xss", "hostile"])
def xss_graph(request) -> nx.MultiDiGraph:
    """The XSS payload corpus, and the hostile-text corpus (bidi, quotes, ]]>, control characters)."""
    return load_graph([DATA / request.param])[2]


@pytest.fixture(scope="module")
def xss_html(xss_graph, tmp_path_factory) -> Path:
    return _write_page(xss_graph, tmp_path_factory.mktemp("xss"))


def _open(browser, path: Path, fragment: str = "", viewport: dict[str, int] = VIEWPORT):
    """Open a page offline and wait until it has drawn and filled its panel."""
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    log = Log()

    def route(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            log.requests.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda message: log.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))

    def on_dialog(dialog):
        log.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(path.as_uri() + fragment)
    page.wait_for_function("() => window.papergraph && document.querySelector('#detail-body h2') !== null")
    _settle(page)
    return context, page, log


def _settle(page) -> None:
    """Wait until the page has applied every pending change (chunks, debounced search)."""
    page.wait_for_function("() => papergraph.idle()")


@pytest.fixture
def seeds(browser, seeds_html):
    context, page, log = _open(browser, seeds_html)
    yield page, log
    context.close()


def _drawn(page) -> set[int]:
    """Ids of the nodes vis-network currently draws (once pending chunks are in)."""
    _settle(page)
    return set(page.evaluate("() => network.body.nodeIndices.map(Number)"))


MAP = ("item", "arxiv", "tag")
NOT_MAP = ("note", "digest", "person", "organization", "link")


def _index(G: nx.MultiDiGraph) -> dict[str, int]:
    return {node: i for i, node in enumerate(G.nodes)}


def _kind(G, node) -> str:
    return G.nodes[node][Attr.KIND]


def _item_titled(G, prefix: str) -> str:
    return next(n for n, d in G.nodes(data=True) if d[Attr.KIND] == "item" and d[Attr.TITLE].startswith(prefix))


def _node_point(page, node_id: int) -> dict[str, float]:
    """Centre the view on a node; where it is drawn, in page pixels."""
    return page.evaluate(
        """(id) => {
            network.focus(id, {scale: 1.5, animation: false});
            const p = network.canvasToDOM(network.getPositions([id])[id]);
            const box = network.canvas.frame.canvas.getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        node_id,
    )


def _click_node(page, node_id: int) -> None:
    """Click a node with the mouse, where it is drawn."""
    point = _node_point(page, node_id)
    page.mouse.click(point["x"], point["y"])


def _notes_neighbourhood(G, notes, hidden=("person", "organization")) -> set[str]:
    """What the page shows for a set of notes: them, their digests, items,
    tags, cited papers, links, and their items' authors, minus hidden kinds."""
    shown = set()
    for note in notes:
        shown.add(note)
        for _, target in G.out_edges(note):
            shown.add(target)
        for source, _ in G.in_edges(note):
            shown.add(source)
        for _, target, kind in G.out_edges(note, data=Attr.KIND):
            if kind == "about":
                shown.update(agent for _, agent in G.out_edges(target))
    return {n for n in shown if _kind(G, n) not in hidden}


# ---------------------------------------------------------------- offline, complete


def test_opens_offline_on_the_map(seeds, seeds_graph):
    page, log = seeds
    counts = page.evaluate("() => [nodes.length, edges.length]")
    assert counts == [seeds_graph.number_of_nodes(), seeds_graph.number_of_edges() + 35]  # + map edges
    index = _index(seeds_graph)
    drawn = _drawn(page)
    assert drawn == {index[n] for n in seeds_graph if _kind(seeds_graph, n) in MAP}
    assert len(drawn) == 45
    assert page.inner_text("#status") == f"Showing 45 of {seeds_graph.number_of_nodes()} nodes · 35 edges"
    log.assert_clean()


def test_the_page_draws_a_picture_and_a_screenshot_is_kept(seeds):
    page, log = seeds
    page.wait_for_timeout(300)
    # share of canvas pixels that are not background: the graph was drawn
    inked = page.evaluate(
        """() => {
            const c = network.canvas.frame.canvas, ctx = c.getContext('2d');
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
            return n / (c.width * c.height);
        }"""
    )
    assert inked > 0.01
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seeds.png"))
    assert (ARTIFACTS / "seeds.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    log.assert_clean()


# ---------------------------------------------------------------- search


def _search(page, query: str) -> list[str]:
    page.fill("#search", query)
    page.wait_for_function("(q) => document.querySelector('#results').dataset.query === q", arg=query)
    return page.locator("#results .r-title").all_inner_texts()


def test_search_finds_a_korean_query_in_commentary(seeds, seeds_graph):
    page, log = seeds
    query = "캐시"
    expected = set()
    for note, data in seeds_graph.nodes(data=True):
        if data[Attr.KIND] == "note" and any(query in line for line in data[Attr.COMMENTARY_KO]):
            expected.update(
                seeds_graph.nodes[t][Attr.TITLE]
                for _, t, k in seeds_graph.out_edges(note, data=Attr.KIND)
                if k == "about"
            )
    assert len(expected) == 3
    assert set(_search(page, query)) == expected
    assert page.inner_text("#result-count") == "3 matches"
    log.assert_clean()


def test_search_finds_an_english_title_and_picking_selects_it(seeds, seeds_graph):
    page, log = seeds
    item = _item_titled(seeds_graph, "The Hedgehog & the Porcupine")
    title = seeds_graph.nodes[item][Attr.TITLE]
    assert _search(page, "hedgehog porcupine") == [title]
    page.press("#search", "Enter")
    page.wait_for_function("(t) => document.querySelector('#detail h2').textContent === t", arg=title)
    assert page.evaluate("() => network.getSelectedNodes()") == [_index(seeds_graph)[item]]
    log.assert_clean()


def test_search_by_author_tag_and_arxiv_id(seeds, seeds_graph):
    page, log = seeds
    assert _search(page, "Kumbong")[0] == "Hermann Kumbong"
    assert _search(page, "#linear-att")[0] == "#linear-attention"
    assert _search(page, "2308.16137")[0] == "LM-Infinite (arXiv:2308.16137)"
    log.assert_clean()


def test_arrow_keys_choose_which_result_enter_opens(seeds):
    page, log = seeds
    titles = _search(page, "zhang")
    assert len(titles) > 3
    page.press("#search", "ArrowDown")
    page.press("#search", "ArrowDown")
    page.press("#search", "Enter")
    assert page.inner_text("#detail h2") == titles[2]
    assert page.locator("#results li.active .r-title").inner_text() == titles[2]
    log.assert_clean()


# ---------------------------------------------------------------- filters


def test_a_kind_filter_hides_those_nodes(seeds, seeds_graph):
    page, log = seeds
    index = _index(seeds_graph)
    tags = {index[n] for n in seeds_graph if _kind(seeds_graph, n) == "tag"}
    before = _drawn(page)
    assert tags <= before
    page.uncheck("#kinds input[data-kind=tag]")
    assert _drawn(page) == before - tags
    page.check("#kinds input[data-kind=person]")
    people = {index[n] for n in seeds_graph if _kind(seeds_graph, n) == "person"}
    assert _drawn(page) == (before - tags) | people
    log.assert_clean()


def test_a_tag_filter_narrows_the_view(seeds, seeds_graph):
    page, log = seeds
    index = _index(seeds_graph)
    tagged = [n for n, _ in seeds_graph.in_edges("tag:long-context")]
    expected = {index[n] for n in _notes_neighbourhood(seeds_graph, tagged, hidden=NOT_MAP)} | {
        index["tag:long-context"]
    }
    before = _drawn(page)
    page.fill("#tag-filter", "long")
    page.click(f"#tags li[data-id='{index['tag:long-context']}']")
    assert page.get_attribute(f"#tags li[data-id='{index['tag:long-context']}']", "aria-selected") == "true"
    drawn = _drawn(page)
    assert drawn == expected
    assert len(drawn) < len(before)
    items = {index[v] for note in tagged for _, v, k in seeds_graph.out_edges(note, data=Attr.KIND) if k == "about"}
    assert len(items) == 4 and items <= drawn
    assert page.evaluate("() => location.hash") == "#tag=long-context"
    log.assert_clean()


def _set_dates(page, first: str, last: str) -> None:
    page.evaluate(
        """([first, last]) => {
            const dates = JSON.parse(document.getElementById('pg-config').textContent).dates;
            const from = document.querySelector('#date-from'), to = document.querySelector('#date-to');
            from.value = String(dates.indexOf(first));
            to.value = String(dates.indexOf(last));
            to.dispatchEvent(new Event('input'));
        }""",
        [first, last],
    )


def test_a_date_range_keeps_one_digest(seeds, seeds_graph):
    page, log = seeds
    index = _index(seeds_graph)
    notes = [n for _, n in seeds_graph.out_edges("digest:2024-05-22")]
    _set_dates(page, "2024-05-22", "2024-05-22")
    assert page.inner_text("#date-from-text") == page.inner_text("#date-to-text") == "2024-05-22"
    expected = {index[n] for n in _notes_neighbourhood(seeds_graph, notes, hidden=NOT_MAP)}
    assert len(expected) == 16
    assert _drawn(page) == expected
    page.check("#kinds input[data-kind=note]")
    assert {i for i in _drawn(page) if _kind(seeds_graph, list(seeds_graph)[i]) == "note"} == {index[n] for n in notes}
    log.assert_clean()


def test_replay_grows_the_graph_along_the_reading_history(seeds, seeds_graph):
    page, log = seeds
    everything = _drawn(page)
    page.evaluate(
        """() => { window.__sizes = []; const view = papergraph.nodeView;
                   view.on('*', () => window.__sizes.push(view.length)); }"""
    )
    page.click("#replay")
    assert page.inner_text("#replay") == "❚❚ pause"
    page.wait_for_function("() => document.querySelector('#replay').textContent === '▶ replay'", timeout=20_000)
    sizes = page.evaluate("() => window.__sizes")
    first_day = {n for n, d in seeds_graph.nodes(data=True) if d.get(Attr.DATE) == "2024-02-08"}
    assert len(first_day) > 1 and min(sizes) < len(everything)
    assert _drawn(page) == everything  # the last step shows every date again
    assert page.inner_text("#date-to-text") == "2024-11-04"
    log.assert_clean()


# ---------------------------------------------------------------- detail panel and focus


def test_clicking_a_node_fills_the_detail_panel(seeds, seeds_graph):
    page, log = seeds
    item = _item_titled(seeds_graph, "The Hedgehog & the Porcupine")
    data = seeds_graph.nodes[item]
    _click_node(page, _index(seeds_graph)[item])
    page.wait_for_function("(t) => document.querySelector('#detail h2').textContent === t", arg=data[Attr.TITLE])
    assert page.inner_text("#detail .abstract") == data[Attr.ABSTRACT]
    chips = page.locator("#detail .chips").first.locator(".ref").all_inner_texts()
    assert chips == data[Attr.AUTHORS]
    assert page.locator("#detail .note-head .ref").first.inner_text() == "2024-02-08"
    korean = page.locator("#detail .note p[lang=ko]").all_inner_texts()
    (note,) = [n for n, _ in seeds_graph.in_edges(item)]
    assert korean == seeds_graph.nodes[note][Attr.COMMENTARY_KO]
    links = page.locator("#detail a.ext").evaluate_all("(as) => as.map((a) => [a.href, a.target, a.rel])")
    assert ["https://arxiv.org/abs/2305.01625", "_blank", "noopener noreferrer"] in links
    log.assert_clean()


def test_a_cited_paper_lists_the_notes_citing_it(seeds, seeds_graph):
    page, log = seeds
    page.evaluate("(id) => papergraph.pick(id)", _index(seeds_graph)["work:arxiv-2308.16137"])
    assert page.inner_text("#detail h2") == "LM-Infinite (arXiv:2308.16137)"
    rows = page.locator("#detail .list li").all_inner_texts()
    infllm = _item_titled(seeds_graph, "InfLLM")
    assert [re.sub(r"\s+", " ", r) for r in rows] == [
        f"{seeds_graph.nodes[infllm][Attr.TITLE]} 2024-02-08 · as “LM-Infinite”"
    ]
    log.assert_clean()


def test_jumping_from_the_panel_to_a_tag(seeds, seeds_graph):
    page, log = seeds
    item = _item_titled(seeds_graph, "The Hedgehog & the Porcupine")
    page.evaluate("(id) => papergraph.pick(id)", _index(seeds_graph)[item])
    page.click("#detail .ref-tag")
    assert page.inner_text("#detail h2") == "#linear-attention"
    assert page.locator("#detail .list .ref").all_inner_texts() == [seeds_graph.nodes[item][Attr.TITLE]]
    assert page.evaluate("() => network.getSelectedNodes()") == [_index(seeds_graph)["tag:linear-attention"]]
    log.assert_clean()


def test_neighbourhood_focus_and_back_to_everything(seeds, seeds_graph):
    page, log = seeds
    index = _index(seeds_graph)
    item = _item_titled(seeds_graph, "The Hedgehog & the Porcupine")
    notes = [n for n, _ in seeds_graph.in_edges(item)]
    expected = {index[n] for n in _notes_neighbourhood(seeds_graph, notes, hidden=())}
    before = _drawn(page)
    page.evaluate("(id) => papergraph.pick(id)", index[item])
    page.click("#detail .actions button:text('Neighbours')")
    assert _drawn(page) == expected
    assert page.is_visible("#focusbar")
    page.click("#show-all")
    assert _drawn(page) == before
    assert not page.is_visible("#focusbar")
    # Escape leaves a focus view too
    page.click("#detail .actions button:text('2 hops')")
    assert page.is_visible("#focusbar")
    page.locator("#graph").focus()
    page.keyboard.press("Escape")
    assert not page.is_visible("#focusbar")
    assert _drawn(page) == before
    log.assert_clean()


def test_a_detail_screenshot_is_kept(seeds, seeds_graph):
    page, log = seeds
    item = _item_titled(seeds_graph, "InfLLM")
    page.evaluate("(id) => papergraph.pick(id)", _index(seeds_graph)[item])
    page.wait_for_timeout(600)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seeds-detail.png"))
    assert page.inner_text("#detail h2") == seeds_graph.nodes[item][Attr.TITLE]
    log.assert_clean()


# ---------------------------------------------------------------- safety


def test_the_xss_corpus_never_runs_script(browser, xss_html, xss_graph):
    context, page, log = _open(browser, xss_html)
    try:
        ids = list(range(xss_graph.number_of_nodes()))
        for node_id in ids:
            # hover (tooltip), click (detail panel) and open each node's panel
            point = _node_point(page, node_id)
            page.mouse.move(point["x"], point["y"], steps=3)
            page.wait_for_timeout(320)
            page.mouse.click(point["x"], point["y"])
            page.evaluate("(id) => papergraph.pick(id)", node_id)
        for query in ("img", "script", "svg", "xss", "b>"):
            for result in page.locator("#results li").all() if _search(page, query) else []:
                result.click()
        state = page.evaluate(
            """() => ({xss: typeof window.__xss, tooltip: document.querySelectorAll('.vis-tooltip *:not(br)').length,
                       markup: document.querySelectorAll(['img', 'svg', 'iframe', 'object', 'embed', 'b']
                                                 .map((t) => '#app ' + t).join(',')).length,
                       scripts: document.scripts.length})"""
        )
        assert state == {"xss": "undefined", "tooltip": 0, "markup": 0, "scripts": 8}
        hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a')).map((a) => a.protocol)")
        assert set(hrefs) <= {"https:", "http:"}
        log.assert_clean()
    finally:
        context.close()


def test_the_csp_blocks_inline_handlers_as_defence_in_depth(seeds):
    page, log = seeds
    page.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<img src=\"x\" onerror=\"window.__csp=1\">')")
    page.wait_for_timeout(300)
    assert page.evaluate("() => typeof window.__csp") == "undefined"
    # the browser reports the refused handler (and the refused image load)
    assert any("Content Security Policy" in text for text in log.console_errors)
    assert log.requests == []


# ---------------------------------------------------------------- hover, deep links, keyboard


def _canvas_pixel(page, node_id: int) -> list[int]:
    """The RGBA of the canvas where a node's centre is drawn."""
    return page.evaluate(
        """(id) => {
            const c = network.canvas.frame.canvas, ratio = c.width / c.clientWidth;
            const p = network.canvasToDOM(network.getPosition(id));
            return Array.from(c.getContext('2d').getImageData(Math.round(p.x * ratio), Math.round(p.y * ratio), 1, 1).data);
        }""",
        node_id,
    )


def test_hover_highlights_the_neighbours_and_dims_the_rest(seeds, seeds_graph):
    page, log = seeds
    index = _index(seeds_graph)
    item = _item_titled(seeds_graph, "The Hedgehog & the Porcupine")
    # its neighbours on the map: through its note (free step) to the tags and papers it cites
    (note,) = [n for n, _ in seeds_graph.in_edges(item)]
    expected = {index[v] for _, v in seeds_graph.out_edges(note) if _kind(seeds_graph, v) in MAP and v != item}
    assert expected == {index["tag:linear-attention"], index["work:arxiv-2305.01625"]}
    point = _node_point(page, index[item])
    page.evaluate("(id) => network.moveTo({position: network.getPosition(id), scale: 1.5})", index[item])
    # the nearest drawn paper that is not a neighbour: it must be veiled
    other = page.evaluate(
        """([id, skip]) => {
            const at = network.getPosition(id);
            const d = (j) => { const p = network.getPosition(j); return Math.hypot(p.x - at.x, p.y - at.y); };
            return network.body.nodeIndices.map(Number).filter((j) => j !== id && !skip.includes(j))
              .filter((j) => nodes.get(j).group === 'item').sort((a, b) => d(a) - d(b))[0];
        }""",
        [index[item], sorted(expected)],
    )
    point = page.evaluate(
        """(id) => { const p = network.canvasToDOM(network.getPosition(id));
                     const box = network.canvas.frame.canvas.getBoundingClientRect();
                     return {x: box.left + p.x, y: box.top + p.y}; }""",
        index[item],
    )
    page.mouse.move(point["x"], point["y"], steps=4)
    page.wait_for_function("() => papergraph.hover() !== null")
    hovered = page.evaluate("() => papergraph.hover()")
    assert hovered["id"] == index[item] and set(hovered["ids"]) == expected
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    # a node outside the neighbourhood is veiled: lighter than its own colour when not hovered
    dimmed = _canvas_pixel(page, other)
    page.mouse.move(5, 5)  # off the graph
    page.wait_for_function("() => papergraph.hover() === null")
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    plain = _canvas_pixel(page, other)
    assert sum(dimmed[:3]) > sum(plain[:3]) + 150, (dimmed, plain)
    log.assert_clean()


def test_deep_links_open_a_node_and_a_search_and_the_hash_follows(browser, seeds_html, seeds_graph):
    index = _index(seeds_graph)
    item = _item_titled(seeds_graph, "The Hedgehog & the Porcupine")
    title = seeds_graph.nodes[item][Attr.TITLE]
    context, page, log = _open(browser, seeds_html, f"#node={item}")
    try:
        page.wait_for_function("(t) => document.querySelector('#detail h2').textContent === t", arg=title)
        _settle(page)
        assert page.evaluate("() => network.getSelectedNodes()") == [index[item]]
        # a click moves the hash (a new history entry), and Back returns to the paper
        _click_node(page, index["work:arxiv-2308.16137"])
        page.wait_for_function("() => location.hash === '#node=work%3Aarxiv-2308.16137'")
        assert page.inner_text("#detail h2") == "LM-Infinite (arXiv:2308.16137)"
        page.go_back()
        page.wait_for_function("(t) => document.querySelector('#detail h2').textContent === t", arg=title)
        log.assert_clean()
    finally:
        context.close()
    context, page, log = _open(browser, seeds_html, "#q=hedgehog%20porcupine")
    try:
        page.wait_for_function("() => document.querySelector('#results').dataset.query === 'hedgehog porcupine'")
        assert page.input_value("#search") == "hedgehog porcupine"
        assert page.locator("#results .r-title").all_inner_texts() == [title]
        assert page.locator("#results .r-title mark").all_inner_texts() == ["Hedgehog", "Porcupine"]
        assert page.get_attribute("#search", "type") == "search"
        # typing replaces the hash (no history entry per key)
        _search(page, "kumbong")
        page.wait_for_function("() => location.hash === '#q=kumbong'")
        log.assert_clean()
    finally:
        context.close()


def test_keyboard_path_slash_type_arrow_enter_escape(seeds, seeds_graph):
    page, log = seeds
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "search"
    page.keyboard.type("zhang")
    page.wait_for_function("() => document.querySelector('#results').dataset.query === 'zhang'")
    titles = page.locator("#results .r-title").all_inner_texts()
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#search", "aria-activedescendant") == "result-1"
    page.keyboard.press("Enter")
    assert page.inner_text("#detail h2") == titles[1]
    # Enter on a panel link opens it and keeps the focus in the panel
    page.locator("#detail .ref").first.focus()
    target = page.locator("#detail .ref").first.get_attribute("title")
    page.keyboard.press("Enter")
    assert page.inner_text("#detail h2") == target
    assert page.evaluate("() => document.activeElement.id") == "detail-title"
    # Escape closes the panel (back to the overview)
    page.keyboard.press("Escape")
    assert page.inner_text("#detail h2") == "Explore the digests"
    # the graph pans with the arrows and zooms with + and -
    page.locator("#graph").focus()
    before = page.evaluate("() => [network.getViewPosition().x, network.getScale()]")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("+")
    after = page.evaluate("() => [network.getViewPosition().x, network.getScale()]")
    assert after[0] > before[0] and after[1] == pytest.approx(before[1] * 1.25)
    page.keyboard.press("-")
    assert page.evaluate("() => network.getScale()") == pytest.approx(before[1])
    # the tag list is one tab stop driven by the arrow keys
    page.locator("#tags").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator("#tags li[aria-selected=true]").count() == 1
    assert page.locator("#tags li.active").get_attribute("aria-selected") == "true"
    assert page.evaluate("() => document.querySelectorAll('#tags [tabindex], #tags input, #tags button').length") == 0
    # only the short status line is a live region
    assert page.evaluate("() => Array.from(document.querySelectorAll('[aria-live]')).map((e) => e.id)") == ["status"]
    log.assert_clean()


def test_an_800_pixel_screen_gets_drawers_and_a_full_width_graph(browser, seeds_html, seeds_graph):
    context, page, log = _open(browser, seeds_html, viewport={"width": 800, "height": 900})
    try:
        graph = page.locator("#graph").bounding_box()
        assert graph["width"] == 800
        assert not page.locator("#sidebar").is_visible() and not page.locator("#detail").is_visible()
        page.click("#open-sidebar")
        page.wait_for_function("() => document.querySelector('#sidebar').getBoundingClientRect().left === 0")
        assert page.locator("#search").is_visible()
        assert page.get_attribute("#open-sidebar", "aria-expanded") == "true"
        _search(page, "hedgehog")
        page.press("#search", "Enter")
        # picking a paper swaps the drawers: its details slide in from the right
        page.wait_for_function("() => document.body.dataset.drawer === 'detail'")
        page.wait_for_function("() => document.querySelector('#detail').getBoundingClientRect().right === 800")
        assert page.inner_text("#detail h2").startswith("The Hedgehog")
        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.body.dataset.drawer")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "seeds-800px.png"))
        log.assert_clean()
    finally:
        context.close()


# ---------------------------------------------------------------- exports


@pytest.fixture(scope="module")
def awkward_html(seeds_graph, tmp_path_factory) -> tuple[Path, nx.MultiDiGraph]:
    """The seeds with a title full of BibTeX specials and author names that look like formulas."""
    G = seeds_graph.copy()
    item = _item_titled(G, "The Hedgehog & the Porcupine")
    G.nodes[item][Attr.TITLE] = "Sets {A} \\cup {B} and 100% \\LaTeX"
    authorship = [
        data for _, _, kind, data in G.out_edges(item, keys=True, data=True) if kind.startswith("authored_by")
    ]
    authorship[0][Attr.NAME] = '=HYPERLINK("x")'
    authorship[1][Attr.NAME] = "+Kush Bhatia"
    authorship[2][Attr.NAME] = "@Hermann {Kumbong}"
    return _write_page(G, tmp_path_factory.mktemp("awkward")), G


def _download(page, selector: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes().decode("utf-8")


def test_bibtex_and_csv_exports_of_the_papers_in_view(browser, awkward_html):
    path, G = awkward_html
    index = _index(G)
    context, page, log = _open(browser, path)
    try:
        page.fill("#tag-filter", "linear")
        page.click(f"#tags li[data-id='{index['tag:linear-attention']}']")
        _settle(page)
        name, bib = _download(page, "#export-bib")
        assert name == "papers.bib"
        item = _item_titled(G, "Sets {A}")
        entries = [entry.strip() for entry in bib.split("\n\n")]
        assert (
            "@misc{pgw-442add66ec0559cb,\n"
            "  title = {Sets \\{A\\} \\textbackslash{}cup \\{B\\} and 100% \\textbackslash{}LaTeX},\n"
            '  author = {=HYPERLINK("x") and +Kush Bhatia and @Hermann \\{Kumbong\\} and Christopher Ré},\n'
            "  year = {2024}\n"
            "}"
        ) in entries
        # a cited arXiv paper: @misc with eprint and archivePrefix (year from the id)
        cited = next(e for e in entries if e.startswith("@misc{arXiv2305.01625,\n"))
        assert cited.endswith(
            "  year = {2023},\n  eprint = {2305.01625},\n  archivePrefix = {arXiv},\n"
            "  url = {https://arxiv.org/abs/2305.01625}\n}"
        )
        # every paper in view is one entry
        assert bib.count("@misc{") == len(page.evaluate("() => papergraph.inView()"))
        assert "@misc{arXiv2305.01625,\n  title = {arXiv:2305.01625}," in bib
        name, table = _download(page, "#export-csv")
        assert name == "papers.csv"
        rows = list(csv.reader(io.StringIO(table)))
        assert rows[0] == ["id", "kind", "title", "authors", "year", "arxiv", "url", "tags", "topic", "dates"]
        row = next(r for r in rows if r[0] == item)
        assert row[2] == "Sets {A} \\cup {B} and 100% \\LaTeX"
        # a cell a spreadsheet would run as a formula starts with a quote instead
        assert row[3] == '\'=HYPERLINK("x"); +Kush Bhatia; @Hermann {Kumbong}; Christopher Ré'
        assert row[1] == "item" and row[4] == "2024"
        assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
        assert table.endswith("\r\n")
        name, png = _download_bytes(page, "#export-png")
        assert name == "graph.png" and png[:8] == b"\x89PNG\r\n\x1a\n"
        log.assert_clean()
    finally:
        context.close()


def _download_bytes(page, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def test_a_formula_in_the_first_author_is_quoted(browser, awkward_html):
    path, G = awkward_html
    context, page, log = _open(browser, path)
    try:
        item = _index(G)[_item_titled(G, "Sets {A}")]
        table = page.evaluate("(id) => papergraph.csv([id])", item)
        rows = list(csv.reader(io.StringIO(table)))
        assert len(rows) == 2 and rows[1][3].startswith("'")
        log.assert_clean()
    finally:
        context.close()


# ---------------------------------------------------------------- topics (communities)


def _display_name(G: nx.MultiDiGraph, node: str) -> str:
    """How the panel names a paper: its title, or a cited paper's label with its arXiv id."""
    data = G.nodes[node]
    if data[Attr.KIND] == "item":
        return data[Attr.TITLE]
    label = data[Attr.ANCHORS][0] if data.get(Attr.ANCHORS) else data[Attr.LABEL]
    return label if label.startswith("arXiv:") else f"{label} (arXiv:{data[Attr.ARXIV_ID]})"


@pytest.fixture(scope="module")
def topics_html(seeds_graph, tmp_path_factory) -> tuple[Path, nx.MultiDiGraph]:
    from test_html import _with_communities

    G = _with_communities(seeds_graph)
    return _write_page(G, tmp_path_factory.mktemp("topics")), G


def test_the_community_legend_filters_and_the_start_panel_lists_topics(browser, topics_html):
    path, G = topics_html
    index = _index(G)
    context, page, log = _open(browser, path)
    try:
        legend = page.locator("#topics button")
        assert [re.sub(r"\s+", " ", t).strip() for t in legend.all_inner_texts()] == [
            f"{c['label']} {c['size']}" for c in G.graph["communities"]
        ]
        # the start panel: label, size and the top three papers of each topic
        rows = page.locator("#detail .topics-list .topic-row")
        assert rows.count() == 3
        first = G.graph["communities"][0]
        top3 = [_display_name(G, n) for n in first["top"][:3]]
        assert rows.nth(0).locator(".chips .ref").all_inner_texts() == top3
        assert rows.nth(0).locator(".meta").inner_text() == f"{first['size']} papers"
        everything = _drawn(page)
        legend.nth(1).click()
        assert legend.nth(1).get_attribute("aria-pressed") == "true"
        in_topic = {index[n] for n in G if G.nodes[n].get("community") == 1 and _kind(G, n) in MAP}
        assert _drawn(page) == in_topic
        legend.nth(1).click()
        assert legend.nth(1).get_attribute("aria-pressed") == "false"
        assert _drawn(page) == everything
        # map nodes wear their community's colour
        colour = page.evaluate(
            "() => JSON.parse(document.getElementById('pg-options').textContent).groups.c1.color.background"
        )
        assert colour == page.evaluate(
            "() => JSON.parse(document.getElementById('pg-config').textContent).communities[1].color"
        )
        log.assert_clean()
    finally:
        context.close()


def test_a_cited_paper_with_arxiv_metadata_shows_title_authors_and_abstract(browser, seeds_graph, tmp_path):
    from papergraph.arxiv_metadata import apply_arxiv_metadata, read_arxiv_metadata

    graph = seeds_graph.copy()
    records = read_arxiv_metadata([DATA / "arxiv" / "snapshot.jsonl"]).records
    apply_arxiv_metadata(graph, records)
    context, page, log = _open(browser, _write_page(graph, tmp_path))
    record = records["2308.16137"]
    shown = f"{record.title} (arXiv:2308.16137)"
    assert _search(page, "zero-shot extreme length") == [shown]
    page.press("#search", "Enter")
    page.wait_for_function("(t) => document.querySelector('#detail h2').textContent === t", arg=shown)
    assert page.locator("#detail .chips").first.locator(".ref").all_inner_texts() == list(record.authors)
    assert page.inner_text("#detail .abstract") == record.abstract
    assert _search(page, "Sinong Wang") == ["Sinong Wang", shown]  # the person, and the paper by its author
    log.assert_clean()
    context.close()


def test_a_tag_deep_link_filters_on_open(browser, seeds_html, seeds_graph):
    index = _index(seeds_graph)
    tagged = [n for n, _ in seeds_graph.in_edges("tag:long-context")]
    expected = {index[n] for n in _notes_neighbourhood(seeds_graph, tagged, hidden=NOT_MAP)} | {
        index["tag:long-context"]
    }
    context, page, log = _open(browser, seeds_html, "#tag=long-context")
    try:
        page.wait_for_function("() => document.querySelector('#tag-selection').textContent === '1 selected'")
        assert _drawn(page) == expected
        assert page.get_attribute(f"#tags li[data-id='{index['tag:long-context']}']", "aria-selected") == "true"
        log.assert_clean()
    finally:
        context.close()
