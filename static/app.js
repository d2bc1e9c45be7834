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

  // htmx focuses the [autofocus] field of new content when the swap settles, 20 ms after the
  // content is shown: the refused field of a row form, the first field of the next add form.
  // That helps someone waiting for the answer, but it took the focus from someone who had
  // moved on meanwhile: typing the version message while a row was being refused, the rest of
  // the message went into the row form and the save was refused for an empty message. So the
  // new content's autofocus is taken over here, and the field is focused at the settle only
  // when the focus is nowhere (it was on the replaced form) or still where the swap left it
  // inside the new content.
  // Keyed by the swap's element, so overlapping swaps (two rows answered at once) each
  // settle their own field.
  var pendingFocus = new Map();
  document.addEventListener("htmx:afterSwap", function (event) {
    var fields = document.querySelectorAll(".htmx-added[autofocus], .htmx-added [autofocus]");
    if (fields.length === 0) return;
    for (var i = 0; i < fields.length; i++) fields[i].removeAttribute("autofocus");
    var left = document.activeElement;
    pendingFocus.set(event.detail.elt, {
      field: fields[0],
      left: left,
      leftInside: !!(left && left.closest && left.closest(".htmx-added")),
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var pending = pendingFocus.get(event.detail.elt);
    pendingFocus.delete(event.detail.elt);
    if (!pending || !pending.field.isConnected) return;
    var now = document.activeElement;
    var nowhere = !now || now === document.body || now === document.documentElement;
    if (nowhere || (now === pending.left && pending.leftInside)) pending.field.focus();
  });

  // A choice that belongs to a radio button ticks it (`data-ticks="<radio id>"`): choosing an
  // example or a file on the new-project form selects that start. Ticking another radio
  // clears the choices of the others, so what is sent is what is shown; ticking the radio of
  // a select with nothing chosen chooses its first option.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el || !el.getAttribute) return;
    var radioId = el.getAttribute("data-ticks");
    if (radioId) {
      var radio = document.getElementById(radioId);
      if (radio && el.value) radio.checked = true;
      return;
    }
    if (el.type === "radio" && el.checked && el.form) {
      var tied = el.form.querySelectorAll("[data-ticks]");
      for (var i = 0; i < tied.length; i++) {
        var own = tied[i].getAttribute("data-ticks") === el.id;
        if (!own) tied[i].value = "";
        else if (tied[i].tagName === "SELECT" && !tied[i].value && tied[i].options.length > 1) {
          tied[i].selectedIndex = 1; // ticking "example" picks the first one
        }
      }
    }
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
