/* papergraph explorer: search, filters, detail panel, neighbourhood focus.
 *
 * Safety rule: text from the input is only ever written with textContent
 * (never innerHTML), and only http(s) URLs become links.
 *
 * Data (see papergraph/exporters/html.py): node ids are integers; details[id]
 * uses compact keys:
 *   item   t title, y item type, a [[name, agent]], ab abstract, u [urls], ax arXiv id,
 *          n [notes about it], cb [[citing note, label]], wb [vault notes linking to it]
 *   note   d date, g digest, i item, ko [..], en [..], tg [tags], c [[cited, label]],
 *          l [links], w [wiki-linked items], s "path:lines", v 1 for vault notes
 *   digest d date, h header, s path, n [notes]
 *   person/organization  i [items]
 *   tag    n [notes], sp [spellings]
 *   any    f full name when the label was shortened
 *   arxiv  ax arXiv id, cb [[citing note, label]]
 *   link   u [url], code 1 for code hosts, n [notes]
 */
var nodes, edges, network, papergraph;
(function () {
  "use strict";

  const byId = (id) => document.getElementById(id);
  const readJSON = (id) => JSON.parse(byId(id).textContent);

  const config = readJSON("pg-config");
  const nodeList = readJSON("pg-nodes");
  const edgeList = readJSON("pg-edges");
  const options = readJSON("pg-options");
  const N = nodeList.length;
  const group = new Array(N);
  const label = new Array(N);
  const value = new Array(N);
  for (const n of nodeList) {
    group[n.id] = n.group;
    label[n.id] = n.label || "";
    value[n.id] = n.value || 0;
  }
  const kindInfo = {};
  for (const k of config.kinds) kindInfo[k.kind] = k;
  const KIND_RANK = {item: 0, tag: 1, person: 2, organization: 2, arxiv: 3, digest: 4, link: 5, note: 6};

  // ---------------------------------------------------------------- state
  const kindOn = {};
  for (const k of config.kinds) kindOn[k.kind] = !config.hidden.includes(k.kind);
  let allowed = null;        // Set of ids passing the tag/date filters, or null for all
  let focus = null;          // {center, hops, ids: Set, savedKinds}
  const extra = new Set();   // nodes the user jumped to although filters hid them
  const selectedTags = new Set();

  function visible(id) {
    if (extra.has(id)) return true;
    if (!kindOn[group[id]]) return false;
    if (focus) return focus.ids.has(id);
    return allowed === null || allowed.has(id);
  }

  // Edge ids are positions: without them vis-data makes 88k random UUIDs on a big page.
  edgeList.forEach((e, i) => { e.id = i; });
  nodes = new vis.DataSet(nodeList);
  edges = new vis.DataSet(edgeList);
  const nodeView = new vis.DataView(nodes, {filter: (n) => visible(n.id)});
  const edgeView = new vis.DataView(edges, {filter: (e) => visible(e.from) && visible(e.to)});
  network = new vis.Network(byId("graph"), {nodes: nodeView, edges: edgeView}, options);
  const ANIMATE_BELOW = 4000;
  fitAll(false);

  function fitAll(animate) {
    // Fit the nodes' positions with a margin for the labels at the border.
    // (Fitting the drawn labels too would shrink the whole picture.)
    network.fit({animation: false});
    const moveTo = {scale: network.getScale() * 0.9};
    // Each animation frame redraws everything: on big views, jump instead.
    if (animate && nodeView.length < ANIMATE_BELOW) moveTo.animation = {duration: 400, easingFunction: "easeInOutQuad"};
    network.moveTo(moveTo);
  }

  // Detail data is parsed lazily (after the first draw), so a big page draws first.
  let D = null;
  const details = () => D || (D = readJSON("pg-detail"));

  // ---------------------------------------------------------------- helpers
  function h(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent, ...children) {
    for (const c of children) if (c) parent.appendChild(c);
    return parent;
  }
  function safeUrl(url) {
    try {
      const u = new URL(String(url));
      return (u.protocol === "http:" || u.protocol === "https:") && u.host ? u.href : null;
    } catch (e) {
      return null;
    }
  }
  function ext(url, text) {
    const safe = safeUrl(url);
    if (!safe) return h("span", "url", text || url);
    const a = h("a", "ext", text || url);
    a.href = safe;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }
  const URL_RE = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&*+,;=%]+/g;
  function linkified(tag, raw, lang) {
    // Text with its http(s) URLs as links; everything else stays text.
    const text = String(raw);
    const p = h(tag);
    if (lang) p.lang = lang;
    let last = 0;
    for (const m of text.matchAll(URL_RE)) {
      const url = m[0].replace(/[.,;:!?)\]]+$/, "");
      add(p, document.createTextNode(text.slice(last, m.index)), ext(url, url));
      last = m.index + url.length;
    }
    add(p, document.createTextNode(text.slice(last)));
    return p;
  }
  function swatch(kind) {
    const info = kindInfo[kind] || kindInfo.item;
    const s = h("span", "swatch shape-" + info.shape);
    s.style.setProperty("--c", info.color);
    s.style.setProperty("--b", info.border);
    return s;
  }
  function nameOf(id) {
    const d = details()[id] || {};
    const g = group[id];
    if (g === "item") return d.t || label[id];
    if (g === "note") return d.i !== undefined ? nameOf(d.i) : "note";
    if (g === "arxiv") {
      if (d.t) return d.t + " (arXiv:" + d.ax + ")";
      return label[id].startsWith("arXiv:") ? label[id] : label[id] + " (arXiv:" + d.ax + ")";
    }
    if (g === "link") return (d.u && d.u[0]) || label[id];
    return d.f || label[id];
  }
  function ref(id, text) {
    const b = h("button", "ref ref-" + group[id], text || nameOf(id));
    b.type = "button";
    b.title = nameOf(id);
    b.addEventListener("click", () => pick(id));
    return b;
  }
  const fmt = (n) => n.toLocaleString("en-US");
  const uniq = (xs) => Array.from(new Set(xs));
  const dateOf = (note) => details()[note].d || "";
  function itemNotes(item) { return details()[item].n || []; }
  function itemTags(item) { return uniq(itemNotes(item).flatMap((n) => details()[n].tg || [])); }
  function itemDates(item) { return uniq(itemNotes(item).map(dateOf).filter(Boolean)).sort(); }
  function itemOfNote(note) { const i = details()[note].i; return i === undefined ? note : i; }

  // ---------------------------------------------------------------- view
  const statusEl = byId("status");
  function refresh() {
    nodeView.refresh();
    edgeView.refresh();
    statusEl.textContent = "Showing " + fmt(nodeView.length) + " of " + fmt(N) + " nodes · " +
      fmt(edgeView.length) + " of " + fmt(edgeList.length) + " edges";
  }

  function reveal(id) {
    if (!visible(id)) {
      extra.add(id);
      refresh();
    }
  }

  function pick(id) {
    reveal(id);
    network.selectNodes([id]);
    network.focus(id, {scale: Math.max(network.getScale(), 1.0), animation: {duration: 450, easingFunction: "easeInOutQuad"}});
    showDetail(id);
  }

  // ---------------------------------------------------------------- neighbourhood focus
  let adjacency = null;
  function neighbours(id) {
    if (!adjacency) {
      adjacency = Array.from({length: N}, () => []);
      for (const e of edgeList) {
        adjacency[e.from].push(e.to);
        adjacency[e.to].push(e.from);
      }
    }
    return adjacency[id];
  }
  function sameThing(a, b) {
    // A note and the item it is about count as one place: a paper's
    // neighbours include its notes' tags, digests and citations.
    const d = details();
    return (group[a] === "note" && d[a].i === b) || (group[b] === "note" && d[b].i === a);
  }
  function neighbourhood(center, hops) {
    // Breadth-first search where note <-> item steps are free (0-1 BFS).
    const dist = new Map([[center, 0]]);
    const queue = [center];
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head];
      const here = dist.get(id);
      for (const m of neighbours(id)) {
        const there = here + (sameThing(id, m) ? 0 : 1);
        if (there > hops || (dist.has(m) && dist.get(m) <= there)) continue;
        dist.set(m, there);
        queue.push(m);
      }
    }
    return new Set(dist.keys());
  }
  function focusOn(center, hops) {
    const ids = neighbourhood(center, hops);
    const savedKinds = focus ? focus.savedKinds : Object.assign({}, kindOn);
    const ranked = Array.from(ids).sort((a, b) => (b === center) - (a === center) || value[b] - value[a] || a - b);
    focus = {center, hops, ids, ranked, savedKinds};
    for (const k of Object.keys(kindOn)) kindOn[k] = true;   // a neighbourhood shows every kind
    syncKindBoxes();
    refresh();
    byId("focus-text").textContent = (hops === 1 ? "Neighbours of " : "Two hops around ") + nameOf(center) +
      " (" + fmt(ids.size) + " nodes)";
    byId("focusbar").hidden = false;
    network.selectNodes([center]);
    network.fit({nodes: Array.from(ids).filter(visible), animation: {duration: 450, easingFunction: "easeInOutQuad"}});
  }
  function showEverything() {
    if (focus) {
      Object.assign(kindOn, focus.savedKinds);
      focus = null;
      syncKindBoxes();
    }
    extra.clear();
    byId("focusbar").hidden = true;
    refresh();
    fitAll(true);
  }

  // ---------------------------------------------------------------- filters
  const fromEl = byId("date-from");
  const toEl = byId("date-to");
  function computeAllowed() {
    const range = config.dates;
    const dateOn = !!range && (fromEl.value > range[0] || (toEl.value && toEl.value < range[1]));
    if (!selectedTags.size && !dateOn) return null;
    const d = details();
    const ok = new Set();
    const from = fromEl.value || "0000", to = toEl.value || "9999";
    for (let id = 0; id < N; id++) {
      if (group[id] !== "note") continue;
      const x = d[id];
      if (dateOn && !(x.d && x.d >= from && x.d <= to)) continue;
      if (selectedTags.size && !(x.tg || []).some((t) => selectedTags.has(t))) continue;
      ok.add(id);
      if (x.g !== undefined) ok.add(x.g);
      if (x.i !== undefined) {
        ok.add(x.i);
        for (const a of d[x.i].a || []) ok.add(a[1]);
      }
      for (const t of x.tg || []) ok.add(t);
      for (const c of x.c || []) ok.add(c[0]);
      for (const l of x.l || []) ok.add(l);
      for (const w of x.w || []) ok.add(w);
    }
    for (const t of selectedTags) ok.add(t);
    return ok;
  }
  function applyFilters() {
    allowed = computeAllowed();
    if (focus) {
      Object.assign(kindOn, focus.savedKinds);
      focus = null;
      byId("focusbar").hidden = true;
      syncKindBoxes();
    }
    extra.clear();
    refresh();
    fitAll(true);
  }
  function syncKindBoxes() {
    for (const box of document.querySelectorAll("#kinds input[data-kind]")) box.checked = !box.disabled && !!kindOn[box.dataset.kind];
  }
  for (const box of document.querySelectorAll("#kinds input[data-kind]")) {
    box.addEventListener("change", () => {
      kindOn[box.dataset.kind] = box.checked;
      refresh();
    });
  }
  fromEl.addEventListener("change", applyFilters);
  toEl.addEventListener("change", applyFilters);

  const tagIds = [];
  for (let id = 0; id < N; id++) if (group[id] === "tag") tagIds.push(id);
  tagIds.sort((a, b) => value[b] - value[a] || label[a].localeCompare(label[b]));
  const tagList = byId("tags");
  function renderTags() {
    const q = norm(byId("tag-filter").value.replace(/^#/, ""));
    const frag = document.createDocumentFragment();
    for (const id of tagIds) {
      if (q && !norm(label[id]).includes(q) && !selectedTags.has(id)) continue;
      const li = h("li", selectedTags.has(id) ? "on" : "");
      const lab = h("label");
      const box = h("input");
      box.type = "checkbox";
      box.checked = selectedTags.has(id);
      box.dataset.id = String(id);
      box.addEventListener("change", () => {
        if (box.checked) selectedTags.add(id); else selectedTags.delete(id);
        li.className = box.checked ? "on" : "";
        byId("tag-selection").textContent = selectedTags.size ? selectedTags.size + " selected" : "";
        applyFilters();
      });
      add(lab, box, h("span", "tag-name", label[id]), h("span", "count", fmt(value[id])));
      add(frag, add(li, lab));
    }
    tagList.replaceChildren(frag);
  }
  byId("tag-filter").addEventListener("input", renderTags);
  byId("reset").addEventListener("click", () => {
    selectedTags.clear();
    byId("tag-selection").textContent = "";
    byId("tag-filter").value = "";
    if (config.dates) { fromEl.value = config.dates[0]; toEl.value = config.dates[1]; }
    focus = null;
    for (const k of config.kinds) kindOn[k.kind] = !config.hidden.includes(k.kind);
    syncKindBoxes();
    renderTags();
    allowed = null;
    showEverything();
  });
  byId("show-all").addEventListener("click", showEverything);

  // ---------------------------------------------------------------- search
  function norm(s) { return String(s || "").normalize("NFKC").toLowerCase(); }
  let index = null;
  function buildIndex() {
    const d = details();
    index = [];
    for (let id = 0; id < N; id++) {
      const g = group[id];
      if (g === "note") continue;   // a note is found through its item
      const x = d[id] || {};
      let primary = label[id], secondary = "", tertiary = "";
      if (g === "item") {
        primary = x.t || label[id];
        secondary = [(x.a || []).map((a) => a[0]).join(" · "), itemTags(id).map((t) => label[t]).join(" "),
          x.ax ? "arxiv:" + x.ax + " " + x.ax : "", x.y || ""].join(" ");
        tertiary = itemNotes(id).map((n) => (d[n].ko || []).concat(d[n].en || []).join(" ")).join(" ") + " " + (x.ab || "");
      } else if (g === "arxiv") {
        primary = x.t || label[id];
        secondary = "arxiv:" + x.ax + " " + x.ax + " " + (x.cb || []).map((c) => c[1] || "").join(" ") +
          " " + (x.a || []).map((a) => a[0]).join(" · ");
        tertiary = x.ab || "";
      } else if (g === "tag") {
        secondary = (x.sp || []).join(" ");
      } else if (g === "digest") {
        secondary = (x.h || "") + " " + (x.s || "");
      } else if (g === "link") {
        primary = (x.u && x.u[0]) || label[id];
      }
      index.push([id, norm(primary), norm(secondary), norm(tertiary)]);
    }
  }
  function search(query) {
    const q = norm(query).trim();
    if (!q) return [];
    if (!index) buildIndex();
    const terms = q.split(/\s+/);
    const all = (text) => terms.every((t) => text.includes(t));
    const found = [];
    for (const [id, p, s, t] of index) {
      let score;
      if (p.startsWith(q)) score = 0;
      else if (all(p)) score = 1;
      else if (all(p + " " + s)) score = 2;
      else if (t && all(p + " " + s + " " + t)) score = 3;
      else continue;
      found.push([score, KIND_RANK[group[id]] || 9, -value[id], id]);
    }
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
    return found.map((f) => ({id: f[3], score: f[0]}));
  }
  function metaOf(id, score) {
    const d = details()[id] || {};
    const g = group[id];
    if (g === "item") {
      const who = (d.a || []).map((a) => a[0]);
      const bits = [who.slice(0, 2).join(", ") + (who.length > 2 ? " et al." : ""), itemDates(id).join(", ")];
      if (score === 3) bits.push("matched in abstract or commentary");
      return bits.filter(Boolean).join(" · ") || (d.y || "item");
    }
    if (g === "person" || g === "organization") return g + " · " + (d.i || []).length + " items";
    if (g === "tag") return "tag · " + fmt((d.n || []).length) + " notes";
    if (g === "arxiv") return "cited by " + (d.cb || []).length + " notes";
    if (g === "digest") return "digest · " + (d.n || []).length + " notes";
    return g;
  }
  const searchEl = byId("search");
  const resultsEl = byId("results");
  const countEl = byId("result-count");
  let results = [];
  let active = -1;
  let timer = 0;
  const SHOWN = 50;
  function runSearch() {
    results = search(searchEl.value);
    active = results.length ? 0 : -1;
    const frag = document.createDocumentFragment();
    results.slice(0, SHOWN).forEach((r, i) => {
      const li = h("li", i === active ? "active" : "");
      li.setAttribute("role", "option");
      const b = h("button");
      b.type = "button";
      b.dataset.id = String(r.id);
      const text = h("span", "r-text");
      add(text, h("span", "r-title", nameOf(r.id)), h("span", "r-meta", metaOf(r.id, r.score)));
      add(b, swatch(group[r.id]), text);
      b.addEventListener("click", () => { active = i; markActive(); pick(r.id); });
      add(frag, add(li, b));
    });
    resultsEl.replaceChildren(frag);
    resultsEl.dataset.query = searchEl.value;
    const q = searchEl.value.trim();
    countEl.textContent = !q ? "" : results.length === 0 ? "No match." :
      fmt(results.length) + (results.length === 1 ? " match" : " matches") + (results.length > SHOWN ? " (first " + SHOWN + " shown)" : "");
  }
  function markActive() {
    Array.from(resultsEl.children).forEach((li, i) => { li.className = i === active ? "active" : ""; });
    const li = resultsEl.children[active];
    if (li) li.scrollIntoView({block: "nearest"});
  }
  searchEl.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(runSearch, N > 20000 ? 150 : 60);
  });
  searchEl.addEventListener("keydown", (ev) => {
    const shown = Math.min(results.length, SHOWN);
    if (ev.key === "ArrowDown" && shown) { active = (active + 1) % shown; markActive(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && shown) { active = (active - 1 + shown) % shown; markActive(); ev.preventDefault(); }
    else if (ev.key === "Enter") {
      clearTimeout(timer);
      if (resultsEl.dataset.query !== searchEl.value) runSearch();   // typed faster than the debounce
      if (results.length) pick(results[Math.max(active, 0)].id);
      ev.preventDefault();
    } else if (ev.key === "Escape") { searchEl.value = ""; runSearch(); }
  });

  // ---------------------------------------------------------------- detail panel
  const body = byId("detail-body");
  function section(title, ...content) {
    const wrap = document.createDocumentFragment();
    add(wrap, h("h3", null, title), ...content);
    return wrap;
  }
  function chips(ids, limit) {
    const box = h("div", "chips");
    const shown = limit ? ids.slice(0, limit) : ids;
    for (const id of shown) add(box, ref(id));
    if (limit && ids.length > limit) {
      const more = h("button", "link-button more", "+ " + (ids.length - limit) + " more");
      more.type = "button";
      more.addEventListener("click", () => { more.remove(); for (const id of ids.slice(limit)) add(box, ref(id)); });
      add(box, more);
    }
    return box;
  }
  function refList(rows, limit) {
    // rows: [[id, text, meta]]
    const ul = h("ul", "list");
    const put = (row) => {
      const li = h("li");
      add(li, ref(row[0], row[1]), row[2] ? h("span", "meta", row[2]) : null);
      add(ul, li);
    };
    rows.slice(0, limit || rows.length).forEach(put);
    if (limit && rows.length > limit) {
      const li = h("li");
      const more = h("button", "link-button", "show all " + fmt(rows.length));
      more.type = "button";
      more.addEventListener("click", () => { li.remove(); rows.slice(limit).forEach(put); });
      add(ul, add(li, more));
    }
    return ul;
  }
  function header(id, sub) {
    const frag = document.createDocumentFragment();
    const badge = h("span", "badge");
    add(badge, swatch(group[id]), document.createTextNode(sub || group[id]));
    add(frag, badge, h("h2", null, nameOf(id)));
    return frag;
  }
  function actions(id) {
    const box = h("div", "actions");
    const mk = (text, fn) => { const b = h("button", null, text); b.type = "button"; b.addEventListener("click", fn); return b; };
    add(box, mk("Neighbours", () => focusOn(id, 1)), mk("2 hops", () => focusOn(id, 2)));
    if (focus || extra.size) add(box, mk("Show everything", showEverything));
    return box;
  }
  function commentary(note, withItem) {
    const d = details()[note];
    const box = h("div", "note");
    const head = h("div", "note-head");
    if (d.g !== undefined) add(head, ref(d.g, d.d || label[d.g]));
    else add(head, h("span", null, [d.v ? "vault note" : "note", d.d].filter(Boolean).join(" · ")));
    if (withItem && d.i !== undefined) add(head, ref(d.i));
    if (d.s) add(head, h("span", null, d.s));
    add(box, head);
    for (const t of d.ko || []) add(box, linkified("p", t, "ko"));
    for (const t of d.en || []) add(box, linkified("p", t, "en"));
    if (!(d.ko || []).length && !(d.en || []).length) add(box, h("p", "hint", "No commentary."));
    return box;
  }
  function citedRows(notes) {
    const rows = [];
    const seen = new Set();
    for (const n of notes) for (const [target, lab] of details()[n].c || []) {
      if (seen.has(target)) continue;
      seen.add(target);
      rows.push([target, null, lab && !nameOf(target).includes(lab) ? "as “" + lab + "”" : ""]);
    }
    return rows;
  }
  function citingRows(pairs) {
    return pairs.map(([note, lab]) => [itemOfNote(note), null, [dateOf(note), lab ? "as “" + lab + "”" : ""].filter(Boolean).join(" · ")]);
  }
  function linkRows(notes) {
    const out = h("div", "links");
    for (const l of uniq(notes.flatMap((n) => details()[n].l || []))) {
      const u = details()[l].u;
      add(out, u ? ext(u[0], label[l]) : h("span", null, label[l]));
    }
    return out.children.length ? out : null;
  }
  function itemsRows(items) {
    return uniq(items).map((i) => [i, null, itemDates(i).slice(-1)[0] || ""])
      .sort((a, b) => (b[2] || "").localeCompare(a[2] || "") || a[0] - b[0]);
  }

  function showDetail(id) {
    const d = details()[id] || {};
    const g = group[id];
    const out = document.createDocumentFragment();
    if (g === "item") {
      add(out, header(id, d.y || "item"));
      if (d.a && d.a.length) add(out, section("Authors", chips(d.a.map((a) => a[1]), 24)));
      const notes = itemNotes(id);
      const digests = uniq(notes.map((n) => details()[n].g).filter((x) => x !== undefined));
      if (digests.length) add(out, section("Noted in digests", chips(digests)));
      const tags = itemTags(id);
      if (tags.length) add(out, section("Tags", chips(tags)));
      const links = h("div", "links");
      if (d.ax) {
        add(links, ext("https://arxiv.org/abs/" + d.ax, "arXiv:" + d.ax), ext("https://arxiv.org/pdf/" + d.ax, "PDF"));
      }
      const arxivPage = new RegExp("arxiv\\.org/(abs|pdf)/" + (d.ax || "-").replace(/\./g, "\\.") + "(v\\d+)?(\\.pdf)?/?$");
      for (const u of d.u || []) if (!d.ax || !arxivPage.test(u)) add(links, ext(u, u.replace(/^https?:\/\/(www\.)?/, "")));
      if (links.children.length) add(out, section("Links", links));
      add(out, actions(id));
      if (d.ab) add(out, section("Abstract", h("p", "abstract", d.ab)));
      if (notes.length) add(out, section(notes.length > 1 ? "Commentary (" + notes.length + " notes)" : "Commentary", ...notes.map((n) => commentary(n, false))));
      const cited = citedRows(notes);
      if (cited.length) add(out, section("Papers its notes cite", refList(cited)));
      const wiki = uniq(notes.flatMap((n) => details()[n].w || []));
      if (wiki.length) add(out, section("Linked notes", refList(wiki.map((w) => [w, null, ""]))));
      if (d.cb && d.cb.length) add(out, section("Cited by", refList(citingRows(d.cb))));
      if (d.wb && d.wb.length) add(out, section("Linked from vault notes", refList(d.wb.map((n) => [itemOfNote(n), null, ""]))));
      const web = linkRows(notes);
      if (web) add(out, section("Web and code links in its notes", web));
    } else if (g === "note") {
      add(out, header(id, d.v ? "vault note" : "note"));
      if (d.i !== undefined) add(out, section("About", chips([d.i])));
      if ((d.tg || []).length) add(out, section("Tags", chips(d.tg)));
      add(out, actions(id), section("Commentary", commentary(id, false)));
      const cited = citedRows([id]);
      if (cited.length) add(out, section("Papers it cites", refList(cited)));
      if ((d.w || []).length) add(out, section("Linked notes", refList(d.w.map((w) => [w, null, ""]))));
      const web = linkRows([id]);
      if (web) add(out, section("Web and code links", web));
    } else if (g === "person" || g === "organization") {
      add(out, header(id, g), actions(id));
      add(out, section("Items (" + (d.i || []).length + ")", refList(itemsRows(d.i || []))));
    } else if (g === "tag") {
      const items = (d.n || []).map(itemOfNote);
      add(out, header(id, "tag"));
      if (d.sp) add(out, h("p", "hint", "Written as " + d.sp.join(", ")));
      add(out, actions(id), section("Items (" + uniq(items).length + ")", refList(itemsRows(items), 200)));
    } else if (g === "arxiv") {
      add(out, header(id, "cited arXiv paper"));
      if (d.a && d.a.length) add(out, section("Authors", chips(d.a.map((a) => a[1]), 24)));
      const links = h("div", "links");
      add(links, ext("https://arxiv.org/abs/" + d.ax, "arXiv:" + d.ax), ext("https://arxiv.org/pdf/" + d.ax, "PDF"));
      add(out, section("Links", links), actions(id));
      if (d.ab) add(out, section("Abstract", h("p", "abstract", d.ab)));
      add(out, section("Cited by (" + (d.cb || []).length + " notes)", refList(citingRows(d.cb || []))));
    } else if (g === "digest") {
      add(out, header(id, "digest"));
      if (d.h) add(out, h("p", null, d.h));
      if (d.s) add(out, h("p", "hint", d.s));
      add(out, actions(id), section("Items (" + (d.n || []).length + ")", refList((d.n || []).map((n) => [itemOfNote(n), null, ""]))));
    } else if (g === "link") {
      add(out, header(id, d.code ? "code link" : "web link"));
      if (d.u) add(out, section("Opens", ext(d.u[0], d.u[0])));
      add(out, actions(id), section("Linked from", refList(uniq((d.n || []).map(itemOfNote)).map((i) => [i, null, ""]))));
    }
    body.replaceChildren(out);
    byId("detail").scrollTop = 0;
  }

  function showOverview() {
    const out = document.createDocumentFragment();
    const intro = h("p", "intro");
    add(intro, document.createTextNode("Search on the left, or click a node to read its notes. " +
      "Double-click a node to see only its neighbours. Scroll to zoom, drag to pan."));
    add(out, h("h2", null, "Explore the digests"), intro);
    if (config.top_tags.length) add(out, section("Most used tags", chips(config.top_tags)));
    if (config.top_cited.length) add(out, section("Most cited papers", refList(config.top_cited.map(([id, n]) => [id, null, n + (n === 1 ? " note" : " notes")]))));
    const hidden = config.kinds.filter((k) => config.hidden.includes(k.kind)).map((k) => k.legend.toLowerCase());
    if (hidden.length) add(out, h("p", "hint", hidden.join(", ").replace(/^./, (c) => c.toUpperCase()) + " start hidden to keep the picture readable: tick them under Show."));
    body.replaceChildren(out);
  }

  // ---------------------------------------------------------------- overview labels
  // Zoomed out, vis draws no labels at all; name the biggest visible hubs
  // (text drawn on the canvas, never HTML), skipping ones that would overlap.
  const hubs = Array.from({length: N}, (_, id) => id)
    .filter((id) => group[id] === "tag" || group[id] === "arxiv" || group[id] === "item" || group[id] === "person")
    .sort((a, b) => value[b] - value[a] || a - b)
    .slice(0, 400);
  const HUB_LABELS = 24;
  const FOCUS_LABELS = 80;
  network.on("afterDrawing", (ctx) => {
    // In a neighbourhood every node is named; otherwise the biggest hubs.
    const scale = network.getScale();
    if (!focus && scale > 0.5) return;
    const candidates = focus ? focus.ranked : hubs;
    const limit = focus ? FOCUS_LABELS : HUB_LABELS;
    const font = 13 / scale;
    ctx.save();
    ctx.font = "600 " + font + "px " + options.nodes.font.face;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.lineWidth = 4 / scale;
    ctx.strokeStyle = "rgba(255,255,255,0.92)";
    ctx.fillStyle = "#0f172a";
    if (focus) {
      // Far-apart neighbours can be specks at this zoom: give each a visible dot.
      for (const id of focus.ranked) {
        const node = network.body.nodes[id];
        if (!node || !visible(id) || node.shape.radius * scale >= 4) continue;
        ctx.beginPath();
        ctx.arc(node.x, node.y, 4 / scale, 0, 2 * Math.PI);
        ctx.fillStyle = (kindInfo[group[id]] || kindInfo.item).color;
        ctx.fill();
      }
      ctx.fillStyle = "#0f172a";
    }
    const boxes = [];
    let drawn = 0;
    for (const id of candidates) {
      if (drawn >= limit) break;
      const node = network.body.nodes[id];
      if (!node || !visible(id) || !label[id]) continue;
      const shown = node.labelModule && node.labelModule.fontOptions.size * scale >= options.nodes.scaling.label.drawThreshold - 1;
      if (shown) continue;
      const text = label[id];
      const w = ctx.measureText(text).width, h = font * 1.2;
      const x = node.x - w / 2, y = node.y + node.shape.height / 2 + 2 / scale;
      if (boxes.some((b) => x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h)) continue;
      boxes.push([x, y, w, h]);
      ctx.strokeText(text, node.x, y);
      ctx.fillText(text, node.x, y);
      drawn++;
    }
    ctx.restore();
  });

  network.on("click", (params) => {
    if (params.nodes.length) showDetail(params.nodes[0]);
  });
  network.on("doubleClick", (params) => {
    if (params.nodes.length) focusOn(params.nodes[0], 1);
  });

  network.once("afterDrawing", () => {
    setTimeout(() => {
      details();
      showOverview();
      renderTags();
      setTimeout(buildIndex, 0);
    }, 0);
  });
  refresh();

  papergraph = {nodeView, edgeView, search, pick, focusOn, showEverything, details, visible};
})();
