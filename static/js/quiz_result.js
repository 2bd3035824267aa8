/* The result page: if the quiz page could not report the answers that never reached the
 * server (its own report failed), the queue is still in this browser's storage. Send it,
 * then reload once so the page lists them from the server's record. */
(function () {
  "use strict";
  var node = document.getElementById("unsent-report");
  if (!node || !window.QuizStore) return;
  var store = new window.QuizStore.Store(node.dataset.attemptId);
  var pending = store.load("pending", {});
  if (!Object.keys(pending).length) return;
  var api = new window.QuizStore.Api(document.querySelector('meta[name="csrf-token"]').content);
  window.QuizStore.reportUnsent(api, node.dataset.api, pending).then(function (reported) {
    if (!reported) return;  // offline again: the next visit tries again
    store.forget(window.QuizStore.keys);
    window.location.reload();
  });
})();
