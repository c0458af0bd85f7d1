// The one way the pages draw an ECharts chart (vendored, static/vendor): into the element
// ``id`` if the page has it, redrawn when the window is resized.
window.hotlineChart = function (id, option) {
  var el = document.getElementById(id);
  if (!el || !window.echarts) { return; }
  var c = echarts.init(el);
  c.setOption(option);
  window.addEventListener("resize", function () { c.resize(); });
};
