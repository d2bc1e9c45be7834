// Small behaviours that htmx attributes cannot express without eval (the CSP forbids inline
// script and hx-on). Loaded with defer on every page.
(function () {
  "use strict";

  // An htmx request that fails (403, 404, 429, 5xx) swaps nothing: say so in the page.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var message = status === 403
      ? "Not allowed, or the page expired: reload it and try again."
      : status === 404
        ? "This item no longer exists."
        : status === 429
          ? "Too many requests: wait a moment and try again."
          : "Something went wrong (error " + status + "). Try again.";
    showNotice(message, "error");
  });

  document.addEventListener("htmx:sendError", function () {
    showNotice("The server cannot be reached. Check your connection and try again.", "error");
  });

  function showNotice(message, level) {
    var main = document.querySelector("main");
    if (!main) return;
    var old = document.getElementById("htmx-notice");
    if (old) old.remove();
    var p = document.createElement("p");
    p.id = "htmx-notice";
    p.className = "flash " + level;
    p.setAttribute("role", "alert");
    p.textContent = message;
    main.insertBefore(p, main.firstChild);
  }
})();
