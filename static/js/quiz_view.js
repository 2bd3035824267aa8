/* The quiz page's drawing: the question navigator, the question with its options and
 * picture, and the prediction step, from the page's state (quiz.js owns it; this only reads
 * it). Clicks and choices go to the handlers quiz.js gives: go(position) and
 * choose(question, optionId, checked). No framework. */
(function () {
  "use strict";

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }

  function el(id) { return document.getElementById(id); }

  function answeredIn(state, q) {
    var a = state.answers[q.id];
    return a && a.length > 0;
  }

  // state: the page's state; t: its texts (the #i18n data); on: {go, choose}.
  function View(state, t, on) {
    var answered = function (q) { return answeredIn(state, q); };

    function saveLabel(key) {
      if (state.pending[key]) return state.saving ? t.saving : t.unsaved;
      if (state.rejected[key]) return t.rejected + (state.rejected[key] === true ? "" :
        ": " + state.rejected[key]);
      if (state.replaced[key]) return t.replaced;
      return t.saved;
    }

    function saveClass(key) {
      if (state.pending[key]) return " pending";
      return state.rejected[key] ? " rejected" : " ok";
    }

    function renderNavigator() {
      var nav = el("navigator");
      nav.textContent = "";
      state.questions.forEach(function (q, i) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "nav-cell" + (answered(q) ? " answered" : "") +
          (state.flags[q.id] ? " flagged" : "") + (i === state.position ? " current" : "") +
          (state.pending[q.id] || state.rejected[q.id] ? " unsaved" : "");
        b.textContent = String(i + 1);
        // The states in words too: colour, marks and borders only repeat them.
        var words = [fmt(t.questionSpoken, { n: i + 1, total: state.questions.length })];
        if (answered(q)) words.push(t.stateAnswered);
        if (state.flags[q.id]) words.push(t.stateFlagged);
        if (state.pending[q.id] || state.rejected[q.id]) words.push(t.stateUnsaved);
        b.setAttribute("aria-label", words.join(", "));
        if (i === state.position) b.setAttribute("aria-current", "true");
        b.addEventListener("click", function () { on.go(i); });
        nav.appendChild(b);
      });
      var p = document.createElement("button");
      p.type = "button";
      p.className = "nav-cell nav-prediction" + (state.prediction !== null ? " answered" : "") +
        (state.position === state.questions.length ? " current" : "");
      p.textContent = "?";
      p.title = t.prediction;
      p.setAttribute("aria-label", t.prediction);
      p.addEventListener("click", function () { on.go(state.questions.length); });
      nav.appendChild(p);
      var n = state.questions.filter(answered).length;
      el("progress-text").textContent = fmt(t.answered, { n: n, total: state.questions.length });
    }

    function renderPrediction() {
      var input = el("prediction");
      if (document.activeElement !== input) {
        input.value = state.prediction === null ? "" : String(state.prediction);
      }
      el("prediction-state").textContent = state.prediction === null && !state.pending.prediction
        ? "" : saveLabel("prediction");
      el("prediction-state").className = "save-state" + saveClass("prediction");
    }

    function renderQuestion() {
      var onPrediction = state.position >= state.questions.length;
      el("question-panel").hidden = onPrediction;
      el("prediction-panel").hidden = !onPrediction;
      el("prev").disabled = state.position === 0;
      el("next").disabled = onPrediction;
      if (onPrediction) { renderPrediction(); return; }
      var q = state.questions[state.position];
      var heading = el("question-number");
      heading.textContent = fmt(t.question, { n: state.position + 1, total: state.questions.length });
      heading.setAttribute("aria-label",
        fmt(t.questionSpoken, { n: state.position + 1, total: state.questions.length }));
      heading.setAttribute("aria-describedby", q.multiple ? "question-text question-hint" : "question-text");
      el("question-text").textContent = q.text;
      renderImage(q);
      el("question-hint").hidden = !q.multiple;
      el("flag").checked = !!state.flags[q.id];
      var shown = answered(q) || state.pending[q.id] || state.rejected[q.id] || state.replaced[q.id];
      el("save-state").textContent = shown ? saveLabel(q.id) : "";
      el("save-state").className = "small save-state" + saveClass(q.id);
      renderOptions(q);
    }

    function renderOptions(q) {
      var box = el("options");
      box.querySelectorAll(".form-check").forEach(function (n) { n.remove(); });
      var chosen = state.answers[q.id] || [];
      q.options.forEach(function (o, i) {
        var wrap = document.createElement("div");
        wrap.className = "form-check option";
        var input = document.createElement("input");
        input.className = "form-check-input";
        input.type = q.multiple ? "checkbox" : "radio";
        input.name = "q" + q.id;
        input.id = "o" + o.id;
        input.value = String(o.id);
        input.checked = chosen.indexOf(o.id) !== -1;
        input.addEventListener("change", function () { on.choose(q, o.id, input.checked); });
        var label = document.createElement("label");
        label.className = "form-check-label";
        label.htmlFor = input.id;
        label.textContent = String.fromCharCode(65 + i) + ". " + o.text;
        wrap.appendChild(input);
        wrap.appendChild(label);
        box.appendChild(wrap);
      });
    }

    // The question's picture, under its text: the stored size reserves the space (no shift
    // when it arrives), max-width 100% and height auto fit it to a 360 px phone.
    function renderImage(q) {
      var img = el("question-image");
      if (!q.image) {
        if (img) { img.style.display = "none"; img.removeAttribute("src"); }
        return;
      }
      if (!img) {
        img = document.createElement("img");
        img.id = "question-image";
        img.className = "question-image";
        img.loading = "lazy";
        img.decoding = "async";
        img.style.maxWidth = "100%";
        img.style.height = "auto";
        img.style.margin = "0.5rem 0";
        var legend = el("question-text");
        legend.parentNode.insertBefore(img, legend.nextSibling);
      }
      if (img.getAttribute("src") !== q.image.url) {
        img.removeAttribute("src");
        img.width = q.image.width;
        img.height = q.image.height;
        img.src = q.image.url;
      }
      img.alt = q.image.alt;
      img.style.display = "block";
    }

    return { answered: answered, renderNavigator: renderNavigator, renderQuestion: renderQuestion };
  }

  window.QuizView = { View: View, fmt: fmt };
})();
