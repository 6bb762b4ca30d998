// The bell in the header: the unread count and the latest notifications, live over /ws/notifications/.
(function () {
  "use strict";
  var bell = document.getElementById("notification-bell");
  var badge = document.getElementById("notification-count");
  var wordsEl = document.getElementById("notification-i18n");
  if (!bell || !badge || !wordsEl || !window.WebSocket || !window.HubSocket) return;
  var words = JSON.parse(wordsEl.textContent);

  var panel = document.createElement("div");
  panel.className = "bell-panel";
  panel.id = "notification-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", words.title);
  var head = document.createElement("div");
  head.className = "bell-panel-head";
  var title = document.createElement("strong");
  title.textContent = words.title;
  var markAll = document.createElement("button");
  markAll.type = "button";
  markAll.className = "link-button";
  markAll.textContent = words.markAll;
  head.appendChild(title);
  head.appendChild(markAll);
  var list = document.createElement("ul");
  list.className = "bell-list";
  var all = document.createElement("a");
  all.href = bell.getAttribute("href");
  all.className = "bell-all";
  all.textContent = words.all;
  panel.appendChild(head);
  panel.appendChild(list);
  panel.appendChild(all);
  bell.parentNode.insertBefore(panel, bell.nextSibling);
  bell.setAttribute("aria-controls", panel.id);
  bell.setAttribute("aria-expanded", "false");

  var toast = document.createElement("div");
  toast.className = "bell-toast";
  toast.setAttribute("role", "status");
  toast.hidden = true;
  document.body.appendChild(toast);
  var toastTimer = null;

  var socket = null;
  var items = [];

  function setCount(n) {
    badge.textContent = n;
    badge.hidden = !n;
  }

  function renderList() {
    list.textContent = "";
    if (!items.length) {
      var none = document.createElement("li");
      none.className = "bell-empty";
      none.textContent = words.none;
      list.appendChild(none);
      return;
    }
    items.slice(0, 10).forEach(function (n) {
      var li = document.createElement("li");
      li.className = n.read ? "read" : "unread";
      var link = document.createElement(n.url ? "a" : "span");
      if (n.url) link.href = n.url;
      link.textContent = n.title;
      li.appendChild(link);
      if (n.body) {
        var body = document.createElement("span");
        body.className = "bell-body";
        body.textContent = n.body;
        li.appendChild(body);
      }
      list.appendChild(li);
    });
  }

  function showToast(n) {
    toast.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = n.title;
    toast.appendChild(strong);
    if (n.body) toast.appendChild(document.createTextNode(" " + n.body));
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 6000);
  }

  function handle(msg) {
    if (msg.type === "unread") {
      setCount(msg.count);
      if (msg.recent) items = msg.recent;
      if (!msg.count) items.forEach(function (n) { n.read = true; });
      renderList();
    } else if (msg.type === "notification") {
      items.unshift(Object.assign({ read: false }, msg.notification));
      setCount(msg.unread);
      renderList();
      // No pop-up for a notice that points at the page already open ("the class has started" in its room).
      if (!msg.notification.url || msg.notification.url !== window.location.pathname) showToast(msg.notification);
    }
  }

  // static/js/socket.js reconnects; every (re)connection starts with a fresh "unread" (the resync).
  function connect() {
    socket = window.HubSocket.open({
      path: "/ws/notifications/",
      onMessage: handle,
      onState: function (state) {
        if (state === "open") bell.dataset.live = "1";
        else delete bell.dataset.live;
      },
      stopCodes: [4401],
      maxDelay: 30000,
      pingEvery: 30000,
    });
  }

  bell.addEventListener("click", function (event) {
    event.preventDefault();
    panel.hidden = !panel.hidden;
    bell.setAttribute("aria-expanded", panel.hidden ? "false" : "true");
  });
  document.addEventListener("click", function (event) {
    if (!panel.hidden && !panel.contains(event.target) && !bell.contains(event.target)) {
      panel.hidden = true;
      bell.setAttribute("aria-expanded", "false");
    }
  });
  markAll.addEventListener("click", function () {
    if (socket) socket.send({ type: "mark_read" });
  });
  renderList();
  connect();
})();
