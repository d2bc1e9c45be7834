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

  // One-line diagrams (templates/circuit/_figure.html): fitted to the width, zoomed and moved
  // by changing the SVG's viewBox. Never below the scale where the smallest text
  // (data-min-font, in diagram units) is 12 CSS pixels; a wider diagram is shown in part and
  // moved by dragging or with the arrow keys. Buttons (+, −, Fit), the wheel, and + - 0 and
  // the arrows while the drawing has the focus. Event handlers are delegated, so diagrams
  // swapped in by htmx work without setting up again; their size is set when they appear.
  var MIN_PX = 12, MAX_FIT = 1.5, MAX_ZOOM = 6, STEP = 1.25, PAN_PX = 60;

  function diagramOf(viewport) {
    var svg = viewport && viewport.querySelector("svg.one-line");
    if (!svg || svg.classList.contains("empty")) return null;
    if (!svg.dataset.full) {
      svg.dataset.full = svg.getAttribute("viewBox") || "0 0 100 100";
    }
    var f = svg.dataset.full.split(/\s+/).map(Number);
    var minFont = Number(svg.getAttribute("data-min-font")) || MIN_PX;
    return { svg: svg, viewport: viewport, w: f[2], h: f[3], minScale: MIN_PX / minFont };
  }

  function view(d) {
    var vb = d.svg.getAttribute("viewBox").split(/\s+/).map(Number);
    return { x: vb[0], y: vb[1], w: vb[2], h: vb[3], scale: Number(d.svg.dataset.scale) || 1 };
  }

  function setView(d, x, y, scale) {
    var shownW = Number(d.svg.getAttribute("width")), shownH = Number(d.svg.getAttribute("height"));
    var w = shownW / scale, h = shownH / scale;
    // Keep the drawing in view: no moving past its edges (centred when smaller).
    x = w >= d.w ? (d.w - w) / 2 : Math.min(Math.max(x, 0), d.w - w);
    y = h >= d.h ? (d.h - h) / 2 : Math.min(Math.max(y, 0), d.h - h);
    d.svg.dataset.scale = String(scale);
    d.svg.setAttribute("viewBox", [x, y, w, h].map(function (v) { return Math.round(v * 10) / 10; }).join(" "));
  }

  function fit(d) {
    var width = d.viewport.clientWidth || d.w;
    var scale = Math.max(Math.min(width / d.w, MAX_FIT), d.minScale);
    var shownW = Math.min(width, d.w * scale);
    var maxH = Math.max(240, Math.round(window.innerHeight * 0.7));
    var shownH = Math.min(d.h * scale, maxH);
    d.svg.setAttribute("width", String(Math.floor(shownW)));
    d.svg.setAttribute("height", String(Math.floor(shownH)));
    d.svg.dataset.fit = String(scale);
    // Shown in part: start at the top bus (the infeed), centred across, rather than at an
    // empty corner.
    var first = null, top = Infinity, bars = d.svg.querySelectorAll("line.bus-bar");
    for (var i = 0; i < bars.length; i++) {
      var y = Number(bars[i].getAttribute("y1"));
      if (y < top) {
        top = y;
        first = bars[i].parentNode;
      }
    }
    var x = 0;
    if (first && first.getBBox) {
      var b = first.getBBox();
      x = Math.min(b.x, b.x + b.width / 2 - shownW / scale / 2);
    }
    setView(d, x, 0, scale);
  }

  // Zoom by `factor` keeping the point at (px, py) (pixels in the drawing) where it is.
  function zoom(d, factor, px, py) {
    var v = view(d);
    var scale = Math.min(Math.max(v.scale * factor, d.minScale), MAX_ZOOM);
    if (px === undefined) {
      px = Number(d.svg.getAttribute("width")) / 2;
      py = Number(d.svg.getAttribute("height")) / 2;
    }
    var cx = v.x + px / v.scale, cy = v.y + py / v.scale;
    setView(d, cx - px / scale, cy - py / scale, scale);
  }

  function pan(d, dx, dy) {
    var v = view(d);
    setView(d, v.x + dx / v.scale, v.y + dy / v.scale, v.scale);
  }

  function setUp(root) {
    var viewports = (root || document).querySelectorAll(".diagram-viewport");
    for (var i = 0; i < viewports.length; i++) {
      var d = diagramOf(viewports[i]);
      if (!d) continue;
      viewports[i].classList.add("zoomable");
      var tools = viewports[i].parentNode.querySelector(".diagram-tools");
      if (tools) tools.hidden = false;
      fit(d);
    }
  }

  function viewportOf(el) {
    var figure = el && el.closest && el.closest(".diagram-figure");
    return figure ? diagramOf(figure.querySelector(".diagram-viewport")) : null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-zoom]");
    var d = button && viewportOf(button);
    if (!d) return;
    var how = button.getAttribute("data-zoom");
    if (how === "in") zoom(d, STEP);
    else if (how === "out") zoom(d, 1 / STEP);
    else fit(d);
  });

  document.addEventListener("keydown", function (event) {
    var vp = event.target.classList && event.target.classList.contains("diagram-viewport") ? event.target : null;
    var d = vp && diagramOf(vp);
    if (!d || event.altKey || event.ctrlKey || event.metaKey) return;
    var k = event.key;
    if (k === "+" || k === "=") zoom(d, STEP);
    else if (k === "-" || k === "_") zoom(d, 1 / STEP);
    else if (k === "0") fit(d);
    else if (k === "ArrowLeft") pan(d, -PAN_PX, 0);
    else if (k === "ArrowRight") pan(d, PAN_PX, 0);
    else if (k === "ArrowUp") pan(d, 0, -PAN_PX);
    else if (k === "ArrowDown") pan(d, 0, PAN_PX);
    else return;
    event.preventDefault();
  });

  document.addEventListener("wheel", function (event) {
    var vp = event.target.closest && event.target.closest(".diagram-viewport");
    var d = vp && diagramOf(vp);
    if (!d || event.deltaY === 0) return;
    event.preventDefault();
    var box = d.svg.getBoundingClientRect();
    zoom(d, event.deltaY < 0 ? STEP : 1 / STEP, event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });

  document.addEventListener("pointerdown", function (event) {
    var vp = event.button === 0 && event.target.closest && event.target.closest(".diagram-viewport");
    var d = vp && diagramOf(vp);
    if (!d) return;
    var last = { x: event.clientX, y: event.clientY };
    vp.classList.add("dragging");
    if (vp.setPointerCapture) vp.setPointerCapture(event.pointerId);
    function move(e) {
      pan(d, last.x - e.clientX, last.y - e.clientY);
      last = { x: e.clientX, y: e.clientY };
    }
    function up() {
      vp.classList.remove("dragging");
      vp.removeEventListener("pointermove", move);
      vp.removeEventListener("pointerup", up);
      vp.removeEventListener("pointercancel", up);
    }
    vp.addEventListener("pointermove", move);
    vp.addEventListener("pointerup", up);
    vp.addEventListener("pointercancel", up);
  });

  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { setUp(document); }, 150);
  });
  document.addEventListener("htmx:load", function (event) { setUp(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
})();
