// Registers Ironlog's service worker and offers a new version when one is ready. A file of
// its own (not inline) so the page's Content-Security-Policy allows it as 'self'.
(() => {
  if (!("serviceWorker" in navigator)) return;
  // Registered from signed-in pages only. The log-in and sign-up forms are left to do their
  // job: installing there would download the whole build while the person signs in, and the
  // navigation their submit starts would race the worker's activation (a page whose request
  // left before the worker was active is not claimed by it, and stays uncontrolled until the
  // next page).
  if (!document.body?.dataset.user) return;
  const offer = (worker) => {
    if (document.getElementById("update-ready")) return;
    const bar = document.createElement("div");
    bar.id = "update-ready";
    bar.className = "update-ready";
    bar.setAttribute("role", "status");
    const text = document.createElement("span");
    text.textContent = "A new version of Ironlog is ready.";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button primary";
    button.textContent = "Reload to update";
    button.addEventListener("click", () => worker.postMessage("take-over"));
    bar.append(text, button);
    document.body.append(bar);
  };
  // The first worker taking control of a page is no new version: only a change of worker
  // under a page that already had one reloads it (after the user asked for it).
  const hadController = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !hadController) return;
    reloading = true;
    location.reload();
  });
  // After the page has loaded: the worker's install downloads the whole build (lazy chunks
  // too), which must not compete with the first load and its hydration.
  const register = () => navigator.serviceWorker.register("/sw.js", { scope: "/" }).then((registration) => {
    const watch = (worker) => {
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    };
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    if (registration.installing) watch(registration.installing);
    registration.addEventListener("updatefound", () => watch(registration.installing));
  });
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
})();
