// The live room: one websocket (docs/live-room-protocol.md) keeps the count, the comments, the status and
// the player live. Text from the server is only ever put in the page with textContent.
(function () {
  "use strict";
  var configEl = document.getElementById("room-config");
  if (!configEl) return;
  var cfg = JSON.parse(configEl.textContent);
  var i18n = JSON.parse(document.getElementById("room-i18n").textContent);

  var list = document.getElementById("comment-list");
  var form = document.getElementById("comment-form");
  var input = document.getElementById("comment-text");
  var sendButton = document.getElementById("comment-send");
  var feedback = document.getElementById("comment-feedback");
  var connState = document.getElementById("conn-state");
  var viewerCount = document.getElementById("viewer-count");
  var statusBadges = document.querySelectorAll("[data-status]");
  var slowNote = document.getElementById("slow-mode-note");
  var slowSeconds = document.getElementById("slow-mode-seconds");
  var slowSelect = document.getElementById("slow-mode-select");
  var mutedList = document.getElementById("muted-list");

  var state = {
    status: cfg.status,
    lastId: 0,
    socket: null,
    muted: false,
    canModerate: cfg.canModerate,
    pending: {},
    retryTimer: null,
  };
  var MAX_COMMENTS = 300;
  var timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || "zh-CN", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hour12: false,
  });

  // --- Comments ------------------------------------------------------------------------------
  Array.prototype.forEach.call(list.querySelectorAll("li.comment"), function (li) {
    state.lastId = Math.max(state.lastId, parseInt(li.dataset.id, 10) || 0);
    addModButtons(li);
  });

  function nearBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  }

  function renderComment(c) {
    var li = document.createElement("li");
    li.className = "comment" + (c.moderator ? " by-moderator" : "");
    li.dataset.id = c.id;
    li.dataset.authorId = c.author_id;
    var author = document.createElement("span");
    author.className = "comment-author";
    author.textContent = c.author;
    var text = document.createElement("span");
    text.className = "comment-text";
    text.textContent = c.text;
    var time = document.createElement("time");
    time.className = "comment-time";
    time.dateTime = c.created;
    time.textContent = timeFormat.format(new Date(c.created));
    li.appendChild(author);
    li.appendChild(text);
    li.appendChild(time);
    addModButtons(li);
    return li;
  }

  function addModButtons(li) {
    if (!state.canModerate || li.querySelector(".mod-actions")) return;
    var box = document.createElement("span");
    box.className = "mod-actions";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link-button";
    remove.textContent = i18n.remove;
    remove.addEventListener("click", function () {
      send({ type: "remove", id: parseInt(li.dataset.id, 10) });
    });
    box.appendChild(remove);
    var authorId = parseInt(li.dataset.authorId, 10);
    if (authorId && authorId !== cfg.userId && !li.classList.contains("by-moderator")) {
      var mute = document.createElement("button");
      mute.type = "button";
      mute.className = "link-button";
      mute.textContent = i18n.mute;
      mute.addEventListener("click", function () {
        send({ type: "mute", user_id: authorId });
      });
      box.appendChild(mute);
    }
    li.appendChild(box);
  }

  function addComment(c) {
    if (c.id <= state.lastId && list.querySelector('li[data-id="' + c.id + '"]')) return;
    var stick = nearBottom();
    var empty = document.getElementById("comment-empty");
    if (empty) empty.remove();
    list.appendChild(renderComment(c));
    state.lastId = Math.max(state.lastId, c.id);
    while (list.children.length > MAX_COMMENTS) list.removeChild(list.firstChild);
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function removeComment(id) {
    var li = list.querySelector('li[data-id="' + id + '"]');
    if (li) li.remove();
  }

  function showHistory(msg) {
    if (!msg.resumed) {
      Array.prototype.forEach.call(list.querySelectorAll("li.comment"), function (li) { li.remove(); });
    }
    (msg.removed || []).forEach(removeComment);
    msg.comments.forEach(addComment);
    list.scrollTop = list.scrollHeight;
  }

  // --- Status, count, player -----------------------------------------------------------------
  function setStatus(status) {
    state.status = status;
    Array.prototype.forEach.call(statusBadges, function (badge) {
      badge.className = "status status-" + status;
      badge.textContent = cfg.statusLabels[status] || status;
    });
    updateForm();
    player.update();
  }

  function setViewers(n) {
    if (viewerCount) viewerCount.textContent = n;
  }

  function setSlowMode(seconds) {
    if (slowSeconds) slowSeconds.textContent = seconds;
    if (slowNote) slowNote.hidden = !seconds;
    if (slowSelect) {
      if (!slowSelect.querySelector('option[value="' + seconds + '"]')) {
        var opt = document.createElement("option");
        opt.value = seconds;
        opt.textContent = seconds;
        slowSelect.appendChild(opt);
      }
      slowSelect.value = String(seconds);
    }
  }

  function setMutes(mutes) {
    if (!mutedList) return;
    mutedList.textContent = "";
    if (!mutes.length) {
      var none = document.createElement("li");
      none.className = "help";
      none.textContent = i18n.nobody;
      mutedList.appendChild(none);
    }
    mutes.forEach(function (m) {
      var li = document.createElement("li");
      li.dataset.userId = m.user_id;
      li.appendChild(document.createTextNode(m.name + " "));
      var unmute = document.createElement("button");
      unmute.type = "button";
      unmute.className = "link-button";
      unmute.textContent = i18n.unmute;
      unmute.addEventListener("click", function () { send({ type: "unmute", user_id: m.user_id }); });
      li.appendChild(unmute);
      mutedList.appendChild(li);
    });
  }
  var mutes = [];

  var player = (function () {
    var video = document.getElementById("room-video");
    var note = document.getElementById("player-note");
    var replay = document.getElementById("player-replay");
    var replayLink = document.getElementById("replay-link");
    var hls = null;
    var source = null;
    var retry = null;

    function say(text) { if (note) { note.textContent = text; note.hidden = !text; } }

    function stop() {
      if (retry) { clearTimeout(retry); retry = null; }
      if (hls) { hls.destroy(); hls = null; }
      if (video) { video.removeAttribute("src"); video.load(); }
      source = null;
    }

    // No stream yet (the host has not started pushing) or it dropped: say so, wait and try again.
    // The links may have expired or been revoked meanwhile: ask for fresh ones before trying again.
    function retryLater(waitingText) {
      say(waitingText);
      stop();
      retry = setTimeout(function () {
        retry = null;
        links.refresh().then(function () { if (state.status === "live" || state.status === "ended") update(); });
      }, 5000);
    }

    // Links are signed and expire (HUB_MEDIA_LINK_SECONDS). hls.js keeps reloading the live playlist and its
    // segments from the address it started with: every request is sent to the newest signed address instead,
    // so that a refresh never interrupts the picture.
    function current(url) {
      var fresh = cfg.hlsUrl && cfg.hlsUrl.replace(/index\.m3u8$/, "");
      var marker = fresh && fresh.match(/session-\d+\/$/);
      if (!marker) return url;
      var at = url.indexOf(marker[0]);
      return at < 0 ? url : fresh + url.slice(at + marker[0].length);
    }

    // A new signed replay address: keep the place the viewer had reached.
    function replayRenewed() {
      if (!video || state.status !== "ended" || !source || source === cfg.replayUrl || hls) return;
      var at = video.currentTime, paused = video.paused;
      source = cfg.replayUrl;
      video.src = source;
      video.addEventListener("loadedmetadata", function () {
        video.currentTime = at;
        if (!paused) video.play().catch(function () {});
      }, { once: true });
    }

    function play(url, waitingText) {
      if (!video || source === url) return;
      stop();
      source = url;
      video.hidden = false;
      // hls.js wherever Media Source Extensions exist (it retries and recovers on its own); the browser's own
      // HLS (iOS Safari) otherwise.
      if (/\.m3u8(\?|$)/.test(url) && window.Hls && window.Hls.isSupported()) {
        hls = new window.Hls({
          manifestLoadingMaxRetry: 2,
          xhrSetup: function (xhr, requested) { xhr.open("GET", current(requested), true); },
        });
        hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
          say("");
          video.play().catch(function () {});
        });
        hls.on(window.Hls.Events.ERROR, function (event, data) {
          // 410: the link expired or was revoked (a new link generation); hls.js retries with the fresh one.
          if (data.response && data.response.code === 410) links.refresh();
          if (data.fatal) retryLater(waitingText);
        });
        hls.loadSource(url);
        hls.attachMedia(video);
      } else {
        video.src = url;
        video.addEventListener("loadeddata", function () { say(""); }, { once: true });
        video.addEventListener("error", function () { if (source === url) retryLater(waitingText); }, { once: true });
        video.play().catch(function () {});
      }
    }

    function update() {
      var s = state.status;
      if (replay) replay.hidden = !(s === "ended" && cfg.replayUrl);
      if (replayLink && cfg.replayPage) replayLink.href = cfg.replayPage;
      if (s === "live" && cfg.hlsUrl) {
        say(i18n.connecting);
        play(cfg.hlsUrl, i18n.waitingForStream);
      } else if (s === "live") {
        say(i18n.liveExternal);
      } else if (s === "ended") {
        stop();
        if (cfg.replayUrl && video) {
          say("");
          play(cfg.replayUrl, i18n.ended);
        } else {
          say(cfg.replayUrl ? i18n.endedReplay : i18n.ended);
          if (video) video.hidden = true;
        }
      } else if (s === "cancelled") {
        stop();
        say(i18n.cancelled);
        if (video) video.hidden = true;
      } else if (video) {
        video.hidden = true;
      }
    }
    return { update: update, replayRenewed: replayRenewed };
  })();

  // Fresh signed links while the viewer may still watch (GET linksUrl, see livestreams/playback.py): every
  // refreshIn seconds, and when the player fails. A 403/404 means the viewer may no longer watch: stop asking.
  var links = (function () {
    var timer = null;
    var stopped = false;
    function schedule(seconds) {
      if (timer) clearTimeout(timer);
      if (!stopped) timer = setTimeout(refresh, Math.max(5, seconds) * 1000);
    }
    var last = 0;
    function refresh() {
      if (stopped || !cfg.linksUrl || !window.fetch) return Promise.resolve();
      // Several failing requests at once ask once.
      if (Date.now() - last < 3000) return Promise.resolve();
      last = Date.now();
      return fetch(cfg.linksUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (resp) {
          if (resp.status === 403 || resp.status === 404) { stopped = true; return null; }
          if (!resp.ok) throw new Error(String(resp.status));
          return resp.json();
        })
        .then(function (data) {
          if (!data) return;
          cfg.hlsUrl = data.hlsUrl;
          cfg.replayUrl = data.replayUrl;
          cfg.refreshIn = data.refreshIn;
          schedule(data.refreshIn);
          player.replayRenewed();
        })
        .catch(function () { schedule(30); });
    }
    if (cfg.refreshIn) schedule(cfg.refreshIn);
    return { refresh: refresh };
  })();

  // --- Comment form --------------------------------------------------------------------------
  function commentsOpen() {
    return state.status === "live" || state.status === "scheduled";
  }

  function updateForm() {
    if (!form) return;
    var blocked = state.muted || !commentsOpen();
    input.disabled = blocked;
    sendButton.disabled = blocked || !isOpen() || state.retryTimer !== null;
    if (state.muted) feedback.textContent = i18n.muted;
    else if (!commentsOpen()) feedback.textContent = i18n.closed;
  }

  function countdown(seconds) {
    clearInterval(state.retryTimer);
    var left = seconds;
    sendButton.disabled = true;
    sendButton.textContent = i18n.send + " (" + left + ")";
    state.retryTimer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(state.retryTimer);
        state.retryTimer = null;
        sendButton.textContent = i18n.send;
        updateForm();
      } else {
        sendButton.textContent = i18n.send + " (" + left + ")";
      }
    }, 1000);
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { feedback.textContent = i18n.empty; return; }
      if (!isOpen()) { feedback.textContent = i18n.offline; return; }
      var nonce = "c" + Date.now() + Math.random().toString(16).slice(2, 8);
      state.pending[nonce] = text;
      sendButton.disabled = true;
      sendButton.classList.add("spinner");
      feedback.textContent = "";
      send({ type: "comment", text: text, nonce: nonce });
    });
  }
  if (slowSelect) {
    slowSelect.addEventListener("change", function () {
      send({ type: "slow_mode", seconds: parseInt(slowSelect.value, 10) });
    });
  }

  // --- Socket (static/js/socket.js reconnects; the room resumes with ?after=<last comment id>) ----------
  function isOpen() {
    return !!state.socket && state.socket.isOpen();
  }

  function send(obj) {
    if (!isOpen() || !state.socket.send(obj)) {
      if (feedback) feedback.textContent = i18n.offline;
    }
  }

  function setConn(kind, text) {
    connState.dataset.state = kind;
    connState.textContent = text;
  }

  function nameOf(userId) {
    // A muted person's name is sent only when their comments already show it; else the list shows the
    // name of one of their comments on this page, or their number.
    var li = list.querySelector('li.comment[data-author-id="' + userId + '"] .comment-author');
    return li ? li.textContent : "#" + userId;
  }

  function handle(msg) {
    switch (msg.type) {
      case "welcome":
        state.muted = msg.muted;
        state.canModerate = msg.can_moderate;
        setSlowMode(msg.slow_mode);
        if (msg.can_moderate) { mutes = msg.mutes || []; setMutes(mutes); }
        if (msg.status !== state.status) setStatus(msg.status);
        updateForm();
        break;
      case "history": showHistory(msg); break;
      case "comment": addComment(msg); break;
      case "comment_removed": removeComment(msg.id); break;
      case "viewers": setViewers(msg.count); break;
      case "status": setStatus(msg.status); break;
      case "replay":
        // msg.url is the hub's replay address (it checks the viewer); the player needs a signed file link.
        cfg.replayPage = msg.url;
        links.refresh().then(function () { player.update(); });
        break;
      case "slow_mode": setSlowMode(msg.seconds); break;
      case "muted":
      case "unmuted":
        if (msg.user_id === cfg.userId) { state.muted = msg.type === "muted"; if (!state.muted) feedback.textContent = ""; updateForm(); }
        mutes = mutes.filter(function (m) { return m.user_id !== msg.user_id; });
        if (msg.type === "muted") mutes.push({ user_id: msg.user_id, name: msg.name || nameOf(msg.user_id) });
        setMutes(mutes);
        break;
      case "ack":
        if (msg.nonce && state.pending[msg.nonce] !== undefined) {
          delete state.pending[msg.nonce];
          input.value = "";
          sendButton.classList.remove("spinner");
          updateForm();
        }
        break;
      case "error":
        // An error answering a room part's message (its nonce is not a pending comment) is the part's to show.
        if (msg.nonce && state.pending[msg.nonce] === undefined && hooks.error) break;
        if (msg.nonce) delete state.pending[msg.nonce];
        if (sendButton) sendButton.classList.remove("spinner");
        if (feedback) feedback.textContent = msg.message;
        if (msg.code === "muted") state.muted = true;
        if (msg.retry_after && sendButton) countdown(msg.retry_after);
        else updateForm();
        break;
    }
  }

  // Room parts (livestreams/views/room_registry.py) load their scripts after this one and listen with
  // HubRoom.on(type, fn); every message is offered to them after the room's own handling.
  var hooks = {};
  function dispatch(msg) {
    handle(msg);
    (hooks[msg.type] || []).forEach(function (fn) { fn(msg); });
  }
  window.HubRoom = {
    cfg: cfg,
    i18n: i18n,
    on: function (type, fn) { (hooks[type] = hooks[type] || []).push(fn); },
    send: send,
    isOpen: isOpen,
    status: function () { return state.status; },
  };

  function connect() {
    state.socket = window.HubSocket.open({
      path: function () { return cfg.wsPath + (state.lastId ? "?after=" + state.lastId : ""); },
      onMessage: dispatch,
      onState: function (kind, event) {
        if (kind === "connecting") setConn("connecting", i18n.connectingChat);
        else if (kind === "open") setConn("open", i18n.online);
        else if (kind === "reconnecting") setConn("closed", i18n.reconnecting);
        else if (kind === "stopped") setConn("closed", event.code === 4401 ? i18n.signIn : i18n.forbidden);
        updateForm();
      },
    });
  }

  player.update();
  // The parts' scripts come after this one: connect once they have all registered their hooks.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
  else connect();
})();
