// 天眼 charts from the JSON the page embeds; ECharts is vendored (static/vendor).
(function () {
  var data = JSON.parse(document.getElementById("charts").textContent);
  var chart = window.hotlineChart;
  function bars(id, items, color) {
    chart(id, {
      grid: { left: 130, right: 20, top: 10, bottom: 20 },
      tooltip: {},
      xAxis: { type: "value" },
      yAxis: { type: "category", data: items.map(function (d) { return d.name; }).reverse() },
      series: [{ type: "bar", data: items.map(function (d) { return d.value; }).reverse(), itemStyle: { color: color } }]
    });
  }
  bars("chart-detectors", data.detectors, "#c0392b");
  bars("chart-units", data.units, "#2c6fbb");
  var names = {};
  data.pairs.forEach(function (p) { names[p.from] = 1; names[p.to] = 1; });
  chart("chart-network", {
    tooltip: {},
    series: [{
      type: "graph", layout: "force", roam: true, draggable: true,
      force: { repulsion: 160, edgeLength: 90 },
      label: { show: true },
      edgeSymbol: ["none", "arrow"],
      data: Object.keys(names).map(function (n) { return { name: n, symbolSize: 18 }; }),
      links: data.pairs.map(function (p) {
        return { source: p.from, target: p.to, value: p.handovers,
                 lineStyle: { width: 1 + Math.min(6, p.handovers / 2), color: p.back_again ? "#c0392b" : "#888" } };
      })
    }]
  });
  // Rates as percentages with one decimal; the series' names come translated in the JSON.
  function pct(r) { return r === null || r === undefined ? null : Math.round(r * 1000) / 10; }
  var rateNames = data.names || { connect_rate: "接通率", within_15s: "15秒接通率" };
  chart("chart-calls", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v.toFixed(1) + "%"; } },
    legend: { data: [rateNames.connect_rate, rateNames.within_15s] },
    grid: { left: 40, right: 20, top: 30, bottom: 20 },
    xAxis: { type: "category", data: data.calls.map(function (d) { return d.day; }) },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: rateNames.connect_rate, type: "line", data: data.calls.map(function (d) { return pct(d.connect_rate); }) },
      { name: rateNames.within_15s, type: "line", data: data.calls.map(function (d) { return pct(d.answered_within_15s_rate); }) }
    ]
  });
  bars("chart-pauses", data.pauses.map(function (p) { return { name: p.agent, value: p.minutes }; }), "#e67e22");
})();
