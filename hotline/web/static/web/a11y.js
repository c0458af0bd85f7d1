// A table wider than the screen scrolls inside its .table-wrap: make that box reachable with the
// keyboard (Tab, then the arrow keys), as WCAG 2.1.1 asks, and only while it does scroll.
(function () {
  function reachable() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
      } else if (box.tabIndex === 0) {
        box.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", reachable);
  document.addEventListener("htmx:afterSettle", reachable);
  window.addEventListener("resize", reachable);
})();
