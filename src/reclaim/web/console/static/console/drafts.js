// The console's only script: what a caseworker types in a form marked data-draft (intake, a
// note, a task) survives a reload, Back and a slip of the mouse. Chromium restores a form on
// Back but not on reload. The draft is kept in this tab's sessionStorage only, and removed
// when the form is sent and when the member signs out. Without the script the forms work.
(function () {
  "use strict";
  var PREFIX = "console-draft:";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; /* storage blocked */ }

  function keyOf(form) { return PREFIX + form.getAttribute("action"); }

  function kept(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && ["hidden", "password", "submit", "button", "file"].indexOf(field.type) < 0;
    });
  }

  function save(form) {
    var values = {};
    kept(form).forEach(function (field) {
      if (field.type === "radio" || field.type === "checkbox") {
        values[field.name + "=" + field.value] = field.checked;
      } else {
        values[field.name] = field.value;
      }
    });
    try { store.setItem(keyOf(form), JSON.stringify(values)); } catch (e) { /* full or blocked */ }
  }

  function restore(form) {
    var values;
    try { values = JSON.parse(store.getItem(keyOf(form)) || "null"); } catch (e) { values = null; }
    if (!values) { return; }
    kept(form).forEach(function (field) {
      var mark = field.name + "=" + field.value;
      if ((field.type === "radio" || field.type === "checkbox") && mark in values) {
        field.checked = values[mark];
      } else if (field.name in values && field.type !== "radio" && field.type !== "checkbox") {
        field.value = values[field.name];
      }
    });
  }

  function forgetAll() {
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) { store.removeItem(key); }
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), function (form) {
    // A form the server sent back with errors already holds what was sent: keep it as shown.
    if (!form.querySelector(".field-message")) { restore(form); }
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function () { store.removeItem(keyOf(form)); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("form[data-sign-out]"), function (form) {
    form.addEventListener("submit", forgetAll);
  });
})();
