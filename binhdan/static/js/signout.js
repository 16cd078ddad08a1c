/* binhdan: signing out leaves no personal data on this device (shared phones).
   Every "Đăng xuất" form (form.signout) and the field app's button come here. Sign-out first sends
   what the field app still holds; if records remain unsent it says how many will be deleted and lets
   the person stay; then it deletes the field app's IndexedDB database, every Cache Storage entry and
   the service workers, and only then posts the sign-out. The server's Clear-Site-Data header does the
   same once more, but a browser that ignores it must not keep anything either. */
(function () {
  "use strict";

  const DB_NAME = "binhdan-field";
  const BATCH = 200;
  const script = document.currentScript;
  const API = (script && script.dataset.api) || "/api/v1/";
  const LOGOUT = (script && script.dataset.logout) || "/tai-khoan/dang-xuat/";
  let busy = false;

  // The CSRF token from its cookie. The cookie's name is the one place that knows it: CSRF_COOKIE_NAME,
  // put in <meta name="csrf-cookie"> by base.html ("__Host-csrftoken" with secure cookies, "csrftoken"
  // on the plain-HTTP demo). A page without the meta tag (the field app's cached shell) takes the
  // prefixed name first, then the plain one. field.js asks here too (window.binhdanCsrfToken).
  function csrf() {
    const meta = document.querySelector('meta[name="csrf-cookie"]');
    const names = meta && meta.content ? [meta.content] : ["__Host-csrftoken", "csrftoken"];
    const jar = document.cookie ? document.cookie.split("; ") : [];
    for (const name of names) {
      const found = jar.find((pair) => pair.slice(0, name.length + 1) === `${name}=`);
      if (found) return decodeURIComponent(found.slice(name.length + 1));
    }
    return "";
  }
  window.binhdanCsrfToken = csrf;

  function request(idbRequest) {
    return new Promise((resolve, reject) => {
      idbRequest.onsuccess = () => resolve(idbRequest.result);
      idbRequest.onerror = () => reject(idbRequest.error);
    });
  }

  async function databaseExists() {
    if (!window.indexedDB) return false;
    if (!indexedDB.databases) return true; // cannot tell: openExisting() creates nothing
    try {
      return (await indexedDB.databases()).some((d) => d.name === DB_NAME);
    } catch (error) {
      return true;
    }
  }

  // Opens the field app's database only if it exists: an upgrade here means it did not, so abort it.
  async function openExisting() {
    if (!(await databaseExists())) return null;
    return new Promise((resolve) => {
      const open = indexedDB.open(DB_NAME);
      open.onupgradeneeded = () => open.transaction.abort();
      open.onsuccess = () => {
        const db = open.result;
        db.onversionchange = () => db.close();
        resolve(db);
      };
      open.onerror = () => resolve(null);
      open.onblocked = () => resolve(null);
    });
  }

  async function readQueue(db) {
    if (!db || !db.objectStoreNames.contains("queue")) return [];
    return request(db.transaction("queue", "readonly").objectStore("queue").getAll());
  }

  async function readMe(db) {
    if (!db || !db.objectStoreNames.contains("meta")) return null;
    const row = await request(db.transaction("meta", "readonly").objectStore("meta").get("me"));
    return row ? row.value : null;
  }

  // On web pages: send the field app's waiting records, but only if they belong to whoever is signed in.
  async function pushPending() {
    const db = await openExisting();
    if (!db) return;
    try {
      const owner = await readMe(db);
      const waiting = (await readQueue(db)).filter((q) => q.state === "pending" && owner && q.user === owner.id);
      if (!waiting.length) return;
      const who = await fetch(API + "me", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!who.ok || (await who.json()).id !== owner.id) return;
      for (let start = 0; start < waiting.length; start += BATCH) {
        const batch = waiting.slice(start, start + BATCH);
        const response = await fetch(API + "sync/push", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ records: batch.map((q) => ({ uuid: q.uuid, type: q.type, data: q.data })) }),
        });
        if (!response.ok) return;
        const results = (await response.json()).results || [];
        const store = db.transaction("queue", "readwrite").objectStore("queue");
        batch.forEach((item, index) => {
          const result = results[index] || {};
          const next = Object.assign({}, item, { synced_at: new Date().toISOString(), errors: result.errors || [] });
          if (result.status === "created" || result.status === "unchanged") next.state = "synced";
          else if (result.status === "conflict" || result.status === "rejected") next.state = result.status;
          else return;
          store.put(next);
        });
      }
    } finally {
      db.close();
    }
  }

  async function unsynced() {
    const db = await openExisting();
    try {
      const left = (await readQueue(db)).filter((q) => q.state !== "synced");
      return {
        total: left.length,
        pending: left.filter((q) => q.state === "pending").length,
        problems: left.filter((q) => q.state !== "pending").length,
      };
    } finally {
      if (db) db.close();
    }
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  // Asks before deleting unsent records; resolves true to sign out anyway, false to stay.
  function confirmLoss(left) {
    return new Promise((resolve) => {
      const dialog = element("dialog", { class: "signout-dialog", "aria-labelledby": "signout-title", "aria-describedby": "signout-text" });
      const parts = [];
      if (left.pending) parts.push(`${left.pending} đang chờ gửi`);
      if (left.problems) parts.push(`${left.problems} bị máy chủ từ chối, chưa sửa`);
      dialog.append(
        element("h2", { id: "signout-title" }, `Còn ${left.total} bản ghi chưa gửi lên máy chủ`),
        element("p", { id: "signout-text" },
          `Trên máy này còn ${left.total} bản ghi chưa đồng bộ (${parts.join(", ")}). ` +
          `Nếu đăng xuất bây giờ, ${left.total} bản ghi này sẽ bị xoá khỏi máy và không lấy lại được.`),
        element("p", {}, navigator.onLine
          ? "Hãy ở lại, mở mục Đồng bộ của ứng dụng hiện trường để gửi hoặc sửa chúng trước."
          : "Máy đang không có mạng. Hãy ở lại, bật mạng rồi đồng bộ trước khi đăng xuất."),
      );
      const actions = element("div", { class: "actions" });
      const stay = element("button", { type: "button", class: "stay" }, "Ở lại, chưa đăng xuất");
      const leave = element("button", { type: "button", class: "secondary leave" }, `Vẫn đăng xuất và xoá ${left.total} bản ghi`);
      actions.append(stay, leave);
      dialog.append(actions);
      const finish = (answer) => {
        dialog.close();
        dialog.remove();
        resolve(answer);
      };
      stay.addEventListener("click", () => finish(false));
      leave.addEventListener("click", () => finish(true));
      dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish(false); });
      document.body.append(dialog);
      dialog.showModal();
      stay.focus();
    });
  }

  async function wipe() {
    if (window.indexedDB) {
      await new Promise((resolve) => {
        const deletion = indexedDB.deleteDatabase(DB_NAME);
        deletion.onsuccess = deletion.onerror = deletion.onblocked = () => resolve();
      });
    }
    if (window.caches) {
      for (const key of await caches.keys()) await caches.delete(key);
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
    }
  }

  function logoutForm(form) {
    if (form) return form;
    const made = element("form", { method: "post", action: LOGOUT, class: "signout", hidden: "" });
    made.append(element("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf() }));
    document.body.append(made);
    return made;
  }

  // Offline: the data is gone already; the session can only end on the server once the network is back.
  function showOffline(form) {
    const main = element("main", { id: "signed-out", tabindex: "-1" });
    main.append(
      element("h1", {}, "Đã xoá dữ liệu trên máy này"),
      element("p", {}, "Máy đang không có mạng nên chưa đăng xuất được khỏi máy chủ. Khi có mạng, hãy bấm nút dưới đây để hoàn tất."),
    );
    const again = element("button", { type: "button" }, "Hoàn tất đăng xuất");
    again.addEventListener("click", () => HTMLFormElement.prototype.submit.call(form));
    main.append(again);
    document.body.replaceChildren(main);
    document.body.append(form);
    main.focus();
  }

  /* options: sync() sends what is waiting (default: the plain push above); beforeWipe() lets the
     field app close its database; onStay() runs when the person chose to stay; form: the form to post. */
  async function signOut(options) {
    const settings = options || {};
    if (busy) return false;
    busy = true;
    try {
      try {
        await (settings.sync || pushPending)();
      } catch (error) {
        // Unreachable server or offline: what is left is counted below and the person decides.
      }
      let left = { total: 0, pending: 0, problems: 0 };
      try {
        left = await unsynced();
      } catch (error) {
        // A database that cannot be read cannot be counted; it is deleted all the same.
      }
      if (left.total && !(await confirmLoss(left))) {
        if (settings.onStay) await settings.onStay();
        return false;
      }
      if (settings.beforeWipe) await settings.beforeWipe();
      await wipe();
      const form = logoutForm(settings.form);
      if (!navigator.onLine) {
        showOffline(form);
        return true;
      }
      HTMLFormElement.prototype.submit.call(form);
      return true;
    } finally {
      busy = false;
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("signout")) return;
    event.preventDefault();
    signOut({ form });
  }, true);

  window.binhdanSignout = { signOut, wipe };
})();
