/* The quiz page. The server is the only clock (T7); every change is saved at once (D1) and
 * kept in a retry queue while offline (D2). Saves carry this page's device id and its own
 * sequence number (D3): the server orders devices by arrival, the number orders only this
 * device's retries, and each reply says whether the save is what is stored. The page shows
 * how many answers are not saved yet, warns in the last two minutes, and at the end
 * reports to the server what never reached it (the result page lists it). At time-up
 * what is on screen is flushed, then submitted (D5). Storage and requests: quiz_store.js;
 * the clock and the receipt: quiz_clock.js; drawing the questions: quiz_view.js. */
(function () {
  "use strict";

  var root = document.getElementById("quiz");
  if (!root || !window.QuizStore || !window.QuizClock || !window.QuizView) return;
  var attemptId = root.dataset.attemptId;
  var apiBase = "/api/attempts/" + attemptId;
  var resultUrl = root.dataset.resultUrl;
  var reportUrl = root.dataset.reportUrl;
  var t = document.getElementById("i18n").dataset;
  var store = new window.QuizStore.Store(attemptId);
  var api = new window.QuizStore.Api(document.querySelector('meta[name="csrf-token"]').content);
  var client = store.client();
  var LAST_MINUTES_MS = 120000;
  var Clock = window.QuizClock.Clock;
  var clock = new Clock();

  var el = function (id) { return document.getElementById(id); };
  var state = {
    questions: [], answers: {}, prediction: null, position: 0, flags: {},
    pending: {}, rejected: {}, replaced: {}, saving: false, retryDelay: 1000, retryTimer: null,
    started: false, finished: false, submitting: false, warned: false, online: true
  };
  var fmt = window.QuizView.fmt;
  var view = window.QuizView.View(state, t, { go: go, choose: choose });
  var answered = view.answered;

  function request(method, url, body) { return api.request(method, url, body); }

  function setOnline(online) {
    state.online = online;
    el("offline-banner").hidden = online;
  }

  // --- clock ------------------------------------------------------------------------

  function tick() {
    if (state.finished) return;
    var ms = Math.max(0, clock.remainingMs());
    var text = Clock.text(ms);
    var timer = el("timer");
    if (timer.textContent !== text) timer.textContent = text;
    renderStatus(ms);
    announceTime(ms);
    if (ms <= 60000 && !state.warned) {
      state.warned = true;
      el("time-warning").hidden = false;
      timer.classList.add("text-danger");
    }
    if (ms <= 0 && !state.submitting) {
      el("time-warning").textContent = t.timeUp;
      submit(true);
    }
  }

  // Once at 5 minutes left and once at 1 minute (quiz_clock.js says when).
  function announceTime(ms) {
    var mark = clock.announcement(ms);
    if (mark === null) return;
    el("time-announce").textContent = mark === 60000 ? t.lastMinute :
      fmt(t.minutesLeft, { n: Math.round(mark / 60000) });
  }

  // --- rendering ----------------------------------------------------------------------

  function unsavedCount() {
    return Object.keys(state.pending).length + Object.keys(state.rejected).length;
  }

  // The save status in the sticky bar, and the last-two-minutes warning.
  function renderStatus(ms) {
    if (!state.started) return;
    var n = unsavedCount();
    var status = el("save-status");
    var any = state.prediction !== null || state.questions.some(answered);
    var text = n ? "\u26a0 " + fmt(t.unsavedCount, { n: n }) : (any ? "\u2713 " + t.allSaved : "");
    if (status.textContent !== text) status.textContent = text;
    status.classList.toggle("pending", n > 0);
    var left = ms === undefined ? clock.remainingMs() : ms;
    var warn = el("unsaved-warning");
    var show = n > 0 && left <= LAST_MINUTES_MS && !state.finished;
    var message = fmt(t.unsavedWarning, { n: n });
    if (show && warn.textContent !== message) warn.textContent = message;
    if (warn.hidden === show) warn.hidden = !show;
  }

  function render() { view.renderQuestion(); view.renderNavigator(); renderStatus(); }

  // Moving to a question puts focus on its heading, so a screen reader says "Câu 3 trên
  // 20" and the question; the prediction step's heading likewise.
  function go(position) {
    state.position = Math.max(0, Math.min(position, state.questions.length));
    store.keep("pos", state.position);
    render();
    window.scrollTo(0, 0);
    var onPrediction = state.position >= state.questions.length;
    el(onPrediction ? "prediction-title" : "question-number").focus({ preventScroll: true });
  }

  // --- saving -------------------------------------------------------------------------

  function choose(q, optionId, checked) {
    var current = (state.answers[q.id] || []).slice();
    if (q.multiple) {
      current = current.filter(function (id) { return id !== optionId; });
      if (checked) current.push(optionId);
    } else {
      current = checked ? [optionId] : [];
    }
    current.sort(function (a, b) { return a - b; });
    state.answers[q.id] = current;
    queue(q.id, { option_ids: current, seq: store.nextSeq(), client: client });
  }

  function queue(key, body) {
    state.pending[key] = body;
    delete state.rejected[key];
    delete state.replaced[key];
    store.keep("pending", state.pending);
    render();
    flush();
  }

  // The server's reply to one save: what it stores now, and whether it is this save.
  function settled(key, body, res) {
    var current = state.pending[key] === body;
    if (current) delete state.pending[key];
    if (res.status === 200 && key !== "prediction" && current) {
      state.answers[key] = res.data.option_ids || [];
      // Not applied: another device's later save (or a newer one of ours) is stored, and
      // the screen shows it: never "saved" for a choice the server does not hold.
      if (res.data.applied === false) state.replaced[key] = true;
    } else if (res.status !== 200 && current) {
      state.rejected[key] = (res.data && res.data.message) || true;
      if (key === "prediction") showPredictionError(res.data.message);
    }
    store.keep("pending", state.pending);
  }

  function flush() {
    if (state.saving || state.finished) return Promise.resolve();
    var keys = Object.keys(state.pending);
    if (!keys.length) return Promise.resolve();
    state.saving = true;
    var key = keys[0];
    var body = state.pending[key];
    var url = key === "prediction" ? apiBase + "/prediction" : apiBase + "/answers/" + key;
    return request("PUT", url, body).then(function (res) {
      state.saving = false;
      if (res.status === 200 || res.status === 422 || res.status === 404) {
        settled(key, body, res);
        setOnline(true);
        state.retryDelay = 1000;
        render();
        return flush();
      }
      if (res.status === 409 || res.status === 410) return finished();
      if (res.status === 401) { window.location.reload(); return null; }
      return retryLater();
    }, function () {
      state.saving = false;
      setOnline(false);
      render();
      return retryLater();
    });
  }

  function retryLater() {
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(flush, state.retryDelay);
    state.retryDelay = Math.min(state.retryDelay * 2, 15000);
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  function showPredictionError(message) {
    var input = el("prediction");
    input.classList.add("is-invalid");
    el("prediction-error").textContent = message || t.predictionInvalid;
  }

  function onPredictionInput() {
    var input = el("prediction");
    var raw = input.value.replace(/[\s.,]/g, "");
    if (raw === "") {
      input.classList.remove("is-invalid");
      state.prediction = null;
      queue("prediction", { value: null });
      return;
    }
    if (!/^\d{1,13}$/.test(raw)) { showPredictionError(t.predictionInvalid); return; }
    input.classList.remove("is-invalid");
    state.prediction = parseInt(raw, 10);
    queue("prediction", { value: state.prediction });
  }

  // --- submitting ---------------------------------------------------------------------

  // The attempt is over (submitted, or the server refused a late write). What is still in
  // the queue never reached the server: report it, so the result page lists it (a server
  // record, for disputes too). If even the report fails, the queue stays in storage and
  // the result page sends it.
  function finished() {
    if (state.finished) return null;
    state.finished = true;
    clearTimeout(state.retryTimer);
    renderStatus();
    window.QuizStore.reportUnsent(api, reportUrl, state.pending).then(function (reported) {
      store.forget(reported ? window.QuizStore.keys : ["pos", "flags"]);
      window.location.assign(resultUrl);
    });
    return null;
  }

  function flushAll(deadlineAt) {
    // Keep flushing until the queue is empty, or give up at the given time.
    return flush().then(function () {
      if (!Object.keys(state.pending).length || state.finished) return true;
      if (performance.now() > deadlineAt) return false;
      return new Promise(function (resolve) { setTimeout(resolve, 500); })
        .then(function () { return flushAll(deadlineAt); });
    });
  }

  function submit(auto) {
    if (state.submitting || state.finished) return;
    state.submitting = true;
    el("submit").disabled = true;
    el("submit").textContent = t.submitting;
    // Whatever is on screen goes first (D5), within the network grace.
    var predictionInput = el("prediction");
    if (predictionInput.value && state.prediction === null) onPredictionInput();
    flushAll(performance.now() + Math.max(2000, clock.graceMs - 2000)).then(function () {
      if (state.finished) return null;
      var body = state.prediction === null ? {} : { prediction: state.prediction };
      return request("POST", apiBase + "/submit", body);
    }).then(function (res) {
      if (state.finished) return null;
      if (res.status === 200 || res.status === 409 || res.status === 410) return finished();
      throw new Error("submit " + res.status);
    }).catch(function () {
      if (state.finished) return;
      state.submitting = false;
      setOnline(false);
      el("submit").disabled = false;
      el("submit").textContent = t.submitFailed;
      setTimeout(function () { submit(auto); }, 3000);
    });
  }

  function confirmSubmit() {
    var missing = [];
    state.questions.forEach(function (q, i) { if (!answered(q)) missing.push(i + 1); });
    el("confirm-text").textContent = t.confirm;
    var notes = [];
    if (missing.length) notes.push(fmt(t.unanswered, { n: missing.length, list: missing.join(", ") }));
    if (state.prediction === null) notes.push(t.noPrediction);
    el("confirm-unanswered").textContent = notes.join(" ");
    if (window.bootstrap && window.bootstrap.Modal) {
      window.bootstrap.Modal.getOrCreateInstance(el("confirm-submit")).show();
    } else if (window.confirm(t.confirm + " " + notes.join(" "))) {
      submit(false);
    }
  }

  // --- start --------------------------------------------------------------------------

  function refresh() {
    return request("GET", apiBase).then(function (res) {
      if (res.status !== 200) { if (res.status === 401) window.location.reload(); return; }
      var data = res.data;
      if (data.status !== "in_progress") { finished(); return; }
      clock.sync(data);
      setOnline(true);
      if (state.started) adoptServerAnswers(data);
      return data;
    }, function () { setOnline(false); });
  }

  // What the server holds, for every question this page has nothing queued for (another
  // device may have answered since): the screen never shows a choice the server replaced.
  function adoptServerAnswers(data) {
    Object.keys(data.answers || {}).forEach(function (k) {
      if (!state.pending[k]) state.answers[k] = data.answers[k];
    });
    if (!state.pending.prediction) {
      state.prediction = data.prediction === undefined ? null : data.prediction;
    }
    render();
  }

  function start(data) {
    if (!data) return;
    state.questions = data.questions;
    state.answers = {};
    Object.keys(data.answers || {}).forEach(function (k) { state.answers[k] = data.answers[k]; });
    state.prediction = data.prediction === undefined ? null : data.prediction;
    // Saves not yet confirmed by the server (this device, before a reload) win.
    Object.keys(state.pending).forEach(function (k) {
      if (k === "prediction") state.prediction = state.pending[k].value;
      else state.answers[k] = state.pending[k].option_ids;
    });
    state.flags = store.load("flags", {});
    state.position = Math.min(store.load("pos", 0), state.questions.length);
    state.started = true;
    el("loading").hidden = true;
    render();
    flush();
    setInterval(tick, 250);
    tick();
  }

  el("prev").addEventListener("click", function () { go(state.position - 1); });
  el("next").addEventListener("click", function () { go(state.position + 1); });
  el("flag").addEventListener("change", function () {
    var q = state.questions[state.position];
    if (!q) return;
    if (el("flag").checked) state.flags[q.id] = true; else delete state.flags[q.id];
    store.keep("flags", state.flags);
    view.renderNavigator();
  });
  var predictionTimer = null;
  el("prediction").addEventListener("input", function () {
    clearTimeout(predictionTimer);
    predictionTimer = setTimeout(onPredictionInput, 500);
  });
  el("prediction").addEventListener("change", function () {
    clearTimeout(predictionTimer);
    onPredictionInput();
  });
  el("submit").addEventListener("click", confirmSubmit);
  // The dialog: Bootstrap traps focus and closes on Escape; it opens on the safe choice
  // ("Làm tiếp") and gives focus back to "Nộp bài" when it closes without submitting.
  el("confirm-submit").addEventListener("shown.bs.modal", function () { el("confirm-no").focus(); });
  el("confirm-submit").addEventListener("hidden.bs.modal", function () {
    if (!state.submitting && !state.finished) el("submit").focus();
  });
  el("confirm-yes").addEventListener("click", function () {
    if (window.bootstrap) window.bootstrap.Modal.getOrCreateInstance(el("confirm-submit")).hide();
    submit(false);
  });
  window.addEventListener("online", function () { state.retryDelay = 1000; flush(); });
  window.addEventListener("offline", function () { setOnline(false); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !state.finished) { refresh(); flush(); }
  });

  // The sticky bar (time, saves) must never hide what has focus: the page scrolls with a
  // margin of its height. With large text on a small screen the bar would take much of
  // the window: past a third of its height it stops being sticky.
  function fitBar() {
    var bar = root.querySelector(".quiz-bar");
    var tall = bar.offsetHeight > window.innerHeight / 3;
    bar.classList.toggle("sticky-top", !tall);
    document.documentElement.style.scrollPaddingTop = tall ? "" : (bar.offsetHeight + 8) + "px";
  }
  if (window.ResizeObserver) new ResizeObserver(fitBar).observe(root.querySelector(".quiz-bar"));
  window.addEventListener("resize", fitBar);

  state.pending = store.load("pending", {});
  // The paper has arrived: the attempt's clock counts from now (docs/quiz.md, The clock).
  refresh().then(function (data) { start(data); clock.confirmReceipt(api, apiBase, data); });
})();
