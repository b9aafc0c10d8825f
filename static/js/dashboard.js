/* Dashboard charts: drawn from the JSON each fragment embeds with json_script, and drawn again
 * whenever htmx swaps a fragment in (filter change, live refresh after a warehouse load).
 * No inline scripts: the CSP allows scripts from 'self' only. */
(function () {
  "use strict";

  var COLOURS = { bar: "#3b5bdb", expected: "#f08c00", grid: "#e3e6eb" };

  // htmx drops every <script> from swapped-in content (allowScriptTags is off), JSON data blocks
  // included: keep the incoming blocks before the swap and put them back after it, so the page
  // (and htmx's history snapshot of it) always holds the data its charts are drawn from.
  var incomingData = {};

  function keepDataBlocks(html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    parsed.querySelectorAll('script[type="application/json"][id]').forEach(function (block) {
      incomingData[block.id] = block.textContent;
    });
  }

  function restoreDataBlocks() {
    Object.keys(incomingData).forEach(function (id) {
      var canvas = document.querySelector('canvas[data-source="' + id + '"]');
      if (canvas && !document.getElementById(id)) {
        var block = document.createElement("script");
        block.type = "application/json";
        block.id = id;
        block.textContent = incomingData[id];
        canvas.parentNode.insertAdjacentElement("afterend", block);
      }
    });
    incomingData = {};
  }

  function readData(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  }

  // A missing figure (null) stays a gap in the chart, never a drawn zero.
  function numbers(values) {
    return values.map(function (value) { return value === null ? null : Number(value); });
  }

  function money(value) {
    return Number(value).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function platformChart(canvas, data) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: "Revenue (USD)", data: numbers(data.revenue), backgroundColor: COLOURS.bar }]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (item) { return "USD " + money(item.raw); } } }
        }
      }
    });
  }

  function monthlyChart(canvas, data) {
    // A month that is not fully reported is drawn hollow (outline only), never as a full bar.
    var complete = data.status.map(function (status) { return status === "reported"; });
    return new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "bar",
            label: "Revenue (USD)",
            data: numbers(data.revenue),
            backgroundColor: complete.map(function (isComplete) { return isComplete ? COLOURS.bar : "transparent"; }),
            borderColor: COLOURS.bar,
            borderWidth: complete.map(function (isComplete) { return isComplete ? 0 : 2; })
          },
          {
            type: "line",
            label: "Expected (USD)",
            data: numbers(data.expected),
            borderColor: COLOURS.expected,
            backgroundColor: COLOURS.expected,
            borderDash: [6, 4],
            pointStyle: "rectRot",
            tension: 0
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + money(item.raw); },
              footer: function (items) { return items.length ? "Status: " + data.status[items[0].dataIndex] : ""; }
            }
          }
        }
      }
    });
  }

  // Series told apart by colour and by point style / dash pattern, never by colour alone.
  var PALETTE = ["#3b5bdb", "#f08c00", "#2b8a3e", "#c2255c", "#0c8599", "#7048e8", "#5c940d", "#868e96"];
  var POINT_STYLES = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "dash", "line"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

  function seriesSets(data, type) {
    return data.series.map(function (series, index) {
      var colour = PALETTE[index % PALETTE.length];
      return {
        type: series.type || type,
        label: series.label,
        data: numbers(series.data),
        backgroundColor: colour,
        borderColor: colour,
        borderDash: type === "line" ? DASHES[index % DASHES.length] : [],
        pointStyle: POINT_STYLES[index % POINT_STYLES.length],
        tension: 0,
        yAxisID: series.axis || "y"
      };
    });
  }

  function seriesChart(type, stacked) {
    return function (canvas, data) {
      var scales = {
        x: { stacked: stacked },
        y: { stacked: stacked, beginAtZero: true }
      };
      if (data.series.some(function (series) { return series.axis === "y2"; })) {
        scales.y2 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } };
      }
      // A fixed value range (a correlation runs from -1 to 1), so bars are not stretched to fit.
      if (data.y_range) {
        scales.y.min = data.y_range[0];
        scales.y.max = data.y_range[1];
      }
      // Context bars (Meta spend days on the lag view) get an axis of their own, not drawn:
      // their height only says "spend that day", the figure is in the tooltip and the table.
      if (data.series.some(function (series) { return series.axis === "spend"; })) {
        scales.spend = { display: false, beginAtZero: true, grid: { drawOnChartArea: false } };
      }
      return new Chart(canvas, {
        type: type,
        data: { labels: data.labels, datasets: seriesSets(data, type) },
        options: {
          indexAxis: data.horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          scales: scales,
          plugins: { legend: { display: data.series.length > 1, labels: { usePointStyle: true } } }
        }
      });
    };
  }

  var BUILDERS = {
    platforms: platformChart,
    monthly: monthlyChart,
    bars: seriesChart("bar", false),
    stacked: seriesChart("bar", true),
    lines: seriesChart("line", false)
  };

  function drawCharts(root) {
    if (typeof Chart === "undefined") { return; }
    // Figures appear at their value at once: a live refresh redraws often, and a growing bar
    // is a wrong number until the animation ends.
    Chart.defaults.animation = false;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var build = BUILDERS[canvas.dataset.chart];
      var data = readData(canvas);
      // A canvas that already has its chart was not swapped: leave it alone.
      if (!build || !data || Chart.getChart(canvas)) { return; }
      build(canvas, data);
    });
  }

  function destroyCharts(root) {
    if (typeof Chart === "undefined" || !root || !root.querySelectorAll) { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var existing = Chart.getChart(canvas);
      if (existing) { existing.destroy(); }
    });
  }

  function releaseDetachedCharts() {
    if (typeof Chart === "undefined") { return; }
    Object.keys(Chart.instances).forEach(function (key) {
      var chart = Chart.instances[key];
      if (chart && !chart.canvas.isConnected) { chart.destroy(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  // Swapped-out canvases release their charts; swapped-in ones get drawn.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.shouldSwap && event.detail.serverResponse) {
      keepDataBlocks(event.detail.serverResponse);
      destroyCharts(event.detail.target);
    }
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    restoreDataBlocks();
    drawCharts(document);
  });
  // Back/forward: htmx restores its snapshot (or, on a cache miss, the page fetched again),
  // dropping the data blocks once more and leaving the old charts on detached canvases.
  document.body.addEventListener("htmx:historyRestore", function (event) {
    var detail = event.detail || {};
    var html = detail.serverResponse || (detail.item && detail.item.content);
    if (html) {
      keepDataBlocks(html);
      restoreDataBlocks();
    }
    releaseDetachedCharts();
    drawCharts(document);
  });
})();
