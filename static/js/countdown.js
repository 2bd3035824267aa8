/* Countdowns to a round's opening: "2 ngày 03:14:07" (the word for days comes from the
 * page, in its language). Informational only: the server decides when a round opens. */
(function () {
  "use strict";
  var nodes = document.querySelectorAll(".countdown[data-target]");
  if (!nodes.length) return;
  function pad(n) { return String(n).padStart(2, "0"); }
  function update() {
    nodes.forEach(function (node) {
      var ms = Date.parse(node.dataset.target) - Date.now();
      if (ms <= 0) { node.textContent = node.dataset.done; return; }
      var s = Math.floor(ms / 1000);
      var days = Math.floor(s / 86400);
      var rest = pad(Math.floor(s % 86400 / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" +
        pad(s % 60);
      node.textContent = (days ? days + " " + (node.dataset.day || "ngày") + " " : "") + rest;
    });
  }
  update();
  setInterval(update, 1000);
})();
