// "Preparing your download": ask again every Retry-After seconds without reloading the page,
// then start the download. A timed reload (meta refresh) would pull the page from under a
// screen reader or a keyboard user (WCAG 2.2.1); this page stays put and only the file arrives.
(function () {
  "use strict";
  var box = document.querySelector("[data-preparing-download]");
  if (!box) return;
  var url = window.location.href;
  var wait = (parseInt(box.dataset.retryAfter, 10) || 2) * 1000;
  function ask() {
    fetch(url, { method: "HEAD", credentials: "same-origin", cache: "no-store" }).then(function (res) {
      if (res.status === 202) { window.setTimeout(ask, wait); return; }
      window.location.assign(url); // ready: the browser saves it; failed: the page says why
    }).catch(function () { window.setTimeout(ask, wait * 2); });
  }
  window.setTimeout(ask, wait);
})();
