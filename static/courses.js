/*
 * Chaupal — course suggestions while a new thread is written (plain ES2017, strict CSP).
 *
 * On the new-thread page, as the title and details are typed, asks
 * /api/v1/course-suggestions for the catalogue's most relevant courses and lists them as
 * checkboxes in #draft-courses-list; the checked ones are linked when the thread is posted.
 * Courses already checked (chosen, or given by "Discuss this course") stay as they are.
 * Without JavaScript the form works the same, without suggestions.
 */
(function () {
  "use strict";

  var BODY_CHARS = 1500; // what is sent of the details: enough to tell what they are about

  function init() {
    var list = document.getElementById("draft-courses-list");
    var title = document.getElementById("f-title");
    var body = document.getElementById("f-body");
    if (!list || !title || !window.fetch) {
      return;
    }
    var timer = null;
    var lastAsked = "";
    var counter = 0;

    function checkedCodes() {
      var codes = {};
      list.querySelectorAll("input[name=course]").forEach(function (box) {
        if (box.checked) {
          codes[box.value] = true;
        }
      });
      return codes;
    }

    function show(items) {
      var keep = checkedCodes();
      list.querySelectorAll(".field-inline").forEach(function (row) {
        var box = row.querySelector("input");
        if (!box || !box.checked) {
          row.parentNode.removeChild(row);
        }
      });
      items.forEach(function (item) {
        if (keep[item.code]) {
          return;
        }
        counter += 1;
        var row = document.createElement("div");
        row.className = "field-inline";
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = "course";
        box.value = item.code;
        box.id = "suggested-course-" + counter;
        var label = document.createElement("label");
        label.htmlFor = box.id;
        label.textContent = item.title + " ";
        var code = document.createElement("span");
        code.className = "small muted";
        code.textContent = item.code;
        label.appendChild(code);
        row.appendChild(box);
        row.appendChild(document.createTextNode(" "));
        row.appendChild(label);
        list.appendChild(row);
      });
    }

    function ask() {
      var text = title.value.trim();
      var details = body ? body.value.slice(0, BODY_CHARS) : "";
      var key = text + "\n" + details;
      if (key === lastAsked) {
        return;
      }
      lastAsked = key;
      if (text.length + details.trim().length < 4) {
        show([]);
        return;
      }
      var url = "/api/v1/course-suggestions?limit=5&title=" + encodeURIComponent(text) +
        "&body=" + encodeURIComponent(details);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) {
          if (lastAsked === key) {
            show(data.items || []);
          }
        })
        .catch(function () { /* suggestions are optional */ });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 600);
    }

    title.addEventListener("input", later);
    if (body) {
      body.addEventListener("input", later);
    }
    ask();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
