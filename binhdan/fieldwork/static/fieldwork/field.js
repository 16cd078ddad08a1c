/* binhdan field app: works with no network after one online sign-in.
   Data lives in IndexedDB (only the member's own scope); records queue on the phone and sync later. */
(function () {
  "use strict";

  const script = document.currentScript;
  const API = script.dataset.api;
  const LOGIN = script.dataset.login;
  const SW_URL = script.dataset.sw;
  const view = document.getElementById("view");
  const net = document.getElementById("net");
  const syncCount = document.getElementById("sync-count");
  const whoName = document.getElementById("who-name");
  const storageNote = document.getElementById("storage-note");

  const CHANNELS = [
    ["door", "Tại nhà"], ["community", "Nhà văn hoá"], ["service_centre", "Bộ phận một cửa"],
    ["online", "Qua Zalo, điện thoại"], ["market", "Tại chợ"],
  ];
  const HOUSEHOLD_FLAGS = {
    has_elderly: ["Người cao tuổi", 20], is_poor: ["Hộ nghèo", 20], is_near_poor: ["Hộ cận nghèo", 15],
    has_disabled: ["Người khuyết tật", 20], no_smart_device: ["Chưa có thiết bị số", 20], ethnic_minority: ["Dân tộc thiểu số", 5],
  };
  const STATUS_FIELDS = [
    ["smartphone", "Điện thoại thông minh", [["1", "Có"], ["0", "Không"]]],
    ["vneid_level", "Tài khoản VNeID", [["0", "Chưa có"], ["1", "Mức 1"], ["2", "Mức 2"]]],
    ["health_book", "Sổ sức khỏe điện tử", [["1", "Có"], ["0", "Chưa"]]],
    ["payment_account", "Tài khoản ngân hàng / ví", [["1", "Có"], ["0", "Chưa"]]],
  ];
  // Why a resident leaves the registry (registry.LeftReason); the server checks the same values.
  const LEFT_REASONS = [
    ["moved", "Chuyển đi nơi khác"], ["died", "Qua đời"], ["split", "Tách hộ"], ["merged", "Nhập hộ"], ["duplicate", "Trùng, đã gộp"],
  ];
  const LEFT_MAX_AGE_DAYS = 366; // older departures are recorded by the commune officer (sync.py)
  // Scam reports (fieldwork/models_scams.py, scams.py): the server checks the same values and limits.
  const SCAM_CHANNELS = [
    ["call", "Cuộc gọi điện thoại"], ["sms", "Tin nhắn SMS"], ["zalo", "Zalo"], ["facebook", "Facebook, Messenger"],
    ["link", "Đường link, trang web, ứng dụng lạ"], ["khac", "Khác (Telegram, gặp trực tiếp…)"],
  ];
  const SCAM_PRETEXTS = [
    ["gia_danh_cong_an", "Giả danh công an, viện kiểm sát (“hợp tác điều tra”)"],
    ["cap_nhat_vneid", "Bảo cập nhật, tích hợp VNeID, cài ứng dụng Dịch vụ công giả"],
    ["gia_danh_ngan_hang", "Giả danh ngân hàng, điện lực, nhà mạng"], ["dau_tu", "Mời đầu tư, tiền ảo, lãi cao"],
    ["viec_nhe_luong_cao", "Việc nhẹ lương cao, làm nhiệm vụ nhận tiền"], ["trung_thuong", "Trúng thưởng, nhận quà, nhận tiền hỗ trợ"],
    ["vay_tien", "Cho vay nhanh, phí giải ngân"], ["giao_hang", "Giao hàng, shipper giả"],
    ["nguoi_quen", "Nick Zalo, Facebook của người quen hỏi vay tiền"], ["nguoi_than_cap_cuu", "Báo người thân bị tai nạn, cấp cứu"],
    ["lay_lai_tien", "Hứa lấy lại tiền đã bị lừa"], ["khac", "Khác"],
  ];
  const SCAM_MAX_AMOUNT = 100000000000;
  const SCAM_MAX_AGE_DAYS = 366;
  const SCAM_MAX_DESCRIPTION = 2000;
  // Screens a sync never redraws: forms being filled in, and the guides (their search box; guides.js
  // redraws them itself when they arrive).
  const FORM_ROUTE = /^#\/(ho\/\d+\/(ghi|roi\/\d+)|lop\/\d+|gio|lua-dao|sua\/|huong-dan)/;
  const STATE_LABELS = { pending: "Đang chờ gửi", synced: "Đã đồng bộ", rejected: "Bị từ chối", conflict: "Xung đột" };
  const KIND_LABELS = { visit: "Lượt hỗ trợ", class_attendance: "Điểm danh buổi học", work_time: "Giờ làm việc", resident_left: "Báo rời sổ", scam_report: "Báo lừa đảo" };
  // The server's rules for work time (sync.py); the commune's own limits arrive with the pull.
  const DEFAULT_LIMITS = { work_time_max_age_days: 35, work_time_max_daily_hours: 16 };
  const MIN_WORK_HOURS = 0.25;
  const VISIT_CLOCK_SKEW_MS = 10 * 60 * 1000;
  const VISIT_MAX_AGE_DAYS = 366;
  // Retry when the server cannot be reached: exponential backoff with a cap, and jitter so that a
  // village's phones coming back at once do not all knock at the same second.
  const RETRY_BASE_MS = 2000;
  const RETRY_CAP_MS = 5 * 60 * 1000;
  const PUSH_BATCH = 200;

  // ---- small helpers -----------------------------------------------------------------------------
  const esc = (value) => String(value == null ? "" : value)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const fold = (text) => String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  const pad = (n) => String(n).padStart(2, "0");
  const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const todayIso = () => isoDay(new Date());
  const daysAgoIso = (days) => { const d = new Date(); return isoDay(new Date(d.getFullYear(), d.getMonth(), d.getDate() - days)); };
  const showDate = (iso) => (iso ? iso.slice(0, 10).split("-").reverse().join("/") : "");
  const nfc = (text) => String(text == null ? "" : text).normalize("NFC");
  const showNumber = (n) => String(Math.round(n * 100) / 100).replace(".", ",");
  function withOffset(d) {
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    const abs = Math.abs(offset);
    return `${isoDay(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
  const nowWithOffset = () => withOffset(new Date());
  const localInput = (iso) => { const d = new Date(iso); return `${isoDay(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`; };
  // "1,5" and "1.5" are both one and a half hours (a number input reads "1,5" as 15 in some locales).
  function parseHours(text) {
    const value = nfc(text).trim().replace(/\s+/g, "");
    if (!/^(\d{1,3}([.,]\d{1,2})?|[.,]\d{1,2})$/.test(value)) return NaN;
    return Number(value.replace(",", "."));
  }
  function validDay(iso) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || "")) return false;
    const [y, m, d] = iso.split("-").map(Number);
    const date = new Date(y, m - 1, d);
    return date.getFullYear() === y && date.getMonth() === m - 1 && date.getDate() === d;
  }
  function retryDelay(attempt) {
    const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(attempt, 30));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  // The CSRF cookie's name is known in one place: signout.js (loaded first by the shell).
  const csrf = () => (window.binhdanCsrfToken ? window.binhdanCsrfToken() : "");

  // ---- IndexedDB ---------------------------------------------------------------------------------
  const STORES = { households: "id", residents: "id", skills: "code", classes: "id", queue: "uuid", meta: "key" };
  let dbPromise = null;
  let stopped = false; // signed out here or in another tab: never open (and so recreate) the database again
  function openDb() {
    if (stopped) return Promise.reject(new Error("signed out"));
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open("binhdan-field", 1);
        request.onupgradeneeded = () => {
          for (const [name, key] of Object.entries(STORES)) {
            if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name, { keyPath: key });
          }
        };
        request.onsuccess = () => {
          const db = request.result;
          db.onversionchange = () => { db.close(); stop(); }; // sign-out in another tab deletes the database
          resolve(db);
        };
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }
  async function run(store, mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(store, mode);
      const result = work(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      transaction.onerror = () => reject(transaction.error);
    });
  }
  const idb = {
    all: (store) => run(store, "readonly", (s) => s.getAll()),
    get: (store, key) => run(store, "readonly", (s) => s.get(key)),
    put: (store, rows) => run(store, "readwrite", (s) => { for (const row of [].concat(rows)) s.put(row); }),
    del: (store, keys) => run(store, "readwrite", (s) => { for (const key of [].concat(keys)) s.delete(key); }),
    clear: (store) => run(store, "readwrite", (s) => s.clear()),
  };

  const guides = () => window.binhdanGuides || null; // guides.js, loaded before this file

  function stop() {
    stopped = true;
    if (guides()) guides().stop();
    clearTimeout(retry.timer);
    if (dbPromise) dbPromise.then((db) => db.close()).catch(() => {});
    dbPromise = null;
    state.households = new Map(); state.residents = new Map(); state.residentById = new Map(); state.queue = [];
    whoName.textContent = "";
    view.innerHTML = `<h1>Đã đăng xuất</h1><p>Dữ liệu trên máy này đã được xoá. <a href="${esc(LOGIN)}?next=/hien-truong/">Đăng nhập lại</a></p>`;
  }

  // ---- state -------------------------------------------------------------------------------------
  const state = {
    me: null, households: new Map(), residents: new Map(), residentById: new Map(), skills: [], classes: [], queue: [],
    limits: Object.assign({}, DEFAULT_LIMITS), syncing: false, flash: "",
  };
  const retry = { attempt: 0, timer: null };

  async function loadState() {
    const [meta, limits, households, residents, skills, classes, queue] = await Promise.all([
      idb.get("meta", "me"), idb.get("meta", "limits"), idb.all("households"), idb.all("residents"), idb.all("skills"), idb.all("classes"), idb.all("queue"),
    ]);
    state.me = meta ? meta.value : null;
    state.limits = Object.assign({}, DEFAULT_LIMITS, limits ? limits.value : {});
    whoName.textContent = state.me && state.me.name ? `Đang đăng nhập: ${state.me.name}` : "";
    state.households = new Map(households.map((h) => [h.id, h]));
    state.residentById = new Map(residents.map((r) => [r.id, r]));
    state.residents = new Map();
    for (const r of residents) {
      if (!state.residents.has(r.household)) state.residents.set(r.household, []);
      state.residents.get(r.household).push(r);
    }
    state.skills = skills.sort((a, b) => (b.core - a.core) || a.name.localeCompare(b.name, "vi"));
    state.classes = classes.sort((a, b) => a.held_on.localeCompare(b.held_on));
    state.queue = queue.filter((q) => !state.me || q.user === state.me.id).sort((a, b) => a.created_at.localeCompare(b.created_at));
    updateBadges();
  }

  function updateBadges() {
    const waiting = state.queue.filter((q) => q.state === "pending").length;
    const problems = state.queue.filter((q) => q.state === "rejected" || q.state === "conflict").length;
    syncCount.textContent = waiting || problems ? String(waiting + problems) : "";
    syncCount.setAttribute("aria-label", `${waiting} bản ghi đang chờ, ${problems} bản ghi cần xem lại`);
    const online = navigator.onLine;
    net.className = online ? "net" : "net off";
    net.textContent = (online ? "Đang có mạng." : "Không có mạng — bạn vẫn ghi được, dữ liệu sẽ gửi khi có mạng.")
      + (waiting ? ` ${waiting} bản ghi đang chờ gửi.` : "") + (state.flash ? ` ${state.flash}` : "");
  }

  // ---- talking to the server ---------------------------------------------------------------------
  class AuthError extends Error {}
  class HttpError extends Error { constructor(status) { super(`HTTP ${status}`); this.status = status; } }
  async function api(path, options) {
    const response = await fetch(API + path, Object.assign({ credentials: "same-origin", headers: { Accept: "application/json" } }, options));
    if (response.status === 401 || response.status === 403) throw new AuthError("auth");
    if (!response.ok) throw new HttpError(response.status);
    return response.json();
  }
  const ids = (list) => (Array.isArray(list) ? list.filter((x) => Number.isInteger(x)) : []);

  async function pullAll() {
    const me = await api("me");
    if (!state.me || state.me.id !== me.id) {
      // Another person signed in on this phone: keep nobody else's households or residents.
      await Promise.all(["households", "residents", "skills", "classes"].map((s) => idb.clear(s)));
      await idb.put("meta", [{ key: "me", value: me }, { key: "cursor", value: "" }]);
    } else {
      await idb.put("meta", { key: "me", value: me });
    }
    const saved = await idb.get("meta", "cursor");
    let cursor = saved ? saved.value : "";
    for (let guard = 0; guard < 1000; guard += 1) {
      let page;
      try {
        page = await api(`sync/pull?limit=300&since=${encodeURIComponent(cursor)}`);
      } catch (error) {
        if (!(error instanceof HttpError && error.status === 400 && cursor)) throw error;
        // The server no longer knows this cursor (e.g. a new protocol): start again from nothing, so
        // rows that left the member's scope meanwhile do not linger on the phone.
        await Promise.all(["households", "residents"].map((s) => idb.clear(s)));
        cursor = "";
        continue;
      }
      // A round from scratch (first sync, or the member's villages changed) replaces the phone's copy.
      if (page.reset) await Promise.all(["households", "residents"].map((s) => idb.clear(s)));
      if ((page.skills || []).length) {
        // The first page of each round carries the whole catalogue and the current classes.
        await idb.clear("skills"); await idb.put("skills", page.skills);
        await idb.clear("classes"); await idb.put("classes", page.classes || []);
      }
      if (page.limits && typeof page.limits === "object") {
        await idb.put("meta", { key: "limits", value: Object.assign({}, DEFAULT_LIMITS, page.limits) });
      }
      await idb.put("households", page.households || []);
      const residents = page.residents || [];
      const gone = residents.filter((r) => r.deleted).map((r) => r.id);
      await idb.put("residents", residents.filter((r) => !r.deleted));
      // Tombstones: households that left the member's scope and residents erased or removed.
      const removed = page.removed || {};
      const goneHouseholds = ids(removed.households);
      gone.push(...ids(removed.residents));
      if (goneHouseholds.length) {
        const dropped = new Set(goneHouseholds);
        const all = await idb.all("residents");
        gone.push(...all.filter((r) => dropped.has(r.household)).map((r) => r.id));
        await idb.del("households", goneHouseholds);
      }
      if (gone.length) await idb.del("residents", gone);
      cursor = page.cursor;
      await idb.put("meta", [{ key: "cursor", value: cursor }, { key: "pulled_at", value: new Date().toISOString() }]);
      if (!page.more) break;
    }
  }

  async function pushQueue() {
    const pending = state.queue.filter((q) => q.state === "pending");
    for (let start = 0; start < pending.length; start += PUSH_BATCH) {
      const batch = pending.slice(start, start + PUSH_BATCH);
      const body = JSON.stringify({ records: batch.map((q) => ({ uuid: q.uuid, type: q.type, data: q.data })) });
      const answer = await api("sync/push", {
        method: "POST", body, headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      });
      const updated = batch.map((item, index) => {
        const result = answer.results[index] || {};
        const next = Object.assign({}, item, { synced_at: new Date().toISOString(), errors: result.errors || [] });
        if (result.status === "created" || result.status === "unchanged") next.state = "synced";
        else if (result.status === "conflict") next.state = "conflict";
        else if (result.status === "rejected") next.state = "rejected";
        else next.errors = item.errors; // no answer for it: stays pending, sent again next time
        return next;
      });
      await idb.put("queue", updated);
    }
  }

  function scheduleRetry() {
    clearTimeout(retry.timer);
    const delay = retryDelay(retry.attempt);
    retry.attempt += 1;
    retry.timer = setTimeout(syncNow, delay);
    return delay;
  }

  async function syncNow() {
    if (stopped) return;
    if (state.syncing) { state.again = true; updateBadges(); return; } // a record saved mid-sync goes right after
    clearTimeout(retry.timer);
    state.syncing = true;
    state.flash = "Đang đồng bộ…";
    updateBadges();
    try {
      await pushQueue();
      await pullAll();
      retry.attempt = 0;
      // Signed in and online: check the guides kept for offline use (a 304 while they are current).
      if (guides()) guides().refresh().catch(() => {});
      state.flash = "Đã đồng bộ lúc " + new Date().toLocaleTimeString("vi-VN") + ".";
    } catch (error) {
      if (stopped) return;
      if (error instanceof AuthError) {
        state.flash = "Phiên đăng nhập đã hết: hãy đăng nhập lại để đồng bộ (dữ liệu đang chờ vẫn được giữ trên máy).";
        net.innerHTML = `${esc(state.flash)} <a href="${esc(LOGIN)}?next=/hien-truong/">Đăng nhập</a>`;
      } else {
        // Offline, a dead link, or the server failing: try again on our own, further apart each time.
        const seconds = Math.max(1, Math.round(scheduleRetry() / 1000));
        state.flash = `Chưa đồng bộ được, sẽ tự thử lại sau khoảng ${seconds} giây.`;
      }
    } finally {
      state.syncing = false;
    }
    if (stopped) return;
    await loadState();
    if (state.again) { state.again = false; syncNow(); }
    if (!(net.querySelector("a"))) updateBadges();
    // Never redraw a form the member is filling in; lists and cards pick up the fresh data.
    if (!FORM_ROUTE.test(location.hash)) route();
  }

  // Names of the people and households a record is about, kept with it: the server's answer may come
  // after a pull has deleted them (erased, moved out of scope), and the error must still name them.
  function namesFor(type, data) {
    const residents = {};
    const households = {};
    const person = (id) => { const r = state.residentById.get(id); if (r) residents[id] = r.name; };
    if (type === "visit") {
      const h = state.households.get(data.household);
      if (h) households[h.id] = h.head_name;
      (data.people || []).forEach((p) => person(p.resident));
    } else if (type === "class_attendance") {
      (data.residents || []).forEach(person);
    } else if (type === "resident_left") {
      person(data.resident);
      const r = state.residentById.get(data.resident);
      const h = r && state.households.get(r.household);
      if (h) households[h.id] = h.head_name;
    }
    return { residents, households };
  }

  // A corrected record is a new record (new uuid); the rejected one it replaces goes in the same transaction.
  async function enqueue(type, data, label, replaces) {
    const item = {
      uuid: uuid4(), type, data, label, names: namesFor(type, data), user: state.me ? state.me.id : null,
      state: "pending", errors: [], created_at: new Date().toISOString(),
    };
    if (replaces) item.replaces = replaces.uuid;
    await run("queue", "readwrite", (s) => { s.put(item); if (replaces) s.delete(replaces.uuid); });
    await loadState();
    retry.attempt = 0;
    syncNow();
    return item;
  }

  const lowerFirst = (text) => (/^.\p{Ll}/u.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text);
  // "Người dân Trần Văn A: …" / "Hộ Nguyễn Văn B: …" from the error's ids or the field it names.
  function describeError(item, error) {
    const data = item.data || {};
    const names = item.names || {};
    let resident = Number.isInteger(error.resident) ? error.resident : null;
    let household = Number.isInteger(error.household) ? error.household : null;
    const field = String(error.field || "");
    if (resident == null && household == null) {
      const person = /^people\[(\d+)\]/.exec(field);
      const listed = /^residents\[(\d+)\]/.exec(field);
      if (person && data.people && data.people[person[1]]) resident = data.people[person[1]].resident;
      else if (listed && data.residents) resident = data.residents[listed[1]];
      else if (field === "household" && item.type === "visit") household = data.household;
      else if (item.type === "resident_left" && Number.isInteger(data.resident)) resident = data.resident;
    }
    let who = "";
    if (resident != null) {
      const name = (names.residents || {})[resident] || (state.residentById.get(resident) || {}).name;
      if (name) who = `Người dân ${name}`;
    } else if (household != null) {
      const name = (names.households || {})[household] || (state.households.get(household) || {}).head_name;
      if (name) who = `Hộ ${name}`;
    }
    const message = String(error.message || "Bản ghi không hợp lệ.");
    return who ? `${who}: ${lowerFirst(message)}` : message;
  }

  // ---- who to visit next -------------------------------------------------------------------------
  const coreSkills = () => state.skills.filter((s) => s.core).map((s) => s.code);
  function localVisits(householdId) {
    return state.queue.filter((q) => q.type === "visit" && q.data.household === householdId);
  }
  function priority(h) {
    const reasons = [];
    let score = 0;
    const queued = localVisits(h.id);
    const lastVisit = queued.length ? queued[queued.length - 1].data.visited_at : h.last_visit;
    if (!lastVisit) { score += 100; reasons.push(["Chưa đến lần nào", "due"]); }
    const followUp = queued.length ? queued[queued.length - 1].data.follow_up_on : h.follow_up_on;
    if (followUp && followUp <= todayIso()) { score += 80; reasons.push([`Hẹn quay lại ${showDate(followUp)}`, "due"]); }
    for (const flag of h.flags || []) {
      if (HOUSEHOLD_FLAGS[flag]) { score += HOUSEHOLD_FLAGS[flag][1]; reasons.push([HOUSEHOLD_FLAGS[flag][0], ""]); }
    }
    const core = coreSkills();
    const lacking = (state.residents.get(h.id) || []).filter((r) => core.some((code) => (r.skills || {})[code] !== 2)).length;
    if (lacking) { score += Math.min(15, lacking * 3); reasons.push([`${lacking} người chưa đủ kỹ năng cơ bản`, ""]); }
    return { score, reasons, lastVisit };
  }

  // ---- views -------------------------------------------------------------------------------------
  function render(html, title) {
    view.innerHTML = html;
    document.title = `${title} — Tổ công nghệ số cộng đồng`;
  }

  // "Tuần của tôi": the server's figures for this week (refreshed on every sync) plus what waits on the phone.
  function weekCard() {
    const week = state.me && state.me.week;
    const team = state.me && state.me.team;
    if (!week) return "";
    const q = week.quotas;
    const pending = state.queue.filter((item) => item.state === "pending");
    const waitingVisits = pending.filter((item) => item.type === "visit").length;
    const waitingHours = pending.filter((item) => item.type === "work_time")
      .reduce((sum, item) => sum + (Number(item.data.hours) || 0), 0);
    const mark = (ok) => (ok ? "<strong class=\"ok\">đạt</strong>" : "<strong class=\"behind\">chưa đạt</strong>");
    const hours = (n) => n.toLocaleString("vi-VN", { maximumFractionDigits: 2 });
    const waiting = waitingVisits || waitingHours
      ? `<p class="meta">Chưa gửi: ${waitingVisits} lượt hỗ trợ, ${hours(waitingHours)} giờ — sẽ được tính sau khi đồng bộ.</p>` : "";
    const leader = team && team.leader
      ? `Tổ trưởng ${esc(team.leader.name)}${team.leader.phone ? ` — <a href="tel:${esc(team.leader.phone)}">${esc(team.leader.phone)}</a>` : ""}` : "";
    const teamPhone = team && team.phone ? ` · Điện thoại của tổ: <a href="tel:${esc(team.phone)}">${esc(team.phone)}</a>` : "";
    return `<section class="card" aria-labelledby="tuan-cua-toi"><h2 id="tuan-cua-toi">Tuần của tôi (${showDate(week.from)} – ${showDate(week.to)})</h2>
      <ul class="plain">
        <li>Hộ tôi phụ trách: ${week.households}/${q.households} ${mark(week.households >= q.households)}</li>
        <li>Hộ đã đến tuần này: ${week.households_visited} · lượt hỗ trợ: ${week.visits} · người được hướng dẫn: ${week.people_guided}</li>
        <li>Giờ làm việc: ${hours(week.hours)} giờ; ngày đủ ${hours(q.hours_per_day)} giờ: ${week.full_days}/${q.days_per_week} ${mark(week.full_days >= q.days_per_week)}</li>
        ${week.follow_ups_due ? `<li>Hộ đến hẹn quay lại: ${week.follow_ups_due}</li>` : ""}
      </ul>${waiting}
      ${team ? `<p class="meta">${esc(team.name)}${team.village && !team.name.includes(team.village) ? ` (${esc(team.village)})` : ""}. ${leader}${teamPhone}</p>` : ""}</section>`;
  }

  function renderHome(params) {
    const query = fold(params.get("q") || "");
    let rows = Array.from(state.households.values());
    if (query) rows = rows.filter((h) => fold(`${h.head_name} ${h.address} ${h.number}`).includes(query)
      || (state.residents.get(h.id) || []).some((r) => fold(r.name).includes(query)));
    const ranked = rows.map((h) => Object.assign({ p: priority(h) }, h))
      .sort((a, b) => (b.assigned_to_me - a.assigned_to_me) || (b.p.score - a.p.score) || fold(a.head_name).localeCompare(fold(b.head_name)));
    const empty = state.households.size === 0
      ? "<p>Chưa có dữ liệu trên máy. Hãy mở ứng dụng khi có mạng một lần để tải danh sách hộ.</p>" : "";
    const items = ranked.slice(0, 200).map((h) => `
      <li><a class="title" href="#/ho/${h.id}">${esc(h.head_name)}</a>
        <div class="meta">${esc(h.address)}${h.assigned_to_me ? " · hộ tôi phụ trách" : ""}${h.p.lastVisit ? ` · lần gần nhất ${showDate(h.p.lastVisit)}` : ""}</div>
        <ul class="tags">${h.p.reasons.map(([text, cls]) => `<li class="tag ${cls}">${esc(text)}</li>`).join("")}</ul></li>`).join("");
    render(`<h1>Hộ cần đến</h1>${warningsCard()}${weekCard()}
      <form id="search" role="search" class="row"><div><label for="q">Tìm hộ hoặc người (có dấu hay không dấu đều được)</label>
        <input id="q" name="q" type="search" value="${esc(params.get("q") || "")}" autocomplete="off"></div>
        <button type="submit" class="secondary">Tìm</button></form>
      <p class="meta">${ranked.length} hộ · xếp theo: hộ tôi phụ trách, chưa đến, đến hẹn, nhóm ưu tiên, thiếu kỹ năng cơ bản.</p>
      ${empty}<ul class="list">${items}</ul>`, "Hộ cần đến");
    document.getElementById("search").addEventListener("submit", (event) => {
      event.preventDefault();
      location.hash = `#/?q=${encodeURIComponent(document.getElementById("q").value)}`;
    });
    view.querySelectorAll("[data-share]").forEach((b) => b.addEventListener("click", () => shareWarning(Number(b.dataset.share))));
  }

  // ---- scam warnings and reports -----------------------------------------------------------------
  // The commune's current warnings come with /api/v1/me (kept in IndexedDB, so they show offline too).
  const currentWarnings = () => (state.me && Array.isArray(state.me.warnings) ? state.me.warnings : []);
  const webLink = (url) => (/^https?:\/\//.test(String(url || "")) ? String(url) : "");

  function warningsCard() {
    const warnings = currentWarnings();
    const items = warnings.map((w) => {
      const link = webLink(w.guide_url);
      return `<li class="scam-warning"><h3>${esc(w.title)}</h3><p>${esc(w.text)}</p>
        <p class="meta">${esc(w.pretext_label)} · đăng ${showDate(w.published_on)}${link ? ` · <a href="${esc(link)}">Xem hướng dẫn phòng tránh</a>` : ""}</p>
        <div class="actions"><button type="button" data-share="${esc(w.id)}">Chia sẻ Zalo<span class="vh"> — ${esc(w.title)}</span></button></div>
        <p class="meta" id="share-note-${esc(w.id)}" role="status"></p></li>`;
    }).join("");
    return `<section class="card scam-card" aria-labelledby="canh-bao"><h2 id="canh-bao">Cảnh báo lừa đảo của xã</h2>
      ${items ? `<ul class="plain">${items}</ul>` : "<p class=\"meta\">Chưa có cảnh báo nào.</p>"}
      <div class="actions"><a class="button secondary" href="#/lua-dao">Báo lừa đảo</a></div></section>`;
  }

  // Share to the village's Zalo group: the phone's share sheet when there is one, else the clipboard,
  // else the text shown selected so it can be copied by hand. The text ends with the guide's link.
  async function shareWarning(id) {
    const w = currentWarnings().find((x) => x.id === id);
    const note = document.getElementById(`share-note-${id}`);
    if (!w || !note) return;
    const text = String(w.share_text || "");
    if (navigator.share) {
      try {
        await navigator.share({ title: w.title, text });
        note.textContent = "Đã mở chia sẻ: chọn Zalo rồi chọn nhóm của thôn.";
        return;
      } catch (error) {
        if (error && error.name === "AbortError") return; // the member closed the share sheet
      }
    }
    try {
      await navigator.clipboard.writeText(text);
      note.textContent = "Đã chép nội dung cảnh báo và đường link. Hãy mở nhóm Zalo của thôn và dán vào.";
    } catch (error) {
      note.innerHTML = `Hãy chép đoạn dưới đây rồi dán vào nhóm Zalo của thôn.<textarea class="share-copy" readonly rows="5" aria-label="Nội dung cảnh báo để chép">${esc(text)}</textarea>`;
      const box = note.querySelector("textarea");
      box.focus(); box.select();
    }
  }

  // "1.500.000", "1 500 000", "200000đ" → a whole number of đồng; "" → null; NaN when it is not one.
  function parseAmount(text) {
    const value = nfc(text).trim().toLowerCase().replace(/(đồng|đ|vnd)$/, "").replace(/[.,\s\u00a0]/g, "");
    if (!value) return null;
    if (!/^\d{1,12}$/.test(value)) return NaN;
    const n = Number(value);
    return n <= SCAM_MAX_AMOUNT ? n : NaN;
  }

  function scamErrors(day, channel, pretext, amountText, description) {
    const errors = {};
    if (!channel) errors.channel = "Hãy chọn kẻ gian liên lạc qua đâu.";
    if (!pretext) errors.pretext = "Hãy chọn thủ đoạn trong danh sách (hoặc “Khác”).";
    if (!day) errors.happened_on = "Hãy nhập ngày xảy ra.";
    else if (!validDay(day)) errors.happened_on = "Ngày phải theo dạng ngày/tháng/năm có thật.";
    else if (day > todayIso()) errors.happened_on = "Ngày xảy ra không được ở tương lai.";
    else if (day < daysAgoIso(SCAM_MAX_AGE_DAYS)) errors.happened_on = "Chỉ nhận tin báo về việc xảy ra trong một năm gần đây.";
    if (Number.isNaN(parseAmount(amountText))) errors.amount_lost = "Số tiền bị mất phải là số nguyên từ 0 đến 100.000.000.000 đồng.";
    if (description.length > SCAM_MAX_DESCRIPTION) errors.description = "Mô tả tối đa 2.000 ký tự.";
    return errors;
  }

  // The villages the member works in (from /api/v1/me): one is sent as is, several are offered.
  function myVillages() {
    const roles = (state.me && state.me.roles) || [];
    const seen = new Map();
    for (const r of roles) if ((r.kind === "member" || r.kind === "team_leader") && Number.isInteger(r.place)) seen.set(r.place, r.place_name);
    return Array.from(seen, ([id, name]) => ({ id, name }));
  }

  // A scam attempt a resident told the member about: queued like a visit, works with no network.
  function renderScamForm(item) {
    const before = item ? item.data : {};
    const villages = myVillages();
    const title = item ? "Sửa tin báo lừa đảo" : "Báo lừa đảo";
    const villageField = villages.length > 1
      ? `<label for="scam-village">Thôn</label><select id="scam-village">${options([["", "— Không rõ —"]].concat(villages.map((v) => [String(v.id), v.name])), before.village != null ? String(before.village) : "")}</select>`
      : villages.length === 1 ? `<p class="meta">Thôn: ${esc(villages[0].name)}</p>` : "";
    const amountBefore = before.amount_lost ? String(before.amount_lost).replace(/\B(?=(\d{3})+(?!\d))/g, ".") : "";
    render(`<h1>${title}</h1>${correctionNote(item)}
      <p>Ghi lại cuộc gọi, tin nhắn, đường link lừa đảo mà bà con gặp, để xã cảnh báo cả thôn. Không ghi tên, số điện thoại của người bị lừa.</p>
      <form id="scam" novalidate>
        <fieldset><legend>Kẻ gian liên lạc qua đâu?</legend>
          ${SCAM_CHANNELS.map(([value, label]) => `<label class="check"><input type="radio" name="channel" value="${value}"${value === before.channel ? " checked" : ""}> ${esc(label)}</label>`).join("")}
          <p class="error" id="err-channel" role="alert" hidden></p></fieldset>
        <label for="pretext">Thủ đoạn</label>
        <select id="pretext">${options([["", "— Chọn thủ đoạn —"]].concat(SCAM_PRETEXTS), before.pretext || "")}</select>
        <p class="error" id="err-pretext" role="alert" hidden></p>
        <label for="happened_on">Ngày xảy ra</label>
        <input id="happened_on" type="date" value="${esc(before.happened_on || todayIso())}" min="${daysAgoIso(SCAM_MAX_AGE_DAYS)}" max="${todayIso()}">
        <p class="error" id="err-happened_on" role="alert" hidden></p>
        <label for="amount_lost">Số tiền bị mất (đồng, để trống nếu không mất)</label>
        <input id="amount_lost" type="text" inputmode="numeric" autocomplete="off" value="${esc(amountBefore)}">
        <p class="error" id="err-amount_lost" role="alert" hidden></p>
        ${villageField}
        <label for="description">Mô tả ngắn (số điện thoại, đường link của kẻ gian…)</label>
        <textarea id="description" rows="3" maxlength="${SCAM_MAX_DESCRIPTION}">${esc(before.description || "")}</textarea>
        <p class="error" id="err-description" role="alert" hidden></p>
        <div class="actions"><button type="submit">${item ? "Lưu và gửi lại" : "Lưu tin báo"}</button>
          <a class="button secondary" href="${item ? "#/dong-bo" : "#/"}">Huỷ</a></div>
      </form>`, title);
    const form = document.getElementById("scam");
    form.addEventListener("change", (event) => { if (event.target.name === "channel") fail("channel", ""); else if (event.target.id === "pretext") fail("pretext", ""); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = form.querySelector("input[name=channel]:checked");
      const channel = chosen ? chosen.value : "";
      const pretext = document.getElementById("pretext").value;
      const day = document.getElementById("happened_on").value;
      const amountText = document.getElementById("amount_lost").value;
      const description = nfc(document.getElementById("description").value).trim();
      const errors = scamErrors(day, channel, pretext, amountText, description);
      let ok = true;
      for (const name of ["channel", "pretext", "happened_on", "amount_lost", "description"]) ok = fail(name, errors[name] || "") && ok;
      if (!ok) { firstError(form); return; }
      const data = { happened_on: day, channel, pretext, amount_lost: parseAmount(amountText) };
      const picker = document.getElementById("scam-village");
      if (picker && picker.value) data.village = Number(picker.value);
      else if (villages.length === 1) data.village = villages[0].id;
      if (description) data.description = description;
      const label = (SCAM_PRETEXTS.find(([v]) => v === pretext) || [pretext, pretext])[1];
      await enqueue("scam_report", data, `${label}, ngày ${showDate(day)}`, item);
      state.flash = item ? "Đã lưu bản sửa, đang gửi lại." : "Đã lưu tin báo lừa đảo trên máy.";
      location.hash = "#/dong-bo";
    });
  }

  function residentLine(r) {
    const status = r.status || {};
    const facts = [];
    if (status.vneid_level != null) facts.push(status.vneid_level ? `VNeID mức ${status.vneid_level}` : "Chưa có VNeID");
    if (status.smartphone != null) facts.push(status.smartphone ? "Có điện thoại thông minh" : "Chưa có điện thoại thông minh");
    const mastered = Object.values(r.skills || {}).filter((v) => v === 2).length;
    return `${esc(r.name)} <span class="meta">(${esc(r.birth_year || "?")}) · ${facts.map(esc).join(" · ")}${mastered ? ` · thành thạo ${mastered} kỹ năng` : ""}</span>`;
  }

  // The latest departure recorded on this phone for a resident that is not yet confirmed by a pull.
  function leavingRecord(residentId) {
    const open = state.queue.filter((q) => q.type === "resident_left" && q.data.resident === residentId && q.state !== "synced");
    return open.length ? open[open.length - 1] : null;
  }
  const reasonLabel = (value) => (LEFT_REASONS.find(([v]) => v === value) || [value, value])[1];

  // Under each person: "Báo rời sổ", or the departure waiting on the phone (pending / refused).
  function leavingLine(householdId, r) {
    const q = leavingRecord(r.id);
    if (!q) {
      return `<div class="actions"><a class="button secondary" href="#/ho/${householdId}/roi/${r.id}">Báo rời sổ<span class="vh"> — ${esc(r.name)}</span></a></div>`;
    }
    const what = `Báo rời sổ: ${esc(reasonLabel(q.data.reason))}, ngày ${showDate(q.data.left_on)}`;
    const fix = q.state === "pending" ? ""
      : ` <a href="#/sua/${esc(q.uuid)}">Sửa và gửi lại<span class="vh"> báo rời sổ của ${esc(r.name)}</span></a>`;
    return `<p class="leaving">${what} · <span class="state-${q.state}">${STATE_LABELS[q.state]}</span>${fix}</p>`;
  }

  function leftErrors(day, reason) {
    const errors = {};
    if (!reason) errors.reason = "Hãy chọn lý do rời sổ.";
    if (!day) errors.left_on = "Hãy nhập ngày rời sổ.";
    else if (!validDay(day)) errors.left_on = "Ngày phải theo dạng ngày/tháng/năm có thật.";
    else if (day > todayIso()) errors.left_on = "Ngày rời sổ không được ở tương lai.";
    else if (day < daysAgoIso(LEFT_MAX_AGE_DAYS)) errors.left_on = "Ngày rời sổ đã quá một năm; hãy nhờ cán bộ xã ghi trực tiếp.";
    return errors;
  }

  // A resident moved away, died, or left with a split, merge or duplicate: queued like a visit.
  function renderLeftForm(householdId, residentId, item) {
    const r = state.residentById.get(residentId);
    const h = r && state.households.get(r.household);
    if (!r || !h || (!item && r.household !== householdId)) {
      if (!item) return renderHousehold(householdId);
      const name = (item.names && item.names.residents && item.names.residents[residentId]) || "";
      return render(`<h1>Không sửa được bản ghi</h1>${correctionNote(item)}
        <p>Người dân ${esc(name)} không còn trong phạm vi của bạn trên máy này, nên không thể gửi lại báo rời sổ này.
        Bạn có thể bỏ bản ghi ở mục <a href="#/dong-bo">Đồng bộ</a>.</p>`, "Không sửa được bản ghi");
    }
    const before = item ? item.data : {};
    const title = item ? "Sửa báo rời sổ" : "Báo rời sổ";
    render(`<h1>${title}: ${esc(r.name)}</h1>
      <p class="meta">Hộ ${esc(h.head_name)} · năm sinh ${esc(r.birth_year || "?")}</p>
      ${correctionNote(item)}
      <p>Từ ngày rời sổ, người này không còn được tính vào các chỉ tiêu và sẽ không còn trong danh sách trên máy sau khi đồng bộ.</p>
      <form id="leave" novalidate>
        <fieldset><legend>Lý do rời sổ</legend>
          ${LEFT_REASONS.map(([value, label]) => `<label class="check"><input type="radio" name="reason" value="${value}"${value === before.reason ? " checked" : ""}> ${esc(label)}</label>`).join("")}
          <p class="error" id="err-reason" role="alert" hidden></p></fieldset>
        <label for="left_on">Ngày rời sổ</label>
        <input id="left_on" type="date" value="${esc(before.left_on || todayIso())}" min="${daysAgoIso(LEFT_MAX_AGE_DAYS)}" max="${todayIso()}">
        <p class="error" id="err-left_on" role="alert" hidden></p>
        <div class="actions"><button type="submit">${item ? "Lưu và gửi lại" : "Lưu báo rời sổ"}</button>
          <a class="button secondary" href="${item ? "#/dong-bo" : `#/ho/${h.id}`}">Huỷ</a></div>
      </form>`, `${title} — ${r.name}`);
    const form = document.getElementById("leave");
    // A fixed field loses its old error at once.
    const clear = (event) => { if (event.target.name === "reason") fail("reason", ""); else if (event.target.id === "left_on") fail("left_on", ""); };
    form.addEventListener("change", clear);
    form.addEventListener("input", clear);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = event.target.querySelector("input[name=reason]:checked");
      const reason = chosen ? chosen.value : "";
      const day = document.getElementById("left_on").value;
      const errors = leftErrors(day, reason);
      const ok = fail("reason", errors.reason || "") & fail("left_on", errors.left_on || "");
      if (!ok) { firstError(event.target); return; }
      await enqueue("resident_left", { resident: r.id, left_on: day, reason }, `Rời sổ: ${r.name} (hộ ${h.head_name})`, item);
      state.flash = item ? "Đã lưu bản sửa, đang gửi lại." : `Đã lưu báo rời sổ của ${r.name} trên máy.`;
      location.hash = item ? "#/dong-bo" : `#/ho/${h.id}`;
    });
  }

  function renderHousehold(id) {
    const h = state.households.get(id);
    if (!h) return render("<h1>Không tìm thấy hộ</h1><p>Hộ này không có trên máy. <a href=\"#/\">Quay lại</a></p>", "Không tìm thấy hộ");
    const people = state.residents.get(id) || [];
    const visits = localVisits(id);
    render(`<h1>Hộ ${esc(h.head_name)}</h1>
      <p class="meta">${esc(h.address)}${h.number ? ` · số hộ ${esc(h.number)}` : ""}${h.phone ? ` · <a href="tel:${esc(h.phone)}">${esc(h.phone)}</a>` : ""}</p>
      <ul class="tags">${priority(h).reasons.map(([t, c]) => `<li class="tag ${c}">${esc(t)}</li>`).join("")}</ul>
      <div class="actions"><a class="button" href="#/ho/${id}/ghi">Ghi lượt hỗ trợ</a></div>
      <h2>Người trong hộ</h2><ul class="list">${people.map((r) => `<li>${residentLine(r)}${leavingLine(id, r)}</li>`).join("") || "<li>Chưa có ai trong sổ.</li>"}</ul>
      <h2>Lượt hỗ trợ ghi trên máy này</h2>
      <ul class="list">${visits.map((q) => `<li>${showDate(q.data.visited_at)} · ${q.data.minutes} phút · <span class="state-${q.state}">${STATE_LABELS[q.state]}</span></li>`).join("") || "<li>Chưa có.</li>"}</ul>
      ${h.last_visit ? `<p class="meta">Lần hỗ trợ gần nhất đã đồng bộ: ${showDate(h.last_visit)}</p>` : ""}`, `Hộ ${h.head_name}`);
  }

  function options(pairs, selected) {
    return pairs.map(([value, label]) => `<option value="${esc(value)}"${value === selected ? " selected" : ""}>${esc(label)}</option>`).join("");
  }

  function personSection(r) {
    const skillSelect = (s) => {
      const id = `sk-${r.id}-${s.code}`;
      const known = (r.skills || {})[s.code];
      return `<div class="skill"><label for="${id}" class="check">${esc(s.name)}${known === 2 ? " <span class=\"meta\">(đã thành thạo)</span>" : ""}</label>
        <select id="${id}" data-resident="${r.id}" data-skill="${esc(s.code)}">${options([["", "— Không hướng dẫn"], ["guided", "Đã hướng dẫn"], ["mastered", "Tự làm được"]], "")}</select></div>`;
    };
    const core = state.skills.filter((s) => s.core);
    const others = state.skills.filter((s) => !s.core);
    const status = STATUS_FIELDS.map(([field, label, values]) => `<div><label for="st-${r.id}-${field}">${esc(label)}</label>
      <select id="st-${r.id}-${field}" data-resident="${r.id}" data-status="${field}">${options([["", "— Không ghi"]].concat(values), "")}</select></div>`).join("");
    return `<fieldset class="person" id="person-${r.id}" hidden><legend>${esc(r.name)}</legend>
      <div class="skills">${core.map(skillSelect).join("")}</div>
      <details><summary>Kỹ năng khác (${others.length})</summary><div class="skills">${others.map(skillSelect).join("")}</div></details>
      <div class="status-grid">${status}</div></fieldset>`;
  }

  // Shown at the top of a form opened to correct a record the server refused.
  function correctionNote(item) {
    if (!item) return "";
    const reasons = (item.errors || []).map((e) => `<li>${esc(describeError(item, e))}</li>`).join("");
    return `<div class="card problem" role="alert"><p><strong>Máy chủ đã từ chối bản ghi này.</strong> Hãy sửa rồi lưu để gửi lại
      (bản ghi sửa được gửi như một bản ghi mới).</p>${reasons ? `<ul>${reasons}</ul>` : ""}</div>`;
  }
  const fail = (field, message) => {
    const p = document.getElementById(`err-${field}`);
    p.textContent = message; p.hidden = !message;
    return !message;
  };
  const firstError = (form) => { const e = form.querySelector(".error:not([hidden])"); if (e) e.scrollIntoView({ block: "center" }); };

  function renderVisitForm(id, item) {
    const h = state.households.get(id);
    if (!h && item) {
      return render(`<h1>Không sửa được bản ghi</h1>${correctionNote(item)}
        <p>Hộ ${esc((item.names && item.names.households && item.names.households[id]) || "")} không còn trong phạm vi của bạn trên máy này, nên không thể gửi lại lượt hỗ trợ này.
        Bạn có thể bỏ bản ghi ở mục <a href="#/dong-bo">Đồng bộ</a>.</p>`, "Không sửa được bản ghi");
    }
    if (!h) return renderHousehold(id);
    const people = state.residents.get(id) || [];
    const before = item ? item.data : {};
    const present = new Map((before.people || []).map((p) => [p.resident, p]));
    const missing = Array.from(present.keys()).filter((rid) => !people.some((r) => r.id === rid))
      .map((rid) => (item.names && item.names.residents && item.names.residents[rid]) || `#${rid}`);
    const evidenceBefore = (() => {
      for (const p of present.values()) for (const v of Object.values(p.status || {})) if (v && v.evidence) return v.evidence;
      return "seen";
    })();
    render(`<h1>${item ? "Sửa lượt hỗ trợ" : "Ghi lượt hỗ trợ"}: hộ ${esc(h.head_name)}</h1>
      ${correctionNote(item)}
      ${missing.length ? `<p class="meta">Không còn trong hộ trên máy, đã bỏ khỏi bản ghi: ${missing.map(esc).join(", ")}.</p>` : ""}
      <form id="visit" novalidate>
        <fieldset><legend>Ai có mặt?</legend>
          ${people.map((r) => `<label class="check"><input type="checkbox" name="present" value="${r.id}"${present.has(r.id) ? " checked" : ""}> ${esc(r.name)} (${esc(r.birth_year || "?")})</label>`).join("")}
          <p class="error" id="err-people" role="alert" hidden></p></fieldset>
        ${people.map(personSection).join("")}
        <label for="evidence">Các thông tin trên, bạn biết bằng cách nào?</label>
        <select id="evidence">${options([["seen", "Tôi đã xem trên điện thoại của người dân"], ["told", "Người dân kể lại"]], evidenceBefore)}</select>
        ${item ? `<label for="visited_at">Thời điểm hỗ trợ</label><input id="visited_at" type="datetime-local" value="${esc(before.visited_at ? localInput(before.visited_at) : "")}">
          <p class="error" id="err-visited_at" role="alert" hidden></p>` : ""}
        <div class="row"><div><label for="minutes">Số phút</label><input id="minutes" type="number" inputmode="numeric" min="1" max="600" value="${esc(before.minutes || 15)}"></div>
          <div><label for="channel">Hình thức</label><select id="channel">${options(CHANNELS, before.channel || "door")}</select></div></div>
        <div class="row quick" role="group" aria-label="Chọn nhanh số phút">${[10, 15, 20, 30].map((m) => `<button type="button" class="secondary" data-minutes="${m}">${m} phút</button>`).join("")}</div>
        <p class="error" id="err-minutes" role="alert" hidden></p>
        <label for="follow_up">Hẹn quay lại (không bắt buộc)</label><input id="follow_up" type="date" min="${todayIso()}" value="${esc(before.follow_up_on || "")}">
        <p class="error" id="err-follow_up" role="alert" hidden></p>
        <label for="notes">Ghi chú</label><textarea id="notes" rows="2" maxlength="2000">${esc(before.notes || "")}</textarea>
        <div class="actions"><button type="submit">${item ? "Lưu và gửi lại" : "Lưu lượt hỗ trợ"}</button><a class="button secondary" href="${item ? "#/dong-bo" : `#/ho/${id}`}">Huỷ</a></div>
      </form>`, `${item ? "Sửa" : "Ghi"} lượt hỗ trợ — ${h.head_name}`);
    const form = document.getElementById("visit");
    for (const [rid, p] of present) {
      const section = document.getElementById(`person-${rid}`);
      if (!section) continue;
      section.hidden = false;
      for (const s of p.skills || []) {
        const select = form.querySelector(`select[data-resident="${rid}"][data-skill="${CSS.escape(String(s.skill))}"]`);
        if (select) select.value = s.outcome;
      }
      for (const [field, v] of Object.entries(p.status || {})) {
        const select = form.querySelector(`select[data-resident="${rid}"][data-status="${CSS.escape(field)}"]`);
        if (select) select.value = String(Number(v && typeof v === "object" ? v.value : v));
      }
    }
    form.addEventListener("change", (event) => {
      if (event.target.name === "present") document.getElementById(`person-${event.target.value}`).hidden = !event.target.checked;
    });
    form.querySelectorAll("[data-minutes]").forEach((b) => b.addEventListener("click", () => { document.getElementById("minutes").value = b.dataset.minutes; }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = Array.from(form.querySelectorAll("input[name=present]:checked")).map((i) => Number(i.value));
      const minutes = Number(document.getElementById("minutes").value);
      const followUp = document.getElementById("follow_up").value;
      let visitedAt = nowWithOffset();
      let ok = true;
      const when = document.getElementById("visited_at");
      if (when) {
        const d = new Date(when.value);
        const problem = !when.value || Number.isNaN(d.getTime()) ? "Hãy nhập thời điểm hỗ trợ."
          : d.getTime() > Date.now() + VISIT_CLOCK_SKEW_MS ? "Thời điểm không được ở tương lai. Hãy kiểm tra ngày giờ trên điện thoại."
            : d.getTime() < Date.now() - VISIT_MAX_AGE_DAYS * 86400000 ? "Thời điểm đã quá một năm; hãy nhờ cán bộ xã nhập trực tiếp." : "";
        ok = fail("visited_at", problem) && ok;
        if (!problem) visitedAt = withOffset(d);
      }
      const visitDay = visitedAt.slice(0, 10);
      ok = fail("people", chosen.length ? "" : "Hãy chọn ít nhất một người được hỗ trợ.") && ok;
      ok = fail("minutes", Number.isInteger(minutes) && minutes >= 1 && minutes <= 600 ? "" : "Số phút phải là số nguyên từ 1 đến 600.") && ok;
      ok = fail("follow_up", !followUp || (followUp >= visitDay && followUp >= (item ? visitDay : todayIso())) ? ""
        : (item ? "Ngày hẹn quay lại phải sau ngày hỗ trợ." : "Ngày hẹn quay lại phải từ hôm nay trở đi.")) && ok;
      if (!ok) { firstError(form); return; }
      const evidence = document.getElementById("evidence").value;
      const data = {
        household: id, visited_at: visitedAt, minutes, channel: document.getElementById("channel").value,
        people: chosen.map((rid) => {
          const skills = Array.from(form.querySelectorAll(`select[data-resident="${rid}"][data-skill]`)).filter((s) => s.value)
            .map((s) => ({ skill: s.dataset.skill, outcome: s.value }));
          const status = {};
          form.querySelectorAll(`select[data-resident="${rid}"][data-status]`).forEach((s) => {
            if (s.value !== "") status[s.dataset.status] = { value: Number(s.value), evidence };
          });
          return { resident: rid, skills, status };
        }),
      };
      if (followUp) data.follow_up_on = followUp;
      const notes = nfc(document.getElementById("notes").value).trim();
      if (notes) data.notes = notes;
      await enqueue("visit", data, `Lượt hỗ trợ hộ ${h.head_name}`, item);
      state.flash = item ? "Đã lưu bản sửa, đang gửi lại." : "Đã lưu lượt hỗ trợ trên máy.";
      location.hash = item ? "#/dong-bo" : `#/ho/${id}`;
    });
  }

  function renderClasses() {
    render(`<h1>Buổi học</h1><p>Chọn buổi học để điểm danh.</p>
      <ul class="list">${state.classes.map((c) => `<li><a class="title" href="#/lop/${c.id}">${esc(c.title)}</a><div class="meta">${showDate(c.held_on)}</div></li>`).join("") || "<li>Chưa có buổi học nào sắp tới.</li>"}</ul>`, "Buổi học");
  }

  function renderAttendance(id, params, item) {
    const c = state.classes.find((x) => x.id === id);
    if (!c) return render(`<h1>Không tìm thấy buổi học</h1>${correctionNote(item)}<p><a href="${item ? "#/dong-bo" : "#/lop"}">Quay lại</a></p>`, "Không tìm thấy buổi học");
    const query = fold(params.get("q") || "");
    const before = new Set(item ? item.data.residents || [] : []);
    const everyone = Array.from(state.residents.values()).flat().filter((r) => before.has(r.id) || !query || fold(r.name).includes(query))
      .sort((a, b) => (before.has(b.id) - before.has(a.id)) || fold(a.name).localeCompare(fold(b.name))).slice(0, 150 + before.size);
    const here = item ? `#/sua/${item.uuid}` : `#/lop/${id}`;
    render(`<h1>${item ? "Sửa điểm danh" : "Điểm danh"}: ${esc(c.title)}</h1><p class="meta">${showDate(c.held_on)}</p>
      ${correctionNote(item)}
      <form id="find" role="search" class="row"><div><label for="q">Tìm người tham dự</label><input id="q" type="search" value="${esc(params.get("q") || "")}"></div>
        <button type="submit" class="secondary">Tìm</button></form>
      <form id="attend" novalidate><fieldset><legend>Người tham dự</legend>
        ${everyone.map((r) => `<label class="check"><input type="checkbox" name="who" value="${r.id}"${before.has(r.id) ? " checked" : ""}> ${esc(r.name)} (${esc(r.birth_year || "?")})</label>`).join("")}</fieldset>
        <p class="error" id="err-who" role="alert" hidden></p>
        <div class="actions"><button type="submit">${item ? "Lưu và gửi lại" : "Lưu điểm danh"}</button></div></form>`, `${item ? "Sửa điểm danh" : "Điểm danh"} — ${c.title}`);
    document.getElementById("find").addEventListener("submit", (event) => {
      event.preventDefault();
      location.hash = `${here}?q=${encodeURIComponent(nfc(document.getElementById("q").value))}`;
    });
    document.getElementById("attend").addEventListener("submit", async (event) => {
      event.preventDefault();
      const who = Array.from(event.target.querySelectorAll("input[name=who]:checked")).map((i) => Number(i.value));
      if (!fail("who", who.length ? "" : "Hãy chọn ít nhất một người tham dự.")) return;
      await enqueue("class_attendance", { class: id, residents: who }, `Điểm danh ${c.title}`, item);
      state.flash = `Đã lưu điểm danh ${who.length} người.`;
      location.hash = "#/dong-bo";
    });
  }

  // The same rules as the server: a day not in the future nor older than the commune allows, and
  // no more than the daily maximum in total for this member (entries already on the phone + this one).
  function workTimeErrors(day, hoursText, replacing) {
    const errors = {};
    const maxAge = Number(state.limits.work_time_max_age_days) || DEFAULT_LIMITS.work_time_max_age_days;
    const maxDaily = Number(state.limits.work_time_max_daily_hours) || DEFAULT_LIMITS.work_time_max_daily_hours;
    if (!day) errors.day = "Hãy nhập ngày làm việc.";
    else if (!validDay(day)) errors.day = "Ngày phải theo dạng ngày/tháng/năm có thật.";
    else if (day > todayIso()) errors.day = "Ngày làm việc không được ở tương lai.";
    else if (day < daysAgoIso(maxAge)) errors.day = `Chỉ ghi được thời gian hoạt động trong ${maxAge} ngày gần đây.`;
    const hours = parseHours(hoursText);
    if (Number.isNaN(hours)) errors.hours = "Số giờ phải là một số, ví dụ 4 hoặc 4,5.";
    else if (hours < MIN_WORK_HOURS || hours > maxDaily) errors.hours = `Số giờ trong một ngày phải từ ${showNumber(MIN_WORK_HOURS)} đến ${showNumber(maxDaily)}.`;
    else if (!errors.day) {
      const already = state.queue
        .filter((q) => q.type === "work_time" && q.uuid !== (replacing && replacing.uuid) && (q.state === "pending" || q.state === "synced") && q.data.date === day)
        .reduce((sum, q) => sum + Number(q.data.hours || 0), 0);
      if (already + hours > maxDaily) {
        errors.hours = `Ngày ${showDate(day)} đã có ${showNumber(already)} giờ; thêm ${showNumber(hours)} giờ sẽ quá ${showNumber(maxDaily)} giờ một ngày.`;
      }
    }
    return { errors, hours };
  }

  function renderWorkTime(item) {
    const before = item ? item.data : {};
    const maxAge = Number(state.limits.work_time_max_age_days) || DEFAULT_LIMITS.work_time_max_age_days;
    render(`<h1>${item ? "Sửa giờ làm việc" : "Giờ làm việc"}</h1>${correctionNote(item)}<p>Kế hoạch: ít nhất 4 giờ mỗi ngày, 2 ngày mỗi tuần.</p>
      <form id="work" novalidate>
        <label for="day">Ngày</label><input id="day" type="date" value="${esc(before.date || todayIso())}" min="${daysAgoIso(maxAge)}" max="${todayIso()}">
        <p class="error" id="err-day" role="alert" hidden></p>
        <label for="hours">Số giờ (ví dụ 4 hoặc 4,5)</label><input id="hours" type="text" inputmode="decimal" autocomplete="off" value="${esc(before.hours != null ? showNumber(before.hours) : "4")}">
        <p class="error" id="err-hours" role="alert" hidden></p>
        <label for="note">Ghi chú</label><input id="note" type="text" maxlength="200" value="${esc(before.note || "")}">
        <div class="actions"><button type="submit">${item ? "Lưu và gửi lại" : "Lưu giờ làm"}</button></div></form>`, item ? "Sửa giờ làm việc" : "Giờ làm việc");
    document.getElementById("work").addEventListener("submit", async (event) => {
      event.preventDefault();
      const day = document.getElementById("day").value;
      const { errors, hours } = workTimeErrors(day, document.getElementById("hours").value, item);
      const ok = fail("day", errors.day || "") & fail("hours", errors.hours || "");
      if (!ok) { firstError(event.target); return; }
      const note = nfc(document.getElementById("note").value).trim();
      await enqueue("work_time", Object.assign({ date: day, hours }, note ? { note } : {}), `Giờ làm việc ngày ${showDate(day)}`, item);
      state.flash = "Đã lưu giờ làm.";
      location.hash = "#/dong-bo";
    });
  }

  function renderCorrection(uuid, params) {
    const item = state.queue.find((q) => q.uuid === uuid && (q.state === "rejected" || q.state === "conflict"));
    if (!item) return render("<h1>Không tìm thấy bản ghi</h1><p>Bản ghi này không còn cần sửa. <a href=\"#/dong-bo\">Về mục Đồng bộ</a></p>", "Không tìm thấy bản ghi");
    if (item.type === "visit") return renderVisitForm(item.data.household, item);
    if (item.type === "class_attendance") return renderAttendance(item.data.class, params, item);
    if (item.type === "scam_report") return renderScamForm(item);
    if (item.type === "resident_left") {
      const r = state.residentById.get(item.data.resident);
      return renderLeftForm(r ? r.household : null, item.data.resident, item);
    }
    return renderWorkTime(item);
  }

  function renderSync() {
    const groups = ["rejected", "conflict", "pending", "synced"].map((key) => {
      const items = state.queue.filter((q) => q.state === key).reverse();
      if (!items.length) return "";
      const fixable = key === "rejected" || key === "conflict";
      return `<h2>${STATE_LABELS[key]} (${items.length})</h2><ul class="list">${items.slice(0, 100).map((q) => `
        <li><span class="state-${q.state}">${esc(KIND_LABELS[q.type] || q.type)}</span> · ${esc(q.label)} · ${new Date(q.created_at).toLocaleString("vi-VN")}
        ${(q.errors || []).map((e) => `<p class="error">${esc(describeError(q, e))}</p>`).join("")}
        ${fixable ? `<div class="actions"><a class="button" href="#/sua/${esc(q.uuid)}">Sửa và gửi lại</a>
          <button type="button" class="secondary" data-discard="${esc(q.uuid)}">Bỏ bản ghi này</button></div>` : ""}</li>`).join("")}</ul>`;
    }).join("");
    render(`<h1>Đồng bộ</h1><p id="sync-summary">${state.queue.filter((q) => q.state === "pending").length} bản ghi đang chờ gửi.</p>
      <div class="actions"><button type="button" id="sync-now">Đồng bộ ngay</button></div>${groups || "<p>Chưa ghi gì trên máy này.</p>"}`, "Đồng bộ");
    document.getElementById("sync-now").addEventListener("click", () => { retry.attempt = 0; syncNow(); });
    view.querySelectorAll("[data-discard]").forEach((b) => b.addEventListener("click", async () => {
      await idb.del("queue", b.dataset.discard);
      await loadState();
      renderSync();
    }));
  }

  // navigated: a new screen opens at its top with the focus on its heading (below the sticky bar).
  function route(navigated) {
    if (stopped) return;
    const [path, query] = (location.hash.slice(1) || "/").split("?");
    const params = new URLSearchParams(query || "");
    const parts = path.split("/").filter(Boolean);
    if (parts[0] === "ho" && parts[2] === "ghi") renderVisitForm(Number(parts[1]));
    else if (parts[0] === "ho" && parts[2] === "roi" && parts[3]) renderLeftForm(Number(parts[1]), Number(parts[3]));
    else if (parts[0] === "ho") renderHousehold(Number(parts[1]));
    else if (parts[0] === "lop" && parts[1]) renderAttendance(Number(parts[1]), params);
    else if (parts[0] === "lop") renderClasses();
    else if (parts[0] === "gio") renderWorkTime();
    else if (parts[0] === "lua-dao") renderScamForm();
    else if (parts[0] === "dong-bo") renderSync();
    else if (parts[0] === "sua" && parts[1]) renderCorrection(decodeURIComponent(parts[1]), params);
    else if (parts[0] === "huong-dan" && guides()) {
      // The guides come from Cache Storage (asynchronous): focus the heading once they are drawn.
      guides().route(parts[1], params, render).then(() => settle(navigated));
      return;
    } else renderHome(params);
    settle(navigated);
  }

  function settle(navigated) {
    updateBadges();
    if (navigated) {
      window.scrollTo(0, 0);
      const heading = view.querySelector("h1");
      if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
    }
  }

  // Eviction would lose what is not yet synced: ask the browser to keep our storage, say so if it won't.
  async function askPersistentStorage() {
    const refused = "Trình duyệt chưa cho phép giữ dữ liệu lâu dài: khi máy thiếu bộ nhớ, dữ liệu chưa đồng bộ có thể bị xoá. "
      + "Hãy đồng bộ thường xuyên.";
    let granted = false;
    try {
      if (navigator.storage && navigator.storage.persist) {
        granted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
      }
    } catch (error) {
      granted = false;
    }
    state.persistent = granted;
    storageNote.textContent = granted ? "" : refused;
    storageNote.hidden = granted;
  }

  function signOut() {
    return window.binhdanSignout.signOut({
      sync: async () => { if (!stopped) { await loadState(); await pushQueue(); } },
      onStay: async () => { await loadState(); location.hash = "#/dong-bo"; route(true); },
      beforeWipe: async () => { stop(); view.innerHTML = "<h1>Đang đăng xuất…</h1>"; },
    });
  }

  window.addEventListener("hashchange", () => route(true));
  window.addEventListener("online", () => { retry.attempt = 0; syncNow(); });
  window.addEventListener("offline", updateBadges);
  // A phone woken up with records waiting tries at once instead of waiting for its next retry.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.queue.some((q) => q.state === "pending")) { retry.attempt = 0; syncNow(); }
  });
  // Focused fields and errors scroll to just below the sticky bar, whatever height it wraps to.
  const bar = document.querySelector("header.bar");
  const fitBar = () => document.documentElement.style.setProperty("--bar-height", `${bar.offsetHeight}px`);
  if (window.ResizeObserver) new ResizeObserver(fitBar).observe(bar);
  fitBar();
  document.getElementById("signout").addEventListener("click", signOut);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(SW_URL, { scope: "/hien-truong/" }).catch(() => {});
  askPersistentStorage();
  loadState().then(() => { route(); syncNow(); });
  window.binhdanField = { syncNow, state, parseHours, retryDelay, signOut };
})();
