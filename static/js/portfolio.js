/* Draws the portfolio dashboard's charts with the vendored Chart.js.
 *
 * The page passes its data as JSON in <script type="application/json" id="portfolio-data">
 * (Django's json_script), so no inline script is needed under the strict CSP. Each chart's
 * <canvas data-chart="..."> says which chart it is; the same data is in a table beside it. */
(function () {
  "use strict";

  var source = document.getElementById("portfolio-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);

  var STAGE_COLOURS = {
    exploratory: "#adb5bd",
    tactical: "#0dcaf0",
    cooperative: "#0d6efd",
    interdependent: "#6f42c1",
    strategic: "#198754",
    disengaging: "#dc3545"
  };
  var KEY_COLOUR = "#6f42c1";
  var OTHER_COLOUR = "#6c757d";
  var number = new Intl.NumberFormat(document.documentElement.lang || "en", {
    maximumFractionDigits: 0
  });

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function percent(value) {
    return value === null || value === undefined ? "\u2014" : value.toFixed(1) + "%";
  }

  /* Straight reference lines (quadrant borders, 100% or 80% of the total) drawn on a chart. */
  function guideLines(lines) {
    return {
      id: "guideLines",
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx;
        var area = chart.chartArea;
        ctx.save();
        ctx.strokeStyle = "rgba(33, 37, 41, 0.45)";
        ctx.setLineDash([4, 4]);
        lines.forEach(function (line) {
          var scale = chart.scales[line.axis];
          var at = scale.getPixelForValue(line.value);
          ctx.beginPath();
          if (line.axis === "x") {
            ctx.moveTo(at, area.top);
            ctx.lineTo(at, area.bottom);
          } else {
            ctx.moveTo(area.left, at);
            ctx.lineTo(area.right, at);
          }
          ctx.stroke();
        });
        ctx.restore();
      }
    };
  }

  /* The quadrants' names, each in its outer corner of the matrix. */
  function quadrantNames(quadrants) {
    return {
      id: "quadrantNames",
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx;
        var area = chart.chartArea;
        var pad = 6;
        ctx.save();
        ctx.fillStyle = "rgba(33, 37, 41, 0.6)";
        ctx.font = "600 12px system-ui, sans-serif";
        quadrants.forEach(function (quadrant) {
          var right = quadrant.x === "high";
          var top = quadrant.y === "high";
          ctx.textAlign = right ? "right" : "left";
          ctx.textBaseline = top ? "top" : "bottom";
          ctx.fillText(
            quadrant.label,
            right ? area.right - pad : area.left + pad,
            top ? area.top + pad : area.bottom - pad
          );
        });
        ctx.restore();
      }
    };
  }

  function matrix(canvas) {
    var biggest = data.matrix.reduce(function (max, bubble) {
      return Math.max(max, bubble.revenue || 0);
    }, 1);
    var datasets = data.stages
      .map(function (stage) {
        var colour = STAGE_COLOURS[stage.value] || OTHER_COLOUR;
        return {
          label: stage.label,
          backgroundColor: colour + "99",
          borderColor: colour,
          data: data.matrix
            .filter(function (bubble) {
              return bubble.stage === stage.value;
            })
            .map(function (bubble) {
              // Area, not radius, in proportion to revenue.
              var radius = 3 + 22 * Math.sqrt(Math.max(bubble.revenue || 0, 0) / biggest);
              return {
                x: bubble.x,
                y: bubble.y,
                r: radius,
                id: bubble.id,
                name: bubble.name,
                revenue: bubble.revenue,
                key: bubble.key
              };
            })
        };
      })
      .filter(function (dataset) {
        return dataset.data.length > 0;
      });
    return new Chart(canvas, {
      type: "bubble",
      data: { datasets: datasets },
      options: {
        scales: {
          x: { min: 0, max: 100, title: { display: true, text: "Relative strength" } },
          y: { min: 0, max: 100, title: { display: true, text: "Attractiveness" } }
        },
        onClick: function (event, elements, chart) {
          if (!elements.length) {
            return;
          }
          var hit = elements[0];
          var point = chart.data.datasets[hit.datasetIndex].data[hit.index];
          window.location.assign(data.accountUrl.replace("{id}", String(point.id)));
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (context) {
                var point = context.raw;
                return (
                  point.name + (point.key ? " (key)" : "") + ": attractiveness " + point.y +
                  ", strength " + point.x + ", revenue " + number.format(point.revenue)
                );
              }
            }
          }
        }
      },
      plugins: [
        guideLines([
          { axis: "x", value: data.quadrantLines.x },
          { axis: "y", value: data.quadrantLines.y }
        ]),
        quadrantNames(data.quadrants)
      ]
    });
  }

  /* A cumulative curve in % of the total (reference line at `reference`), or in money
   * (`inMoney`: the total is not positive, so the curve is drawn against 0). */
  function curve(canvas, points, label, colour, reference, peak, inMoney) {
    var show = inMoney ? function (value) { return number.format(value); } : percent;
    var datasets = [
      {
        label: label,
        data: [{ x: 0, y: 0 }].concat(
          points.map(function (point) {
            return { x: point[0], y: point[1] };
          })
        ),
        borderColor: colour,
        backgroundColor: colour,
        pointRadius: 0,
        borderWidth: 2
      }
    ];
    if (peak) {
      datasets.push({
        label: "Peak " + show(peak[1]),
        data: [{ x: peak[0], y: peak[1] }],
        borderColor: "#dc3545",
        backgroundColor: "#dc3545",
        pointRadius: 6,
        pointStyle: "triangle",
        showLine: false
      });
    }
    return new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        parsing: true,
        scales: {
          x: {
            type: "linear",
            min: 0,
            max: 100,
            title: { display: true, text: "% of accounts, largest first" }
          },
          y: { beginAtZero: true, title: { display: true, text: inMoney ? "Cumulative net profit" : "% of total" } }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (context) {
                return show(context.parsed.y) + " at " + percent(context.parsed.x) + " of accounts";
              }
            }
          }
        }
      },
      plugins: [guideLines([{ axis: "y", value: inMoney ? 0 : reference }])]
    });
  }

  function bars(canvas, labels, datasets, options) {
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: options || {}
    });
  }

  /* A series with at least one value: only those are drawn and named in a legend. */
  function hasData(values) {
    return values.some(function (value) {
      return value !== null && value !== undefined;
    });
  }

  /* Key accounts against the others per quarter; the Y axis starts at zero (never zoomed). */
  function trend(canvas) {
    var series = data.trends.series[canvas.dataset.metric];
    var partial = data.trends.partial || [];
    /* A partial quarter (fewer than three months of data): a hollow point and a dashed line to
     * it, so it never reads as a full quarter (its label says "partial" too). */
    function line(label, values, colour) {
      return {
        label: label,
        data: values,
        borderColor: colour,
        backgroundColor: colour,
        pointBackgroundColor: partial.map(function (p) { return p ? "#fff" : colour; }),
        segment: {
          borderDash: function (ctx) {
            return partial[ctx.p0DataIndex] || partial[ctx.p1DataIndex] ? [4, 4] : undefined;
          }
        }
      };
    }
    var datasets = [
      line("Key accounts", series.key, KEY_COLOUR),
      line("Other accounts", series.other, OTHER_COLOUR)
    ].filter(function (dataset) {
      return hasData(dataset.data);
    });
    return new Chart(canvas, {
      type: "line",
      data: { labels: data.trends.labels, datasets: datasets },
      options: {
        spanGaps: true,
        plugins: { title: { display: true, text: series.label } },
        scales: { y: { beginAtZero: true } }
      }
    });
  }

  var draw = {
    matrix: matrix,
    whale: function (canvas) {
      var label = data.whaleInMoney ? "Cumulative net profit" : "Cumulative net profit %";
      return curve(canvas, data.whale, label, "#198754", 100, data.whalePeak, data.whaleInMoney);
    },
    pareto: function (canvas) {
      return curve(canvas, data.pareto, "Cumulative revenue %", "#0d6efd", 80, null, false);
    },
    /* Key accounts on their own (right) axis: a few dozen bars beside thousands of other
     * accounts would otherwise be invisible. */
    stages: function (canvas) {
      var d = data.stageDistribution;
      return bars(canvas, d.labels, [
        { label: "Key accounts (right axis)", data: d.key, backgroundColor: KEY_COLOUR, yAxisID: "key" },
        { label: "Other accounts (left axis)", data: d.other, backgroundColor: OTHER_COLOUR, yAxisID: "y" }
      ], {
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Other accounts" } },
          key: {
            position: "right",
            beginAtZero: true,
            ticks: { precision: 0 },
            grid: { drawOnChartArea: false },
            title: { display: true, text: "Key accounts" }
          }
        }
      });
    },
    movements: function (canvas) {
      var d = data.stageMovements;
      return bars(canvas, d.labels, [
        { label: "Up the ladder", data: d.up, backgroundColor: "#198754" },
        { label: "Down the ladder", data: d.down, backgroundColor: "#dc3545" }
      ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
    },
    trend: trend,
    overdue: function (canvas) {
      var d = data.overdue;
      return bars(canvas, d.labels, [
        { label: "Items", data: d.values, backgroundColor: ["#fd7e14", "#ffc107", "#dc3545"] }
      ], {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      });
    }
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var render = draw[canvas.dataset.chart];
    if (render) {
      render(canvas);
      canvas.dataset.drawn = "true";
    }
  });
})();
