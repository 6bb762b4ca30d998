// The sales history's growth chart: GMV per month as bars, the change from the month before as a line.
// Colours follow the Chinese convention of the dashboards: red is a rise, green a fall.
(function () {
  "use strict";
  var node = document.getElementById("growth-chart");
  var data = document.getElementById("growth-data");
  if (!node || !data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  var RISE = "#c8102e"; // --red, as .kpi-growth.up on the dashboards
  var FALL = "#1a7f37"; // --ok, as .kpi-growth.down
  var FLAT = "#9aa0a6";
  var lang = document.documentElement.lang === "en" ? "en" : "zh-CN";
  var money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function esc(value) {
    return String(value).replace(/[&<>"'`=\/]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }
  function colour(g) { return g === null ? FLAT : g > 0 ? RISE : g < 0 ? FALL : FLAT; }
  var chart = window.echarts.init(node, null, { renderer: "canvas" });
  chart.setOption({
    backgroundColor: "transparent",
    textStyle: { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, data: [d.labels.gmv, d.labels.growth] },
    // Written here with classes of sales.css: ECharts' own markup has style="..." attributes, which the
    // Content-Security-Policy refuses (docs/security.md). The month and series names are the hub's own.
    tooltip: {
      trigger: "axis",
      confine: true,
      formatter: function (params) {
        var list = Array.isArray(params) ? params : [params];
        if (!list.length) return "";
        return '<div class="chart-tip-head">' + esc(list[0].axisValueLabel) + "</div>" + list.map(function (p) {
          var v = p.value === null || p.value === undefined ? "—" : String(p.value);
          return '<div class="chart-tip-row"><span class="chart-tip-name">' + esc(p.seriesName) +
            '</span><b class="chart-tip-value">' + esc(v) + "</b></div>";
        }).join("");
      },
    },
    xAxis: { type: "category", data: d.months },
    yAxis: [
      { type: "value", name: d.labels.gmv, axisLabel: { formatter: function (v) { return money.format(v); } } },
      { type: "value", name: "%", splitLine: { show: false } },
    ],
    series: [
      {
        name: d.labels.gmv,
        type: "bar",
        itemStyle: { color: RISE },
        data: d.gmv.map(function (v, i) { return { value: v, itemStyle: { color: colour(d.growth[i]) } }; }),
      },
      {
        name: d.labels.growth,
        type: "line",
        yAxisIndex: 1,
        connectNulls: false,
        lineStyle: { color: "#5f6368" },
        itemStyle: { color: "#5f6368" },
        data: d.growth.map(function (g) {
          return { value: g, itemStyle: { color: colour(g) }, symbolSize: 8 };
        }),
      },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
  node.dataset.ready = "1";
})();
