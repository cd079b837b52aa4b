// The report's narrative editor (/admin/reports/): a click on a placeholder in the palette inserts it at the
// cursor of the part last edited (a condition wraps the selected words), and each part's preview follows the
// text as it is typed, from POST /api/v1/reports/narratives/preview. Without JavaScript the palette is a
// reference list and the 预览 button of each part shows the previews by sending the form (web/ui/reports.py).
(function () {
  "use strict";
  var form = document.getElementById("narratives");
  if (!form) {
    return;
  }
  var url = form.getAttribute("data-preview-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  var boxes = form.querySelectorAll("textarea[data-part]");
  var current = boxes.length ? boxes[0] : null;
  var timers = {};
  var latest = {};  // per part: the number of the last preview asked for; older answers are dropped

  function show(part, paragraphs, error) {
    var body = document.querySelector("#preview_" + part + " .preview-body");
    if (!body) {
      return;
    }
    body.textContent = "";
    if (error) {
      var p = document.createElement("p");
      p.className = "text-danger mb-0";
      p.textContent = error;
      body.appendChild(p);
      return;
    }
    paragraphs.forEach(function (para) {
      var line = document.createElement("p");
      line.className = para.kind === "subheading" ? "fw-semibold mb-1" : "mb-1";
      line.textContent = para.text;
      body.appendChild(line);
    });
  }

  function preview(box) {
    var part = box.getAttribute("data-part");
    clearTimeout(timers[part]);
    var asked = (latest[part] || 0) + 1;
    latest[part] = asked;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"},
      body: JSON.stringify({section: part, text: box.value})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (asked !== latest[part]) {
          return;  // the text changed since: a newer preview is on its way
        }
        if (response.ok) {
          show(part, data.paragraphs, null);
        } else {
          show(part, [], data.message || String(response.status));
        }
      });
    }).catch(function () { /* offline: the 预览 button still works */ });
  }

  function later(box) {
    var part = box.getAttribute("data-part");
    clearTimeout(timers[part]);
    timers[part] = setTimeout(function () { preview(box); }, 300);
  }

  boxes.forEach(function (box) {
    box.addEventListener("focus", function () { current = box; });
    box.addEventListener("input", function () { later(box); });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("#placeholder-palette button[data-insert]") : null;
    if (!button || !current) {
      return;
    }
    event.preventDefault();
    var open = button.getAttribute("data-insert");
    var close = button.getAttribute("data-close") || "";
    var start = current.selectionStart, end = current.selectionEnd, text = current.value;
    var inserted = open + text.slice(start, end) + close;
    current.value = text.slice(0, start) + inserted + text.slice(end);
    var caret = close && start === end ? start + open.length : start + inserted.length;
    current.focus();
    current.setSelectionRange(caret, caret);
    preview(current);
  });
}());
