/* The job page: redraw the progress bar from the stored state every second; when the job
   has finished, reload the page, which then shows the file or the reason it failed.
   Without JavaScript the page refreshes itself (a <noscript> meta refresh). */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !box.dataset.url) return;
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var status = document.getElementById("job-status");
  var step = document.getElementById("job-step");
  var delay = 1000;

  function draw(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + " %";
    percent.textContent = state.progress;
    status.textContent = state.status_text;
    step.textContent = state.step || "";
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) { delay = Math.min(delay * 2, 10000); return; }
        draw(state);
        if (state.finished) { delay = 0; window.location.reload(); return; }
        delay = 1000;
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); /* try again */ })
      .then(function () { if (delay) window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
