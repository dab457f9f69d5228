"""The HTML explorer driven in a real browser (Debian's chromium via Playwright).

Every request that is not ``file:`` is blocked and recorded; every test
asserts that none was attempted and that the page logged no error.
Expected values come from the graph in Python, not from the page.

Screenshots go to ``tests/artifacts/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

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
