// Replace this page in history with the neutral site, so Back does not return here.
(function () {
  "use strict";
  var url = document.currentScript.getAttribute("data-exit-url");
  try { window.localStorage.clear(); window.sessionStorage.clear(); } catch (e) { /* blocked */ }
  window.location.replace(url);
})();
