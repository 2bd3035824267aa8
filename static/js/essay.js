/* Essay writing page: live word count and autosaved drafts.
   The server is the truth: it counts words again and ignores a save older than the last
   one (sequence number). No inline script or style (CSP); without JavaScript the form
   posts normally ("Lưu bản nháp"). */
(function () {
  'use strict';

  var form = document.getElementById('entry-form');
  if (!form) { return; }
  var title = form.querySelector('[name=title]');
  var text = form.querySelector('[name=text]');
  var count = document.getElementById('word-count');
  var limit = document.getElementById('word-limit');
  var status = document.getElementById('save-status');
  var banner = document.getElementById('offline-banner');
  var token = form.querySelector('[name=csrf_token]');
  var url = form.getAttribute('data-autosave-url');
  var minWords = parseInt(form.getAttribute('data-min-words') || '0', 10) || 0;
  var maxWords = parseInt(form.getAttribute('data-max-words') || '0', 10) || 0;
  var seq = parseInt(form.getAttribute('data-seq') || '0', 10) || 0;
  var WORD;
  try {
    WORD = new RegExp("[\\p{L}\\p{N}\\p{M}]+(?:['\u2019\\-][\\p{L}\\p{N}\\p{M}]+)*", 'gu');
  } catch (e) {
    WORD = /[^\s.,;:!?()\[\]{}"\u201c\u201d\u2026\u2013\u2014\/\\]+/g;
  }
  var dirty = false;
  var saving = false;
  var timer = null;
  var RETRY_MS = 5000;
  var DEBOUNCE_MS = 1500;

  function words(value) {
    var found = (value || '').match(WORD);
    return found ? found.length : 0;
  }

  function showCount() {
    if (!text || !count) { return; }
    var n = words(text.value);
    count.textContent = String(n);
    var message = '';
    if (minWords && n < minWords) {
      message = form.getAttribute('data-msg-min').replace('%s', String(minWords));
    } else if (maxWords && n > maxWords) {
      message = form.getAttribute('data-msg-max').replace('%s', String(maxWords));
    }
    if (limit) {
      limit.textContent = message;
      limit.hidden = !message;
    }
  }

  function setStatus(key) {
    if (status) { status.textContent = form.getAttribute('data-msg-' + key) || ''; }
  }

  function showBanner(message) {
    if (!banner) { return; }
    banner.textContent = message || '';
    banner.hidden = !message;
  }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, delay);
  }

  function save() {
    timer = null;
    if (!dirty || saving) { return; }
    saving = true;
    dirty = false;
    seq += 1;
    setStatus('saving');
    var body = JSON.stringify({title: title ? title.value : '', text: text ? text.value : '', seq: seq});
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('Accept', 'application/json');
    if (token) { xhr.setRequestHeader('X-CSRFToken', token.value); }
    xhr.timeout = 20000;
    xhr.onload = function () {
      saving = false;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 200) {
        showBanner('');
        if (dirty) { setStatus('unsaved'); schedule(DEBOUNCE_MS); } else { setStatus('saved'); }
        return;
      }
      if (xhr.status >= 400 && xhr.status < 500) {
        // Deadline passed (410), not open, too long (422): say why; retrying cannot help.
        showBanner(data && data.message ? data.message : form.getAttribute('data-msg-unsaved'));
        setStatus('unsaved');
        return;
      }
      failed();
    };
    xhr.onerror = failed;
    xhr.ontimeout = failed;
    xhr.send(body);
  }

  function failed() {
    saving = false;
    dirty = true;
    setStatus('unsaved');
    showBanner(form.getAttribute('data-msg-offline'));
    schedule(RETRY_MS);
  }

  function changed() {
    // The checklist under "Nộp bài" was computed when the page loaded; the server checks
    // again on submit, so an outdated list is hidden rather than shown wrong.
    var problems = document.getElementById('submit-problems');
    var intro = document.getElementById('submit-problems-intro');
    if (problems) { problems.hidden = true; }
    if (intro) { intro.hidden = true; }
    dirty = true;
    setStatus('unsaved');
    showCount();
    schedule(DEBOUNCE_MS);
  }

  if (text && !text.readOnly) { text.addEventListener('input', changed); }
  if (title) { title.addEventListener('input', changed); }
  window.addEventListener('online', function () { if (dirty) { schedule(0); } });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden' && dirty) { save(); }
  });
  form.addEventListener('submit', function () {
    // The form itself carries the text (save or submit): nothing is left to autosave.
    dirty = false;
    if (timer) { clearTimeout(timer); timer = null; }
  });
  window.addEventListener('beforeunload', function (event) {
    if (dirty || saving) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
  showCount();
}());
