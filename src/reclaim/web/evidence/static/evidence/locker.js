// The locker's script. Everything works without it: pages lock on the server after the idle
// time (and pages without a form refresh to the lock page), and the picture toggle is a link.
// With it: a warning a minute before the locker locks, with a way to stay; typing counts as
// activity; the picture toggle needs no reload. It stores nothing: when it locks a form the
// person was typing in, it posts that form to the lock address, and the server keeps the
// words sealed in the locker, to fill the form in again after unlocking.
(function () {
  "use strict";
  var WARN_BEFORE_MS = 60 * 1000;
  var PING_EVERY_MS = 60 * 1000; // while the person types, tell the server at most this often
  var body = document.body;
  var idleMs = parseInt(body.getAttribute("data-auto-lock") || "0", 10) * 1000;
  var warning = document.querySelector("[data-auto-lock-warning]");
  var stayForm = document.querySelector("[data-stay-form]");

  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  var toggle = document.querySelector("[data-preview-toggle]");
  if (toggle) {
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var preview = document.querySelector("[data-preview]");
      preview.classList.toggle("is-blurred");
      var note = preview.querySelector("[data-blurred-note]");
      if (note) { note.hidden = !preview.classList.contains("is-blurred"); }
      var other = toggle.getAttribute("data-other-label");
      toggle.setAttribute("data-other-label", toggle.textContent);
      toggle.textContent = other;
    });
  }

  if (!idleMs || !warning || !stayForm) { return; }
  var warnTimer = null;
  var lockTimer = null;
  var lastPing = Date.now();
  var typedIn = null; // the form the person last typed in, if any

  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (form && (form.getAttribute("method") || "").toLowerCase() === "post") { typedIn = form; }
  });

  function lockNow() {
    if (typedIn) { keepAndLock(typedIn); return; }
    window.location.replace(body.getAttribute("data-lock-url"));
  }

  function keepAndLock(form) {
    var note = document.createElement("input");
    note.type = "hidden";
    note.name = "draft_for";
    note.value = window.location.pathname + window.location.search;
    form.appendChild(note);
    form.setAttribute("action", body.getAttribute("data-lock-url"));
    form.removeAttribute("enctype"); // a chosen file is not kept, only the words
    HTMLFormElement.prototype.submit.call(form);
  }

  function restartClock() {
    clearTimeout(warnTimer);
    clearTimeout(lockTimer);
    warning.hidden = true;
    warnTimer = setTimeout(function () {
      warning.hidden = false;
      var button = warning.querySelector("button");
      if (button) { button.focus(); }
    }, Math.max(idleMs - WARN_BEFORE_MS, idleMs / 2));
    // A little before the server's own limit, so the page never shows a locker that is locked.
    lockTimer = setTimeout(lockNow, idleMs - 2000);
  }

  function stay() {
    lastPing = Date.now();
    return fetch(stayForm.action, {
      method: "POST",
      body: new FormData(stayForm),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status === 409) { lockNow(); return; }
      restartClock();
    }, function () { /* offline: the server decides on the next page */ });
  }

  stayForm.addEventListener("submit", function (event) {
    event.preventDefault();
    stay();
  });
  ["keydown", "input", "pointerdown"].forEach(function (name) {
    document.addEventListener(name, function () {
      if (warning.hidden && Date.now() - lastPing > PING_EVERY_MS) { stay(); }
    }, { passive: true });
  });
  restartClock();
}());
