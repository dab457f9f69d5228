/* papergraph explorer: map, search, filters, detail panel, focus, exports.
 *
 * Safety rule: text from the input is only ever written with textContent
 * (never innerHTML), and only http(s) URLs become links.
 *
 * Speed rule (a page may hold 30,000 nodes): no step of an action may block
 * the main thread for long. vis-network creates one Node/Edge object per
 * item a DataView lets through, so big visibility changes are applied in
 * chunks (one task each, sized by measured time, most important nodes
 * first); everything else is O(changed) or runs after the first draw.
 *
 * Data (see papergraph/exporters/html.py): node ids are integers; config.k[id]
 * is the kind (index into config.kinds), config.cm[id] the community (-1:
 * none); edges with m: 1 are map edges (a paper to its notes' tags and
 * cited papers), shown while notes are hidden. details[id] uses compact keys:
 *   item   t title, y item type, a [[name, agent]], ab abstract, u [urls], ax arXiv id,
 *          n [notes about it], cb [[citing note, label]], wb [vault notes linking to it],
 *          cbn cited-by count from the analysis
 *   note   d date, g digest, i item, ko [..], en [..], tg [tags], c [[cited, label]],
 *          l [links], w [wiki-linked items], s "path:lines", v 1 for vault notes
 *   digest d date, h header, s path, n [notes]
 *   person/organization  i [items]
 *   tag    n [notes], sp [spellings]
 *   any    f full name when the label was shortened
 *   arxiv  ax arXiv id, cb [[citing note, label]]
 *   link   u [url], code 1 for code hosts, n [notes]
 * config.v[id] ranks nodes (PageRank or degree): biggest first when drawing
 * in chunks, in search results and for overlay labels.
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
  const KINDS = config.kinds.map((k) => k.kind);
  const group = config.k.map((k) => KINDS[k]);   // the node's kind (its vis group may be its community)
  const comm = config.cm;
  const label = new Array(N);
  const value = new Array(N);
  const posX = new Float64Array(N), posY = new Float64Array(N);
  for (const n of nodeList) {
    label[n.id] = n.label || "";
    value[n.id] = config.v[n.id];
    posX[n.id] = n.x;
    posY[n.id] = n.y;
  }
  const kindInfo = {};
  for (const k of config.kinds) kindInfo[k.kind] = k;
  const communities = config.communities;
  const commById = new Map(communities.map((c) => [c.id, c]));
  const KIND_RANK = {item: 0, tag: 1, person: 2, organization: 2, arxiv: 3, digest: 4, link: 5, note: 6};
  const PAPERS = new Set(["item", "arxiv"]);

  // ---------------------------------------------------------------- state
  const kindOn = {};
  for (const k of config.kinds) kindOn[k.kind] = !config.hidden.includes(k.kind);
  let allowed = null;        // Set of ids passing the tag/date filters, or null for all
  const topicOn = new Set(); // communities picked in the legend (empty: all)
  let focus = null;          // {center, hops, ids: Set, ranked, savedKinds}
  const extra = new Set();   // nodes the user jumped to although filters hid them
  const selectedTags = new Set();
  let hovered = null;        // {id, ids: neighbours drawn over the veil}
  let current = null;        // the node in the detail panel

  function visible(id) {
    if (extra.has(id)) return true;
    if (!kindOn[group[id]]) return false;
    if (focus) return focus.ids.has(id);
    if (topicOn.size && !topicOn.has(comm[id])) return false;
    return allowed === null || allowed.has(id);
  }

  // What vis-network holds right now: only these get Node objects.
  const shown = new Uint8Array(N);
  // Edges of these kinds are drawn only while few of them are shown (or in a
  // focus view, or on hover): 60,000 author edges cost ~1 s per redraw.
  const ON_DEMAND = new Set(["note", "digest", "person", "organization", "link"]);
  const DETAIL_EDGE_LIMIT = 3000;
  const onDemand = Uint8Array.from(group, (g) => (ON_DEMAND.has(g) ? 1 : 0));
  let detailEdges = true;
  // The edge view reads its own copy, updated just before it is refreshed: vis
  // looks for missing edges through the view whenever nodes change
  // (EdgesHandler._addMissingEdges), and seeing the new edges then would make
  // it create each of them twice (measured: 1,274 edges, 41 + 55 ms).
  const edgeShown = new Uint8Array(N);
  function edgeOn(e) {
    if (edgeShown[e.from] !== 1 || edgeShown[e.to] !== 1) return false;
    if (e.m === 1) return !(kindOn.note && detailEdges);   // map edges stand in for hidden notes
    return detailEdges || (onDemand[e.from] === 0 && onDemand[e.to] === 0);
  }
  // Edge ids are positions: without them vis-data makes 90k random UUIDs on a big page.
  edgeList.forEach((e, i) => { e.id = i; });
  nodes = new vis.DataSet(nodeList);
  edges = new vis.DataSet(edgeList);
  const nodeView = new vis.DataView(nodes, {filter: (n) => shown[n.id] === 1});
  const edgeView = new vis.DataView(edges, {filter: edgeOn});
  network = new vis.Network(byId("graph"), {nodes: nodeView, edges: edgeView}, options);

  // ---------------------------------------------------------------- applying visibility in chunks
  const statusEl = byId("status");
  const fmt = (n) => n.toLocaleString("en-US");
  let generation = 0;
  let chunk = 1000;            // nodes per task; adapted to keep each task near TASK_MS
  const TASK_MS = 40;
  let pending = 0;             // nodes still to add
  let wanted = [];             // ids visible after the current change
  const whenDone = [];

  function setStatus(text) { statusEl.textContent = text; }
  function countStatus() {
    setStatus("Showing " + fmt(nodeView.length) + " of " + fmt(N) + " nodes · " +
      fmt(edgeView.length) + " edges" + (detailEdges ? "" : " (edges of notes, people and links: hover or open neighbours)"));
  }

  function batch(f) {
    // With physics off, vis-network redraws synchronously on every data change
    // (PhysicsEngine.startSimulation emits "_redraw"): a node refresh and an
    // edge refresh would draw the whole picture twice. vis' own stabiliser
    // suspends drawing with the same events ("_blockRedraw"/"_allowRedraw",
    // CanvasRenderer.bindEventListeners); one redraw follows in the next frame.
    const emitter = network.body.emitter;
    emitter.emit("_blockRedraw");
    try {
      f();
    } finally {
      emitter.emit("_allowRedraw");
      emitter.emit("_requestRedraw");
    }
  }

  function refresh(after) {
    // Remove at once (cheap: vis deletes objects), add in chunks, biggest first.
    const mine = ++generation;
    if (after) whenDone.push(after);
    const toAdd = [];
    wanted = [];
    let details_ = 0;
    for (let id = 0; id < N; id++) {
      if (visible(id)) {
        wanted.push(id);
        details_ += onDemand[id];
        if (!shown[id]) toAdd.push(id);
      } else shown[id] = 0;
    }
    detailEdges = !!focus || details_ <= DETAIL_EDGE_LIMIT;
    toAdd.sort((a, b) => value[b] - value[a] || a - b);
    // Another kind may cost more per node (notes bring more edges than people): start small.
    chunk = Math.min(chunk, 800);
    let pos = 0;
    const step = () => {
      if (mine !== generation) return;
      const started = performance.now();
      const end = Math.min(toAdd.length, pos + chunk);
      const added = end - pos;
      for (; pos < end; pos++) shown[toAdd[pos]] = 1;
      batch(() => {
        // Removed nodes leave the edge view first, added ones join it last.
        for (let id = 0; id < N; id++) edgeShown[id] &= shown[id];
        nodeView.refresh();
        edgeShown.set(shown);
        edgeView.refresh();
      });
      const spent = performance.now() - started;
      // How fast this machine creates these nodes and their edges sets the next chunk.
      if (added >= 200) chunk = Math.max(300, Math.min(2500, Math.round(added * TASK_MS / Math.max(spent, 1))));
      pending = toAdd.length - pos;
      if (pending > 0) {
        setStatus("Drawing… " + fmt(nodeView.length) + " of " + fmt(wanted.length) + " nodes");
        setTimeout(step, 0);
      } else {
        countStatus();
        const callbacks = whenDone.splice(0);
        for (const f of callbacks) f();
      }
    };
    step();
  }

  // ---------------------------------------------------------------- view
  const ANIMATE_BELOW = 4000;
  function fitIds(ids, animate) {
    // Fit positions we know, not vis' drawn nodes (they may still be arriving).
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const id of ids) {
      if (posX[id] < x0) x0 = posX[id];
      if (posX[id] > x1) x1 = posX[id];
      if (posY[id] < y0) y0 = posY[id];
      if (posY[id] > y1) y1 = posY[id];
    }
    if (x0 === Infinity) return;
    const box = byId("graph").getBoundingClientRect();
    const w = Math.max(x1 - x0, 60), hgt = Math.max(y1 - y0, 60);
    const scale = Math.min(4, 0.88 * Math.min(box.width / w, box.height / hgt));
    const moveTo = {position: {x: (x0 + x1) / 2, y: (y0 + y1) / 2}, scale};
    if (animate && ids.length < ANIMATE_BELOW) moveTo.animation = {duration: 400, easingFunction: "easeInOutQuad"};
    network.moveTo(moveTo);
  }
  const fitAll = (animate) => fitIds(wanted, animate);

  // Detail data is parsed lazily (after the first draw), so a big page draws first.
  let D = null;
  const details = () => D || (D = readJSON("pg-detail"));
  let K = null;
  const keyIndex = () => K || (K = new Map(readJSON("pg-keys").map((k, i) => [k, i])));
  let KEYS = null;
  const keyOf = (id) => (KEYS || (KEYS = readJSON("pg-keys")))[id];

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
  function colorOf(id) {
    const c = PAPERS.has(group[id]) || group[id] === "tag" ? commById.get(comm[id]) : null;
    return c ? c.color : (kindInfo[group[id]] || kindInfo.item).color;
  }
  function swatch(kind, color) {
    const info = kindInfo[kind] || kindInfo.item;
    const s = h("span", "swatch shape-" + info.shape);
    s.style.setProperty("--c", color || info.color);
    s.style.setProperty("--b", color ? "#ffffff" : info.border);
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
    b.addEventListener("click", () => pick(id, {fromPanel: true}));
    return b;
  }
  const uniq = (xs) => Array.from(new Set(xs));
  const dateOf = (note) => details()[note].d || "";
  function itemNotes(item) { return details()[item].n || []; }
  function itemTags(item) { return uniq(itemNotes(item).flatMap((n) => details()[n].tg || [])); }
  function itemDates(item) { return uniq(itemNotes(item).map(dateOf).filter(Boolean)).sort(); }
  function itemOfNote(note) { const i = details()[note].i; return i === undefined ? note : i; }

  function reveal(id) {
    if (!visible(id)) {
      extra.add(id);
      refresh();
    }
  }

  function pick(id, how) {
    how = how || {};
    reveal(id);
    network.selectNodes(shown[id] ? [id] : []);
    const whenShown = () => {
      network.selectNodes([id]);
      network.focus(id, {scale: Math.max(network.getScale(), 1.0), animation: {duration: 450, easingFunction: "easeInOutQuad"}});
    };
    if (shown[id]) whenShown(); else whenDone.push(whenShown);
    showDetail(id);
    if (!how.fromHash) setHash({node: keyOf(id)}, true);
    if (how.fromPanel) byId("detail-title").focus();   // the link is gone: keep focus in the panel
    openDrawer("detail");
  }

  // ---------------------------------------------------------------- neighbourhoods
  let adjacency = null;
  function neighbours(id) {
    if (!adjacency) {
      adjacency = Array.from({length: N}, () => []);
      for (const e of edgeList) {
        if (e.m === 1) continue;
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
    refresh(() => network.selectNodes([center]));
    byId("focus-text").textContent = (hops === 1 ? "Neighbours of " : "Two hops around ") + nameOf(center) +
      " (" + fmt(ids.size) + " nodes)";
    byId("focusbar").hidden = false;
    fitIds(Array.from(ids), true);
  }
  function leaveFocus() {
    if (focus) {
      Object.assign(kindOn, focus.savedKinds);
      focus = null;
      syncKindBoxes();
    }
    byId("focusbar").hidden = true;
  }
  function showEverything() {
    leaveFocus();
    extra.clear();
    refresh();
    fitAll(true);
  }

  // ---------------------------------------------------------------- hover: neighbours over a veil
  // vis reports hovers while the view is dragged, too: a highlight then
  // would cost a full extra redraw each time the pointer crosses a node.
  let dragging = false;
  network.on("dragStart", () => { dragging = true; hovered = null; });
  network.on("dragEnd", () => { dragging = false; });
  network.on("hoverNode", (p) => {
    if (dragging) return;
    const id = Number(p.node);
    if (!details()) return;
    const ids = Array.from(neighbourhood(id, 1)).filter((m) => m !== id && shown[m] && group[m] !== "note");
    hovered = {id, ids};
  });
  // vis redraws after a blur itself; leaving the canvas needs one from us.
  network.on("blurNode", () => { hovered = null; });
  byId("graph").addEventListener("mouseleave", () => { if (hovered) { hovered = null; network.redraw(); } });
  function drawHover(ctx, scale) {
    const tl = network.DOMtoCanvas({x: 0, y: 0});
    const box = byId("graph").getBoundingClientRect();
    const br = network.DOMtoCanvas({x: box.width, y: box.height});
    ctx.fillStyle = "rgba(252,253,255,0.8)";   // dim everything else
    ctx.fillRect(tl.x, tl.y, br.x - tl.x, br.y - tl.y);
    const c = network.getPosition(hovered.id);
    ctx.lineWidth = 1.4 / scale;
    ctx.strokeStyle = "#334155";
    ctx.beginPath();
    for (const m of hovered.ids) {
      const p = network.getPosition(m);
      ctx.moveTo(c.x, c.y);
      ctx.lineTo(p.x, p.y);
    }
    ctx.stroke();
    for (const m of [...hovered.ids, hovered.id]) {
      const b = network.getBoundingBox(m);
      const p = network.getPosition(m);
      const r = Math.max((b.right - b.left) / 2, 4 / scale);
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      ctx.fillStyle = colorOf(m);
      ctx.fill();
      ctx.lineWidth = (m === hovered.id ? 3 : 1.5) / scale;
      ctx.strokeStyle = "#111827";
      ctx.stroke();
    }
  }

  // ---------------------------------------------------------------- overlay text
  const HUB_LABELS = 80;
  function drawLabel(ctx, text, x, y, boxes, font) {
    const w = ctx.measureText(text).width, hgt = font * 1.2;
    const left = x - w / 2;
    if (boxes.some((b) => left < b[0] + b[2] && b[0] < left + w && y < b[1] + b[3] && b[1] < y + hgt)) return false;
    boxes.push([left, y, w, hgt]);
    ctx.strokeText(text, x, y);
    ctx.fillText(text, x, y);
    return true;
  }
  function drawCommunityNames(ctx, scale, boxes) {
    // The map's legend on the map: the largest topics' names where their best papers are.
    if (scale > 0.45 || focus) return;
    const font = 15 / scale;
    ctx.font = "700 " + font + "px " + options.nodes.font.face;
    ctx.lineWidth = 5 / scale;
    ctx.strokeStyle = "rgba(255,255,255,0.95)";
    let drawn = 0;
    for (const c of communities) {
      if (drawn >= config.labelled || c.other || !c.label) continue;
      if (topicOn.size && !topicOn.has(c.id)) continue;
      ctx.fillStyle = c.color;
      if (drawLabel(ctx, c.label, c.x, c.y, boxes, font)) drawn++;
    }
  }
  function drawFocusNames(ctx, scale, boxes) {
    // In a neighbourhood every node is named, however far out the view is.
    const font = 13 / scale;
    ctx.font = "600 " + font + "px " + options.nodes.font.face;
    ctx.lineWidth = 4 / scale;
    ctx.strokeStyle = "rgba(255,255,255,0.92)";
    ctx.fillStyle = "#0f172a";
    const list = hovered ? [hovered.id, ...hovered.ids] : focus.ranked;
    let drawn = 0;
    for (const id of list) {
      if (drawn >= HUB_LABELS) break;
      if (!shown[id] || !label[id]) continue;
      const b = network.getBoundingBox(id);
      if (drawLabel(ctx, label[id], (b.left + b.right) / 2, b.bottom + 2 / scale, boxes, font)) drawn++;
    }
  }
  network.on("afterDrawing", (ctx) => {
    const scale = network.getScale();
    ctx.save();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const boxes = [];
    if (hovered && shown[hovered.id]) drawHover(ctx, scale);
    if (focus || hovered) drawFocusNames(ctx, scale, boxes);
    else drawCommunityNames(ctx, scale, boxes);
    ctx.restore();
  });

  // ---------------------------------------------------------------- filters
  const dates = config.dates;
  const fromEl = byId("date-from");
  const toEl = byId("date-to");
  function dateWindow() {
    if (!dates.length) return null;
    const a = Number(fromEl.value), b = Number(toEl.value);
    if (a <= 0 && b >= dates.length - 1) return null;
    return [dates[Math.min(a, b)], dates[Math.max(a, b)]];
  }
  function computeAllowed() {
    const window_ = dateWindow();
    if (!selectedTags.size && !window_) return null;
    const d = details();
    const ok = new Set();
    const from = window_ ? window_[0] : "0000", to = window_ ? window_[1] : "9999";
    for (let id = 0; id < N; id++) {
      if (group[id] !== "note") continue;
      const x = d[id];
      if (window_ && !(x.d && x.d >= from && x.d <= to)) continue;
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
  function applyFilters(keepView) {
    allowed = computeAllowed();
    leaveFocus();
    extra.clear();
    refresh();
    if (!keepView) fitAll(true);
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
  function showDates() {
    const w = dateWindow() || [dates[0] || "–", dates[dates.length - 1] || "–"];
    byId("date-from-text").textContent = w[0];
    byId("date-to-text").textContent = w[1];
  }
  let dateFrame = 0;
  function onDates() {
    // Live while dragging, at most once per frame.
    showDates();
    if (!dateFrame) dateFrame = requestAnimationFrame(() => { dateFrame = 0; applyFilters(true); });
  }
  fromEl.addEventListener("input", onDates);
  toEl.addEventListener("input", onDates);

  // Replay: the reading history, one step per tick, growing from the first date.
  let replayTimer = 0;
  const REPLAY_STEPS = 40;
  function stopReplay() {
    clearInterval(replayTimer);
    replayTimer = 0;
    byId("replay").textContent = "▶ replay";
  }
  byId("replay").addEventListener("click", () => {
    if (replayTimer) { stopReplay(); return; }
    const last = dates.length - 1;
    const stride = Math.max(1, Math.ceil(dates.length / REPLAY_STEPS));
    fromEl.value = "0";
    toEl.value = "0";
    byId("replay").textContent = "❚❚ pause";
    onDates();
    fitAll(false);
    replayTimer = setInterval(() => {
      const next = Math.min(last, Number(toEl.value) + stride);
      toEl.value = String(next);
      onDates();
      if (next >= last) stopReplay();
    }, 350);
  });

  // ---------------------------------------------------------------- topics (communities)
  const topicsEl = byId("topics");
  function renderTopics() {
    if (!communities.length) return;
    byId("topics-box").hidden = false;
    const frag = document.createDocumentFragment();
    for (const c of communities) {
      const li = h("li");
      const b = h("button", "topic");
      b.type = "button";
      b.dataset.community = String(c.id);
      b.setAttribute("aria-pressed", topicOn.has(c.id) ? "true" : "false");
      add(b, swatch("item", c.color), h("span", "topic-name", c.label || "(unnamed)"), h("span", "count", fmt(c.size)));
      b.addEventListener("click", (ev) => toggleTopic(c.id, ev.shiftKey || ev.ctrlKey || ev.metaKey));
      add(frag, add(li, b));
    }
    topicsEl.replaceChildren(frag);
  }
  function toggleTopic(id, keepOthers) {
    if (topicOn.has(id)) topicOn.delete(id);
    else {
      if (!keepOthers) topicOn.clear();
      topicOn.add(id);
    }
    for (const b of topicsEl.querySelectorAll("button[data-community]")) {
      b.setAttribute("aria-pressed", topicOn.has(Number(b.dataset.community)) ? "true" : "false");
    }
    byId("topic-selection").textContent = topicOn.size ? topicOn.size + " shown" : "";
    leaveFocus();
    extra.clear();
    refresh();
    fitAll(true);
  }

  // ---------------------------------------------------------------- tags: one tab stop, arrow keys
  const tagIds = [];
  for (let id = 0; id < N; id++) if (group[id] === "tag") tagIds.push(id);
  tagIds.sort((a, b) => value[b] - value[a] || label[a].localeCompare(label[b]));
  const tagList = byId("tags");
  const tagFilter = byId("tag-filter");
  let tagActive = -1;
  function tagCounts() {
    const counts = new Map();
    for (const id of tagIds) counts.set(id, (details()[id].n || []).length);
    return counts;
  }
  let TAGN = null;
  function renderTags() {
    TAGN = TAGN || tagCounts();
    const q = norm(tagFilter.value.replace(/^#/, ""));
    const frag = document.createDocumentFragment();
    for (const id of tagIds) {
      if (q && !norm(label[id]).includes(q) && !selectedTags.has(id)) continue;
      const li = h("li", selectedTags.has(id) ? "on" : "");
      li.id = "tag-" + id;
      li.dataset.id = String(id);
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", selectedTags.has(id) ? "true" : "false");
      add(li, h("span", "tick", selectedTags.has(id) ? "✓" : ""), h("span", "tag-name", label[id]), h("span", "count", fmt(TAGN.get(id))));
      li.addEventListener("click", () => { tagActive = Array.prototype.indexOf.call(tagList.children, li); toggleTag(id); });
      add(frag, li);
    }
    tagList.replaceChildren(frag);
    markTag();
  }
  function markTag() {
    const items = tagList.children;
    if (tagActive >= items.length) tagActive = items.length - 1;
    for (let i = 0; i < items.length; i++) items[i].classList.toggle("active", i === tagActive);
    if (tagActive >= 0) {
      tagList.setAttribute("aria-activedescendant", items[tagActive].id);
      items[tagActive].scrollIntoView({block: "nearest"});
    } else tagList.removeAttribute("aria-activedescendant");
  }
  function toggleTag(id, fromHash) {
    if (selectedTags.has(id)) selectedTags.delete(id); else selectedTags.add(id);
    byId("tag-selection").textContent = selectedTags.size ? selectedTags.size + " selected" : "";
    renderTags();
    applyFilters();
    if (!fromHash) setHash({tag: Array.from(selectedTags).map((t) => label[t].replace(/^#/, "")).join(",") || null}, true);
  }
  function tagKeys(ev) {
    const count = tagList.children.length;
    if (!count) return;
    if (ev.key === "ArrowDown") tagActive = Math.min(count - 1, tagActive + 1);
    else if (ev.key === "ArrowUp") tagActive = Math.max(0, tagActive - 1);
    else if (ev.key === "Home") tagActive = 0;
    else if (ev.key === "End") tagActive = count - 1;
    else if ((ev.key === " " || ev.key === "Enter") && tagActive >= 0) toggleTag(Number(tagList.children[tagActive].dataset.id));
    else return;
    ev.preventDefault();
    markTag();
  }
  tagList.addEventListener("keydown", tagKeys);
  tagList.addEventListener("focus", () => { if (tagActive < 0) { tagActive = 0; markTag(); } });
  tagFilter.addEventListener("input", () => { tagActive = 0; renderTags(); });
  tagFilter.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp" || ev.key === "Enter") tagKeys(ev);
  });

  byId("reset").addEventListener("click", () => {
    selectedTags.clear();
    topicOn.clear();
    renderTopics();
    byId("tag-selection").textContent = "";
    byId("topic-selection").textContent = "";
    tagFilter.value = "";
    stopReplay();
    fromEl.value = "0";
    toEl.value = String(Math.max(dates.length - 1, 0));
    showDates();
    focus = null;
    for (const k of config.kinds) kindOn[k.kind] = !config.hidden.includes(k.kind);
    syncKindBoxes();
    renderTags();
    allowed = null;
    showEverything();
    setHash({tag: null, node: null, q: null}, true);
  });
  byId("show-all").addEventListener("click", showEverything);

  // ---------------------------------------------------------------- search
  function norm(s) { return String(s || "").normalize("NFKC").toLowerCase(); }
  let index = null;
  let indexed = 0;
  function indexEntry(id) {
    const d = details();
    const g = group[id];
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
    // Joined once here: a query then tests each entry without building strings.
    const p = norm(primary), ps = p + " " + norm(secondary);
    return [id, p, ps, tertiary ? ps + " " + norm(tertiary) : ""];
  }
  function buildIndex(budgetMs) {
    // In slices after the first draw; a search before it is done finishes it.
    index = index || [];
    const started = performance.now();
    for (; indexed < N; indexed++) {
      if (group[indexed] !== "note") index.push(indexEntry(indexed));   // a note is found through its item
      if (budgetMs && (indexed & 255) === 0 && performance.now() - started > budgetMs) { indexed++; return false; }
    }
    return true;
  }
  function search(query) {
    const q = norm(query).trim();
    if (!q) return [];
    buildIndex(0);
    const terms = q.split(/\s+/);
    const all = (text) => terms.every((t) => text.includes(t));
    const found = [];
    for (const [id, p, ps, pst] of index) {
      let score;
      if (p.startsWith(q)) score = 0;
      else if (all(p)) score = 1;
      else if (all(ps)) score = 2;
      else if (pst && all(pst)) score = 3;
      else continue;
      found.push([score, KIND_RANK[group[id]] || 9, -value[id], id]);
    }
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
    return found.map((f) => ({id: f[3], score: f[0], terms}));
  }
  function marked(text, terms) {
    // The text with every occurrence of a term in <mark> (built as nodes, never HTML).
    const frag = document.createDocumentFragment();
    const lower = text.toLowerCase();
    const spans = [];
    for (const t of terms) {
      if (!t) continue;
      for (let at = lower.indexOf(t); at >= 0; at = lower.indexOf(t, at + t.length)) spans.push([at, at + t.length]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    let last = 0;
    for (const [a, b] of spans) {
      if (a < last) continue;
      add(frag, document.createTextNode(text.slice(last, a)), h("mark", null, text.slice(a, b)));
      last = b;
    }
    add(frag, document.createTextNode(text.slice(last)));
    return frag;
  }
  function snippetOf(id, terms) {
    // Where the words matched, when not in the title: authors, commentary, abstract.
    const d = details()[id] || {};
    const texts = [];
    if (group[id] === "item") {
      texts.push((d.a || []).map((a) => a[0]).join(", "));
      for (const n of itemNotes(id)) texts.push(...(details()[n].ko || []), ...(details()[n].en || []));
      if (d.ab) texts.push(d.ab);
    }
    for (const text of texts) {
      const lower = text.toLowerCase();
      const at = terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0).sort((a, b) => a - b)[0];
      if (at === undefined) continue;
      const start = Math.max(0, at - 40);
      return (start ? "…" : "") + text.slice(start, start + 140) + (start + 140 < text.length ? "…" : "");
    }
    return "";
  }
  function metaOf(id) {
    const d = details()[id] || {};
    const g = group[id];
    if (g === "item") {
      const who = (d.a || []).map((a) => a[0]);
      const bits = [who.slice(0, 2).join(", ") + (who.length > 2 ? " et al." : ""), itemDates(id).join(", ")];
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
  function runSearch(fromHash) {
    results = search(searchEl.value);
    active = results.length ? 0 : -1;
    const frag = document.createDocumentFragment();
    results.slice(0, SHOWN).forEach((r, i) => {
      const li = h("li", i === active ? "active" : "");
      li.id = "result-" + i;
      li.setAttribute("role", "option");
      li.dataset.id = String(r.id);
      const text = h("span", "r-text");
      const title = add(h("span", "r-title"), marked(nameOf(r.id), r.terms));
      add(text, title, h("span", "r-meta", metaOf(r.id)));
      if (r.score >= 2) {
        const snip = snippetOf(r.id, r.terms);
        if (snip) add(text, add(h("span", "r-snippet"), marked(snip, r.terms)));
      }
      add(li, swatch(group[r.id], PAPERS.has(group[r.id]) && commById.get(comm[r.id]) ? colorOf(r.id) : null), text);
      li.addEventListener("click", () => { active = i; markActive(); pick(r.id); });
      add(frag, li);
    });
    resultsEl.replaceChildren(frag);
    resultsEl.dataset.query = searchEl.value;
    searchEl.setAttribute("aria-expanded", results.length ? "true" : "false");
    markActive();
    const q = searchEl.value.trim();
    const text = !q ? "" : results.length === 0 ? "No match." :
      fmt(results.length) + (results.length === 1 ? " match" : " matches") + (results.length > SHOWN ? " (first " + SHOWN + " shown)" : "");
    countEl.textContent = text;
    if (q) setStatus(text);
    if (!fromHash) setHash({q: q || null}, false);
  }
  function markActive() {
    Array.from(resultsEl.children).forEach((li, i) => {
      li.className = i === active ? "active" : "";
      li.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    const li = resultsEl.children[active];
    if (li) {
      li.scrollIntoView({block: "nearest"});
      searchEl.setAttribute("aria-activedescendant", li.id);
    } else searchEl.removeAttribute("aria-activedescendant");
  }
  searchEl.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = 0; runSearch(); }, N > 20000 ? 150 : 60);
  });
  searchEl.addEventListener("keydown", (ev) => {
    const shownResults = Math.min(results.length, SHOWN);
    if (ev.key === "ArrowDown" && shownResults) { active = (active + 1) % shownResults; markActive(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && shownResults) { active = (active - 1 + shownResults) % shownResults; markActive(); ev.preventDefault(); }
    else if (ev.key === "Enter") {
      clearTimeout(timer);
      timer = 0;
      if (resultsEl.dataset.query !== searchEl.value) runSearch();   // typed faster than the debounce
      if (results.length) pick(results[Math.max(active, 0)].id);
      ev.preventDefault();
    } else if (ev.key === "Escape" && searchEl.value) {
      searchEl.value = "";
      runSearch();
      ev.stopPropagation();
      ev.preventDefault();
    }
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
    const first = limit ? ids.slice(0, limit) : ids;
    for (const id of first) add(box, ref(id));
    if (limit && ids.length > limit) {
      const more = h("button", "link-button more", "+ " + (ids.length - limit) + " more");
      more.type = "button";
      more.addEventListener("click", () => {
        more.remove();
        for (const id of ids.slice(limit)) add(box, ref(id));
        box.children[limit].focus();
      });
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
      more.addEventListener("click", () => {
        li.remove();
        rows.slice(limit).forEach(put);
        const next = ul.children[limit];
        if (next && next.firstChild) next.firstChild.focus();
      });
      add(ul, add(li, more));
    }
    return ul;
  }
  function header(id, sub) {
    const frag = document.createDocumentFragment();
    const badge = h("span", "badge");
    add(badge, swatch(group[id], PAPERS.has(group[id]) && commById.get(comm[id]) ? colorOf(id) : null), document.createTextNode(sub || group[id]));
    const title = h("h2", null, nameOf(id));
    title.id = "detail-title";
    title.tabIndex = -1;
    add(frag, badge, title);
    const c = commById.get(comm[id]);
    if (c && group[id] !== "note") {
      const topic = h("p", "topic-line");
      const b = h("button", "link-button", c.label || "(unnamed topic)");
      b.type = "button";
      b.addEventListener("click", () => toggleTopic(c.id, false));
      add(topic, document.createTextNode("Topic: "), b, document.createTextNode(" · " + fmt(c.size) + " papers"));
      add(frag, topic);
    }
    return frag;
  }
  function actions(id) {
    const box = h("div", "actions");
    const mk = (text, fn) => { const b = h("button", null, text); b.type = "button"; b.addEventListener("click", fn); return b; };
    add(box, mk("Neighbours", () => focusOn(id, 1)), mk("2 hops", () => focusOn(id, 2)));
    if (PAPERS.has(group[id])) add(box, mk("BibTeX", () => download(bibtex([id]), "paper.bib", "application/x-bibtex")));
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

  function itemDetail(id, d, out) {
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
  }
  function noteDetail(id, d, out) {
    add(out, header(id, d.v ? "vault note" : "note"));
    if (d.i !== undefined) add(out, section("About", chips([d.i])));
    if ((d.tg || []).length) add(out, section("Tags", chips(d.tg)));
    add(out, actions(id), section("Commentary", commentary(id, false)));
    const cited = citedRows([id]);
    if (cited.length) add(out, section("Papers it cites", refList(cited)));
    if ((d.w || []).length) add(out, section("Linked notes", refList(d.w.map((w) => [w, null, ""]))));
    const web = linkRows([id]);
    if (web) add(out, section("Web and code links", web));
  }
  const DETAIL = {
    item: itemDetail,
    note: noteDetail,
    person: (id, d, out) => add(out, header(id, group[id]), actions(id), section("Items (" + (d.i || []).length + ")", refList(itemsRows(d.i || [])))),
    tag: (id, d, out) => {
      const items = (d.n || []).map(itemOfNote);
      add(out, header(id, "tag"));
      if (d.sp) add(out, h("p", "hint", "Written as " + d.sp.join(", ")));
      add(out, actions(id), section("Items (" + uniq(items).length + ")", refList(itemsRows(items), 200)));
    },
    arxiv: (id, d, out) => {
      add(out, header(id, "cited arXiv paper"));
      if (d.a && d.a.length) add(out, section("Authors", chips(d.a.map((a) => a[1]), 24)));
      const links = h("div", "links");
      add(links, ext("https://arxiv.org/abs/" + d.ax, "arXiv:" + d.ax), ext("https://arxiv.org/pdf/" + d.ax, "PDF"));
      add(out, section("Links", links), actions(id));
      if (d.ab) add(out, section("Abstract", h("p", "abstract", d.ab)));
      add(out, section("Cited by (" + (d.cb || []).length + " notes)", refList(citingRows(d.cb || []))));
    },
    digest: (id, d, out) => {
      add(out, header(id, "digest"));
      if (d.h) add(out, h("p", null, d.h));
      if (d.s) add(out, h("p", "hint", d.s));
      add(out, actions(id), section("Items (" + (d.n || []).length + ")", refList((d.n || []).map((n) => [itemOfNote(n), null, ""]))));
    },
    link: (id, d, out) => {
      add(out, header(id, d.code ? "code link" : "web link"));
      if (d.u) add(out, section("Opens", ext(d.u[0], d.u[0])));
      add(out, actions(id), section("Linked from", refList(uniq((d.n || []).map(itemOfNote)).map((i) => [i, null, ""]))));
    },
  };
  DETAIL.organization = DETAIL.person;

  function showDetail(id) {
    current = id;
    const out = document.createDocumentFragment();
    DETAIL[group[id]](id, details()[id] || {}, out);
    body.replaceChildren(out);
    byId("detail").scrollTop = 0;
    setStatus("Showing details of " + nameOf(id));
  }

  function showOverview() {
    current = null;
    const out = document.createDocumentFragment();
    const intro = h("p", "intro");
    add(intro, document.createTextNode("Search on the left (press "), h("kbd", null, "/"),
      document.createTextNode("), or click a node to read its notes. Hover a node to see its neighbours; " +
      "double-click to keep only them. Scroll or press + and − to zoom, drag or use the arrow keys to pan."));
    add(out, h("h2", null, "Explore the digests"), intro);
    if (communities.length) {
      const ul = h("ul", "list topics-list");
      for (const c of communities) {
        const li = h("li", "topic-row");
        const b = h("button", "ref topic-ref");
        b.type = "button";
        add(b, swatch("item", c.color), document.createTextNode(c.label || "(unnamed)"));
        b.addEventListener("click", () => toggleTopic(c.id, false));
        add(li, b, h("span", "meta", fmt(c.size) + " papers"));
        const top = h("div", "chips");
        for (const t of c.top.slice(0, 3)) add(top, ref(t));
        add(li, top);
        add(ul, li);
      }
      add(out, section("Topics (" + communities.length + ")", ul));
    }
    if (config.top_tags.length) add(out, section("Most used tags", chips(config.top_tags)));
    if (config.top_cited.length) add(out, section("Most cited papers", refList(config.top_cited.map(([id, n]) => [id, null, n + (n === 1 ? " note" : " notes")]))));
    const hidden = config.kinds.filter((k) => config.hidden.includes(k.kind)).map((k) => k.legend.toLowerCase());
    if (hidden.length) add(out, h("p", "hint", hidden.join(", ").replace(/^./, (c) => c.toUpperCase()) + " start hidden to keep the map readable: tick them under Show, or open a node's neighbours."));
    body.replaceChildren(out);
  }

  // ---------------------------------------------------------------- exports
  function inView() {
    // The papers the current filters or focus show (all of them, not only the ones on screen).
    const out = [];
    for (let id = 0; id < N; id++) if (PAPERS.has(group[id]) && visible(id)) out.push(id);
    return out;
  }
  function bibEscape(text) {
    // Braces and backslashes would end or break a BibTeX field.
    return String(text).replace(/[\\{}]/g, (c) => (c === "\\" ? "\\textbackslash{}" : "\\" + c));
  }
  function yearOf(id) {
    const d = details()[id];
    if (d.ax && /^\d{4}\./.test(d.ax)) return "20" + d.ax.slice(0, 2);
    const noted = group[id] === "item" ? itemDates(id)[0] : "";
    return noted ? noted.slice(0, 4) : "";
  }
  function bibKey(id, used) {
    const d = details()[id];
    let key = d.ax ? "arXiv" + d.ax : "pg" + keyOf(id).replace(/^[a-z]+:/, "");
    key = key.replace(/[^A-Za-z0-9_.:-]/g, "_");
    let unique = key;
    for (let n = 2; used.has(unique); n++) unique = key + "_" + n;
    used.add(unique);
    return unique;
  }
  function bibtex(ids) {
    const used = new Set();
    const entries = [];
    for (const id of ids) {
      const d = details()[id];
      const fields = [["title", d.t || label[id]]];
      const who = (d.a || []).map((a) => a[0]);
      if (who.length) fields.push(["author", who.join(" and ")]);
      const year = yearOf(id);
      if (year) fields.push(["year", year]);
      if (d.ax) {
        fields.push(["eprint", d.ax], ["archivePrefix", "arXiv"], ["url", "https://arxiv.org/abs/" + d.ax]);
      } else if (d.u && d.u[0]) {
        fields.push(["url", d.u[0]]);
      }
      const body_ = fields.map(([k, v]) => "  " + k + " = {" + bibEscape(v) + "}").join(",\n");
      entries.push("@misc{" + bibKey(id, used) + ",\n" + body_ + "\n}\n");
    }
    return entries.join("\n");
  }
  function csvCell(value) {
    // A cell a spreadsheet would run as a formula starts with ' instead.
    let text = String(value === undefined || value === null ? "" : value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return '"' + text.replace(/"/g, '""') + '"';
  }
  function csv(ids) {
    const rows = [["id", "kind", "title", "authors", "year", "arxiv", "url", "tags", "topic", "dates"]];
    for (const id of ids) {
      const d = details()[id];
      const c = commById.get(comm[id]);
      rows.push([keyOf(id), group[id], d.t || label[id], (d.a || []).map((a) => a[0]).join("; "),
        yearOf(id), d.ax || "", d.ax ? "https://arxiv.org/abs/" + d.ax : (d.u || [])[0] || "",
        group[id] === "item" ? itemTags(id).map((t) => label[t]).join(" ") : "", c ? c.label : "",
        group[id] === "item" ? itemDates(id).join(" ") : ""]);
    }
    return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }
  function download(content, name, type) {
    const blob = content instanceof Blob ? content : new Blob([content], {type: type + ";charset=utf-8"});
    const a = h("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    setStatus("Saved " + name);
  }
  byId("export-bib").addEventListener("click", () => download(bibtex(inView()), "papers.bib", "application/x-bibtex"));
  byId("export-csv").addEventListener("click", () => download(csv(inView()), "papers.csv", "text/csv"));
  byId("export-png").addEventListener("click", () => {
    const source = network.canvas.frame.canvas;
    const out = document.createElement("canvas");
    out.width = source.width;
    out.height = source.height;
    const ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(source, 0, 0);
    out.toBlob((blob) => download(blob, "graph.png", "image/png"), "image/png");
  });

  // ---------------------------------------------------------------- URL state: #node=, #q=, #tag=
  let ownHash = null;
  function setHash(changes, push) {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const [k, v] of Object.entries(changes)) { if (v) params.set(k, v); else params.delete(k); }
    const next = params.toString();
    if (next === location.hash.slice(1)) return;
    ownHash = next;
    if (push) history.pushState(null, "", "#" + next);
    else history.replaceState(null, "", "#" + next);
  }
  function applyHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const tags = (params.get("tag") || "").split(",").filter(Boolean);
    const wantTags = new Set(tagIds.filter((t) => tags.includes(label[t].replace(/^#/, ""))));
    if (wantTags.size !== selectedTags.size || [...wantTags].some((t) => !selectedTags.has(t))) {
      selectedTags.clear();
      for (const t of wantTags) selectedTags.add(t);
      byId("tag-selection").textContent = selectedTags.size ? selectedTags.size + " selected" : "";
      renderTags();
      applyFilters();
    }
    const q = params.get("q") || "";
    if (q !== searchEl.value.trim()) {
      searchEl.value = q;
      runSearch(true);
    }
    const key = params.get("node");
    const id = key ? keyIndex().get(key) : undefined;
    if (id !== undefined && id !== current) pick(id, {fromHash: true});
    else if (id === undefined && current !== null && !key) { network.unselectAll(); showOverview(); }
  }
  window.addEventListener("popstate", applyHash);
  window.addEventListener("hashchange", () => { if (location.hash.slice(1) !== ownHash) applyHash(); });

  // ---------------------------------------------------------------- keyboard
  const graphEl = byId("graph");
  const PAN = 80;
  graphEl.addEventListener("keydown", (ev) => {
    const scale = network.getScale();
    const at = network.getViewPosition();
    const moves = {ArrowLeft: [-PAN, 0], ArrowRight: [PAN, 0], ArrowUp: [0, -PAN], ArrowDown: [0, PAN]};
    if (moves[ev.key]) {
      network.moveTo({position: {x: at.x + moves[ev.key][0] / scale, y: at.y + moves[ev.key][1] / scale}});
    } else if (ev.key === "+" || ev.key === "=") network.moveTo({scale: scale * 1.25});
    else if (ev.key === "-" || ev.key === "_") network.moveTo({scale: scale / 1.25});
    else if (ev.key === "0") fitAll(false);
    else if (ev.key === "Enter" && network.getSelectedNodes().length) showDetail(Number(network.getSelectedNodes()[0]));
    else return;
    ev.preventDefault();
  });
  document.addEventListener("keydown", (ev) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName);
    if (ev.key === "/" && !typing) {
      ev.preventDefault();
      openDrawer("sidebar");
      searchEl.focus();
      searchEl.select();
    } else if (ev.key === "Escape") {
      if (document.body.dataset.drawer) closeDrawers();
      else if (focus) showEverything();
      else if (current !== null) {
        network.unselectAll();
        showOverview();
        setHash({node: null}, true);
      }
    }
  });

  // ---------------------------------------------------------------- narrow screens: drawers
  function openDrawer(which) {
    if (!matchMedia("(max-width: 900px)").matches) return;
    document.body.dataset.drawer = which;
    byId("open-sidebar").setAttribute("aria-expanded", which === "sidebar" ? "true" : "false");
    byId("open-detail").setAttribute("aria-expanded", which === "detail" ? "true" : "false");
  }
  function closeDrawers() {
    delete document.body.dataset.drawer;
    byId("open-sidebar").setAttribute("aria-expanded", "false");
    byId("open-detail").setAttribute("aria-expanded", "false");
  }
  byId("open-sidebar").addEventListener("click", () => (document.body.dataset.drawer === "sidebar" ? closeDrawers() : openDrawer("sidebar")));
  byId("open-detail").addEventListener("click", () => (document.body.dataset.drawer === "detail" ? closeDrawers() : openDrawer("detail")));
  byId("close-detail").addEventListener("click", closeDrawers);

  // ---------------------------------------------------------------- clicks
  network.on("click", (params) => {
    if (params.nodes.length) pick(Number(params.nodes[0]));
  });
  network.on("doubleClick", (params) => {
    if (params.nodes.length) focusOn(Number(params.nodes[0]), 1);
  });

  // ---------------------------------------------------------------- start
  // Marks for benchmarks/bench_html_actions.py: first picture, map complete, everything ready.
  network.once("afterDrawing", () => performance.mark("pg-first-draw"));
  // The first nodes are created in a task of their own, after this script.
  setTimeout(() => refresh(() => {
    performance.mark("pg-map-complete");
    // After the map is complete: parse the details, fill the panels, index the search in slices.
    setTimeout(() => {
      details();
      showOverview();
      renderTopics();
      renderTags();
      showDates();
      if (location.hash.length > 1) applyHash();
      const slice = () => {
        if (!buildIndex(40)) setTimeout(slice, 0);
        else { papergraph.ready = true; performance.mark("pg-ready"); }
      };
      setTimeout(slice, 0);
    }, 0);
  }), 0);
  for (let id = 0; id < N; id++) if (visible(id)) wanted.push(id);
  fitAll(false);

  papergraph = {nodeView, edgeView, search, pick, focusOn, showEverything, details, visible, toggleTopic, nameOf,
    bibtex, csv, inView, keyOf, hover: () => hovered, ready: false,
    idle: () => pending === 0 && !dateFrame && !timer};
})();
