"""The page's own style and script (plain CSS and JavaScript, nothing fetched).

`SCRIPT` draws each figure with the embedded plotly.js and runs the per-sample view: it parses
the samples once, filters them by outcome, model, dataset and text, and builds only the rows
of the current page (`PAGE_SIZE`), so 15,000 samples cost one filter pass per change, never
15,000 table rows. Every text goes into the page through ``textContent``, never as HTML.
"""

from __future__ import annotations

PAGE_SIZE = 50

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1400px;
  padding: 0 16px 40px; color: #222; }
h1 { font-size: 22px; } h2 { border-bottom: 1px solid #ccc; margin-top: 32px; }
nav a { margin-right: 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tbody tr:nth-child(even) { background: #fafafa; }
.verdict { font-weight: 600; } .verdict.pass { color: #18794e; } .verdict.fail { color: #c62828; }
.warn { color: #b45309; font-weight: 600; }
.note { color: #666; font-style: italic; }
.plot { border: 1px solid #eee; margin: 8px 0 20px; }
pre { background: #f6f6f6; padding: 8px; overflow: auto; white-space: pre-wrap;
  word-break: break-word; margin: 4px 0; max-height: 420px; }
pre.ids { max-height: 200px; }
#sample-filters { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; }
#sample-table tbody tr { cursor: pointer; } #sample-table tbody tr:hover { background: #eef4ff; }
#sample-table td { max-width: 340px; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
#sample-detail { border: 1px solid #ccd; padding: 8px 12px; background: #fcfcff; }
#sample-detail h3 { margin: 4px 0; } #sample-detail dt { font-weight: 600; margin-top: 6px; }
.o-correct { color: #18794e; } .o-incorrect, .o-error { color: #c62828; }
.o-truncated, .o-no_answer { color: #b45309; }
"""

SCRIPT = """
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var figures = data("aisbench-figures") || [];
  figures.forEach(function (figure) {
    var node = document.getElementById(figure.id);
    Plotly.newPlot(node, figure.data, figure.layout,
      {responsive: true, displaylogo: false}).then(function () {
        node.setAttribute("data-rendered", "1");
      });
  });

  var samples = data("aisbench-samples");
  if (!samples) { return; }
  var PAGE = __PAGE_SIZE__;
  var C = {};
  samples.columns.forEach(function (name, i) { C[name] = i; });
  var rows = samples.rows, strings = samples.strings;
  var $ = function (id) { return document.getElementById(id); };
  var shown = [], page = 0, haystacks = null;

  function show(value) {
    if (value === null || value === undefined) { return ""; }
    return typeof value === "string" ? value : JSON.stringify(value);
  }
  function options(select, values) {
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value; option.textContent = value;
      select.appendChild(option);
    });
  }
  options($("f-outcome"), samples.outcomes);
  options($("f-model"), samples.models);
  options($("f-dataset"), samples.datasets);

  function haystack(i) {
    if (!haystacks) { haystacks = new Array(rows.length); }
    if (haystacks[i] === undefined) {
      var r = rows[i];
      haystacks[i] = [r[C.test_id], r[C.prediction], r[C.reasoning], r[C.extracted],
        show(r[C.reference]), r[C.error], question(r[C.prompt])
      ].map(show).join("\\n").toLowerCase();
    }
    return haystacks[i];
  }
  function question(prompt) {
    // the prompt's last turn (the sample's own question), not the examples every sample shares
    if (prompt === null || prompt === undefined) { return ""; }
    if (typeof prompt === "number") { return strings[prompt].slice(-2000); }
    return prompt.length ? strings[prompt[prompt.length - 1][1]] : "";
  }
  function apply() {
    var outcome = $("f-outcome").value, model = $("f-model").value;
    var dataset = $("f-dataset").value, query = $("f-text").value.toLowerCase();
    shown = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (outcome && r[C.outcome] !== outcome) { continue; }
      if (model && r[C.model] !== model) { continue; }
      if (dataset && r[C.dataset] !== dataset) { continue; }
      if (query && haystack(i).indexOf(query) < 0) { continue; }
      shown.push(i);
    }
    page = 0;
    draw();
  }
  function td(tr, value, klass) {
    var cell = document.createElement("td");
    cell.textContent = show(value);
    cell.title = show(value).slice(0, 500);
    if (klass) { cell.className = klass; }
    tr.appendChild(cell);
  }
  function draw() {
    var body = $("sample-rows");
    body.replaceChildren();
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(page, pages - 1);
    shown.slice(page * PAGE, (page + 1) * PAGE).forEach(function (i) {
      var r = rows[i], tr = document.createElement("tr");
      tr.setAttribute("data-row", i);
      td(tr, r[C.outcome], "o-" + r[C.outcome]);
      td(tr, r[C.model]); td(tr, r[C.dataset]); td(tr, r[C.index]);
      td(tr, r[C.extracted]); td(tr, r[C.reference]); td(tr, r[C.prediction]);
      tr.addEventListener("click", function () { detail(i); });
      body.appendChild(tr);
    });
    $("sample-count").textContent = shown.length + " of " + rows.length + " samples";
    $("sample-page").textContent = "page " + (page + 1) + " of " + pages;
    $("p-prev").disabled = page === 0;
    $("p-next").disabled = page >= pages - 1;
  }
  function promptText(prompt) {
    if (prompt === null || prompt === undefined) { return "(not in this report)"; }
    if (typeof prompt === "number") { return strings[prompt]; }
    return prompt.map(function (turn) {
      return "[" + (turn[0] || "?") + "]\\n" + strings[turn[1]];
    }).join("\\n\\n");
  }
  function detail(i) {
    var r = rows[i], box = $("sample-detail");
    box.replaceChildren();
    var title = document.createElement("h3");
    title.textContent = r[C.test_id] || (r[C.model] + " / " + r[C.dataset] + " #" + r[C.index]);
    box.appendChild(title);
    var list = document.createElement("dl");
    [["outcome", r[C.outcome]], ["model", r[C.model]], ["dataset", r[C.dataset]],
     ["index", r[C.index]], ["test id", r[C.test_id]], ["prompt", promptText(r[C.prompt])],
     ["response", r[C.prediction]], ["reasoning", r[C.reasoning]],
     ["extracted answer", r[C.extracted]], ["reference", r[C.reference]],
     ["error", r[C.error]], ["finish reason", r[C.finish_reason]],
     ["tokens in / out", show(r[C.input_tokens]) + " / " + show(r[C.output_tokens])],
     ["attempts", r[C.attempts]], ["TTFT / E2EL (s)", show(r[C.ttft_s]) + " / " +
      show(r[C.e2el_s])], ["notes", r[C.notes]]].forEach(function (pair) {
      var value = show(pair[1]);
      if (!value) { return; }
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      var pre = document.createElement("pre");
      dt.textContent = pair[0]; pre.textContent = value;
      dd.appendChild(pre); list.appendChild(dt); list.appendChild(dd);
    });
    box.appendChild(list);
    box.hidden = false;
  }
  ["f-outcome", "f-model", "f-dataset"].forEach(function (id) {
    $(id).addEventListener("change", apply);
  });
  var timer = null;
  $("f-text").addEventListener("input", function () {
    clearTimeout(timer); timer = setTimeout(apply, 200);
  });
  $("p-prev").addEventListener("click", function () { page -= 1; draw(); });
  $("p-next").addEventListener("click", function () { page += 1; draw(); });
  apply();
})();
""".replace("__PAGE_SIZE__", str(PAGE_SIZE))
