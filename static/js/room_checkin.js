// The room on a phone: sign-in (签到) with one tap over the room socket, "tap for sound" on the player
// (browsers start a video muted), and the peak viewers kept up to date. Loaded after room.js (HubRoom).
(function () {
  "use strict";
  var room = window.HubRoom;
  if (!room) return;
  var i18n = room.i18n;

  // --- Tap for sound ----------------------------------------------------------------------------------
  var video = document.getElementById("room-video");
  var soundButton = document.getElementById("sound-on");
  if (video && soundButton) {
    var showSound = function () {
      soundButton.hidden = !(video.muted && !video.hidden);
    };
    soundButton.addEventListener("click", function () {
      video.muted = false;
      video.volume = video.volume || 1;
      video.play().catch(function () {});
      showSound();
    });
    video.addEventListener("volumechange", showSound);
    video.addEventListener("loadeddata", showSound);
    new MutationObserver(showSound).observe(video, { attributes: true, attributeFilter: ["hidden"] });
    room.on("status", showSound);
    showSound();
  }

  // --- Peak viewers -----------------------------------------------------------------------------------
  var peak = document.getElementById("peak-viewers");
  room.on("viewers", function (msg) {
    if (!peak || typeof msg.count !== "number") return;
    if (msg.count > (parseInt(peak.textContent, 10) || 0)) {
      peak.textContent = String(msg.count);
      document.querySelectorAll(".room-peak").forEach(function (el) { el.hidden = false; });
    }
  });

  // --- Sign-in (签到) ---------------------------------------------------------------------------------
  var box = document.getElementById("checkin");
  var form = document.getElementById("checkin-form");
  var button = document.getElementById("checkin-button");
  var note = document.getElementById("checkin-note");
  var done = document.getElementById("checkin-done");
  var doneText = document.getElementById("checkin-done-text");
  var codeInput = document.getElementById("checkin-code");
  var count = document.getElementById("checkin-count");
  var nonce = null;

  function timeOf(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function showSignedIn(iso) {
    if (!box) return;
    box.dataset.signedIn = iso ? "yes" : "no";
    if (done) done.hidden = !iso;
    if (form) form.hidden = !!iso;
    if (iso && doneText) doneText.textContent = i18n.checkinDone.replace("%(time)s", timeOf(iso));
  }

  function updateButton() {
    if (!button) return;
    var live = room.status() === "live";
    button.disabled = !live;
    if (note && !live) note.textContent = i18n.checkinWait;
    else if (note && note.textContent === i18n.checkinWait) note.textContent = "";
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!room.isOpen()) return; // no socket: the form posts, and the page comes back signed in
      event.preventDefault();
      nonce = "checkin-" + Date.now();
      button.disabled = true;
      button.classList.add("spinner");
      if (note) note.textContent = "";
      room.send({ type: "checkin", code: codeInput ? codeInput.value : "", nonce: nonce });
    });
  }

  room.on("checkin", function (msg) {
    // The connect snapshot ({signed_in_at: null}) can arrive after a tap already went out: it does not end
    // the wait for that tap's answer; a sign-in does.
    if (!msg.signed_in_at && nonce) return;
    nonce = null;
    if (button) button.classList.remove("spinner");
    showSignedIn(msg.signed_in_at || null);
    updateButton();
  });
  room.on("checkin_count", function (msg) {
    if (count && typeof msg.count === "number") count.textContent = i18n.checkinCount.replace("%(n)s", msg.count);
  });
  room.on("error", function (msg) {
    if (!nonce || msg.nonce !== nonce) return;
    nonce = null;
    if (button) button.classList.remove("spinner");
    if (note) note.textContent = msg.message;
    updateButton();
  });
  room.on("status", updateButton);
  room.on("welcome", updateButton);
})();
