// What Ironlog keeps on the device, in IndexedDB: the Log form's draft and the outbox of
// workouts not yet accepted by the server. Loaded by every page (the Log form's Wasm calls it
// as `IronlogStore`) and by the service worker (Background Sync replays the outbox), so there
// is one sender of workouts, written once. No DOM here: the worker has none.
//
// Exactly once in effect: an item keeps the UUID v7 the form made, and the server is
// idempotent by id, so sending an item twice stores it once.
//
// Items are the signed-in user's: each carries its user and is only sent under that user's
// session (the page says who is signed in; the worker reads the last page's word from `meta`).
(() => {
  const DB = "ironlog";
  const VERSION = 1;
  const LOCK = "ironlog-outbox";
  const SYNC_TAG = "ironlog-outbox";
  // A person is waiting on the Save button: a busy server is asked a few times, briefly, and
  // then the workout waits in the outbox.
  const SAVE_ATTEMPTS = 3;
  const SAVE_WAIT_CAP_MS = 4000;
  const SEND_TIMEOUT_MS = 10000;
  // The longest a server's Retry-After is honoured for in the background.
  const RETRY_AFTER_CAP_MS = 5 * 60 * 1000;

  // Web Locks keep one sender per item and one replayer per device; a browser without them
  // (none Ironlog supports) would send without, which stays safe: the server dedupes by id.
  function locked(name, options, act) {
    if (navigator.locks) return navigator.locks.request(name, options, act);
    return act({ name });
  }

  // Tells the other tabs (and pages, from the worker) that the outbox changed.
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("ironlog-outbox") : null;

  let opened = null;
  function db() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB, VERSION);
        request.onupgradeneeded = () => {
          const d = request.result;
          d.createObjectStore("drafts", { keyPath: "user" });
          const outbox = d.createObjectStore("outbox", { keyPath: "id" });
          outbox.createIndex("user", "user");
          d.createObjectStore("meta");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => {
          opened = null;
          reject(request.error);
        };
        request.onblocked = () => reject(new Error("the device store is blocked by another tab"));
      });
    }
    return opened;
  }

  // One request in its own transaction, resolved when the transaction commits (so a resolved
  // write is on disk, and a quota failure rejects instead of being lost).
  async function run(store, mode, act) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(store, mode, { durability: "strict" });
      let result;
      const request = act(tx.objectStore(store));
      request.onsuccess = () => {
        result = request.result;
      };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error ?? request.error);
      tx.onabort = () => reject(tx.error ?? new Error("the device store refused the write"));
    });
  }

  const isQuota = (error) => error && (error.name === "QuotaExceededError" || /quota/i.test(String(error.message)));

  // The signed-in user: the page's `<body data-user>`; in the worker, the last page's word.
  async function currentUser() {
    if (typeof document !== "undefined") return document.body?.dataset.user || null;
    return (await run("meta", "readonly", (s) => s.get("user"))) ?? null;
  }

  let persistAsked = false;
  // Ask once per page that the browser not evict what is kept here under storage pressure.
  function askPersistence() {
    if (persistAsked || !navigator.storage?.persist) return;
    persistAsked = true;
    navigator.storage.persisted().then((already) => already || navigator.storage.persist()).catch(() => {});
  }

  // ---- the draft ----

  async function loadDraft() {
    const user = await currentUser();
    if (!user) return null;
    const row = await run("drafts", "readonly", (s) => s.get(user));
    return row ? row.form : null;
  }

  async function saveDraft(form) {
    const user = await currentUser();
    if (!user) return;
    askPersistence();
    await run("drafts", "readwrite", (s) => s.put({ user, form, saved: Date.now() }));
  }

  async function clearDraft() {
    const user = await currentUser();
    if (!user) return;
    await run("drafts", "readwrite", (s) => s.delete(user));
  }

  // ---- the outbox ----

  async function items(user) {
    const all = await run("outbox", "readonly", (s) => s.index("user").getAll(user));
    return all.sort((a, b) => a.created - b.created);
  }

  async function pending() {
    const user = await currentUser();
    return user ? items(user) : [];
  }

  const put = (item) => run("outbox", "readwrite", (s) => s.put(item));
  const remove = (id) => run("outbox", "readwrite", (s) => s.delete(id));
  const get = (id) => run("outbox", "readonly", (s) => s.get(id));
  // Every version of an item gets its own stamp: what was sent is removed only if it is still
  // the version kept (a delete or an edit made meanwhile replaces it and must stay).
  const stamp = () => `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  // Removes the item if it is still the version `sent`, in one transaction.
  const removeIfSame = (sent) =>
    run("outbox", "readwrite", (s) =>
      new Promise((resolve, reject) => {
        const read = s.get(sent.id);
        read.onsuccess = () => {
          if (read.result?.stamp === sent.stamp) s.delete(sent.id);
          resolve();
        };
        read.onerror = () => reject(read.error);
      }),
    );
  // Replaces the version `sent` with `next`, only if it is still the version kept.
  const putIfSame = (sent, next) =>
    run("outbox", "readwrite", (s) =>
      new Promise((resolve, reject) => {
        const read = s.get(sent.id);
        read.onsuccess = () => {
          if (read.result?.stamp === sent.stamp) s.put(next);
          resolve();
        };
        read.onerror = () => reject(read.error);
      }),
    );

  function changed() {
    if (typeof document !== "undefined") document.dispatchEvent(new CustomEvent("ironlog:outbox"));
    channel?.postMessage("changed");
  }

  // `Retry-After` as delay-seconds (the only form this server sends); anything else is null.
  function retryAfterMs(response) {
    const value = (response.headers.get("Retry-After") || "").trim();
    if (!/^\d+$/.test(value)) return null;
    return Math.min(Number(value) * 1000, RETRY_AFTER_CAP_MS);
  }

  async function readError(response) {
    try {
      const body = await response.json();
      return {
        code: String(body.error || ""),
        message: String(body.message || `HTTP ${response.status}`),
        problems: Array.isArray(body.problems) ? body.problems : [],
      };
    } catch (_) {
      return { code: "", message: `The server answered HTTP ${response.status}.`, problems: [] };
    }
  }

  // Where and how an item is sent: a new workout is POSTed, an edit PUT and a delete DELETEd
  // at the workout's own address. Items kept before edits existed have no method: POST.
  function request(item) {
    const method = item.method || "POST";
    const url = method === "POST" ? "/api/v1/workouts" : `/api/v1/workouts/${encodeURIComponent(item.id)}`;
    const headers = { "X-Ironlog-User": item.user };
    if (method === "DELETE") return { url, method, headers };
    return { url, method, headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(item.body) };
  }

  // One send of an item: what happened, as one of
  // stored | refused (a final 4xx, with problems) | signin (401, or saved for another account)
  // | busy (429/5xx or an answer that is not the API's, maybe a wait) | offline.
  async function send(item) {
    if (typeof navigator !== "undefined" && navigator.onLine === false) return { kind: "offline" };
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
    let response;
    try {
      const { url, ...how } = request(item);
      response = await fetch(url, {
        ...how,
        credentials: "same-origin",
        // A captive portal or a proxy answering with a redirect is not the API: never
        // mistake its page for an acceptance.
        redirect: "manual",
        signal: abort.signal,
      });
    } catch (_) {
      return { kind: "offline" };
    } finally {
      clearTimeout(timer);
    }
    if (response.type === "opaqueredirect") return { kind: "busy", waitMs: null };
    if (response.ok) {
      // Only the API's acceptance of this very id counts as stored.
      const accepted = await response.json().catch(() => null);
      return accepted?.id === item.id ? { kind: "stored" } : { kind: "busy", waitMs: null };
    }
    if (response.status === 401) return { kind: "signin" };
    if (response.status === 429 || response.status >= 500) return { kind: "busy", waitMs: retryAfterMs(response) };
    const error = await readError(response);
    // Saved on this device by another account: it waits for that account to sign in.
    if (response.status === 403 && error.code === "other_account") return { kind: "signin" };
    return { kind: "refused", ...error };
  }

  // Registers a Background Sync so the worker replays the outbox when the browser is online
  // again, even with no Ironlog page open. Not every browser has it: pages replay too.
  async function requestSync() {
    try {
      const registration = await navigator.serviceWorker?.ready;
      await registration?.sync?.register(SYNC_TAG);
    } catch (_) {
      // No Background Sync here (or no worker yet): the pages' own triggers remain.
    }
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Saves a workout from the Log form: first into the outbox (so it is on the device before any
  // network), then sends it. Returns {kind, ...}:
  //   stored   the server accepted it (the item is gone from the outbox);
  //   refused  a final answer with problems: the item is dropped, the form shows the problems
  //            and its draft still holds every field;
  //   pending  kept on this device (offline, the server busy, or signed out: `reason`);
  //   quota    the device has no room and the server could not be reached: nothing was
  //            kept, the draft is untouched.
  // With no room on the device, the workout is sent directly instead (stored or refused).
  // `method` is POST for a new workout and PUT for an edit of a stored one. An item already
  // kept for the same workout (its log, an earlier edit) is replaced: the newest version is
  // the one to send, and a PUT stores the workout whether or not the log got there first.
  async function save(body, form, summary, positions, method = "POST") {
    const user = await currentUser();
    // Nobody to keep it for: the form keeps its entries and says so.
    if (!user) throw new Error("no one is signed in on this page");
    const item = { id: body.id, user, method, body, form, summary, positions, created: Date.now(), stamp: stamp(), state: "pending", notBefore: 0, problems: [], message: "" };
    try {
      // Under the item's lock: never while a replay is sending an older version of it.
      await locked(`${LOCK}:${item.id}`, {}, () => put(item));
    } catch (error) {
      // The device cannot keep it: send it straight away, once; if that fails too, the form
      // keeps the entries and says why.
      const answer = await send(item);
      if (answer.kind === "stored") return { kind: "stored", id: item.id };
      if (answer.kind === "refused") return { kind: "refused", message: answer.message, problems: answer.problems };
      if (isQuota(error)) return { kind: "quota" };
      throw error;
    }
    askPersistence();
    changed();
    for (let attempt = 1; ; attempt++) {
      const answer = await locked(`${LOCK}:${item.id}`, {}, async () => {
        const sent = await send(item);
        if (sent.kind === "stored" || sent.kind === "refused") await removeIfSame(item);
        return sent;
      });
      switch (answer.kind) {
        case "stored":
          changed();
          return { kind: "stored", id: item.id };
        case "refused":
          changed();
          return { kind: "refused", message: answer.message, problems: answer.problems };
        case "signin":
          requestSync();
          return { kind: "pending", reason: "signin" };
        case "busy":
          if (attempt < SAVE_ATTEMPTS) {
            await sleep(Math.min(answer.waitMs ?? 500 * 2 ** attempt, SAVE_WAIT_CAP_MS));
            continue;
          }
          await putIfSame(item, { ...item, notBefore: Date.now() + (answer.waitMs ?? 0) });
          requestSync();
          return { kind: "pending", reason: "busy" };
        default:
          requestSync();
          return { kind: "pending", reason: "offline" };
      }
    }
  }

  // Deletes a stored workout through the outbox, after `delayMs` in which `undoDelete` takes it
  // back: the delete is kept on the device at once (so closing the page loses nothing) but not
  // sent before then. An item this replaces (a log or edit of the same workout not sent yet)
  // is kept inside it, so an undo puts it back.
  async function deleteWorkout(id, summary, delayMs) {
    const user = await currentUser();
    if (!user) throw new Error("no one is signed in on this page");
    // Under the item's lock: a replay sending the item this replaces finishes first, and then
    // finds it replaced and leaves the delete alone.
    await locked(`${LOCK}:${id}`, {}, async () => {
      const previous = await get(id);
      await put({
        id, user, method: "DELETE", body: { id }, summary, created: Date.now(), stamp: stamp(), state: "pending",
        notBefore: Date.now() + delayMs, problems: [], message: "",
        previous: previous && previous.user === user && previous.method !== "DELETE" ? previous : null,
      });
    });
    askPersistence();
    changed();
    requestSync();
  }

  // Takes back a delete not sent yet; false when it is already on its way or gone.
  async function undoDelete(id) {
    const user = await currentUser();
    return locked(`${LOCK}:${id}`, { ifAvailable: true }, async (held) => {
      if (!held) return false;
      // A replay sends only what it finds under this lock, so until one holds it the delete can
      // still be taken back.
      const item = await get(id);
      if (!item || item.user !== user || item.method !== "DELETE" || item.state !== "pending") return false;
      if (item.previous) await put(item.previous);
      else await remove(id);
      changed();
      return true;
    });
  }

  // Sends the signed-in user's pending items, oldest first, in one tab (or the worker) at a
  // time. Stops at the first sign that more sending is pointless now (offline, signed out,
  // busy). Returns {sent, left, signin}.
  async function replay() {
    const user = await currentUser();
    if (!user) return { sent: 0, left: 0, signin: false };
    const outcome = await locked(LOCK, { ifAvailable: true }, async (lock) => {
      if (!lock) return null;
      let sent = 0;
      let lastId = null;
      let lastMethod = null;
      let lastRevision = null;
      let signin = false;
      for (const listed of await items(user)) {
        if (listed.state !== "pending" || listed.notBefore > Date.now()) continue;
        // The Save button may be sending this very item: never both at once. Under the lock,
        // the item is read again: an undo, an edit or a delete may have replaced it since the
        // list was read, and only what is kept now is sent.
        let item = listed;
        const answer = await locked(`${LOCK}:${listed.id}`, { ifAvailable: true }, async (held) => {
          if (!held) return { kind: "skipped" };
          const current = await get(listed.id);
          if (!current || current.user !== user || current.state !== "pending" || current.notBefore > Date.now()) {
            return { kind: "skipped" };
          }
          item = current;
          const sent = await send(item);
          if (sent.kind === "stored") await removeIfSame(item);
          if (sent.kind === "refused") {
            // Kept, with its problems, until the person fixes or discards it: never resent as is.
            await putIfSame(item, { ...item, state: "refused", message: sent.message, problems: sent.problems });
          }
          if (sent.kind === "busy") await putIfSame(item, { ...item, notBefore: Date.now() + (sent.waitMs ?? 30000) });
          return sent;
        });
        if (answer.kind === "skipped") continue;
        if (answer.kind === "stored") {
          sent++;
          lastId = item.id;
          lastMethod = item.method || "POST";
          lastRevision = item.body?.revision ?? null;
          changed();
          continue;
        }
        if (answer.kind === "refused") {
          changed();
          continue;
        }
        if (answer.kind === "signin") signin = true;
        break;
      }
      return { sent, lastId, lastMethod, lastRevision, signin };
    });
    if (!outcome) return { sent: 0, left: (await items(user)).length, signin: false, busy: true };
    return { ...outcome, left: (await items(user)).length };
  }

  // A refused item the person chose to fix: it becomes the Log form's draft, with its id. The
  // refused item stays in the outbox until the fixed one, saved with the same id, replaces it,
  // so a draft overwritten elsewhere never loses it.
  async function reopen(id) {
    const user = await currentUser();
    const item = await run("outbox", "readonly", (s) => s.get(id));
    if (!item || item.user !== user) throw new Error("that workout is no longer on this device");
    await run("drafts", "readwrite", (s) => s.put({ user, form: item.form, saved: Date.now() }));
  }

  async function discard(id) {
    const user = await currentUser();
    const item = await run("outbox", "readonly", (s) => s.get(id));
    if (!item || item.user !== user) return;
    await remove(id);
    changed();
  }

  // Who is signed in, as the page says: kept for the worker's Background Sync.
  async function rememberUser() {
    const user = await currentUser();
    await run("meta", "readwrite", (s) => (user ? s.put(user, "user") : s.delete("user")));
  }

  // Calls `listener` whenever the outbox changes, in this tab, another or the worker.
  function onChange(listener) {
    if (typeof document !== "undefined") document.addEventListener("ironlog:outbox", listener);
    channel?.addEventListener("message", listener);
  }

  self.IronlogStore = { onChange, loadDraft, saveDraft, clearDraft, save, deleteWorkout, undoDelete, replay, pending, reopen, discard, rememberUser, isQuota, SYNC_TAG };
})();
