/* The account workspace and the plan pages: the account's trend charts (Chart.js, vendored) and
 * the print button of the printable plan.
 *
 * Strict CSP: no inline scripts or handlers. The account page passes its chart data as JSON in
 * <script type="application/json" id="workspace-data"> (Django's json_script); every chart's
 * figures are also in a table beside it, so nothing depends on this script. */
(function () {
  "use strict";

  document.querySelectorAll("[data-action='print']").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  var source = document.getElementById("workspace-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var partial = data.partial || [];
  var COLOURS = ["#0d6efd", "#dc3545", "#198754", "#6f42c1"];
  var number = new Intl.NumberFormat(document.documentElement.lang || "en", {
    maximumFractionDigits: 1
  });

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  data.charts.forEach(function (chart) {
    var canvas = document.querySelector("canvas[data-chart='" + chart.id + "']");
    if (!canvas) {
      return;
    }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        // A series without a single value is not drawn, so the legend never names it.
        datasets: chart.series
          .map(function (series, index) {
            var colour = COLOURS[index % COLOURS.length];
            return {
              label: series.label,
              data: series.data,
              borderColor: colour,
              backgroundColor: colour,
              spanGaps: true,
              // A partial quarter (fewer than three months of data): a hollow point, and the
              // line to it dashed, so it never reads as a full quarter.
              pointBackgroundColor: partial.map(function (p) { return p ? "#fff" : colour; }),
              segment: {
                borderDash: function (ctx) {
                  return partial[ctx.p0DataIndex] || partial[ctx.p1DataIndex] ? [4, 4] : undefined;
                }
              }
            };
          })
          .filter(function (dataset) {
            return dataset.data.some(function (value) {
              return value !== null && value !== undefined;
            });
          })
      },
      options: {
        plugins: {
          title: { display: true, text: chart.title },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + number.format(context.parsed.y);
              }
            }
          }
        },
        // Money and percentages from zero: a zoomed axis would exaggerate a change.
        scales: {
          y: { beginAtZero: true, ticks: { callback: function (value) { return number.format(value); } } }
        }
      }
    });
    canvas.dataset.drawn = "true";
  });
})();
