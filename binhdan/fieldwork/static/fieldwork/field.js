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
  const FORM_ROUTE = /^#\/(ho\/\d+\/ghi|lop\/\d+|gio)/;
  const STATE_LABELS = { pending: "Đang chờ gửi", synced: "Đã đồng bộ", rejected: "Bị từ chối", conflict: "Xung đột" };
  const KIND_LABELS = { visit: "Lượt hỗ trợ", class_attendance: "Điểm danh buổi học", work_time: "Giờ làm việc" };

  // ---- small helpers -----------------------------------------------------------------------------
  const esc = (value) => String(value == null ? "" : value)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const fold = (text) => String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  const pad = (n) => String(n).padStart(2, "0");
  const todayIso = () => { const d = new Date(); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; };
  const showDate = (iso) => (iso ? iso.slice(0, 10).split("-").reverse().join("/") : "");
  function nowWithOffset() {
    const d = new Date();
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    const abs = Math.abs(offset);
    return `${todayIso()}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  // ---- IndexedDB ---------------------------------------------------------------------------------
  const STORES = { households: "id", residents: "id", skills: "code", classes: "id", queue: "uuid", meta: "key" };
  let dbPromise = null;
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open("binhdan-field", 1);
        request.onupgradeneeded = () => {
          for (const [name, key] of Object.entries(STORES)) {
            if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name, { keyPath: key });
          }
        };
        request.onsuccess = () => resolve(request.result);
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

  // ---- state -------------------------------------------------------------------------------------
  const state = { me: null, households: new Map(), residents: new Map(), skills: [], classes: [], queue: [], syncing: false, flash: "" };

  async function loadState() {
    const [meta, households, residents, skills, classes, queue] = await Promise.all([
      idb.get("meta", "me"), idb.all("households"), idb.all("residents"), idb.all("skills"), idb.all("classes"), idb.all("queue"),
    ]);
    state.me = meta ? meta.value : null;
    state.households = new Map(households.map((h) => [h.id, h]));
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
  async function api(path, options) {
    const response = await fetch(API + path, Object.assign({ credentials: "same-origin", headers: { Accept: "application/json" } }, options));
    if (response.status === 401 || response.status === 403) throw new AuthError("auth");
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

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
      const page = await api(`sync/pull?limit=300&since=${encodeURIComponent(cursor)}`);
      if (page.skills.length) {
        // The first page of each round carries the whole catalogue and the current classes.
        await idb.clear("skills"); await idb.put("skills", page.skills);
        await idb.clear("classes"); await idb.put("classes", page.classes);
      }
      await idb.put("households", page.households);
      const gone = page.residents.filter((r) => r.deleted).map((r) => r.id);
      await idb.put("residents", page.residents.filter((r) => !r.deleted));
      if (gone.length) await idb.del("residents", gone);
      cursor = page.cursor;
      await idb.put("meta", [{ key: "cursor", value: cursor }, { key: "pulled_at", value: new Date().toISOString() }]);
      if (!page.more) break;
    }
  }

  async function pushQueue() {
    const pending = state.queue.filter((q) => q.state === "pending");
    for (let start = 0; start < pending.length; start += 200) {
      const batch = pending.slice(start, start + 200);
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
        return next;
      });
      await idb.put("queue", updated);
    }
  }

  async function syncNow() {
    if (state.syncing || !navigator.onLine) { updateBadges(); return; }
    state.syncing = true;
    state.flash = "Đang đồng bộ…";
    updateBadges();
    try {
      await pushQueue();
      await pullAll();
      state.flash = "Đã đồng bộ lúc " + new Date().toLocaleTimeString("vi-VN") + ".";
    } catch (error) {
      state.flash = error instanceof AuthError
        ? "Phiên đăng nhập đã hết: hãy đăng nhập lại để đồng bộ (dữ liệu đang chờ vẫn được giữ trên máy)."
        : "Chưa đồng bộ được, sẽ thử lại khi có mạng.";
      if (error instanceof AuthError) net.innerHTML = `${esc(state.flash)} <a href="${esc(LOGIN)}?next=/hien-truong/">Đăng nhập</a>`;
    } finally {
      state.syncing = false;
      await loadState();
      if (!(net.querySelector("a"))) updateBadges();
      // Never redraw a form the member is filling in; lists and cards pick up the fresh data.
      if (!FORM_ROUTE.test(location.hash)) route();
    }
  }

  async function enqueue(type, data, label) {
    const item = { uuid: uuid4(), type, data, label, user: state.me ? state.me.id : null, state: "pending", errors: [], created_at: new Date().toISOString() };
    await idb.put("queue", item);
    await loadState();
    syncNow();
    return item;
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
    render(`<h1>Hộ cần đến</h1>
      <form id="search" role="search" class="row"><div><label for="q">Tìm hộ hoặc người (có dấu hay không dấu đều được)</label>
        <input id="q" name="q" type="search" value="${esc(params.get("q") || "")}" autocomplete="off"></div>
        <button type="submit" class="secondary">Tìm</button></form>
      <p class="meta">${ranked.length} hộ · xếp theo: hộ tôi phụ trách, chưa đến, đến hẹn, nhóm ưu tiên, thiếu kỹ năng cơ bản.</p>
      ${empty}<ul class="list">${items}</ul>`, "Hộ cần đến");
    document.getElementById("search").addEventListener("submit", (event) => {
      event.preventDefault();
      location.hash = `#/?q=${encodeURIComponent(document.getElementById("q").value)}`;
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

  function renderHousehold(id) {
    const h = state.households.get(id);
    if (!h) return render("<h1>Không tìm thấy hộ</h1><p>Hộ này không có trên máy. <a href=\"#/\">Quay lại</a></p>", "Không tìm thấy hộ");
    const people = state.residents.get(id) || [];
    const visits = localVisits(id);
    render(`<h1>Hộ ${esc(h.head_name)}</h1>
      <p class="meta">${esc(h.address)}${h.number ? ` · số hộ ${esc(h.number)}` : ""}${h.phone ? ` · <a href="tel:${esc(h.phone)}">${esc(h.phone)}</a>` : ""}</p>
      <ul class="tags">${priority(h).reasons.map(([t, c]) => `<li class="tag ${c}">${esc(t)}</li>`).join("")}</ul>
      <div class="actions"><a class="button" href="#/ho/${id}/ghi">Ghi lượt hỗ trợ</a></div>
      <h2>Người trong hộ</h2><ul class="list">${people.map((r) => `<li>${residentLine(r)}</li>`).join("") || "<li>Chưa có ai trong sổ.</li>"}</ul>
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

  function renderVisitForm(id) {
    const h = state.households.get(id);
    if (!h) return renderHousehold(id);
    const people = state.residents.get(id) || [];
    render(`<h1>Ghi lượt hỗ trợ: hộ ${esc(h.head_name)}</h1>
      <form id="visit" novalidate>
        <fieldset><legend>Ai có mặt?</legend>
          ${people.map((r) => `<label class="check"><input type="checkbox" name="present" value="${r.id}"> ${esc(r.name)} (${esc(r.birth_year || "?")})</label>`).join("")}
          <p class="error" id="err-people" role="alert" hidden></p></fieldset>
        ${people.map(personSection).join("")}
        <label for="evidence">Các thông tin trên, bạn biết bằng cách nào?</label>
        <select id="evidence">${options([["seen", "Tôi đã xem trên điện thoại của người dân"], ["told", "Người dân kể lại"]], "seen")}</select>
        <div class="row"><div><label for="minutes">Số phút</label><input id="minutes" type="number" inputmode="numeric" min="1" max="600" value="15"></div>
          <div><label for="channel">Hình thức</label><select id="channel">${options(CHANNELS, "door")}</select></div></div>
        <div class="row quick" role="group" aria-label="Chọn nhanh số phút">${[10, 15, 20, 30].map((m) => `<button type="button" class="secondary" data-minutes="${m}">${m} phút</button>`).join("")}</div>
        <p class="error" id="err-minutes" role="alert" hidden></p>
        <label for="follow_up">Hẹn quay lại (không bắt buộc)</label><input id="follow_up" type="date" min="${todayIso()}">
        <p class="error" id="err-follow_up" role="alert" hidden></p>
        <label for="notes">Ghi chú</label><textarea id="notes" rows="2" maxlength="2000"></textarea>
        <div class="actions"><button type="submit">Lưu lượt hỗ trợ</button><a class="button secondary" href="#/ho/${id}">Huỷ</a></div>
      </form>`, `Ghi lượt hỗ trợ — ${h.head_name}`);
    const form = document.getElementById("visit");
    form.addEventListener("change", (event) => {
      if (event.target.name === "present") document.getElementById(`person-${event.target.value}`).hidden = !event.target.checked;
    });
    form.querySelectorAll("[data-minutes]").forEach((b) => b.addEventListener("click", () => { document.getElementById("minutes").value = b.dataset.minutes; }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fail = (field, message) => { const p = document.getElementById(`err-${field}`); p.textContent = message; p.hidden = !message; return !message; };
      const present = Array.from(form.querySelectorAll("input[name=present]:checked")).map((i) => Number(i.value));
      const minutes = Number(document.getElementById("minutes").value);
      const followUp = document.getElementById("follow_up").value;
      let ok = fail("people", present.length ? "" : "Hãy chọn ít nhất một người được hỗ trợ.");
      ok = fail("minutes", Number.isInteger(minutes) && minutes >= 1 && minutes <= 600 ? "" : "Số phút phải là số nguyên từ 1 đến 600.") && ok;
      ok = fail("follow_up", !followUp || followUp >= todayIso() ? "" : "Ngày hẹn quay lại phải từ hôm nay trở đi.") && ok;
      if (!ok) { form.querySelector(".error:not([hidden])").scrollIntoView({ block: "center" }); return; }
      const evidence = document.getElementById("evidence").value;
      const data = {
        household: id, visited_at: nowWithOffset(), minutes, channel: document.getElementById("channel").value,
        people: present.map((rid) => {
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
      const notes = document.getElementById("notes").value.trim();
      if (notes) data.notes = notes;
      await enqueue("visit", data, `Lượt hỗ trợ hộ ${h.head_name}`);
      state.flash = "Đã lưu lượt hỗ trợ trên máy.";
      location.hash = `#/ho/${id}`;
    });
  }

  function renderClasses() {
    render(`<h1>Buổi học</h1><p>Chọn buổi học để điểm danh.</p>
      <ul class="list">${state.classes.map((c) => `<li><a class="title" href="#/lop/${c.id}">${esc(c.title)}</a><div class="meta">${showDate(c.held_on)}</div></li>`).join("") || "<li>Chưa có buổi học nào sắp tới.</li>"}</ul>`, "Buổi học");
  }

  function renderAttendance(id, params) {
    const c = state.classes.find((x) => x.id === id);
    if (!c) return render("<h1>Không tìm thấy buổi học</h1><p><a href=\"#/lop\">Quay lại</a></p>", "Không tìm thấy buổi học");
    const query = fold(params.get("q") || "");
    const everyone = Array.from(state.residents.values()).flat().filter((r) => !query || fold(r.name).includes(query))
      .sort((a, b) => fold(a.name).localeCompare(fold(b.name))).slice(0, 150);
    render(`<h1>Điểm danh: ${esc(c.title)}</h1><p class="meta">${showDate(c.held_on)}</p>
      <form id="find" role="search" class="row"><div><label for="q">Tìm người tham dự</label><input id="q" type="search" value="${esc(params.get("q") || "")}"></div>
        <button type="submit" class="secondary">Tìm</button></form>
      <form id="attend" novalidate><fieldset><legend>Người tham dự</legend>
        ${everyone.map((r) => `<label class="check"><input type="checkbox" name="who" value="${r.id}"> ${esc(r.name)} (${esc(r.birth_year || "?")})</label>`).join("")}</fieldset>
        <p class="error" id="err-who" role="alert" hidden></p>
        <div class="actions"><button type="submit">Lưu điểm danh</button></div></form>`, `Điểm danh — ${c.title}`);
    document.getElementById("find").addEventListener("submit", (event) => {
      event.preventDefault();
      location.hash = `#/lop/${id}?q=${encodeURIComponent(document.getElementById("q").value)}`;
    });
    document.getElementById("attend").addEventListener("submit", async (event) => {
      event.preventDefault();
      const who = Array.from(event.target.querySelectorAll("input[name=who]:checked")).map((i) => Number(i.value));
      const error = document.getElementById("err-who");
      if (!who.length) { error.textContent = "Hãy chọn ít nhất một người tham dự."; error.hidden = false; return; }
      await enqueue("class_attendance", { class: id, residents: who }, `Điểm danh ${c.title}`);
      state.flash = `Đã lưu điểm danh ${who.length} người.`;
      location.hash = "#/dong-bo";
    });
  }

  function renderWorkTime() {
    render(`<h1>Giờ làm việc</h1><p>Kế hoạch: ít nhất 4 giờ mỗi ngày, 2 ngày mỗi tuần.</p>
      <form id="work" novalidate>
        <label for="day">Ngày</label><input id="day" type="date" value="${todayIso()}" max="${todayIso()}">
        <label for="hours">Số giờ</label><input id="hours" type="number" inputmode="decimal" min="0.25" max="16" step="0.25" value="4">
        <p class="error" id="err-hours" role="alert" hidden></p>
        <label for="note">Ghi chú</label><input id="note" type="text" maxlength="200">
        <div class="actions"><button type="submit">Lưu giờ làm</button></div></form>`, "Giờ làm việc");
    document.getElementById("work").addEventListener("submit", async (event) => {
      event.preventDefault();
      const hours = Number(document.getElementById("hours").value);
      const error = document.getElementById("err-hours");
      if (!(hours >= 0.25 && hours <= 16)) { error.textContent = "Số giờ trong một ngày phải từ 0,25 đến 16."; error.hidden = false; return; }
      const note = document.getElementById("note").value.trim();
      await enqueue("work_time", Object.assign({ date: document.getElementById("day").value, hours }, note ? { note } : {}), "Giờ làm việc");
      state.flash = "Đã lưu giờ làm.";
      location.hash = "#/dong-bo";
    });
  }

  function renderSync() {
    const groups = ["rejected", "conflict", "pending", "synced"].map((key) => {
      const items = state.queue.filter((q) => q.state === key).reverse();
      if (!items.length) return "";
      return `<h2>${STATE_LABELS[key]} (${items.length})</h2><ul class="list">${items.slice(0, 100).map((q) => `
        <li><span class="state-${q.state}">${esc(KIND_LABELS[q.type] || q.type)}</span> · ${esc(q.label)} · ${new Date(q.created_at).toLocaleString("vi-VN")}
        ${(q.errors || []).map((e) => `<p class="error">${esc(e.message)}</p>`).join("")}
        ${key === "rejected" || key === "conflict" ? `<button type="button" class="secondary" data-discard="${q.uuid}">Bỏ bản ghi này</button>` : ""}</li>`).join("")}</ul>`;
    }).join("");
    render(`<h1>Đồng bộ</h1><p id="sync-summary">${state.queue.filter((q) => q.state === "pending").length} bản ghi đang chờ gửi.</p>
      <div class="actions"><button type="button" id="sync-now">Đồng bộ ngay</button></div>${groups || "<p>Chưa ghi gì trên máy này.</p>"}`, "Đồng bộ");
    document.getElementById("sync-now").addEventListener("click", syncNow);
    view.querySelectorAll("[data-discard]").forEach((b) => b.addEventListener("click", async () => {
      await idb.del("queue", b.dataset.discard);
      await loadState();
      renderSync();
    }));
  }

  function route() {
    const [path, query] = (location.hash.slice(1) || "/").split("?");
    const params = new URLSearchParams(query || "");
    const parts = path.split("/").filter(Boolean);
    if (parts[0] === "ho" && parts[2] === "ghi") renderVisitForm(Number(parts[1]));
    else if (parts[0] === "ho") renderHousehold(Number(parts[1]));
    else if (parts[0] === "lop" && parts[1]) renderAttendance(Number(parts[1]), params);
    else if (parts[0] === "lop") renderClasses();
    else if (parts[0] === "gio") renderWorkTime();
    else if (parts[0] === "dong-bo") renderSync();
    else renderHome(params);
    updateBadges();
  }

  window.addEventListener("hashchange", () => { route(); view.focus(); });
  window.addEventListener("online", syncNow);
  window.addEventListener("offline", updateBadges);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(SW_URL, { scope: "/hien-truong/" }).catch(() => {});
  loadState().then(() => { route(); syncNow(); });
  window.binhdanField = { syncNow, state };
})();
