/* The gradebook's inline editor: progressive enhancement of the cell links.
 *
 * Without this script a cell is a link to the student's grading page. With it, selecting a cell
 * (a click, or Enter on the focused link) turns it into a small form that posts the points to the
 * gradebook's /cells address with the version the cell showed. A 200 updates the cell, its version
 * and the row's result; a 409 (someone else saved meanwhile) shows both values in the cell and lets
 * the instructor keep theirs or save over it on purpose; nothing is ever overwritten silently.
 * Texts come from data-msg-* attributes of the table, so they are in the page's language.
 */
(function () {
  "use strict";

  var table = document.getElementById("gradebook");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!table || !token || !window.fetch || !window.FormData) {
    return;
  }
  var saveUrl = table.getAttribute("data-save");
  var status = document.getElementById("gb-status");
  var text = table.dataset;

  function say(message) {
    if (status) {
      status.textContent = message || "";
    }
  }

  function ids(link) {
    var parts = link.getAttribute("href").split("/");
    return { assessment: parts[parts.length - 2], enrolment: parts[parts.length - 1] };
  }

  function label(cell) {
    var row = cell.parentNode;
    var head = table.tHead.rows[0].cells[cell.cellIndex];
    var student = row.cells[0].firstChild ? row.cells[0].firstChild.textContent.trim() : "";
    var title = head ? head.getAttribute("data-title") || "" : "";
    return text.msgLabel + ": " + student + ", " + title;
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content !== undefined) {
      node.textContent = content;
    }
    return node;
  }

  // Draw a cell as the server describes it: {display, note, css, value, version}.
  function draw(link, cell) {
    link.textContent = cell.display;
    if (cell.note) {
      link.appendChild(document.createTextNode(" "));
      link.appendChild(element("small", "", cell.note));
    }
    link.setAttribute("data-v", String(cell.version));
    link.parentNode.className = cell.css || "";
  }

  // What the editor starts with: the points as shown (a decimal comma is accepted), EX, or nothing.
  function current(link) {
    var state = link.parentNode.className;
    if (state === "x") {
      return "EX";
    }
    if ((state === "g" || state === "l") && link.firstChild) {
      return link.firstChild.textContent.trim();
    }
    return "";
  }

  function drawRow(link, row) {
    var tr = link.closest("tr");
    var percent = tr.querySelector(".pc");
    var badge = tr.querySelector(".st .badge");
    if (percent) {
      percent.textContent = row.percent_display;
    }
    if (badge) {
      badge.className = "badge " + row.badge;
      badge.textContent = row.state_label;
    }
  }

  function post(link, points, version) {
    var cell = ids(link);
    var body = new FormData();
    body.append("csrf_token", token.getAttribute("content"));
    body.append("enrolment_id", cell.enrolment);
    body.append("assessment_id", cell.assessment);
    body.append("version", String(version));
    body.append("points", points);
    return fetch(saveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(
        function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: null }; }
      );
    });
  }

  function firstError(errors) {
    var messages = [];
    Object.keys(errors || {}).forEach(function (name) {
      messages = messages.concat(errors[name]);
    });
    return messages.join(" ");
  }

  function clearConflict(td) {
    var old = td.querySelector(".gb-conflict");
    if (old) {
      old.remove();
    }
  }

  // Someone else saved first: show what stands and what was typed; saving over it is a choice.
  function showConflict(link, data) {
    var td = link.parentNode;
    clearConflict(td);
    draw(link, data.cell);
    drawRow(link, data.cell.row);
    var box = element("div", "gb-conflict");
    box.setAttribute("role", "alert");
    box.appendChild(element("p", "", data.error));
    var now = data.current;
    var who = now.by ? " (" + now.by + ", " + now.at + ")" : "";
    box.appendChild(element("p", "", text.msgNow + " " + now.display + who));
    box.appendChild(element("p", "", text.msgYours + " " + data.yours.display));
    var actions = element("p", "actions");
    var overwrite = element("button", "button small", text.msgOverwrite);
    var keep = element("button", "button small secondary", text.msgKeep);
    overwrite.type = "button";
    keep.type = "button";
    var yours = data.yours.excused ? "EX" : data.yours.points === null ? "" : String(data.yours.points);
    overwrite.addEventListener("click", function () {
      box.remove();
      save(link, yours, now.version);
    });
    keep.addEventListener("click", function () {
      box.remove();
      link.focus();
    });
    actions.appendChild(overwrite);
    actions.appendChild(keep);
    box.appendChild(actions);
    td.appendChild(box);
    overwrite.focus();
  }

  // Save ``points`` over ``version``; resolves to an error message, or "" when saved or in conflict.
  function save(link, points, version) {
    say(text.msgSaving);
    return post(link, points, version).then(
      function (answer) {
        var data = answer.data;
        if (answer.status === 200 && data) {
          draw(link, data);
          drawRow(link, data.row);
          say(text.msgSaved);
          return "";
        }
        if (answer.status === 409 && data && data.cell) {
          say("");
          showConflict(link, data);
          return "";
        }
        var message = (data && (firstError(data.errors) || data.error)) || text.msgFailed;
        say(message);
        return message;
      },
      function () {
        say(text.msgFailed);
        return text.msgFailed;
      }
    );
  }

  function openEditor(link) {
    var td = link.parentNode;
    if (td.querySelector("form")) {
      return;
    }
    clearConflict(td);
    var start = current(link);
    var form = element("form", "gb-edit");
    var input = element("input");
    input.type = "text";
    input.name = "points";
    input.inputMode = "decimal";
    input.autocomplete = "off";
    input.value = start;
    input.setAttribute("aria-label", label(td));
    var problem = element("p", "error");
    problem.id = "gb-error-" + Date.now();
    problem.hidden = true;
    form.appendChild(input);
    form.appendChild(problem);
    link.hidden = true;
    td.appendChild(form);
    input.focus();
    input.select();

    var busy = false;
    var closed = false;
    function close(refocus) {
      if (closed) {
        return;
      }
      closed = true;
      link.hidden = false;
      if (refocus) {
        link.focus(); // before the form goes, so that its input's blur finds it closed
      }
      form.remove();
    }
    function submit() {
      if (busy) {
        return;
      }
      if (input.value.trim() === start) {
        close(true);
        return;
      }
      busy = true;
      save(link, input.value.trim(), link.getAttribute("data-v")).then(function (message) {
        busy = false;
        if (!message) {
          var conflict = td.querySelector(".gb-conflict");
          close(!conflict);
          return;
        }
        problem.textContent = message;
        problem.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", problem.id);
        input.focus();
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        close(true);
      }
    });
    input.addEventListener("blur", function () {
      if (!busy && !closed && input.value.trim() === start) {
        close(false);
      }
    });
  }

  table.addEventListener("click", function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return; // a new tab or window: the grading page, as without JavaScript
    }
    var link = event.target.closest("td > a[data-v]");
    if (!link || !table.contains(link)) {
      return;
    }
    event.preventDefault();
    openEditor(link);
  });
})();
