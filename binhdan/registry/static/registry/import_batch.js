// The import page while a large list is checked or written: polls the background job and reloads
// the page when it is done. Loaded as a file (no inline script: the content security policy allows
// scripts from this site only).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !box.dataset.url) { return; }
  var bar = document.getElementById("job-progress");
  var message = document.getElementById("job-message");
  function poll() {
    fetch(box.dataset.url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (j) {
        bar.value = j.percent;
        message.textContent = j.message || j.status_label;
        if (j.status === "done" || j.status === "failed") { window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
