// The class vote on a student's phone: join once, poll the stage on show, vote, say plainly what happens.
// Served under /c/CODE/ with a strict CSP. Server text (an author's scenario) only ever goes in through textContent.
"use strict";

(function () {
  var POLL_MS = 1500;
  var MAX_BACKOFF_MS = 15000;
  var REQUEST_TIMEOUT_MS = 8000;
  var NETWORK_HELP = "Is your phone on the same Wi-Fi as the projector? Some campus networks keep devices apart: " +
    "the lecturer can start a hotspot.";

  var code = (location.pathname.split("/")[2] || "").toUpperCase();
  var base = "/c/" + encodeURIComponent(code);
  var storageKey = "rapport.class." + code;

  var el = function (id) { return document.getElementById(id); };
  var ui = {
    who: el("who"), status: el("status"), statusText: el("status-text"),
    actions: el("problem-actions"), retry: el("retry"), rejoin: el("rejoin"),
    stage: el("stage"), step: el("step"), speaker: el("speaker"), words: el("words"),
    nonverbal: el("nonverbal"), form: el("vote"), options: el("options"), hint: el("hint"),
    list: el("list"), yours: el("yours")
  };

  // The device token survives a reload (the same phone keeps its number and its vote); in a private tab where
  // storage throws, it lives as long as the page.
  var memoryToken = null;
  function loadToken() {
    try { return window.localStorage.getItem(storageKey) || memoryToken; } catch (e) { return memoryToken; }
  }
  function saveToken(token) {
    memoryToken = token;
    try { window.localStorage.setItem(storageKey, token); } catch (e) { /* private mode: memory only */ }
  }
  function dropToken() {
    memoryToken = null;
    try { window.localStorage.removeItem(storageKey); } catch (e) { /* nothing stored */ }
  }

  var state = null;          // the last state the server sent
  var shownBallot = "";      // what the option list was built from, so it is rebuilt only when the stage changes
  var spoken = "";           // what the live region says, so it changes (and is announced) only when it must
  var timer = null;
  var backoff = POLL_MS;
  var stopped = false;       // removed, or no class with this code: polling ends
  var joining = false;
  var rejoined = false;
  var stale = false;         // a problem was shown over the state: draw the state again at the next answer
  var notice = "";           // why the last vote was refused
  var noticeMoment = null;   // the phase and stage the refusal belongs to (null: the next state the server sends)

  // --- talking to the server ----------------------------------------------------------------------------------

  function request(method, path, body) {
    var headers = { "Accept": "application/json" };
    var token = loadToken();
    if (token) { headers["X-Rapport-Device"] = token; }
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var abort = null;
    if (window.AbortController) {
      var controller = new AbortController();
      init.signal = controller.signal;
      abort = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    }
    var done = function () { if (abort) { clearTimeout(abort); } };
    return fetch(base + path, init).then(function (response) {
      return response.text().then(function (text) {
        done();
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        return { status: response.status, json: json };
      });
    }, function (err) {
      done();
      throw err;
    });
  }

  function sentence(json, fallback) {
    var s = json && typeof json.error === "string" ? json.error : fallback;
    return s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? "" : ".");
  }

  function join() {
    if (joining) { return Promise.resolve(false); }
    joining = true;
    return request("POST", "/join").then(function (r) {
      joining = false;
      if (r.status === 200 && r.json && typeof r.json.device === "string") {
        saveToken(r.json.device);
        return true;
      }
      if (!refused(r)) { busy(r); }
      return false;
    }, function (err) {
      joining = false;
      throw err;
    });
  }

  // A refusal that no retry will mend, said in plain words; false when the status is not one of those.
  function refused(r) {
    var full = r.status === 503 && r.json && typeof r.json.error === "string" && /full/.test(r.json.error);
    if (r.status === 403) {
      stop(["The lecturer removed this phone from the class.",
        "If you think that is a mistake, ask the lecturer."], false, false);
    } else if (r.status === 404) {
      stop(["No class is open with the code " + code + ".",
        "Check the code on the projector and type it again."], false, true);
    } else if (full) {
      stop(["The class is full: no more phones can join.", "Ask the lecturer, or share a neighbour's screen."],
        true, false);
    } else if (r.status === 401) {
      dropToken();
      stop(["This phone is no longer in the class.", "Tap Try again to join again."], true, false);
    } else {
      return false;
    }
    return true;
  }

  // Anything else (the class is busy, too many requests, a request it could not read): wait longer and ask again.
  // A busy class is said only when it answers so twice running, so one shed request does not alarm anyone.
  function busy(r) {
    var again = backoff > POLL_MS;
    if (r.status === 429 || r.status >= 500) {
      if (again) {
        stale = true;
        say([sentence(r.json, "the class is busy"), "Trying again in a moment…"], true);
      }
    } else {
      stale = true;
      say(["The class did not answer as expected (error " + r.status + "). Trying again…"], true);
    }
    slowDown();
  }

  function poll() {
    timer = null;
    if (stopped || document.hidden) { return; }
    var ready = loadToken() ? Promise.resolve(true) : join();
    ready.then(function (joined) {
      if (!joined) { return null; }
      return request("GET", "/state").then(function (r) {
        if (r.status === 200 && r.json) {
          backoff = POLL_MS;
          rejoined = false;
          render(r.json);
          schedule(POLL_MS);
        } else if (r.status === 401 && !rejoined) {
          // The class forgot this phone (the app was restarted with the same code): join once more.
          rejoined = true;
          dropToken();
          schedule(0);
        } else if (!refused(r)) {
          busy(r);
        }
      });
    }).catch(function () {
      unreachable();
    });
  }

  function schedule(ms) {
    if (timer !== null) { clearTimeout(timer); }
    timer = stopped || document.hidden ? null : setTimeout(poll, ms);
  }

  function slowDown() {
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    schedule(backoff);
  }

  // The first failure is said at once while joining (the student is waiting on it), later ones when they repeat,
  // so a Wi-Fi blip between two polls alarms nobody.
  function unreachable() {
    if (!state || backoff > POLL_MS) {
      stale = true;
      say(["Can't reach the class. Trying again…", NETWORK_HELP,
        "If the lecturer has ended the class, you can close this page."], true);
      ui.actions.hidden = false;
      ui.rejoin.hidden = true;
      ui.retry.hidden = false;
    }
    slowDown();
  }

  function stop(lines, canRetry, canRetype) {
    stopped = true;
    if (timer !== null) { clearTimeout(timer); timer = null; }
    ui.stage.hidden = true;
    setText(ui.who, "");
    say(lines, true);
    ui.actions.hidden = !(canRetry || canRetype);
    ui.retry.hidden = !canRetry;
    ui.rejoin.hidden = !canRetype;
  }

  function vote(key) {
    if (!state || !state.ballot || state.phase !== "open") { return; }
    notice = "";
    var stage = state.ballot.stage;
    markChosen(key);
    request("POST", "/vote", { stage: stage, option: key }).then(function (r) {
      if (r.status === 200 && r.json) {
        state.your_vote = r.json.your_vote;
        showVote();
        return;
      }
      if ((r.status === 401 || r.status === 403) && refused(r)) { return; }
      // Refused (the vote closed, the class moved on, too many taps): say why, show the vote as the server has it,
      // and keep saying why through the state that explains it (the lock), until the next change or vote.
      notice = "Your vote was not counted: " + sentence(r.json, "the class did not take it").replace(/^./,
        function (c) { return c.toLowerCase(); });
      // A refusal the page has not yet heard the reason of (the lock came between two polls) belongs to the next
      // state; one it has heard of, to the state it shows. It is said until the class moves on from that moment.
      noticeMoment = state.phase === "open" ? null : moment(state);
      markChosen(state.your_vote);
      showVote();
      schedule(0);
    }).catch(function () {
      notice = "Your vote was not sent: the class could not be reached. Tap again in a moment.";
      noticeMoment = moment(state);
      markChosen(state.your_vote);
      showVote();
      unreachable();
    });
  }

  // --- showing the state ------------------------------------------------------------------------------------

  // The live region: changed only when its words change, so a screen reader hears phase changes, not every poll.
  function say(lines, problem) {
    var key = lines.join("\n") + (problem ? "!" : "");
    ui.status.classList.toggle("problem", !!problem);
    if (key === spoken) { return; }
    spoken = key;
    while (ui.status.firstChild) { ui.status.removeChild(ui.status.firstChild); }
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      ui.status.appendChild(p);
    });
  }

  // Text is only ever set through textContent, and only when it differs, so a poll that changes nothing leaves
  // the page (and a screen reader's place in it) alone.
  function setText(node, text) {
    if (node.textContent !== text) { node.textContent = text; }
  }

  function optionNumber(key) {
    var entries = state && state.ballot ? state.ballot.entries : [];
    for (var i = 0; i < entries.length; i++) {
      if (entries[i].key === key) { return i + 1; }
    }
    return 0;
  }

  function render(next) {
    var fresh = !state || next.version !== state.version || stale;
    state = next;
    if (!fresh) { return; }
    stale = false;
    if (notice && noticeMoment === null) {
      noticeMoment = moment(next);
    } else if (notice && noticeMoment !== moment(next)) {
      notice = "";
    }
    ui.actions.hidden = true;
    setText(ui.who, "Phone " + next.you + " · " + next.joined + (next.joined === 1 ? " phone" : " phones") +
      " joined");
    var ballot = next.ballot;
    ui.stage.hidden = !ballot;
    if (ballot) { showBallot(ballot); }
    showVote();
  }

  function moment(s) {
    return s.phase + " " + (s.ballot ? s.ballot.stage : "");
  }

  function showBallot(ballot) {
    var id = JSON.stringify(ballot);
    if (id === shownBallot) { return; }
    shownBallot = id;
    setText(ui.step, "Step " + ballot.step);
    setText(ui.speaker, ballot.speaker);
    setText(ui.words, ballot.words);
    setText(ui.nonverbal, ballot.nonverbal);
    ui.nonverbal.hidden = !ballot.nonverbal;
    while (ui.list.firstChild) { ui.list.removeChild(ui.list.firstChild); }
    ballot.entries.forEach(function (entry, i) {
      var label = document.createElement("label");
      label.className = "option";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "move";
      input.value = entry.key;
      input.addEventListener("change", function () { if (input.checked) { vote(entry.key); } });
      var num = document.createElement("span");
      num.className = "num";
      num.textContent = "Option " + (i + 1);
      var text = document.createElement("span");
      text.className = "text";
      text.textContent = entry.text;
      var body = document.createElement("span");
      body.className = "body";
      label.appendChild(input);
      label.appendChild(body);
      body.appendChild(num);
      body.appendChild(text);
      if (entry.label) {
        var technique = document.createElement("span");
        technique.className = "label";
        technique.textContent = "Technique: " + entry.label;
        body.appendChild(technique);
      }
      var mine = document.createElement("span");
      mine.className = "mine";
      mine.textContent = "Your vote";
      body.appendChild(mine);
      ui.list.appendChild(label);
    });
  }

  function markChosen(key) {
    var labels = ui.list.querySelectorAll(".option");
    for (var i = 0; i < labels.length; i++) {
      var input = labels[i].querySelector("input");
      var chosen = input.value === key;
      input.checked = chosen;
      labels[i].classList.toggle("chosen", chosen);
    }
  }

  function showVote() {
    var s = state;
    var open = s.phase === "open";
    var n = optionNumber(s.your_vote);
    var mine = n ? "Your vote: option " + n + "." : "";
    var inputs = ui.list.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) { inputs[i].disabled = !open; }
    ui.form.classList.toggle("closed", !open);
    markChosen(s.your_vote);

    var lines;
    if (s.phase === "waiting" && !s.ballot) {
      lines = ["You're in: phone " + s.you + ".", "Wait for the lecturer to open the vote."];
      setText(ui.hint, "");
    } else if (s.phase === "waiting") {
      lines = ["You're in: phone " + s.you + ".", "Read the moment. Voting opens soon."];
      setText(ui.hint, "Voting opens soon.");
    } else if (open) {
      lines = n ? [mine, "You can change it until the lecturer locks."] :
        ["Voting is open.", "Tap the move you would make."];
      setText(ui.hint, "Tap an option to vote. You can change it until the lecturer locks.");
    } else if (s.phase === "locked") {
      lines = ["Votes are locked. Look at the projector.", n ? mine : "You did not vote on this one."];
      setText(ui.hint, "Votes are locked.");
    } else {
      lines = ["The move was played. The feedback is on the projector.", n ? mine : "You did not vote on this one."];
      setText(ui.hint, "The move was played.");
    }
    ui.hint.hidden = !ui.hint.textContent;
    setText(ui.yours, n ? (open ? mine + " You can change it until the lecturer locks." : mine) : "");
    ui.yours.hidden = !n;
    if (notice) { lines = [notice].concat(lines); }
    say(lines, !!notice);
  }

  // --- the page's life ---------------------------------------------------------------------------------------

  ui.form.addEventListener("submit", function (e) { e.preventDefault(); });
  ui.retry.addEventListener("click", function () {
    stopped = false;
    backoff = POLL_MS;
    say(["Joining the class…"], false);
    ui.actions.hidden = true;
    schedule(0);
  });
  // A hidden tab does not poll (a pocketed phone saves its battery and the server its work); shown again, it asks
  // at once.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      if (timer !== null) { clearTimeout(timer); timer = null; }
    } else {
      schedule(0);
    }
  });

  if (!/^[A-Za-z0-9]{1,16}$/.test(code)) {
    stop(["This address has no class code in it.", "Type the code shown on the projector."], false, true);
  } else {
    schedule(0);
  }
})();
