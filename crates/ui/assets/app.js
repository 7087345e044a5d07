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
  // "Post" jumps to the composer and puts the cursor in it: one tap to write.
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest && e.target.closest("a[data-compose]");
    var box = a && document.querySelector(a.getAttribute("href"));
    if (!box) return;
    e.preventDefault();
    box.scrollIntoView({ block: "center" });
    box.focus();
  });
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
  // A form sent in place (a comment from the feed) is emptied once it went through.
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail && e.detail.elt;
    if (form && form.matches && form.matches("form[data-reset-on-success]") && e.detail.successful) form.reset();
  });
  // Comments opened in place keep their count in the summary true.
  document.addEventListener("htmx:afterSettle", function (e) {
    var box = e.target && e.target.closest && e.target.closest("details.reply-in-place");
    var count = box && box.querySelector(".comment-count");
    if (count) count.textContent = String(box.querySelectorAll(".comments-in-place .comment").length);
  });
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
  // Every badge of a count (the menu's and the bottom bar's) follows it.
  function setUnread(n, kind) {
    document.querySelectorAll('[data-count="' + kind + '"]').forEach(function (b) {
      b.textContent = String(n);
      b.classList.toggle("hidden", n === 0);
    });
  }
  // Screen readers hear what arrived without focus moving (#announcer is a polite live region).
  function announce(kind) {
    var box = document.getElementById("announcer");
    var text = box && box.getAttribute("data-" + kind);
    if (!text) return;
    box.textContent = "";
    setTimeout(function () { box.textContent = text; }, 50);
  }
  // The menu link of the page one is on is marked as such.
  function markCurrent() {
    var path = location.pathname;
    document.querySelectorAll("#site-menu a[href^='/'], nav.bottom a[href^='/']").forEach(function (a) {
      var href = a.getAttribute("href");
      var here = href === "/" ? path === "/" : path === href || path.indexOf(href + "/") === 0;
      if (here) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
  }
  // A refused form: each message about a field points to it, and the field says it is
  // invalid, so a screen reader reads the reason on the field itself.
  function tieErrors() {
    document.querySelectorAll(".errors li[data-field]").forEach(function (li) {
      // Services name some fields after what they belong to ("suggestion_title" for the
      // form's "title"): the name, else what follows its first underscore.
      var name = li.getAttribute("data-field");
      var field = document.querySelector('#main form [name="' + name + '"]') ||
        document.querySelector('#main form [name="' + name.slice(name.indexOf("_") + 1) + '"]');
      if (!field || field.type === "hidden") return;
      field.setAttribute("aria-invalid", "true");
      var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (ids.indexOf(li.id) < 0) ids.push(li.id);
      field.setAttribute("aria-describedby", ids.join(" "));
    });
  }
  document.addEventListener("DOMContentLoaded", tieErrors);
  document.addEventListener("htmx:afterSettle", tieErrors);
  document.addEventListener("DOMContentLoaded", markCurrent);
  // Push notifications on this device (Settings → Notifications): subscribe with the
  // server's key, register the device with the topics ticked, change them, or turn it off.
  // The device's id is kept in localStorage to find it again.
  function api(method, path, body) {
    var app = document.getElementById("app");
    var token = "";
    try { token = JSON.parse(app.getAttribute("hx-headers"))["X-CSRF-Token"] || ""; } catch (e) {}
    var init = { method: method, credentials: "same-origin", headers: { Accept: "application/json", "X-CSRF-Token": token } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch("/api/v1" + path, init).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.status === 204 ? null : r.json();
    });
  }
  function keyBytes(b64) {
    var s = atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64.length + 3) % 4));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function deviceName() {
    var ua = navigator.userAgent;
    var browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
    var os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
    return os ? browser + " · " + os : browser;
  }
  function setupPush() {
    var box = document.querySelector("[data-push]");
    if (!box || box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    var status = box.querySelector("[data-push-status]");
    var on = box.querySelector("[data-push-on]");
    var off = box.querySelector("[data-push-off]");
    function say(kind) { status.textContent = status.getAttribute("data-" + kind) || ""; }
    function topics() {
      return Array.prototype.map.call(box.querySelectorAll('input[name="push_topic"]:checked'), function (c) { return c.value; });
    }
    function show(subscribed) {
      on.hidden = subscribed;
      off.hidden = !subscribed;
      say(subscribed ? "on" : "off");
    }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.isSecureContext) { say("unsupported"); return; }
    var ready = navigator.serviceWorker.register("/sw.js").then(function () { return navigator.serviceWorker.ready; });
    ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
      var id = localStorage.getItem("embarq-push-device");
      show(!!sub && !!id);
      if (!sub || !id) return;
      // Tick what this device announces, as the server knows it.
      return api("GET", "/push/devices").then(function (list) {
        var mine = list.filter(function (d) { return d.id === id; })[0];
        if (!mine) { show(false); return; }
        box.querySelectorAll('input[name="push_topic"]').forEach(function (c) { c.checked = mine.topics.indexOf(c.value) >= 0; });
      });
    }).catch(function () { say("unsupported"); });
    on.addEventListener("click", function () {
      on.disabled = true;
      Notification.requestPermission().then(function (perm) {
        if (perm !== "granted") { say("denied"); return null; }
        return Promise.all([ready, api("GET", "/push/key")]).then(function (r) {
          return r[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(r[1].public_key) });
        }).then(function (sub) {
          var json = sub.toJSON();
          return api("POST", "/push/devices", { endpoint: json.endpoint, keys: json.keys, topics: topics(), device: deviceName() });
        }).then(function (device) {
          localStorage.setItem("embarq-push-device", device.id);
          show(true);
        });
      }).catch(function () { say("failed"); }).then(function () { on.disabled = false; });
    });
    off.addEventListener("click", function () {
      var id = localStorage.getItem("embarq-push-device");
      var gone = id ? api("DELETE", "/push/devices/" + id).catch(function () {}) : Promise.resolve();
      gone.then(function () { return ready; }).then(function (reg) { return reg.pushManager.getSubscription(); })
        .then(function (sub) { return sub && sub.unsubscribe(); })
        .then(function () { localStorage.removeItem("embarq-push-device"); show(false); })
        .catch(function () { say("failed"); });
    });
    box.addEventListener("change", function (e) {
      var id = localStorage.getItem("embarq-push-device");
      if (!id || !e.target.matches('input[name="push_topic"]')) return;
      api("PATCH", "/push/devices/" + id, { topics: topics() }).catch(function () { say("failed"); });
    });
  }
  document.addEventListener("DOMContentLoaded", setupPush);
  document.addEventListener("htmx:afterSettle", setupPush);
  // The installable app: the service worker keeps the static shell and the offline page.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    });
  }
  document.addEventListener("htmx:afterSettle", markCurrent);
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
        if (typeof data.unread === "number") setUnread(data.unread, "notifications");
        if (typeof data.unread_messages === "number") setUnread(data.unread_messages, "messages");
        if (kind === "post" || kind === "message" || kind === "notification") announce(kind);
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
  // People offered as one types a name: "@Cla" in a text marked data-mentions inserts a
  // mention (a link to the person, named again by the server), and a [data-picker] adds the
  // chosen person as a checked box. Both ask /api/v1/people/suggest, which offers only
  // people the writer may name there.
  var seq = 0;
  function face(person) {
    var el;
    if (person.photo_url) {
      el = document.createElement("img");
      el.src = person.photo_url;
      el.alt = "";
      el.className = "avatar";
    } else {
      el = document.createElement("span");
      el.className = "avatar initials c" + person.colour;
      el.setAttribute("aria-hidden", "true");
      el.textContent = person.initials;
    }
    return el;
  }
  // A listbox of people under `field`; `choose(person)` is called on Enter, Tab or a click.
  function suggester(field, label, choose) {
    var list = document.createElement("ul");
    list.id = "suggest-" + (++seq);
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", label || "");
    list.hidden = true;
    field.insertAdjacentElement("afterend", list);
    field.setAttribute("aria-controls", list.id);
    var people = [], active = -1, timer = null, asked = "";
    function expanded(open) {
      if (field.getAttribute("role") === "combobox") field.setAttribute("aria-expanded", open ? "true" : "false");
    }
    function show(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.setAttribute("aria-selected", j === i ? "true" : "false");
      });
      if (i >= 0) field.setAttribute("aria-activedescendant", list.id + "-" + i);
      else field.removeAttribute("aria-activedescendant");
    }
    function close() {
      people = [];
      list.hidden = true;
      list.textContent = "";
      expanded(false);
      show(-1);
    }
    function render() {
      list.textContent = "";
      people.forEach(function (person, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.appendChild(face(person));
        var name = document.createElement("span");
        name.textContent = person.display_name;
        li.appendChild(name);
        var about = [person.title, person.site].filter(Boolean).join(" · ");
        if (about) {
          var small = document.createElement("small");
          small.textContent = about;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { pick(i); });
        list.appendChild(li);
      });
      list.hidden = people.length === 0;
      expanded(people.length > 0);
      show(people.length ? 0 : -1);
    }
    function pick(i) {
      var person = people[i];
      close();
      if (person) choose(person);
    }
    field.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        var n = people.length;
        show((active + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
      } else if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pick(active);
      } else if (e.key === "Escape") {
        e.preventDefault();
        close();
      }
    });
    field.addEventListener("blur", function () { setTimeout(close, 150); });
    return {
      close: close,
      ask: function (q, sphere, membersOnly) {
        clearTimeout(timer);
        if (!q) { asked = ""; close(); return; }
        timer = setTimeout(function () {
          asked = q;
          var url = "/api/v1/people/suggest?q=" + encodeURIComponent(q) +
            (sphere ? "&sphere=" + encodeURIComponent(sphere) : "") + (membersOnly ? "&members=true" : "");
          fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(function (found) {
              if (asked !== q) return;
              people = Array.isArray(found) ? found : [];
              render();
            })
            .catch(close);
        }, 120);
      }
    };
  }
  function sphereOf(el) {
    var own = el.getAttribute("data-sphere");
    if (own) return own;
    var form = el.closest("form");
    var select = form && form.querySelector("[name=sphere_id]");
    return select ? select.value : "";
  }
  var TYPED_MENTION = /(^|[\s(>])@([^\s@\[\]()]{2,40}(?: [^\s@\[\]()]{1,40})?)$/;
  function mentions(area) {
    if (area.getAttribute("data-mentions-ready")) return;
    area.setAttribute("data-mentions-ready", "1");
    var at = -1;
    var s = suggester(area, area.getAttribute("data-mentions"), function (person) {
      var caret = area.selectionStart;
      var before = area.value.slice(0, at), after = area.value.slice(caret);
      var insert = person.mention + " ";
      area.value = before + insert + after;
      area.selectionStart = area.selectionEnd = before.length + insert.length;
      area.focus();
    });
    area.addEventListener("input", function () {
      var upto = area.value.slice(0, area.selectionStart);
      var m = TYPED_MENTION.exec(upto);
      if (!m) { s.ask(""); return; }
      at = upto.length - m[2].length - 1;
      s.ask(m[2], sphereOf(area), false);
    });
  }
  function picker(box) {
    if (box.getAttribute("data-picker-ready")) return;
    box.setAttribute("data-picker-ready", "1");
    var name = box.getAttribute("data-picker");
    var field = box.querySelector("input[type=text], input[type=search]");
    var chosen = box.querySelector(".chips");
    if (!field || !chosen) return;
    // Typed addresses are the page's way without JavaScript; here the list does it.
    field.removeAttribute("name");
    field.removeAttribute("required");
    field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-expanded", "false");
    field.setAttribute("autocomplete", "off");
    var s = suggester(field, box.getAttribute("data-picker-label"), function (person) {
      var box2 = chosen.querySelector('input[value="' + person.id + '"]');
      if (box2) {
        box2.checked = true;
      } else {
        var li = document.createElement("li");
        var label = document.createElement("label");
        label.className = "chip";
        var check = document.createElement("input");
        check.type = "checkbox";
        check.name = name;
        check.value = person.id;
        check.checked = true;
        label.appendChild(check);
        label.appendChild(face(person));
        label.appendChild(document.createTextNode(" " + person.display_name));
        li.appendChild(label);
        chosen.appendChild(li);
      }
      field.value = "";
      field.focus();
    });
    field.addEventListener("input", function () {
      s.ask(field.value.trim(), box.getAttribute("data-sphere"), box.hasAttribute("data-picker-members"));
    });
  }
  function enhance(root) {
    (root || document).querySelectorAll("textarea[data-mentions]").forEach(mentions);
    (root || document).querySelectorAll("[data-picker]").forEach(picker);
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(); });
  document.addEventListener("htmx:afterSettle", function (e) { enhance(e.target); });
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
