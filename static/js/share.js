// The share card: copy the short link for the group chat.
(function () {
  "use strict";
  var button = document.getElementById("share-copy");
  var input = document.getElementById("share-link");
  if (!button || !input) return;
  button.addEventListener("click", function () {
    input.select();
    var done = function () { button.textContent = button.dataset.copied; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
