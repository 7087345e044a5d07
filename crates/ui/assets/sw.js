// embarq's service worker: the static shell works offline, pages never come from a cache.
// - Pages (navigations) always go to the network; when it is gone, the cached offline page
//   says so. A signed-in page is never stored, so nothing stale is ever shown as current.
// - Static files (/static/…) are served from the cache and refreshed behind the scenes.
// - Push messages become notifications; a tap shows the page they name, in the open window
//   of the app if there is one.
"use strict";
var SHELL = "embarq-shell-v1";
var PRECACHE = ["/offline", "/static/app.css", "/static/app.js", "/static/htmx.min.js", "/static/icons.svg", "/static/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) { return cache.addAll(PRECACHE); }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== SHELL; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    event.respondWith(
      fetch(req).catch(function () {
        return caches.match("/offline");
      })
    );
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.open(SHELL).then(function (cache) {
        return cache.match(req).then(function (hit) {
          var fresh = fetch(req).then(function (res) {
            if (res.ok) cache.put(req, res.clone());
            return res;
          });
          if (hit) {
            event.waitUntil(fresh.catch(function () {}));
            return hit;
          }
          return fresh;
        });
      })
    );
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data ? event.data.text() : "" }; }
  var title = data.title || "embarq";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.tag || undefined,
      icon: "/static/icon-192.png",
      badge: "/static/icon-192.png",
      data: { url: data.url || "/" }
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  // An open window of the app is reused (brought to the page, then to the front); a new one
  // is opened only when there is none.
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      var focus = function (c) { return c && c.focus ? c.focus().catch(function () { return c; }) : c; };
      for (var i = 0; i < list.length; i++) {
        if (new URL(list[i].url).pathname === target.pathname) return focus(list[i]);
      }
      var open = function () { return self.clients.openWindow(target.href); };
      if (!list.length) return open();
      return list[0].navigate(target.href).then(focus, open);
    })
  );
});
