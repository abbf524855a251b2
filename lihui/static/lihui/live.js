// Live meeting (开会模式) and projector view. The server holds the state; this file shows
// it, ticks the clocks between polls, sends Start / Next / Previous / End, and autosaves
// notes with a revision check. Typed notes are kept in localStorage until the server has them.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) return;
  var state = JSON.parse(document.getElementById("live-state").textContent);
  var offset = 0; // server clock minus this clock, in ms
  var fetchedAt = Date.now();
  var canRun = root.dataset.canRun === "1";

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function q(sel) { return root.querySelector(sel); }
  function text(sel, value) { var el = q(sel); if (el) el.textContent = value; }
  function mmss(seconds) {
    var neg = seconds < 0; seconds = Math.abs(Math.round(seconds));
    var s = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    return neg ? "−" + s : s;
  }
  function accept(newState) {
    // A poll answered before a Next may arrive after it: never go back to an older state.
    if (newState.version < state.version) return;
    state = newState;
    fetchedAt = Date.now();
    offset = Date.parse(state.now) - fetchedAt;
    render();
  }
  function used(item) {
    return item.used + (item.running ? (Date.now() - fetchedAt) / 1000 : 0);
  }
  function render() {
    var current = null;
    state.items.forEach(function (item) {
      if (item.id === state.current) current = item;
      root.querySelectorAll('[data-item="' + item.id + '"]').forEach(function (row) {
        if (row.tagName === "TEXTAREA") return;
        var u = used(item);
        var cell = row.querySelector("[data-used]");
        if (cell) cell.textContent = mmss(u);
        row.classList.toggle("current", item.id === state.current);
        row.classList.toggle("overrun", u > item.allotted);
        row.classList.toggle("done", !item.running && item.used > 0 && item.id !== state.current);
      });
    });
    var now = Date.now() + offset;
    if (state.ended || !state.started) text('[data-live="left"]', "—");
    else text('[data-live="left"]', mmss((Date.parse(state.scheduled_end) - now) / 1000));
    var left = q('[data-live="left"]');
    if (left) left.classList.toggle("bad", !!state.started && !state.ended && Date.parse(state.scheduled_end) < now);
    if (!current) {
      text('[data-live="current-title"]', state.ended ? root.dataset.endedText || "" : root.dataset.notStartedText || "");
      text('[data-live="current-presenter"]', "");
      text('[data-live="current-used"]', "—");
      text('[data-live="current-allotted"]', "—");
    }
    if (current) {
      text('[data-live="current-title"]', current.title);
      text('[data-live="current-presenter"]', current.presenter);
      text('[data-live="current-used"]', mmss(used(current)));
      text('[data-live="current-allotted"]', mmss(current.allotted));
      var timer = q('[data-live="current-used"]');
      if (timer) timer.classList.toggle("bad", used(current) > current.allotted);
    }
    if (canRun) {
      var started = !!state.started, ended = !!state.ended;
      var show = function (action, on) { var b = q('[data-action="' + action + '"]'); if (b) b.hidden = !on; };
      show("start", !started);
      show("prev", started && !ended);
      show("next", started && !ended);
      show("end", started && !ended);
    }
    showNotes();
    // Decisions and actions are recorded on the item under discussion.
    root.querySelectorAll("[data-live-item]").forEach(function (input) {
      input.value = state.current === null ? "" : String(state.current);
    });
  }

  // --- server calls -----------------------------------------------------------------
  function post(url, data) {
    var body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }
    });
  }
  function showError(message) {
    var el = q('[data-live="error"]');
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
  }
  // End (and a start well before the slot) ask first: the server answers 409 with the
  // question and what it concerns (the items not yet discussed); the dialog asks it.
  function ask(action, body) {
    var dialog = q('[data-live="confirm"]');
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(body.confirm + (body.items.length ? "\n\n" + body.items.join("\n") : ""))) act(action, true);
      return;
    }
    dialog.querySelector("[data-confirm-text]").textContent = body.confirm;
    var list = dialog.querySelector("[data-confirm-items]");
    list.textContent = "";
    (body.items || []).forEach(function (title) { var li = document.createElement("li"); li.textContent = title; list.appendChild(li); });
    dialog.querySelector("[data-confirm-items-head]").hidden = !(body.items || []).length;
    dialog.querySelector("[data-confirm-grace]").hidden = action !== "end";
    dialog.dataset.pending = action;
    dialog.showModal();
  }
  function act(action, confirmed) {
    var urls = { start: root.dataset.startUrl, end: root.dataset.endUrl, next: root.dataset.goUrl, prev: root.dataset.goUrl };
    var data = {};
    if (action === "next" || action === "prev") {
      data.expected = state.current === null ? "" : String(state.current);
      data.step = action === "next" ? "1" : "-1";
    }
    if (confirmed) data.confirm = "1";
    post(urls[action], data).then(function (r) {
      return r.json().then(function (body) {
        if (r.status === 409 && body.confirm) { showError(""); ask(action, body); return; }
        if (!r.ok) { showError(body.error); return; }
        showError("");
        accept(body);
        if (action === "end") window.location.href = root.dataset.recapUrl;
      });
    }).catch(function () { showError(root.dataset.offline || "…"); });
  }
  root.addEventListener("click", function (e) {
    var button = e.target.closest("[data-action]");
    if (!button) return;
    var action = button.dataset.action;
    if (action === "take-theirs" || action === "keep-mine") { resolveConflict(action); return; }
    e.preventDefault();
    var dialog = q('[data-live="confirm"]');
    if (action === "confirm-yes" || action === "confirm-no") {
      var pending = dialog.dataset.pending;
      dialog.close();
      if (action === "confirm-yes" && pending) act(pending, true);
      return;
    }
    act(action);
  });

  function poll() {
    fetch(root.dataset.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) accept(s); })
      .catch(function () {})
      .then(function () { setTimeout(poll, 2000); });
  }
  setInterval(render, 500);
  setTimeout(poll, 2000);

  // --- notes --------------------------------------------------------------------------
  var saveTimer = null, saving = false, conflictFor = null, lastServerText = "";
  function notesFor(id) { return q('textarea.notes[data-item="' + id + '"]'); }
  function status(message) { text('[data-live="notes-status"]', message); }
  function showNotes() {
    root.querySelectorAll("textarea.notes").forEach(function (ta) {
      ta.hidden = Number(ta.dataset.item) !== state.current;
    });
    var current = state.items.filter(function (i) { return i.id === state.current; })[0];
    text('[data-live="notes-title"]', current ? current.title : "");
  }
  function storageKey(ta) { return "lihui-notes-" + ta.dataset.item; }
  function scheduleSave(ta) {
    try { localStorage.setItem(storageKey(ta), JSON.stringify({ text: ta.value, revision: ta.dataset.revision })); } catch (e) {}
    status(root.dataset.unsaved || "…");
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () { save(ta); }, 800);
  }
  function save(ta) {
    if (saving) { scheduleSave(ta); return; }
    if (conflictFor === ta) return;
    saving = true;
    var sent = ta.value;
    post(ta.dataset.notesUrl, { text: sent, revision: ta.dataset.revision }).then(function (r) {
      return r.json().then(function (body) {
        if (r.status === 409) {
          conflictFor = ta;
          lastServerText = body.server_text;
          ta.dataset.serverRevision = body.server_revision;
          var box = q('[data-live="conflict"]');
          q('[data-live="conflict-text"]').value = body.server_text;
          box.hidden = false;
          status(body.error);
          return;
        }
        if (!r.ok) { status(body.error || ""); return; }
        ta.dataset.revision = body.revision;
        if (ta.value === sent) {
          try { localStorage.removeItem(storageKey(ta)); } catch (e) {}
          status(root.dataset.saved || "✓");
        } else {
          scheduleSave(ta); // typed while saving
        }
      });
    }).catch(function () {
      status(root.dataset.retrying || "…");
      setTimeout(function () { save(ta); }, 3000); // a network blip: the text stays here and in localStorage
    }).then(function () { saving = false; });
  }
  function resolveConflict(choice) {
    var ta = conflictFor;
    if (!ta) return;
    ta.dataset.revision = ta.dataset.serverRevision;
    if (choice === "take-theirs") ta.value = lastServerText;
    conflictFor = null;
    q('[data-live="conflict"]').hidden = true;
    if (choice === "take-theirs") {
      try { localStorage.removeItem(storageKey(ta)); } catch (e) {}
      status("");
    } else {
      save(ta);
    }
  }
  root.querySelectorAll("textarea.notes").forEach(function (ta) {
    // Restore text typed before a reload that never reached the server.
    try {
      var kept = JSON.parse(localStorage.getItem(storageKey(ta)) || "null");
      if (kept && kept.text !== ta.value) { ta.value = kept.text; ta.dataset.revision = kept.revision; save(ta); }
    } catch (e) {}
    ta.addEventListener("input", function () { scheduleSave(ta); });
  });

  // --- quick capture: the text typed survives a reload, like the notes, until it is emptied.
  document.querySelectorAll("textarea[data-draft-key]").forEach(function (ta) {
    var key = ta.dataset.draftKey;
    try {
      var kept = localStorage.getItem(key);
      if (kept && !ta.value) ta.value = kept;
    } catch (e) {}
    ta.addEventListener("input", function () {
      try { if (ta.value) localStorage.setItem(key, ta.value); else localStorage.removeItem(key); } catch (e) {}
    });
  });

  accept(state);
})();
