// The "Lập báo cáo" form: show only the fields the chosen kind and period need (the form works without it).
(function () {
  "use strict";
  var form = document.getElementById("lap-bao-cao");
  if (!form) { return; }
  var kind = form.querySelector("[data-control=bc-kind]");
  var period = form.querySelector("[data-control=bc-period]");
  var TEAM = ["daily", "team-quarterly"];
  var CAMPAIGN = ["daily", "campaign"];

  function show(group, visible) {
    form.querySelectorAll("[data-group=" + group + "]").forEach(function (input) {
      var box = input.closest(".field");
      if (box && !box.classList.contains("has-error")) { box.hidden = !visible; }
    });
  }

  function update() {
    var k = kind ? kind.value : "";
    var p = period ? period.value : "";
    var chosen = k !== "";
    show("team", !chosen || TEAM.indexOf(k) >= 0);
    show("campaign", !chosen || CAMPAIGN.indexOf(k) >= 0);
    show("period", !chosen || (k !== "daily" && k !== "campaign"));
    show("day", !chosen || k === "daily" || (k !== "campaign" && p === "ngay"));
    show("range", !chosen || (k === "commune-summary" && p === "theo-yeu-cau"));
  }

  if (kind) { kind.addEventListener("change", update); }
  if (period) { period.addEventListener("change", update); }
  update();
})();
