/* Question bank upload: send the file with XHR to show a progress bar, then go to the
   preview page. Without JavaScript the form posts normally. No inline script (CSP). */
(function () {
  'use strict';

  function setProgress(box, percent) {
    var bar = box.querySelector('.progress-bar');
    var outer = box.querySelector('.progress');
    bar.style.width = percent + '%';
    bar.textContent = percent + '%';
    outer.setAttribute('aria-valuenow', String(percent));
  }

  function initUpload(form) {
    var input = form.querySelector('input[type=file]');
    var box = form.querySelector('[data-upload-progress]');
    var status = form.querySelector('[data-upload-status]');
    var errorBox = form.querySelector('[data-upload-error]');
    var button = form.querySelector('[type=submit]');
    var maxBytes = parseInt(form.getAttribute('data-max-bytes') || '0', 10);

    function showError(message) {
      errorBox.textContent = message;
      errorBox.hidden = false;
      box.hidden = true;
      button.disabled = false;
      errorBox.scrollIntoView({block: 'nearest'});
    }

    form.addEventListener('submit', function (event) {
      if (!window.FormData || !window.XMLHttpRequest || !input || !input.files ||
          !input.files.length) {
        return; // let the browser post the form; the server explains what is missing
      }
      event.preventDefault();
      errorBox.hidden = true;
      if (maxBytes && input.files[0].size > maxBytes) {
        showError(form.getAttribute('data-msg-too-large'));
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action || window.location.href);
      xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) {
          setProgress(box, Math.round(e.loaded * 100 / e.total));
        }
      });
      xhr.upload.addEventListener('load', function () {
        setProgress(box, 100);
        status.textContent = form.getAttribute('data-msg-checking');
      });
      xhr.addEventListener('load', function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (ignored) { data = null; }
        if (xhr.status >= 200 && xhr.status < 300 && data && data.redirect) {
          status.textContent = form.getAttribute('data-msg-checking');
          window.location.assign(data.redirect);
          return;
        }
        showError((data && data.message) || form.getAttribute('data-msg-failed'));
      });
      xhr.addEventListener('error', function () {
        showError(form.getAttribute('data-msg-network'));
      });
      button.disabled = true;
      box.hidden = false;
      setProgress(box, 0);
      status.textContent = form.getAttribute('data-msg-uploading');
      xhr.send(new FormData(form));
    });
  }

  function initBusy(form) {
    form.addEventListener('submit', function () {
      var button = form.querySelector('[data-busy-text]');
      if (button) {
        // Disable after the submit has been dispatched, so the form is still sent once.
        window.setTimeout(function () {
          button.disabled = true;
          button.textContent = button.getAttribute('data-busy-text');
        }, 0);
      }
    });
  }

  document.querySelectorAll('form[data-upload]').forEach(initUpload);
  document.querySelectorAll('form[data-busy]').forEach(initBusy);
}());
