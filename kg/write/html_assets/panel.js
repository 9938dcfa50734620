// kg graph page: the side panel of the selected node (kg/write/html_panel.py gives its data).
// Every text goes in with textContent; links get an href only when it is http(s).
window.kgMakePanel = function (ctx) {
  "use strict";
  var info = ctx.info;
  var root = document.getElementById("kg-details");
  var title = document.getElementById("kg-d-name");
  var body = document.getElementById("kg-d-body");
  var relOrder = {};
  ctx.relationTypes.forEach(function (t, i) { relOrder[t] = i; });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function nameOf(id) {
    var n = ctx.nodes.get(id);
    if (n && n.kind === "entity") return n.label;
    var p = info.papers[id];
    if (p) return p.title;
    return n ? n.label : id;
  }
  function isPaper(id) {
    return Object.prototype.hasOwnProperty.call(info.papers, id) && !info.entities[id];
  }
  // A name that selects its node when clicked (inline, keyboard-reachable, no href).
  function nodeButton(id) {
    var b = el("span", "kg-d-node", nameOf(id));
    b.setAttribute("role", "button");
    b.tabIndex = 0;
    b.setAttribute("data-id", id);
    b.addEventListener("click", function () { ctx.select(id); });
    b.addEventListener("keydown", function (ev) { if (ev.key === "Enter") ctx.select(id); });
    return b;
  }
  function paperLink(url, text) {
    if (!url || !/^https?:\/\//i.test(url)) return null;
    var a = el("a", "kg-d-ext", text);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }
  function section(id, heading) {
    var s = el("section", "kg-d-section");
    s.id = id;
    s.appendChild(el("h3", null, heading));
    body.appendChild(s);
    return s;
  }

  function papersSection(pids, total) {
    var s = section("kg-d-papers", "Papers (" + total + ")");
    var ul = el("ul", "kg-d-list");
    pids.forEach(function (pid) {
      var p = info.papers[pid];
      var li = el("li", "kg-d-paper");
      li.setAttribute("data-paper", pid);
      li.appendChild(nodeButton(pid));
      var meta = el("span", "kg-d-meta", p.date ? " " + p.date : "");
      li.appendChild(meta);
      var a = paperLink(p.url, /arxiv\.org/i.test(p.url || "") ? "arXiv" : "link");
      if (a) { li.appendChild(document.createTextNode(" ")); li.appendChild(a); }
      ul.appendChild(li);
    });
    if (total > pids.length) ul.appendChild(el("li", "kg-d-more", "… and " + (total - pids.length) + " more"));
    s.appendChild(ul);
    var toggle = el("button", "kg-d-toggle", ctx.papersShown() ? "Hide papers on the map" : "Draw papers on the map");
    toggle.type = "button";
    toggle.id = "kg-d-draw-papers";
    toggle.addEventListener("click", function () {
      ctx.showPapers(!ctx.papersShown());
      toggle.textContent = ctx.papersShown() ? "Hide papers on the map" : "Draw papers on the map";
    });
    s.appendChild(toggle);
  }

  // Relations of `id` grouped by (direction, type): "improves-on →" lists what it improves on.
  function relationsSection(id, rows, asPaper) {
    var groups = {};
    rows.forEach(function (r) {
      var out = asPaper || r[0] === id;
      var key = asPaper ? r[1] : (out ? r[1] + " →" : "← " + r[1]);
      (groups[key] = groups[key] || { type: r[1], out: out, rows: [] }).rows.push(r);
    });
    var keys = Object.keys(groups).sort(function (a, b) {
      var ga = groups[a], gb = groups[b];
      return (relOrder[ga.type] - relOrder[gb.type]) || (gb.out - ga.out);
    });
    var s = section("kg-d-relations", "Relations (" + rows.length + ")");
    if (!rows.length) s.appendChild(el("p", "kg-d-none", "None drawn on this page."));
    keys.forEach(function (k) {
      var g = groups[k];
      var box = el("div", "kg-d-group");
      box.setAttribute("data-group", k);
      box.appendChild(el("h4", null, k + " (" + g.rows.length + ")"));
      var ul = el("ul", "kg-d-list");
      g.rows.sort(function (a, b) { return b[5] - a[5]; });
      g.rows.forEach(function (r) {
        var li = el("li", "kg-d-rel");
        li.setAttribute("data-rel", [r[0], r[1], r[2], r[3]].join("|"));
        var head = el("div", "kg-d-ends");
        if (asPaper) {
          head.appendChild(nodeButton(r[0]));
          head.appendChild(document.createTextNode(" —" + r[1] + "→ "));
          head.appendChild(nodeButton(r[2]));
        } else {
          head.appendChild(document.createTextNode(g.out ? "→ " : "← "));
          head.appendChild(nodeButton(g.out ? r[2] : r[0]));
        }
        li.appendChild(head);
        li.appendChild(el("blockquote", "kg-d-evidence", "“" + r[4] + "”"));
        var src = el("div", "kg-d-src");
        if (!asPaper) {
          src.appendChild(document.createTextNode("— "));
          src.appendChild(nodeButton(r[3]));
          src.appendChild(document.createTextNode(" · "));
        }
        src.appendChild(el("span", "kg-d-conf", "confidence " + Number(r[5]).toFixed(2)));
        li.appendChild(src);
        ul.appendChild(li);
      });
      box.appendChild(ul);
      s.appendChild(box);
    });
  }

  function leaderboardSection(id) {
    var rows = info.leaderboards[id];
    if (!rows || !rows.length) return;  // shown only once the graph has results for this benchmark
    var s = section("kg-d-leaderboard", "Leaderboard (" + rows.length + ")");
    var table = el("table", "kg-d-table");
    var cols = Object.keys(rows[0]).filter(function (c) { return c !== "paper"; });
    var tr = el("tr");
    cols.concat(["paper"]).forEach(function (c) { tr.appendChild(el("th", null, c)); });
    table.appendChild(tr);
    rows.forEach(function (row) {
      var r = el("tr");
      cols.forEach(function (c) { r.appendChild(el("td", null, row[c] === null ? "" : String(row[c]))); });
      var td = el("td");
      if (row.paper) td.appendChild(nodeButton(row.paper));
      r.appendChild(td);
      table.appendChild(r);
    });
    s.appendChild(table);
  }

  function show(id) {
    body.textContent = "";
    var e = info.entities[id];
    var n = ctx.nodes.get(id);
    if (e) {
      title.textContent = nameOf(id);
      body.appendChild(el("p", "kg-d-kind", (n ? n.etype : "") + " · named by " + e.npapers +
        (e.npapers === 1 ? " paper" : " papers")));
      if (e.aliases.length) body.appendChild(el("p", "kg-d-aliases", "Also: " + e.aliases.join(", ")));
      papersSection(e.papers, e.npapers);
      relationsSection(id, info.relations.filter(function (r) { return r[0] === id || r[2] === id; }), false);
      leaderboardSection(id);
    } else if (isPaper(id)) {
      var p = info.papers[id];
      title.textContent = p.title;
      var kind = el("p", "kg-d-kind", "Paper" + (p.date ? " · " + p.date : "") + " · " + id + " ");
      var a = paperLink(p.url, /arxiv\.org/i.test(p.url || "") ? "arXiv" : "link");
      if (a) kind.appendChild(a);
      body.appendChild(kind);
      var named = info.names[id] || [];
      var s = section("kg-d-names", "Names (" + named.length + ")");
      var ul = el("ul", "kg-d-list kg-d-inline");
      named.forEach(function (eid) { var li = el("li"); li.appendChild(nodeButton(eid)); ul.appendChild(li); });
      s.appendChild(ul);
      relationsSection(id, info.relations.filter(function (r) { return r[3] === id; }), true);
      var links = info.links.filter(function (l) { return l[0] === id || l[2] === id; });
      if (links.length) {
        var ls = section("kg-d-links", "Paper links (" + links.length + ")");
        var lu = el("ul", "kg-d-list");
        links.forEach(function (l) {
          var li = el("li", "kg-d-rel");
          li.appendChild(document.createTextNode(l[0] === id ? l[1] + " → " : "← " + l[1] + " "));
          li.appendChild(nodeButton(l[0] === id ? l[2] : l[0]));
          li.appendChild(el("div", "kg-d-src", "via " + nameOf(l[3])));
          li.appendChild(el("blockquote", "kg-d-evidence", "“" + l[4] + "”"));
          lu.appendChild(li);
        });
        ls.appendChild(lu);
      }
    } else {
      return false;
    }
    root.hidden = false;
    root.scrollTop = 0;
    return true;
  }
  function hide() {
    root.hidden = true;
    body.textContent = "";
  }
  document.getElementById("kg-d-close").addEventListener("click", function () { ctx.deselect(); });
  return { show: show, hide: hide, root: root };
};
