// The media pages: copy and reveal the stream key, preview the stream, upload a lecture with progress.
(function () {
  "use strict";

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      var done = function () {
        button.textContent = button.dataset.copied;
        setTimeout(function () { button.textContent = button.dataset.label; }, 2000);
      };
      var fallback = function () {
        var type = input.type;
        input.type = "text";
        input.select();
        document.execCommand("copy");
        input.type = type;
        done();
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });

  document.querySelectorAll("[data-reveal]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.reveal);
      var hidden = input.type === "password";
      input.type = hidden ? "text" : "password";
      button.textContent = hidden ? button.dataset.hide : button.dataset.show;
    });
  });

  // The host's preview: hls.js where Media Source Extensions exist, the browser's own HLS otherwise.
  // Until the stream is there the playlist answers 404; try again every few seconds.
  var video = document.querySelector("video[data-hls]");
  var state = document.querySelector("[data-preview-state]");
  if (video && video.dataset.hls) {
    var src = video.dataset.hls;
    // .help is display: block, which beats the hidden attribute: hide it with its style (issue 15: the
    // note "no picture yet" stayed under a playing rehearsal preview).
    var showState = function (shown) { if (state) { state.hidden = !shown; state.style.display = shown ? "" : "none"; } };
    var playing = function () { showState(false); };
    video.addEventListener("playing", playing);
    video.addEventListener("timeupdate", function () { if (video.currentTime > 0 && !video.paused) playing(); });
    // The link is signed and expires: fetch a fresh one (data-links) half way through its life, and send
    // every request of hls.js to the newest one (see room.js).
    var renew = function () {
      if (!video.dataset.links || !window.fetch) return Promise.resolve();
      return fetch(video.dataset.links, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (resp) { return resp.ok ? resp.json() : null; })
        .then(function (data) {
          if (data && data.hlsUrl) { src = data.hlsUrl; setTimeout(renew, data.refreshIn * 1000); }
        })
        .catch(function () { setTimeout(renew, 30000); });
    };
    setTimeout(renew, (Number(video.dataset.refreshIn) || 300) * 1000);
    var current = function (url) {
      var marker = src.match(/session-\d+\//);
      var at = marker ? url.indexOf(marker[0]) : -1;
      return at < 0 ? url : src.slice(0, src.indexOf(marker[0])) + url.slice(at);
    };
    if (window.Hls && window.Hls.isSupported()) {
      var start = function () {
        var hls = new window.Hls({
          lowLatencyMode: false,
          xhrSetup: function (xhr, requested) { xhr.open("GET", current(requested), true); },
        });
        hls.on(window.Hls.Events.ERROR, function (event, data) {
          if (data.fatal) {
            hls.destroy();
            showState(true);
            setTimeout(function () { renew().then(start); }, 5000);
          }
        });
        hls.on(window.Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
        hls.loadSource(src);
        hls.attachMedia(video);
      };
      start();
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
      video.addEventListener("error", function () {
        setTimeout(function () { renew().then(function () { video.src = src; video.load(); }); }, 5000);
      });
    }
  }

  // Upload with a progress bar; without JavaScript the form posts normally.
  var form = document.querySelector("form[data-upload]");
  if (form && window.FormData && window.XMLHttpRequest) {
    form.dataset.noBusy = "";
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var box = form.querySelector("[data-progress]");
      var bar = box.querySelector("progress");
      var percent = box.querySelector("[data-percent]");
      var errors = form.querySelector("[data-errors]");
      var showErrors = function (list) {
        errors.innerHTML = "";
        list.forEach(function (text) {
          var li = document.createElement("li");
          li.textContent = text;
          errors.appendChild(li);
        });
        button.disabled = false;
        box.hidden = true;
      };
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Hub-Upload", "1");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var value = Math.round((e.loaded / e.total) * 100);
          bar.value = value;
          percent.textContent = value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
        if (data && data.ok) {
          window.location.assign(data.url);
        } else {
          showErrors(data && data.errors ? data.errors : [form.dataset.failed]);
        }
      });
      xhr.addEventListener("error", function () { showErrors([form.dataset.failed]); });
      button.disabled = true;
      box.hidden = false;
      errors.innerHTML = "";
      xhr.send(new FormData(form));
    });
  }
})();
