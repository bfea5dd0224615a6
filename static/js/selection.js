// Selecting photos in a grid and acting on them (templates/albums/_selection_bar.html):
// click in selection mode, Shift-click for a range, Ctrl/Cmd-click, a long press on touch,
// "Select all" and "Clear"; each bulk form posts the selected ids. Photos (one, or the whole
// selection) can be dragged onto an album in the sidebar; "Move to album" is the keyboard way.
(function () {
  "use strict";
  var LONG_PRESS_MS = 500;
  var DRAG_TYPE = "application/x-restore-photos";

  var grid = document.getElementById("photo-grid");
  var bar = document.getElementById("selection-bar");
  if (!grid || !bar) return;
  var modeButton = document.getElementById("select-mode");
  var selecting = false;
  var anchor = null;  // the cell a Shift-click range starts from
  var suppressClick = false;  // the click that ends a long press must not open the photo
  var dragged = null;  // ids being dragged (dataTransfer cannot be read during dragover)

  function cells() { return Array.prototype.slice.call(grid.querySelectorAll("[data-photo-cell]")); }
  function box(cell) { return cell.querySelector("[data-photo-select]"); }
  function selectedIds() {
    return cells().filter(function (c) { return box(c).checked; }).map(function (c) { return box(c).value; });
  }

  function countText(n) {
    return (n === 1 ? bar.dataset.countOne : bar.dataset.countMany).replace("{n}", String(n));
  }

  function update() {
    var n = 0;
    cells().forEach(function (cell) {
      var on = box(cell).checked;
      cell.classList.toggle("selected", on);
      if (on) n += 1;
    });
    if (n > 0) selecting = true;
    grid.classList.toggle("selecting", selecting);
    bar.hidden = !selecting;
    if (modeButton) {
      modeButton.setAttribute("aria-pressed", selecting ? "true" : "false");
      modeButton.classList.toggle("active", selecting);
    }
    document.getElementById("selection-count").textContent = countText(n);
    document.querySelectorAll("[data-selection-count-text]").forEach(function (el) { el.textContent = countText(n); });
    bar.querySelectorAll("[data-bulk-form] button[type=submit], [data-open-dialog]").forEach(function (b) {
      b.disabled = n === 0;
    });
  }

  function setAll(on) { cells().forEach(function (c) { box(c).checked = on; }); }

  function clear() {
    setAll(false);
    selecting = false;
    anchor = null;
    update();
  }

  function selectRange(toCell) {
    var all = cells();
    var from = all.indexOf(anchor || toCell);
    var to = all.indexOf(toCell);
    if (from < 0) from = to;
    for (var i = Math.min(from, to); i <= Math.max(from, to); i += 1) box(all[i]).checked = true;
  }

  // One rule for the tile and its checkbox: Shift adds the range from the last one clicked,
  // anything else toggles this one.
  function choose(cell, event, toggled) {
    if (event.shiftKey && anchor) {
      selectRange(cell);
    } else if (!toggled) {
      box(cell).checked = !box(cell).checked;
    }
    if (!event.shiftKey || !anchor) anchor = cell;
    selecting = true;
    update();
  }

  grid.addEventListener("click", function (event) {
    var cell = event.target.closest("[data-photo-cell]");
    if (!cell) return;
    if (event.target.matches("[data-photo-select]")) {
      choose(cell, event, true);  // the browser has already toggled it
      return;
    }
    if (!event.target.closest(".photo-tile")) return;
    if (suppressClick) { suppressClick = false; event.preventDefault(); return; }
    if (selecting || event.shiftKey || event.ctrlKey || event.metaKey) {
      event.preventDefault();
      choose(cell, event, false);
    }
  });

  // ---- long press (touch): starts the selection with this photo ----
  var pressTimer = null;
  var pressStart = null;
  function cancelPress() { if (pressTimer) clearTimeout(pressTimer); pressTimer = null; }
  grid.addEventListener("pointerdown", function (event) {
    suppressClick = false;  // a long press is not always followed by a click
    if (event.pointerType !== "touch") return;
    var cell = event.target.closest("[data-photo-cell]");
    if (!cell || event.target.matches("[data-photo-select]")) return;
    pressStart = { x: event.clientX, y: event.clientY };
    cancelPress();
    pressTimer = setTimeout(function () {
      pressTimer = null;
      suppressClick = true;
      box(cell).checked = true;
      anchor = cell;
      selecting = true;
      update();
      if (navigator.vibrate) navigator.vibrate(15);
    }, LONG_PRESS_MS);
  });
  grid.addEventListener("pointermove", function (event) {
    if (pressTimer && pressStart && Math.hypot(event.clientX - pressStart.x, event.clientY - pressStart.y) > 10) cancelPress();
  });
  ["pointerup", "pointercancel"].forEach(function (name) { grid.addEventListener(name, cancelPress); });
  // The browser's own long-press menu would cover the photo just selected.
  grid.addEventListener("contextmenu", function (event) {
    if (suppressClick || pressTimer) event.preventDefault();
  });

  // ---- the bar's controls ----
  if (modeButton) {
    modeButton.addEventListener("click", function () {
      if (selecting) { clear(); return; }
      selecting = true;
      update();
      var first = cells()[0];
      if (first) box(first).focus();
    });
  }
  bar.querySelector("[data-select-all]").addEventListener("click", function () { setAll(true); selecting = true; update(); });
  bar.querySelector("[data-select-clear]").addEventListener("click", function () {
    clear();
    if (modeButton) modeButton.focus();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && selecting && !document.querySelector("dialog[open]")) clear();
  });

  // Every bulk form sends the selection as repeated `photo` fields, added when it is sent.
  function withSelection(form, ids) {
    form.querySelectorAll("input[data-selected-photo]").forEach(function (el) { el.remove(); });
    ids.forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "photo";
      input.value = id;
      input.dataset.selectedPhoto = "";
      form.appendChild(input);
    });
  }
  document.querySelectorAll("[data-bulk-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var ids = selectedIds();
      if (!ids.length) { event.preventDefault(); return; }
      withSelection(form, ids);
    });
  });

  document.querySelectorAll("[data-open-dialog]").forEach(function (button) {
    button.addEventListener("click", function () {
      var dialog = document.getElementById(button.dataset.openDialog);
      update();
      dialog.showModal();
    });
  });
  document.querySelectorAll("dialog [data-close-dialog]").forEach(function (button) {
    button.addEventListener("click", function () { button.closest("dialog").close(); });
  });

  // ---- drag onto an album in the sidebar ----
  grid.addEventListener("dragstart", function (event) {
    var cell = event.target.closest("[data-photo-cell]");
    if (!cell) return;
    dragged = box(cell).checked ? selectedIds() : [box(cell).value];
    event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(dragged));
    event.dataTransfer.effectAllowed = "move";
    document.body.classList.add("dragging-photos");
  });
  grid.addEventListener("dragend", function () {
    dragged = null;
    document.body.classList.remove("dragging-photos");
  });

  function draggedIds(event) {
    try {
      var data = event.dataTransfer.getData(DRAG_TYPE);
      if (data) return JSON.parse(data);
    } catch (ignored) { /* fall back to what dragstart kept */ }
    return dragged;
  }

  function isPhotoDrag(event) {
    return !!dragged || Array.prototype.indexOf.call(event.dataTransfer.types || [], DRAG_TYPE) >= 0;
  }

  // A drop is the "Move to album" form sent for the dragged photos: the same request, answer and message.
  function moveTo(albumId, ids) {
    var form = document.getElementById("bulk-move-form");
    var select = form.querySelector("select[name=album]");
    if (!select.querySelector('option[value="' + albumId + '"]')) return;  // the album shown: already there
    select.value = albumId;
    withSelection(form, ids);
    form.submit();
  }

  document.querySelectorAll("[data-drop-album]").forEach(function (target) {
    target.addEventListener("dragover", function (event) {
      if (!isPhotoDrag(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      target.classList.add("drop-target");
    });
    target.addEventListener("dragleave", function () { target.classList.remove("drop-target"); });
    target.addEventListener("drop", function (event) {
      target.classList.remove("drop-target");
      var ids = draggedIds(event);
      if (!ids || !ids.length) return;
      event.preventDefault();
      moveTo(target.dataset.dropAlbum, ids);
    });
  });

  // Tiles added by an upload on this page (static/js/upload.js) get a checkbox like the others.
  function adopt(tile) {
    if (tile.closest("[data-photo-cell]")) return;
    var cell = document.createElement("div");
    cell.className = "photo-cell";
    cell.setAttribute("data-photo-cell", "");
    tile.replaceWith(cell);
    tile.draggable = true;
    cell.appendChild(tile);
    var input = document.createElement("input");
    input.type = "checkbox";
    input.className = "form-check-input photo-select";
    input.value = tile.dataset.photoId;
    input.id = "select-photo-" + tile.dataset.photoId;
    input.setAttribute("data-photo-select", "");
    input.setAttribute("aria-label", grid.dataset.selectLabel.replace("{title}", tile.title));
    cell.appendChild(input);
  }
  new MutationObserver(function () {
    grid.querySelectorAll(":scope > .photo-tile").forEach(adopt);
    update();
  }).observe(grid, { childList: true });

  update();
})();
