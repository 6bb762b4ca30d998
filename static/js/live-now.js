// "Live now" over the /ws/live-now/ socket, for the home page and the dashboards: the socket sends a
// snapshot, then session_status and viewers events (only of sessions this user may see). No framework.
(function () {
  "use strict";

  function labels() {
    var el = document.getElementById("live-now-labels");
    return el ? JSON.parse(el.textContent) : { kinds: {}, statuses: {}, viewers: "{n}" };
  }

  var lang = document.documentElement.lang || "zh-hans";
  var numberFormat = new Intl.NumberFormat(lang === "en" ? "en" : "zh-CN");
  // "2024-03-01 14:00" in the hub's time zone, whatever the browser's.
  var dateTimeFormat = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });

  function formatCount(n) { return numberFormat.format(n); }
  function viewersText(n) { return labels().viewers.replace("{n}", formatCount(n)); }
  function when(s) {
    if (!s.starts_at) return "";
    var start = dateTimeFormat.format(new Date(s.starts_at));
    return s.ends_at ? start + " – " + dateTimeFormat.format(new Date(s.ends_at)).slice(11) : start;
  }

  // One socket that comes back after a restart of the server or a lost network (static/js/socket.js,
  // 1 s, 2 s, ... 30 s); every (re)connection starts with a fresh snapshot (the resync).
  function connect(path, onMessage, onState) {
    return window.HubSocket.open({
      path: path,
      onMessage: onMessage,
      onState: function (state) {
        if (onState && state !== "connecting") onState(state === "stopped" ? "closed" : state);
      },
      stopCodes: [4403],
      maxDelay: 30000,
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // A list of live sessions kept in step with the socket's messages.
  // opts: list (ul), empty (p shown when the list is empty), count (optional element with the number),
  // make(session) -> new li, adopt(id) -> an li found elsewhere on the page (e.g. under "Coming up") or null,
  // setViewers(li, n), markLive(li), onChange().
  function LiveList(opts) {
    this.opts = opts;
  }
  LiveList.prototype.find = function (id) {
    return this.opts.list.querySelector('[data-session-id="' + id + '"]');
  };
  LiveList.prototype.refresh = function () {
    var n = this.opts.list.children.length;
    this.opts.list.hidden = n === 0;
    if (this.opts.empty) this.opts.empty.hidden = n > 0;
    if (this.opts.count) this.opts.count.textContent = formatCount(n);
    if (this.opts.onChange) this.opts.onChange();
  };
  LiveList.prototype.upsert = function (s) {
    var item = this.find(s.id);
    if (!item) {
      item = (this.opts.adopt && this.opts.adopt(s.id)) || this.opts.make(s);
      item.classList.add("is-new");
      this.opts.list.appendChild(item);
    }
    if (this.opts.markLive) this.opts.markLive(item, s);
    this.opts.setViewers(item, s.viewers || 0);
  };
  LiveList.prototype.handle = function (msg) {
    var self = this;
    if (msg.type === "snapshot") {
      var ids = {};
      msg.sessions.forEach(function (s) { ids[s.id] = true; self.upsert(s); });
      Array.prototype.slice.call(this.opts.list.children).forEach(function (item) {
        if (!ids[item.dataset.sessionId]) item.remove();
      });
    } else if (msg.type === "session_status") {
      var s = msg.session;
      if (s.status === "live") {
        this.upsert(s);
      } else {
        var item = this.find(s.id);
        if (item) item.remove();
        if (this.opts.gone) this.opts.gone(s);
      }
    } else if (msg.type === "viewers") {
      var found = this.find(msg.session_id);
      if (found) this.opts.setViewers(found, msg.count);
    }
    this.refresh();
  };

  function setViewersSpan(item, n) {
    var span = item.querySelector("[data-viewers]");
    if (!span) {
      span = el("span", "viewers");
      span.setAttribute("data-viewers", "");
      (item.querySelector("a") || item).appendChild(span);
    }
    span.dataset.count = n;
    span.textContent = viewersText(n);
  }

  function stateNote(section) {
    var note = section.querySelector("[data-live-state]");
    return function (state) {
      section.dataset.socket = state;
      if (!note) return;
      note.hidden = state !== "reconnecting";
      note.textContent = state === "reconnecting" ? labels().reconnecting || "" : "";
    };
  }

  // The home page: the cards of "Live now" (and of "Coming up", which move up when they start).
  function bindHome(section) {
    var L = labels();
    var upcoming = document.querySelector("[data-upcoming-list]");
    var upcomingEmpty = document.querySelector("[data-upcoming-empty]");
    var list = new LiveList({
      list: section.querySelector("[data-live-now-list]"),
      empty: section.querySelector("[data-live-now-empty]"),
      adopt: function (id) {
        var card = upcoming && upcoming.querySelector('[data-session-id="' + id + '"]');
        if (card && upcomingEmpty) upcomingEmpty.hidden = upcoming.children.length > 1;
        return card;
      },
      make: function (s) {
        var li = el("li", "card session-card");
        li.dataset.sessionId = s.id;
        var a = el("a");
        a.href = s.url;
        var status = el("span", "status");
        status.setAttribute("data-status", "");
        a.appendChild(status);
        a.appendChild(el("span", "kind", (s.class_kind && (L.class_kinds || {})[s.class_kind]) || L.kinds[s.kind] || s.kind));
        a.appendChild(el("strong", "title", s.title));
        a.appendChild(el("span", "when", when(s)));
        a.appendChild(el("span", "host", s.host));
        li.appendChild(a);
        return li;
      },
      markLive: function (item) {
        var status = item.querySelector("[data-status]");
        if (status) {
          status.className = "status status-live";
          status.textContent = L.statuses.live || "live";
        }
      },
      gone: function (s) {
        // A cancelled session also leaves "Coming up".
        var card = upcoming && upcoming.querySelector('[data-session-id="' + s.id + '"]');
        if (card && s.status === "cancelled") card.remove();
      },
      setViewers: setViewersSpan,
    });
    connect(section.dataset.wsPath, function (msg) { list.handle(msg); }, stateNote(section));
  }

  window.HubLiveNow = {
    connect: connect,
    labels: labels,
    LiveList: LiveList,
    viewersText: viewersText,
    formatCount: formatCount,
    when: when,
    el: el,
    setViewersSpan: setViewersSpan,
    stateNote: stateNote,
  };

  document.querySelectorAll("[data-live-now-home]").forEach(bindHome);
})();
