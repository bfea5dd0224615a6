// The library's upload zone: click or drop many files; each one is sent on its own
// request so it gets its own progress bar and its own error message, with no page reload.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const zone = document.getElementById("upload-zone");
  const input = document.getElementById("upload-input");
  const list = document.getElementById("upload-list");
  const grid = document.getElementById("photo-grid");
  const maxBytes = parseInt(form.dataset.maxBytes, 10) || 0;
  const csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const albumInput = form.querySelector("input[name=album]");
  const PARALLEL_UPLOADS = 2;
  const DONE_ROW_SECONDS = parseFloat(form.dataset.doneRowSeconds || "4");
  const queue = [];
  let running = 0;

  function row(file) {
    const item = document.createElement("li");
    item.className = "upload-item";
    const name = document.createElement("div");
    name.className = "d-flex justify-content-between small";
    const label = document.createElement("span");
    label.className = "text-truncate upload-name";
    label.textContent = file.name;
    const status = document.createElement("span");
    status.className = "upload-status ms-2 text-nowrap";
    name.append(label, status);
    const progress = document.createElement("div");
    progress.className = "progress";
    progress.setAttribute("role", "progressbar");
    progress.setAttribute("aria-label", file.name);
    progress.setAttribute("aria-valuemin", "0");
    progress.setAttribute("aria-valuemax", "100");
    const bar = document.createElement("div");
    bar.className = "progress-bar";
    bar.style.width = "0%";
    progress.append(bar);
    const error = document.createElement("div");
    error.className = "upload-error text-danger small";
    item.append(name, progress, error);
    list.append(item);
    return { item, bar, progress, status, error };
  }

  function setProgress(ui, percent) {
    ui.bar.style.width = percent + "%";
    ui.progress.setAttribute("aria-valuenow", String(percent));
    // All bytes sent is not done: the server still decodes, re-encodes and makes the thumbnail.
    ui.status.textContent = percent < 100 ? form.dataset.msgSending + " " + percent + "%" : form.dataset.msgProcessing;
  }

  function fail(ui, message) {
    ui.item.classList.add("upload-failed");
    ui.bar.classList.add("bg-danger");
    ui.bar.style.width = "100%";
    ui.status.textContent = "";
    ui.error.textContent = message;
  }

  function succeed(ui, photo) {
    ui.item.classList.add("upload-done");
    ui.bar.classList.add("bg-success");
    ui.bar.style.width = "100%";
    ui.status.textContent = form.dataset.msgDone;
    ui.progress.setAttribute("aria-valuenow", "100");
    if (photo.plan_notice) {
      // Above the plan's size limit: kept, but it cannot be enhanced; the row stays to say so.
      ui.item.classList.add("upload-plan-notice");
      const notice = document.createElement("div");
      notice.className = "small text-body";
      notice.dataset.planNotice = "";
      notice.textContent = photo.plan_notice + " ";
      const link = document.createElement("a");
      link.href = photo.upgrade_url;
      link.textContent = form.dataset.msgUpgrade;
      notice.append(link);
      ui.error.after(notice);
    } else {
      // The new tile in the grid is the lasting record; the row goes once it has been seen.
      setTimeout(function () { ui.item.remove(); }, DONE_ROW_SECONDS * 1000);
    }
    addTile(photo);
    bumpCount("[data-count-all]");
    if (albumInput) bumpCount('[data-count-album="' + albumInput.value + '"]');
  }

  function bumpCount(selector) {
    const badge = document.querySelector(selector);
    if (badge) badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
  }

  function addTile(photo) {
    const link = document.createElement("a");
    link.className = "photo-tile";
    link.href = photo.detail_url;
    link.title = photo.title;
    link.dataset.photoId = String(photo.id);
    const img = document.createElement("img");
    img.src = photo.thumbnail_url;
    img.alt = photo.title;
    img.width = 320;
    img.height = 320;
    link.append(img);
    grid.prepend(link);
    const empty = document.getElementById("empty-library");
    if (empty) empty.remove();
  }

  function errorFrom(xhr) {
    try {
      const body = JSON.parse(xhr.responseText);
      if (body && body.error) return body.error;
    } catch (ignored) { /* not JSON: fall through to a generic message */ }
    if (xhr.status === 413) return form.dataset.msgTooLarge;
    return form.dataset.msgServer;
  }

  function send(file, ui) {
    running += 1;
    const data = new FormData();
    data.append("file", file, file.name);
    if (albumInput) data.append("album", albumInput.value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) setProgress(ui, Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 201) succeed(ui, JSON.parse(xhr.responseText));
      else fail(ui, errorFrom(xhr));
      next();
    });
    xhr.addEventListener("error", function () { fail(ui, form.dataset.msgNetwork); next(); });
    xhr.send(data);
  }

  function next() {
    running -= 1;
    pump();
  }

  function pump() {
    while (running < PARALLEL_UPLOADS && queue.length) {
      const job = queue.shift();
      send(job.file, job.ui);
    }
  }

  function accept(files) {
    for (const file of files) {
      const ui = row(file);
      // The server checks everything again; this only spares sending a file that cannot pass.
      if (maxBytes && file.size > maxBytes) { fail(ui, form.dataset.msgTooLarge); continue; }
      queue.push({ file, ui });
    }
    pump();
  }

  input.addEventListener("change", function () {
    accept(Array.from(input.files));
    input.value = "";
  });
  function openPicker() {
    // showPicker() opens the dialog from a key press in Chromium, where a synthetic click on an
    // input was swallowed for Enter.
    if (typeof input.showPicker === "function") {
      try { input.showPicker(); return; } catch (ignored) { /* no user activation: fall back */ }
    }
    input.click();
  }
  zone.addEventListener("click", openPicker);
  zone.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openPicker(); }
  });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
  });
  ["dragleave", "dragend"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    event.stopPropagation();
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) accept(Array.from(event.dataTransfer.files));
  });
  // A file dropped just beside the zone would make the browser leave the page to show it:
  // anywhere on this page counts as the zone.
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) accept(Array.from(event.dataTransfer.files));
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
})();
