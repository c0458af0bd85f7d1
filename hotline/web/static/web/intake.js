// Keyboard first: Ctrl+Enter creates the order; a suggested category is one click (or Tab+Enter).
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    var form = document.getElementById("intake");
    if (form) { event.preventDefault(); form.requestSubmit(); }
  }
});
document.addEventListener("click", function (event) {
  var chip = event.target.closest ? event.target.closest(".chip") : null;
  if (!chip) { return; }
  var select = document.getElementById("id_category");
  if (select) { select.value = chip.dataset.category; select.focus(); }
});
