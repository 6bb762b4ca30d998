// Registration form: more product rows, and the "next free slot" buttons of a studio conflict.
(function () {
  "use strict";
  var rows = document.querySelector("[data-product-rows]");
  var template = document.getElementById("product-template");
  var add = document.querySelector("[data-add-product]");
  var total = document.getElementById("id_products-TOTAL_FORMS");
  var max = document.getElementById("id_products-MAX_NUM_FORMS");
  if (rows && template && add && total) {
    add.addEventListener("click", function () {
      var n = parseInt(total.value, 10);
      if (max && n >= parseInt(max.value, 10)) { add.disabled = true; return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(n));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(n + 1);
    });
  }
  document.querySelectorAll(".js-use-slot").forEach(function (button) {
    button.addEventListener("click", function () {
      var start = document.getElementById("id_starts_at");
      var end = document.getElementById("id_ends_at");
      if (start && end) {
        var studio = document.getElementById("id_studio");
        if (studio && button.dataset.studio) studio.value = button.dataset.studio;
        start.value = button.dataset.start;
        end.value = button.dataset.end;
        button.closest(".conflict").querySelectorAll(".js-use-slot").forEach(function (b) { b.classList.remove("chosen"); });
        button.classList.add("chosen");
        start.focus();
      }
    });
  });
})();
// Forms that ask before doing something that cannot be undone.
document.querySelectorAll("form[data-confirm]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
});
