// Coverage chart: figures come from the canvas's data-chart attribute (no inline script).
(function () {
  var canvas = document.getElementById("coverage-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data;
  try { data = JSON.parse(canvas.getAttribute("data-chart") || "{}"); } catch (e) { return; }
  var labels = data.labels || [];
  // Many agencies: a horizontal bar chart that grows with the list.
  var box = canvas.parentElement;
  if (box) { box.style.height = Math.max(240, labels.length * 22 + 80) + "px"; }
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: labels,
      datasets: [{ label: "Coverage %", data: data.coverage || [], backgroundColor: "#198754" }]
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { min: 0, max: 100, title: { display: true, text: "% of active officers current" } } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { afterLabel: function (ctx) { return (data.active || [])[ctx.dataIndex] + " active officers"; } } }
      }
    }
  });
})();
