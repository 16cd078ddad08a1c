/* binhdan field app service worker, version {{ version }}: the shell and its assets come from the cache
   so the app opens with no network; API calls always go to the network (the app queues what fails). */
const CACHE = "binhdan-field-{{ version }}";
const SHELL = "{{ app_url }}";
const ASSETS = [SHELL{% for asset in assets %}, "{{ asset|escapejs }}"{% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(ASSETS.map((url) => new Request(url, { credentials: "same-origin" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith("binhdan-field-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    // Fresh shell when online (and refresh the cache), the cached one when not.
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(SHELL, copy));
          return response;
        }
        return caches.match(SHELL).then((cached) => cached || response);
      }).catch(() => caches.match(SHELL))
    );
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((cached) => cached || fetch(request)));
  }
});
