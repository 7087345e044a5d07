// embarq: live updates over Server-Sent Events and small htmx settings.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function () {});
  if (window.htmx) {
    // Form errors come back as 422 pages: show them instead of ignoring the answer.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "...", swap: true }
    ];
  }
  // Behaviours that used to be inline attributes: the Content-Security-Policy runs no
  // inline script, so pages mark elements with data-* and this file acts on them.
  document.addEventListener("focusin", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("[data-select-on-focus]")) el.select();
  });
  // The browser's time zone, so pages show this person's times (unless they chose a zone).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (/^[A-Za-z0-9_+\/-]+$/.test(zone || "") && document.cookie.indexOf("embarq_tz=" + zone) < 0) {
      document.cookie = "embarq_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (err) {}
  document.addEventListener("htmx:xhr:progress", function (e) {
    var form = e.target && e.target.closest && e.target.closest("[data-upload-progress]");
    if (!form || !e.detail || !e.detail.total) return;
    var b = document.getElementById(form.getAttribute("data-upload-progress"));
    if (!b) return;
    b.hidden = false;
    b.value = Math.round((e.detail.loaded * 100) / e.detail.total);
    b.textContent = b.value + "%";
  });
  function refresh(kind, ref) {
    document.querySelectorAll('[data-live-kind="' + kind + '"]').forEach(function (el) {
      var want = el.getAttribute("data-live-ref");
      if (want && ref && want !== ref) return;
      if (window.htmx) htmx.trigger(el, "live-refresh");
    });
  }
  function setUnread(n, id) {
    var b = document.getElementById(id || "unread");
    if (!b) return;
    b.textContent = String(n);
    b.classList.toggle("hidden", n === 0);
  }
  var source = null;
  function connect() {
    var app = document.getElementById("app");
    var url = app && app.getAttribute("data-live");
    if (!url || source) return;
    source = new EventSource(url);
    ["post", "comment", "message", "notification", "task", "poll"].forEach(function (kind) {
      source.addEventListener(kind, function (e) {
        var data = {};
        try { data = JSON.parse(e.data); } catch (_) {}
        if (typeof data.unread === "number") setUnread(data.unread);
        if (typeof data.unread_messages === "number") setUnread(data.unread_messages, "unread-messages");
        refresh(kind, data.ref || null);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", connect);
  document.addEventListener("htmx:afterSettle", connect);
  // Escape closes the top bar's live search results and returns to the box, keeping its text
  // (preventDefault stops the search input's native clearing).
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var live = document.getElementById("search-live");
    var form = live && live.closest("form");
    if (!form || !live.innerHTML.trim() || !form.contains(document.activeElement)) return;
    e.preventDefault();
    live.innerHTML = "";
    var q = document.getElementById("q");
    if (q) q.focus();
  });
  // A button with data-copy="id" copies that field's value (SCIM base URL, a new token).
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-copy]");
    var f = b && document.getElementById(b.getAttribute("data-copy"));
    if (!f) return;
    f.select();
    if (navigator.clipboard) navigator.clipboard.writeText(f.value).catch(function () {});
    else document.execCommand("copy");
  });
})();
