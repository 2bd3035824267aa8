// The share box of a participant's result (templates/public/_share.html).
// "Chia sẻ lên Zalo": Zalo has no public share URL without its script (which this site does
// not load), so the button opens the phone's share sheet (Web Share API: Zalo is one of its
// apps); where there is none, it copies the link for pasting into Zalo.
(function () {
  "use strict";
  var box = document.getElementById("share-box");
  if (!box) return;
  var status = document.getElementById("share-status");
  var field = document.getElementById("share-url");

  function say(key) {
    if (status) status.textContent = status.getAttribute(key) || "";
  }

  function copy(url) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () { say("data-copied"); }, fallback);
    } else {
      fallback();
    }
    function fallback() {
      try {
        field.focus();
        field.select();
        say(document.execCommand("copy") ? "data-copied" : "data-failed");
      } catch (e) {
        say("data-failed");
      }
    }
  }

  var zalo = document.getElementById("share-zalo");
  if (zalo) {
    zalo.addEventListener("click", function (event) {
      event.preventDefault();
      var url = zalo.getAttribute("data-share-url");
      if (navigator.share) {
        navigator.share({ title: zalo.getAttribute("data-share-title"), url: url })
          .catch(function () { /* closed by the person: nothing to say */ });
      } else {
        copy(url);
      }
    });
  }
  var button = document.getElementById("share-copy");
  if (button) {
    button.addEventListener("click", function () { copy(button.getAttribute("data-copy-url")); });
  }
})();
