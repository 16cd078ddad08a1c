// Progress of a background job (/viec-nen/<id>/): polls the job's JSON until it is done or failed.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  function poll() {
    if (box.dataset.status === "done" || box.dataset.status === "failed") return;
    fetch(box.dataset.url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (j) {
        box.dataset.status = j.status;
        document.getElementById("job-status").textContent = j.status_label;
        document.getElementById("job-count").textContent = j.done + "/" + j.total;
        document.getElementById("job-progress").value = j.percent;
        document.getElementById("job-message").textContent = j.message;
        var retry = document.getElementById("job-retry");
        if (retry) { retry.hidden = j.status !== "failed"; }
        var result = document.getElementById("job-result");
        if (result && j.result && typeof j.result.url === "string" && j.result.url.charAt(0) === "/") {
          var link = result.querySelector("a");
          link.href = j.result.url;
          link.textContent = j.result.label || "Mở kết quả";
          result.hidden = false;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
