// The weights form's running total and each criterion's share of the score, as you type.
// The page shows both from the server too (this only keeps them current without a reload);
// the share is weight / total, as the scoring engine weighs the criteria.
(function () {
  "use strict";
  var table = document.querySelector("[data-weights-table]");
  if (!table) { return; }
  var total = table.querySelector("[data-weights-total]");
  var cells = table.querySelectorAll("[data-share-for]");

  function valueOf(input) {
    var value = parseFloat(String(input.value).replace(",", "."));
    return isFinite(value) && value > 0 ? value : 0;
  }

  function update() {
    var sum = 0;
    var inputs = [];
    cells.forEach(function (cell) {
      var input = document.getElementById(cell.getAttribute("data-share-for"));
      if (input) { inputs.push([cell, input]); sum += valueOf(input); }
    });
    total.textContent = sum.toFixed(2);
    inputs.forEach(function (pair) {
      pair[0].textContent = sum > 0 ? (valueOf(pair[1]) * 100 / sum).toFixed(1) + " %" : "—";
    });
  }

  table.addEventListener("input", update);
  table.addEventListener("change", update);
})();
