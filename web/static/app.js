// RiskLab's own script: draws the charts whose data the server put in data-chart attributes
// (no inline script anywhere: the Content-Security-Policy allows only files from this site).
(function () {
  'use strict';

  var RISK_UP = '#c62828';
  var RISK_DOWN = '#2e7d32';
  var NEUTRAL = '#1565c0';
  var reduceMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  function barChart(spec) {
    return {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s) {
          return { label: s.label, data: s.data, backgroundColor: NEUTRAL };
        })
      },
      options: {
        animation: reduceMotion ? false : undefined,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: !!spec.x_title, text: spec.x_title } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: !!spec.y_title, text: spec.y_title } }
        }
      }
    };
  }

  // Signed horizontal bars: what raises the risk in red, what lowers it in green.
  function driverChart(spec) {
    return {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: [{
          label: 'Contribution',
          data: spec.values,
          backgroundColor: spec.values.map(function (v) { return v >= 0 ? RISK_UP : RISK_DOWN; })
        }]
      },
      options: {
        indexAxis: 'y',
        animation: reduceMotion ? false : undefined,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = ctx.parsed.x;
                return (v >= 0 ? '+' : '') + v.toFixed(4) + (v >= 0 ? ' (raises risk)' : ' (lowers risk)');
              }
            }
          }
        },
        scales: { x: { title: { display: true, text: 'Contribution to the score' } } }
      }
    };
  }

  // Curves (ROC, calibration, …): {type: 'line', series: [{label, points: [[x, y], …]}],
  // x_title, y_title, diagonal: true to draw y = x for reference}.
  var SERIES_COLOURS = [NEUTRAL, '#ef6c00', '#6a1b9a', '#00838f'];
  function lineChart(spec) {
    var datasets = spec.series.map(function (s, i) {
      return {
        label: s.label,
        data: s.points.map(function (p) { return { x: p[0], y: p[1] }; }),
        borderColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
        backgroundColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
        showLine: true,
        pointRadius: 2
      };
    });
    if (spec.diagonal) {
      datasets.push({ label: 'y = x', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: '#9e9e9e',
                      borderDash: [4, 4], showLine: true, pointRadius: 0 });
    }
    return {
      type: 'scatter',
      data: { datasets: datasets },
      options: {
        animation: reduceMotion ? false : undefined,
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: !!spec.x_title, text: spec.x_title } },
          y: { title: { display: !!spec.y_title, text: spec.y_title } }
        }
      }
    };
  }

  function drawCharts(root) {
    if (typeof window.Chart === 'undefined') return;
    var canvases = (root || document).querySelectorAll('canvas[data-chart]');
    Array.prototype.forEach.call(canvases, function (canvas) {
      if (canvas.dataset.drawn) return;
      var spec;
      try { spec = JSON.parse(canvas.dataset.chart); } catch (e) { return; }
      var config = spec.type === 'drivers' ? driverChart(spec)
                 : spec.type === 'line' ? lineChart(spec) : barChart(spec);
      new window.Chart(canvas, config);
      canvas.dataset.drawn = '1';
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(drawCharts);  // the page, then every fragment htmx swaps in
  } else {
    document.addEventListener('DOMContentLoaded', function () { drawCharts(document); });
  }
})();
