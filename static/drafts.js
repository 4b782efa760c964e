/*
 * Chaupal: drafts kept in this browser (plain ES2017, no libraries, strict CSP).
 *
 * A form with data-draft="KEY" (a reply: "reply:THREAD_ID"; a new thread:
 * "thread:COMMUNITY_SLUG") and data-draft-owner="USER_ID" keeps what is typed in its
 * text fields in localStorage, so a reload, a lost connection or a refused send loses
 * nothing. On load the draft comes back into empty fields (or into fields it continues,
 * such as a quote the server put in). It is forgotten when the server says it arrived:
 * the page after a successful send carries <div data-draft-sent="KEY"
 * data-draft-owner="USER_ID">. Signing out forgets every draft kept here.
 */
(function () {
  "use strict";

  var PREFIX = "chaupal-draft:";
  var MAX_AGE_MS = 30 * 24 * 3600 * 1000;

  var STRINGS = {
    en: { restored: "Your unsent draft is back.", discard: "Discard it" },
    hi: { restored: "आपका न भेजा गया मसौदा वापस आ गया है।", discard: "हटाएँ" }
  };

  function text(key) {
    var lang = (document.documentElement.getAttribute("lang") || "en").split("-")[0];
    return (STRINGS[lang] || STRINGS.en)[key];
  }

  function storage() {
    try {
      var s = window.localStorage;
      var probe = PREFIX + "probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (err) {
      return null; // storage off (private mode, policy): forms work as before
    }
  }

  function keyOf(el) {
    var key = el.getAttribute("data-draft") || el.getAttribute("data-draft-sent");
    var owner = el.getAttribute("data-draft-owner") || "";
    return key ? PREFIX + owner + ":" + key : null;
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.readOnly) {
        return false;
      }
      if (el.tagName === "TEXTAREA") {
        return true;
      }
      return el.tagName === "INPUT" && (el.type === "text" || el.type === "search");
    });
  }

  function read(store, key) {
    try {
      var draft = JSON.parse(store.getItem(key) || "null");
      if (!draft || typeof draft.fields !== "object") {
        return null;
      }
      if (Date.now() - (draft.saved || 0) > MAX_AGE_MS) {
        store.removeItem(key);
        return null;
      }
      return draft;
    } catch (err) {
      return null;
    }
  }

  function save(store, key, form) {
    var fields = {};
    var any = false;
    fieldsOf(form).forEach(function (el) {
      fields[el.name] = el.value;
      if (el.value.trim()) {
        any = true;
      }
    });
    try {
      if (any) {
        store.setItem(key, JSON.stringify({ fields: fields, saved: Date.now() }));
      } else {
        store.removeItem(key);
      }
    } catch (err) { /* full or refused: nothing more to do */ }
  }

  function forgetSent(store) {
    var markers = document.querySelectorAll("[data-draft-sent]");
    Array.prototype.forEach.call(markers, function (marker) {
      var key = keyOf(marker);
      if (key) {
        store.removeItem(key);
      }
    });
  }

  function forgetAll(store) {
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        keys.push(key);
      }
    }
    keys.forEach(function (key) { store.removeItem(key); });
  }

  function showRestored(store, key, form) {
    var note = document.createElement("p");
    note.className = "hint draft-note";
    note.setAttribute("role", "status");
    note.appendChild(document.createTextNode(text("restored") + " "));
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link-button";
    discard.textContent = text("discard");
    discard.addEventListener("click", function () {
      fieldsOf(form).forEach(function (el) {
        el.value = "";
        el.dispatchEvent(new Event("input", { bubbles: true }));
      });
      store.removeItem(key);
      note.parentNode.removeChild(note);
    });
    note.appendChild(discard);
    var actions = form.querySelector(".form-actions");
    form.insertBefore(note, actions || null);
  }

  function restore(store, key, form) {
    var draft = read(store, key);
    if (!draft) {
      return;
    }
    var restored = false;
    fieldsOf(form).forEach(function (el) {
      var kept = draft.fields[el.name];
      if (typeof kept !== "string" || !kept || kept === el.value) {
        return;
      }
      // Into an empty field, or one the draft continues (a quote the server filled in);
      // a field the server filled otherwise (what a refused send had) keeps its text.
      if (!el.value || kept.indexOf(el.value) === 0) {
        el.value = kept;
        el.dispatchEvent(new Event("input", { bubbles: true }));
        restored = true;
      }
    });
    if (restored) {
      showRestored(store, key, form);
    }
  }

  function init() {
    var store = storage();
    if (!store) {
      return;
    }
    forgetSent(store);
    var forms = document.querySelectorAll("form[data-draft]");
    Array.prototype.forEach.call(forms, function (form) {
      var key = keyOf(form);
      if (!key) {
        return;
      }
      restore(store, key, form);
      save(store, key, form); // what the server showed again is the draft now
      form.addEventListener("input", function () { save(store, key, form); });
      form.addEventListener("change", function () { save(store, key, form); });
      form.addEventListener("submit", function () { save(store, key, form); });
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form instanceof HTMLFormElement && form.getAttribute("action") === "/logout") {
        forgetAll(store);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
