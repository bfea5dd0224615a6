// Enhancement UI: Run without a page reload, live progress by polling, the
// before/after slider, and browser notifications (asked for only after the first Run).
(function () {
  "use strict";
  var TERMINAL = { succeeded: 1, failed: 1, canceled: 1 };
  var ASKED_KEY = "restore.notifications-asked";
  var SEEN_KEY = "restore.notifications-seen";

  function csrf(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function postForm(form) {
    return fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf(form) },
    });
  }

  // Translated by the page: data-eta-seconds / data-eta-minutes on this script's tag.
  var SCRIPT = document.currentScript;
  var ETA_SECONDS = (SCRIPT && SCRIPT.dataset.etaSeconds) || "~{n} s";
  var ETA_MINUTES = (SCRIPT && SCRIPT.dataset.etaMinutes) || "~{n} min";

  function formatEta(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return ETA_SECONDS.replace("{n}", seconds);
    return ETA_MINUTES.replace("{n}", Math.round(seconds / 60));
  }

  // ---- the panel (photo page) and the My jobs list --------------------------
  function panel() { return document.getElementById("enhance-jobs-panel"); }

  function formChoices(root) {
    var values = {};
    // By id: several models' widgets share an option name (scale).
    root.querySelectorAll("[data-enhance-form] select").forEach(function (el) { values[el.id] = el.value; });
    return values;
  }

  function restoreChoices(root, values) {
    root.querySelectorAll("[data-enhance-form] select").forEach(function (el) {
      if (values[el.id] !== undefined) el.value = values[el.id];
    });
  }

  function refreshPanel() {
    // Re-render from the server: one source of truth for the result list and slider.
    return fetch(window.location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("enhance-jobs-panel");
        var current = panel();
        if (fresh && current) {
          var choices = formChoices(current);  // keep what the person picked
          current.replaceWith(fresh);
          restoreChoices(fresh, choices);
          wire();
        }
      });
  }

  function updateItem(item, job) {
    var status = item.querySelector("[data-job-status]");
    if (status) status.textContent = job.status_label;
    var bar = item.querySelector("[data-job-progress]");
    if (bar) {
      bar.setAttribute("aria-valuenow", job.progress);
      bar.firstElementChild.style.width = job.progress + "%";
    }
    var stage = item.querySelector("[data-job-stage]");
    if (stage) stage.textContent = job.stage;
    var eta = item.querySelector("[data-job-eta]");
    if (eta) eta.textContent = formatEta(job.eta_seconds);
    item.dataset.status = job.status;
  }

  var pollTimer = null;
  function poll() {
    pollTimer = null;
    var root = panel();
    if (!root) return;
    var items = root.querySelectorAll("[data-job-id]");
    var ids = [];
    items.forEach(function (item) { if (!TERMINAL[item.dataset.status]) ids.push(item.dataset.jobId); });
    if (!ids.length) return;
    fetch(root.dataset.statusUrl + "?ids=" + ids.join(","), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var finished = false;
        data.jobs.forEach(function (job) {
          var item = root.querySelector('[data-job-id="' + job.id + '"]');
          if (!item) return;
          updateItem(item, job);
          if (job.finished) finished = true;
        });
        if (finished) { checkNotifications(); return refreshPanel(); }
      })
      .catch(function () { /* a missed poll is retried below */ })
      .then(schedulePoll);
  }
  function schedulePoll() { if (!pollTimer) pollTimer = setTimeout(poll, 1000); }

  function askForNotificationsOnce() {
    if (!("Notification" in window) || Notification.permission !== "default") return;
    if (localStorage.getItem(ASKED_KEY)) return;
    localStorage.setItem(ASKED_KEY, "1");
    try { Notification.requestPermission(); } catch (e) { /* old browsers */ }
  }

  // ---- kind, model and options (enhance/_model_fields.html, built from the engine's catalogue) ----
  function parseJson(text, fallback) {
    try { return JSON.parse(text || ""); } catch (e) { return fallback; }
  }

  function matches(when, values) {
    return Object.keys(when).every(function (name) { return when[name].indexOf(values[name]) >= 0; });
  }

  // One model's options: hide those that do not apply, disable each value that would make an
  // impossible combination with the others, and say why.
  function syncOptions(group) {
    var rules = parseJson(group.dataset.impossible, []);
    var preset = parseJson(group.dataset.preset, {});
    var values = {};
    Object.keys(preset).forEach(function (name) { values[name] = preset[name][0]; });
    var selects = group.querySelectorAll("select");
    selects.forEach(function (el) { values[el.name] = el.value; });
    group.querySelectorAll("[data-applies-when]").forEach(function (box) {
      var on = matches(parseJson(box.dataset.appliesWhen, {}), values);
      box.classList.toggle("d-none", !on);
      box.querySelectorAll("select").forEach(function (el) { el.disabled = !on; });
    });
    var reasons = [];
    selects.forEach(function (el) {
      Array.prototype.forEach.call(el.options, function (opt) {
        var candidate = Object.assign({}, values);
        candidate[el.name] = opt.value;
        var rule = rules.filter(function (r) { return matches(r.when, candidate); })[0];
        opt.disabled = !!rule && !opt.selected;
        opt.title = rule ? rule.reason : (opt.dataset.help || "");
        if (rule && reasons.indexOf(rule.reason) < 0) reasons.push(rule.reason);
      });
    });
    var note = group.querySelector("[data-impossible-note]");
    if (note) {
      note.textContent = "";
      reasons.forEach(function (reason) {
        var line = document.createElement("div");
        line.textContent = reason;
        note.appendChild(line);
      });
    }
  }

  // Shows the chosen kind's models and the chosen model's options (hidden ones are disabled so
  // the form sends only what was chosen); true when the choice can run.
  function syncModelFields(form) {
    var type = form.querySelector("[data-enhance-type]");
    var kindOption = type.selectedOptions[0];
    var runnable = type.value !== "none" && !!kindOption && !kindOption.disabled;
    form.querySelectorAll("[data-models-for]").forEach(function (fs) {
      var on = fs.dataset.modelsFor === type.value;
      fs.classList.toggle("d-none", !on);
      fs.disabled = !on;
      var chooser = fs.querySelector("[data-model-select]");
      var model = chooser ? chooser.value : "";
      if (on && chooser && chooser.tagName === "SELECT") {
        runnable = runnable && !!chooser.selectedOptions[0] && !chooser.selectedOptions[0].disabled;
      }
      fs.querySelectorAll("[data-model-options]").forEach(function (group) {
        var shown = on && group.dataset.modelOptions === model;
        group.classList.toggle("d-none", !shown);
        group.disabled = !shown;
        if (shown) syncOptions(group);
        // Outside this person's plan (a Pro model, a photo above the plan's size): shown with the
        // upgrade link, never run into a refusal.
        if (shown && group.hasAttribute("data-locked")) runnable = false;
      });
    });
    return runnable;
  }

  function wireBatchForm(form) {
    var run = form.querySelector("button[type=submit]");
    function sync() { run.disabled = !syncModelFields(form); }
    form.addEventListener("change", sync);
    sync();
  }

  function wireForm(form) {
    var type = form.querySelector("[data-enhance-type]");
    var run = form.querySelector("[data-run]");
    function sync() { run.disabled = !syncModelFields(form); }
    form.addEventListener("change", sync);
    type.addEventListener("change", function () {
      // Choosing "None" shows the original alone; any other choice brings the comparison back.
      var slider = document.querySelector("[data-before-after]");
      if (slider) slider.classList.toggle("show-original", type.value === "none");
    });
    sync();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      askForNotificationsOnce();  // inside the click: browsers only ask on a user gesture
      run.disabled = true;
      showRefusal(form, {});
      postForm(form).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (res) {
        if (!res.ok) { showRefusal(form, res.body); run.disabled = false; return; }
        return refreshPanel().then(schedulePoll);
      }).catch(function () { run.disabled = false; });
    });
  }

  // A refusal beside the Run button, with the plan's upgrade link when the refusal has one.
  function showRefusal(form, body) {
    var error = form.querySelector("[data-enhance-error]");
    var text = error.querySelector("[data-enhance-error-text]") || error;
    var upgrade = error.querySelector("[data-enhance-upgrade]");
    text.textContent = body.error || "";
    if (upgrade) {
      upgrade.hidden = !body.upgrade_url;
      if (body.upgrade_url) upgrade.href = body.upgrade_url;
    }
  }

  function wireActions(root) {
    root.querySelectorAll("form[data-job-action]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
        postForm(form).then(function () { return refreshPanel(); }).then(schedulePoll);
      });
    });
  }

  // ---- before/after slider: a native range input, so keyboard and touch work ----
  function wireSlider(figure) {
    var range = figure.querySelector("[data-ba-range]");
    var after = figure.querySelector(".ba-after");
    var frame = figure.querySelector(".ba-frame");
    function apply() {
      var v = range.value;
      after.style.clipPath = "inset(0 0 0 " + v + "%)";
      frame.style.setProperty("--ba-split", v + "%");
    }
    range.addEventListener("input", apply);
    // Dragging on the picture itself moves the split too (mouse and touch).
    function fromPointer(event) {
      var rect = frame.getBoundingClientRect();
      range.value = Math.round(Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)) * 100);
      apply();
    }
    var dragging = false;
    frame.addEventListener("pointerdown", function (e) { dragging = true; frame.setPointerCapture(e.pointerId); fromPointer(e); });
    frame.addEventListener("pointermove", function (e) { if (dragging) fromPointer(e); });
    frame.addEventListener("pointerup", function () { dragging = false; });
    apply();
  }

  // ---- notifications: bell count and browser notifications --------------------
  function checkNotifications() {
    var bell = document.querySelector("[data-notification-count]");
    var url = bell ? bell.dataset.unreadUrl : null;
    if (!url) return;
    var seen = localStorage.getItem(SEEN_KEY);
    fetch(url + (seen ? "?after=" + seen : ""), { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) {
        bell.textContent = data.count ? String(data.count) : "";
        bell.classList.toggle("d-none", !data.count);
        if (seen && "Notification" in window && Notification.permission === "granted") {
          data.items.forEach(function (item) {
            var n = new Notification("Restore", { body: item.message, tag: "restore-" + item.id });
            n.onclick = function () { window.focus(); window.location.href = item.url; };
          });
        }
        localStorage.setItem(SEEN_KEY, String(data.latest_id));
      }).catch(function () {});
  }

  function wire() {
    var root = panel();
    if (root) {
      root.querySelectorAll("[data-enhance-form]").forEach(wireForm);
      root.querySelectorAll("[data-before-after]").forEach(wireSlider);
      wireActions(root);
      schedulePoll();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-batch-form]").forEach(wireBatchForm);
    wire();
    checkNotifications();
    setInterval(checkNotifications, 15000);
  });
})();
