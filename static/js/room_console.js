// The host's console (issue 15): the audience with who is here now, the stream's health, "end now".
// Messages: `console` (server), `console_refresh` (client); see docs/live-room-protocol.md.
(function () {
  "use strict";
  var room = window.HubRoom;
  var box = document.getElementById("room-console");
  if (!room || !box) return;
  var list = document.getElementById("console-audience");
  var count = document.getElementById("console-count");
  var stream = document.getElementById("console-stream");
  var endForm = document.getElementById("console-end-form");
  var t = room.i18n;
  var pending = null;

  function refresh() {
    if (pending) return;
    pending = window.setTimeout(function () {
      pending = null;
      if (room.isOpen()) room.send({ type: "console_refresh" });
    }, 800);
  }

  function duration(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" : "") + (m < 10 && h ? "0" : "") + m + ":" + (sec < 10 ? "0" : "") + sec;
  }

  function set(key, text) {
    var dd = stream.querySelector('[data-k="' + key + '"]');
    if (dd) dd.textContent = text;
  }

  function renderStream(s) {
    set("pushing", s.pushing ? t.consolePushing : t.consoleNoPush);
    stream.dataset.pushing = s.pushing ? "1" : "0";
    set("seconds", s.pushing ? duration(s.seconds) : "–");
    set("bitrate", s.bitrate_kbps === null ? (s.pushing ? t.consoleUnknown : "–") : s.bitrate_kbps + " kbit/s");
    set("fps", s.fps === null ? (s.pushing ? t.consoleUnknown : "–") : String(s.fps));
    set("reconnects", String(s.reconnects));
  }

  function renderAudience(a) {
    list.textContent = "";
    count.textContent = a.present + " / " + a.total;
    a.members.forEach(function (m) {
      var li = document.createElement("li");
      li.className = m.present ? "present" : (m.leave ? "on-leave" : "absent");
      li.dataset.userId = m.user_id;
      var name = document.createElement("span");
      name.className = "console-name";
      name.textContent = m.name;
      var branch = document.createElement("span");
      branch.className = "help";
      branch.textContent = " " + m.branch + " ";
      var state = document.createElement("span");
      state.className = "console-state";
      state.textContent = m.present ? t.consolePresent : (m.leave ? t.consoleLeave : t.consoleAbsent);
      li.appendChild(name);
      li.appendChild(branch);
      li.appendChild(state);
      list.appendChild(li);
    });
  }

  room.on("console", function (msg) {
    renderStream(msg.stream);
    renderAudience(msg.audience);
    if (endForm) endForm.hidden = msg.status !== "live";
  });
  room.on("viewers", refresh);
  room.on("stream_state", refresh);
  room.on("status", function (msg) {
    if (endForm) endForm.hidden = msg.status !== "live";
    refresh();
  });
  window.setInterval(function () { if (room.status() === "live") refresh(); }, 10000);
  if (endForm) {
    endForm.addEventListener("submit", function (event) {
      if (!window.confirm(t.consoleEndConfirm)) event.preventDefault();
    });
  }
})();
