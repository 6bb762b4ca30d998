// Small behaviours shared by every page. No framework: the hub must work on a closed network.
(function () {
  "use strict";
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // Progress feedback on slow submits: the button is disabled and says so until the next page arrives.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.noBusy !== undefined) return;
    var button = form.querySelector("button[type=submit], input[type=submit]");
    if (button && !button.disabled) {
      setTimeout(function () { button.disabled = true; button.classList.add("spinner"); }, 0);
    }
  });
  // Behaviours the templates ask for with data attributes (the Content-Security-Policy runs no inline handlers):
  // a select that submits its form when changed (the language), a button that prints the page, a field that
  // selects its text when clicked (an address to copy).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-submit-on-change]") && field.form) field.form.submit();
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    if (target.closest("[data-print]")) window.print();
    var field = target.closest("[data-select-on-click]");
    if (field) field.select();
  });
})();
