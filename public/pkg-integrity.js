// Subresource Integrity for the Wasm of a page whose build comes from a CDN. The server puts an
// import map before the hydration script whose `integrity` names every script and Wasm file of
// the build by URL: the browser checks module loads (the loader, the chunks' loader) against it
// by itself, but the Wasm is fetched by generated code (wasm-bindgen's init, the lazy chunks'
// loader) with bare URLs. Those fetches get the map's integrity here, so a changed file on the
// CDN fails to load instead of running. Loaded only with the map; runs before the hydration
// script (both deferred, in document order).
(() => {
  const map = document.querySelector('script[type="importmap"]');
  if (!map) return;
  let integrity;
  try {
    integrity = JSON.parse(map.textContent).integrity;
  } catch (e) {
    console.error("pkg-integrity: the import map is not JSON", e);
    return;
  }
  if (!integrity) return;
  const fetch = self.fetch.bind(self);
  self.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href).href;
    const expected = integrity[url];
    if (expected === undefined || (init && init.integrity)) return fetch(input, init);
    return fetch(input, { ...init, integrity: expected });
  };
})();
