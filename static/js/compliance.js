// The dashboard's 三会一课 plan compliance table: filled from /dashboard/data/plan-compliance.json, so the
// page itself never waits for it. Every text goes in with textContent.
(function () {
  "use strict";
  var section = document.getElementById("plan-compliance");
  if (!section) {
    return;
  }
  var title = document.getElementById("compliance-title");
  var summary = document.getElementById("compliance-summary");
  var body = section.querySelector("#compliance-table tbody");

  function fill(template, values) {
    return template.replace(/\{(\w)\}/g, function (_m, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : "";
    });
  }

  function cell(tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  function render(data) {
    title.textContent = fill(section.dataset.heading, { y: data.year, q: data.quarter });
    summary.textContent = fill(section.dataset.summary, {
      p: data.planned, h: data.held, c: data.counted, b: data.behind
    });
    body.textContent = "";
    if (!data.rows.length) {
      var empty = cell("td", section.dataset.empty);
      empty.colSpan = 6;
      empty.className = "empty";
      var tr = document.createElement("tr");
      tr.appendChild(empty);
      body.appendChild(tr);
    }
    data.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var th = cell("th", r.branch);
      th.scope = "row";
      if (r.behind) {
        tr.className = "behind";
        th.appendChild(document.createTextNode(" "));
        th.appendChild(cell("span", "⚑ " + section.dataset.behind)).className = "flag";
      }
      tr.appendChild(th);
      [r.region, r.planned, r.held, r.counted, r.shortfall].forEach(function (v) {
        tr.appendChild(cell("td", String(v)));
      });
      body.appendChild(tr);
    });
    section.dataset.loaded = "true";
  }

  function load() {
    fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (payload) { render(payload.data); })
      .catch(function () { summary.textContent = section.dataset.error; });
  }

  load();
})();
