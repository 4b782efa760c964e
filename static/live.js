/* Chaupal live updates: new replies, edits, removals and notifications arrive over /ws.
   Progressive enhancement only: without WebSocket the pages work by reloading. No inline
   script (strict CSP); everything is wired from data attributes. */
(function () {
  "use strict";

  var stream = document.querySelector("ol.post-stream[data-thread-id]");
  var badgeHost = document.querySelector("[data-notifications-link]");
  var signedIn = document.body.hasAttribute("data-signed-in");
  if ((!stream && !signedIn) || !window.WebSocket || !window.JSON) {
    return;
  }

  var lastId = parseInt(document.body.getAttribute("data-live-since") || "0", 10) || 0;
  var socket = null;
  var retry = 0;
  var pending = [];
  var banner = null;
  var presence = null;

  function topics() {
    var list = [];
    if (stream) { list.push("thread:" + stream.getAttribute("data-thread-id")); }
    if (signedIn) { list.push("user:me"); }
    return list;
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws");
    socket.addEventListener("open", function () {
      retry = 0;
      topics().forEach(function (topic) {
        socket.send(JSON.stringify({ subscribe: topic, since: lastId }));
      });
    });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
      handle(message);
    });
    socket.addEventListener("close", function () {
      socket = null;
      retry += 1;
      var wait = Math.min(30000, 1000 * Math.pow(2, Math.min(retry, 5))) * (0.75 + Math.random() / 2);
      window.setTimeout(connect, wait);
    });
  }

  function handle(message) {
    if (typeof message.id === "number" && message.id > lastId) { lastId = message.id; }
    switch (message.type) {
      case "post.created": return postCreated(message.data);
      case "post.edited": return postEdited(message.data);
      case "post.deleted": return postDeleted(message.data);
      case "post.reacted": return postReacted(message.data);
      case "thread.updated": return threadUpdated(message.data);
      case "notification": return notified();
      case "subscribed":
      case "presence":
        if (stream && message.topic === "thread:" + stream.getAttribute("data-thread-id")) {
          showPresence(message.readers);
        }
        return;
      default: return;
    }
  }

  /* ---------------------------------------------------------------- posts */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function initials(name) {
    var parts = String(name || "?").replace(/_/g, " ").split(/\s+/).filter(Boolean);
    return parts.slice(0, 2).map(function (p) { return p.charAt(0); }).join("").toUpperCase() || "?";
  }

  function buildPost(data) {
    var li = el("li", "post post-live");
    li.id = "post-" + data.number;
    var article = el("article");
    var aside = el("div", "post-aside");
    var avatar = el("span", "avatar avatar-c" + (Math.abs(hash(data.author)) % 8), initials(data.author_name));
    avatar.setAttribute("aria-hidden", "true");
    aside.appendChild(avatar);
    var main = el("div", "post-main");
    var header = el("header", "post-header");
    var name = el("a", "author-name", data.author_name);
    name.href = "/u/" + encodeURIComponent(data.author);
    header.appendChild(name);
    if (data.author_role) { header.appendChild(el("span", "author-role", data.author_role)); }
    var link = el("a", "post-permalink");
    link.href = "/p/" + data.id;
    var time = el("time", "relative", "just now");
    time.setAttribute("datetime", data.created_at);
    link.appendChild(time);
    header.appendChild(link);
    main.appendChild(header);
    var content = el("div", "post-content");
    if (data.lang) { content.lang = data.lang; } /* "hi" for a post written in Hindi */
    content.innerHTML = data.body_html; /* sanitised by the server when the post was written */
    main.appendChild(content);
    var footer = el("footer", "post-actions cluster");
    var reply = el("a", "btn btn-small btn-secondary", "Reply");
    reply.href = "/t/" + data.thread_id + "?reply_to=" + data.id + "#reply";
    footer.appendChild(reply);
    main.appendChild(footer);
    article.appendChild(aside);
    article.appendChild(main);
    li.appendChild(article);
    return li;
  }

  function hash(text) {
    var h = 0;
    for (var i = 0; i < String(text).length; i += 1) { h = (h * 31 + String(text).charCodeAt(i)) | 0; }
    return h;
  }

  function onLastPage() { return stream.getAttribute("data-last-page") === "true"; }

  function nearBottom() {
    var last = stream.lastElementChild;
    if (!last) { return true; }
    return last.getBoundingClientRect().top < window.innerHeight + 200;
  }

  function postCreated(data) {
    if (!stream || String(data.thread_id) !== stream.getAttribute("data-thread-id")) { return; }
    if (document.getElementById("post-" + data.number)) { return; }
    if (!onLastPage()) { pending.push(null); return showBanner(); }
    var node = buildPost(data);
    if (nearBottom() && pending.length === 0) {
      stream.appendChild(node);
    } else {
      pending.push(node);
      showBanner();
    }
  }

  function showBanner() {
    if (!banner) {
      banner = el("button", "live-banner btn btn-primary");
      banner.type = "button";
      banner.addEventListener("click", function () {
        if (!onLastPage()) { window.location.href = "/t/" + stream.getAttribute("data-thread-id") + "?page=" + stream.getAttribute("data-pages") + "#reply"; return; }
        pending.forEach(function (node) { if (node) { stream.appendChild(node); } });
        pending = [];
        banner.hidden = true;
        var first = stream.lastElementChild;
        if (first) { first.scrollIntoView({ behavior: "smooth", block: "start" }); }
      });
      var live = el("div", "live-region");
      live.setAttribute("aria-live", "polite");
      live.appendChild(banner);
      stream.parentNode.insertBefore(live, stream.nextSibling);
    }
    var n = pending.length;
    banner.textContent = n === 1 ? "1 new reply" : n + " new replies";
    banner.hidden = false;
  }

  function postEdited(data) {
    var li = document.getElementById("post-" + data.number);
    if (!li) { return; }
    var content = li.querySelector(".post-content");
    if (content) {
      content.innerHTML = data.body_html;
      if (data.lang) { content.lang = data.lang; } else { content.removeAttribute("lang"); }
    }
    if (!li.querySelector(".edited-note")) {
      var note = el("a", "edited-note", "edited just now");
      note.href = "/p/" + data.id + "/history";
      var actions = li.querySelector(".post-actions");
      if (actions) { actions.insertBefore(note, actions.firstChild); }
    }
  }

  function postDeleted(data) {
    var li = document.getElementById("post-" + data.number);
    if (!li) { return; }
    li.classList.add("post-removed");
    var content = li.querySelector(".post-content");
    if (content) {
      content.textContent = "";
      content.removeAttribute("lang");
      content.appendChild(el("p", "", data.status === "deleted" ? "This post was removed." : "This post is awaiting review."));
    }
  }

  function postReacted(data) {
    var li = document.getElementById("post-" + data.number);
    if (!li || !data.counts) { return; }
    Object.keys(data.counts).forEach(function (kind) {
      var node = li.querySelector('.reaction-count[data-kind="' + kind + '"]');
      if (node) {
        node.textContent = String(data.counts[kind]);
        node.parentNode.hidden = !data.counts[kind];  // a kind nobody chose shows no chip
      }
    });
  }

  function threadUpdated(data) {
    if (!stream || String(data.id) !== stream.getAttribute("data-thread-id")) { return; }
    var notice = document.getElementById("live-thread-notice");
    if (!notice) {
      notice = el("p", "notice small");
      notice.id = "live-thread-notice";
      notice.setAttribute("role", "status");
      stream.parentNode.insertBefore(notice, stream);
    }
    notice.textContent = "";
    notice.appendChild(document.createTextNode("Moderators updated this thread. "));
    var reload = el("a", "", "Reload to see the change");
    reload.href = window.location.pathname + window.location.search;
    notice.appendChild(reload);
  }

  function showPresence(readers) {
    if (!presence) {
      presence = el("p", "small muted live-presence");
      presence.setAttribute("aria-live", "polite");
      stream.parentNode.insertBefore(presence, stream);
    }
    var others = Math.max(0, (readers || 1) - 1);
    presence.textContent = others === 0 ? "" : (others === 1 ? "1 other person is reading now" : others + " other people are reading now");
  }

  /* -------------------------------------------------------- notifications */

  function notified() {
    if (!badgeHost) { return; }
    var badge = badgeHost.querySelector(".badge-count");
    if (!badge) {
      badge = el("span", "badge badge-count", "0");
      badgeHost.appendChild(document.createTextNode(" "));
      badgeHost.appendChild(badge);
    }
    var count = (parseInt(badge.textContent, 10) || 0) + 1;
    badge.textContent = String(count);
    badge.setAttribute("aria-label", count + " unread");
  }

  connect();
})();
