/* Draws each indicator's weekly chart (Chart.js, served by the app) from the page's JSON data:
   the actual weekly value, the target line, the pace needed to meet the target by its deadline, and
   where the current weekly rate leads. Without JavaScript the same numbers are in the tables. */
(function () {
  "use strict";
  var holder = document.getElementById("chi-tieu-bieu-do");
  if (!holder || typeof window.Chart === "undefined") { return; }
  var charts = JSON.parse(holder.textContent);
  var DAY_MS = 86400000;

  function toDay(iso) {
    var p = iso.split("-");
    return Date.UTC(Number(p[0]), Number(p[1]) - 1, Number(p[2])) / DAY_MS;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function dayText(day) {
    var d = new Date(Math.round(day) * DAY_MS);
    return pad(d.getUTCDate()) + "/" + pad(d.getUTCMonth() + 1) + "/" + d.getUTCFullYear();
  }
  function pct(v) { return (Math.round(v * 10) / 10).toString().replace(".", ",") + "%"; }

  function datasets(item) {
    var actual = item.points.map(function (p) { return { x: toDay(p[0]), y: p[1] }; });
    var today = toDay(item.day);
    var deadline = toDay(item.deadline);
    var first = actual.length ? actual[0].x : today;
    var end = Math.max(today, deadline);
    var out = [
      { label: "Thực tế", data: actual, borderColor: "#0b5cad", backgroundColor: "#0b5cad", pointRadius: 2, spanGaps: false },
      { label: "Chỉ tiêu " + pct(item.target), data: [{ x: first, y: item.target }, { x: end, y: item.target }],
        borderColor: "#1e6b34", backgroundColor: "#1e6b34", borderDash: [8, 4], pointRadius: 0 }
    ];
    if (item.now !== null && item.now < item.target && deadline > today) {
      out.push({ label: "Cần đạt để kịp hạn", data: [{ x: today, y: item.now }, { x: deadline, y: item.target }],
        borderColor: "#9a4d00", backgroundColor: "#9a4d00", borderDash: [3, 3], pointRadius: 0 });
    }
    if (item.now !== null && item.weekly !== null && item.weekly > 0 && item.now < item.target) {
      var reach = today + (item.target - item.now) / item.weekly * 7;
      var stop = Math.min(reach, end);
      out.push({ label: "Theo tốc độ 4 tuần qua",
        data: [{ x: today, y: item.now }, { x: stop, y: item.now + item.weekly * (stop - today) / 7 }],
        borderColor: "#6a1b9a", backgroundColor: "#6a1b9a", borderDash: [1, 3], pointRadius: 0 });
    }
    return { sets: out, first: first, end: end };
  }

  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
    var item = charts[canvas.getAttribute("data-chart")];
    if (!item) { return; }
    var built = datasets(item);
    new window.Chart(canvas, {
      type: "line",
      data: { datasets: built.sets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { type: "linear", min: built.first, max: built.end,
               ticks: { maxTicksLimit: 4, callback: function (v) { return dayText(v); } } },
          y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, pointStyle: "line", boxWidth: 24 } },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? dayText(items[0].parsed.x) : ""; },
            label: function (ctx) { return ctx.dataset.label + ": " + pct(ctx.parsed.y); }
          } }
        }
      }
    });
  });
}());
