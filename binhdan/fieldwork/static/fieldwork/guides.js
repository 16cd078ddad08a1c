/* binhdan field app: the assistant's guides kept on the phone, so a member can show a resident the
   steps in a lane with no signal. The document (one JSON of every guide, public) is fetched after the
   member's first successful sync, kept in Cache Storage ("binhdan-guides", which sign-out deletes with
   every other cache) and asked for again with If-None-Match: the server answers 304 while the phone's
   version is current, so a check costs a few hundred bytes. Search folds like the server
   (common.text.fold: NFC, lower case, đ → d, no diacritics; assistant.text: one spelling for i/y and the
   chat abbreviations), on the folded keys the server made. */
(function () {
  "use strict";

  const script = document.currentScript;
  const SOURCE = script.dataset.url;
  const CACHE = "binhdan-guides";
  const FORMAT = 1;
  const CHECK_EVERY_MS = 10 * 60 * 1000;
  const STEPS = "Các bước";
  const SAFETY = "Lưu ý an toàn";

  let doc = null;
  let loading = null;
  let stopped = false;
  let lastCheck = 0;
  let waitingView = null; // the "not on this phone yet" screen, redrawn when the guides arrive

  const esc = (value) => String(value == null ? "" : value)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const showDate = (iso) => (/^\d{4}-\d{2}-\d{2}/.test(iso || "") ? iso.slice(0, 10).split("-").reverse().join("/") : "");
  // Python's unicodedata.combining() marks, in the blocks Latin text uses.
  const MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

  // common.text.fold: "Đăng ký tài khoản" → "dang ky tai khoan".
  function fold(text) {
    const value = String(text == null ? "" : text).normalize("NFC").replace(/\s+/g, " ").trim();
    return value.toLowerCase().replace(/đ/g, "d").normalize("NFD").replace(MARKS, "");
  }
  // assistant.text.spelling_variant: "ky"/"ki", "ly"/"li" are one spelling.
  const variant = (word) => word.replace(/^(k|l|m|s|t|h|qu)y$/, "$1i");
  // offline.search_key: folded words (letters and digits), i/y spelt one way.
  const searchKey = (text) => (fold(text).match(/[0-9a-z]+/g) || []).map(variant).join(" ");

  function prepare(data) {
    const guides = data.guides.map((g) => Object.assign({}, g, {
      tWords: String(g.t || "").split(" ").filter(Boolean),
      kWords: Array.from(new Set(String(g.k || "").split(" ").filter(Boolean))),
    }));
    return { version: data.version, topics: data.topics || {}, abbreviations: data.abbreviations || {}, guides,
      byId: new Map(guides.map((g) => [g.id, g])) };
  }
  const valid = (data) => data && data.format === FORMAT && typeof data.version === "string" && Array.isArray(data.guides);

  async function readStored() {
    if (!window.caches) return null;
    const cache = await caches.open(CACHE);
    const response = await cache.match(SOURCE, { ignoreVary: true });
    if (!response) return null;
    const data = await response.json();
    return valid(data) ? data : null;
  }

  function load() {
    if (doc) return Promise.resolve(doc);
    if (!loading) {
      loading = readStored().then((data) => { if (data && !doc && !stopped) doc = prepare(data); return doc; })
        .catch(() => null).finally(() => { loading = null; });
    }
    return loading;
  }

  /* Asks the server whether the phone's copy is current; stores a new version. Resolves to what
     happened: "updated", "current", "skipped", "offline", "failed" or "stopped". */
  async function refresh(force) {
    if (stopped || !SOURCE) return "stopped";
    if (!force && Date.now() - lastCheck < CHECK_EVERY_MS) return "skipped";
    lastCheck = Date.now();
    const held = await load();
    const headers = { Accept: "application/json" };
    // Our own If-None-Match (and no HTTP cache) makes the browser hand us the server's 304 as it is.
    if (held) headers["If-None-Match"] = `"${held.version}"`;
    let text;
    try {
      const response = await fetch(SOURCE, { credentials: "same-origin", cache: "no-store", headers });
      if (response.status === 304) return "current";
      if (!response.ok) { lastCheck = 0; return "failed"; }
      text = await response.text();
    } catch (error) {
      lastCheck = 0; // no network: ask again on the next sync
      return "offline";
    }
    let data;
    try { data = JSON.parse(text); } catch (error) { return "failed"; }
    if (!valid(data)) return "failed";
    if (stopped) return "stopped";
    if (window.caches) {
      const cache = await caches.open(CACHE);
      await cache.put(SOURCE, new Response(text, { headers: { "Content-Type": "application/json; charset=utf-8" } }));
      // Signed out while this was on its way: the cache must not outlive the sign-out.
      if (stopped) { await caches.delete(CACHE); return "stopped"; }
    }
    doc = prepare(data);
    if (waitingView) { const again = waitingView; waitingView = null; again(); }
    return "updated";
  }

  function stop() {
    stopped = true;
    doc = null;
    waitingView = null;
  }

  // Each typed word is one condition: its folded form begins a word of the guide, or (a chat
  // abbreviation typed without marks, as assistant.text.expand reads it) every word it stands for does.
  function conditions(query) {
    const words = String(query || "").normalize("NFC").toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return words.map((word) => {
      const folded = fold(word);
      const options = [(folded.match(/[0-9a-z]+/g) || []).map(variant)];
      const expansion = doc.abbreviations[folded];
      if (expansion && word.replace(/đ/g, "d") === folded) options.push(expansion);
      return options.filter((o) => o.length);
    }).filter((options) => options.length);
  }

  const begins = (words, part) => words.some((w) => w.startsWith(part));
  const exact = (words, part) => words.includes(part);

  function search(query) {
    if (!doc) return [];
    const wanted = conditions(query);
    if (!wanted.length) return doc.guides.slice().sort((a, b) => a.title.localeCompare(b.title, "vi"));
    const found = [];
    for (const g of doc.guides) {
      let score = 0;
      const ok = wanted.every((options) => {
        let best = -1;
        for (const parts of options) {
          if (!parts.every((p) => begins(g.kWords, p))) continue;
          const inTitle = parts.every((p) => begins(g.tWords, p));
          const whole = parts.every((p) => exact(inTitle ? g.tWords : g.kWords, p));
          best = Math.max(best, (inTitle ? 3 : 1) + (whole ? 1 : 0));
        }
        score += best;
        return best >= 0;
      });
      if (ok) found.push([score, g]);
    }
    return found.sort((a, b) => (b[0] - a[0]) || a[1].title.localeCompare(b[1].title, "vi")).map(([, g]) => g);
  }

  function items(list) {
    return list.map((g) => `<li><a class="title" href="#/huong-dan/${encodeURIComponent(g.id)}">${esc(g.title)}</a>
      ${g.summary ? `<div class="meta">${esc(g.summary)}</div>` : ""}</li>`).join("");
  }

  function notYet(show) {
    show(`<h1>Hướng dẫn</h1><p>Chưa tải hướng dẫn về máy này. Hãy mở ứng dụng khi có mạng một lần:
      hướng dẫn sẽ tự tải về và dùng được cả khi không có mạng.</p>`, "Hướng dẫn");
  }

  function renderList(params, show) {
    const query = params.get("q") || "";
    show(`<h1>Hướng dẫn</h1>
      <p class="meta">${doc.guides.length} hướng dẫn đã lưu trên máy, mở được cả khi không có mạng.</p>
      <form id="guide-search" role="search" class="row"><div><label for="guide-q">Tìm hướng dẫn (có dấu hay không dấu đều được)</label>
        <input id="guide-q" name="q" type="search" value="${esc(query)}" autocomplete="off"></div>
        <button type="submit" class="secondary">Tìm</button></form>
      <p id="guide-count" class="meta" role="status" aria-live="polite"></p>
      <ul class="list" id="guide-results"></ul>`, "Hướng dẫn");
    const input = document.getElementById("guide-q");
    const results = document.getElementById("guide-results");
    const count = document.getElementById("guide-count");
    const update = () => {
      const typed = input.value;
      const list = search(typed);
      results.innerHTML = items(list) || "<li>Không tìm thấy hướng dẫn nào. Hãy thử từ khác, ví dụ “vneid”, “mã qr”, “lừa đảo”.</li>";
      count.textContent = typed.trim() ? `${list.length} hướng dẫn khớp với “${typed.trim()}”.` : "";
      // The query stays in the address (back and reload keep it) without redrawing the screen.
      const hash = typed.trim() ? `#/huong-dan?q=${encodeURIComponent(typed)}` : "#/huong-dan";
      if (location.hash !== hash) history.replaceState(null, "", hash);
    };
    input.addEventListener("input", update);
    document.getElementById("guide-search").addEventListener("submit", (event) => { event.preventDefault(); update(); });
    update();
  }

  function renderGuide(id, show) {
    const g = doc.byId.get(id);
    if (!g) return show(`<h1>Không tìm thấy hướng dẫn</h1><p><a href="#/huong-dan">Về danh sách hướng dẫn</a></p>`, "Không tìm thấy hướng dẫn");
    const sections = (g.sections || []).map(([heading, lines]) => {
      const list = lines.map((line) => `<li>${esc(line)}</li>`).join("");
      if (heading === STEPS) return `<h2>${esc(heading)}</h2><ol class="steps">${list}</ol>`;
      return `<h2>${esc(heading)}</h2><ul${heading === SAFETY ? " class=\"safety\"" : ""}>${list}</ul>`;
    }).join("");
    const topics = (g.topics || []).map((slug) => `<li class="tag">${esc(doc.topics[slug] || slug)}</li>`).join("");
    const checked = showDate(g.checked);
    show(`<p class="crumbs"><a href="#/huong-dan">← Tất cả hướng dẫn</a></p>
      <article class="guide" lang="vi"><h1>${esc(g.title)}</h1>
        ${g.summary ? `<p class="lead">${esc(g.summary)}</p>` : ""}${g.intro ? `<p>${esc(g.intro)}</p>` : ""}${sections}</article>
      ${topics ? `<ul class="tags" aria-label="Chủ đề">${topics}</ul>` : ""}
      <p class="meta">${checked ? `Thông tin được kiểm tra ngày ${checked}. ` : ""}<a href="${esc(g.url)}">Mở trang hướng dẫn</a> (cần mạng: có đường dẫn ngắn và mã QR để gửi người dân).</p>`, g.title);
  }

  /* #/huong-dan (search) and #/huong-dan/<id> (one guide); show(html, title) draws the screen. */
  async function route(id, params, show) {
    await load();
    if (stopped) return;
    if (!doc) {
      waitingView = () => { if (/^#\/huong-dan/.test(location.hash)) route(id, params, show); };
      notYet(show);
      if (navigator.onLine) refresh(true);
      return;
    }
    waitingView = null;
    if (id) renderGuide(decodeURIComponent(id), show);
    else renderList(params, show);
  }

  window.binhdanGuides = { fold, searchKey, search, refresh, route, stop, load, version: () => (doc ? doc.version : null) };
})();
