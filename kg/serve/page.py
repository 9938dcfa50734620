# ruff: noqa: E501  (tables, HTML/JS and fixture sentences read better unwrapped)
"""The query page at ``/``: one HTML file, one script, one stylesheet, all served by ``kg serve``.

Nothing is fetched from elsewhere (the Content-Security-Policy forbids it), so the page works with
no internet. The examples menu is the cookbook (``/cookbook.json``). Results are put into the page
with ``textContent`` only: a paper title holding ``<script>`` shows as text.

Examples
--------
>>> "http" in INDEX_HTML.replace("http-equiv", "")
False
>>> ASSETS["/assets/app.js"][0]
'text/javascript; charset=utf-8'
"""

from __future__ import annotations

__all__ = ["INDEX_HTML", "APP_JS", "APP_CSS", "ASSETS", "CSP"]

#: Only same-origin scripts, styles and fetches; no frames, no forms posting elsewhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

INDEX_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kg SPARQL endpoint</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header>
  <h1>kg SPARQL endpoint</h1>
  <nav><a href="/void">VoID description</a> · <a href="/sparql">service description</a></nav>
</header>
<main>
  <label for="examples">Example questions</label>
  <select id="examples"><option value="">Choose a cookbook question…</option></select>
  <textarea id="query" spellcheck="false" rows="16" aria-label="SPARQL query">SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 20</textarea>
  <div class="controls">
    <button id="run" type="button">Run (Ctrl+Enter)</button>
    <label for="format">Result format</label>
    <select id="format">
      <option value="application/sparql-results+json">table (SPARQL JSON)</option>
      <option value="text/csv">CSV</option>
      <option value="text/tab-separated-values">TSV</option>
      <option value="application/sparql-results+xml">SPARQL XML</option>
      <option value="text/turtle">Turtle (CONSTRUCT / DESCRIBE)</option>
      <option value="application/n-triples">N-Triples (CONSTRUCT / DESCRIBE)</option>
      <option value="application/ld+json">JSON-LD (CONSTRUCT / DESCRIBE)</option>
    </select>
    <span id="status" role="status"></span>
  </div>
  <div id="results"></div>
</main>
</body>
</html>
"""

APP_JS = r"""'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const query = $('query'), examples = $('examples'), format = $('format');
  const status = $('status'), results = $('results'), run = $('run');
  let recipes = [];

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function termText(term) {
    if (!term) return '';
    if (term.type === 'uri') return term.value;
    if (term.type === 'bnode') return '_:' + term.value;
    if (term.type === 'triple') return '<< ' + ['subject', 'predicate', 'object'].map((k) => termText(term.value[k])).join(' ') + ' >>';
    return term.value;
  }

  function showTable(doc) {
    results.replaceChildren();
    if (typeof doc.boolean === 'boolean') {
      results.appendChild(el('p', 'ASK: ' + doc.boolean, 'boolean'));
      return 1;
    }
    const vars = doc.head.vars || [];
    const table = el('table');
    const head = el('tr');
    vars.forEach((v) => head.appendChild(el('th', '?' + v)));
    table.appendChild(el('thead')).appendChild(head);
    const body = el('tbody');
    doc.results.bindings.forEach((row) => {
      const tr = el('tr');
      vars.forEach((v) => {
        const td = el('td', termText(row[v]), row[v] ? row[v].type : 'unbound');
        if (row[v] && row[v].datatype) td.title = row[v].datatype;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    results.appendChild(table);
    return doc.results.bindings.length;
  }

  async function execute() {
    const started = performance.now();
    status.textContent = 'running…';
    results.replaceChildren();
    let response;
    try {
      response = await fetch('/sparql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': format.value },
        body: new URLSearchParams({ query: query.value }),
      });
    } catch (err) {
      status.textContent = 'request failed: ' + err;
      return;
    }
    const text = await response.text();
    const ms = Math.round(performance.now() - started);
    if (!response.ok) {
      status.textContent = 'HTTP ' + response.status + ' (' + ms + ' ms)';
      results.appendChild(el('pre', text, 'error'));
      return;
    }
    let rows = response.headers.get('X-KG-Rows');
    if (format.value === 'application/sparql-results+json' && (response.headers.get('Content-Type') || '').includes('sparql-results+json')) {
      rows = showTable(JSON.parse(text));
    } else {
      results.appendChild(el('pre', text));
    }
    const cut = response.headers.get('X-KG-Truncated') === 'true' ? ' — cut at the row limit' : '';
    status.textContent = (rows === null ? '' : rows + ' results, ') + ms + ' ms' + cut;
  }

  run.addEventListener('click', execute);
  query.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); execute(); }
    if (ev.key === 'Tab') {
      ev.preventDefault();
      const s = query.selectionStart;
      query.setRangeText('  ', s, query.selectionEnd, 'end');
    }
  });
  examples.addEventListener('change', () => {
    const r = recipes.find((x) => x.slug === examples.value);
    if (r) { query.value = r.query; format.value = 'application/sparql-results+json'; }
  });
  fetch('/cookbook.json').then((r) => r.json()).then((list) => {
    recipes = list;
    list.forEach((r) => {
      const opt = el('option', r.question);
      opt.value = r.slug;
      examples.appendChild(opt);
    });
  }).catch(() => { status.textContent = 'could not load the cookbook examples'; });
})();
"""

APP_CSS = """body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
header { background: #24292f; color: #fff; padding: .6rem 1rem; display: flex; align-items: baseline; gap: 2rem; }
header h1 { font-size: 1.2rem; margin: 0; }
header a { color: #9cd; }
main { padding: 1rem; display: flex; flex-direction: column; gap: .5rem; }
textarea { font-family: ui-monospace, monospace; font-size: .9rem; width: 100%; box-sizing: border-box; }
select#examples { max-width: 60rem; }
.controls { display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; }
button { padding: .3rem 1rem; }
#status { color: #555; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.uri { color: #0550ae; }
td.unbound { background: #fafafa; }
pre { background: #f6f8fa; padding: .6rem; overflow: auto; white-space: pre-wrap; }
pre.error { background: #fff0f0; color: #900; }
"""

#: path -> (content type, body)
ASSETS: dict[str, tuple[str, str]] = {
    "/": ("text/html; charset=utf-8", INDEX_HTML),
    "/assets/app.js": ("text/javascript; charset=utf-8", APP_JS),
    "/assets/app.css": ("text/css; charset=utf-8", APP_CSS),
}
