/* The officer's page without signal. Served as /sw.js (scope: the whole site), it keeps:
   - "Nearby now" (with its 24/7 lines) and the last results the officer opened, each saved with the time it
     was fetched (data-saved-at on <html>): offline, the saved copy is shown and offline.js says how old it is;
   - the diversion form, so a diversion can be written without signal (offline.js queues it and sends it
     when the signal is back: exactly once, thanks to its client key);
   - the site's CSS and scripts.
   Pages are always fetched from the network first; a saved copy is used only when the network fails.
   Nothing else is kept: no other page, no API answer, no POST. */
"use strict";
var CACHE = "lead-officer-v1";
var STATIC = ["/static/css/site.css", "/static/js/app.js", "/static/js/offline.js"];
var KEPT = /^\/(nearby|diversions\/new)$/;
var LAST = "/nearby?last-results";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(STATIC); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function stamped(html, at) {
  return html.replace("<html ", '<html data-saved-at="' + at + '" ');
}

function savedPage(request, url) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      if (response.ok && !response.redirected && (response.headers.get("Content-Type") || "").indexOf("text/html") === 0) {
        response.clone().text().then(function (html) {
          var copy = function () {
            return new Response(stamped(html, new Date().toISOString()),
                                {headers: {"Content-Type": "text/html; charset=utf-8"}});
          };
          cache.put(url.pathname + url.search, copy());
          if (url.pathname === "/nearby" && url.searchParams.has("need")) { cache.put(LAST, copy()); }
        });
      }
      return response;
    }).catch(function (error) {
      return cache.match(url.pathname + url.search).then(function (hit) {
        if (hit) { return hit; }
        if (url.pathname !== "/nearby") { throw error; }
        return cache.match(LAST).then(function (last) {
          return last || cache.match("/nearby").then(function (plain) { if (plain) { return plain; } throw error; });
        });
      });
    });
  });
}

function staticFile(request) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      if (response.ok) { cache.put(new URL(request.url).pathname, response.clone()); }
      return response;
    }).catch(function () {
      return cache.match(new URL(request.url).pathname).then(function (hit) {
        return hit || Response.error();
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && KEPT.test(url.pathname)) {
    event.respondWith(savedPage(request, url));
  } else if (STATIC.indexOf(url.pathname) >= 0) {
    event.respondWith(staticFile(request));
  }
});
