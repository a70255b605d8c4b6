// Reclaim's only script. Everything works without it except the Shift shortcut and
// remembering ticks. It stores nothing but ticks and "intro seen", in this browser only.
(function () {
  "use strict";
  var PRESSES_TO_EXIT = 3;
  var PRESS_WINDOW_MS = 5000; // the GOV.UK pattern: three presses of Shift within 5 seconds
  var store = window.localStorage;
  var exitLink = document.querySelector("[data-exit]");
  var status = document.querySelector("[data-exit-status]");

  function leave() {
    document.body.classList.add("exiting");
    try { store.clear(); window.sessionStorage.clear(); } catch (e) { /* storage blocked */ }
    window.location.replace(exitLink.getAttribute("href"));
  }

  if (exitLink) {
    exitLink.addEventListener("click", function (event) { event.preventDefault(); leave(); });
    watchShift(exitLink.querySelectorAll("[data-exit-dots] span"));
  }

  // Three presses of Shift on its own, in a row, leave. Shift held to type a capital (or an
  // Arabic or Urdu letter) is not a press: a press counts when Shift comes up with no other
  // key pressed since it went down, and any other key resets the count, as GOV.UK's
  // "Exit this page" does. Keys are watched in the capture phase, so fields cannot hide them.
  function watchShift(dots) {
    var presses = 0;
    var shiftAlone = false;
    var timer = null;
    var show = function () {
      for (var i = 0; i < dots.length; i++) { dots[i].classList.toggle("pressed", i < presses); }
      if (status) {
        status.textContent = presses ? status.getAttribute("data-message").replace("{n}", presses) : "";
      }
    };
    var reset = function () {
      clearTimeout(timer);
      if (presses) { presses = 0; show(); }
    };
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Shift") { shiftAlone = false; reset(); return; }
      if (!event.repeat) { shiftAlone = true; }
    }, true);
    // Shift held while clicking (to select text) is not a press either.
    document.addEventListener("pointerdown", function () { shiftAlone = false; }, true);
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") { return; }
      var counted = shiftAlone;
      shiftAlone = false;
      if (!counted) { reset(); return; }
      presses += 1;
      show();
      if (presses >= PRESSES_TO_EXIT) { leave(); return; }
      clearTimeout(timer);
      timer = setTimeout(reset, PRESS_WINDOW_MS);
    }, true);
  }

  var intro = document.querySelector("[data-safety-intro]");
  var INTRO_KEY = "reclaim.intro-seen";
  if (intro) {
    var dismiss = intro.querySelector("[data-safety-intro-dismiss]");
    if (store.getItem(INTRO_KEY)) {
      intro.hidden = true;
    } else if (dismiss) {
      dismiss.hidden = false;
      dismiss.addEventListener("click", function () {
        store.setItem(INTRO_KEY, "1");
        intro.hidden = true;
        document.getElementById("main").focus();
      });
    }
  }

  var checklist = document.querySelector("[data-checklist]");
  if (checklist) {
    var key = "reclaim.plan." + checklist.getAttribute("data-checklist");
    var done = JSON.parse(store.getItem(key) || "[]");
    var boxes = checklist.querySelectorAll("input[data-step]");
    var clear = document.querySelector("[data-checklist-clear]");
    var mark = function (box) {
      box.closest(".checklist-step").classList.toggle("is-done", box.checked);
    };
    var save = function () {
      var ticked = [];
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].checked) { ticked.push(boxes[i].getAttribute("data-step")); }
      }
      if (ticked.length) { store.setItem(key, JSON.stringify(ticked)); } else { store.removeItem(key); }
    };
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].checked = done.indexOf(boxes[i].getAttribute("data-step")) !== -1;
      mark(boxes[i]);
      boxes[i].addEventListener("change", function (event) { mark(event.target); save(); });
    }
    if (clear) {
      clear.hidden = false;
      clear.addEventListener("click", function () {
        for (var j = 0; j < boxes.length; j++) { boxes[j].checked = false; mark(boxes[j]); }
        save();
      });
    }
  }
})();
