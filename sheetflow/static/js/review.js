// Upload review: once a sheet's number or title is corrected, offer to take the same
// field of every other sheet from the place the corrected value is written.
(function () {
  "use strict";
  function offer(input) {
    var button = document.querySelector('[data-rule-for="' + input.id + '"]');
    if (button) {
      button.hidden = input.value.trim() === "" || input.value === input.dataset.original;
    }
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.dataset.ruleField) {
      offer(target);
    }
  });
})();

// When OCR finishes, the polled cell carries what it read: fill the row's fields unless
// the uploader has already typed something else there.
document.addEventListener("htmx:load", function (event) {
  "use strict";
  var cell = event.detail && event.detail.elt;
  if (!(cell instanceof HTMLElement) || cell.dataset.ocrNumber === undefined) {
    return;
  }
  var row = cell.closest("tr");
  if (row && cell.dataset.ocrNumber) {
    // The row's marks were about the file name; now they are about what OCR read.
    row.querySelectorAll('[data-mark="not-recognised"]').forEach(function (mark) {
      mark.remove();
    });
    row.querySelectorAll('[data-mark="low-number"], [data-mark="low-title"]').forEach(function (mark) {
      mark.textContent = "check · OCR";
      mark.title = "read by OCR";
    });
  }
  [["number_", cell.dataset.ocrNumber], ["title_", cell.dataset.ocrTitle]].forEach(function (pair) {
    var input = document.getElementById(pair[0] + cell.dataset.index);
    if (input && input.value === input.dataset.original && pair[1]) {
      input.value = pair[1];
      input.dataset.original = pair[1];
    }
  });
});
