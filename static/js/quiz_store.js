/* What the quiz page and the result page share: the attempt's local storage (the queue of
 * saves not yet confirmed, this device's id and sequence), the JSON requests with the CSRF
 * token, and the report of the answers that never reached the server. No framework. */
(function () {
  "use strict";

  function randomId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // One attempt's storage. Every key is per attempt; without storage (private mode, full)
  // the values live in memory for this page only, which still orders this page's saves.
  function Store(attemptId) {
    this.prefix = "quiz:" + attemptId + ":";
    this.memory = {};
  }

  Store.prototype.load = function (key, fallback) {
    try {
      var v = localStorage.getItem(this.prefix + key);
      if (v) return JSON.parse(v);
    } catch (e) { /* unavailable */ }
    return key in this.memory ? this.memory[key] : fallback;
  };

  Store.prototype.keep = function (key, value) {
    this.memory[key] = value;
    try { localStorage.setItem(this.prefix + key, JSON.stringify(value)); } catch (e) { /* full */ }
  };

  Store.prototype.forget = function (keys) {
    var self = this;
    keys.forEach(function (k) {
      delete self.memory[k];
      try { localStorage.removeItem(self.prefix + k); } catch (e) { /* ignore */ }
    });
  };

  // This page's device id: random, kept with the attempt, sent with every save. The server
  // orders saves from different devices by their arrival; the sequence below orders only
  // this device's own saves (a counter, never the phone's clock).
  Store.prototype.client = function () {
    var id = this.load("client", null);
    if (typeof id !== "string" || !/^[0-9a-f]{8,64}$/.test(id)) {
      id = randomId();
      this.keep("client", id);
    }
    return id;
  };

  Store.prototype.nextSeq = function () {
    var seq = Math.max(0, Number(this.load("seq", 0)) || 0) + 1;
    this.keep("seq", seq);
    return seq;
  };

  function Api(csrfToken) { this.csrfToken = csrfToken; }

  // A JSON request; resolves {status, data}. An expired CSRF token never discards answers
  // (D4): it gets a fresh one and retries once. Rejects when the network fails.
  Api.prototype.request = function (method, url, body, retried) {
    var self = this;
    var opts = { method: method, credentials: "same-origin",
                 headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    if (method !== "GET") opts.headers["X-CSRFToken"] = self.csrfToken;
    return fetch(url, opts).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 400 && data.error === "csrf" && !retried) {
          return fetch("/api/auth/me", { credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (me) {
              if (me.csrf_token) self.csrfToken = me.csrf_token;
              return self.request(method, url, body, true);
            });
        }
        return { status: response.status, data: data };
      });
    });
  };

  // The body of the unsent report from the queue of saves ({key: body}); null when the
  // queue holds nothing.
  function unsentBody(pending) {
    var answers = {}, body = { answers: answers }, any = false;
    Object.keys(pending || {}).forEach(function (key) {
      if (key === "prediction") { body.prediction = pending[key].value; any = true; }
      else { answers[key] = pending[key].option_ids; any = true; }
    });
    return any ? body : null;
  }

  // Tell the server what never reached it, so the result page (and a dispute) can list it.
  // Resolves true when the server has the report (or there was nothing to report).
  function reportUnsent(api, url, pending) {
    var body = unsentBody(pending);
    if (!body) return Promise.resolve(true);
    return api.request("PUT", url, body).then(function (res) {
      // 422: the report itself is wrong (another paper?); nothing more can be done with it.
      return res.status === 200 || res.status === 422 || res.status === 404;
    }, function () { return false; });
  }

  window.QuizStore = { Store: Store, Api: Api, reportUnsent: reportUnsent,
                       keys: ["pending", "pos", "flags", "seq", "client"] };
})();
