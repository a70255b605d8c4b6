// The protection page: when the hashing script (support/hashing/hasher.js) has hashed the
// chosen files in this browser, copy their hashes (never the files) into the form below.
// What the hashes box holds is kept in this tab (sessionStorage) so that a reload loses
// nothing; the exit, closing the tab and sending the hashes each forget it.
(function () {
  "use strict";
  var KEY = "reclaim-protect-hashes";
  var store = null;
  try { store = window.sessionStorage; } catch (e) { /* storage blocked: nothing is kept */ }

  if (document.querySelector("[data-protect-sent]")) {
    if (store) { store.removeItem(KEY); }
    return;
  }
  var results = document.querySelector("[data-hasher-results]");
  var form = document.querySelector("[data-protect-form]");
  if (!results || !form) { return; }
  var box = form.querySelector("textarea[name=hashes]");

  function keep() {
    if (!store) { return; }
    if (box.value.trim() === "") { store.removeItem(KEY); } else { store.setItem(KEY, box.value); }
  }

  function lines() {
    var found = [];
    results.querySelectorAll("li[data-pdq]").forEach(function (item) {
      if (Number(item.dataset.quality) < 50) { return; }  // too little detail: not accepted
      found.push("ImagePDQ " + item.dataset.pdq + " " + item.dataset.quality);
    });
    results.querySelectorAll("li[data-md5]").forEach(function (item) {
      found.push("VideoMD5 " + item.dataset.md5);
    });
    return found;
  }

  function copy() {
    if (!results.dataset.done) { return; }
    var kept = box.value.split("\n").filter(function (line) { return line.trim() !== ""; });
    lines().forEach(function (line) { if (kept.indexOf(line) < 0) { kept.push(line); } });
    box.value = kept.join("\n");
    keep();
  }

  // After a reload the box comes back empty: what it held is put back. A box the server
  // filled (the form came back with a problem to fix) is left as it is.
  if (store && box.value === "" && store.getItem(KEY)) { box.value = store.getItem(KEY); }
  box.addEventListener("input", keep);
  new MutationObserver(copy).observe(results, { attributes: true, attributeFilter: ["data-done"] });
  // The hasher runs as soon as it has loaded; on a slow connection this script may arrive after
  // a person has chosen files and they are hashed: their hashes are copied now.
  copy();
}());
