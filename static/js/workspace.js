/* The account workspace and the plan pages: the account's trend and health charts (Chart.js,
 * vendored) and the print button of the printable plan.
 *
 * Strict CSP: no inline scripts or handlers. The account page passes its chart data as JSON in
 * <script type="application/json" id="workspace-data"> and its health history in "health-data"
 * (Django's json_script); every chart's figures are also in a table beside it, so nothing
 * depends on this script. */
(function () {
  "use strict";

  document.querySelectorAll("[data-action='print']").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  if (typeof Chart === "undefined") {
    return;
  }
  var COLOURS = ["#0d6efd", "#dc3545", "#198754", "#6f42c1"];
  var number = new Intl.NumberFormat(document.documentElement.lang || "en", {
    maximumFractionDigits: 1
  });

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function json(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  /* Relationship health over the runs, on a fixed 0-100 axis (health is absolute), in front of
   * the bands each run used: red up to "amber from", amber up to "green from", green above. The
   * thresholds are drawn as stepped lines, as a director may change them between runs. */
  function health(data) {
    var canvas = document.querySelector("canvas[data-chart='health']");
    if (!canvas || !data) {
      return;
    }
    var hundred = data.labels.map(function () { return 100; });
    function threshold(label, values, line, area, fill) {
      return {
        label: label,
        data: values,
        borderColor: line,
        backgroundColor: area,
        borderDash: [4, 4],
        borderWidth: 1,
        pointRadius: 0,
        pointHoverRadius: 0,
        stepped: "middle",
        fill: fill,
        order: 2
      };
    }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: "Health",
            data: data.scores,
            borderColor: "#212529",
            backgroundColor: "#212529",
            borderWidth: 2,
            pointRadius: 3,
            fill: false,
            order: 1
          },
          threshold("Amber from (red below)", data.amberFrom, "#dc3545", "rgba(220, 53, 69, 0.12)", "origin"),
          threshold("Green from (amber below)", data.greenFrom, "#b8860b", "rgba(255, 193, 7, 0.18)", "-1"),
          threshold("Green band", hundred, "rgba(0, 0, 0, 0)", "rgba(25, 135, 84, 0.12)", "-1")
        ]
      },
      options: {
        plugins: {
          title: { display: true, text: "Relationship health (0-100)" },
          tooltip: {
            filter: function (item) { return item.datasetIndex < 3; },
            callbacks: {
              label: function (context) {
                var band = context.datasetIndex === 0 ? " (" + data.bands[context.dataIndex] + ")" : "";
                return context.dataset.label + ": " + number.format(context.parsed.y) + band;
              }
            }
          }
        },
        scales: {
          y: { min: 0, max: 100, ticks: { stepSize: 25 }, title: { display: true, text: "Health" } }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }

  health(json("health-data"));

  var data = json("workspace-data");
  if (!data) {
    return;
  }
  var partial = data.partial || [];

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
