/* Live participation counts on the organiser's contests page, refreshed every 15 s. */
(function () {
  "use strict";
  var rows = document.querySelectorAll(".live-row[data-url]");
  if (!rows.length) return;
  function refresh() {
    rows.forEach(function (row) {
      fetch(row.dataset.url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (n) {
          if (!n) return;
          var values = { in_progress: n.in_progress, finished: n.submitted + n.expired,
                         participants: n.participants };
          row.querySelectorAll("[data-k]").forEach(function (cell) {
            cell.textContent = values[cell.dataset.k];
          });
        })
        .catch(function () { /* try again next time */ });
    });
  }
  setInterval(refresh, 15000);
})();
