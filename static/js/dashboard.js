// The district dashboard and its wall screen: each chart reads its JSON endpoint and is drawn with ECharts
// (served by the hub itself from var/vendor, no CDN); figures refresh on a timer, "Live now" over the socket.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.echarts || !window.HubLiveNow) return;

  var Live = window.HubLiveNow;
  var L = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var dark = root.dataset.theme === "dark";
  var query = root.dataset.query || "";
  var refreshSeconds = parseInt(root.dataset.refresh || "0", 10);
  var lang = document.documentElement.lang === "en" ? "en" : "zh-CN";
  var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
  var money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var one = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var number = new Intl.NumberFormat(lang);
  var muted = dark ? "#9fb0d9" : "#5f6368";
  var palette = ["#c8102e", "#f2c14e", "#3b82f6", "#10b981", "#8b5cf6", "#f97316", "#64748b", "#ec4899"];
  var charts = {};

  // ECharts puts what a tooltip formatter returns into the page as HTML, and the names in it (branches,
  // enterprises, platforms) are typed by people: every value goes through esc() there. Labels, axes and
  // legends are drawn on the canvas as text and need no escaping (escaping them would show "&lt;").
  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"'`=\/]/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }
  // ECharts' own tooltip markup styles itself with style="..." attributes, which the Content-Security-Policy
  // refuses (docs/security.md): axis tooltips are written here, with classes of dashboard.css, every value escaped.
  function axisTip(format) {
    return function (params) {
      var list = Array.isArray(params) ? params : [params];
      if (!list.length) return "";
      return '<div class="chart-tip-head">' + esc(list[0].axisValueLabel) + "</div>" + list.map(function (p) {
        var i = palette.indexOf(p.color);
        var value = p.value === null || p.value === undefined || p.value === "" ? "—" : format ? format(p.value) : number.format(p.value);
        return '<div class="chart-tip-row">' + (i < 0 ? "" : '<span class="chart-tip-dot chart-tip-c' + i + '"></span>') +
          '<span class="chart-tip-name">' + esc(p.seriesName) + '</span><b class="chart-tip-value">' + esc(value) + "</b></div>";
      }).join("");
    };
  }
  function fill(text, values) {
    return Object.keys(values).reduce(function (t, k) { return t.split("{" + k + "}").join(values[k]); }, text);
  }
  function url(slug) {
    return root.dataset.dataUrl.replace("CHART", slug) + (query ? "?" + query : "");
  }
  function getJSON(slug) {
    return fetch(url(slug), { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (r) { return r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)); }
    );
  }

  // --- ECharts options, one builder per kind of chart ------------------------------------------------
  function base(empty) {
    return {
      backgroundColor: "transparent",
      color: palette,
      textStyle: { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", confine: true, formatter: axisTip() },
      graphic: empty
        ? [{ type: "text", left: "center", top: "middle", style: { text: L.no_data, fill: muted, fontSize: 14 } }]
        : [],
    };
  }
  function names(rows, key) { return rows.map(function (r) { return r[key]; }); }
  function zoom(count, visible) {
    // Long category lists scroll instead of squeezing the bars.
    if (count <= visible) return [];
    return [
      { type: "slider", yAxisIndex: 0, right: 0, width: 12, startValue: 0, endValue: visible - 1, showDetail: false, brushSelect: false },
      { type: "inside", yAxisIndex: 0, startValue: 0, endValue: visible - 1, zoomOnMouseWheel: false, moveOnMouseWheel: true },
    ];
  }
  function categoryY(rows, key) {
    return { type: "category", inverse: true, data: names(rows, key), axisLabel: { width: 140, overflow: "truncate" } };
  }

  var builders = {
    "stacked-bar": function (d) {
      var o = base(d.rows.every(function (r) { return r.total === 0; }));
      o.legend = { top: 0, textStyle: { color: muted } };
      o.xAxis = { type: "category", data: names(d.rows, "month") };
      o.yAxis = { type: "value", minInterval: 1 };
      o.series = d.series.map(function (s) {
        return { name: s.label, type: "bar", stack: "sessions", barMaxWidth: 36, emphasis: { focus: "series" }, data: names(d.rows, s.key) };
      });
      return o;
    },
    "bar-line": function (d) {
      var o = base(d.rows.every(function (r) { return Number(r.gmv) === 0; }));
      o.legend = { top: 0, textStyle: { color: muted } };
      o.xAxis = { type: "category", data: names(d.rows, "month") };
      o.yAxis = [
        { type: "value", axisLabel: { formatter: function (v) { return compact.format(v); } } },
        { type: "value", axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
      ];
      o.series = [
        { name: L.gmv, type: "bar", barMaxWidth: 36, data: d.rows.map(function (r) { return Number(r.gmv); }) },
        { name: L.growth, type: "line", yAxisIndex: 1, smooth: true, data: names(d.rows, "growth") },
      ];
      return o;
    },
    hbar: function (d) {
      var o = base(d.rows.length === 0);
      o.grid.top = 8;
      o.grid.right = 56;
      o.tooltip = { trigger: "axis", confine: true, formatter: axisTip(function (v) { return v + "%"; }) };
      o.xAxis = { type: "value", max: 100, axisLabel: { formatter: "{value}%" } };
      o.yAxis = categoryY(d.rows, "branch");
      o.dataZoom = zoom(d.rows.length, 10);
      o.series = [{
        name: L.rate, type: "bar", barMaxWidth: 24, data: names(d.rows, "rate"),
        label: { show: true, position: "right", formatter: function (p) { return p.value === null ? "—" : p.value + "%"; } },
        itemStyle: { color: function (p) { return p.value !== null && p.value < 60 ? "#f97316" : palette[0]; } },
      }];
      return o;
    },
    "hbar-days": function (d) {
      var known = d.rows.map(function (r) { return r.days_since; }).filter(function (v) { return v !== null; });
      var never = Math.max(90, Math.max.apply(null, known.concat([0])) + 30);
      var o = base(false);
      o.grid.top = 8;
      o.grid.right = 56;
      if (d.rows.length === 0) {
        o.graphic = [{ type: "text", left: "center", top: "middle", style: { text: fill(L.all_held, { quarter: d.quarter }), fill: muted, fontSize: 15 } }];
      }
      o.tooltip = { trigger: "item", confine: true, formatter: function (p) {
        var r = d.rows[p.dataIndex];
        return esc(r.branch) + "<br>" + esc(r.days_since === null ? L.never : r.last_class + " · " + fill(L.days_unit, { n: r.days_since }));
      } };
      o.xAxis = { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return fill(L.days_unit, { n: v }); } } };
      o.yAxis = categoryY(d.rows, "branch");
      o.dataZoom = zoom(d.rows.length, 10);
      o.series = [{
        name: L.days, type: "bar", barMaxWidth: 24,
        data: d.rows.map(function (r) {
          return r.days_since === null
            ? { value: never, itemStyle: { color: "#7f1d1d" }, label: { position: "insideRight", color: "#fff" } }
            : { value: r.days_since };
        }),
        label: { show: true, position: "right", formatter: function (p) {
          var r = d.rows[p.dataIndex];
          return r.days_since === null ? L.never : fill(L.days_unit, { n: r.days_since });
        } },
      }];
      return o;
    },
    "stacked-hbar": function (d) {
      var o = base(d.rows.length === 0);
      o.legend = { top: 0, textStyle: { color: muted } };
      o.xAxis = { type: "value", minInterval: 1 };
      o.yAxis = categoryY(d.rows, "label");
      o.series = d.series.map(function (s) {
        return { name: s.label, type: "bar", stack: "tenants", barMaxWidth: 24, data: names(d.rows, s.key) };
      });
      return o;
    },
    ranking: function (d) {
      var o = base(d.rows.length === 0);
      o.grid.top = 8;
      o.grid.right = 56;
      o.tooltip = { trigger: "axis", confine: true, formatter: axisTip(function (v) { return "¥" + money.format(v); }) };
      o.xAxis = { type: "value", axisLabel: { formatter: function (v) { return compact.format(v); } } };
      o.yAxis = categoryY(d.rows, "enterprise");
      o.series = [{
        name: L.gmv, type: "bar", barMaxWidth: 24, data: d.rows.map(function (r) { return Number(r.gmv); }),
        label: { show: true, position: "right", formatter: function (p) { return compact.format(p.value); } },
      }];
      return o;
    },
    pie: function (d, width) {
      var narrow = width < 480;
      var o = base(d.rows.length === 0);
      o.tooltip = { trigger: "item", confine: true, formatter: function (p) {
        return esc(p.name) + "<br>" + esc("¥" + money.format(p.value) + " (" + p.percent + "%)");
      } };
      o.legend = { bottom: 0, type: "scroll", textStyle: { color: muted } };
      o.series = [{
        name: L.gmv, type: "pie", showEmptyCircle: false, radius: narrow ? ["30%", "55%"] : ["38%", "66%"], center: ["50%", "45%"],
        label: narrow
          ? { position: "inside", formatter: "{d}%", color: "#fff" }
          : { formatter: "{b}\n{d}%", color: dark ? "#e6ecff" : "#1f2328" },
        data: d.rows.map(function (r) { return { name: r.label, value: Number(r.gmv) }; }),
      }];
      return o;
    },
  };

  function notes(slug, d) {
    if (slug === "attendance-by-branch" && d.overall_rate !== null) return fill(L.overall, { rate: d.overall_rate });
    if (slug === "branches-without-class" && d.rows.length) {
      return fill(L.of_total, { n: d.branches_without, total: d.branches_total, quarter: d.quarter });
    }
    return "";
  }

  // --- The table under each chart (the same table as the .xlsx export) --------------------------------
  function cell(value) {
    if (value === null || value === undefined || value === "") return { text: "—", num: false };
    if (typeof value === "number") return { text: Live.formatCount(value), num: true };
    if (/^-?\d+\.\d{2}$/.test(value)) return { text: money.format(Number(value)), num: true };
    return { text: String(value), num: false };
  }
  function drawTable(holder, table) {
    if (!holder) return;
    var t = Live.el("table");
    var head = Live.el("tr");
    table.columns.forEach(function (c) { head.appendChild(Live.el("th", null, c)); });
    t.appendChild(Live.el("thead")).appendChild(head);
    var body = t.appendChild(Live.el("tbody"));
    table.rows.forEach(function (row) {
      var tr = Live.el("tr");
      row.forEach(function (v) { var c = cell(v); tr.appendChild(Live.el("td", c.num ? "num" : null, c.text)); });
      body.appendChild(tr);
    });
    holder.replaceChildren(t);
  }

  function load(card) {
    var slug = card.dataset.chart;
    var canvas = card.querySelector("[data-chart-canvas]");
    return getJSON(slug).then(function (payload) {
      var chart = charts[slug];
      if (!chart) {
        canvas.replaceChildren();
        chart = charts[slug] = echarts.init(canvas, dark ? "dark" : null, { renderer: "canvas" });
      }
      chart.setOption(builders[card.dataset.kind](payload.data, canvas.clientWidth), true);
      card.querySelector("[data-chart-note]").textContent = notes(slug, payload.data);
      drawTable(card.querySelector("[data-chart-table]"), payload.table);
      card.dataset.loaded = "true";
    }).catch(function () {
      card.querySelector("[data-chart-note]").textContent = L.load_failed;
    });
  }

  // --- KPI cards ----------------------------------------------------------------------------------------
  function kpiText(key, value, data) {
    if (key === "gmv_this_month") return "¥" + money.format(Number(value));
    if (key === "hours_broadcast") return one.format(value);
    if (key === "gmv_growth") {
      if (value === null) return L.prev_none;
      return (value >= 0 ? "▲ +" : "▼ ") + one.format(value) + "% " + L.over_prev;
    }
    return Live.formatCount(value);
  }
  function refreshKpis() {
    return getJSON("kpis").then(function (payload) {
      document.querySelectorAll("[data-kpi]").forEach(function (node) {
        var key = node.dataset.kpi;
        if (!(key in payload.data)) return;
        node.textContent = kpiText(key, payload.data[key], payload.data);
        if (key === "gmv_growth") {
          var v = payload.data[key];
          node.classList.remove("up", "down", "flat");
          node.classList.add(v === null ? "flat" : v >= 0 ? "up" : "down");
        }
      });
      var at = document.querySelector("[data-computed-at]");
      if (at) at.textContent = fill(L.as_of, { at: Live.when({ starts_at: payload.computed_at }) });
    }).catch(function () {});
  }

  var cards = Array.prototype.slice.call(root.querySelectorAll("[data-chart]"));
  cards.forEach(load);
  if (refreshSeconds > 0) {
    setInterval(function () { refreshKpis(); cards.forEach(load); }, refreshSeconds * 1000);
  }
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  // --- Live now -----------------------------------------------------------------------------------------
  var section = root.querySelector("[data-live-now]");
  if (section) {
    var LL = Live.labels();
    var list = new Live.LiveList({
      list: section.querySelector("[data-live-now-list]"),
      empty: section.querySelector("[data-live-now-empty]"),
      count: section.querySelector("[data-live-count]"),
      make: function (s) {
        var li = Live.el("li", "live-item");
        li.dataset.sessionId = s.id;
        var a = Live.el("a");
        a.href = s.url;
        a.appendChild(Live.el("strong", "title", s.title));
        li.appendChild(a);
        var kind = Live.el("span", "kind kind-" + s.kind, (s.class_kind && (LL.class_kinds || {})[s.class_kind]) || LL.kinds[s.kind] || s.kind);
        kind.setAttribute("data-kind", "");
        li.appendChild(kind);
        li.appendChild(Live.el("span", "host", s.host));
        return li;
      },
      setViewers: function (item, n) {
        var span = item.querySelector("[data-viewers]");
        if (!span) {
          span = Live.el("span", "viewers");
          span.setAttribute("data-viewers", "");
          item.appendChild(span);
        }
        span.dataset.count = n;
        span.textContent = Live.viewersText(n);
      },
    });
    Live.connect(section.dataset.wsPath, function (msg) { list.handle(msg); }, Live.stateNote(section));
  }

  // --- The wall screen: fit the 1920×1080 stage to the display, a clock, rolling lists -----------------
  var stage = document.querySelector("[data-screen-stage]");
  if (stage) {
    var fit = function () {
      var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
      stage.style.transform = "scale(" + s + ")";
      stage.style.left = Math.max(0, (window.innerWidth - 1920 * s) / 2) + "px";
      stage.style.top = Math.max(0, (window.innerHeight - 1080 * s) / 2) + "px";
    };
    fit();
    window.addEventListener("resize", fit);
    var clock = document.querySelector("[data-clock]");
    var clockFormat = new Intl.DateTimeFormat("sv-SE", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    var tick = function () { if (clock) clock.textContent = clockFormat.format(new Date()); };
    tick();
    setInterval(tick, 1000);
    document.querySelectorAll("[data-roll]").forEach(function (roll) {
      var ul = roll.querySelector("ul");
      setInterval(function () {
        var first = ul.firstElementChild;
        if (!first || ul.scrollHeight <= roll.clientHeight) return;
        first.style.marginTop = -first.offsetHeight + "px";
        setTimeout(function () {
          first.style.transition = "none";
          first.style.marginTop = "";
          ul.appendChild(first);
          void first.offsetHeight;
          first.style.transition = "";
        }, 700);
      }, 3500);
    });
  }
})();
