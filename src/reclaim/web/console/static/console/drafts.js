// What a caseworker types in a form marked data-draft (intake, a
// note, a task) is saved as a draft on the server, sealed with the helpline's key, a moment
// after typing stops: the same post as the form's "Save draft" button (reclaim.web.console.
// drafts), so a reload, Back or a slip of the mouse loses nothing. Nothing is kept in the
// browser's storage, which may be written to the machine's disk. Without the script, the
// button does the same.
(function () {
  "use strict";
  var WAIT_MS = 1000;  // after the last keystroke

  function setUp(form) {
    var status = form.querySelector("[data-draft-status]");
    var timer = null, inFlight = null, dirty = false;

    function body() {
      var data = new FormData(form);
      data.append("save-draft", "1");
      return data;
    }

    function say(words) { if (status) { status.textContent = words; } }

    function save(keepalive) {
      timer = null;
      if (!dirty) { return; }
      dirty = false;
      var sent = fetch(form.getAttribute("action"), {
        method: "POST", body: body(), credentials: "same-origin", keepalive: keepalive,
        headers: { "X-Draft-Save": "1" }, redirect: "manual"
      });
      inFlight = sent.then(function (answer) {
        if (answer.status === 204) {
          var now = new Date();
          var time = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
          say(status.getAttribute("data-saved") + " " + time);
        } else {
          say(status.getAttribute("data-not-saved"));
        }
      }, function () { say(status.getAttribute("data-not-saved")); });
      inFlight.then(function () { inFlight = null; });
    }

    function typed() {
      dirty = true;
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { save(false); }, WAIT_MS);
    }

    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.name === "save-draft") { return; }
      if (timer) { clearTimeout(timer); timer = null; }
      dirty = false;
      // A draft still on its way could land after the form is kept, and come back: wait.
      if (inFlight) {
        event.preventDefault();
        inFlight.then(function () { form.submit(); });
      }
    });
    window.addEventListener("pagehide", function () {
      if (timer) { clearTimeout(timer); save(true); }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), setUp);
})();
