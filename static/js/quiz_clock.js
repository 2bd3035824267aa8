/* The quiz page's clock. The server is the only clock (T7): the page keeps the server's
 * deadline and time from its last reply and counts on with the monotonic performance.now(),
 * never the phone's own clock. It also says when to announce the time left, and tells the
 * server the paper has arrived (the attempt's clock counts from then: docs/quiz.md). */
(function () {
  "use strict";

  // The time left is said (never shown in a live region every second) at these marks.
  var ANNOUNCE_AT_MS = [300000, 60000];

  function Clock() {
    this.deadlineMs = 0;
    this.serverMs = 0;
    this.perfAt = 0;
    this.graceMs = 10000;
    this.announced = null;
  }

  // The deadline and server time of an attempt's reply (and its grace, when it says).
  Clock.prototype.sync = function (data) {
    this.deadlineMs = Date.parse(data.deadline);
    this.serverMs = Date.parse(data.server_time);
    this.perfAt = performance.now();
    if (data.grace_seconds !== undefined) this.graceMs = data.grace_seconds * 1000;
  };

  Clock.prototype.remainingMs = function () {
    return this.deadlineMs - (this.serverMs + (performance.now() - this.perfAt));
  };

  // "mm:ss" of a time left (never below zero).
  Clock.text = function (ms) {
    var total = Math.ceil(Math.max(0, ms) / 1000);
    return String(Math.floor(total / 60)).padStart(2, "0") + ":" +
      String(total % 60).padStart(2, "0");
  };

  // The mark to announce now, once at 5 minutes left and once at 1 minute (a reload inside
  // a mark says it again); null when there is nothing new to say.
  Clock.prototype.announcement = function (ms) {
    var mark = null;
    ANNOUNCE_AT_MS.forEach(function (at) { if (ms > 0 && ms <= at) mark = at; });
    if (mark === null || mark === this.announced) return null;
    this.announced = mark;
    return mark;
  };

  // The paper has arrived: the attempt's clock counts from now; the reply's deadline is
  // the one to keep.
  Clock.prototype.confirmReceipt = function (api, apiBase, data) {
    if (!data || data.status !== "in_progress") return;
    var clock = this;
    api.request("POST", apiBase + "/received", {}).then(function (res) {
      if (res.status === 200 && res.data.deadline) clock.sync(res.data);
    }, function () {});
  };

  window.QuizClock = { Clock: Clock };
})();
