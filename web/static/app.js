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

  function drawCharts(root) {
    if (typeof window.Chart === 'undefined') return;
    var canvases = (root || document).querySelectorAll('canvas[data-chart]');
    Array.prototype.forEach.call(canvases, function (canvas) {
      if (canvas.dataset.drawn) return;
      var spec;
      try { spec = JSON.parse(canvas.dataset.chart); } catch (e) { return; }
      var config = spec.type === 'drivers' ? driverChart(spec) : barChart(spec);
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
