// The full-screen viewer on the photo page: zoom (wheel, pinch, buttons, 1:1, fit), pan (drag,
// arrow keys), and the original or any result on either side, as one image, a before/after
// slider inside the zoomed view, or side by side with the same zoom and position.
//
// Geometry: every source is laid out on one "frame" with the photo's shape, `width` CSS pixels
// wide; (cx, cy) is the point of the frame (0..1) at the centre of each pane. Panes have equal
// sizes, so side-by-side panes get identical transforms. 1:1 means one pixel of the sharpest
// source shown per device pixel; a source shown above its own pixels is drawn pixelated.
(function () {
  "use strict";
  var STEP = 1.25;          // one +/- press
  var PAN_STEP = 0.1;       // an arrow press moves a tenth of the pane (Shift: half)
  var MAX_ACTUAL = 16;      // at most 16 device pixels per image pixel
  var DISPLAY_RETRIES = 30; // a display rendition still being made answers 202: try again

  var dialog, stage, panes, level, status, split, sources = [], byId = {};
  var state = { mode: "single", left: "original", right: null, width: 0, cx: 0.5, cy: 0.5, fitted: true, split: 50 };
  var opener = null;

  function $(selector, root) { return (root || dialog).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || dialog).querySelectorAll(selector)); }
  function dpr() { return window.devicePixelRatio || 1; }

  function readSources() {
    var node = document.getElementById("viewer-sources");
    try { sources = JSON.parse(node ? node.dataset.sources : "[]"); } catch (e) { sources = []; }
    byId = {};
    sources.forEach(function (s) { byId[s.id] = s; });
  }

  function caption(source) {
    var parts = [source.label];
    if (source.detail) parts.push(source.detail);
    parts.push(source.width + " × " + source.height);
    return parts.join(" · ");
  }

  function shown() {
    var list = [byId[state.left]];
    if (state.mode !== "single" && byId[state.right]) list.push(byId[state.right]);
    return list.filter(Boolean);
  }

  // The sharpest source shown sets the frame's shape and what 1:1 means.
  function reference() {
    return shown().reduce(function (best, s) { return !best || s.width > best.width ? s : best; }, null)
      || { width: 1, height: 1 };
  }

  function paneSize() {
    var pane = panes[0];
    return { w: pane.clientWidth || 1, h: pane.clientHeight || 1 };
  }

  function fitWidth() {
    var ref = reference(), size = paneSize();
    return Math.min(size.w, size.h * ref.width / ref.height);
  }
  function actualWidth() { return reference().width / dpr(); }
  function minWidth() { return Math.min(fitWidth(), actualWidth()) / 2; }
  function maxWidth() { return Math.max(fitWidth() * 2, actualWidth() * MAX_ACTUAL); }

  // Keep the frame over the pane: centred on an axis where it is smaller, edge to edge where larger.
  function clampCentre() {
    var ref = reference(), size = paneSize();
    var w = state.width, h = w * ref.height / ref.width;
    function clamp(c, frame, pane) {
      if (frame <= pane) return 0.5;
      var half = pane / 2 / frame;
      return Math.min(1 - half, Math.max(half, c));
    }
    state.cx = clamp(state.cx, w, size.w);
    state.cy = clamp(state.cy, h, size.h);
  }

  function render() {
    var ref = reference(), size = paneSize();
    state.width = Math.min(maxWidth(), Math.max(minWidth(), state.width));
    clampCentre();
    var w = state.width, h = w * ref.height / ref.width;
    var tx = Math.round((size.w / 2 - state.cx * w) * 100) / 100;
    var ty = Math.round((size.h / 2 - state.cy * h) * 100) / 100;
    var transform = "translate(" + tx + "px, " + ty + "px)";
    panes.forEach(function (pane) {
      var frame = $("[data-viewer-frame]", pane);
      frame.style.width = w + "px";
      frame.style.height = h + "px";
      frame.style.transform = transform;
    });
    level.textContent = Math.round(w * dpr() / ref.width * 100) + "%";
    dialog.style.setProperty("--viewer-split", state.split + "%");
    // Only the picture is clipped at the split, not the right side's caption.
    $("[data-viewer-pane=right] [data-viewer-clip]").style.clipPath =
      state.mode === "slider" ? "inset(0 0 0 " + state.split + "%)" : "";
    panes.forEach(sharpen);
  }

  // Swap a pane to the full file once it is shown beyond the display rendition's pixels; draw
  // pixels as squares once the full file itself is enlarged.
  function sharpen(pane) {
    var img = $("[data-viewer-image]", pane);
    var source = byId[pane.dataset.source];
    if (!source || pane.hidden) return;
    var needed = state.width * dpr() * source.width / reference().width;
    var isFull = img.dataset.full === "1";
    if (!isFull && img.naturalWidth && needed > img.naturalWidth * 1.05 && source.width > img.naturalWidth) {
      loadFull(pane, img, source);
    }
    var drawn = img.naturalWidth || source.width;
    img.classList.toggle("viewer-pixelated", needed > drawn * 1.01 && (isFull || drawn >= source.width));
  }

  function loadFull(pane, img, source) {
    if (img.dataset.loading === source.id) return;
    img.dataset.loading = source.id;
    say(dialog.dataset.textLoading);
    var full = new Image();
    full.onload = function () {
      if (pane.dataset.source !== source.id) return;  // the choice changed meanwhile
      img.src = source.full;
      img.dataset.full = "1";
      delete img.dataset.loading;
      say(dialog.dataset.textLoaded);
      img.decode().catch(function () {}).then(function () { sharpen(pane); });
    };
    full.onerror = function () { delete img.dataset.loading; say(""); };
    full.src = source.full;
  }

  function say(text) { status.textContent = text || ""; }

  function showSource(pane, id) {
    var source = byId[id];
    var img = $("[data-viewer-image]", pane);
    pane.dataset.source = id || "";
    $("[data-viewer-caption]", pane).textContent = source ? caption(source) : "";
    if (!source) { img.removeAttribute("src"); return; }
    img.alt = caption(source);
    if (img.dataset.sourceId === id) return;
    img.dataset.sourceId = id;
    img.dataset.full = "0";
    img.dataset.retries = "0";
    delete img.dataset.loading;
    img.src = source.display;
  }

  function onImageLoad(event) {
    var pane = event.target.closest("[data-viewer-pane]");
    if (pane) sharpen(pane);
  }

  function onImageError(event) {
    var img = event.target, source = byId[img.dataset.sourceId];
    var tries = Number(img.dataset.retries || 0);
    if (!source || img.dataset.full === "1" || tries >= DISPLAY_RETRIES) return;
    img.dataset.retries = String(tries + 1);
    setTimeout(function () { img.src = source.display + "?try=" + (tries + 1); }, 2000);
  }

  function fillSelects() {
    $$("[data-viewer-source]").forEach(function (select) {
      select.textContent = "";
      sources.forEach(function (source) {
        var option = document.createElement("option");
        option.value = source.id;
        option.textContent = source.detail ? source.label + " · " + source.detail : source.label;
        select.appendChild(option);
      });
    });
  }

  function applyChoices() {
    var compare = state.mode !== "single";
    dialog.dataset.mode = state.mode;
    $("[data-viewer-source=left]").value = state.left;
    $("[data-viewer-source=right]").value = state.right || "";
    $$("[data-viewer-right-group]").forEach(function (el) { el.hidden = !compare; });
    $("[data-viewer-left-label]").textContent = compare ? dialog.dataset.textLeft : dialog.dataset.textSingle;
    $("[data-viewer-split-group]").hidden = state.mode !== "slider";
    $("[data-viewer-divider]").hidden = state.mode !== "slider";
    $$("[data-viewer-mode-button]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.viewerModeButton === state.mode));
      b.disabled = b.dataset.viewerModeButton !== "single" && sources.length < 2;
    });
    panes[1].hidden = !compare;
    showSource(panes[0], state.left);
    if (compare) showSource(panes[1], state.right);
    // Pane sizes change with the mode: keep the same part of the picture in view.
    if (state.fitted) state.width = fitWidth();
    render();
  }

  function setMode(mode) {
    if (mode !== "single" && sources.length < 2) mode = "single";
    if (mode !== "single" && (!state.right || state.right === state.left)) {
      state.right = (sources.filter(function (s) { return s.id !== state.left; })[0] || {}).id;
    }
    state.mode = mode;
    applyChoices();
  }

  // ---- zoom and pan ----------------------------------------------------------------------------
  function zoomTo(width, anchorPane, ax, ay) {
    var ref = reference(), size = paneSize();
    var old = state.width, oldH = old * ref.height / ref.width;
    if (ax === undefined) { ax = size.w / 2; ay = size.h / 2; }
    // The point of the frame under the anchor stays under it.
    var fx = (ax - (size.w / 2 - state.cx * old)) / old;
    var fy = (ay - (size.h / 2 - state.cy * oldH)) / oldH;
    state.width = Math.min(maxWidth(), Math.max(minWidth(), width));
    var h = state.width * ref.height / ref.width;
    state.cx = (size.w / 2 - (ax - fx * state.width)) / state.width;
    state.cy = (size.h / 2 - (ay - fy * h)) / h;
    state.fitted = false;
    render();
  }

  function fit() { state.fitted = true; state.width = fitWidth(); state.cx = state.cy = 0.5; render(); }
  function actual() { zoomTo(actualWidth()); }

  function panBy(dx, dy) {
    var ref = reference();
    state.cx -= dx / state.width;
    state.cy -= dy / (state.width * ref.height / ref.width);
    render();
  }

  function pointInPane(event) {
    var pane = panes[1].hidden || state.mode === "slider" ? panes[0] : (
      panes[1].contains(event.target) ? panes[1] : panes[0]);
    var rect = pane.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  function onWheel(event) {
    event.preventDefault();
    var delta = event.deltaY * (event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1);
    var p = pointInPane(event);
    zoomTo(state.width * Math.exp(-delta * 0.002), null, p.x, p.y);
  }

  var pointers = {}, pinch = null, dragging = null;

  function onPointerDown(event) {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    if (event.target.closest("[data-viewer-divider]")) { dragging = "split"; }
    else { dragging = dragging || "pan"; }
    try { stage.setPointerCapture(event.pointerId); } catch (e) { /* a pointer already gone */ }
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    var ids = Object.keys(pointers);
    if (ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      dragging = "pan";
    }
    if (dragging === "split") moveSplit(event);
  }

  function onPointerMove(event) {
    var previous = pointers[event.pointerId];
    if (!previous) return;
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    var ids = Object.keys(pointers);
    if (pinch && ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      var distance = Math.hypot(a.x - b.x, a.y - b.y) || 1;
      var mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      var rect = panes[0].getBoundingClientRect();
      panBy(mid.x - pinch.x, mid.y - pinch.y);
      zoomTo(state.width * distance / pinch.distance, null, mid.x - rect.left, mid.y - rect.top);
      pinch = { distance: distance, x: mid.x, y: mid.y };
      return;
    }
    if (dragging === "split") { moveSplit(event); return; }
    if (dragging === "pan") panBy(event.clientX - previous.x, event.clientY - previous.y);
  }

  function onPointerUp(event) {
    delete pointers[event.pointerId];
    if (Object.keys(pointers).length < 2) pinch = null;
    if (!Object.keys(pointers).length) dragging = null;
  }

  function moveSplit(event) {
    var rect = stage.getBoundingClientRect();
    state.split = Math.round(Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)) * 1000) / 10;
    split.value = Math.round(state.split);
    render();
  }

  // Tab cycles inside the open viewer (the page behind it is inert).
  function keepFocusInside(event) {
    var focusable = $$("button, select, input, [tabindex='0']").filter(function (el) {
      return !el.disabled && el.offsetParent !== null;
    });
    if (!focusable.length) return;
    var first = focusable[0], last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
    else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
  }

  function onKey(event) {
    if (event.key === "Tab") { keepFocusInside(event); return; }
    var tag = event.target.tagName;
    if (tag === "SELECT" || (tag === "INPUT" && event.key.indexOf("Arrow") === 0)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var size = paneSize(), step = event.shiftKey ? 0.5 : PAN_STEP;
    var handled = true;
    switch (event.key) {
      case "ArrowLeft": panBy(size.w * step, 0); break;
      case "ArrowRight": panBy(-size.w * step, 0); break;
      case "ArrowUp": panBy(0, size.h * step); break;
      case "ArrowDown": panBy(0, -size.h * step); break;
      case "+": case "=": zoomTo(state.width * STEP); break;
      case "-": case "_": zoomTo(state.width / STEP); break;
      case "1": actual(); break;
      case "0": fit(); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  }

  // ---- opening and closing ---------------------------------------------------------------------
  function open(trigger) {
    readSources();
    if (!sources.length) return;
    opener = trigger;
    fillSelects();
    var newest = sources[1] ? sources[1].id : null;
    state.left = byId[trigger.dataset.viewerLeft] ? trigger.dataset.viewerLeft : "original";
    state.right = byId[trigger.dataset.viewerRight] ? trigger.dataset.viewerRight : newest;
    var mode = trigger.dataset.viewerMode || (newest ? "slider" : "single");
    state.split = 50;
    split.value = 50;
    dialog.showModal();
    state.fitted = true;
    state.cx = state.cy = 0.5;
    setMode(mode);
    fit();
    stage.focus();
  }

  function close() { if (dialog.open) dialog.close(); }

  function onClosed() {
    say("");
    if (opener && document.contains(opener)) opener.focus();
  }

  function wire() {
    dialog = document.querySelector("[data-viewer]");
    if (!dialog) return;
    stage = $("[data-viewer-stage]");
    panes = $$("[data-viewer-pane]");
    level = $("[data-viewer-level]");
    status = $("[data-viewer-status]");
    split = $("[data-viewer-split]");

    // Buttons inside the enhance panel are re-rendered after each job: listen on the document.
    document.addEventListener("click", function (event) {
      var trigger = event.target.closest("[data-viewer-open]");
      if (trigger && !dialog.contains(trigger)) { event.preventDefault(); open(trigger); }
    });
    $$("[data-viewer-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var kind = button.dataset.viewerZoom;
        if (kind === "in") zoomTo(state.width * STEP);
        else if (kind === "out") zoomTo(state.width / STEP);
        else if (kind === "actual") actual();
        else fit();
      });
    });
    $$("[data-viewer-mode-button]").forEach(function (button) {
      button.addEventListener("click", function () { setMode(button.dataset.viewerModeButton); });
    });
    $$("[data-viewer-source]").forEach(function (select) {
      select.addEventListener("change", function () {
        state[select.dataset.viewerSource] = select.value;
        applyChoices();
      });
    });
    split.addEventListener("input", function () { state.split = Number(split.value); render(); });
    $("[data-viewer-close]").addEventListener("click", close);
    dialog.addEventListener("close", onClosed);
    dialog.addEventListener("keydown", onKey);
    stage.addEventListener("wheel", onWheel, { passive: false });
    stage.addEventListener("pointerdown", onPointerDown);
    stage.addEventListener("pointermove", onPointerMove);
    stage.addEventListener("pointerup", onPointerUp);
    stage.addEventListener("pointercancel", onPointerUp);
    $$("[data-viewer-image]").forEach(function (img) {
      img.addEventListener("load", onImageLoad);
      img.addEventListener("error", onImageError);
    });
    window.addEventListener("resize", function () {
      if (!dialog.open) return;
      if (state.fitted) state.width = fitWidth();
      render();
    });
  }

  // A photo stored before display renditions existed: its page waits (202) while a worker makes
  // one. Captured on the document: the enhance panel's images are replaced after each job.
  function retryDisplay(img) {
    var tries = Number(img.dataset.tries || 0);
    if (tries >= DISPLAY_RETRIES) return;
    img.dataset.tries = String(tries + 1);
    var base = img.getAttribute("src").split("?")[0];
    setTimeout(function () { img.src = base + "?try=" + (tries + 1); }, 2000);
  }

  function retryDisplays() {
    document.addEventListener("error", function (event) {
      if (event.target.matches && event.target.matches("img[data-display-retry]")) retryDisplay(event.target);
    }, true);
    document.querySelectorAll("img[data-display-retry]").forEach(function (img) {
      if (img.complete && !img.naturalWidth) retryDisplay(img);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { wire(); retryDisplays(); });
})();
