// Ironlog's service worker, generated for one build (see server/src/pwa.rs).
// - Installs: precaches the build's files (/pkg, its lazy chunks included), the icons and the
//   offline page, in a cache named after the build; from a CDN, each file checked against its
//   integrity (a changed one fails the install, which the next page load retries).
// - Pages: network first (3 s), a copy kept per page; offline or slow, the kept copy, else
//   the offline page. So Log, Today, History and Progress open offline once visited online.
// - The build's files: from the precache. Anything else (the API): straight to the network.
// - Activates: deletes older builds' caches. A new version waits until the page asks it to
//   take over (the user pressed "Reload"), so code never changes under an open form.
// - The API's reads for Progress (profile, workouts): network first, a copy kept, so Progress
//   works offline from the last history fetched.
// - Opening the log-in or sign-up page (signing out, switching accounts) clears the kept
//   pages and reads: nothing of one user is left for the next.
// - Background Sync: replays the outbox of workouts saved offline (device-store.js, shared
//   with the pages), even with no Ironlog page open.
importScripts("/device-store.js");

const BUILD = "__BUILD__";
const PRECACHE = __PRECACHE__;
// Subresource Integrity of the build's files when they come from a CDN (none from this server).
const INTEGRITY = __INTEGRITY__;
const SHELL = `ironlog-shell-${BUILD}`;
const PAGES = "ironlog-pages";
const DATA = "ironlog-data";
// API reads kept for offline: the editor's preview reads the profile and the history; Progress
// reads its figures through its page (kept as every page is) and `/api/v1/progress` for clients.
const KEPT_READS = ["/api/v1/profile", "/api/v1/bodyweight", "/api/v1/workouts", "/api/v1/progress"];
const NETWORK_WAIT_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL).then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload", integrity: INTEGRITY[url] ?? "" })))),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("ironlog-shell-") && k !== SHELL).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "take-over") self.skipWaiting();
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// Network first (NETWORK_WAIT_MS): the network's answer, a copy kept under `key` in
// `cacheName` when `keep(response)` says so; without an answer, the kept copy, else the error.
async function networkFirst(request, cacheName, key, keep) {
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    if (keep(response)) {
      const copy = response.clone();
      caches.open(cacheName).then((cache) => cache.put(key, copy));
    }
    return response;
  } catch (error) {
    const kept = await caches.match(key, { cacheName });
    if (kept) return kept;
    throw error;
  }
}

async function page(request) {
  const url = new URL(request.url);
  const account = url.pathname === "/login" || url.pathname === "/signup";
  // Whoever opens the log-in or sign-up page is signing out, switching accounts or starting
  // fresh: the pages kept for the last user go, so the next one never sees them offline.
  if (account) {
    await Promise.all([caches.delete(PAGES), caches.delete(DATA)]);
  }
  // Only a page of the app shown to a signed-in user is worth keeping (not the log-in and
  // sign-up forms, nor a redirect to them).
  const keep = (response) =>
    response.ok && !response.redirected && !account && response.headers.get("content-type")?.startsWith("text/html");
  try {
    return await networkFirst(request, PAGES, url.pathname, keep);
  } catch (_) {
    return (await caches.match("/offline", { cacheName: SHELL })) ?? Response.error();
  }
}

// A read of the user's data: the network's answer when there is one, kept; else the kept one.
const read = (request) => networkFirst(request, DATA, request.url, (response) => response.ok);

// A delete in its undo window (5 s) is due in seconds: the sync waits for it rather than leave
// it to the browser's next try, minutes later, when the page that made it has been closed.
const SYNC_WAIT_MS = 10000;
const waiting = async () => (await IronlogStore.pending()).filter((item) => item.state === "pending");

self.addEventListener("sync", (event) => {
  if (event.tag !== IronlogStore.SYNC_TAG) return;
  event.waitUntil(
    IronlogStore.replay().then(async () => {
      const later = (await waiting()).filter((item) => item.notBefore > Date.now());
      const due = Math.min(...later.map((item) => item.notBefore));
      const wait = due - Date.now();
      if (wait > 0 && wait <= SYNC_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, wait + 100));
        await IronlogStore.replay();
      }
      // Still waiting (offline, busy, signed out): fail, so the browser tries again later.
      if ((await waiting()).length > 0) throw new Error("workouts still pending");
    }),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  const own = url.origin === self.location.origin;
  // Precached by path, or by full URL for the build's files on the CDN (IRONLOG_ASSETS_URL).
  const precached = own ? url.pathname : url.href;
  if (!own) {
    if (PRECACHE.includes(precached)) event.respondWith(fromShell(precached, request));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(request));
    return;
  }
  if (KEPT_READS.includes(url.pathname)) {
    event.respondWith(read(request));
    return;
  }
  if (PRECACHE.includes(precached)) {
    event.respondWith(fromShell(precached, request));
  }
});

/** The precached copy of `key`, or the network if the cache lost it. */
function fromShell(key, request) {
  return caches.match(key, { cacheName: SHELL }).then((hit) => hit ?? fetch(request));
}
