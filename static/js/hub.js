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
})();
