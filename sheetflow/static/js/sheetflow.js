// Page behaviour that used to be inline (the Content-Security-Policy allows no inline script
// or style attribute): everything is driven by data-* attributes.
(function () {
  "use strict";

  // <span data-percent="42"> inside a .progress bar: its width.
  function applyPercents(root) {
    root.querySelectorAll("[data-percent]").forEach(function (el) {
      var value = Math.max(0, Math.min(100, parseFloat(el.dataset.percent) || 0));
      el.style.width = value + "%";
    });
  }

  // <input type="checkbox" data-select-all="#table-id">: ticks every checkbox of that table.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
    document
      .querySelectorAll(box.dataset.selectAll + " tbody input[type=checkbox]")
      .forEach(function (other) { other.checked = box.checked; });
  });

  // <form data-confirm="Delete this?">: asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // <div id="undo-banner" data-seconds="N"> with <span id="undo-left">: a countdown.
  function startUndoCountdown() {
    var banner = document.getElementById("undo-banner");
    var el = document.getElementById("undo-left");
    if (!banner || !el) return;
    var left = parseInt(banner.dataset.seconds, 10);
    function show() {
      if (left <= 0) { banner.classList.add("expired"); el.textContent = "0 seconds"; return; }
      var m = Math.floor(left / 60), s = left % 60;
      el.textContent = (m ? m + " min " : "") + s + " s";
      left -= 1;
      setTimeout(show, 1000);
    }
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    applyPercents(document);
    startUndoCountdown();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    applyPercents(event.target.parentNode || document);
  });
})();
