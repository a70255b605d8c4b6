// Fills in the time zone of a form with a time from the browser, and shows it for the person
// to confirm ("Times are in the time zone Europe/London. Change"). Without script the list of
// zones stands as it is, starting on the site's setting.
(function () {
  "use strict";
  var select = document.querySelector("select[data-time-zone]");
  if (!select) { return; }
  var browser = "";
  try { browser = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { browser = ""; }
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === browser; });
  // A zone the person chose (the form came back to them) is theirs: keep it.
  if (known && !select.hasAttribute("data-chosen")) { select.value = browser; }
  if (select.getAttribute("aria-invalid") === "true") { return; }
  var line = document.createElement("p");
  line.className = "hint";
  line.setAttribute("data-time-zone-summary", "");
  var name = select.options[select.selectedIndex].text;
  line.textContent = select.getAttribute("data-summary").replace("%s", name) + " ";
  var change = document.createElement("button");
  change.type = "button";
  change.className = "button button-secondary";
  change.textContent = select.getAttribute("data-change");
  line.appendChild(change);
  select.hidden = true;
  select.parentNode.insertBefore(line, select);
  change.addEventListener("click", function () {
    line.hidden = true;
    select.hidden = false;
    select.focus();
  });
}());
