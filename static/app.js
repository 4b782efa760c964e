/*
 * Chaupal — progressive enhancement (plain ES2017, no libraries).
 *
 * Loaded with <script src="/static/app.js" defer>. Works under a strict CSP:
 * no inline handlers, everything is attached with addEventListener.
 * Every feature here is optional; the site works fully without JavaScript.
 *
 *   1. time.relative[datetime]        relative timestamps, refreshed every 60 s
 *   2. form[data-confirm]             confirm() before submitting
 *   3. a.quote-button / a.reply-button  quote / reply into #reply-body
 *   4. [maxlength][data-counter]      live character counter
 *   5. form.form                      prevent double submits (5 s)
 */
(function () {
  "use strict";

  /* ---------------------------------------------------------------- i18n */

  var STRINGS = {
    en: {
      justNow: "just now",
      wrote: function (who) { return "**@" + who + "** wrote:"; },
      replyingTo: function (link) { return ["Replying to ", link]; },
      cancel: "Cancel"
    },
    hi: {
      justNow: "अभी-अभी",
      wrote: function (who) { return "**@" + who + "** ने लिखा:"; },
      replyingTo: function (link) { return [link, " को उत्तर दे रहे हैं"]; },
      cancel: "रद्द करें"
    }
  };

  function pageLang() {
    var lang = (document.documentElement.getAttribute("lang") || "en").trim().toLowerCase();
    var base = lang.split("-")[0];
    return STRINGS[base] ? base : "en";
  }

  function t(key) {
    return (STRINGS[pageLang()] || STRINGS.en)[key];
  }

  /* India-appropriate regional locale for number/date formatting. */
  function dateLocale() {
    return pageLang() === "hi" ? "hi-IN" : "en-IN";
  }

  /* ------------------------------------------------- 1. relative times */

  var rtfCache = {};

  function getRtf(style) {
    var key = dateLocale() + "|" + style;
    if (!rtfCache[key]) {
      rtfCache[key] = new Intl.RelativeTimeFormat(dateLocale(), {
        numeric: "auto",
        style: style
      });
    }
    return rtfCache[key];
  }

  function startOfDay(d) {
    return new Date(d.getFullYear(), d.getMonth(), d.getDate());
  }

  function formatRelative(date, now) {
    var seconds = Math.round((now.getTime() - date.getTime()) / 1000);

    // Small clock skew into the future still reads as "just now".
    if (seconds < 45 && seconds > -60) {
      return t("justNow");
    }
    if (seconds > 0) {
      var minutes = Math.floor(seconds / 60);
      if (minutes < 1) {
        minutes = 1;
      }
      if (minutes < 60) {
        if (pageLang() === "en") {
          // "5 min ago" rather than "5 min. ago"
          return getRtf("short").format(-minutes, "minute").replace(/\bmin\./, "min");
        }
        return getRtf("long").format(-minutes, "minute");
      }
      var hours = Math.floor(minutes / 60);
      if (hours < 24) {
        return getRtf("long").format(-hours, "hour");
      }
      var days = Math.round((startOfDay(now) - startOfDay(date)) / 86400000);
      if (days >= 1 && days < 7) {
        return getRtf("long").format(-days, "day"); // 1 -> "yesterday"
      }
    }
    return new Intl.DateTimeFormat(dateLocale(), {
      day: "numeric",
      month: "short",
      year: "numeric"
    }).format(date);
  }

  function fullDateTime(date) {
    return new Intl.DateTimeFormat(dateLocale(), {
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: "short"
    }).format(date);
  }

  function updateRelativeTimes() {
    var nodes = document.querySelectorAll("time.relative[datetime]");
    var now = new Date();
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) {
        continue;
      }
      try {
        if (!el.hasAttribute("title")) {
          el.setAttribute("title", fullDateTime(date));
        }
        var text = formatRelative(date, now);
        if (el.textContent !== text) {
          el.textContent = text;
        }
      } catch (err) {
        // Leave the server-rendered text in place.
      }
    }
  }

  function initRelativeTimes() {
    if (typeof Intl === "undefined" || typeof Intl.RelativeTimeFormat !== "function") {
      return; // keep server-rendered dates
    }
    updateRelativeTimes();
    window.setInterval(updateRelativeTimes, 60000);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        updateRelativeTimes();
      }
    });
  }

  /* --------------------------------------------- 2. confirm on submit */

  function initConfirm() {
    // Capture phase so this runs before the double-submit guard below.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) {
        return;
      }
      var submitter = event.submitter;
      var message = (submitter && submitter.getAttribute("data-confirm")) ||
        form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopPropagation();
      }
    }, true);
  }

  /* --------------------------------------- 3. quote / reply into form */

  var MAX_QUOTE = 600;
  var pendingSelection = null; // captured on pointerdown, before the click clears it

  function findPost(link) {
    var id = link.getAttribute("data-post-id");
    return link.closest(".post") || (id && document.getElementById("post-" + id)) || null;
  }

  function selectionInside(container) {
    if (!container || !window.getSelection) {
      return "";
    }
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) {
      return "";
    }
    var range = sel.getRangeAt(0);
    if (!container.contains(range.commonAncestorContainer)) {
      return "";
    }
    return sel.toString();
  }

  function cleanText(text) {
    return String(text || "")
      .replace(/\r\n?/g, "\n")
      .replace(/[ \t]+\n/g, "\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  function truncate(text, max) {
    if (text.length <= max) {
      return text;
    }
    var cut = text.slice(0, max - 2); // room for " …"
    var space = cut.search(/\s\S*$/);
    if (space > max * 0.7) {
      cut = cut.slice(0, space);
    }
    return cut.replace(/\s+$/, "") + " …";
  }

  function buildQuote(author, text) {
    var lines = text.split("\n").map(function (line) {
      return line ? "> " + line : ">";
    });
    return t("wrote")(author) + "\n\n" + lines.join("\n");
  }

  function appendToTextarea(textarea, snippet) {
    var current = textarea.value.replace(/\s+$/, "");
    textarea.value = (current ? current + "\n\n" : "") + snippet + "\n\n";
    var end = textarea.value.length;
    try {
      textarea.setSelectionRange(end, end);
    } catch (err) { /* ignore */ }
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function prefersReducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function ensureReplyTarget(textarea) {
    var target = document.getElementById("reply-target");
    if (!target) {
      target = document.createElement("div");
      target.id = "reply-target";
      target.className = "reply-target";
      target.hidden = true;
      var anchor = textarea.closest(".field") || textarea;
      anchor.parentNode.insertBefore(target, anchor);
    }
    return target;
  }

  function showReplyTarget(textarea, postId, author, anchorId) {
    var target = ensureReplyTarget(textarea);
    var cancel = target.querySelector("#reply-cancel");
    if (!cancel) {
      cancel = document.createElement("button");
      cancel.type = "button";
      cancel.id = "reply-cancel";
      cancel.className = "link-button";
      cancel.textContent = t("cancel");
    }

    var authorSlot = target.querySelector(
      "#reply-target-name, .reply-target-author, [data-reply-author]");
    if (authorSlot) {
      // Template supplied its own wording; just fill in the name.
      authorSlot.textContent = "@" + author;
      if (authorSlot.tagName === "A") {
        authorSlot.setAttribute("href", "#" + anchorId);
      }
    } else {
      var link = document.createElement("a");
      link.href = "#" + anchorId;
      link.textContent = "@" + author;
      var text = document.createElement("span");
      text.className = "reply-target-text";
      t("replyingTo")(link).forEach(function (part) {
        text.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
      });
      while (target.firstChild) {
        target.removeChild(target.firstChild);
      }
      target.appendChild(text);
      target.appendChild(document.createTextNode(" "));
      target.appendChild(cancel);
    }
    if (!cancel.parentNode) {
      target.appendChild(cancel);
    }
    target.hidden = false;
  }

  function clearReplyTarget() {
    var input = document.getElementById("reply-to");
    if (input) {
      input.value = "";
    }
    var target = document.getElementById("reply-target");
    if (target) {
      target.hidden = true;
    }
  }

  function handleReplyClick(event, link, withQuote) {
    var textarea = document.getElementById("reply-body");
    if (!textarea || textarea.disabled || textarea.readOnly) {
      return; // no reply box on this page: follow the link (?reply_to=ID#reply)
    }
    event.preventDefault();

    var postId = link.getAttribute("data-post-id") || "";
    var author = link.getAttribute("data-author") || "";

    var post = findPost(link);
    if (withQuote) {
      var content = post ? post.querySelector(".post-content") : null;
      var text = selectionInside(content);
      if (!text && pendingSelection && pendingSelection.link === link &&
          Date.now() - pendingSelection.time < 5000) {
        text = pendingSelection.text;
      }
      if (!text && content) {
        text = content.innerText || content.textContent || "";
      }
      text = truncate(cleanText(text), MAX_QUOTE);
      if (text) {
        appendToTextarea(textarea, buildQuote(author, text));
      }
    }
    pendingSelection = null;

    var replyTo = document.getElementById("reply-to");
    if (replyTo) {
      replyTo.value = postId;
    }
    showReplyTarget(textarea, postId, author, (post && post.id) || "post-" + postId);

    try {
      textarea.focus({ preventScroll: true });
    } catch (err) {
      textarea.focus();
    }
    textarea.scrollIntoView({
      behavior: prefersReducedMotion() ? "auto" : "smooth",
      block: "center"
    });
  }

  function initQuoteReply() {
    // Remember a selection before pressing the button collapses it.
    document.addEventListener("pointerdown", function (event) {
      var link = event.target.closest && event.target.closest("a.quote-button");
      if (!link) {
        return;
      }
      var post = findPost(link);
      var content = post ? post.querySelector(".post-content") : null;
      var text = selectionInside(content);
      pendingSelection = text ? { link: link, text: text, time: Date.now() } : null;
    }, true);

    document.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0 ||
          event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
        return; // let "open in new tab" etc. behave normally
      }
      var el = event.target.closest ? event.target.closest(
        "a.quote-button[data-post-id], a.reply-button[data-post-id], #reply-cancel") : null;
      if (!el) {
        return;
      }
      if (el.id === "reply-cancel") {
        event.preventDefault();
        clearReplyTarget();
        var textarea = document.getElementById("reply-body");
        if (textarea) {
          textarea.focus();
        }
        return;
      }
      handleReplyClick(event, el, el.classList.contains("quote-button"));
    });
  }

  /* ------------------------------------------- 4. character counters */

  function findCounter(field) {
    var id = field.getAttribute("data-counter");
    if (id && id !== "true") {
      var byId = document.getElementById(id);
      if (byId) {
        return byId;
      }
    }
    var sib = field.nextElementSibling;
    while (sib) {
      if (sib.classList.contains("char-counter")) {
        return sib;
      }
      sib = sib.nextElementSibling;
    }
    var counter = document.createElement("span");
    counter.className = "char-counter";
    field.parentNode.insertBefore(counter, field.nextSibling);
    return counter;
  }

  function initCounters() {
    var fields = document.querySelectorAll(
      "textarea[maxlength][data-counter], input[maxlength][data-counter]");
    Array.prototype.forEach.call(fields, function (field) {
      var max = parseInt(field.getAttribute("maxlength"), 10);
      if (!max || max < 1) {
        return;
      }
      var counter = findCounter(field);
      counter.setAttribute("aria-live", "polite");
      counter.setAttribute("aria-atomic", "true");
      if (!counter.id) {
        counter.id = (field.id || "field") + "-counter";
      }
      var described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (described.indexOf(counter.id) === -1) {
        described.push(counter.id);
        field.setAttribute("aria-describedby", described.join(" "));
      }

      var update = function () {
        var used = field.value.length;
        var text = used >= max * 0.8 ? used + " / " + max : "";
        if (counter.textContent !== text) {
          counter.textContent = text;
        }
        counter.classList.toggle("is-near", used >= max * 0.95 && used < max);
        counter.classList.toggle("is-full", used >= max);
      };
      field.addEventListener("input", update);
      update();
    });
  }

  /* ------------------------------------ 5. prevent double submissions */

  var LOCK_MS = 5000;

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (el.type === "submit" || el.type === "image") &&
        (el.tagName === "BUTTON" || el.tagName === "INPUT");
    });
  }

  function unlock(form) {
    submitButtons(form).forEach(function (btn) {
      if (btn.hasAttribute("data-submit-locked")) {
        btn.removeAttribute("data-submit-locked");
        btn.disabled = false;
      }
    });
  }

  function initDoubleSubmitGuard() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.classList.contains("form")) {
        return;
      }
      // Defer: lets other handlers call preventDefault() first, and keeps the
      // clicked button's name/value in the submitted data (disabled buttons
      // are excluded from the form data set).
      window.setTimeout(function () {
        if (event.defaultPrevented) {
          return;
        }
        submitButtons(form).forEach(function (btn) {
          if (!btn.disabled) {
            btn.disabled = true;
            btn.setAttribute("data-submit-locked", "");
          }
        });
        window.setTimeout(function () { unlock(form); }, LOCK_MS);
      }, 0);
    });

    // Coming back via the back/forward cache: re-enable everything at once.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        Array.prototype.forEach.call(document.querySelectorAll("form.form"), unlock);
      }
    });
  }

  /* ------------------------------------------------ similar threads */

  // While a title is typed on the new-thread page, list threads that look like the same
  // question (from /api/v1/search/similar), so people find earlier answers first.
  function initSimilarThreads() {
    var box = document.getElementById("similar-threads");
    var input = document.getElementById("f-title");
    if (!box || !input || !window.fetch) {
      return;
    }
    var list = box.querySelector("ul");
    var timer = null;
    var lastAsked = "";

    function show(items) {
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "/t/" + item.thread_id;
        a.textContent = item.title;
        li.appendChild(a);
        var where = document.createElement("span");
        where.className = "muted small";
        where.textContent = " in " + (item.community_name || item.community);
        li.appendChild(where);
        list.appendChild(li);
      });
      box.hidden = items.length === 0;
    }

    function ask() {
      var title = input.value.trim();
      if (title === lastAsked) {
        return;
      }
      lastAsked = title;
      if (title.length < 4) {
        show([]);
        return;
      }
      fetch("/api/v1/search/similar?title=" + encodeURIComponent(title), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) { if (input.value.trim() === title) { show(data.items || []); } })
        .catch(function () { show([]); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 350);
    });
    ask();
  }

  /* ------------------------------------------------ panels open when wide */

  // <details data-open-wide> (the search filters) start closed on a phone so the results
  // come first; on a wide screen there is room, so they are opened.
  function initOpenWide() {
    if (!window.matchMedia || !window.matchMedia("(min-width: 48em)").matches) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("details[data-open-wide]"), function (d) {
      d.open = true;
    });
  }

  /* ---------------------------------------------------------- startup */

  function init() {
    var steps = [initRelativeTimes, initConfirm, initQuoteReply, initCounters, initDoubleSubmitGuard, initSimilarThreads, initOpenWide];
    steps.forEach(function (step) {
      try {
        step();
      } catch (err) {
        if (window.console) {
          window.console.error("Chaupal enhancement failed:", err);
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

/* The site menu (base.html: <details class="site-menu">) opens and closes without JavaScript;
 * with it, Escape closes it (focus back on its button) and so does a click or tap outside it. */
(function () {
  "use strict";

  function initSiteMenu() {
    var menu = document.querySelector("details.site-menu");
    if (!menu) {
      return;
    }
    var button = menu.querySelector("summary");
    document.addEventListener("keydown", function (event) {
      if (menu.open && event.key === "Escape") {
        menu.open = false;
        if (button) {
          button.focus();
        }
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initSiteMenu);
  } else {
    initSiteMenu();
  }
})();
