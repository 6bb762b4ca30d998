/* The room's interaction (docs/live-room-protocol.md, "Interaction"): the pinned announcement, likes,
   questions with votes, polls and quizzes with live results. Speaks over the room's socket through
   window.HubRoom; text from people goes into the page with textContent only. */
(function () {
  "use strict";
  var room = window.HubRoom;
  if (!room) return;
  var cfg = room.cfg, t = room.i18n;
  var opts = cfg.interaction || {};
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // Errors and acks of our frames are told apart by their nonce: "ia<n>" → where to show the message.
  var seq = 0, waiting = {};
  function send(obj, feedback, onAck) {
    var nonce = "ia" + (++seq);
    waiting[nonce] = { feedback: feedback, onAck: onAck };
    obj.nonce = nonce;
    if (feedback) feedback.textContent = "";
    room.send(obj);
  }
  room.on("ack", function (msg) {
    var w = msg.nonce && waiting[msg.nonce];
    if (!w) return;
    delete waiting[msg.nonce];
    if (w.onAck) w.onAck(msg);
  });
  room.on("error", function (msg) {
    var w = msg.nonce && waiting[msg.nonce];
    if (!w) return;
    delete waiting[msg.nonce];
    if (w.feedback) w.feedback.textContent = msg.message;
  });

  var state = { moderator: !!cfg.canModerate, canAnswer: !!cfg.canComment };
  room.on("welcome", function (msg) {
    state.moderator = !!msg.can_moderate;
    state.canAnswer = !!msg.can_comment;
  });

  // --- The announcement ------------------------------------------------------------------------------
  var banner = $("ia-announcement"), bannerText = $("ia-announcement-text");
  room.on("announcement", function (msg) {
    if (!banner) return;
    bannerText.textContent = msg.text || "";
    banner.hidden = !msg.text;
    var input = $("ia-announce-text");
    if (input && document.activeElement !== input) input.value = msg.text || "";
  });
  var announceForm = $("ia-announce-form");
  if (announceForm) {
    var hostFeedback = $("ia-host-feedback");
    announceForm.addEventListener("submit", function (event) {
      event.preventDefault();
      send({ type: "announce", text: $("ia-announce-text").value }, hostFeedback);
    });
    $("ia-announce-clear").addEventListener("click", function () {
      $("ia-announce-text").value = "";
      send({ type: "announce", text: null }, hostFeedback);
    });
  }

  // --- Likes: taps are grouped and sent at most every 600 ms ------------------------------------------------
  var likeButton = $("ia-like"), likeCount = $("ia-like-count"), hearts = $("ia-hearts");
  var likes = { total: 0, unsent: 0, timer: null };
  function showLikes() { if (likeCount) likeCount.textContent = String(likes.total + likes.unsent); }
  function flushLikes() {
    likes.timer = null;
    if (!likes.unsent) return;
    if (!room.isOpen()) { likes.timer = setTimeout(flushLikes, 1000); return; }
    var n = Math.min(likes.unsent, opts.likeBatchMax || 20);
    likes.unsent -= n;
    likes.total += n;
    send({ type: "like", count: n }, null);
    if (likes.unsent) likes.timer = setTimeout(flushLikes, 600);
  }
  function heart() {
    if (!hearts) return;
    var h = el("span", "ia-heart", "♥");
    h.style.left = Math.round(Math.random() * 40) + "px";
    hearts.appendChild(h);
    setTimeout(function () { h.remove(); }, 1200);
  }
  if (likeButton) {
    likeButton.addEventListener("click", function () {
      likes.unsent += 1;
      showLikes();
      heart();
      if (!likes.timer) likes.timer = setTimeout(flushLikes, 600);
    });
  }
  room.on("likes", function (msg) {
    // The server's total already holds what this page sent; only the unsent taps are added.
    likes.total = msg.total;
    showLikes();
  });

  // --- Questions ------------------------------------------------------------------------------------------
  var qList = $("ia-question-list"), qFeedback = $("ia-question-feedback");
  var voted = {}, questions = [];
  function questionItem(q) {
    var li = el("li", "ia-question" + (q.pinned ? " pinned" : "") + (q.answered ? " answered" : ""));
    li.dataset.id = q.id;
    var votes = el("span", "ia-votes");
    votes.appendChild(el("strong", "ia-vote-count", q.votes));
    votes.appendChild(el("span", "ia-vote-word", t.ia_votes));
    li.appendChild(votes);
    var body = el("div", "ia-question-body");
    var badges = el("span", "ia-badges");
    if (q.pinned) badges.appendChild(el("span", "badge ia-badge-pinned", t.ia_pinned));
    if (q.answered) badges.appendChild(el("span", "badge ia-badge-answered", t.ia_answered));
    body.appendChild(badges);
    body.appendChild(el("span", "ia-question-text", q.text));
    body.appendChild(el("span", "ia-question-author", q.author));
    var actions = el("span", "ia-question-actions");
    if (state.canAnswer) {
      var vote = el("button", "ia-vote", voted[q.id] ? t.ia_voted : t.ia_vote);
      vote.type = "button";
      vote.disabled = !!voted[q.id];
      vote.addEventListener("click", function () {
        vote.disabled = true;
        send({ type: "question_vote", id: q.id }, qFeedback, function () {
          voted[q.id] = true;
          vote.textContent = t.ia_voted;
        });
      });
      actions.appendChild(vote);
    }
    if (state.moderator) {
      var answered = el("button", "link-button ia-mark", q.answered ? t.ia_markUnanswered : t.ia_markAnswered);
      answered.type = "button";
      answered.addEventListener("click", function () {
        send({ type: "question_answered", id: q.id, answered: !q.answered }, qFeedback);
      });
      var pin = el("button", "link-button ia-pin", q.pinned ? t.ia_unpin : t.ia_pin);
      pin.type = "button";
      pin.addEventListener("click", function () {
        send({ type: "question_pin", id: q.id, pinned: !q.pinned }, qFeedback);
      });
      actions.appendChild(answered);
      actions.appendChild(pin);
    }
    body.appendChild(actions);
    li.appendChild(body);
    return li;
  }
  function showQuestions() {
    if (!qList) return;
    qList.replaceChildren();
    if (!questions.length) qList.appendChild(el("li", "ia-empty", t.ia_noQuestions));
    questions.forEach(function (q) { qList.appendChild(questionItem(q)); });
  }
  room.on("questions", function (msg) {
    if (msg.voted) { voted = {}; msg.voted.forEach(function (id) { voted[id] = true; }); }
    questions = msg.items || [];
    showQuestions();
  });
  var askForm = $("ia-ask-form");
  if (askForm) {
    askForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("ia-ask-text");
      send({ type: "question_ask", text: input.value }, qFeedback, function () { input.value = ""; });
    });
  }

  // --- Polls and quizzes -------------------------------------------------------------------------------------
  var polls = {}, order = [], answered = {};
  var pollPanel = $("ia-polls"), pollList = $("ia-poll-list"), pollFeedback = $("ia-poll-feedback");
  var hostPolls = $("ia-host-polls");
  function stateWord(p) {
    return { ready: t.ia_pollStateReady, open: t.ia_pollStateOpen, closed: t.ia_pollStateClosed }[p.state] || p.state;
  }
  function bars(p) {
    var list = el("ul", "ia-bars");
    var mine = answered[p.id] || [];
    p.options.forEach(function (o) {
      var share = p.answers ? Math.round((100 * o.count) / p.answers) : 0;
      var li = el("li", "ia-bar" + (o.correct ? " correct" : "") + (mine.indexOf(o.id) >= 0 ? " mine" : ""));
      li.dataset.optionId = o.id;
      var label = el("span", "ia-bar-label", o.text);
      if (o.correct) label.appendChild(el("span", "ia-right-mark", " ✓ " + t.ia_rightAnswer));
      li.appendChild(label);
      var track = el("span", "ia-bar-track");
      var fill = el("span", "ia-bar-fill");
      fill.style.width = share + "%";
      track.appendChild(fill);
      li.appendChild(track);
      li.appendChild(el("span", "ia-bar-count", o.count + " · " + share + "%"));
      list.appendChild(li);
    });
    return list;
  }
  function answerForm(p) {
    var form = el("form", "ia-answer");
    form.setAttribute("data-no-busy", "");
    var set = el("fieldset");
    set.appendChild(el("legend", "ia-choose", p.multiple ? t.ia_chooseSeveral : t.ia_chooseOne));
    p.options.forEach(function (o) {
      var label = el("label", "ia-option");
      var input = el("input");
      input.type = p.multiple ? "checkbox" : "radio";
      input.name = "poll-" + p.id;
      input.value = o.id;
      label.appendChild(input);
      label.appendChild(el("span", null, o.text));
      set.appendChild(label);
    });
    form.appendChild(set);
    var submit = el("button", "ia-answer-send", t.ia_submitAnswer);
    submit.type = "submit";
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = Array.prototype.filter.call(form.querySelectorAll("input"), function (i) { return i.checked; })
        .map(function (i) { return Number(i.value); });
      send({ type: "poll_answer", id: p.id, options: chosen }, pollFeedback, function () {
        answered[p.id] = chosen;
        showPolls();
      });
    });
    return form;
  }
  function verdict(p) {
    var mine = answered[p.id];
    if (!mine) return null;
    if (p.kind !== "quiz" || p.state !== "closed") return el("p", "ia-verdict", t.ia_yourAnswer);
    var right = p.options.filter(function (o) { return o.correct; }).map(function (o) { return o.id; });
    var ok = right.length === mine.length && mine.every(function (id) { return right.indexOf(id) >= 0; });
    return el("p", "ia-verdict " + (ok ? "right" : "wrong"), ok ? t.ia_answerRight : t.ia_answerWrong);
  }
  function pollItem(p) {
    var li = el("li", "ia-poll state-" + p.state);
    li.dataset.id = p.id;
    var head = el("p", "ia-poll-head");
    head.appendChild(el("span", "badge ia-kind", p.kind === "quiz" ? t.ia_kindQuiz : t.ia_kindPoll));
    head.appendChild(el("span", "badge ia-state", stateWord(p)));
    head.appendChild(el("span", "ia-answers", p.answers + " " + t.ia_answersCount));
    li.appendChild(head);
    li.appendChild(el("p", "ia-prompt", p.prompt));
    // The hosts run the poll: they see the results, not the form.
    var canAnswerNow = p.state === "open" && state.canAnswer && !state.moderator && !answered[p.id];
    if (canAnswerNow) li.appendChild(answerForm(p));
    if (!canAnswerNow || state.moderator) li.appendChild(bars(p));
    var v = verdict(p);
    if (v) li.appendChild(v);
    return li;
  }
  function hostItem(p) {
    var li = el("li", "ia-host-poll state-" + p.state);
    li.dataset.id = p.id;
    li.appendChild(el("span", "badge", p.kind === "quiz" ? t.ia_kindQuiz : t.ia_kindPoll));
    li.appendChild(el("span", "ia-prompt", p.prompt));
    li.appendChild(el("span", "ia-state", stateWord(p)));
    var button = el("button", "ia-poll-toggle", p.state === "open" ? t.ia_pollClose : p.state === "closed" ? t.ia_pollReopen : t.ia_pollOpen);
    button.type = "button";
    button.addEventListener("click", function () {
      send({ type: p.state === "open" ? "poll_close" : "poll_open", id: p.id }, $("ia-host-feedback"));
    });
    li.appendChild(button);
    return li;
  }
  function showPolls() {
    var shown = order.map(function (id) { return polls[id]; }).filter(function (p) { return p.state !== "ready"; });
    if (pollPanel) {
      pollPanel.hidden = !shown.length;
      pollList.replaceChildren();
      // The latest opened first.
      shown.slice().reverse().forEach(function (p) { pollList.appendChild(pollItem(p)); });
    }
    if (hostPolls) {
      hostPolls.replaceChildren();
      if (!order.length) hostPolls.appendChild(el("li", "help", t.ia_noPrepared));
      order.forEach(function (id) { hostPolls.appendChild(hostItem(polls[id])); });
    }
  }
  function keep(p) {
    var old = polls[p.id];
    // The public push of a quiz hides its right answers until it closes; the host keeps seeing them.
    if (old && state.moderator) {
      p.options.forEach(function (o) {
        var before = old.options.filter(function (x) { return x.id === o.id; })[0];
        if (before && o.correct === undefined && before.correct !== undefined) o.correct = before.correct;
      });
    }
    if (!old) order.push(p.id);
    polls[p.id] = p;
  }
  room.on("polls", function (msg) {
    polls = {}; order = [];
    answered = {};
    Object.keys(msg.answered || {}).forEach(function (id) { answered[id] = msg.answered[id]; });
    (msg.items || []).forEach(keep);
    showPolls();
  });
  room.on("poll", function (msg) {
    if (!msg.poll) return;
    keep(msg.poll);
    showPolls();
  });
})();
