/* Wide tables and code blocks scroll inside their own box on a phone (WCAG 1.4.10 lets a
 * table keep its layout). A box that does scroll gets keyboard focus (tabindex 0), so the
 * arrow keys scroll it too (WCAG 2.1.1); a box that fits is left out of the tab order. */
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-responsive, pre").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "1";
      } else if (!scrolls && box.dataset.scrollFocus) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }
  var timer = null;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(mark, 150); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
})();
