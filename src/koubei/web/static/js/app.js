/* koubei dashboard behaviour: draws the charts whose data the server put in data-chart attributes, copies text to
   the clipboard, and re-draws charts that htmx swaps in. No inline script anywhere (the CSP forbids it); every
   chart's data is JSON from the server, never built from user text into HTML (tooltips render as canvas text). */
(function () {
  "use strict";

  var FONT = "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif";
  var PALETTE = ["#2563a8", "#c8372d", "#1f8a4c", "#b7791f", "#7c3aed", "#0e7490"];

  function base(spec) {
    return {
      color: spec.colors || PALETTE,
      animation: false,
      textStyle: { fontFamily: FONT, fontSize: 12 },
      tooltip: { trigger: spec.kind === "trend" || spec.kind === "bars" ? "axis" : "item", renderMode: "richText", confine: true },
      grid: { left: 48, right: 48, top: 36, bottom: 36 },
      legend: { top: 0, type: "scroll", textStyle: { fontSize: 12 } }
    };
  }

  function trend(spec) {
    var option = base(spec);
    option.xAxis = { type: "category", data: spec.x, axisTick: { alignWithLabel: true } };
    var axes = {};
    spec.series.forEach(function (s) { axes[s.axis || 0] = true; });
    option.yAxis = Object.keys(axes).map(function (i) {
      return { type: "value", position: i === "0" ? "left" : "right", splitLine: { show: i === "0" }, scale: i !== "0" };
    });
    option.series = spec.series.map(function (s) {
      return {
        name: s.name, type: s.type, data: s.data, yAxisIndex: s.axis || 0, connectNulls: true, smooth: s.type === "line",
        showSymbol: spec.x.length < 40, areaStyle: s.area ? { opacity: 0.12 } : undefined, barMaxWidth: 28
      };
    });
    if (spec.x.length > 26) { option.dataZoom = [{ type: "inside", start: Math.max(0, 100 - 2600 / spec.x.length), end: 100 }]; }
    return option;
  }

  function bars(spec) {
    /* horizontal bars: spec.y categories, spec.series [{name, data}] (stacked when spec.stack) */
    var option = base(spec);
    option.grid = { left: 8, right: 24, top: 30, bottom: 8, containLabel: true };
    option.xAxis = { type: "value", max: spec.max };
    option.yAxis = { type: "category", data: spec.y, inverse: true };
    option.series = spec.series.map(function (s) {
      return { name: s.name, type: "bar", data: s.data, stack: spec.stack ? "all" : undefined, barMaxWidth: 22 };
    });
    return option;
  }

  function tree(spec) {
    /* spec.root: {name, children:[...]} a cascade drawn left to right */
    var option = base(spec);
    option.legend = undefined;
    option.tooltip = { trigger: "item", renderMode: "richText" };
    option.series = [{
      type: "tree", data: [spec.root], top: 16, left: 60, bottom: 16, right: 120, symbolSize: 9, initialTreeDepth: -1,
      expandAndCollapse: false, label: { position: "left", verticalAlign: "middle", align: "right", fontSize: 11 },
      leaves: { label: { position: "right", align: "left" } }, lineStyle: { color: "#9aa6b5" }
    }];
    return option;
  }

  var BUILDERS = { trend: trend, bars: bars, tree: tree };
  var charts = [];

  function draw(root) {
    if (!window.echarts) { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var build = BUILDERS[spec.kind];
      if (!build) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(spec));
      el.dataset.drawn = "1";
      charts.push(chart);
    });
  }

  function copyButtons(root) {
    (root || document).querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.dataset.bound) { return; }
      button.dataset.bound = "1";
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy-target"));
        if (!target) { return; }
        var text = target.textContent.trim();
        var done = function () {
          var label = button.textContent;
          button.textContent = button.getAttribute("data-copied") || "✓";
          setTimeout(function () { button.textContent = label; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
        } else { fallbackCopy(text); done(); }
      });
    });
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }

  function scrollChat(root) {
    (root || document).querySelectorAll("[data-autoscroll]").forEach(function (el) { el.scrollTop = el.scrollHeight; });
  }

  function init(root) { draw(root); copyButtons(root); scrollChat(root); }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
  /* a sent chat question clears its box (forms marked data-reset-after) */
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.hasAttribute && form.hasAttribute("data-reset-after") && event.detail.successful) { form.reset(); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
