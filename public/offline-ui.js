// The page's side of the outbox (device-store.js): when to replay it, the count on the
// History tab, the list of workouts not yet synced on History, and the warning before
// signing out with some still on the device. Plain DOM, run after the server's HTML is parsed;
// nothing here is needed for the pages to work online.
(() => {
  const store = self.IronlogStore;
  if (!store) return;
  // While anything is pending, try again this often (besides `online`, page loads and
  // Background Sync).
  const PERIOD_MS = 20000;
  // How long a deleted workout can be taken back before the delete is sent.
  const UNDO_MS = 5000;

  const onHistory = location.pathname === "/history" && !new URLSearchParams(location.search).has("before");

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    node.append(...children);
    return node;
  }

  // A problem's field names the JSON's positions; the form skipped blank rows, so rewrite it
  // to the form's rows with the map the form kept with the item (the twin of
  // `FormPositions::to_form_field` in app/src/draft.rs).
  function toFormField(field, positions) {
    const exercise = field.match(/^exercises\[(\d+)\](.*)$/);
    const entry = exercise && positions?.exercises?.[Number(exercise[1])];
    if (!entry) return field;
    const [formI, sets] = entry;
    const set = exercise[2].match(/^\.sets\[(\d+)\](.*)$/);
    if (!set) return `exercises[${formI}]${exercise[2]}`;
    return `exercises[${formI}].sets[${sets[Number(set[1])] ?? set[1]}]${set[2]}`;
  }

  // A validator's field path for people, as the Log form shows it:
  // `exercises[1].sets[2].reps` becomes "Exercise 2, set 3: reps".
  const LABELS = { exercises: "Exercise", sets: "set", weight_kg: "weight", performed_at: "date", id: "workout id" };
  function describe(field) {
    const parts = field.split(".").map((segment) => {
      const [, name, index] = segment.match(/^([^[]*)(?:\[(\d+)\])?$/) ?? [null, segment, undefined];
      const label = LABELS[name] ?? name;
      return index === undefined ? label : `${label} ${Number(index) + 1}`;
    });
    return parts.length < 2 ? parts.join("") : `${parts.slice(0, -1).join(", ")}: ${parts[parts.length - 1]}`;
  }

  function when(item) {
    const date = new Date(item.body?.performed_at);
    return Number.isNaN(date.getTime()) ? "Just now" : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function badge(count) {
    const tab = document.querySelector('nav .tabs a[href="/history"]');
    if (!tab) return;
    let mark = tab.querySelector(".pending-count");
    if (count === 0) {
      mark?.remove();
      return;
    }
    if (!mark) {
      mark = el("span", { class: "pending-count", "data-testid": "pending-count" });
      tab.append(mark);
    }
    mark.textContent = String(count);
    mark.setAttribute("aria-label", `${count} not synced yet`);
  }

  const STATES = { POST: "Not synced yet", PUT: "Edit not synced yet", DELETE: "Delete not synced yet" };

  // A delete still in its undo window: shown as the toast, not as a change waiting.
  const undoable = (item) => item.method === "DELETE" && item.state === "pending" && item.notBefore > Date.now();

  function card(item) {
    const refused = item.state === "refused";
    const method = item.method || "POST";
    const li = el("li", { class: `card session pending${refused ? " refused" : ""}`, "data-id": item.id, "data-method": method, "data-testid": "pending-item" });
    const state = refused ? "Refused by the server" : STATES[method] ?? STATES.POST;
    li.append(
      el("header", { class: "session-head" }, el("span", {}, when(item)), el("span", { class: `sync-state${refused ? " error" : ""}` }, state)),
    );
    const lines = el("ul", { class: "pending-lines" });
    for (const line of item.summary?.lines ?? []) lines.append(el("li", {}, line));
    li.append(lines);
    if (refused) {
      const problems = el("ul", { class: "problems", "data-testid": "pending-problems" });
      for (const p of item.problems.length ? item.problems : [{ field: "", message: item.message }]) {
        problems.append(el("li", {}, p.field ? `${describe(toFormField(p.field, item.positions))} ${p.message}` : p.message));
      }
      const fix = el("button", { type: "button", class: "button small" }, "Fix");
      fix.addEventListener("click", async () => {
        // An edit is fixed from the stored workout, opened again for editing.
        if (method === "PUT") {
          location.assign(`/?edit=${encodeURIComponent(item.id)}`);
          return;
        }
        const draft = await store.loadDraft();
        if (draft && !confirm("Replace the workout you are filling in on the Log page with this one?")) return;
        await store.reopen(item.id);
        location.assign("/");
      });
      const drop = el("button", { type: "button", class: "button ghost small" }, "Discard");
      drop.addEventListener("click", async () => {
        if (!confirm("Discard this workout? It was never stored and will be gone from this device.")) return;
        await store.discard(item.id);
      });
      li.append(el("p", {}, "Please fix:"), problems, el("div", { class: "actions" }, fix, drop));
    }
    return li;
  }

  function list(items) {
    let section = document.getElementById("outbox");
    if (items.length === 0) {
      section?.remove();
      document.querySelector("main .card.empty")?.removeAttribute("hidden");
      return;
    }
    if (!section) {
      section = el("section", { id: "outbox", class: "outbox", "aria-labelledby": "outbox-title" });
      document.querySelector("main .page-head")?.after(section);
    }
    const kept = new URLSearchParams(location.search).get("kept");
    const note = kept && items.some((i) => i.id === kept)
      ? el("p", { class: "alert info", role: "status" }, "Saved on this device. It will be sent as soon as Ironlog can reach the server.")
      : "";
    section.replaceChildren(
      el("h2", { id: "outbox-title" }, `On this device, not synced yet (${items.length})`),
      note,
      el("ol", { class: "sessions", "aria-label": "Workouts not synced yet" }, ...items.map(card)),
    );
    // "No workouts yet" is wrong while some wait here.
    document.querySelector("main .card.empty")?.setAttribute("hidden", "");
  }

  // The server's cards of workouts deleted on this device but not yet on the server.
  function hideDeleted(items) {
    const deleting = new Set(items.filter((i) => i.method === "DELETE").map((i) => i.id));
    for (const li of document.querySelectorAll("main ol.sessions > li.card.session[data-id]:not(.pending)")) {
      li.hidden = deleting.has(li.dataset.id);
    }
  }

  async function refresh() {
    const items = await store.pending();
    const shown = items.filter((i) => !undoable(i));
    badge(shown.length);
    if (onHistory) {
      list(shown);
      hideDeleted(items);
    }
    return items;
  }

  // A short-lived message at the bottom of the page, with an optional action.
  function toast(text, action) {
    document.getElementById("toast")?.remove();
    const box = el("div", { id: "toast", class: "toast", role: "status", "data-testid": "toast" }, el("span", {}, text));
    if (action) {
      const button = el("button", { type: "button", class: "button small", "data-testid": "toast-action" }, action.label);
      button.addEventListener("click", action.run, { once: true });
      box.append(button);
    }
    document.body.append(box);
    return box;
  }

  // History's Delete: the card goes at once, and for a few seconds Undo brings it back;
  // then the delete is sent (through the outbox, so offline it waits like any change).
  function deleteWithUndo() {
    document.addEventListener("submit", async (event) => {
      const form = event.target.closest?.("form.delete-workout");
      if (!form) return;
      event.preventDefault();
      const li = form.closest("li");
      const id = form.querySelector("input[name=id]")?.value;
      if (!id) return;
      const summary = { lines: [li?.dataset.summary ?? "Workout"] };
      try {
        await store.deleteWorkout(id, summary, UNDO_MS);
      } catch (error) {
        // The device cannot keep it: send the plain form instead (no undo).
        console.warn("Ironlog: deleting through the outbox failed", error);
        form.submit();
        return;
      }
      if (li) li.hidden = true;
      const shown = toast("Workout deleted.", {
        label: "Undo",
        run: async () => {
          const back = await store.undoDelete(id);
          if (back && li) li.hidden = false;
          toast(back ? "Workout restored." : "Too late: the workout was already deleted.");
        },
      });
      setTimeout(() => {
        if (shown.isConnected) shown.remove();
        replay();
      }, UNDO_MS + 100);
    });
  }

  let timer = null;
  let replaying = false;
  async function replay() {
    if (replaying) return;
    replaying = true;
    try {
      const outcome = await store.replay();
      // Back on History, the server's list now has what was sent (read-your-writes: the page
      // waits for the newest one, as after an online save).
      if (onHistory && outcome.sent > 0 && navigator.onLine) {
        const id = encodeURIComponent(outcome.lastId);
        if (outcome.lastMethod === "DELETE") location.replace("/history");
        else if (outcome.lastMethod === "PUT") location.replace(`/history?logged=${id}&revision=${outcome.lastRevision}`);
        else location.replace(`/history?logged=${id}`);
        return;
      }
    } catch (error) {
      console.warn("Ironlog: replaying the outbox failed", error);
    } finally {
      replaying = false;
    }
    const items = await refresh();
    clearTimeout(timer);
    const waiting = items.filter((i) => i.state === "pending");
    if (waiting.length) {
      // A delete in its undo window goes as soon as the window closes.
      const soon = waiting.filter((i) => i.notBefore > Date.now()).map((i) => i.notBefore - Date.now() + 100);
      const next = Math.min(PERIOD_MS, ...soon);
      timer = setTimeout(replay, next);
    }
  }

  // Signing out with workouts still on the device: say so first. They stay (keyed to this
  // user, shown to no one else) and are sent when this user signs in again.
  function guardSignOut() {
    const form = document.querySelector("form.signout");
    form?.addEventListener("submit", async (event) => {
      if (form.dataset.confirmed) return;
      event.preventDefault();
      // If the store cannot be read, signing out still works (and loses nothing: the items
      // stay where they are).
      const count = await store.pending().then((items) => items.length, () => 0);
      const ok = count === 0 || confirm(
        `${count} workout${count === 1 ? " is" : "s are"} not synced yet. They stay on this device and are sent when you sign in again. Sign out anyway?`,
      );
      if (ok) {
        form.dataset.confirmed = "1";
        form.requestSubmit();
      }
    });
  }

  // Offline, say so on every page, and what it means for this one.
  function offlineBanner() {
    let banner = document.getElementById("offline-banner");
    if (navigator.onLine) {
      banner?.remove();
      return;
    }
    if (banner) return;
    const text = location.pathname === "/today"
      ? "You're offline: this is the plan from your last visit online. Workouts you save are kept on this device."
      : "You're offline. Workouts you save are kept on this device and sent when you're back online.";
    banner = el("p", { id: "offline-banner", class: "alert info offline-banner", role: "status" }, text);
    document.querySelector("main")?.prepend(banner);
  }

  function start() {
    offlineBanner();
    window.addEventListener("online", offlineBanner);
    window.addEventListener("offline", offlineBanner);
    store.rememberUser().catch(() => {});
    if (!document.body.dataset.user) return;
    guardSignOut();
    if (onHistory) deleteWithUndo();
    store.onChange(() => refresh().catch(() => {}));
    window.addEventListener("online", replay);
    refresh().then(replay).catch((error) => console.warn("Ironlog: the device store is unavailable", error));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
