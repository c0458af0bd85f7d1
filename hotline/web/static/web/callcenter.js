// 话务 charts from the JSON the page embeds (json_script); ECharts is vendored (static/vendor).
// Every visible word comes from the page, in its language.
(function () {
  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var chart = window.hotlineChart;
  function percent(value) { return value == null ? "—" : value.toFixed(1) + "%"; }
  // Calls as bars, 接通率 and 15秒接通率 as lines against the GB/T 33358-2016 targets.
  function kpiChart(id, part, names, targets) {
    chart(id, {
      tooltip: { trigger: "axis" },
      legend: { data: [names.offered, names.connect, names.within_15s], top: 0 },
      grid: { left: 48, right: 48, top: 36, bottom: 28 },
      xAxis: { type: "category", data: part.labels },
      yAxis: [
        { type: "value", name: names.calls, minInterval: 1 },
        { type: "value", name: names.rate, min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
      ],
      series: [
        { name: names.offered, type: "bar", data: part.offered, itemStyle: { color: "#9db8d9" } },
        {
          name: names.connect, type: "line", yAxisIndex: 1, data: part.connect, connectNulls: false,
          itemStyle: { color: "#1f5fa8" }, tooltip: { valueFormatter: percent },
          markLine: {
            symbol: "none", lineStyle: { color: "#1f5fa8", type: "dashed" },
            label: { formatter: targets.connect_label, position: "insideEndTop" },
            data: [{ yAxis: targets.connect }]
          }
        },
        {
          name: names.within_15s, type: "line", yAxisIndex: 1, data: part.within_15s,
          itemStyle: { color: "#c26a00" }, tooltip: { valueFormatter: percent },
          markLine: {
            symbol: "none", lineStyle: { color: "#c26a00", type: "dashed" },
            label: { formatter: targets.within_15s_label, position: "insideStartTop" },
            data: [{ yAxis: targets.within_15s }]
          }
        }
      ]
    });
  }
  var kpis = read("callcenter-data");
  if (kpis) {
    kpiChart("chart-day", kpis.day, kpis.names, kpis.targets);
    kpiChart("chart-period", kpis.period, kpis.names, kpis.targets);
  }
  var plan = read("plan-data");
  if (plan) {
    chart("chart-plan", {
      tooltip: { trigger: "axis" },
      legend: { data: [plan.names.agents, plan.names.positions], top: 0 },
      grid: { left: 48, right: 20, top: 36, bottom: 28 },
      xAxis: { type: "category", data: plan.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: plan.names.agents, type: "bar", data: plan.agents, itemStyle: { color: "#1f5fa8" } },
        { name: plan.names.positions, type: "line", step: "middle", data: plan.positions, itemStyle: { color: "#c0392b" } }
      ]
    });
  }
})();
