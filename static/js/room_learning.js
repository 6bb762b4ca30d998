// The class's learning side of the room (issue 15): "waiting for the stream" while a live session has no
// push, no viewer count once it has ended, and the replay's make-up pings (docs/live-room-protocol.md).
(function () {
  "use strict";
  var room = window.HubRoom;
  if (!room) return;
  var pushing = null;
  var viewers = document.querySelector(".room-meta .viewers");

  function badges() { return document.querySelectorAll("[data-status]"); }

  function apply() {
    var status = room.status();
    var waiting = status === "live" && pushing === false;
    Array.prototype.forEach.call(badges(), function (badge) {
      badge.classList.toggle("status-waiting", waiting);
      badge.textContent = waiting ? room.i18n.waitingForPush : (room.cfg.statusLabels[status] || status);
    });
    if (viewers) viewers.style.display = status === "ended" || status === "cancelled" ? "none" : "";
  }

  room.on("stream_state", function (msg) { pushing = msg.pushing === true; apply(); });
  room.on("status", function () { apply(); schedulePings(); });
  room.on("welcome", function () { apply(); });
  apply();

  // --- Make-up: while the replay plays, ping every 30 s; the server adds up the time (capped per ping).
  var pingUrl = room.cfg.replayPingUrl;
  var form = document.getElementById("replay-ping-form");
  var video = document.getElementById("room-video");
  var timer = null;

  function ping(event) {
    // A pause or the end still reports the time played since the previous ping.
    var stopping = event && (event.type === "pause" || event.type === "ended");
    if (!video || room.status() !== "ended" || (!stopping && (video.paused || video.ended))) return;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    fetch(pingUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
    }).catch(function () { /* the next ping tries again */ });
  }

  function schedulePings() {
    if (!pingUrl || !form || !video || timer || room.status() !== "ended") return;
    ["playing", "pause", "ended"].forEach(function (type) { video.addEventListener(type, ping); });
    timer = window.setInterval(ping, 30000);
    if (!video.paused) ping();
  }
  schedulePings();
})();
