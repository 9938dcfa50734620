// kg graph page: filters, legend, search. Every input text is written with textContent/value, or
// given to vis-network as a string tooltip (which it shows with innerText): never parsed as HTML.
(function () {
  "use strict";
  var data = window.kgData;
  var options = data.options;
  var kgConf = options.kg;
  delete options.kg;
  var GLYPH = { dot: "●", diamond: "◆", triangle: "▲", star: "★", triangleDown: "▼", hexagon: "⬢",
                ellipse: "⬬", square: "■", box: "▬" };

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var state = { hiddenTypes: new Set(), hiddenRels: new Set(), papers: true };
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

  function legendItem(list, id, text, swatch, count, onChange) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
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
    typeCounts.Paper, function (on) { state.papers = on; refresh(); });

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
    // A hidden node cannot be focused: show its kind again (and tick the box).
    if (n.kind === "paper" && !state.papers) {
      state.papers = true;
      document.getElementById("kg-papers").checked = true;
    } else if (n.kind !== "paper" && state.hiddenTypes.has(n.etype)) {
      state.hiddenTypes.delete(n.etype);
      document.getElementById("kg-type-" + n.etype).checked = true;
    }
    refresh();
    network.selectNodes([n.id]);
    network.focus(n.id, { scale: 1.3, animation: { duration: 400, easingFunction: "easeInOutQuad" } });
    return n.id;
  }
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
    focus: focusNode, counts: kgConf.counts,
    visible: function () { return { nodes: nodeView.length, edges: edgeView.length }; }
  };
  network.once("afterDrawing", function () {
    window.kgReady = true;
    document.body.setAttribute("data-kg-ready", "1");
  });
})();
