// embarq's service worker: the static shell works offline, pages never come from a cache.
// - Pages (navigations) always go to the network; when it is gone, the cached offline page
//   says so. A signed-in page is never stored, so nothing stale is ever shown as current.
// - Static files (/static/…) are served from the cache and refreshed behind the scenes.
// - Push messages become notifications; a tap opens (or focuses) the page they name.
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
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        var c = list[i];
        if (new URL(c.url).pathname === target.pathname && "focus" in c) return c.focus();
      }
      return self.clients.openWindow(target.href);
    })
  );
});
