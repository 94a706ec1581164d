/* The time left of a quiz attempt, counted down on the page; at zero the answers are submitted.
   Without JavaScript the page shows the time the attempt ends, and the server enforces it. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.quiz[data-seconds-left]");
  var shown = document.querySelector(".countdown");
  if (!form || !shown) { return; }
  var ends = Date.now() + Number(form.getAttribute("data-seconds-left")) * 1000;
  var out = shown.querySelector("[data-countdown]");
  var sent = false;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    out.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    if (left === 0 && !sent) {
      sent = true;
      var button = form.querySelector("[data-submit]");
      if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
      return;
    }
    if (!sent) { window.setTimeout(tick, 1000); }
  }
  shown.hidden = false;
  tick();
});
