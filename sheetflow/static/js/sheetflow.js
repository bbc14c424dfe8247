// Page behaviour without inline scripts (the Content-Security-Policy forbids them):
// every feature is switched on by a data-* attribute in the templates.
(function () {
  "use strict";

  // <input type="checkbox" data-select-all="CSS selector">: ticks or clears the matching boxes.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    document.querySelectorAll(box.getAttribute("data-select-all")).forEach(function (c) {
      c.checked = box.checked;
    });
    var offer = document.querySelector("[data-select-matching]");
    if (offer) offer.hidden = !box.checked;
    if (!box.checked) clearMatching();
  });

  // A ticked row clears "all matching" so the form never covers more than what is ticked.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[name=drawing], input[name=revision]")) {
      if (!box.checked) clearMatching();
    }
  });

  function clearMatching() {
    document.querySelectorAll("[data-matching-input]").forEach(function (input) {
      input.disabled = true;
    });
    document.querySelectorAll("[data-matching-note]").forEach(function (note) {
      note.hidden = true;
    });
  }

  // <button data-select-matching-confirm>: extends the selection to every row the filters match.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-select-matching-confirm]");
    if (button) {
      event.preventDefault();
      document.querySelectorAll("[data-matching-input]").forEach(function (input) {
        input.disabled = false;
      });
      document.querySelectorAll("[data-matching-note]").forEach(function (note) {
        note.hidden = false;
      });
      var offer = document.querySelector("[data-select-matching]");
      if (offer) offer.hidden = true;
      return;
    }
    // <button data-toggle="id">: shows or hides the element (e.g. the filters on phones).
    var toggle = event.target.closest && event.target.closest("[data-toggle]");
    if (toggle) {
      var target = document.getElementById(toggle.getAttribute("data-toggle"));
      if (!target) return;
      var open = target.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  // <form data-confirm="question">: asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
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
  document.addEventListener("DOMContentLoaded", startUndoCountdown);
})();
