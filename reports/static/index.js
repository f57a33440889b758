// Portfolio index: sort by clicking a column heading, filter by text and band. Self-contained;
// reads only the table already in the page and fetches nothing.
(function () {
  "use strict";
  var table = document.getElementById("firms");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("filter");
  var band = document.getElementById("band");
  var count = document.getElementById("count");
  var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });

  function cellKey(row, index, type) {
    var cell = row.cells[index];
    var key = cell.getAttribute("data-sort");
    if (key === null) key = cell.textContent.trim();
    return type === "num" ? parseFloat(key) || 0 : key;
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    var type = th.getAttribute("data-type");
    if (type === "none") return;
    th.tabIndex = 0;
    function sort() {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        other.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = cellKey(a, index, type), y = cellKey(b, index, type);
        var order = type === "num" ? x - y : collator.compare(x, y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
  });

  function apply() {
    var text = filter.value.trim().toLowerCase();
    var wanted = band.value;
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!wanted || row.getAttribute("data-band") === wanted) &&
        (!text || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = String(shown);
  }
  filter.addEventListener("input", apply);
  band.addEventListener("change", apply);
})();
