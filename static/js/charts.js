// Charts from data: every <canvas data-chart='{...}'> on the page becomes a Chart.js chart
// (no inline script: the CSP forbids it). The same figures are always in a table beside
// the chart. Spec: {type: "bar"|"line", labels: [...], datasets: [{label, data, color}],
// horizontal: bool, max: number, axis: "title of the value axis", extra: {label, values}}.
(function () {
  if (typeof Chart === "undefined") { return; }
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec;
    try { spec = JSON.parse(canvas.getAttribute("data-chart") || "{}"); } catch (e) { return; }
    var labels = spec.labels || [];
    var horizontal = !!spec.horizontal;
    var box = canvas.parentElement;
    if (box && horizontal) { box.style.height = Math.max(240, labels.length * 22 + 80) + "px"; }
    var valueAxis = { min: 0, title: { display: !!spec.axis, text: spec.axis || "" } };
    if (spec.max !== undefined) { valueAxis.max = spec.max; }
    var scales = horizontal ? { x: valueAxis } : { y: valueAxis };
    var extra = spec.extra;
    new Chart(canvas, {
      type: spec.type || "bar",
      data: {
        labels: labels,
        datasets: (spec.datasets || []).map(function (d, i) {
          var colour = d.color || palette[i % palette.length];
          return { label: d.label, data: d.data, backgroundColor: colour, borderColor: colour };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: (spec.datasets || []).length > 1 },
          tooltip: extra ? { callbacks: { afterLabel: function (ctx) {
            return (extra.values || [])[ctx.dataIndex] + " " + extra.label;
          } } } : {}
        }
      }
    });
  });
})();
