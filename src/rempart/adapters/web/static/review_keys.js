/* Keyboard shortcuts of the review queue (served with the console; no inline script, CSP-safe).
 * j / k: next / previous content; x: select it; c / d / w: confirm, dismiss or withdraw the
 * selection (the current content when none is selected): with a reason typed, at once; without,
 * the reason field takes the focus and Enter decides; Escape cancels; ?: the help dialog. */
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll(".group-row"));
  var form = document.getElementById("bulk");
  var reason = document.getElementById("bulk-reason");
  var note = document.getElementById("bulk-pending");
  var help = document.getElementById("review-keys");
  var current = -1;
  var pending = null;

  function typing(el) {
    if (!el || !el.tagName) { return false; }
    var tag = el.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable ||
      (tag === "INPUT" && el.type !== "checkbox" && el.type !== "radio");
  }

  function box(row) { return row.querySelector('input[name="group"]'); }

  function move(step) {
    if (!rows.length) { return; }
    if (current >= 0) {
      rows[current].classList.remove("current");
      rows[current].removeAttribute("aria-current");
    }
    current = Math.max(0, Math.min(rows.length - 1, current + step));
    var row = rows[current];
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    row.focus();
    row.scrollIntoView({block: "nearest"});
  }

  function toggle() {
    if (current < 0) { move(1); }
    var b = current >= 0 ? box(rows[current]) : null;
    if (b) { b.checked = !b.checked; }
  }

  function decide(decision) {
    if (!form || !reason) { return; }
    var button = form.querySelector('button[name="decision"][value="' + decision + '"]');
    if (!button) { return; }
    if (!form.querySelector('input[name="group"]:checked') && current >= 0) {
      var b = box(rows[current]);
      if (b) { b.checked = true; }
    }
    var hidden = form.querySelector('input[type="hidden"][name="group"]');
    if (!hidden && !form.querySelector('input[name="group"]:checked')) { return; }
    if (!reason.value.trim()) {
      pending = button;
      if (note) { note.textContent = button.textContent; }
      reason.focus();
      return;
    }
    form.requestSubmit(button);
  }

  if (reason) {
    reason.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && pending && reason.value.trim()) {
        e.preventDefault();
        form.requestSubmit(pending);
      } else if (e.key === "Escape") {
        pending = null;
        if (note) { note.textContent = ""; }
        reason.blur();
      }
    });
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    if (help && help.open) { return; }
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      x: toggle,
      c: function () { decide("confirm"); },
      d: function () { decide("dismiss"); },
      w: function () { decide("withdraw"); },
      "?": function () { if (help && help.showModal) { help.showModal(); } }
    };
    var act = Object.prototype.hasOwnProperty.call(actions, e.key) ? actions[e.key] : null;
    if (act) {
      e.preventDefault();
      act();
    }
  });
}());
