/* binhdan field app service worker, version {{ version }}: the shell and its assets come from the cache
   so the app opens with no network; API calls always go to the network (the app queues what fails).
   The cached shell holds no personal data (names live only in IndexedDB, which sign-out deletes along
   with these caches and this worker). A signed-out visitor online gets the server's answer (the
   sign-in page), never the cached shell. */
const CACHE = "binhdan-field-{{ version }}";
const SHELL = "{{ app_url }}";
const ASSETS = [SHELL{% for asset in assets %}, "{{ asset|escapejs }}"{% endfor %}];
const OFFLINE_PAGE = `<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Không có mạng — Tổ công nghệ số cộng đồng</title></head>
<body><main><h1>Không có mạng</h1><p>Ứng dụng hiện trường chưa được tải về máy này, hoặc bạn đã đăng xuất.
Hãy kết nối mạng rồi đăng nhập lại.</p></main></body></html>`;

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

function offlinePage() {
  return new Response(OFFLINE_PAGE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(SHELL, copy));
          return response;
        }
        // A redirect (to sign-in), 401 or 403 means nobody is signed in: answer as the server did.
        // Only when the server itself is failing does the cached shell stand in.
        if (response.type === "opaqueredirect" || response.status < 500) return response;
        return caches.match(SHELL).then((cached) => cached || response);
      }).catch(() => caches.match(SHELL).then((cached) => cached || offlinePage()))
    );
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((cached) => cached || fetch(request)));
  }
});
