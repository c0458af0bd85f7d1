// 考核 charts from the JSON the page embeds; ECharts is vendored (static/vendor).
(function () {
  var chart = window.hotlineChart;
  var all = document.getElementById("score-chart");
  if (all) {
    var rows = JSON.parse(all.textContent);
    chart("chart-scores", {
      grid: { left: 150, right: 30, top: 10, bottom: 20 },
      tooltip: {},
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: rows.map(function (d) { return d.name; }).reverse() },
      series: [{ type: "bar", data: rows.map(function (d) { return d.value; }).reverse(), itemStyle: { color: "#2c6fbb" } }]
    });
  }
  var one = document.getElementById("unit-chart");
  if (one) {
    var data = JSON.parse(one.textContent);
    chart("chart-unit-scores", {
      grid: { left: 40, right: 20, top: 20, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ type: "line", data: data.scores, itemStyle: { color: "#c0392b" } }]
    });
  }
})();
