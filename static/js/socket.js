// One websocket that comes back, for every live part of the hub (the room, the notification bell, "live
// now"): docs/live-room-protocol.md. It reconnects after a lost network or a server restart, backing off
// 1 s, 2 s, 4 s … up to maxDelay (with jitter, so that a restarted server is not hit by every page at
// once); it stops for good on the close codes that mean "not for you" (4401 sign in, 4403 forbidden); it
// pings so that proxies do not close an idle socket. Each (re)connection calls onOpen, the place to resync:
// the room asks for ?after=<last comment> through path(), the bell and "live now" get a fresh state from
// the server on every connect.
(function () {
  "use strict";

  // opts: path (string, or function returning the path with its query, called on every attempt),
  // onMessage(msg) for each message (a frame with a JSON array is split into its messages),
  // onOpen(reconnected), onState(state, closeEvent) with "connecting" | "open" | "reconnecting" | "stopped",
  // stopCodes (default [4401, 4403]), maxDelay (ms, default 10000), pingEvery (ms, default 25000, 0 = never).
  function open(opts) {
    var stopCodes = opts.stopCodes || [4401, 4403];
    var maxDelay = opts.maxDelay || 10000;
    var pingEvery = opts.pingEvery === undefined ? 25000 : opts.pingEvery;
    var ws = null;
    var attempts = 0;
    var opened = false;
    var stopped = false;
    var paused = false; // the page went into the back-forward cache
    var timer = null;

    function state(name, event) {
      if (opts.onState) opts.onState(name, event);
    }

    function isOpen() {
      return !!ws && ws.readyState === WebSocket.OPEN;
    }

    function connect() {
      timer = null;
      if (stopped || paused) return;
      var path = typeof opts.path === "function" ? opts.path() : opts.path;
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + location.host + path);
      ws = socket;
      state("connecting");
      socket.onopen = function () {
        attempts = 0;
        var again = opened;
        opened = true;
        state("open");
        if (opts.onOpen) opts.onOpen(again);
      };
      socket.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        (Array.isArray(data) ? data : [data]).forEach(function (msg) {
          if (msg && typeof msg.type === "string") opts.onMessage(msg);
        });
      };
      socket.onclose = function (event) {
        if (ws !== socket || stopped || paused) return;
        if (stopCodes.indexOf(event.code) !== -1) {
          stopped = true;
          state("stopped", event);
          return;
        }
        attempts += 1;
        var delay = Math.min(maxDelay, 1000 * Math.pow(2, attempts - 1)) * (0.7 + Math.random() * 0.6);
        state("reconnecting", event);
        timer = setTimeout(connect, delay);
      };
    }

    function send(obj) {
      if (!isOpen()) return false;
      ws.send(JSON.stringify(obj));
      return true;
    }

    function close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (ws) ws.close();
    }

    if (pingEvery) setInterval(function () { send({ type: "ping" }); }, pingEvery);
    window.addEventListener("pagehide", function () {
      paused = true;
      if (timer) clearTimeout(timer);
      if (ws) ws.close();
    });
    window.addEventListener("pageshow", function (event) {
      // Back from the back-forward cache: connect again (and resync, as after any reconnect).
      if (event.persisted && paused) {
        paused = false;
        connect();
      }
    });
    connect();
    return { send: send, isOpen: isOpen, close: close };
  }

  window.HubSocket = { open: open };
})();
