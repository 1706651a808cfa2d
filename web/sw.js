// migplan's service worker: the whole site is cached on the first visit so
// it opens and works offline. `cargo xtask finish-site` fills in the file
// list and a version that changes with any file of the site.
//
// The page (a navigation) is fetched from the network first, so a new
// release is picked up on the next visit; every other file has a content
// hash in its name (or is sql.js, pinned) and is served from the cache.
// Nothing is ever sent anywhere: this only caches the site's own files.
//
// PGlite (pglite/, about 15 MB) is not fetched on the first visit: it is
// cached the first time a PostgreSQL simulation loads it, in a cache of its
// own named by PGlite's version, so a new release of the site keeps it.
const VERSION = "__VERSION__";
const CACHE = `migplan-${VERSION}`;
const PGLITE_CACHE = "migplan-pglite-__PGLITE_VERSION__";
const FILES = [
  "__FILES__",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("migplan-") && k !== CACHE && k !== PGLITE_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put("./", copy));
          }
          return response;
        })
        .catch(() => caches.match("./", { ignoreSearch: true }).then((r) => r || Response.error())),
    );
    return;
  }
  if (request.url.startsWith(new URL("./pglite/", self.registration.scope).href)) {
    event.respondWith(
      caches.open(PGLITE_CACHE).then((cache) =>
        cache.match(request, { ignoreSearch: true }).then(
          (cached) =>
            cached ||
            fetch(request).then((response) => {
              if (response.ok) {
                cache.put(request, response.clone());
              }
              return response;
            }),
        ),
      ),
    );
    return;
  }
  event.respondWith(
    caches.match(request, { ignoreSearch: true }).then((cached) => cached || fetch(request)),
  );
});
