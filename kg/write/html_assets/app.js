// kg graph page: filters, legend, search, labels, selection and the URL hash (panel.js: the panel). Every input text is written with textContent/value, or
// given to vis-network as a string tooltip (which it shows with innerText): never parsed as HTML.
(function () {
  "use strict";
  var data = window.kgData;
  var options = data.options;
  var kgConf = options.kg;
  delete options.kg;
  var GLYPH = { dot: "●", diamond: "◆", triangle: "▲", star: "★", triangleDown: "▼", hexagon: "⬢",
                ellipse: "⬬", square: "■", box: "▬" };

  var info = kgConf.info;
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  // A map of entities first: papers are listed in the panel and drawn on demand (legend, panel button).
  var state = { hiddenTypes: new Set(), hiddenRels: new Set(), papers: false };
  var visibleNodes = new Set();

  function nodeVisible(n) {
    return n.kind === "paper" ? state.papers : !state.hiddenTypes.has(n.etype);
  }
  function edgeVisible(e) {
    return !state.hiddenRels.has(e.rel) && visibleNodes.has(e.from) && visibleNodes.has(e.to);
  }
  var nodeView = new vis.DataView(nodes, { filter: nodeVisible });
  var edgeView = new vis.DataView(edges, { filter: edgeVisible });

  function recomputeVisible() {
    visibleNodes = new Set(nodes.getIds({ filter: nodeVisible }));
  }
  recomputeVisible();
  edgeView.refresh();

  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);

  // ----------------------------------------------------------------- legend and filters
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function countBy(ds, key) {
    var c = {};
    ds.forEach(function (x) { c[x[key]] = (c[x[key]] || 0) + 1; });
    return c;
  }
  var typeCounts = countBy(nodes, "etype");
  var relCounts = countBy(edges, "rel");

  function legendItem(list, id, text, swatch, count, onChange, unchecked) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = !unchecked;
    box.id = id;
    box.addEventListener("change", function () { onChange(box.checked); });
    label.appendChild(box);
    label.appendChild(swatch);
    label.appendChild(el("span", "kg-name", text));
    label.appendChild(el("span", "kg-count", String(count || 0)));
    li.appendChild(label);
    list.appendChild(li);
  }
  function glyph(shape, colour) {
    var s = el("span", "kg-glyph", GLYPH[shape] || "●");
    s.style.color = colour;
    return s;
  }
  function line(colour, dashed) {
    var s = el("span", "kg-line" + (dashed ? " kg-dashed" : ""));
    s.style.borderTopColor = colour;
    return s;
  }

  var typeList = document.getElementById("kg-entity-types");
  kgConf.legend.entityTypes.forEach(function (t) {
    legendItem(typeList, "kg-type-" + t.value, t.value, glyph(t.shape, t.colour), typeCounts[t.value],
      function (on) { setType(t.value, on); });
  });
  legendItem(typeList, "kg-papers", "Paper", glyph(kgConf.legend.paper.shape, kgConf.legend.paper.colour),
    typeCounts.Paper, function (on) { state.papers = on; refresh(); }, !state.papers);

  var relList = document.getElementById("kg-relation-types");
  kgConf.legend.relationTypes.forEach(function (t) {
    legendItem(relList, "kg-rel-" + t.value, t.value, line(t.colour, false), relCounts[t.value],
      function (on) { setRel(t.value, on); });
  });
  var m = kgConf.legend.mentions;
  legendItem(relList, "kg-rel-" + m.value, m.value + " (paper → entity)", line(m.colour, false),
    relCounts[m.value], function (on) { setRel(m.value, on); });
  var dashed = el("li", "kg-hint");
  dashed.appendChild(line("#777", true));
  dashed.appendChild(document.createTextNode(" dashed: paper → paper, derived"));
  relList.appendChild(dashed);

  function setType(value, on) {
    if (on) state.hiddenTypes.delete(value); else state.hiddenTypes.add(value);
    refresh();
  }
  function setRel(value, on) {
    if (on) state.hiddenRels.delete(value); else state.hiddenRels.add(value);
    refresh();
  }
  function refresh() {
    recomputeVisible();
    nodeView.refresh();
    edgeView.refresh();
    showCounts();
  }
  function showCounts() {
    var c = kgConf.counts;
    var text = c.nodes + " nodes · " + c.edges + " edges";
    if (nodeView.length !== c.nodes || edgeView.length !== c.edges) {
      text += " (showing " + nodeView.length + " · " + edgeView.length + ")";
    }
    document.getElementById("kg-counts").textContent = text;
  }
  showCounts();
  if (kgConf.note) {
    // A capped page says what it left out and how to draw the rest (text only).
    var note = document.getElementById("kg-note");
    note.textContent = kgConf.note;
    note.hidden = false;
  }

  // ----------------------------------------------------------------- search
  var datalist = document.getElementById("kg-names");
  var seen = new Set();
  nodes.forEach(function (n) {
    if (seen.has(n.label)) return;
    seen.add(n.label);
    var o = document.createElement("option");
    o.value = n.label;
    datalist.appendChild(o);
  });
  var status = document.getElementById("kg-status");
  function find(text) {
    var q = text.trim().toLowerCase();
    if (!q) return null;
    var exact = nodes.get({ filter: function (n) { return n.label.toLowerCase() === q; } });
    if (exact.length) return exact[0];
    var part = nodes.get({ filter: function (n) {
      return n.label.toLowerCase().indexOf(q) !== -1 || (n.title || "").toLowerCase().indexOf(q) !== -1;
    } });
    part.sort(function (a, b) { return a.label.length - b.label.length; });
    return part.length ? part[0] : null;
  }
  function focusNode(text) {
    var n = find(text);
    if (!n) {
      status.textContent = "Nothing matches “" + text + "”.";
      return null;
    }
    status.textContent = "";
    unhide(n);  // a search draws what it finds, a paper included
    select(n.id);
    return n.id;
  }
  // A hidden node cannot be selected: show its kind again (and tick the box).
  function unhide(n) {
    if (n.kind === "paper" && !state.papers) {
      showPapers(true);
    } else if (n.kind !== "paper" && state.hiddenTypes.has(n.etype)) {
      state.hiddenTypes.delete(n.etype);
      document.getElementById("kg-type-" + n.etype).checked = true;
      refresh();
    }
  }
  function showPapers(on) {
    state.papers = on;
    document.getElementById("kg-papers").checked = on;
    refresh();
  }

  // ----------------------------------------------------------------- selection, panel, URL hash
  var panel = window.kgMakePanel({
    info: info, nodes: nodes,
    relationTypes: kgConf.legend.relationTypes.map(function (t) { return t.value; }),
    select: function (id) { select(id); },
    deselect: function () { network.unselectAll(); deselect(); },
    showPapers: showPapers,
    papersShown: function () { return state.papers; }
  });
  var selected = null;
  // Select a node: highlight it, centre it (`move`), open its panel and put it in the URL hash.
  // A paper that is not drawn (papers off) still gets its panel.
  function select(id, move) {
    var n = nodes.get(id);
    if (n && n.kind !== "paper") unhide(n);
    if (n && visibleNodes.has(id)) {
      network.selectNodes([id]);
      if (move !== false) {
        network.focus(id, { scale: Math.max(network.getScale(), 1.0),
                            animation: { duration: 400, easingFunction: "easeInOutQuad" } });
      }
    } else {
      network.unselectAll();
    }
    if (!panel.show(id)) return false;
    selected = id;
    setHash(n && n.kind === "entity" ? n.label : id);
    return true;
  }
  function deselect() {
    selected = null;
    panel.hide();
    setHash(null);
  }
  var hashSet = null;
  function setHash(name) {
    var h = name === null ? "" : "#focus=" + encodeURIComponent(name);
    hashSet = h;
    try {
      history.replaceState(null, "", h || location.pathname + location.search);
    } catch (err) {
      location.hash = h;
    }
  }
  // Entity by id, name or alias (case-insensitive), else paper by id, else the search's best match.
  function lookup(text) {
    var q = text.trim().toLowerCase();
    if (!q) return null;
    var byName = nodes.get({ filter: function (n) {
      if (n.id.toLowerCase() === q || (n.kind === "entity" && n.label.toLowerCase() === q)) return true;
      var e = info.entities[n.id];
      return !!e && e.aliases.some(function (a) { return a.toLowerCase() === q; });
    } });
    if (byName.length) {
      byName.sort(function (a, b) { return (a.rank === undefined) - (b.rank === undefined) || a.rank - b.rank; });
      return byName[0].id;
    }
    if (Object.prototype.hasOwnProperty.call(info.papers, text.trim())) return text.trim();
    var n = find(text);
    return n ? n.id : null;
  }
  function fromHash() {
    if (location.hash === hashSet && selected !== null) return;
    var m = /^#(?:.*&)?focus=([^&]*)/.exec(location.hash);
    if (!m) return;
    var name;
    try { name = decodeURIComponent(m[1].replace(/\+/g, " ")); } catch (err) { name = m[1]; }
    var id = lookup(name);
    if (id === null) {
      status.textContent = "Nothing matches “" + name + "”.";
      return;
    }
    status.textContent = "";
    select(id);
  }
  window.addEventListener("hashchange", fromHash);
  network.on("click", function (ev) {
    if (ev.nodes.length) select(ev.nodes[0], false);
    else if (!ev.edges.length) deselect();
  });
  document.getElementById("kg-search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    focusNode(document.getElementById("kg-search").value);
  });

  // ----------------------------------------------------------------- misc controls
  // Fit the graph into the part of the window the panel leaves free.
  function fitBesidePanel() {
    network.fit({ animation: false });
    var panel = document.getElementById("kg-panel");
    var free = container.clientWidth;
    var w = Math.min(panel.getBoundingClientRect().width + 20, free / 2);
    network.moveTo({
      position: network.getViewPosition(), scale: network.getScale() * (1 - w / free),
      offset: { x: w / 2, y: 0 }, animation: false
    });
  }
  fitBesidePanel();
  // Labels: about the FIRST most important entities are readable at first view, in rank order.
  // A label that would overlap one already placed tries above its node, then a line further
  // down or up (font.vadjust), and else waits for the next tier. The next ones become readable
  // at 2.5x zoom, the rest (14-unit default) once closer. Zooming in, relabel() shrinks them back
  // (never over MAX_PX on screen, never under the 14-unit default) and shifted labels return.
  var LABEL_PX = 14, MAX_PX = 22, FIRST = 50, labelled = [], sized = [];
  var firstScale = network.getScale();
  (function sizeLabels() {
    var s = firstScale, H = LABEL_PX + 4;
    var ranked = nodes.get({ filter: function (n) { return n.kind === "entity" && n.rank < 8 * FIRST; } });
    ranked.sort(function (a, b) { return a.rank - b.rank; });
    var where = network.getPositions(ranked.map(function (n) { return n.id; }));
    var boxes = [], update = [];
    function free(box) {
      return !boxes.some(function (b) { return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]; });
    }
    ranked.forEach(function (n) {
      var p = network.canvasToDOM(where[n.id]);
      var w = n.label.length * LABEL_PX * 0.55 + 4, r = n.size * s;
      var placed = null;
      if (labelled.length < FIRST && visibleNodes.has(n.id)) {
        [0, -(2 * r + H), H, -(2 * r + 2 * H), 2 * H].some(function (dy) {
          var top = p.y + r + dy, box = [p.x - w / 2, top, p.x + w / 2, top + H];
          if (!free(box)) return false;
          boxes.push(box);
          placed = dy;
          return true;
        });
      }
      if (placed !== null) {
        labelled.push(n.id);
        update.push({ id: n.id, font: { size: Math.max(14, LABEL_PX / s), color: "#111111", vadjust: placed / s } });
        sized.push({ id: n.id, size: Math.max(14, LABEL_PX / s), vadjust: placed / s });
      } else if (n.rank < 4 * FIRST) {
        update.push({ id: n.id, font: { size: Math.max(14, LABEL_PX / 2.5 / s) } });
        sized.push({ id: n.id, size: Math.max(14, LABEL_PX / 2.5 / s), vadjust: 0 });
      }
    });
    nodes.update(update);
  })();
  var appliedScale = firstScale;
  function relabel() {
    var scale = network.getScale();
    if (Math.abs(scale - appliedScale) < appliedScale * 0.05) return;
    appliedScale = scale;
    var near = scale >= firstScale * 1.6, update = [];
    sized.forEach(function (x) {
      // Only labels whose size or offset changes: most zoom steps change none (no extra redraw).
      var size = Math.max(14, Math.min(x.size, MAX_PX / scale)), vadjust = near ? 0 : x.vadjust;
      if (Math.abs(size - (x.cur || x.size)) < 0.02 * size && vadjust === (x.curV === undefined ? x.vadjust : x.curV)) return;
      x.cur = size;
      x.curV = vadjust;
      update.push({ id: x.id, font: { size: size, vadjust: vadjust } });
    });
    if (update.length) nodes.update(update);
  }
  // Zooming by wheel fires "zoom"; an animated focus does not, so every frame checks the scale.
  network.on("afterDrawing", relabel);
  document.getElementById("kg-fit").addEventListener("click", fitBesidePanel);
  document.getElementById("kg-physics").addEventListener("change", function (ev) {
    network.setOptions({ physics: { enabled: ev.target.checked, stabilization: false } });
  });
  document.getElementById("kg-collapse").addEventListener("click", function (ev) {
    var body = document.getElementById("kg-body");
    body.classList.toggle("kg-hidden");
    ev.target.textContent = body.classList.contains("kg-hidden") ? "+" : "–";
  });

  // Tests and notebooks read these; kgReady turns true once the first frame is drawn.
  window.kg = {
    network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView,
    focus: focusNode, counts: kgConf.counts, info: info, select: select, deselect: deselect,
    lookup: lookup, showPapers: showPapers, selected: function () { return selected; }, labelled: labelled,
    visible: function () { return { nodes: nodeView.length, edges: edgeView.length }; }
  };
  fromHash();
  network.once("afterDrawing", function () {
    window.kgReady = true;
    document.body.setAttribute("data-kg-ready", "1");
  });
})();
