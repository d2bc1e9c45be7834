// Small behaviours that htmx attributes cannot express without eval (the CSP forbids inline
// script and hx-on). Loaded with defer on every page.
(function () {
  "use strict";

  // An htmx request that fails (403, 404, 409, 429, 5xx) swaps nothing: say so in the page,
  // in the server's words when its error page has them (a read-only company, a refusal).
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var told = serverMessage(event.detail.xhr);
    var message = (told && (status === 403 || status === 409)) ? told : status === 403
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

  // The message of an error page (`#error-message`), read as text only.
  function serverMessage(xhr) {
    if (!xhr || !xhr.responseText) return "";
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var p = doc.getElementById("error-message");
    return p ? p.textContent.trim() : "";
  }

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
