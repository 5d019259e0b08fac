// Behaviour without inline script (the CSP forbids it).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var submitter = event.submitter;
  var message = (submitter && submitter.getAttribute("data-confirm")) ||
    (form.getAttribute && form.getAttribute("data-confirm"));
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]")) { el.form.requestSubmit(); }
});
// Wide tables become stacked cards on a phone (static/css/app.css, .table-stack): each
// body cell is labelled with its column's heading here, so templates need not repeat it.
document.querySelectorAll("table.table-stack").forEach(function (table) {
  var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.textContent.trim();
  });
  table.querySelectorAll("tbody tr").forEach(function (row) {
    var col = 0;
    Array.prototype.forEach.call(row.children, function (cell) {
      if (heads[col] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", heads[col]); }
      col += cell.colSpan || 1;
    });
  });
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-print]");
  if (el) { event.preventDefault(); window.print(); }
});
